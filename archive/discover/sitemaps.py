"""Sitemaps read without Scrapy: the ``<urlset>`` and ``<sitemapindex>`` of sitemaps.org,
Google News sitemaps, gzip bodies (inflated stepwise, never past a bound) and the plain
text form (one URL a line). A pure function of the body, for a spider that knows no
site in advance and for tests.

The XML parser resolves no entity and fetches nothing (a sitemap is untrusted input),
and recovers what it can of a damaged document: a sitemap cut short by a timeout or a
size limit still gives the entries it holds whole."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any, Literal

from lxml import etree

from archive.discover.xmlread import local_name, one_line, safe_parser, without_bom

# where to look when robots.txt names no Sitemap: the common place, Yoast's index,
# WordPress core's own (5.5+), and the usual name of a Google News sitemap
SITEMAP_GUESSES = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml", "/news-sitemap.xml")

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
# the end tag of the root: a document without it was cut short
_ROOT_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:urlset|sitemapindex)\s*>\s*$")
# the end tags of whole entries, counted in a document cut short
_ENTRY_END = {
    "urlset": re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?url\s*>"),
    "sitemapindex": re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sitemap\s*>"),
}
_URL_LINE = re.compile(r"https?://\S+\Z", re.IGNORECASE)


class SitemapError(ValueError):
    """A body that is no sitemap (or a gzip body that inflates past the bound)."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: str | None = None
    news_title: str | None = None
    news_published: str | None = None
    news_name: str | None = None


@dataclass(frozen=True)
class SitemapPage:
    kind: Literal["urlset", "sitemapindex"]
    entries: tuple[SitemapEntry, ...] = ()


def inflate(body: bytes, max_size: int) -> bytes:
    """The gzip *body* inflated, a chunk at a time; SitemapError once it passes
    *max_size* bytes (0 or less: no bound, as Scrapy's DOWNLOAD_MAXSIZE). A stream cut
    short gives what it holds (the XML reader then recovers the entries it can)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out: list[bytes] = []
    size = 0
    data = body
    try:
        while data and not inflater.eof:
            chunk = inflater.decompress(data, _CHUNK)
            data = inflater.unconsumed_tail
            size += len(chunk)
            if 0 < max_size < size:
                raise SitemapError(f"gzip body inflates past {max_size} bytes")
            out.append(chunk)
            if not chunk and not data:
                break
        tail = inflater.flush(_CHUNK)
    except zlib.error as exc:
        raise SitemapError(f"bad gzip body: {one_line(exc)}") from None
    size += len(tail)
    if 0 < max_size < size:
        raise SitemapError(f"gzip body inflates past {max_size} bytes")
    out.append(tail)
    return b"".join(out)


def _text(element: Any) -> str | None:
    """The stripped text of *element* (a plain str, not an lxml smart string), or None."""
    text = element.text
    if text is None:
        return None
    text = str(text).strip()
    return text or None


def _news(element: Any) -> tuple[str | None, str | None, str | None]:
    """(title, publication date, publication name) of a Google News ``<news:news>``."""
    title = published = name = None
    for child in element:
        local = local_name(child.tag)
        if local == "title":
            title = _text(child)
        elif local == "publication_date":
            published = _text(child)
        elif local == "publication":
            for sub in child:
                if local_name(sub.tag) == "name":
                    name = _text(sub)
    return title, published, name


def _entry(element: Any) -> SitemapEntry | None:
    loc = lastmod = title = published = name = None
    for child in element:
        local = local_name(child.tag)
        if local == "loc":
            loc = _text(child)
        elif local == "lastmod":
            lastmod = _text(child)
        elif local == "news" and title is None and published is None and name is None:
            title, published, name = _news(child)
        # image:image, video:video, xhtml:link and the rest are not read
    if loc is None:
        return None
    return SitemapEntry(loc, lastmod, title, published, name)


def _read_xml(body: bytes) -> SitemapPage:
    try:
        root = etree.fromstring(body, parser=safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise SitemapError(f"not XML: {one_line(exc)}") from None
    if root is None:
        raise SitemapError("not XML: nothing could be read")
    kind = local_name(root.tag)
    if kind in ("rss", "feed", "rdf"):  # a feed given as a sitemap (search engines take them)
        return _from_feed(body)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap: the root element is <{kind or root.tag}>")
    wanted = "url" if kind == "urlset" else "sitemap"
    elements = [child for child in root if local_name(child.tag) == wanted]
    if not _ROOT_END.search(body[-256:]):
        # cut short: the last entry the parser closed itself may hold a cut <loc>
        elements = elements[: len(_ENTRY_END[kind].findall(body))]
    entries: dict[str, SitemapEntry] = {}
    for element in elements:
        entry = _entry(element)
        if entry is not None and entry.loc not in entries:
            entries[entry.loc] = entry
    return SitemapPage("urlset" if kind == "urlset" else "sitemapindex", tuple(entries.values()))


def _from_feed(body: bytes) -> SitemapPage:
    from archive.discover.feeds import FeedError, read_feed

    try:
        items = read_feed(body)
    except FeedError as exc:
        raise SitemapError(str(exc)) from None
    return SitemapPage("urlset", tuple(SitemapEntry(item.url) for item in items))


def _read_text(body: bytes) -> SitemapPage:
    """A text sitemap: every line that is not blank is an absolute http(s) URL."""
    text = body.decode("utf-8", errors="replace")
    urls: dict[str, None] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not _URL_LINE.match(line):
            raise SitemapError(f"not a sitemap: a line is no URL: {line[:60]!r}")
        urls[line] = None
    return SitemapPage("urlset", tuple(SitemapEntry(url) for url in urls))


def read_sitemap(body: bytes, max_size: int) -> SitemapPage:
    """The entries of a sitemap body: XML (``<urlset>``, ``<sitemapindex>``, with or
    without the right namespaces, Google News elements read), an RSS/Atom feed given as
    a sitemap, or plain text; gzip bodies are inflated up to *max_size* bytes (0: no
    bound). Entries without ``<loc>`` are skipped and a repeated ``<loc>`` keeps its
    first entry. SitemapError (a one-line message) when the body is none of these."""
    if body[:2] == _GZIP_MAGIC:
        body = inflate(body, max_size)
    elif 0 < max_size < len(body):
        raise SitemapError(f"body longer than {max_size} bytes")
    body = without_bom(body)
    if not body:
        raise SitemapError("empty body")
    if body[:1] == b"<":
        return _read_xml(body)
    return _read_text(body)
