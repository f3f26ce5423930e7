"""Pages rendered in headless Chromium (ARCHIVE_BROWSER), every request of the page
fetched by Scrapy and archived as any other.

The browser never touches the network. Each request a page makes (its scripts,
stylesheets, images, fonts, the JSON its scripts fetch) comes to :meth:`PageRenderer._route`
and goes on as a Scrapy request through ``engine.download_async``: every downloader
middleware applies, as to any request of the crawl — robots.txt (a request it forbids
is aborted, the browser sees a network error), Retry-After, the WARC capture at
priority 950 (status line, headers and body as received, ``WARC-IP-Address``),
redirects (each hop archived; the browser gets the last hop's answer), the download
slot of the host (its delay and concurrency). The host cap (ARCHIVE_MAX_PAGES_PER_HOST)
counts them, and ARCHIVE_PAGE_ASSETS decides which hosts a page may reach: ``site``
(and ``off``: a rendered page always needs its own site's scripts) its site's hosts and
their subdomains, ``all`` any host. What Scrapy hands back (content decoded) is what
the browser is given with ``route.fulfill``.

Once loaded, a page is scrolled down a screen at a time (ARCHIVE_BROWSER_SCROLL
screens at most, :meth:`crawler.capture.browser.Chromium._scroll`), so that what it
loads when scrolled into view is requested, routed and archived as the rest.

The page's document is not fetched again: the browser gets the response the spider
already has (and archived). A static resource this run fetched for an earlier page (the
same app.js on every article) comes from memory (``ARCHIVE_BROWSER_CACHE_MB``), not the
network again.

Per rendered page three ``resource`` records, named as browsertrix-crawler names them:
``urn:screenshot:URL`` (image/png, the full page), ``urn:text:URL`` (text/plain, what
the page shows as text) and ``urn:pageinfo:URL`` (application/json: every request of the
page and what came of it, refused ones included). The DOM after scripts ran goes to the
extraction workers instead of the static HTML; the conversion record still refers to
the page's response record.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from archive.extract.shell import shell_reason
from archive.extract.sniff import looks_like_html
from archive.warc.records import warc_date
from crawler.capture.browser import (
    SCROLL_SCREENS,
    BrowserUnavailable,
    Chromium,
    Rendered,
    RenderFailed,
    browser_user_agent,
    chromium_version,
    find_chromium,
    kill_browser_processes,
)
from crawler.capture.middleware import header_list
from crawler.politeness.hostcap import HostCap
from crawler.settingchecks import browser_mode, scroll_screens

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.spiders.scope import SiteScope

logger = logging.getLogger(__name__)

BROWSER_META = "archive_browser"  # on a request a rendered page made
PRIO_BROWSER = 30  # ahead of the crawl's articles: a page in the browser waits for it
# request headers the crawler sets itself (its cookie jar, its encodings, the host)
_DROP_REQUEST = {"cookie", "host", "content-length", "accept-encoding", "connection"}
# response headers that describe the message as it crossed the wire, not as decoded
_DROP_RESPONSE = {"content-encoding", "content-length", "transfer-encoding", "connection"}
_CACHED_TYPES = {"script", "stylesheet", "image", "font", "media"}
CACHE_ITEM_BYTES = 4 * 2**20


@dataclass
class RenderedPage:
    """A page rendered: the browser's result, and every request it made."""

    rendered: Rendered
    reason: str
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def html(self) -> bytes:
        return self.rendered.html.encode("utf-8")

    def fetched(self) -> list[str]:
        """The URLs of the page's requests that were answered (fetched or from memory)."""
        return [url for url, info in self.requests.items() if "status" in info]


class _Cache:
    """Responses of this run's rendered pages, by URL, for the next pages: at most
    *limit* bytes of bodies, least recently used dropped first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[str, tuple[int, dict[str, str], bytes]] = OrderedDict()

    def get(self, url: str) -> tuple[int, dict[str, str], bytes] | None:
        item = self._items.get(url)
        if item is not None:
            self._items.move_to_end(url)
        return item

    def put(self, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        if not self.limit or len(body) > min(CACHE_ITEM_BYTES, self.limit) or url in self._items:
            return
        self._items[url] = (status, headers, body)
        self.size += len(body)
        while self.size > self.limit:
            _, (_, _, old) = self._items.popitem(last=False)
            self.size -= len(old)


class _PageLoad:
    """One page in the browser: its document, and what became of each of its requests."""

    def __init__(self, response: Response) -> None:
        self.url = response.url
        self.response = response
        self.document_served = False
        self.requests: dict[str, dict[str, Any]] = {}

    def note(self, url: str, kind: str, **info: Any) -> None:
        self.requests.setdefault(url, {"type": kind, **info})


def fulfil_headers(response: Response) -> dict[str, str]:
    """A Scrapy response's headers for ``route.fulfill``: the body is decoded, so no
    framing or content coding; a repeated header joined (Set-Cookie by newlines)."""
    out: dict[str, str] = {}
    for name, value in header_list(response.headers):
        key = name.decode("latin-1")
        if key.lower() in _DROP_RESPONSE:
            continue
        text = value.decode("latin-1")
        if key in out:
            out[key] += ("\n" if key.lower() == "set-cookie" else ", ") + text
        else:
            out[key] = text
    return out


class PageRenderer:
    """Which pages go to the browser, and how: one per crawl, made by the spider when
    ARCHIVE_BROWSER or a site's ``browser:`` is not off."""

    def __init__(self, crawler: Crawler, spider: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.spider = spider
        self.mode = browser_mode(settings.get("ARCHIVE_BROWSER"))
        self.executable = find_chromium(settings.get("ARCHIVE_BROWSER_EXECUTABLE") or "")
        self.user_agent = settings.get("ARCHIVE_BROWSER_USER_AGENT") or ""
        self.crawler_agent = str(settings.get("USER_AGENT") or "")
        self.tabs = min(2, max(1, settings.getint("ARCHIVE_BROWSER_TABS")))
        self.page_timeout = settings.getfloat("ARCHIVE_BROWSER_PAGE_TIMEOUT")
        self.restart_pages = settings.getint("ARCHIVE_BROWSER_RESTART_PAGES")
        self.max_memory_mb = settings.getfloat("ARCHIVE_BROWSER_MAX_MEMORY_MB")
        self.screenshot = settings.getbool("ARCHIVE_BROWSER_SCREENSHOT")
        self.scroll = scroll_screens(settings.get("ARCHIVE_BROWSER_SCROLL"), SCROLL_SCREENS)
        self.cache = _Cache(int(settings.getfloat("ARCHIVE_BROWSER_CACHE_MB") * 2**20))
        self._cap: HostCap | None = None
        self.chromium: Chromium | None = None
        self._patterns: dict[str, re.Pattern[str] | None] = {}
        # static resources being fetched for a page: another page that needs one waits
        self._fetching: dict[str, asyncio.Future[tuple[int, dict[str, str], bytes] | None]] = {}
        self._unavailable: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        # a second Ctrl-C stops the reactor without closing the spider: the browser goes
        # all the same
        from twisted.internet import reactor

        reactor.addSystemEventTrigger("during", "shutdown", self._kill)  # type: ignore[arg-type]

    @property
    def cap(self) -> HostCap:
        """The crawl's host cap (the duplicate filter's), made once the crawl runs."""
        if self._cap is None:
            self._cap = HostCap.from_crawler(self.crawler)
        return self._cap

    def _count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, n)

    # -- which pages ----------------------------------------------------------------------
    def site_mode(self, scope: SiteScope | None) -> str:
        if scope is not None and scope.options.browser:
            return scope.options.browser
        return self.mode

    def reason(self, response: Response, scope: SiteScope | None) -> str | None:
        """Why *response* (an article or a page to judge) is rendered, or None: as a
        listing is (:meth:`listing_reason`), and with ``always`` any HTML page."""
        if self.site_mode(scope) == "always" and looks_like_html(response.body):
            return "always"
        return self.listing_reason(response, scope)

    def listing_reason(self, response: Response, scope: SiteScope | None) -> str | None:
        """Why the listing page *response* is rendered, or None: listings are rendered only
        when their static HTML looks like a shell or the site's ``browser_pattern`` names
        them (with ``always`` too: a listing is read for its links, which most sites write
        in their HTML)."""
        if self.site_mode(scope) == "off" or not looks_like_html(response.body):
            return None
        if self._named(response.url, scope):
            return "browser_pattern"
        return shell_reason(response.body)

    def _named(self, url: str, scope: SiteScope | None) -> bool:
        """Does the site's ``browser_pattern`` match *url*'s path (and query)?"""
        if scope is None or not scope.options.browser_pattern:
            return False
        pattern = self._patterns.get(scope.name)
        if pattern is None:
            pattern = self._patterns[scope.name] = re.compile(scope.options.browser_pattern)
        parts = urlsplit(url)
        return (
            pattern.search(f"{parts.path}?{parts.query}" if parts.query else parts.path) is not None
        )

    # -- the crawl's start and end ----------------------------------------------------------
    async def prepare(self) -> list[tuple[str, str]]:
        """The browser's User-Agent (and Chromium's version), for the warcinfo record:
        found before the first record is written, without starting the browser."""
        if self.executable is None:
            self._unavailable = "no chromium on PATH (apt-get install chromium)"
        elif importlib.util.find_spec("playwright") is None:
            self._unavailable = "playwright is not installed (pip install -e '.[browser]')"
        if self._unavailable is not None:
            logger.error("ARCHIVE_BROWSER: %s; pages are archived unrendered", self._unavailable)
            return []
        assert self.executable is not None
        version = await asyncio.to_thread(chromium_version, self.executable)
        if not self.user_agent:
            self.user_agent = browser_user_agent(version, self.crawler_agent)
        return [
            ("browser", f"chromium/{version or 'unknown'}"),
            ("http-header-user-agent-browser", self.user_agent),
        ]

    async def spider_closed(self) -> None:
        chromium, self.chromium = self.chromium, None
        if chromium is not None:
            await chromium.close()

    def _kill(self) -> None:
        if self.chromium is not None and self.chromium.running:
            kill_browser_processes()

    # -- a page ---------------------------------------------------------------------------
    async def render(self, response: Response, reason: str) -> RenderedPage | None:
        """*response*'s page rendered, its requests archived, its screenshot and text
        written; None when it could not be (counted, logged: the page stays archived as
        fetched and is extracted from its static HTML). A failure is retried once."""
        if self._unavailable is not None:
            return None
        if self.chromium is None:
            assert self.executable is not None
            self.chromium = Chromium(
                self.executable,
                user_agent=self.user_agent,
                tabs=self.tabs,
                page_timeout=self.page_timeout,
                max_pages=self.restart_pages,
                max_memory_mb=self.max_memory_mb,
                screenshot=self.screenshot,
                scroll_screens=self.scroll,
                count=self._count,
            )
        for attempt in (1, 2):
            load = _PageLoad(response)
            try:
                rendered = await self.chromium.render(
                    response.url, functools.partial(self._route, load)
                )
            except BrowserUnavailable as exc:
                self._unavailable = str(exc)
                self._count("archive/browser/failed")
                logger.error("ARCHIVE_BROWSER: %s; pages are archived unrendered", exc)
                return None
            except RenderFailed as exc:
                if attempt == 1 and self.crawler.crawling:  # not while the crawl stops
                    self._count("archive/browser/retries")
                    logger.info("rendering %s failed (%s): trying once more", response.url, exc)
                    continue
                self._count("archive/browser/failed")
                logger.warning("could not render %s: %s", response.url, exc)
                self._record_pageinfo(load, reason, None, str(exc))
                return None
            page = RenderedPage(rendered, reason, load.requests)
            self._count("archive/browser/pages")
            if rendered.scrolled:
                self._count("archive/browser/scrolled", rendered.scrolled)
            self._record(page, load)
            logger.debug(
                "rendered %s (%s) in %.1f s, %d requests",
                response.url,
                reason,
                rendered.seconds,
                len(load.requests),
            )
            return page
        return None

    def _record(self, page: RenderedPage, load: _PageLoad) -> None:
        archive = self.spider.archive_extension()
        if archive is None:
            return
        url = load.url
        if page.rendered.screenshot:
            archive.record_resource("urn:screenshot:" + url, "image/png", page.rendered.screenshot)
        archive.record_resource(
            "urn:text:" + url, "text/plain; charset=utf-8", page.rendered.text.encode("utf-8")
        )
        self._record_pageinfo(load, page.reason, page.rendered, None)

    def _record_pageinfo(
        self, load: _PageLoad, reason: str, rendered: Rendered | None, error: str | None
    ) -> None:
        archive = self.spider.archive_extension()
        if archive is None:
            return
        info: dict[str, Any] = {
            "url": load.url,
            "ts": warc_date(),
            "reason": reason,
            "userAgent": self.user_agent,
            "urls": load.requests,
        }
        if rendered is not None:
            info["finalUrl"] = rendered.url
            info["seconds"] = round(rendered.seconds, 3)
            if self.scroll:
                info["scroll"] = {"screens": rendered.scrolled, "stopped": rendered.scroll_end}
        if error is not None:
            info["error"] = error
        payload = json.dumps(info, ensure_ascii=False, sort_keys=True).encode("utf-8")
        archive.record_resource("urn:pageinfo:" + load.url, "application/json", payload)

    def remember(self, response: Response) -> None:
        """A page asset the crawl fetched (crawler/spiders/assets.py): a rendered page
        that needs it gets it from memory, not from the network again."""
        request = response.request
        if response.status == 200 and request is not None and request.method == "GET":
            self.cache.put(response.url, 200, fulfil_headers(response), response.body)

    # -- the page's requests ----------------------------------------------------------------
    def in_scope(self, host: str | None) -> bool:
        """May a rendered page reach *host*? ARCHIVE_PAGE_ASSETS: any host with ``all``,
        else the crawl's sites' hosts and their subdomains."""
        if not host:
            return False
        if self.spider.capture_assets == "all":
            return True
        return bool(self.spider.is_site_host(host))

    async def _route(self, load: _PageLoad, route: Any) -> None:
        from playwright.async_api import Error as PlaywrightError

        # a PlaywrightError: the page is gone (closed after its time limit), nothing to answer
        with contextlib.suppress(PlaywrightError):
            await self._answer(load, route)

    async def _answer(self, load: _PageLoad, route: Any) -> None:
        request = route.request
        url = request.url
        kind = request.resource_type
        parts = urlsplit(url)
        if not load.document_served and request.is_navigation_request() and url == load.url:
            load.document_served = True  # the page itself: the response the spider has
            response = load.response
            await route.fulfill(
                status=response.status, headers=fulfil_headers(response), body=response.body
            )
            load.note(url, kind, status=response.status, outcome="archived (the page)")
            return
        if parts.scheme not in ("http", "https"):
            load.note(url, kind, outcome="refused: not http(s)")
            await route.abort("blockedbyclient")
            return
        if not self.in_scope(parts.hostname):
            self._count("archive/browser/refused/scope")
            load.note(url, kind, outcome="refused: ARCHIVE_PAGE_ASSETS")
            await route.abort("blockedbyclient")
            return
        cacheable = request.method == "GET" and kind in _CACHED_TYPES
        if request.method == "GET":
            cached = self.cache.get(url)
            if cached is None and cacheable and url in self._fetching:
                # the other tab is fetching it: one download for both
                cached = await asyncio.shield(self._fetching[url])
            if cached is not None:
                status, headers, body = cached
                self._count("archive/browser/from_memory")
                load.note(url, kind, status=status, outcome="archived earlier in this run")
                await route.fulfill(status=status, headers=headers, body=body)
                return
        if not cacheable:
            await self._fetch(load, route, kind)
            return
        fetching: asyncio.Future[tuple[int, dict[str, str], bytes] | None]
        fetching = asyncio.get_running_loop().create_future()
        self._fetching[url] = fetching
        try:
            fetching.set_result(await self._fetch(load, route, kind, cacheable=True))
        finally:
            del self._fetching[url]
            if not fetching.done():
                fetching.set_result(None)

    async def _fetch(
        self, load: _PageLoad, route: Any, kind: str, cacheable: bool = False
    ) -> tuple[int, dict[str, str], bytes] | None:
        """Fetch the request of *route* through Scrapy and answer it (a *cacheable* one's
        200 kept in memory); the answer, or None when it was refused or failed."""
        request = route.request
        url = request.url
        scrapy_request = self._request(request, load)
        if not self.cap.allows(scrapy_request):
            load.note(url, kind, outcome="refused: ARCHIVE_MAX_PAGES_PER_HOST")
            await route.abort("blockedbyclient")
            return None
        self._count("archive/browser/requests")
        engine = self.crawler.engine
        assert engine is not None
        try:
            response = await engine.download_async(scrapy_request)
        except IgnoreRequest as exc:  # robots.txt, the archive failing
            self._count("archive/browser/refused/robots")
            load.note(url, kind, outcome=f"refused: {exc}")
            await route.abort("blockedbyclient")
            return None
        except Exception as exc:
            self._count("archive/browser/request_failed")
            load.note(url, kind, outcome=f"failed: {type(exc).__name__}: {exc}"[:300])
            await route.abort("failed")
            return None
        headers = fulfil_headers(response)
        load.note(url, kind, status=response.status, outcome="fetched")
        answer = (response.status, headers, response.body)
        if cacheable and response.status == 200:
            self.cache.put(url, *answer)
        await route.fulfill(status=response.status, headers=headers, body=response.body)
        return answer if response.status == 200 else None

    def _request(self, request: Any, load: _PageLoad) -> Request:
        """The Scrapy request for a request of the browser: its headers but those the
        crawler sets itself (cookies come from the crawl's cookie jar); the site's own
        headers (a sites file's) with requests to the site."""
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
        host = urlsplit(request.url).hostname or ""
        scope = self.spider.scope_of(request.url)
        if scope is not None and scope.headers and scope.owns(host):
            headers = {**scope.headers, **headers}
        meta: dict[str, Any] = {BROWSER_META: load.url}
        if scope is not None and scope.options.delay is not None:
            meta["autothrottle_dont_adjust_delay"] = True
        return Request(
            request.url,
            method=request.method,
            headers=headers,
            body=request.post_data_buffer or b"",
            meta=meta,
            priority=PRIO_BROWSER,
            dont_filter=True,
        )
