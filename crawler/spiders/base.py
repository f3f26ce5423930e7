"""A generic news-site spider: robots.txt and its sitemaps, feeds, listings, articles.

A site is a small subclass that says where the site lives and what its article URLs
look like (see :mod:`crawler.spiders.ansarpress`). The base class does the rest:

- robots.txt first (its Sitemap lines are entry points, and nothing else is requested
  from the host before its rules are known), then the sitemaps, the start pages and
  every RSS/Atom feed the pages link to;
- every link is normalised (fragment, tracking and session parameters dropped) and
  classified: an article (the site's pattern), a listing (any other page under the
  site's sections), or nothing (off-site, assets, outside the sections);
- each article is requested once, however many URLs point at it; an article whose
  rel=canonical names one already archived is not archived twice;
- traps end by themselves: a listing page that brought no new article goes on only to
  its own next pages (same path), and such a chain stops after ARCHIVE_STOP_AFTER_SEEN
  pages in a row with nothing new (endless pagination, calendars, session-id URLs);
  ARCHIVE_MAX_LISTING_PAGES caps listings and DEPTH_LIMIT caps everything. On an
  archive that is caught up this keeps a run to the entry pages;
- article pages are extracted in worker processes and become ArticleItems that point
  at their WARC response record;
- a bot challenge or block page (archive/challenge.py) answering for an article or a
  listing stays archived as received but is neither extracted nor followed, and is
  counted (``archive/challenges``): no article is recorded for it, so the next run asks
  for the page again.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import inspect
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlsplit

from lxml import etree
from protego import Protego
from scrapy import Request, Selector, Spider, signals
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from archive.capture import PreviousCapture
from archive.challenge import HEADER_NAMES, challenge_reason
from archive.extracted import ExtractionResult
from archive.index import KnownArticle
from archive.links import PageLinks
from archive.links import page_links as links_of_tree
from archive.rows import ARTICLE_FIELDS
from archive.sniff import looks_like_html
from crawler.capture import CAPTURE_META, EXTRACTED_META, PREVIOUS_META
from crawler.extraction import ExtractionPool
from crawler.hostcap import UNCAPPED
from crawler.items import ArticleItem
from crawler.lastmod import LastMod, parse_lastmod, stamped
from crawler.replay import RECOVER_META
from crawler.robots import DENY_ALL, Rules, rules_after_error, rules_from_response
from crawler.urls import LinkMemo, normalize_url, origin, quick_host

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ASSET_EXTENSIONS = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|bmp|tiff?|css|js|mjs|json|pdf|docx?|xlsx?|pptx?|zip|gz|"
    r"rar|7z|mp[34]|m4[av]|webm|ogg|wav|avi|mov|wmv|flv|woff2?|ttf|eot|exe|dmg|apk)$",
    re.IGNORECASE,
)

# request priorities: robots and sitemaps first, then articles, then listings
PRIO_SITEMAP = 50
PRIO_FEED = 40
PRIO_ARTICLE = 20
PRIO_LISTING = 0
PRIO_ASSET = -10


# statuses a page-asset request hands to parse_asset instead of raising HttpError
ASSET_ERROR_STATUSES = tuple(range(400, 600))

# the fields extraction fills (the others say where and when the page was archived)
ARTICLE_KEYS = tuple(
    name
    for name in ARTICLE_FIELDS
    if name not in ("url", "fetched_at", "warc_filename", "warc_record_id", "warc_offset")
)


class SpiderArgumentError(ValueError):
    """A spider argument (-a NAME=VALUE) is wrong."""


def check_base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpiderArgumentError(f"base_url must be an http(s) URL, got {value!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise SpiderArgumentError(f"base_url has a bad port: {value!r}") from exc
    return origin(normalize_url(value))


# the settings read with duration_setting (the crawl command checks them all up front)
DURATION_SETTINGS = ("ARCHIVE_REFRESH_AFTER", "ARCHIVE_RECHECK_GONE_AFTER")


def duration_setting(settings: Any, name: str) -> timedelta | None:
    """The setting *name*: "90", "45m", "12h", "7d" → a timedelta; empty or 0 → None
    (off). Anything else raises SpiderArgumentError, naming the setting."""
    value = settings.get(name)
    text = str(value or "").strip().lower()
    if not text or text == "0":
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    factor = units.get(text[-1], 0)
    number = text[:-1] if factor else text
    try:
        seconds = float(number) * (factor or 1)
    except ValueError:
        raise SpiderArgumentError(
            f"{name} must be a duration like 3600, 12h or 7d, got {value!r}"
        ) from None
    return timedelta(seconds=seconds) if seconds > 0 else None


def asset_scope(value: Any) -> str:
    """ARCHIVE_PAGE_ASSETS: "site" (the site's hosts and subdomains), "all" (any host, a
    CDN included) or "off"; booleans read as "site" / "off"."""
    text = str(value).strip().lower()
    if text in ("site", "all", "off"):
        return text
    if text in ("1", "true", "yes", "on"):
        return "site"
    if text in ("0", "false", "no", "none", ""):
        return "off"
    raise SpiderArgumentError(f"ARCHIVE_PAGE_ASSETS must be site, all or off, got {value!r}")


def spider_argument_names(spidercls: type[Spider]) -> set[str]:
    """The -a names a spider class takes: the named parameters of its __init__ and
    those of its bases, down to Scrapy's Spider."""
    names: set[str] = set()
    for klass in spidercls.__mro__:
        if klass is Spider or not issubclass(klass, Spider):
            break
        if "__init__" in vars(klass):
            for param in inspect.signature(klass.__init__).parameters.values():
                if param.name != "self" and param.kind in (
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    inspect.Parameter.KEYWORD_ONLY,
                ):
                    names.add(param.name)
    return names


def check_argument_names(spidercls: type[Spider], names: Iterable[str]) -> None:
    """A misspelled -a name would otherwise be set as a spider attribute and ignored
    (``-a baseurl=...`` crawling the real site). Names starting with ``_`` pass:
    scrapyd adds ``_job`` (and ``_version``) to every crawl it starts."""
    known = sorted(spider_argument_names(spidercls))
    for name in sorted(names):
        if name in known or name.startswith("_"):
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f": did you mean {close[0]}?" if close else ""
        raise SpiderArgumentError(
            f"unknown spider argument -a {name}{hint} (known: {', '.join(known)})"
        )


def check_max_articles(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SpiderArgumentError(f"max_articles must be a whole number, got {value!r}") from None
    if number < 1:
        raise SpiderArgumentError(f"max_articles must be at least 1, got {number}")
    return number


class NewsSpider(Spider):
    # -- what a site subclass sets ------------------------------------------------------
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
        self.base_url = check_base_url(base_url or self.default_base_url)
        self.max_articles = check_max_articles(max_articles)
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self._host = self.allowed_domains[0]
        self._hosts = {self._host, *self.site_hosts}
        self._article_re = re.compile(self.article_path)
        self._skip_re = re.compile(self.skip_path) if self.skip_path else None
        self._scheduled_articles: set[str] = set()
        self._passed_over: set[str] = set()  # article keys this run chose not to fetch
        self._recovered: set[str] = set()  # article keys extracted from a killed run's capture
        self._extracted: set[str] = set()
        # what this run has asked for already: the same menus and boxes on every page
        # would otherwise make a Request each time, for the duplicate filter to drop
        self._requested_listings: set[str] = set()
        self._requested_feeds: set[str] = set()
        self._requested_assets: set[str] = set()
        self._link_target = LinkMemo(self._resolve_link)
        self._asset_target = LinkMemo(self._resolve_asset)
        self._articles_out = 0
        self._articles_reserved = 0  # extracted or being extracted, for max_articles
        self.stop_after_seen = 3
        self.max_listing_pages = 5000
        self.extractor: ExtractionPool | None = None
        self.capture_assets = "site"  # "site", "all" or "off": see ARCHIVE_PAGE_ASSETS
        self.refresh_after: timedelta | None = None
        self.refresh_modified = False  # see ARCHIVE_REFRESH_MODIFIED
        # article key -> its latest archived version (incremental crawls)
        self._known: dict[str, KnownArticle] = {}
        # article key -> WARC-Date of its latest capture, a 404 or 410 (a dead link)
        self._gone: dict[str, str] = {}
        self.recheck_gone_after: timedelta | None = timedelta(days=1)
        # per host: pages that came through (no challenge), and challenges answered
        self._pages_through: Counter[str] = Counter()
        self._challenges: Counter[str] = Counter()

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
        if settings.getbool("ARCHIVE_EXTRACT_ENABLED"):
            spider.extractor = ExtractionPool.from_crawler(crawler)
            spider.extractor.start()  # ready by the time robots.txt has been read
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def _closed(self) -> None:
        if self.extractor is not None:
            self.extractor.close()

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    # -- URLs ---------------------------------------------------------------------------
    def rebase(self, url: str) -> str:
        """Move a URL of the real site onto base_url (a mirror or a test server)."""
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.lower() in self.site_hosts:
            base = urlsplit(self.base_url)
            return parts._replace(scheme=base.scheme, netloc=base.netloc).geturl()
        return url

    def clean(self, href: str, base: str) -> str | None:
        href = href.strip()
        if not href or href.startswith(("mailto:", "javascript:", "tel:", "data:", "#")):
            return None
        host = quick_host(href)
        if host is not None and host != self._host and host not in self._hosts:
            return None  # off-site, seen without joining or splitting the URL
        try:
            joined = urljoin(base, href)
            host = urlsplit(joined).hostname
        except ValueError:
            return None
        if host is None or (host != self._host and host.lower() not in self._hosts):
            return None  # off-site: decided before the costly normalisation
        try:
            url = normalize_url(self.rebase(joined))
        except ValueError:
            return None
        if origin(url) != self.base_url:
            return None
        return url

    def _resolve_link(self, href: str, base: str) -> tuple[str, str | None] | None:
        url = self.clean(href, base)
        return None if url is None else (url, self.classify(url))

    def article_key(self, url: str) -> str | None:
        path = urlsplit(url).path
        if self._article_re.fullmatch(path) or self._article_re.fullmatch(path.rstrip("/")):
            return path.rstrip("/")
        return None

    def in_sections(self, path: str) -> bool:
        for prefix in self.section_prefixes:
            bare = prefix.rstrip("/")
            if path in (prefix, bare) or path.startswith(bare + "/"):
                return True
        return False

    def classify(self, url: str) -> str | None:
        """ "article", "listing" or None (not to be requested)."""
        path = urlsplit(url).path
        if ASSET_EXTENSIONS.search(path):
            return None
        if self._skip_re is not None and self._skip_re.search(path):
            return None
        if self.article_key(url) is not None:
            return "article"
        if self.in_sections(path):
            return "listing"
        return None

    # -- requests -----------------------------------------------------------------------
    def article_request(self, url: str, modified: LastMod | None = None) -> Request | None:
        """The request for an article not fetched yet in this run, or None: archived and
        neither due for a refresh nor *modified* (its sitemap ``<lastmod>``) since."""
        key = self.article_key(url)
        if key is None or key in self._scheduled_articles:
            return None
        known = self._known.get(key)
        changed = known is not None and modified is not None and modified.after(known.seen)
        # passed over once (archived, or a dead link): counted once, and asked again only
        # by a sitemap that says it changed since
        if key in self._passed_over and not changed:
            return None
        gone = self._gone.get(key)  # empty unless ARCHIVE_RECHECK_GONE_AFTER is set
        if gone is not None and not self._older_than(gone, self.recheck_gone_after):
            self._passed_over.add(key)
            self._inc("archive/articles_gone")
            return None
        meta: dict[str, Any] = {EXTRACTED_META: True}
        if known is not None:
            if changed:
                self._inc("archive/articles_modified")
            elif not self.is_stale(known):
                self._passed_over.add(key)
                self._inc("archive/articles_known")
                return None
            self._inc("archive/articles_refreshed")
            meta[PREVIOUS_META] = PreviousCapture(
                known.record_id, known.url, known.warc_date, known.payload_digest or ""
            )
            meta["archive_known_text"] = known.text_sha1
        self._scheduled_articles.add(key)
        return Request(
            url,
            callback=self.parse_article,
            errback=self.download_failed,
            priority=PRIO_ARTICLE,
            meta=meta,
        )

    def already_archived(self, request: Request) -> bool:
        """True for an article the archive holds and that is not due for a refresh
        (asked by the duplicate filter, for requests that did not come through
        article_request: redirect targets)."""
        if PREVIOUS_META in request.meta:
            return False
        key = self.article_key(request.url)
        if key in self._recovered:
            return True  # archived by a killed run, extracted from there (a redirect to it)
        known = self._known.get(key) if key else None
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

    def listing_request(self, url: str, barren: int) -> Request | None:
        if url in self._requested_listings:
            return None
        if barren >= self.stop_after_seen:
            self._inc("archive/listing_chains_stopped")
            return None
        if self.max_listing_pages and len(self._requested_listings) >= self.max_listing_pages:
            self._inc("archive/listing_cap_reached")
            return None
        self._requested_listings.add(url)
        return Request(
            url,
            callback=self.parse_listing,
            errback=self.download_failed,
            priority=PRIO_LISTING,
            # listing pages have a cap of their own (above), not the host's (hostcap.py)
            meta={"barren": barren, UNCAPPED: True},
        )

    def sitemap_request(self, url: str) -> Request:
        return Request(
            url, callback=self.parse_sitemap, errback=self.quiet_errback, priority=PRIO_SITEMAP
        )

    def feed_request(self, url: str) -> Request:
        return Request(
            url, callback=self.parse_feed, errback=self.quiet_errback, priority=PRIO_FEED
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

    def asset_requests(self, response: Response, hrefs: Iterable[str]) -> Iterator[Request]:
        """The stylesheets, scripts and images a page embeds, so that it replays as it
        looked: from the site's hosts and subdomains, or any host (a CDN) with
        ARCHIVE_PAGE_ASSETS=all; robots.txt permitting. The capture middleware archives
        them and nothing else is done with them."""
        if self.capture_assets == "off":
            return
        for href in hrefs:
            url = self._asset_target(href, response.url)
            if url is None or url in self._requested_assets:
                continue
            self._requested_assets.add(url)
            yield Request(
                url,
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
        return any(host == h or host.endswith("." + h.removeprefix("www.")) for h in self._hosts)

    def parse_asset(self, response: Response) -> None:
        """Archived on the way in (an error page too: it is what the server said);
        nothing to follow."""
        if response.status >= 400:
            self._inc("archive/page_assets_missing")
            logger.debug("page asset %s: HTTP %s", response.url, response.status)
            return
        self._inc("archive/page_assets")

    def quiet_errback(self, failure: Any) -> None:
        logger.info("could not fetch %s: %s", failure.request.url, failure.value)

    # -- the crawl ------------------------------------------------------------------------
    async def load_known(self) -> None:
        """Read what the archive holds, so that only new articles are fetched."""
        from crawler.extensions import ArchiveExtension

        archive = self.crawler.get_extension(ArchiveExtension)
        if archive is None or archive.unusable:
            return
        # the texts' hashes and latest captures only matter to a refresh (an unchanged
        # text is no new version; a capture tells when the article was last looked at)
        refresh = self.refresh_after is not None or self.refresh_modified
        for known in await asyncio.to_thread(archive.known_articles, refresh):
            for url in (known.url, known.canonical_url):
                key = self.article_key(self.rebase(url)) if url else None
                if key and key not in self._known:
                    self._known[key] = known
        if self._known:
            logger.info("%d articles archived already: fetching only new ones", len(self._known))
        if self.recheck_gone_after is None:
            return
        for url, warc_date in await asyncio.to_thread(archive.gone_pages):
            key = self.article_key(self.rebase(url))
            if key and key not in self._known and warc_date > self._gone.get(key, ""):
                self._gone[key] = warc_date

    async def start(self) -> AsyncIterator[Request]:
        await self.load_known()
        recovered = list(self.recovery_requests())
        yield Request(
            self.base_url + "/robots.txt",
            callback=self.parse_robots,
            errback=self.robots_failed,
            priority=1000,
            dont_filter=True,
            meta={"dont_obey_robotstxt": True, "handle_httpstatus_all": True},
        )
        for request in recovered:
            yield request

    def recovery_requests(self) -> Iterator[Request]:
        """The article pages a killed crawl archived and never extracted: requested from
        the archive (crawler/replay.py answers them, no network) and extracted as if
        just fetched; their URLs are not fetched again in this run."""
        from crawler.extensions import ArchiveExtension

        archive = self.crawler.get_extension(ArchiveExtension)
        if archive is None or archive.unusable or self.extractor is None:
            return
        for orphan in archive.orphan_responses():
            key = self.article_key(orphan.url)
            if key is None or key in self._scheduled_articles:
                continue
            if self.clean(orphan.url, orphan.url) != orphan.url:
                continue  # another site, or a URL this spider would not ask for
            meta: dict[str, Any] = {RECOVER_META: orphan, EXTRACTED_META: True}
            known = self._known.get(key)
            if known is not None:
                # archived already: only the latest capture may make a new version, and
                # only when a refresh can tell a new text (it knows the text's hash)
                if not known.text_sha1 or known.seen > orphan.warc_date:
                    continue
                meta["archive_known_text"] = known.text_sha1
            self._scheduled_articles.add(key)
            self._recovered.add(key)
            archive.recovering(orphan.record_id)
            yield Request(
                orphan.url,
                callback=self.parse_recovered,
                errback=self.recovery_failed,
                priority=PRIO_ARTICLE,
                dont_filter=True,  # not a fetch: neither the duplicate filter's nor the cap's
                meta=meta,
            )

    async def parse_recovered(self, response: Response) -> AsyncIterator[Any]:
        try:
            async for out in self.parse_article(response):
                yield out
        finally:
            self._recovery_done(response.meta)

    def recovery_failed(self, failure: Any) -> None:
        self._recovery_done(failure.request.meta)
        self.download_failed(failure)

    def _recovery_done(self, meta: dict[str, Any]) -> None:
        from crawler.extensions import ArchiveExtension

        archive = self.crawler.get_extension(ArchiveExtension)
        if archive is not None:
            archive.recovery_done(meta[RECOVER_META].record_id)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """The entry points: the sitemaps robots.txt names, then the start pages. The
        same reading of the file as the robots.txt middleware's (crawler.robots)."""
        rules, why = rules_from_response(response)
        if rules is DENY_ALL:
            logger.error("robots.txt of %s answered %s: not crawling", self.base_url, why)
            self._inc("archive/robots_unavailable")
            return
        yield from self.entry_points(rules, response)

    def entry_points(self, rules: Rules, response: Response) -> Iterator[Request]:
        """The sitemaps *rules* name (``/sitemap.xml`` when none), then the start pages."""
        sitemaps = list(rules.sitemaps) if isinstance(rules, Protego) else []
        own = [u for u in (self.clean(s, response.url) for s in sitemaps) if u]
        if not own:
            own = [self.base_url + "/sitemap.xml"]
        for url in own:
            yield self.sitemap_request(url)
        for path in self.start_paths:
            req = self.listing_request(normalize_url(self.base_url + path), 0)
            if req is not None:
                req.meta["start_page"] = True
                yield req

    def robots_failed(self, failure: Any) -> Iterator[Request]:
        rules, _ = rules_after_error(failure.value)
        if rules is not DENY_ALL:  # cut by DOWNLOAD_MAXSIZE past what is read of it
            yield from self.entry_points(rules, failure.value.response)
            return
        logger.error("cannot reach %s: %s", self.base_url, failure.value)
        self._inc("archive/robots_unavailable")

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:
                logger.warning("bad gzip sitemap %s: %s", response.url, exc)
                self._inc("archive/bad_sitemaps")
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:
            logger.warning("unparsable sitemap %s: %s", response.url, exc)
            self._inc("archive/bad_sitemaps")
            return
        entries = list(sitemap)
        lastmods = [entry.get("lastmod") for entry in entries]
        trust = self.refresh_modified and sitemap.type != "sitemapindex"
        if trust and stamped(lastmods):
            trust = False
            self._inc("archive/sitemaps_stamped")
            logger.info("%s gives its URLs all the same <lastmod>: not used", response.url)
        now = datetime.now(UTC)
        for entry, lastmod in zip(entries, lastmods, strict=True):
            url = self.clean(entry.get("loc", ""), response.url)
            if url is None:
                continue
            if sitemap.type == "sitemapindex":
                yield self.sitemap_request(url)
                continue
            if self.classify(url) != "article":
                continue
            req = self.article_request(url, parse_lastmod(lastmod, now) if trust else None)
            if req is not None:
                yield req

    def parse_feed(self, response: Response) -> Iterator[Request]:
        try:
            root = etree.fromstring(
                response.body, parser=etree.XMLParser(resolve_entities=False, no_network=True)
            )
        except etree.XMLSyntaxError as exc:
            logger.warning("unparsable feed %s: %s", response.url, exc)
            self._inc("archive/bad_feeds")
            return
        links = root.xpath(
            "//*[local-name()='item']/*[local-name()='link']/text()"
            " | //*[local-name()='entry']/*[local-name()='link']"
            "[not(@rel) or @rel='alternate']/@href"
        )
        for href in links:
            url = self.clean(str(href), response.url)
            if url and self.classify(url) == "article":
                req = self.article_request(url)
                if req is not None:
                    yield req

    def page_links(self, response: Response) -> PageLinks:
        """The links of an HTML page, read in this process (listing pages; article pages
        get theirs from the extraction worker, which parses the page anyway)."""
        if not isinstance(response, TextResponse) or not looks_like_html(response.body):
            return PageLinks()
        try:
            # a local selector: response.selector would keep the parsed tree alive on
            # the response for as long as it waits for extraction
            return links_of_tree(Selector(response=response).root)
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
            if target is not None and target[0] not in self._requested_feeds:
                self._requested_feeds.add(target[0])
                yield self.feed_request(target[0])
        articles: list[Request] = []
        listings: list[str] = []
        for href in found.links:
            target = self._link_target(href, response.url)
            if target is None:
                continue
            url, kind = target
            if kind == "article":
                req = self.article_request(url)
                if req is not None:
                    articles.append(req)
            elif kind == "listing":
                listings.append(url)
        yield from articles
        barren = 0 if articles else response.meta.get("barren", 0) + 1
        here = urlsplit(response.url).path
        spread = barren == 0 or response.meta.get("start_page", False)
        for url in dict.fromkeys(listings):
            # a page that brought nothing new only goes on to its own next pages
            if not spread and urlsplit(url).path != here:
                continue
            req = self.listing_request(url, barren)
            if req is not None:
                yield req

    def parse_listing(self, response: Response) -> Iterable[Request]:
        if self.challenged(response):
            return ()  # its links are the challenge's: the next run asks for the page again
        return self.follow(response)

    def challenged(self, response: Response, error: bool = False) -> bool:
        """Is *response* a bot challenge or block page (archive/challenge.py)? Counted
        per host, logged once per host. A page answered otherwise counts as come
        through, unless an *error* (a 4xx/5xx that is no challenge)."""
        headers = {}
        for name in HEADER_NAMES:
            value = response.headers.getlist(name)
            if value:
                headers[name] = b", ".join(value).decode("latin-1")
        kind = challenge_reason(response.status, headers, response.body)
        host = urlsplit(response.url).netloc
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
        if self.challenged(response):
            return  # not the article (nor its links): not recorded, so asked again next run
        if self.extractor is None or await self.unchanged(response):
            # nothing to extract (this page stays archived all the same): links only
            for req in self.follow(response):
                yield req
            return
        self._articles_reserved += 1
        result = await self.extract(response)
        for req in self.follow(response, result.links):
            yield req
        item = await self.article_item(response, result)
        if item is None:
            self._articles_reserved -= 1
            return
        self._articles_out += 1
        yield item
        if self.max_articles and self._articles_out >= self.max_articles:
            raise CloseSpider("max_articles")

    async def extract(self, response: Response) -> ExtractionResult:
        """The article of a page and its links, from one parse in an extraction worker."""
        assert self.extractor is not None
        content_type = response.headers.get(b"Content-Type")
        return await self.extractor.extract(
            response.body,
            response.url,
            content_type.decode("latin-1") if content_type else None,
            links=True,
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

    async def article_item(
        self, response: Response, result: ExtractionResult
    ) -> ArticleItem | None:
        if result.article is None:
            self._inc("archive/extraction_failed")
            logger.warning("extraction failed for %s: %s", response.url, result.error)
            return None
        article = dict(result.article)
        own = self.article_key(response.url) or response.url
        canonical = article.get("canonical_url")
        canonical_key = self.article_key(self.rebase(canonical)) if canonical else None
        known_text = response.meta.get("archive_known_text")
        if known_text and known_text == hashlib.sha1(article["text"].encode()).hexdigest():
            self._inc("archive/refreshed_unchanged_text")
            return None  # new bytes (a new capture), same article: no new version
        if own in self._extracted or (canonical_key and canonical_key in self._extracted):
            self._inc("archive/duplicate_articles")
            logger.info("%s is an article archived already (rel=canonical)", response.url)
            return None
        self._extracted.add(own)
        if canonical_key:
            self._extracted.add(canonical_key)
            self._scheduled_articles.add(canonical_key)  # never fetched again under that URL
        item = ArticleItem(url=response.url, **{k: article.get(k) for k in ARTICLE_KEYS})
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
