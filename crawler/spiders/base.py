"""The crawl machinery every news spider shares: robots.txt and its sitemaps, feeds,
listings, articles; one site or many.

A crawl holds a :class:`~crawler.spiders.scope.SiteScope` per site. A preset (a small
subclass such as :mod:`crawler.spiders.ansarpress`) says where its one site lives and
what its article URLs look like; the generic ``news`` spider (:mod:`crawler.spiders.news`)
takes any site from ``-a url=`` or a sites file and judges each page once fetched. For
each site:

- robots.txt first (its Sitemap lines are entry points, and nothing else is requested
  from the host before its rules are known), then the sitemaps (guessed when robots.txt
  names none), the start pages and every RSS/Atom feed the pages link to;
- every link is normalised (fragment, tracking and session parameters dropped, an AMP
  twin folded onto its page, parameters rel=canonical showed to be decoration dropped)
  and classified: an article (a preset's pattern), a listing, a page to be judged once
  fetched (no pattern: article or not from its markup and text, archive/extract/articleness.py,
  in the extraction worker), or nothing (off-site, assets, outside the sections);
- pages whose URL shape the site's articles showed are fetched first (they count
  against the host cap, ARCHIVE_MAX_PAGES_PER_HOST); the others go as listings;
- each article is requested once, however many URLs point at it; an article whose
  rel=canonical names one already archived is not archived twice;
- traps end by themselves: a listing page that brought no new article goes on only to
  its own next pages (same path, a pagination form, a "next"/"more" link), and such a
  chain stops after ARCHIVE_STOP_AFTER_SEEN pages in a row with nothing new (endless
  pagination, calendars, session-id URLs); ARCHIVE_MAX_LISTING_PAGES caps each site's
  listings and DEPTH_LIMIT caps everything. On an archive that is caught up this keeps
  a run to the entry pages;
- article pages are extracted in worker processes and become ArticleItems that point
  at their WARC response record;
- a bot challenge or block page (archive/extract/challenge.py) answering for an article or a
  listing stays archived as received but is neither extracted nor followed, and is
  counted (``archive/challenges``): no article is recorded for it, so the next run asks
  for the page again;
- per site: its own delay, concurrency, headers, cookies and max_articles (a sites
  file's options), and its counts in the stats (``archive/sites/NAME/...``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Selector, Spider, signals
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from archive.discover.pagination import is_next_page
from archive.extract import titles
from archive.extract.challenge import HEADER_NAMES, NEEDS_JAVASCRIPT, challenge_reason
from archive.extract.links import PageLinks
from archive.extract.links import page_links as links_of_tree
from archive.extract.result import NOT_AN_ARTICLE, ExtractionResult
from archive.extract.sniff import looks_like_html
from archive.index.rows import ARTICLE_FIELDS
from archive.index.sqlite import KnownArticle
from archive.warc.exchange import PreviousCapture
from crawler.archiving.extraction import ExtractionPool
from crawler.archiving.items import ArticleItem
from crawler.capture.middleware import CAPTURE_META, EXTRACTED_META, PREVIOUS_META
from crawler.politeness.hostcap import UNCAPPED
from crawler.politeness.robots import (
    ROBOTS_META,
)
from crawler.run.outcome import SITE_COUNT_STAT
from crawler.settingchecks import asset_scope, duration_setting, renders_pages
from crawler.spiders.arguments import (
    SpiderArgumentError,
    check_argument_names,
    check_base_url,
    check_max_articles,
    spider_argument_names,
)
from crawler.spiders.assets import PageAssets
from crawler.spiders.discovery import Discovery
from crawler.spiders.lastmod import LastMod
from crawler.spiders.meta import (
    DECIDE_META,
    LISTED_META,
    PRIO_ARTICLE,
    PRIO_FEED,
    PRIO_LISTING,
)
from crawler.spiders.recovery import Recovery
from crawler.spiders.scope import ARTICLE_LIKE, SiteOptions, SiteScope
from crawler.spiders.urls import LinkMemo, normalize_url, quick_host

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.archiving.extensions import ArchiveExtension
    from crawler.capture.rendering import PageRenderer, RenderedPage

logger = logging.getLogger(__name__)

__all__ = [
    "NewsSpider",
    "SpiderArgumentError",
    "check_argument_names",
    "check_base_url",
    "check_max_articles",
    "spider_argument_names",
]

# listing pages read for the site's name, the start page first, when it has none
HOME_READS = 3

# the fields extraction fills (the others say where and when the page was archived)
ARTICLE_KEYS = tuple(
    name
    for name in ARTICLE_FIELDS
    if name not in ("url", "fetched_at", "warc_filename", "warc_record_id", "warc_offset")
)


class NewsSpider(Discovery, PageAssets, Recovery, Spider):
    # -- what a preset (a one-site subclass) sets ------------------------------------------
    default_base_url: ClassVar[str] = ""
    # hosts of the real site: their URLs are moved onto base_url when crawling a mirror
    site_hosts: ClassVar[tuple[str, ...]] = ()
    start_paths: ClassVar[tuple[str, ...]] = ("/",)
    # listing pages must live under one of these paths
    section_prefixes: ClassVar[tuple[str, ...]] = ("/",)
    # regular expression (fullmatch) on the URL path of an article
    article_path: ClassVar[str] = r""
    # paths never requested (besides robots.txt rules): accounts, search, print views...
    skip_path: ClassVar[str] = r"/(?:login|logout|register|signin|signup|account|print|share)\b"
    # the -a names the spider takes, when not those of its __init__ methods
    arguments: ClassVar[tuple[str, ...] | None] = None

    def __init__(
        self,
        *args: Any,
        base_url: str | None = None,
        max_articles: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not self.article_path:
            raise SpiderArgumentError(f"{type(self).__name__} sets no article_path")
        self.setup_sites([self.preset_options(base_url)], max_articles)

    @classmethod
    def preset_options(cls, base_url: str | None) -> SiteOptions:
        base = check_base_url(base_url or cls.default_base_url)
        return SiteOptions(
            base_url=base,
            start_urls=tuple(normalize_url(base + path) for path in cls.start_paths),
            site_hosts=cls.site_hosts,
            sections=cls.section_prefixes,
            article_pattern=cls.article_path,
            skip_path=cls.skip_path,
        )

    def setup_sites(self, sites: Iterable[SiteOptions], max_articles: Any) -> None:
        """The crawl's sites and its state (called by __init__)."""
        self.max_articles = check_max_articles(max_articles)
        self.scopes = [SiteScope(options) for options in sites]
        self._index_sites()
        self._requested_feeds: set[str] = set()
        self._requested_assets: set[str] = set()
        self._requested_listings: set[str] = set()
        self._link_target = LinkMemo(self._resolve_link)
        self._asset_target = LinkMemo(self._resolve_asset)
        self._articles_out = 0
        self._articles_reserved = 0  # extracted or being extracted, for max_articles
        self.stop_after_seen = 3
        self.max_listing_pages = 5000
        self.extractor: ExtractionPool | None = None
        self.renderer: PageRenderer | None = None  # ARCHIVE_BROWSER (or a site's) not off
        self.capture_assets = "site"  # "site", "all" or "off": see ARCHIVE_PAGE_ASSETS
        self.refresh_after: timedelta | None = None
        self.refresh_modified = False  # see ARCHIVE_REFRESH_MODIFIED
        self.recheck_gone_after: timedelta | None = timedelta(days=1)
        # per host: pages that came through (no challenge), and challenges answered
        self._pages_through: Counter[str] = Counter()
        self._challenges: Counter[str] = Counter()

    def _index_sites(self) -> None:
        self._start_pages: set[str] | None = None  # the sites' start URLs may change
        self._by_netloc: dict[str, SiteScope] = {}
        self._by_host: dict[str, list[SiteScope]] = {}
        for scope in self.scopes:
            self._by_netloc.setdefault(scope.netloc, scope)
            for host in scope.hosts:
                self._by_host.setdefault(host, []).append(scope)
        self.base_url = self.scopes[0].base_url
        # Scrapy's offsite filter, a safety net: each site's registrable domain (and its
        # subdomains: a site that moves from its bare host to www stays inside)
        self.allowed_domains = sorted(
            {titles.domain_name(scope.base_url) or scope.host for scope in self.scopes}
        )

    @classmethod
    def check_arguments(cls, **spargs: Any) -> None:
        """Validate -a arguments before the crawl starts (raises SpiderArgumentError)."""
        check_argument_names(cls, spargs)
        check_base_url(spargs.get("base_url") or cls.default_base_url)
        check_max_articles(spargs.get("max_articles"))

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.stop_after_seen = max(1, settings.getint("ARCHIVE_STOP_AFTER_SEEN"))
        spider.max_listing_pages = settings.getint("ARCHIVE_MAX_LISTING_PAGES")
        spider.refresh_after = duration_setting(settings, "ARCHIVE_REFRESH_AFTER")
        spider.refresh_modified = settings.getbool("ARCHIVE_REFRESH_MODIFIED")
        spider.recheck_gone_after = duration_setting(settings, "ARCHIVE_RECHECK_GONE_AFTER")
        spider.capture_assets = asset_scope(settings.get("ARCHIVE_PAGE_ASSETS"))
        spider.set_download_slots(settings)
        if renders_pages(settings, (scope.options.browser for scope in spider.scopes)):
            # imported only then: the browser's module is a tenth of the spider's imports
            from crawler.capture.rendering import PageRenderer

            spider.renderer = PageRenderer(crawler, spider)
        if settings.getbool("ARCHIVE_EXTRACT_ENABLED"):
            spider.extractor = ExtractionPool.from_crawler(crawler)
            spider.extractor.start()  # ready by the time robots.txt has been read
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def set_download_slots(self, settings: Any) -> None:
        """A site's own delay and concurrency (a sites file's options) as its host's
        download slot (Scrapy's DOWNLOAD_SLOTS, read when the downloader is built, after
        the spider). Settings are not frozen yet here."""
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for scope in self.scopes:
            own: dict[str, Any] = {}
            if scope.options.delay is not None:
                own["delay"] = scope.options.delay
            if scope.options.concurrency is not None:
                own["concurrency"] = scope.options.concurrency
            if own:  # the host and its www twin (a site may move there: follow_move)
                twin = scope.host.removeprefix("www.")
                for host in {scope.host, twin, "www." + twin}:
                    slots[host] = {**slots.get(host, {}), **own}
        if slots and not settings.frozen:
            settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    def _closed(self) -> None:
        if self.extractor is not None:
            self.extractor.close()
        for scope in self.scopes:  # what ordered its frontier (archive/discover/urlshapes.py)
            shapes = scope.shapes.article_shapes()
            if shapes:
                logger.info("%s: article URL shapes %s", scope.name, ", ".join(shapes[:5]))

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _site_inc(self, scope: SiteScope, what: str, count: int = 1) -> None:
        """A per-site count, ``archive/sites/NAME/WHAT`` (when the crawl has sites)."""
        self._inc(f"archive/sites/{scope.name}/{what}", count)

    # -- sites and URLs ---------------------------------------------------------------------
    def scope_of(self, url: str) -> SiteScope | None:
        """The site a URL belongs to: by host and port, else by host (a real site's
        host a preset moves onto its mirror, or one site on that host)."""
        try:
            parts = urlsplit(url)
            netloc = parts.netloc.lower()
            host = (parts.hostname or "").lower()
        except ValueError:
            return None
        scope = self._by_netloc.get(netloc)
        if scope is not None:
            return scope
        found = self._by_host.get(host)
        if found and len(found) == 1 and host in found[0].site_hosts:
            return found[0]
        return None

    def site_name(self, url: str) -> str | None:
        scope = self.scope_of(url)
        return scope.name if scope is not None else None

    def _scope_of_known(self, url: str) -> SiteScope | None:
        """The site an archived URL belongs to. A preset's articles are its paths, on
        whatever host or port the archive saw them (a mirror, a test server)."""
        scope = self.scope_of(url)
        if scope is None and len(self.scopes) == 1 and not self.scopes[0].decides:
            scope = self.scopes[0]
        return scope

    def rebase(self, url: str) -> str:
        """Move a URL of a preset's real site onto base_url (a mirror or a test server)."""
        scope = self.scope_of(url)
        return scope.rebase(url) if scope is not None else url

    def clean(self, href: str, base: str) -> str | None:
        """*href* on the page *base* as the URL to fetch, or None (off the crawl's sites)."""
        scope = self._scope_of_link(href, base)
        return scope.clean(href, base) if scope is not None else None

    def _scope_of_link(self, href: str, base: str) -> SiteScope | None:
        if len(self.scopes) == 1:
            return self.scopes[0]
        host = quick_host(href.strip())
        if host is None:
            return self.scope_of(base)  # relative (the page's own site), or unusual
        if host not in self._by_host:
            return None  # off every site: the common case, decided cheaply
        return self.scope_of(urljoin(base, href.strip()))

    def _resolve_link(self, href: str, base: str) -> tuple[str, str | None] | None:
        scope = self._scope_of_link(href, base)
        url = scope.clean(href, base) if scope is not None else None
        return None if url is None or scope is None else (url, scope.classify(url))

    def article_key(self, url: str) -> str | None:
        scope = self.scope_of(url)
        return scope.article_key(url) if scope is not None else None

    def classify(self, url: str) -> str | None:
        """ "article", "listing", "page" (judged once fetched), "feed" or None."""
        scope = self.scope_of(url)
        return scope.classify(url) if scope is not None else None

    def request(self, url: str, scope: SiteScope | None, **kwargs: Any) -> Request:
        """A Request with the site's own headers and cookies (a sites file's options); a
        site with its own delay keeps it (AutoThrottle does not change it)."""
        if scope is not None:
            if scope.headers:
                kwargs["headers"] = {**scope.headers, **kwargs.get("headers", {})}
            if scope.cookies:
                kwargs["cookies"] = scope.cookies
            if scope.options.delay is not None:
                kwargs.setdefault("meta", {})["autothrottle_dont_adjust_delay"] = True
        return Request(url, **kwargs)

    # -- requests -----------------------------------------------------------------------
    def article_request(
        self,
        url: str,
        modified: LastMod | None = None,
        *,
        listed: str = "",
        barren: int | None = None,
    ) -> Request | None:
        """The request for an article (or a page to judge) not fetched yet in this run,
        or None: archived and neither due for a refresh nor *modified* (its sitemap
        ``<lastmod>``) since. A page to judge whose shape is not an article's goes as a
        listing (*barren*: the listing chain it continues; None when it comes from a
        sitemap or feed, which always count)."""
        scope = self.scope_of(url)
        key = scope.article_key(url) if scope is not None else None
        if scope is None or key is None or scope.full:
            return None
        if key in scope.scheduled:
            if listed and scope.listed.get(key) != "news":  # judged as listed when fetched
                scope.listed[key] = listed
            return None
        known = scope.known.get(key)
        changed = known is not None and modified is not None and modified.after(known.seen)
        # passed over once (archived, or a dead link): counted once, and asked again only
        # by a sitemap that says it changed since
        if key in scope.passed_over and not changed:
            return None
        gone = scope.gone.get(key)  # empty unless ARCHIVE_RECHECK_GONE_AFTER is set
        if gone is not None and not self._older_than(gone, self.recheck_gone_after):
            scope.passed_over.add(key)
            self._inc("archive/articles_gone")
            return None
        meta: dict[str, Any] = {EXTRACTED_META: True}
        priority = PRIO_ARTICLE
        if scope.decides:
            meta[DECIDE_META] = True
            meta[LISTED_META] = listed
            score = scope.shapes.score(url)  # how article-like its shape is, 0-1
            bonus = int(score * 10)  # a more article-like page a little earlier
            priority += bonus
            if not listed and barren is not None and score < ARTICLE_LIKE:
                # a page of a shape that has not been an article: fetched as a listing
                if not self._listing_allowed(url, scope, barren):
                    return None
                meta.update({"barren": barren, UNCAPPED: True})
                priority = PRIO_LISTING + bonus
        if known is not None:
            if changed:
                self._inc("archive/articles_modified")
            elif not self.is_stale(known):
                scope.passed_over.add(key)
                self._inc("archive/articles_known")
                return None
            self._inc("archive/articles_refreshed")
            meta[PREVIOUS_META] = PreviousCapture(
                known.record_id, known.url, known.warc_date, known.payload_digest or ""
            )
            meta["archive_known_text"] = known.text_sha1
        scope.scheduled.add(key)
        return self.request(
            url,
            scope,
            callback=self.parse_article,
            errback=self.download_failed,
            priority=priority,
            meta=meta,
        )

    def already_archived(self, request: Request) -> bool:
        """True for an article the archive holds and that is not due for a refresh
        (asked by the duplicate filter, for requests that did not come through
        article_request: redirect targets)."""
        if PREVIOUS_META in request.meta:
            return False
        scope = self.scope_of(request.url)
        key = scope.article_key(request.url) if scope is not None else None
        if scope is None or key is None:
            return False
        if key in scope.recovered:
            return True  # archived by a killed run, extracted from there (a redirect to it)
        known = scope.known.get(key)
        return known is not None and not self.is_stale(known)

    def is_stale(self, known: KnownArticle) -> bool:
        return self._older_than(known.seen, self.refresh_after)

    @staticmethod
    def _older_than(warc_date: str, age: timedelta | None) -> bool:
        """Is a capture of this WARC-Date *age* old? Never, without an age."""
        if age is None:
            return False
        try:
            fetched = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
        except ValueError:
            return True
        return datetime.now(UTC) - fetched >= age

    def _listing_allowed(self, url: str, scope: SiteScope, barren: int) -> bool:
        """The listing caps: a chain of pages that brought nothing new, the site's
        listing pages in all; a listing is requested once."""
        if url in self._requested_listings or scope.full:
            return False
        if barren >= self.stop_after_seen:
            self._inc("archive/listing_chains_stopped")
            return False
        if self.max_listing_pages and scope.listings >= self.max_listing_pages:
            self._inc("archive/listing_cap_reached")
            return False
        self._requested_listings.add(url)
        scope.listings += 1
        return True

    def is_start_page(self, url: str) -> bool:
        """Is *url* a site's start page (as this run writes URLs)? Asked of many links:
        the start URLs are worked out once, again after what cleaning a URL does changed
        (a site moved, decoration parameters learnt)."""
        if self._start_pages is None:
            self._start_pages = {start for scope in self.scopes for start in scope.start_urls()}
        return url in self._start_pages

    def listing_request(self, url: str, barren: int, start: bool = False) -> Request | None:
        """The request for a listing page not requested yet in this run, or None. A start
        page is one whoever links to it first: a page parsed before robots.txt gave the
        entry points (an article a killed run archived, extracted from the archive at
        the start) may claim it, and as a plain listing that brought nothing new it
        would not lead on to the sections and tags only it links to. *start*: a start
        page whatever the sites say (where a start page's refresh leads)."""
        scope = self.scope_of(url)
        if scope is None:
            return None
        start = start or self.is_start_page(url)
        if start:
            barren = 0
        if not self._listing_allowed(url, scope, barren):  # requested once
            return None
        meta: dict[str, Any] = {"barren": barren, UNCAPPED: True}
        if start:
            meta["start_page"] = True
        return self.request(
            url,
            scope,
            # a crawl that renders pages reads a listing that is a shell in the browser
            callback=self.parse_listing if self.renderer is None else self.parse_rendered_listing,
            errback=self.download_failed,
            # a start page early: the most links, and the site's name (read_home)
            priority=PRIO_FEED if start else PRIO_LISTING,
            # listing pages have a cap of their own (above), not the host's (hostcap.py)
            meta=meta,
        )

    def download_failed(self, failure: Any) -> None:
        """One line per page that could not be fetched (timeouts, size limits, broken
        framing), counted; requests dropped on purpose (robots.txt) stay quiet; a bot
        challenge (a 403, 429 or 503 one) is counted as such."""
        if failure.check(HttpError) and self.challenged(failure.value.response, error=True):
            return
        if failure.check(IgnoreRequest):
            return
        self._inc("archive/download_failed")
        logger.warning("could not fetch %s: %s", failure.request.url, failure.getErrorMessage())

    def quiet_errback(self, failure: Any) -> None:
        logger.info("could not fetch %s: %s", failure.request.url, failure.value)

    # -- the crawl ------------------------------------------------------------------------
    async def load_known(self) -> None:
        """Read what the archive holds, so that only new articles are fetched."""
        from crawler.archiving.extensions import ArchiveExtension

        archive = self.crawler.get_extension(ArchiveExtension)
        if archive is None or archive.unusable:
            return
        scope: SiteScope | None
        # the texts' hashes and latest captures only matter to a refresh (an unchanged
        # text is no new version; a capture tells when the article was last looked at)
        refresh = self.refresh_after is not None or self.refresh_modified
        count = 0
        known_articles = await asyncio.to_thread(archive.known_articles, refresh)
        memory = await asyncio.to_thread(archive.site_memory)
        for scope in self.scopes:  # what past runs learned of the site
            if scope.decides and memory.get(scope.name):
                scope.ignore(memory[scope.name])
                self._note_decoration(scope)
        for known in known_articles:  # what rel=canonical taught (Itemid is decoration)
            scope = self._scope_of_known(known.url)
            if scope is not None and known.canonical_url:
                scope.learn_canonical(scope.rebase(known.url), known.canonical_url)
        for scope in self.scopes:
            if scope.ignored_params:
                self._note_decoration(scope)
        for known in known_articles:
            for url in (known.url, known.canonical_url):
                scope = self._scope_of_known(url) if url else None
                if scope is None or not url:
                    continue
                # as this run will write it: normalised, decoration dropped, AMP folded
                cleaned = scope.clean(url, url) if scope.decides else None
                key = scope.article_key(cleaned or scope.rebase(url))
                if key and key not in scope.known:
                    scope.known[key] = known
                    count += url == known.url
        if count:
            logger.info("%d articles archived already: fetching only new ones", count)
        if self.recheck_gone_after is None:
            return
        for url, warc_date in await asyncio.to_thread(archive.gone_pages):
            scope = self._scope_of_known(url)
            key = scope.article_key(scope.rebase(url)) if scope is not None else None
            if scope is None or not key or key in scope.known:
                continue
            if warc_date > scope.gone.get(key, ""):
                scope.gone[key] = warc_date

    def archive_extension(self) -> ArchiveExtension | None:
        from crawler.archiving.extensions import ArchiveExtension

        return self.crawler.get_extension(ArchiveExtension)

    async def start(self) -> AsyncIterator[Request]:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(SITE_COUNT_STAT, len(self.scopes))
        if self.renderer is not None:  # the browser's User-Agent, into the first warcinfo
            fields = await self.renderer.prepare()
            archive = self.archive_extension()
            if archive is not None and fields:
                archive.add_info(fields)
        await self.load_known()
        recovered = list(self.recovery_requests())
        for scope in self.scopes:
            yield self.request(
                scope.base_url + "/robots.txt",
                scope,
                callback=self.parse_robots,
                errback=self.robots_failed,
                priority=1000,
                dont_filter=True,
                meta=dict(ROBOTS_META),
            )
        for request in recovered:
            yield request

    def page_selector(self, response: Response) -> Selector | None:
        """An HTML page parsed in this process (listing pages; article pages are parsed
        by the extraction worker), or None: not HTML, or a page lxml cannot read. A local
        selector: response.selector would keep the parsed tree alive on the response."""
        if not isinstance(response, TextResponse) or not looks_like_html(response.body):
            return None
        try:
            return Selector(response=response)
        except Exception as exc:
            logger.debug("cannot parse %s: %s", response.url, exc)
            return None

    def page_links(self, response: Response, page: Selector | None = None) -> PageLinks:
        """The links of an HTML page read in this process (*page*: its parse, if made)."""
        page = page if page is not None else self.page_selector(response)
        if page is None:
            return PageLinks()
        try:
            return links_of_tree(page.root)
        except Exception as exc:  # a page lxml cannot read: nothing to follow
            logger.debug("no links from %s: %s", response.url, exc)
            return PageLinks()

    def follow(self, response: Response, found: PageLinks | None = None) -> Iterator[Request]:
        """The requests a page leads to, with the listing-chain accounting."""
        if found is None:
            found = self.page_links(response)
        yield from self.asset_requests(response, found.assets)
        for href in found.feeds:
            target = self._link_target(href, response.url)
            if target is not None:
                yield from self._feed(target[0])
        articles: list[Request] = []
        listings: list[tuple[str, str]] = []
        for href in found.links:
            target = self._link_target(href, response.url)
            if target is None:
                continue
            url, kind = target
            if kind == "article" or kind == "page" and self._article_like(url):
                req = self.article_request(url)
                if req is not None:
                    articles.append(req)
            elif kind in ("listing", "page"):
                listings.append((url, kind))
            elif kind == "feed":
                yield from self._feed(url)
        yield from articles
        barren = 0 if articles else response.meta.get("barren", 0) + 1
        here = urlsplit(response.url).path
        spread = barren == 0 or response.meta.get("start_page", False)
        nexts = set()
        if not spread:
            for href in found.next:
                target = self._link_target(href, response.url)
                if target is not None:
                    nexts.add(target[0])
        for url, kind in dict.fromkeys(listings):
            # a page that brought nothing new only goes on to its own next pages
            if not spread and not (
                urlsplit(url).path == here or url in nexts or is_next_page(response.url, url)
            ):
                continue
            if kind == "page" and not self.is_start_page(url):
                req = self.article_request(url, barren=barren)
            else:
                req = self.listing_request(url, barren)
            if req is not None:
                yield req

    def _article_like(self, url: str) -> bool:
        scope = self.scope_of(url)
        return scope is not None and scope.looks_like_article(url)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        scope = self.scope_of(response.url)
        if scope is not None:
            self._site_inc(scope, "pages")
        if self.challenged(response):
            return  # its links are the challenge's: the next run asks for the page again
        # one parse for the site's name and the links
        yield from self._read_listing(response, scope, self.page_selector(response))

    def _read_listing(
        self, response: Response, scope: SiteScope | None, page: Selector | None
    ) -> Iterator[Request]:
        """The requests of a listing page parsed as *page*: the site's name, its links."""
        if scope is not None and not scope.home_name and scope.home_reads < HOME_READS:
            yield from self.read_home(response, scope, page)
        yield from self.follow(response, self.page_links(response, page))

    async def parse_rendered_listing(self, response: Response) -> AsyncIterator[Request]:
        """:meth:`parse_listing` in a crawl that renders pages: a listing whose static HTML
        looks like a JavaScript shell (or whose URL the site's ``browser_pattern`` names)
        is read from the DOM the browser made, links and site name. Others as before."""
        scope = self.scope_of(response.url)
        assert self.renderer is not None
        render = self.renderer.listing_reason(response, scope)
        if render is None:
            for req in self.parse_listing(response):
                yield req
            return
        if scope is not None:
            self._site_inc(scope, "pages")
        if self.challenged(response, rendered=True):
            return
        rendered = await self.render(response, render)
        page = (
            Selector(text=rendered.rendered.html, base_url=response.url)
            if rendered is not None
            else self.page_selector(response)
        )
        for req in self._read_listing(response, scope, page):
            yield req

    def challenged(self, response: Response, error: bool = False, rendered: bool = False) -> bool:
        """Is *response* a bot challenge or block page (archive/extract/challenge.py)? Counted
        per host, logged once per host. A page answered otherwise counts as come
        through, unless an *error* (a 4xx/5xx that is no challenge). A page that only
        asks for JavaScript is no challenge when it is to be *rendered* in the browser."""
        headers = {}
        for name in HEADER_NAMES:
            value = response.headers.getlist(name)
            if value:
                headers[name] = b", ".join(value).decode("latin-1")
        kind = challenge_reason(response.status, headers, response.body)
        host = urlsplit(response.url).netloc
        if kind == NEEDS_JAVASCRIPT and rendered:
            kind = None
        if kind is None:
            if not error:
                self._pages_through[host] += 1
                if host in self._challenges:
                    self._inc(f"archive/pages_through/{host}")
            return False
        if host not in self._challenges:
            if self.crawler.stats is not None:
                self.crawler.stats.set_value(
                    f"archive/pages_through/{host}", self._pages_through[host]
                )
            logger.warning(
                "%s answered %s with a bot challenge (HTTP %s, %s): archived as received, "
                "not as an article, asked again next run",
                host,
                response.url,
                response.status,
                kind,
            )
        else:
            logger.info("bot challenge for %s (HTTP %s, %s)", response.url, response.status, kind)
        self._challenges[host] += 1
        self._inc("archive/challenges")
        self._inc(f"archive/challenges/{host}")
        return True

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        if self.max_articles and self._articles_reserved >= self.max_articles:
            return  # the crawl is closing (max_articles): nothing more to follow or parse
        scope = self.scope_of(response.url)
        if scope is not None:
            self._site_inc(scope, "pages")
        render = self.renderer.reason(response, scope) if self.renderer is not None else None
        if self.challenged(response, rendered=render is not None):
            return  # not the article (nor its links): not recorded, so asked again next run
        unchanged = await self.unchanged(response)
        if self.extractor is None or unchanged:
            # nothing to extract (this page stays archived all the same): links only
            if render is not None and not unchanged:
                await self.render(response, render)
            for req in self.follow(response):
                yield req
            return
        decide = bool(response.meta.get(DECIDE_META))
        if not decide and not self._reserve(scope):
            return  # the site has its max_articles (in flight or out): nothing more from it
        rendered = None
        if render is not None and not (decide and self._max_reached(scope)):
            rendered = await self.render(response, render)
        result = await self.extract(response, decide, rendered)
        if decide:
            if not self._judged(response, scope, result):
                for req in self.follow(response, result.links):
                    yield req
                return
            if not self._reserve(scope):
                return
        for req in self.follow(response, result.links):
            yield req
        item = await self.article_item(response, result)
        if item is None:
            self._articles_reserved -= 1
            if scope is not None:
                scope.reserved -= 1
            return
        self._articles_out += 1
        if scope is not None:
            scope.articles_out += 1
            if scope.full:
                logger.info("%s: max_articles (%d) reached", scope.name, scope.max_articles)
        yield item
        if self.max_articles and self._articles_out >= self.max_articles:
            raise CloseSpider("max_articles")

    async def render(self, response: Response, reason: str) -> RenderedPage | None:
        """The page of *response* rendered in the browser (crawler/capture/rendering.py),
        or None (it could not be: counted and logged there)."""
        assert self.renderer is not None
        rendered = await self.renderer.render(response, reason)
        if rendered is not None:  # what the browser fetched is archived: not again
            self._requested_assets.update(rendered.fetched())
        return rendered

    def _max_reached(self, scope: SiteScope | None) -> bool:
        """No room left under the crawl's or the site's max_articles."""
        if self.max_articles and self._articles_reserved >= self.max_articles:
            return True
        return bool(
            scope is not None and scope.max_articles and scope.reserved >= scope.max_articles
        )

    def _note_decoration(self, scope: SiteScope) -> None:
        """The site's decoration parameters, in the stats and so in the run report, for
        the next run to know from its start (archive/discover/sitememory.py)."""
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(
                f"archive/sites/{scope.name}/decoration", ",".join(sorted(scope.ignored_params))
            )

    def _reserve(self, scope: SiteScope | None) -> bool:
        """A place for one more article under the crawl's and the site's max_articles
        (articles extracted or being extracted count: pages are extracted many at once)."""
        if self.max_articles and self._articles_reserved >= self.max_articles:
            return False
        if scope is not None and scope.max_articles and scope.reserved >= scope.max_articles:
            return False
        self._articles_reserved += 1
        if scope is not None:
            scope.reserved += 1
        return True

    def _judged(
        self, response: Response, scope: SiteScope | None, result: ExtractionResult
    ) -> bool:
        """A judged page: an article (True), or a page archived as it is and followed
        like a listing (False). Either way its site learns the shape of its URL, and
        what its rel=canonical says about the URL's parameters."""
        is_article = result.article is not None
        if scope is not None:
            scope.shapes.learn(response.url, is_article)
            canonical = result.article.get("canonical_url") if result.article else None
            before = len(scope.ignored_params)
            scope.learn_canonical(response.url, canonical)
            if len(scope.ignored_params) != before:
                self._link_target.clear()  # links resolved before would keep the parameter
                self._start_pages = None
                self._note_decoration(scope)
                logger.info(
                    "%s: URL parameters %s only decorate pages (rel=canonical)",
                    scope.name,
                    ", ".join(sorted(scope.ignored_params)),
                )
        if is_article:
            return True
        if result.error == NOT_AN_ARTICLE:
            self._inc("archive/pages_not_articles")
            if scope is not None:
                self._site_inc(scope, "not_articles")
            if result.verdict is not None:
                logger.debug("%s: %s", response.url, result.verdict.explain())
        else:
            self._inc("archive/extraction_failed")
            logger.warning("extraction failed for %s: %s", response.url, result.error)
        return False

    async def extract(
        self, response: Response, decide: bool = False, rendered: RenderedPage | None = None
    ) -> ExtractionResult:
        """The article of a page and its links, from one parse in an extraction worker;
        with *decide*, only when the page is an article. A page *rendered* in the browser
        is read from its DOM after scripts ran."""
        assert self.extractor is not None
        content_type: bytes | None
        if rendered is not None:
            body, content_type = rendered.html, b"text/html; charset=utf-8"
        else:
            body, content_type = response.body, response.headers.get(b"Content-Type")
        return await self.extractor.extract(
            body,
            response.url,
            content_type.decode("latin-1") if content_type else None,
            links=True,
            decide=decide,
            listed=self._listed(response),
        )

    def _listed(self, response: Response) -> str:
        """How the page was listed: "news" (a feed, a news sitemap), "sitemap" or ""."""
        scope = self.scope_of(response.url)
        key = scope.article_key(response.url) if scope is not None else None
        later = scope.listed.get(key, "") if scope is not None and key else ""
        return (
            "news"
            if "news" in (later, response.meta.get(LISTED_META))
            else (later or response.meta.get(LISTED_META) or "")
        )

    async def unchanged(self, response: Response) -> bool:
        """A refreshed article whose payload is identical was archived as a revisit
        record: there is nothing new to extract."""
        if PREVIOUS_META not in response.meta or CAPTURE_META not in response.meta:
            return False
        try:
            stored = await asyncio.wrap_future(response.meta[CAPTURE_META])
        except Exception:
            return True  # not archived: nothing to extract either
        if stored.record_type == "revisit":
            self._inc("archive/articles_unchanged")
            return True
        return False

    @staticmethod
    def _site_names(scope: SiteScope, article: dict[str, Any], url: str) -> None:
        """What one page cannot know, from its site: the site's name where the page's
        markup names none (extraction fell back to the domain), and cut from the title."""
        sitename = article.get("sitename")
        fallback = not sitename or titles.looks_like_host(sitename)
        fallback = fallback or sitename == titles.domain_name(url)
        if not fallback and sitename and scope.decides:
            scope.declared_names[sitename] += 1
        name = scope.site_name
        if not name:
            return
        if fallback:
            article["sitename"] = name
        title = article.get("title")
        if title and titles.key(name) in titles.key(title):
            article["title"] = titles.strip_site(title, [name])

    async def article_item(
        self, response: Response, result: ExtractionResult
    ) -> ArticleItem | None:
        if result.article is None:
            self._inc("archive/extraction_failed")
            logger.warning("extraction failed for %s: %s", response.url, result.error)
            return None
        article = dict(result.article)
        scope = self.scope_of(response.url)
        if scope is None:
            return None
        own = scope.article_key(response.url) or response.url
        canonical = article.get("canonical_url")
        canonical_url = scope.clean(canonical, response.url) if canonical else None
        canonical_key = scope.article_key(canonical_url) if canonical_url else None
        known_text = response.meta.get("archive_known_text")
        if known_text and known_text == hashlib.sha1(article["text"].encode()).hexdigest():
            self._inc("archive/refreshed_unchanged_text")
            return None  # new bytes (a new capture), same article: no new version
        if own in scope.extracted or (canonical_key and canonical_key in scope.extracted):
            self._inc("archive/duplicate_articles")
            logger.info("%s is an article archived already (rel=canonical)", response.url)
            return None
        known = scope.known.get(canonical_key) if canonical_key and canonical_key != own else None
        if known is not None and PREVIOUS_META not in response.meta and not self.is_stale(known):
            # another URL of an article a past run archived (its rel=canonical says so)
            scope.extracted.add(canonical_key)  # type: ignore[arg-type]
            self._inc("archive/articles_known")
            logger.info("%s is an article archived already (rel=canonical)", response.url)
            return None
        scope.extracted.add(own)
        if canonical_key:
            scope.extracted.add(canonical_key)
            scope.scheduled.add(canonical_key)  # never fetched again under that URL
        self._site_names(scope, article, response.url)
        fields: dict[str, Any] = {k: article.get(k) for k in ARTICLE_KEYS}
        item = ArticleItem(url=response.url, **fields)
        capture = response.meta.get(CAPTURE_META)
        if capture is not None:
            try:
                stored = await asyncio.wrap_future(capture)
            except Exception as exc:  # the write failed: counted and stopping elsewhere
                logger.warning("%s was not archived: %s", response.url, exc)
                return None
            item.fetched_at = stored.warc_date
            item.warc_filename = stored.filename
            item.warc_record_id = stored.record_id
            item.warc_offset = stored.offset
        return item
