"""How a news spider finds pages: robots.txt (its Sitemap lines, and a move of the site
it tells by redirecting), sitemaps of any form (indexes, Google News, guessed names when
robots.txt names none), RSS/Atom/JSON feeds, and the start pages (which also give the
site's name). A part of :class:`crawler.spiders.base.NewsSpider`."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from protego import Protego
from scrapy import Request, Selector
from scrapy.http import Response

from archive.discover.feeds import FeedError, read_feed
from archive.discover.sitemaps import SITEMAP_GUESSES, SitemapEntry, SitemapError, read_sitemap
from archive.extract import titles
from crawler.politeness.robots import DENY_ALL, Rules, rules_after_error, rules_from_response
from crawler.spiders.lastmod import parse_lastmod, stamped
from crawler.spiders.meta import GUESSED_META, PRIO_ARTICLE, PRIO_FEED, PRIO_SITEMAP
from crawler.spiders.scope import SiteScope
from crawler.spiders.urls import origin

# a part of NewsSpider (crawler/spiders/base.py), which is made of its parts: the parts'
# self is typed Any, as mypy cannot take NewsSpider as a base of one of its own bases
_Spider: Any = object


logger = logging.getLogger("crawler.spiders.base")

# the URL of a meta refresh: content="0; url=/index.php"
_REFRESH_URL = re.compile(r"url\s*=\s*(\S+)", re.IGNORECASE)


class Discovery(_Spider):
    def sitemap_request(self, url: str, guessed: bool = False) -> Request:
        return self.request(
            url,
            self.scope_of(url),
            callback=self.parse_sitemap,
            errback=self.quiet_errback,
            priority=PRIO_SITEMAP,
            meta={GUESSED_META: guessed},
        )

    def feed_request(self, url: str) -> Request:
        return self.request(
            url,
            self.scope_of(url),
            callback=self.parse_feed,
            errback=self.quiet_errback,
            priority=PRIO_FEED,
        )

    def _feed(self, url: str) -> Iterator[Request]:
        if url not in self._requested_feeds:
            self._requested_feeds.add(url)
            yield self.feed_request(url)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """The entry points: the sitemaps robots.txt names, then the start pages. The
        same reading of the file as the robots.txt middleware's (crawler.politeness.robots)."""
        self.follow_move(response)
        rules, why = rules_from_response(response)
        if rules is DENY_ALL:
            logger.error("robots.txt of %s answered %s: not crawling", origin(response.url), why)
            self._site_unavailable(response.url)
            return
        yield from self.entry_points(rules, response)

    def follow_move(self, response: Response) -> None:
        """robots.txt redirected to another origin (http to https, a bare host to www, a
        new domain): the site lives there now, and is crawled there; its URLs at the old
        origin are moved onto the new one."""
        redirects = response.meta.get("redirect_urls") or []
        if not redirects or origin(redirects[0]) == origin(response.url):
            return
        scope = self.scope_of(redirects[0])
        if scope is None or self.scope_of(response.url) is not None:
            return
        logger.info("%s moved to %s: crawling it there", scope.base_url, origin(response.url))
        scope.move_to(response.url)
        self._index_sites()
        self._link_target.clear()
        self._asset_target.clear()

    def entry_points(self, rules: Rules, response: Response) -> Iterator[Request]:
        """The sitemaps *rules* name (when none: the usual names, /sitemap.xml alone for
        a preset), then the start pages."""
        scope = self.scope_of(response.url)
        if scope is None:
            return
        sitemaps = list(rules.sitemaps) if isinstance(rules, Protego) else []
        own = [u for u in (scope.clean(s, response.url) for s in sitemaps) if u]
        if own:
            for url in own:
                yield self.sitemap_request(url)
        elif scope.decides:
            for path in SITEMAP_GUESSES:
                yield self.sitemap_request(scope.base_url + path, guessed=True)
        else:
            yield self.sitemap_request(scope.base_url + "/sitemap.xml")
        for url in scope.start_urls():
            # None when a page read before robots.txt linked to it: requested as a start
            # page then (listing_request)
            req = self.listing_request(url, 0)
            if req is not None:
                yield req

    def robots_failed(self, failure: Any) -> Iterator[Request]:
        rules, _ = rules_after_error(failure.value)
        if rules is not DENY_ALL:  # cut by DOWNLOAD_MAXSIZE past what is read of it
            yield from self.entry_points(rules, failure.value.response)
            return
        logger.error("cannot reach %s: %s", origin(failure.request.url), failure.value)
        self._site_unavailable(failure.request.url)

    def _site_unavailable(self, url: str) -> None:
        """A site whose robots.txt cannot be had is not crawled (counted per site: a
        crawl fails when no site could be crawled, crawler/run/outcome.py)."""
        self._inc("archive/robots_unavailable")
        scope = self.scope_of(url)
        if scope is not None:
            self._site_inc(scope, "robots_unavailable")

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        guessed = response.meta.get(GUESSED_META, False)
        try:
            sitemap = read_sitemap(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        except SitemapError as exc:
            if guessed:  # a name tried on the off chance: a page, or nothing
                logger.debug("no sitemap at %s: %s", response.url, exc)
                return
            logger.warning("unparsable sitemap %s: %s", response.url, exc)
            self._inc("archive/bad_sitemaps")
            return
        entries = sitemap.entries
        lastmods = [entry.news_published or entry.lastmod for entry in entries]
        trust = self.refresh_modified and sitemap.kind != "sitemapindex"
        if trust and stamped(lastmods):
            trust = False
            self._inc("archive/sitemaps_stamped")
            logger.info("%s gives its URLs all the same <lastmod>: not used", response.url)
        if sitemap.kind == "sitemapindex":
            yield from self.sitemap_index(response, entries)
            return
        now = datetime.now(UTC)
        for entry, lastmod in zip(entries, lastmods, strict=True):
            url = self.clean(entry.loc, response.url)
            if url is None:
                continue
            if self.classify(url) not in ("article", "page"):
                continue
            modified = parse_lastmod(lastmod, now) if trust else None
            news = entry.news_title is not None or entry.news_published is not None
            req = self.article_request(url, modified, listed="news" if news else "sitemap")
            if req is not None:
                yield req

    def sitemap_index(
        self, response: Response, entries: Sequence[SitemapEntry]
    ) -> Iterator[Request]:
        """The sitemaps of an index, the newest first (by <lastmod>; a news site's index
        goes back years, month by month): each later one a little later in the queue, the
        oldest after the articles the newest list."""
        dated = sorted(
            enumerate(entries), key=lambda pair: (pair[1].lastmod or "", -pair[0]), reverse=True
        )
        for rank, (_, entry) in enumerate(dated):
            url = self.clean(entry.loc, response.url)
            if url is not None:
                req = self.sitemap_request(url)
                req.priority = PRIO_SITEMAP - min(rank, 2 * (PRIO_SITEMAP - PRIO_ARTICLE))
                yield req

    def parse_feed(self, response: Response) -> Iterator[Request]:
        try:
            entries = read_feed(response.body)
        except FeedError as exc:
            logger.warning("unparsable feed %s: %s", response.url, exc)
            self._inc("archive/bad_feeds")
            return
        for entry in entries:
            url = self.clean(entry.url, response.url)
            if url and self.classify(url) in ("article", "page"):
                req = self.article_request(url, listed="news")
                if req is not None:
                    yield req

    def read_home(
        self, response: Response, scope: SiteScope, head: Selector | None
    ) -> Iterator[Request]:
        """The site's name from a start page (og:site_name, application-name, <title>),
        else from the next listing pages (a start page that is only a redirect). A start
        page that sends on with a meta refresh (Scrapy's meta-refresh middleware is off:
        the page is archived as it is) has its target read as a start page too. *head*:
        the page's parse (crawler.spiders.base.page_selector), None when not HTML."""
        scope.home_reads += 1
        if head is None:
            return
        try:
            scope.home_name = titles.home_site_name(
                head.xpath("//meta[@property='og:site_name']/@content").get(),
                head.xpath("//meta[@name='application-name']/@content").get(),
                head.xpath("//title/text()").get(),
            )
            refresh = head.xpath(
                "//meta[translate(@http-equiv, 'REFSH', 'refsh')='refresh']/@content"
            ).get()
        except Exception as exc:  # a page lxml cannot read: no name from it
            logger.debug("no site name from %s: %s", response.url, exc)
            return
        target = _REFRESH_URL.search(refresh or "")
        if target and response.meta.get("start_page"):
            url = self.clean(target.group(1).strip("'\" "), response.url)
            req = self.listing_request(url, 0, start=True) if url else None
            if req is not None:
                yield req
