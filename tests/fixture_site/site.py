"""Fixture news site: article data and page rendering (pure functions, no sockets).

`NewsSite.render(path, query, base_url)` returns a `Response` describing the page; the HTTP
server in `server.py` only decides transport details (gzip, chunking, cookies).
"""

from __future__ import annotations

import calendar
import gzip
import html
import re
import secrets
import struct
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape as xml_escape

SITE_NAME = "Fixture Press"
DISCOVERY_CHANNELS = ("all", "sitemap", "feed", "tag")
NEWS_SITEMAP_SIZE = 5
HOME_SIZE = 5
MISSING_ARTICLE_ID = 99999
RTL_LANGS = frozenset({"ar", "fa", "ps", "ur"})

HTML_UTF8 = "text/html; charset=utf-8"
XML_UTF8 = "application/xml; charset=utf-8"

# page assets: every page links the stylesheet in its <head> and shows the logo
STYLESHEET_PATH = "/static/site.css"
LOGO_PATH = "/static/logo.png"
STYLESHEET = (
    "body { background: #faf6ee; color: #222; font-family: Georgia, serif; margin: 0; }\n"
    ".site-header { background: #7a1f1f; padding: 8px 16px; }\n"
    ".site-header a, .site-header .logo { color: #fff; }\n"
    ".logo img { vertical-align: middle; }\n"
    ".layout { display: flex; gap: 24px; padding: 16px; }\n"
    "article h1 { font-size: 2em; }\n"
)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


LOGO_PNG = _png(24, 24, (122, 31, 31))

Params = dict[str, list[str]]


@dataclass
class FixtureArticle:
    """One article. `discovery` says where it is linked from:

    "all" (home, categories, tags, feed, sitemap, related lists), or exactly one of
    "sitemap", "feed", "tag" (linked only from that place).
    """

    id: int
    title: str
    author: str
    published: str
    category: str
    tags: list[str]
    paragraphs: list[str]
    encoding: str = "utf-8"
    charset_in_header: bool = True
    description: str = ""
    lang: str = "en"
    discovery: str = "all"
    modified: str = ""  # the sitemap's <lastmod> when set (else: published)

    def __post_init__(self) -> None:
        if self.discovery not in DISCOVERY_CHANNELS:
            raise ValueError(f"discovery must be one of {DISCOVERY_CHANNELS}: {self.discovery!r}")

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def path(self) -> str:
        return f"/english/{self.id}"

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.published)

    @property
    def summary(self) -> str:
        if self.description:
            return self.description
        words = self.paragraphs[0].split() if self.paragraphs else []
        return " ".join(words[:30]) + ("…" if len(words) > 30 else "")


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    reason: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    compressible: bool = True  # may be sent with Content-Encoding: gzip
    chunked: bool = False  # send with Transfer-Encoding: chunked


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _t(text: str) -> str:
    """Escape for an HTML text node."""
    return html.escape(text, quote=False)


def _a(text: str) -> str:
    """Escape for an HTML attribute value."""
    return html.escape(text, quote=True)


def _human_date(article: FixtureArticle) -> str:
    when = article.published_at
    return f"{when.day} {when:%B %Y}, {when:%H:%M}"


def _positive_int(text: str | None) -> int | None:
    if text is None:
        return 1
    return int(text) if re.fullmatch(r"[1-9][0-9]{0,8}", text) else None


def _story_list(articles: Iterable[FixtureArticle], empty: str = "No stories yet.") -> str:
    items = [
        f'<li class="story"><h3><a href="{a.path}">{_t(a.title)}</a></h3>'
        f'<p class="meta">{_t(a.author)} · <time datetime="{_a(a.published)}">'
        f"{_human_date(a)}</time></p>"
        f'<p class="summary">{_t(a.summary)}</p></li>'
        for a in articles
    ]
    if not items:
        return f'<p class="empty">{_t(empty)}</p>'
    return '<ul class="stories">\n' + "\n".join(items) + "\n</ul>"


class NewsSite:
    """The fixture site's content. Thread-safe; render pages with `render()`."""

    DISALLOWED_PREFIXES = ("/english/private/", "/english/search")

    def __init__(
        self,
        articles: Iterable[FixtureArticle],
        *,
        per_page: int = 3,
        offsite_url: str | None = None,
        session_ids: bool = True,
    ) -> None:
        self.per_page = per_page
        # a fresh ?sessionid= on category links in every render (a crawler trap); off,
        # pages render byte-identical each time (for revisit tests)
        self.session_ids = session_ids
        self.offsite_url = offsite_url.rstrip("/") if offsite_url else None
        self._lock = threading.Lock()
        self._articles: dict[int, FixtureArticle] = {}
        for article in articles:
            self.add_article(article)
        handlers: list[tuple[str, Callable[..., Response]]] = [
            (r"/robots\.txt", self._robots),
            (r"/sitemap\.xml", self._sitemap_index),
            (r"/sitemap-articles\.xml", self._sitemap_articles),
            (r"/sitemap-news\.xml\.gz", self._sitemap_news),
            (r"/english/?", self._home),
            (r"/english/feed", self._feed),
            (r"/english/([1-9][0-9]{0,8})", self._article),
            (r"/english/old/([1-9][0-9]{0,8})", self._old_article),
            (r"/english/category/([a-z0-9-]+)", self._category),
            (r"/english/tag/([a-z0-9-]+)", self._tag),
            (r"/english/calendar/([0-9]{4})/([0-9]{2})", self._calendar),
            (r"/english/archive", self._archive),
            (r"/english/(about|contact)", self._static),
            (r"/english/private/.*", self._private),
            (r"/english/search", self._search),
            (re.escape(STYLESHEET_PATH), self._stylesheet),
            (re.escape(LOGO_PATH), self._logo),
        ]
        self._routes = [(re.compile(pattern), handler) for pattern, handler in handlers]

    # ----------------------------------------------------------------- data access
    def add_article(self, article: FixtureArticle) -> None:
        with self._lock:
            if article.id in self._articles:
                raise ValueError(f"duplicate article id {article.id}")
            self._articles[article.id] = article

    def replace_article(self, article: FixtureArticle) -> None:
        """Change an existing article (an edited story)."""
        with self._lock:
            if article.id not in self._articles:
                raise KeyError(article.id)
            self._articles[article.id] = article

    @property
    def articles(self) -> list[FixtureArticle]:
        """All articles, ordered by id."""
        with self._lock:
            return [self._articles[key] for key in sorted(self._articles)]

    def article(self, article_id: int) -> FixtureArticle | None:
        with self._lock:
            return self._articles.get(article_id)

    def visible(self, channel: str) -> list[FixtureArticle]:
        """Articles linked from `channel` ("all", "sitemap", "feed" or "tag"), newest first."""
        chosen = [a for a in self.articles if a.discovery in ("all", channel)]
        return sorted(chosen, key=lambda a: a.published_at, reverse=True)

    def _only_id(self, channel: str) -> int | None:
        return next((a.id for a in self.articles if a.discovery == channel), None)

    @property
    def sitemap_only_id(self) -> int | None:
        return self._only_id("sitemap")

    @property
    def feed_only_id(self) -> int | None:
        return self._only_id("feed")

    @property
    def tag_only_id(self) -> int | None:
        return self._only_id("tag")

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(a.category for a in self.articles))

    def tag_names(self) -> dict[str, str]:
        """Tag slug -> display name, for every tag of every article."""
        return {slugify(tag): tag for a in self.articles for tag in a.tags}

    # ------------------------------------------------------------------- routing
    def render(self, path: str, query: str, base_url: str) -> Response:
        params = parse_qs(query, keep_blank_values=True)
        base = base_url.rstrip("/")
        for pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match:
                return handler(base, params, *match.groups())
        return self.not_found()

    def not_found(self) -> Response:
        main = "<h1>Page not found</h1>\n<p>Sorry, we could not find that page.</p>"
        page = self._page("Page not found", main, canonical=None)
        return Response(404, page.encode(), HTML_UTF8, reason="Not Here")

    # --------------------------------------------------------------- page chrome
    def _category_link(self, slug: str) -> str:
        name = slug.replace("-", " ").title()
        href = f"/english/category/{slug}"
        if self.session_ids:
            href += f"?sessionid={secrets.token_hex(8)}"
        return f'<a href="{href}">{_t(name)}</a>'

    def _header(self) -> str:
        items = "".join(f"<li>{self._category_link(slug)}</li>" for slug in self.categories)
        return (
            '<header class="site-header">\n'
            f'<a class="logo" href="/english"><img src="{LOGO_PATH}" alt="" width="24" '
            f'height="24" /> {SITE_NAME}</a>\n'
            f'<nav class="main-menu"><ul><li><a href="/english">Home</a></li>{items}</ul></nav>\n'
            '<form class="search" action="/english/search" method="get">'
            '<input type="search" name="q" /><button type="submit">Search</button></form>\n'
            "</header>"
        )

    def _sidebar(self, exclude: int | None) -> str:
        others = [a for a in self.articles if a.discovery == "all" and a.id != exclude][:3]
        items = "".join(f'<li><a href="{a.path}">{_t(a.title)}</a></li>' for a in others)
        return f'<aside class="sidebar">\n<h2>Most read</h2>\n<ol>{items}</ol>\n</aside>'

    @staticmethod
    def _footer() -> str:
        return (
            '<footer class="site-footer">\n'
            f"<p>© 2021 {SITE_NAME}. All rights reserved.</p>\n"
            '<ul><li><a href="/english/about">About us</a></li>'
            '<li><a href="/english/contact">Contact</a></li></ul>\n'
            "</footer>"
        )

    def _page(
        self,
        title: str,
        main: str,
        *,
        canonical: str | None,
        head: str = "",
        lang: str = "en",
        charset: str = "utf-8",
        exclude: int | None = None,
    ) -> str:
        rtl = ' dir="rtl"' if lang in RTL_LANGS else ""
        canonical_link = f'<link rel="canonical" href="{_a(canonical)}" />\n' if canonical else ""
        return (
            f'<!DOCTYPE html>\n<html lang="{_a(lang)}"{rtl}>\n<head>\n'
            f'<meta charset="{_a(charset)}" />\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            f"<title>{_t(title)}</title>\n"
            f'<link rel="stylesheet" href="{STYLESHEET_PATH}" />\n{head}{canonical_link}'
            f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" '
            'href="/english/feed" />\n'
            f"</head>\n<body>\n{self._header()}\n"
            f'<div class="layout">\n<main>\n{main}\n</main>\n{self._sidebar(exclude)}\n</div>\n'
            f"{self._footer()}\n</body>\n</html>\n"
        )

    def _html(self, title: str, main: str, base: str, path: str, **kwargs: Any) -> Response:
        page = self._page(f"{title} | {SITE_NAME}", main, canonical=base + path, **kwargs)
        return Response(200, page.encode(), HTML_UTF8)

    # -------------------------------------------------------------------- pages
    def _robots(self, base: str, params: Params) -> Response:
        lines = ["User-agent: *", *(f"Disallow: {p}" for p in self.DISALLOWED_PREFIXES)]
        body = "\n".join([*lines, "", f"Sitemap: {base}/sitemap.xml", ""])
        return Response(200, body.encode(), "text/plain; charset=utf-8", compressible=False)

    def _home(self, base: str, params: Params) -> Response:
        listed = self.visible("all")
        by_id = sorted(listed, key=lambda a: a.id)
        picks = (by_id * 3)[:3]
        pick_items = []
        if picks:
            old, tracked, commented = picks
            tracking = "?utm_source=twitter&utm_medium=social"
            pick_items = [
                f'<a href="/english/old/{old.id}">From the archive: {_t(old.title)}</a>',
                f'<a href="{_a(tracked.path + tracking)}">Trending: {_t(tracked.title)}</a>',
                f'<a href="{commented.path}#comments">Join the discussion: '
                f"{_t(commented.title)}</a>",
            ]
        pick_items.append(f'<a href="/english/{MISSING_ARTICLE_ID}">Live updates</a>')
        month = listed[0].published_at if listed else datetime(2021, 8, 1)
        more = [
            f'<a href="/english/calendar/{month:%Y/%m}">Archive calendar</a>',
            '<a href="/english/archive">All stories</a>',
            '<a href="/english/private/secret">Subscriber exclusive</a>',
            '<a href="/english/search?q=news">Search the news</a>',
        ]
        if self.offsite_url:
            more.append(f'<a href="{_a(self.offsite_url)}/english/777">Partner site</a>')
        tags = {slugify(t): t for a in self.visible("tag") for t in a.tags}
        sections = [
            ("top-stories", "Top stories", _story_list(listed[:HOME_SIZE])),
            ("picks", "Editor’s picks", _links(pick_items)),
            ("sections", "Sections", _links(self._category_link(c) for c in self.categories)),
            (
                "topics",
                "Topics",
                _links(f'<a href="/english/tag/{s}">{_t(tags[s])}</a>' for s in sorted(tags)),
            ),
            ("more", "More from Fixture Press", _links(more)),
        ]
        main = "<h1>Latest news</h1>\n" + "\n".join(
            f'<section class="{cls}">\n<h2>{_t(title)}</h2>\n{content}\n</section>'
            for cls, title, content in sections
        )
        page = self._page(f"{SITE_NAME} — English news", main, canonical=f"{base}/english")
        return Response(200, page.encode(), HTML_UTF8)

    def _article(self, base: str, params: Params, article_id: str) -> Response:
        article = self.article(int(article_id))
        if article is None:
            return self.not_found()
        canonical = base + article.path
        meta = [
            ("name", "description", article.summary),
            ("name", "author", article.author),
            ("property", "og:type", "article"),
            ("property", "og:title", article.title),
            ("property", "og:url", canonical),
            ("property", "article:published_time", article.published),
            ("property", "article:section", article.category),
            *(("property", "article:tag", tag) for tag in article.tags),
        ]
        head = "".join(
            f'<meta {kind}="{key}" content="{_a(value)}" />\n' for kind, key, value in meta
        )
        paragraphs = "\n".join(f"<p>{_t(p)}</p>" for p in article.paragraphs)
        tags = "".join(
            f'<li><a rel="tag" href="/english/tag/{slugify(tag)}">{_t(tag)}</a></li>'
            for tag in article.tags
        )
        main = (
            f"<article>\n<h1>{_t(article.title)}</h1>\n"
            f'<p class="byline">By {_t(article.author)} · '
            f'<time datetime="{_a(article.published)}">{_human_date(article)}</time></p>\n'
            f'{paragraphs}\n<ul class="tags">{tags}</ul>\n</article>\n'
            f"{self._share_box(article, canonical)}\n{self._related(article)}"
        )
        page = self._page(
            f"{article.title} | {SITE_NAME}",
            main,
            canonical=canonical,
            head=head,
            lang=article.lang,
            charset=article.encoding,
            exclude=article.id,
        )
        content_type = "text/html"
        if article.charset_in_header:
            content_type += f"; charset={article.encoding}"
        body = page.encode(article.encoding, errors="xmlcharrefreplace")
        return Response(200, body, content_type, reason="OK")

    @staticmethod
    def _share_box(article: FixtureArticle, canonical: str) -> str:
        mailto = f"mailto:?subject={article.id}&body={canonical}"
        return (
            '<section class="share">\n<h2>Share this article</h2>\n'
            f'<a class="share-email" href="{_a(mailto)}">Email</a> '
            '<button type="button" data-share="copy">Copy link</button>\n</section>'
        )

    def _related(self, article: FixtureArticle) -> str:
        others = [a for a in self.visible("all") if a.id != article.id]
        others.sort(key=lambda a: a.category != article.category)  # stable: same section first
        items = "".join(f'<li><a href="{a.path}">{_t(a.title)}</a></li>' for a in others[:3])
        return f'<section class="related">\n<h2>Related articles</h2>\n<ul>{items}</ul>\n</section>'

    def _old_article(self, base: str, params: Params, article_id: str) -> Response:
        article = self.article(int(article_id))
        if article is None:
            return self.not_found()
        link = f'<a href="{article.path}">Moved permanently</a>'
        body = f'<!DOCTYPE html>\n<html lang="en"><body><p>{link}</p></body></html>\n'
        return Response(301, body.encode(), HTML_UTF8, headers=[("Location", article.path)])

    def _category(self, base: str, params: Params, slug: str) -> Response:
        if slug not in self.categories:
            return self.not_found()
        page = _positive_int(params.get("page", [None])[-1])
        stories = [a for a in self.visible("all") if a.category == slug]
        pages = max(1, -(-len(stories) // self.per_page))
        if page is None or page > pages:
            return self.not_found()
        start = (page - 1) * self.per_page
        here = f"/english/category/{slug}"
        links = []
        if page > 1:
            prev = f"?page={page - 1}" if page > 2 else ""
            links.append(f'<a rel="prev" href="{here}{prev}">Previous page</a>')
        if page < pages:
            links.append(f'<a rel="next" href="{here}?page={page + 1}">Next page</a>')
        name = slug.replace("-", " ").title()
        main = (
            f"<h1>{_t(name)}</h1>\n{_story_list(stories[start : start + self.per_page])}\n"
            f'<nav class="pagination">{" ".join(links)}</nav>'
        )
        suffix = f"?page={page}" if page > 1 else ""
        response = self._html(name, main, base, here + suffix)
        response.chunked = True
        return response

    def _tag(self, base: str, params: Params, slug: str) -> Response:
        name = self.tag_names().get(slug)
        if name is None:
            return self.not_found()
        stories = [a for a in self.visible("tag") if name in a.tags]
        main = f"<h1>Tag: {_t(name)}</h1>\n{_story_list(stories)}"
        return self._html(name, main, base, f"/english/tag/{slug}")

    def _calendar(self, base: str, params: Params, year_text: str, month_text: str) -> Response:
        year, month = int(year_text), int(month_text)
        if not 1 <= month <= 12 or year < 1000:
            return self.not_found()
        prev_year, prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        links = []
        if prev_year >= 1000:
            links.append(
                f'<a rel="prev" href="/english/calendar/{prev_year:04d}/{prev_month:02d}">'
                f"« {calendar.month_name[prev_month]} {prev_year}</a>"
            )
        if next_year <= 9999:
            links.append(
                f'<a rel="next" href="/english/calendar/{next_year:04d}/{next_month:02d}">'
                f"{calendar.month_name[next_month]} {next_year} »</a>"
            )
        weeks = "".join(
            "<tr>" + "".join(f"<td>{day or ''}</td>" for day in week) + "</tr>"
            for week in calendar.monthcalendar(year, month)
        )
        title = f"{calendar.month_name[month]} {year}"
        main = (
            f"<h1>Archive: {title}</h1>\n<p>No stories were archived for this month.</p>\n"
            f'<table class="calendar"><tbody>{weeks}</tbody></table>\n'
            f'<nav class="pagination">{" ".join(links)}</nav>'
        )
        return self._html(title, main, base, f"/english/calendar/{year_text}/{month_text}")

    def _archive(self, base: str, params: Params) -> Response:
        page = _positive_int(params.get("page", [None])[-1])
        if page is None:
            return self.not_found()
        first = sorted(self.visible("all"), key=lambda a: a.id)[:1]
        main = (
            f"<h1>All stories — page {page}</h1>\n{_story_list(first)}\n"
            f'<nav class="pagination"><a rel="next" href="/english/archive?page={page + 1}">'
            "Older stories</a></nav>"
        )
        return self._html(f"All stories, page {page}", main, base, f"/english/archive?page={page}")

    def _static(self, base: str, params: Params, which: str) -> Response:
        texts = {
            "about": "Fixture Press is an imaginary newsroom used to test web archiving tools.",
            "contact": "Write to the imaginary editors at the imaginary newsroom address.",
        }
        title = "About us" if which == "about" else "Contact"
        main = f"<h1>{title}</h1>\n<p>{_t(texts[which])}</p>"
        return self._html(title, main, base, f"/english/{which}")

    def _private(self, base: str, params: Params) -> Response:
        main = "<h1>Subscribers only</h1>\n<p>This page must never be crawled.</p>"
        return self._html("Subscribers only", main, base, "/english/private/")

    def _search(self, base: str, params: Params) -> Response:
        query = params.get("q", [""])[-1]
        main = f"<h1>Search results for “{_t(query)}”</h1>\n<p>Search must never be crawled.</p>"
        return self._html("Search", main, base, "/english/search")

    # -------------------------------------------------------------------- assets
    def _stylesheet(self, base: str, params: Params) -> Response:
        return Response(200, STYLESHEET.encode(), "text/css; charset=utf-8")

    def _logo(self, base: str, params: Params) -> Response:
        return Response(200, LOGO_PNG, "image/png", compressible=False)

    # ------------------------------------------------------------- feed / sitemaps
    def _feed(self, base: str, params: Params) -> Response:
        items = "".join(
            "<item>\n"
            f"<title>{xml_escape(a.title)}</title>\n<link>{base}{a.path}</link>\n"
            f"<description>{xml_escape(a.summary)}</description>\n"
            f"<category>{xml_escape(a.category)}</category>\n"
            f"<pubDate>{format_datetime(a.published_at)}</pubDate>\n"
            f'<guid isPermaLink="true">{base}{a.path}</guid>\n'
            "</item>\n"
            for a in self.visible("feed")
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">\n<channel>\n'
            f"<title>{SITE_NAME} — English</title>\n<link>{base}/english</link>\n"
            f"<description>Latest English news from {SITE_NAME}</description>\n"
            f"<language>en</language>\n{items}</channel>\n</rss>\n"
        )
        return Response(200, body.encode(), "application/rss+xml; charset=utf-8")

    def _sitemap_split(self) -> tuple[list[FixtureArticle], list[FixtureArticle]]:
        """(news sitemap articles, general sitemap articles)."""
        listed = self.visible("sitemap")
        return listed[:NEWS_SITEMAP_SIZE], listed[NEWS_SITEMAP_SIZE:]

    def _sitemap_index(self, base: str, params: Params) -> Response:
        news, rest = self._sitemap_split()
        entries = "".join(
            f"<sitemap><loc>{base}/{name}</loc>"
            + (f"<lastmod>{part[0].published}</lastmod>" if part else "")
            + "</sitemap>\n"
            for name, part in (("sitemap-articles.xml", rest), ("sitemap-news.xml.gz", news))
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n"
        )
        return Response(200, body.encode(), XML_UTF8)

    @staticmethod
    def _urlset(base: str, articles: list[FixtureArticle], *, news: bool) -> bytes:
        entries = []
        for a in articles:
            extra = ""
            if news:
                extra = (
                    "<news:news><news:publication>"
                    f"<news:name>{SITE_NAME}</news:name><news:language>{a.lang}</news:language>"
                    f"</news:publication><news:publication_date>{a.published}"
                    f"</news:publication_date><news:title>{xml_escape(a.title)}</news:title>"
                    "</news:news>"
                )
            entries.append(
                f"<url><loc>{base}{a.path}</loc><lastmod>{a.modified or a.published}</lastmod>"
                f"{extra}</url>\n"
            )
        ns_news = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns_news}>\n'
            f"{''.join(entries)}</urlset>\n"
        ).encode()

    def _sitemap_articles(self, base: str, params: Params) -> Response:
        _, rest = self._sitemap_split()
        return Response(200, self._urlset(base, rest, news=False), XML_UTF8)

    def _sitemap_news(self, base: str, params: Params) -> Response:
        news, _ = self._sitemap_split()
        body = gzip.compress(self._urlset(base, news, news=True), mtime=0)
        return Response(200, body, "application/x-gzip", compressible=False)


def _links(items: Iterable[str]) -> str:
    return '<ul class="links">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def default_articles() -> list[FixtureArticle]:
    """The twelve articles of the default fixture site (ids 23601-23612)."""
    return [
        FixtureArticle(
            id=23601,
            title="Provincial Council Holds Emergency Session on Water Sharing",
            author="Farida Rahimi",
            published="2021-08-02T09:30:00+04:30",
            category="politics",
            tags=["Afghanistan", "Helmand", "Water"],
            paragraphs=[
                "Members of the Helmand provincial council met on Monday for an emergency "
                "session after farmers in three districts complained that irrigation canals had "
                "run dry for the second week in a row. The meeting, held in Lashkar Gah, lasted "
                "more than four hours and was attended by officials from the water department.",
                "Council chair Abdul Wahid Baryalai told reporters that the shortage was caused "
                "by low snowfall in the mountains last winter and by damaged sluice gates near "
                "the Kajaki reservoir. He said repair crews had been sent to the site but warned "
                "that the work could take several weeks.",
                "Farmers who travelled to the provincial capital said their wheat harvest had "
                "already been reduced and that melon and cotton fields were now at risk. Several "
                "of them asked the council to introduce a rotating schedule so that upstream "
                "villages could not divert more than their agreed share.",
                "The council agreed to form a seven-member committee that will visit the "
                "affected districts and report back within ten days. Officials said the "
                "committee would include two representatives chosen by local farmers' "
                "associations.",
            ],
        ),
        FixtureArticle(
            id=23602,
            title="Kabul Traders Report Slow Recovery as Border Crossings Reopen",
            author="Jawad Noori",
            published="2021-08-03T11:15:00+04:30",
            category="economy",
            tags=["Afghanistan", "Kabul", "Trade"],
            paragraphs=[
                "Shopkeepers in Kabul's Mandawi market say business is picking up only gradually "
                "after the main border crossings with Pakistan reopened to commercial traffic at "
                "the weekend. Many stalls that normally sell imported cooking oil, rice and "
                "sugar were still half empty on Tuesday morning.",
                "A wholesale dealer who has worked in the market for twenty years said that "
                "lorries carrying his goods had waited at Torkham for nine days. He estimated "
                "that transport costs had risen by nearly a third since June because drivers "
                "were charging extra for the delays.",
                "The chamber of commerce said it had asked customs authorities to extend working "
                "hours at the crossing and to speed up inspections of perishable goods. A "
                "spokesman for the chamber added that fruit exporters had lost a significant "
                "part of the season's income.",
                "Economists in the capital expect prices of basic food items to remain high "
                "until the backlog at the border clears. They advised households to avoid panic "
                "buying, which they said had pushed up the price of flour in several districts "
                "last month.",
            ],
        ),
        FixtureArticle(
            id=23603,
            title="Doha Talks Resume — Envoys’ Verdict on Progress: “Fragile but Real”…",
            author="Sarah Whitfield",
            published="2021-08-05T16:40:00+03:00",
            category="world",
            tags=["Taliban", "Doha", "Diplomacy"],
            paragraphs=[
                "Negotiators returned to the table in Doha on Thursday after a pause of almost "
                "three weeks, and several envoys described the atmosphere as “businesslike”. "
                "One diplomat said the first session had focused on a timetable for prisoner "
                "exchanges — an issue that stalled the previous round…",
                "“We are not there yet, but nobody walked out,” said a Western official who "
                "briefed journalists on condition of anonymity. He added that both delegations "
                "had agreed to meet daily for the rest of the week and to publish a short joint "
                "statement at the end of it.",
                "Qatar’s foreign ministry, which hosts the talks, said it was “encouraged by the "
                "constructive tone” and thanked the participants for their patience. The "
                "ministry did not give details of the agenda but confirmed that humanitarian "
                "access would be discussed on Saturday.",
                "Analysts remain cautious. “Every round starts with optimism and ends with a list "
                "of unresolved points,” said a researcher at a regional think tank — adding that "
                "the real test would come when the delegations tried to agree on local "
                "ceasefires…",
            ],
        ),
        FixtureArticle(
            id=23604,
            title="EU Pledges €12 Million for Rural Schools — “A Long-Term Commitment”",
            author="Renée Müller",
            published="2021-08-06T10:00:00+02:00",
            category="world",
            tags=["European Union", "Education", "Afghanistan"],
            paragraphs=[
                "The European Union announced on Friday that it would provide €12 million to "
                "keep rural schools open over the next two years, describing the package as “a "
                "long-term commitment” rather than emergency relief. The money will pay "
                "teachers’ salaries and buy textbooks for about 900 village schools.",
                "Speaking in Brussels, the EU’s special envoy said the programme would be run "
                "through established aid agencies — not through government ministries — so that "
                "funds could be tracked. “Every euro will be accounted for,” she said, adding "
                "that independent monitors would visit a sample of schools each term.",
                "Education officials in Bamyan and Daikundi welcomed the decision. One district "
                "director said some teachers had not been paid since the spring and attendance "
                "had fallen sharply; the programme’s Belgian coordinator, Hélène Dubois, said "
                "she hoped many of them would return before the winter.",
                "The announcement follows a donor meeting hosted by the Swiss foundation Bildung "
                "für Alle in Zürich, where delegates from fourteen countries discussed how to "
                "support education without creating parallel systems. A review of the programme "
                "is planned for the end of next year.",
            ],
            encoding="windows-1252",
        ),
        FixtureArticle(
            id=23605,
            title="Herat Café Owners Turn to Solar Panels as Power Cuts Drag On",
            author="Hamid Sultani",
            published="2021-08-07T08:20:00+04:30",
            category="economy",
            tags=["Herat", "Energy", "Business"],
            paragraphs=[
                "In the old city of Herat, café owners who depend on espresso machines and "
                "refrigerators say the daily power cuts have become the biggest threat to their "
                "livelihoods. Some now lose electricity for up to ten hours a day, and the cost "
                "of running diesel generators has doubled since May.",
                "Nasir Ahmadi, who runs a small café near the Friday Mosque, installed twelve "
                "solar panels on his roof last month. “It cost me more than I earn in half a "
                "year,” he said, “but at least the lights stay on — and the customers come "
                "back.”",
                "A local importer said demand for panels and batteries had risen so quickly that "
                "he now orders directly from a supplier in Düsseldorf as well as from the "
                "traditional markets in Dubai. A complete rooftop system sells for the "
                "equivalent of about €1,500, a price beyond the reach of most families.",
                "The city’s electricity department blamed the outages on damaged transmission "
                "lines and reduced imports from neighbouring countries. Officials said repairs "
                "were under way but gave no date for a return to normal supply…",
            ],
            encoding="windows-1252",
            charset_in_header=False,
        ),
        FixtureArticle(
            id=23606,
            title="لاہور میں مون سون کی شدید بارشوں سے نظامِ زندگی مفلوج",
            author="عائشہ خان",
            published="2021-08-08T18:45:00+05:00",
            category="world",
            tags=["Pakistan", "Lahore", "Weather"],
            paragraphs=[
                "لاہور میں گزشتہ رات سے جاری موسلادھار بارش کے باعث شہر کی کئی اہم شاہراہیں "
                "زیرِ آب آ گئیں اور ٹریفک کا نظام بری طرح متاثر ہوا۔ محکمہ موسمیات کے مطابق شہر "
                "کے مختلف علاقوں میں ایک سو ملی میٹر سے زائد بارش ریکارڈ کی گئی جو اس موسم کی اب "
                "تک کی سب سے زیادہ بارش ہے۔",
                "واسا کے ترجمان نے بتایا کہ نشیبی علاقوں سے پانی نکالنے کے لیے اضافی پمپ اور "
                "عملہ تعینات کر دیا گیا ہے۔ انہوں نے شہریوں سے اپیل کی کہ وہ غیر ضروری سفر سے "
                "گریز کریں اور بجلی کے کھمبوں اور کھلی تاروں سے دور رہیں۔",
                "محکمہ موسمیات نے آئندہ دو روز کے دوران مزید بارشوں کی پیش گوئی کی ہے۔ ضلعی "
                "انتظامیہ نے سرکاری اسپتالوں میں ایمرجنسی نافذ کر دی ہے جبکہ ریسکیو اہلکاروں کو "
                "چوبیس گھنٹے الرٹ رہنے کی ہدایت جاری کی گئی ہے۔",
            ],
            lang="ur",
        ),
        FixtureArticle(
            id=23607,
            title="Central Bank Auctions Dollars to Steady the Afghani",
            author="Mariam Azizi",
            published="2021-08-09T13:00:00+04:30",
            category="economy",
            tags=["Afghanistan", "Currency", "Banking"],
            paragraphs=[
                "The central bank sold twenty million US dollars to commercial banks and "
                "licensed money changers on Monday, its third auction this month, in an effort "
                "to slow the decline of the afghani. The currency had weakened by about four "
                "percent against the dollar over the previous fortnight.",
                "A spokesman for the bank said the auctions would continue twice a week for as "
                "long as necessary. He said reserves were sufficient to meet demand in the short "
                "term and urged traders not to hold back foreign currency in the hope of further "
                "depreciation.",
                "Money changers in the Sarai Shahzada market, the country's largest informal "
                "exchange, reported brisk business after the announcement. Several said the rate "
                "had recovered slightly by the afternoon but that customers were still wary of "
                "converting their savings.",
                "Importers, who pay suppliers abroad in dollars, said the volatility made it "
                "difficult to set prices. One pharmaceutical distributor said he had stopped "
                "quoting prices for more than a week at a time because of the uncertainty.",
            ],
            discovery="tag",
        ),
        FixtureArticle(
            id=23608,
            title="Election Commission Publishes Revised Voter Registration Figures",
            author="Khalid Mansoor",
            published="2021-08-10T15:30:00+04:30",
            category="politics",
            tags=["Afghanistan", "Elections"],
            paragraphs=[
                "The Independent Election Commission has published revised voter registration "
                "figures showing that just over nine million people are eligible to vote in the "
                "next provincial elections. The figure is around six hundred thousand lower than "
                "the preliminary count released in March, which included duplicate entries.",
                "A commission spokeswoman said the list had been cleaned using biometric data "
                "collected at registration centres. She said that anyone whose name had been "
                "removed in error could appeal at their district office during a thirty-day "
                "review period starting next week.",
                "Observer groups welcomed the publication but said the commission should release "
                "figures broken down by polling station, not only by province. They argued that "
                "detailed data was essential for candidates and monitors to check turnout on "
                "election day.",
            ],
        ),
        FixtureArticle(
            id=23609,
            title="Aid Convoy Reaches Badakhshan Villages After Landslide Clears",
            author="Lena Hartmann",
            published="2021-08-11T07:50:00+04:30",
            category="world",
            tags=["Badakhshan", "Humanitarian Aid"],
            paragraphs=[
                "A convoy of eighteen lorries carrying flour, cooking oil and medical supplies "
                "reached remote villages in Badakhshan province on Wednesday, a week after a "
                "landslide blocked the only road into the valley. Engineers worked through the "
                "night to clear the last section of rock and mud.",
                "Aid workers said more than four thousand families had been cut off since the "
                "landslide, and that the village clinic had run out of basic medicines within "
                "days. A mobile health team travelling with the convoy began vaccinating "
                "children shortly after arrival.",
                "Local elders thanked the road crews but warned that the route remained "
                "dangerous. They asked the provincial authorities to build a retaining wall "
                "before the autumn rains, saying the same slope had collapsed twice in the past "
                "five years.",
                "The United Nations humanitarian office said it planned to move winter supplies "
                "into the valley by the end of September. It added that helicopter deliveries "
                "would be arranged if the road were to close again before then.",
            ],
            discovery="feed",
        ),
        FixtureArticle(
            id=23610,
            title="Kabul Municipality Unveils Plan to Expand Bus Network",
            author="Samira Haidari",
            published="2021-08-12T10:10:00+04:30",
            category="politics",
            tags=["Kabul", "Transport"],
            paragraphs=[
                "Kabul municipality on Thursday presented a plan to add one hundred and twenty "
                "buses to the city's public transport fleet and to open four new routes "
                "connecting the western districts with the city centre. Officials said the first "
                "vehicles would enter service before the end of the year.",
                "The deputy mayor told a press conference that traffic congestion had become one "
                "of the most common complaints from residents. He said dedicated bus lanes would "
                "be painted along two of the busiest roads, and that fines for private cars "
                "using them would be introduced gradually.",
                "Minibus drivers, who currently carry most of the city's commuters, expressed "
                "concern that the new routes would reduce their income. The municipality said it "
                "would consult their union and consider offering some drivers jobs on the new "
                "network.",
                "Urban planners welcomed the proposal but said it would succeed only if fares "
                "remained affordable. They also called for better pavements and lighting around "
                "bus stops, noting that many passengers walk long distances to reach the main "
                "roads.",
            ],
        ),
        FixtureArticle(
            id=23611,
            title="Regional Ministers Meet in Tashkent to Discuss Railway Link",
            author="Dilnoza Karimova",
            published="2021-08-13T14:05:00+05:00",
            category="world",
            tags=["Uzbekistan", "Railway", "Trade"],
            paragraphs=[
                "Transport ministers from Uzbekistan, Pakistan and Afghanistan met in Tashkent "
                "on Friday to review plans for a railway line that would connect Central Asia "
                "with the ports of the Arabian Sea. The project, first proposed several years "
                "ago, is expected to cost several billion dollars.",
                "In a joint statement, the ministers said technical teams would complete a "
                "survey of the route through the mountains north of Kabul by the end of next "
                "year. They also agreed to harmonise customs procedures so that goods could "
                "cross two borders with a single set of documents.",
                "Business groups in Tashkent said the railway could cut the journey time for "
                "freight from several weeks to a few days. Critics, however, questioned whether "
                "the line could be financed and secured along its entire length.",
            ],
            discovery="sitemap",
        ),
        FixtureArticle(
            id=23612,
            title="Universities Prepare to Reopen for Autumn Term Under New Guidelines",
            author="Omid Farahi",
            published="2021-08-14T09:00:00+04:30",
            category="politics",
            tags=["Afghanistan", "Education", "Kabul"],
            paragraphs=[
                "Public universities across the country are preparing to reopen for the autumn "
                "term after the ministry of higher education published new guidelines on class "
                "sizes, timetables and examinations. Entrance results for first-year students "
                "are due to be announced next week.",
                "Under the guidelines, lectures will be limited to sixty students per room and "
                "some faculties will teach in two shifts. University administrators said they "
                "were rearranging timetables and asking retired lecturers to return temporarily "
                "to cover staff shortages.",
                "Students at Kabul University said they were relieved that the date had been "
                "confirmed but worried about the cost of accommodation. Dormitory places are "
                "limited, and private hostels near the campus have raised their prices ahead of "
                "the new term.",
                "The ministry said scholarship payments would resume in October and that "
                "students from remote provinces would be given priority for dormitory rooms. It "
                "promised to publish a full academic calendar within a fortnight.",
            ],
        ),
    ]
