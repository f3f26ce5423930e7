"""One site of a crawl: where it lives, which of its URLs are articles, and what this run
knows and did there.

A crawl holds one :class:`SiteScope` per site (one for ``scrapy crawl ansarpress`` or
``-a url=``, one per line of a sites file). A site with an article URL pattern (a
preset such as ansarpress, or ``article_pattern`` in the sites file) classifies its
links as articles or listings by URL, as before. A site without one classifies every
page inside its sections as a "page": fetched, then judged article or not from its own
markup and text (archive/extract/articleness.py). The URL shapes its articles and other pages
showed so far (archive/discover/urlshapes.py) order what is fetched next, articles first;
they never drop a page unseen.

Everything per site lives here, so that two sites of one crawl never mix: the articles
scheduled, passed over, extracted and archived already; the query parameters that
rel=canonical showed to be decoration (``Itemid``, ``catid``, ``replytocom``); the
site's own caps, headers and cookies.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from archive.discover.urlshapes import ShapeLearner
from crawler.spiders.urls import normalize_url, origin, quick_host

if TYPE_CHECKING:
    from archive.discover.sites import Site
    from archive.index.sqlite import KnownArticle

ASSET_EXTENSIONS = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|bmp|tiff?|css|js|mjs|json|pdf|docx?|xlsx?|pptx?|zip|gz|"
    r"rar|7z|mp[34]|m4[av]|webm|ogg|wav|avi|mov|wmv|flv|woff2?|ttf|eot|exe|dmg|apk|xml|rss)$",
    re.IGNORECASE,
)
# paths never requested (besides robots.txt rules): accounts, search, print views...
SKIP_PATH = (
    r"/(?:login|logout|register|signin|signup|account|print|share|wp-admin|wp-login\.php|"
    r"wp-json|xmlrpc\.php|cart|checkout|subscribe)(?:/|$|\.(?:php|html?|aspx?|jsp)$)"
)
# query keys that ask for something other than the page: searches, print and share views
SKIP_QUERY = frozenset({"s", "q", "search", "query", "print", "share", "replytocom", "format"})
# AMP twins: /amp, /amp/ prefix, .amp(.html), ?amp, ?amp=1, ?outputType=amp
_AMP_SUFFIX = re.compile(r"/amp/?$|\.amp(?=\.html?$|$)", re.IGNORECASE)
_AMP_PREFIX = re.compile(r"^/amp(?=/)", re.IGNORECASE)
_AMP_QUERY = {"amp": None, "outputtype": "amp", "output": "amp", "amp_js_v": None}
# a feed linked as a page (WordPress's /feed/, /rss, /atom.xml)
_FEED_PATH = re.compile(
    r"/(?:feed|rss|atom)(?:/(?:rss2?|atom|rdf))?/?$|/(?:feed|rss|atom|rss2)\.xml$|\.(?:rss|atom)$",
    re.I,
)
# query keys that name a page (an article's id): never decoration (learn_canonical)
ID_KEYS = frozenset(
    {"id", "p", "aid", "nid", "article", "articleid", "article_id", "story", "storyid"}
    | {"newsid", "news_id", "postid", "post_id", "contentid", "content_id", "no"}
)
# query keys of a listing's or an article's pages: never decoration (learn_canonical)
PAGINATION_KEYS = frozenset({"page", "paged", "pg", "p", "offset", "start", "limit", "pagenum"})
# a page whose shape scores this much is fetched as an article (capped, early)
ARTICLE_LIKE = 0.5


def check_base_url(value: str) -> str:
    """An http(s) URL's origin; raises ValueError (the spider says SpiderArgumentError)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an http(s) URL, got {value!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ValueError(f"base_url has a bad port: {value!r}") from exc
    return origin(normalize_url(value))


def fold_amp(url: str) -> str:
    """The page an AMP twin's URL stands for (``/news/x/amp`` → ``/news/x``); other URLs
    as they are."""
    parts = urlsplit(url)
    path = _AMP_PREFIX.sub("", _AMP_SUFFIX.sub("", parts.path)) or "/"
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [
        (k, v)
        for k, v in query
        if not (
            k.lower() in _AMP_QUERY
            and (_AMP_QUERY[k.lower()] is None or v.lower() == _AMP_QUERY[k.lower()])
        )
    ]
    if path == parts.path and len(kept) == len(query):
        return url
    return parts._replace(path=path, query=urlencode(kept)).geturl()


def _netloc(url: str) -> str:
    return urlsplit(url).netloc


@dataclass(frozen=True)
class SiteOptions:
    """What a site is: the fields of archive.discover.sites.Site the crawl uses, or a preset's."""

    base_url: str
    start_urls: tuple[str, ...]
    name: str = ""  # what the stats and the summary call the site
    display_name: str = ""  # the site's name as the user gave it (a sites file's name)
    site_hosts: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    article_pattern: str | None = None
    skip_path: str = SKIP_PATH
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[dict[str, str], ...] = ()
    max_articles: int | None = None
    delay: float | None = None
    concurrency: int | None = None
    browser: str = ""  # off, auto, always; "" = ARCHIVE_BROWSER's
    browser_pattern: str | None = None  # pages rendered with browser: auto

    @classmethod
    def from_site(cls, site: Site) -> SiteOptions:
        return cls(
            base_url=site.origin,
            start_urls=site.start_urls,
            # two sites on one host (test servers, ports) keep apart by default
            name=site.name if site.name and site.name != site.host else _netloc(site.origin),
            display_name=site.name if site.name != site.host else "",
            sections=site.sections,
            article_pattern=site.article_pattern,
            headers=site.headers,
            cookies=tuple(
                {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path}
                for c in site.cookies
            ),
            max_articles=site.max_articles,
            delay=site.delay,
            concurrency=site.concurrency,
            browser=site.browser,
            browser_pattern=site.browser_pattern,
        )


class SiteScope:
    def __init__(self, options: SiteOptions) -> None:
        self.options = options
        self.base_url = check_base_url(options.base_url)
        parts = urlsplit(self.base_url)
        self.netloc = parts.netloc
        self.host = parts.hostname or ""
        self.name = options.name or self.netloc
        self.site_hosts = frozenset(h.lower() for h in options.site_hosts)
        self.hosts = frozenset({self.host, *self.site_hosts})
        self.sections = options.sections or ("/",)
        self.article_re = re.compile(options.article_pattern) if options.article_pattern else None
        # no pattern: every page is judged article or not once fetched
        self.decides = self.article_re is None
        self.skip_re = re.compile(options.skip_path) if options.skip_path else None
        self.max_articles = options.max_articles
        self.headers = dict(options.headers)
        self.cookies = [dict(c) for c in options.cookies]
        self.shapes = ShapeLearner()
        # query keys rel=canonical showed to be decoration on this site (Itemid, catid)
        self.ignored_params: set[str] = set()
        self._decoration_seen: dict[str, set[str]] = {}  # key -> the pages that showed it
        # article key -> its latest archived version (incremental crawls)
        self.known: dict[str, KnownArticle] = {}
        # article key -> WARC-Date of its latest capture, a 404 or 410 (a dead link)
        self.gone: dict[str, str] = {}
        self.scheduled: set[str] = set()
        # scheduled articles a sitemap or feed also listed (a page judged is told so)
        self.listed: dict[str, str] = {}
        self.passed_over: set[str] = set()  # article keys this run chose not to fetch
        self.recovered: set[str] = set()  # extracted from a killed run's capture
        self.extracted: set[str] = set()
        self.listings = 0  # listing pages requested
        # the site's name: the user's, else its home page's, else what its articles say
        self.home_name: str | None = None
        self.home_reads = 0  # pages read for it (a start page, then the next listings)
        self.declared_names: Counter[str] = Counter()
        self.articles_out = 0
        self.reserved = 0  # articles out or being extracted, for max_articles

    @property
    def site_name(self) -> str | None:
        """The site's own name, for articles whose markup names none (extraction then
        falls back to the domain), and to cut it from their titles."""
        if self.options.display_name:
            return self.options.display_name
        if self.home_name:
            return self.home_name
        common = self.declared_names.most_common(1)
        return common[0][0] if common else None

    @property
    def full(self) -> bool:
        """Has the site given its max_articles?"""
        return self.max_articles is not None and self.articles_out >= self.max_articles

    def start_urls(self) -> list[str]:
        out = []
        for url in self.options.start_urls or (self.base_url + "/",):
            moved = self.clean(url, self.base_url)
            if moved is not None:
                out.append(moved)
        return out or [self.base_url + "/"]

    def move_to(self, url: str) -> None:
        """The site answers at *url*'s origin now (its robots.txt redirected there): URLs
        of its old origin are moved onto the new one."""
        old = self.host
        self.base_url = check_base_url(url)
        parts = urlsplit(self.base_url)
        self.netloc = parts.netloc
        self.host = parts.hostname or ""
        self.site_hosts = frozenset({*self.site_hosts, old} - {self.host})
        self.hosts = frozenset({self.host, *self.site_hosts})

    # -- URLs ---------------------------------------------------------------------------
    def rebase(self, url: str) -> str:
        """Move a URL of the real site onto base_url (a mirror or a test server)."""
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.lower() in self.site_hosts:
            base = urlsplit(self.base_url)
            return parts._replace(scheme=base.scheme, netloc=base.netloc).geturl()
        return url

    def owns(self, host: str) -> bool:
        return host == self.host or host.lower() in self.hosts

    def clean(self, href: str, base: str) -> str | None:
        """*href* on page *base* as the URL to fetch: joined, normalised, an AMP twin's
        URL folded onto its page, decoration parameters dropped; None when it leads
        off the site."""
        href = href.strip()
        if not href or href.startswith(("mailto:", "javascript:", "tel:", "data:", "#")):
            return None
        host = quick_host(href)
        if host is not None and not self.owns(host):
            return None  # off-site, seen without joining or splitting the URL
        try:
            joined = urljoin(base, href)
            host = urlsplit(joined).hostname
        except ValueError:
            return None
        if host is None or not self.owns(host):
            return None  # off-site: decided before the costly normalisation
        try:
            url = normalize_url(self.rebase(joined))
        except ValueError:
            return None
        if origin(url) != self.base_url:
            return None
        if self.decides:
            url = fold_amp(url)
            if self.ignored_params:
                url = self._without(url, self.ignored_params)
        return url

    @staticmethod
    def _without(url: str, names: Iterable[str]) -> str:
        parts = urlsplit(url)
        if not parts.query:
            return url
        drop = set(names)
        query = parse_qsl(parts.query, keep_blank_values=True)
        kept = [(k, v) for k, v in query if k not in drop]
        return url if len(kept) == len(query) else parts._replace(query=urlencode(kept)).geturl()

    def learn_canonical(self, url: str, canonical: str | None) -> None:
        """A page at *url* names *canonical*, at the same path: the query keys both give
        the same value identify the page (an id among them: ``id=108``); those only one
        of them gives, or gives differently, are decoration on this site (Joomla's
        ``Itemid`` and ``catid``), dropped from every URL once two pages have shown it."""
        if not canonical or not self.decides:
            return
        mine, theirs = urlsplit(url), urlsplit(self.rebase(canonical))
        if mine.path.rstrip("/") != theirs.path.rstrip("/") or not mine.query:
            return
        ours = dict(parse_qsl(mine.query, keep_blank_values=True))
        named = dict(parse_qsl(theirs.query, keep_blank_values=True))
        same = {k for k, v in named.items() if ours.get(k) == v}
        if not any(k.lower() in ID_KEYS for k in same):
            return  # nothing says it is the same page: another page, or a section
        if any(k.lower() in ID_KEYS for k in (set(ours) | set(named)) - same):
            return  # an id differs: another article
        extra = (set(ours) | set(named)) - same - PAGINATION_KEYS
        if not extra or len(extra) > 3:
            return
        # a parameter is decoration once two pages have shown it (one multi-page article
        # naming its first page must not teach the whole site)
        page = urlencode(sorted((k, named[k]) for k in same))
        learned = set()
        for name in extra:
            seen = self._decoration_seen.setdefault(name, set())
            if len(seen) < 2:
                seen.add(page)
            if len(seen) >= 2 and name not in self.ignored_params:
                learned.add(name)
        if learned:
            self.ignore(learned)

    def ignore(self, names: Iterable[str]) -> None:
        """Drop the query parameters *names* from this site's URLs from now on, and from
        the article keys known so far (an article keeps one key)."""
        self.ignored_params |= set(names)
        self.known = {self._rekey(k): v for k, v in self.known.items()}
        self.gone = {self._rekey(k): v for k, v in self.gone.items()}
        self.listed = {self._rekey(k): v for k, v in self.listed.items()}
        for keys in (self.scheduled, self.passed_over, self.recovered, self.extracted):
            rekeyed = {self._rekey(k) for k in keys}
            keys.clear()
            keys.update(rekeyed)

    def _rekey(self, key: str) -> str:
        path, mark, query = key.partition("?")
        if not mark:
            return key
        kept = [
            (k, v)
            for k, v in parse_qsl(query, keep_blank_values=True)
            if k not in self.ignored_params
        ]
        return f"{path}?{urlencode(kept)}" if kept else path

    def article_key(self, url: str) -> str | None:
        """The name of the article at *url* within this site (the same article under
        several URLs has one); None for a URL that is no article (pattern sites) or not
        a page of the site."""
        parts = urlsplit(url)
        path = parts.path
        if self.article_re is None:
            key = path.rstrip("/") or "/"
            return f"{key}?{parts.query}" if parts.query else key
        if self.article_re.fullmatch(path) or self.article_re.fullmatch(path.rstrip("/")):
            return path.rstrip("/")
        if parts.query:
            whole = f"{path}?{parts.query}"
            if self.article_re.fullmatch(whole):
                return whole
        return None

    def in_sections(self, path: str) -> bool:
        for prefix in self.sections:
            bare = prefix.rstrip("/")
            if path in (prefix, bare) or path.startswith(bare + "/") or not bare:
                return True
        return False

    def classify(self, url: str) -> str | None:
        """ "article", "listing", "page" (judged once fetched), "feed" (a site without a
        pattern: a feed linked as a page) or None (not to fetch)."""
        parts = urlsplit(url)
        path = parts.path
        if self.decides and _FEED_PATH.search(path):
            return "feed"
        if ASSET_EXTENSIONS.search(path):
            return None
        if self.skip_re is not None and self.skip_re.search(path):
            return None
        if self.article_re is not None:
            if self.article_key(url) is not None:
                return "article"
            return "listing" if self.in_sections(path) else None
        if parts.query and any(
            k.lower() in SKIP_QUERY for k, _ in parse_qsl(parts.query, keep_blank_values=True)
        ):
            return None
        return "page" if self.in_sections(path) else None

    def looks_like_article(self, url: str) -> bool:
        """Is a page of this shape fetched as an article (early, under the host cap) or
        as a listing (late, under the listing cap)? Decided by what the site showed."""
        return self.shapes.score(url) >= ARTICLE_LIKE
