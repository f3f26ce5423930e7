"""The stylesheets, scripts and images a page embeds, archived so that it replays as it
looked (ARCHIVE_PAGE_ASSETS). A part of :class:`crawler.spiders.base.NewsSpider`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response

from crawler.spiders.meta import PRIO_ASSET
from crawler.spiders.urls import quick_host

# a part of NewsSpider (crawler/spiders/base.py), which is made of its parts: the parts'
# self is typed Any, as mypy cannot take NewsSpider as a base of one of its own bases
_Spider: Any = object


logger = logging.getLogger("crawler.spiders.base")

# statuses a page-asset request hands to parse_asset instead of raising HttpError
ASSET_ERROR_STATUSES = tuple(range(400, 600))


class PageAssets(_Spider):
    def asset_requests(self, response: Response, hrefs: Iterable[str]) -> Iterator[Request]:
        """The stylesheets, scripts and images a page embeds, so that it replays as it
        looked: from the site's hosts and subdomains, or any host (a CDN) with
        ARCHIVE_PAGE_ASSETS=all; robots.txt permitting. The capture middleware archives
        them and nothing else is done with them. Those of the site go with the site's
        headers and cookies (a sites file's options)."""
        if self.capture_assets == "off":
            return
        for href in hrefs:
            url = self._asset_target(href, response.url)
            if url is None or url in self._requested_assets:
                continue
            self._requested_assets.add(url)
            # the site's own headers and cookies go with its own assets, not a CDN's
            yield self.request(
                url,
                self.scope_of(url),
                callback=self.parse_asset,
                errback=self.quiet_errback,
                priority=PRIO_ASSET,
                meta={
                    "allow_offsite": True,
                    "page_asset": True,
                    # a missing asset (a 404 is common) comes to parse_asset like any
                    # other: Scrapy's HttpError, its Failure and an errback cost the
                    # crawl process several times a plain callback. Redirects and
                    # retries happen as for any request.
                    "handle_httpstatus_list": ASSET_ERROR_STATUSES,
                },
            )

    def _resolve_asset(self, href: str, base: str) -> str | None:
        if href.startswith(("data:", "javascript:", "#")):
            return None
        host = quick_host(href)
        if host is not None and self.capture_assets == "site" and not self.is_site_host(host):
            return None
        try:
            url = urljoin(base, href).split("#", 1)[0]
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not host:
            return None
        if self.capture_assets == "site" and not self.is_site_host(host):
            return None
        return url

    def is_site_host(self, host: str) -> bool:
        """The site's own hosts and their subdomains (static.example.com, cdn.example.com)."""
        host = host.lower()
        return any(
            host == h or host.endswith("." + h.removeprefix("www."))
            for scope in self.scopes
            for h in scope.hosts
        )

    def parse_asset(self, response: Response) -> None:
        """Archived on the way in (an error page too: it is what the server said);
        nothing to follow."""
        if response.status >= 400:
            self._inc("archive/page_assets_missing")
            logger.debug("page asset %s: HTTP %s", response.url, response.status)
            return
        self._inc("archive/page_assets")
        if self.renderer is not None:  # a rendered page that needs it takes it from memory
            self.renderer.remember(response)
