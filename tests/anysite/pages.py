"""Fill the scrubbed real-page templates (templates/*.html) and build XML/teaser markup."""

from __future__ import annotations

import functools
import html
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from lxml import etree
from lxml import html as lxml_html

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
MARKER_RE = re.compile(r"\{\{(JSON:)?([A-Z_]+)\}\}")
RAW_MARKERS = frozenset({"BODY", "NAV", "HEAD_LINKS"})
ATTR_RE = re.compile(r'\sdata-anysite="[^"]*"')


def template_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in TEMPLATE_DIR.glob("*.html")))


@functools.cache
def template(name: str, article: bool) -> str:
    """The template text; without `article`, the elements only an article page has (dates,
    JSON-LD, article:* metas) are removed, as a CMS does for its static pages."""
    text = (TEMPLATE_DIR / f"{name}.html").read_text(encoding="utf-8")
    if not article:
        root = lxml_html.document_fromstring(text.encode(), parser=_parser())
        for el in root.xpath('//*[@data-anysite="article-only"]'):
            el.drop_tree()
        text = lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>") + "\n"
        text = text.replace("%7B%7B", "{{").replace("%7D%7D", "}}")
    return ATTR_RE.sub("", text)


def _parser() -> lxml_html.HTMLParser:
    return lxml_html.HTMLParser(encoding="utf-8")


def fill(name: str, article: bool, values: Mapping[str, str], links: Iterable[str]) -> str:
    """Replace every marker: plain ones HTML-escaped, {{JSON:X}} JSON-escaped, BODY/NAV/
    HEAD_LINKS as raw HTML, and each {{LINK}} with the next URL of `links` (cycled)."""
    cycle = itertools.cycle(list(links) or [values["HOME"] + "/"])

    def one(match: re.Match[str]) -> str:
        is_json, key = match.group(1), match.group(2)
        if key == "LINK":
            return html.escape(next(cycle), quote=True)
        value = values.get(key, "")
        if is_json:
            return json.dumps(value, ensure_ascii=False)[1:-1].replace("</", "<\\/")
        return value if key in RAW_MARKERS else html.escape(value, quote=True)

    return MARKER_RE.sub(one, template(name, article))


def paragraphs_html(paragraphs: Iterable[str]) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>\n" for p in paragraphs)


def link_list(items: Iterable[tuple[str, str]], css: str = "anysite-nav") -> str:
    lis = "".join(
        f'<li><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a></li>'
        for url, label in items
    )
    return f'<ul class="{css}">{lis}</ul>'


def teasers_html(items: Iterable[tuple[str, str, str]]) -> str:
    """(url, headline, summary) teasers, the way section fronts show them."""
    out = ['<div class="teaser-list">']
    for url, headline, summary in items:
        href = html.escape(url, quote=True)
        out.append(
            f'<div class="teaser"><h2 class="teaser-title"><a href="{href}">'
            f'{html.escape(headline)}</a></h2><p class="teaser-summary">{html.escape(summary)}'
            "</p></div>"
        )
    out.append("</div>")
    return "\n".join(out)


def urlset(urls: Iterable[tuple[str, str]]) -> bytes:
    """A sitemap <urlset> of (loc, lastmod)."""
    rows = "".join(
        f"<url><loc>{xml_escape(loc)}</loc><lastmod>{lastmod}</lastmod></url>\n"
        for loc, lastmod in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</urlset>\n"
    ).encode()


def sitemap_index(locs: Iterable[str]) -> bytes:
    rows = "".join(f"<sitemap><loc>{xml_escape(loc)}</loc></sitemap>\n" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</sitemapindex>\n"
    ).encode()


def news_sitemap(items: Iterable[tuple[str, str, str]], site: str) -> bytes:
    """A Google News sitemap of (loc, published ISO, title)."""
    rows = "".join(
        f"<url><loc>{xml_escape(loc)}</loc><news:news><news:publication>"
        f"<news:name>{xml_escape(site)}</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{when}</news:publication_date>"
        f"<news:title>{xml_escape(title)}</news:title></news:news></url>\n"
        for loc, when, title in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{rows}</urlset>\n"
    ).encode()


def rss(title: str, home: str, items: Iterable[tuple[str, str, str, str]]) -> bytes:
    """RSS 2.0 of (link, title, summary, RFC 822 date)."""
    rows = "".join(
        f"<item><title>{xml_escape(t)}</title><link>{xml_escape(link)}</link>"
        f"<guid>{xml_escape(link)}</guid><description>{xml_escape(s)}</description>"
        f"<pubDate>{d}</pubDate></item>\n"
        for link, t, s, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{xml_escape(title)}</title><link>{xml_escape(home)}</link>"
        f"<description>{xml_escape(title)}</description>\n{rows}</channel></rss>\n"
    ).encode()


def xml_locs(body: bytes) -> list[str]:
    """<loc> of a sitemap/index, or the item <link>s of an RSS feed (namespace-agnostic)."""
    root = etree.fromstring(body)
    out: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        parent = el.getparent()
        parent_name = etree.QName(parent).localname if parent is not None else ""
        if (local == "loc" and parent_name in ("url", "sitemap")) or (
            local == "link" and parent_name == "item"
        ):
            out.append((el.text or "").strip())
    return out
