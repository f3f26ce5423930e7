"""Article or not, decided per page: named, weighted signals over one parse of the HTML.

A pure function (no Scrapy, no network): :func:`article_signals` parses the page once
with lxml, reads what it needs into a :class:`PageFacts`, then asks every signal in
:data:`SIGNALS`. A signal is a small function ``(facts) -> Signal | None``; it fires
with a weight, positive (this looks like an article) or negative (this looks like
something else). The verdict is the sum against :data:`THRESHOLD`, with the signals
that fired, so a decision can always be explained.

Positive: the page's own markup (JSON-LD or microdata of an article type, ``og:type``
``article``, a publication date in the meta tags), being listed in a sitemap or feed,
a dated or ID-bearing URL, and above all a main text of some length.

Negative: listings (section fronts, tag, author and category pages), service pages
(about, privacy, terms, contact: by URL, title or schema type), live tickers, photo
galleries, error pages served with any status, and too little text. The markup signals
are kept modest on purpose: a CMS types its about page and its galleries as articles
too, so markup alone never outweighs "little text" plus one negative signal.

Live blogs (``LiveBlogPosting``) are treated as not articles: a ticker changes all day
and is a stream of short posts, not one text; it is archived like any page, but it is
not an article to extract.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html

__all__ = [
    "SIGNALS",
    "THRESHOLD",
    "ArticleVerdict",
    "PageFacts",
    "Signal",
    "article_signals",
    "page_facts",
]

THRESHOLD = 2.5
# this many microdata items of an article type make a list of teasers, not one article
MANY_ITEMS = 3

# schema.org types that say "one article" (LiveBlogPosting, a BlogPosting, is not one)
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "asknewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "advertisercontentarticle",
        "blogposting",
        "socialmediaposting",
        "report",
        "techarticle",
        "scholarlyarticle",
    }
)
LIVE_TYPES = frozenset({"liveblogposting"})
GALLERY_TYPES = frozenset({"imagegallery", "mediagallery", "videogallery"})
LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "profilepage"})
SERVICE_TYPES = frozenset({"aboutpage", "contactpage"})

# a path segment (slug) that names a service page, whole
_SERVICE_SLUG = re.compile(
    r"(?:about(?:-us)?|uber-uns|impressum|imprint|legal(?:-notice)?|privacy(?:-policy|-notice)?|"
    r"cookies?(?:-policy)?|terms(?:-of-(?:use|service))?|terms-and-conditions|tos|disclaimer|"
    r"contact(?:-us)?|kontakt|advertise|advertising|careers|jobs|faq|help|subscribe|"
    r"newsletters?|sitemap|accessibility|copyright|datenschutz|mentions-legales)"
    r"(?:\.(?:html?|php|aspx?))?",
    re.IGNORECASE,
)
# a title or h1 (or a part of the title between separators) that names one, whole
_SERVICE_TITLE = re.compile(
    r"(?:about(?: us)?|contact(?: us)?|privacy(?: policy| notice)?|"
    r"cookie(?:s| policy)|terms(?: of (?:use|service))?|terms (?:and|&) conditions|imprint|"
    r"impressum|legal notice|disclaimer|advertise with us|careers|jobs|faq|"
    r"frequently asked questions|help|subscribe|newsletters?|accessibility(?: statement)?)",
    re.IGNORECASE,
)
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|·•»«~/:]|-{1,2}|–|—|::)\s+")
_LISTING_SEGMENTS = frozenset(
    {"tag", "tags", "author", "authors", "category", "categories", "topic", "topics", "label"}
)
_GALLERY_SEGMENTS = frozenset(
    {
        "gallery",
        "galleries",
        "photos",
        "photo",
        "pictures",
        "slideshow",
        "slideshows",
        "photo-gallery",
        "photogallery",
        "picture-gallery",
        "in-pictures",
        "fotos",
        "bildergalerie",
    }
)
# a title or h1 that is an error message, whole (an article headline may say "not found")
_ERROR_HEAD = re.compile(
    r"(?:error\s*)?(?:404|410)(?:\s*error)?(?:\s*[-:–—|]?\s*(?:page\s+)?not\s+found)?[.!]?"
    r"|(?:oops[!.,]*\s*)?(?:sorry[!.,]*\s*)?(?:the\s+|this\s+)?page\s+(?:was\s+)?not\s+found[.!]?"
    r"|(?:oops[!.,]*\s*)?(?:that|this|the)\s+page\s+can(?:'|’|no)?t\s+be\s+found[.!]?"
    r"|not\s+found[.!]?|seite nicht gefunden|page introuvable|página no encontrada",
    re.IGNORECASE,
)
# /2024/03/05/, /2024/3/5/, /2024-03-05/, /20240305/, /2024/mar/05/ and /2024/03/ (year, month)
_DATED_PATH = re.compile(
    r"/(?:19|20)\d\d(?:[/-](?:0?[1-9]|1[0-2])(?:[/-](?:0?[1-9]|[12]\d|3[01]))?/|"
    r"/(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}/(?:0?[1-9]|[12]\d|3[01])/|"
    r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[/_-]|\.html?$|$))",
    re.IGNORECASE,
)
# a number of 4+ digits (not a year) as a whole segment, or ending a slug (-12345.html,
# _12345, /a12345)
_ID_NUMBER = r"(?!(?:19|20)\d\d(?:/|$))\d{4,}"
_ID_PATH = re.compile(
    rf"(?:/|[-_.]|/[a-z]{{1,3}}){_ID_NUMBER}(?:\.[a-z]{{2,5}})?/?$|/{_ID_NUMBER}/", re.IGNORECASE
)
_ID_PARAMS = frozenset(
    {"id", "p", "idx", "aid", "nid", "no", "article", "articleid", "article_id", "story", "storyid"}
)
_ID_VALUE = re.compile(r"\d+(?::|$)")  # 12, or Joomla's 12:the-slug
_LISTING_VIEWS = frozenset({"category", "featured", "archive", "tag", "section", "author"})
_DATE_METAS = frozenset(
    {
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "publish-date",
        "publication_date",
        "date",
        "dc.date.issued",
        "dcterms.created",
        "parsely-pub-date",
        "sailthru.date",
    }
)
# a URL segment news lives under, or a short id (/articles/102/slug, /a/1c5d00940234)
_NEWSY_WORD = re.compile(
    r"news|story|stories|articles?|posts?|blogs?|press|releases?|"
    r"nachrichten|noticias?|actualites?|notizie|nieuws|haber|akhbar|khabar"
)
_ID_SEGMENT = re.compile(r"\d{2,}|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}")
_WORD_SPLIT = re.compile(r"[-_.+]")
_PAGE_SLUG = re.compile(r"[^/.]+-[^/.]+-[^/.]+\.(?:s?html?|php|aspx?|jsp)")
_DATE_PROPS = frozenset({"datePublished", "dateCreated", "uploadDate"})
_SKIP_TEXT = ("script", "style", "noscript", "template", "svg")
_INLINE = frozenset({"span", "font", "b", "strong", "i", "em", "u", "small", "big", "sup", "sub"})
_INLINE_OR_BR = _INLINE | {"a", "br", "img", "abbr", "time", "cite", "q", "mark"}
_BOILERPLATE = frozenset({"nav", "header", "footer", "aside", "a", "form", "menu"})
_WS = re.compile(r"\s+")
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([\w-]{2,40})""", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
_JSONLD_TYPE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')


@dataclass(frozen=True)
class Signal:
    """One named piece of evidence and its weight (negative: not an article)."""

    name: str
    weight: float
    detail: str = ""


@dataclass(frozen=True)
class ArticleVerdict:
    """Whether the page is an article, the score and every signal that fired."""

    is_article: bool
    score: float
    signals: tuple[Signal, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(signal.name for signal in self.signals)

    def explain(self) -> str:
        parts = ", ".join(f"{s.name} {s.weight:+g}" for s in self.signals)
        return f"{'article' if self.is_article else 'not an article'} ({self.score:+g}: {parts})"


@dataclass
class PageFacts:
    """What the signals look at, read from one parse of the page."""

    url: str
    path: str = "/"
    query: list[tuple[str, str]] = field(default_factory=list)
    from_sitemap_or_feed: bool = False  # a feed or a news sitemap (news evidence)
    in_sitemap: bool = False  # a plain sitemap, which lists every page of a site
    title: str = ""
    h1: str = ""
    schema_types: set[str] = field(default_factory=set)  # lower case, prefix removed
    microdata_articles: int = 0
    og_type: str = ""
    published_meta: str = ""
    main_text: int = 0  # characters of paragraph text in the largest block
    own_text: int = 0  # characters of paragraph text outside links and page chrome
    link_share: float = 0.0  # share of the body's text inside links
    headline_links: int = 0  # links with a headline's length of text, outside nav/header/footer
    author_links: int = 0  # <a rel="author">
    captioned_images: int = 0
    images: int = 0
    # a publication date anywhere in the page's markup: a meta tag, JSON-LD or microdata
    # datePublished, a <time datetime> in the body
    dated: bool = False

    @property
    def segments(self) -> list[str]:
        return [unquote(part).lower() for part in self.path.split("/") if part]


# ------------------------------------------------------------------------- parsing
def _to_text(html: bytes | str) -> str:
    if isinstance(html, str):
        text = html
    else:
        try:
            text = html.decode("utf-8")
        except UnicodeDecodeError:
            match = _CHARSET.search(html[:4096])
            encoding = match.group(1).decode("ascii") if match else "cp1252"
            try:
                text = html.decode(encoding, errors="replace")
            except LookupError:
                text = html.decode("cp1252", errors="replace")
    return _XML_DECL.sub("", text, count=1)


def _norm(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _type_names(value: Any) -> Iterator[str]:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, str):
            yield item.rsplit("/", 1)[-1].rsplit("#", 1)[-1].strip().lower()


def _jsonld_types(node: Any, depth: int = 0) -> Iterator[str]:
    """@type of the top-level items, of @graph members and of a mainEntity (nested
    types such as a publisher's Organization or an ItemList's members are not the page)."""
    if depth > 4:
        return
    if isinstance(node, list):
        for item in node:
            yield from _jsonld_types(item, depth + 1)
    elif isinstance(node, dict):
        yield from _type_names(node.get("@type"))
        for key in ("@graph", "mainEntity"):
            if key in node:
                yield from _jsonld_types(node[key], depth + 1)


def _read_jsonld(text: str) -> set[str]:
    try:
        return set(_jsonld_types(json.loads(text, strict=False)))
    except ValueError:  # broken JSON (trailing commas, comments): its @type strings
        found: set[str] = set()
        for match in _JSONLD_TYPE.finditer(text):
            found.update(re.findall(r'"([^"]+)"', match.group(1)))
        return set(_type_names(sorted(found)))


def _inside(element: Any, tags: frozenset[str]) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _is_headline(text: str) -> bool:
    if " " in text:
        return len(text) >= 25 and text.count(" ") >= 3
    return len(text) >= 12 and not text.isascii()  # CJK and other scripts without spaces


def page_facts(
    html: bytes | str, url: str, *, from_sitemap_or_feed: bool = False, in_sitemap: bool = False
) -> PageFacts:
    """Parse the page once and read every fact the signals use."""
    parts = urlsplit(url)
    facts = PageFacts(
        url=url,
        path=parts.path or "/",
        query=parse_qsl(parts.query, keep_blank_values=True),
        from_sitemap_or_feed=from_sitemap_or_feed,
        in_sitemap=in_sitemap,
    )
    text = _to_text(html)
    if not text.strip():
        return facts
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return facts
    _read_head(root, facts)
    body = root.find("body")
    if body is not None:
        _read_body(body, facts)
    return facts


def _read_head(root: Any, facts: PageFacts) -> None:
    for element in root.iter("title", "meta", "script"):
        tag = element.tag
        if tag == "title" and not facts.title:
            facts.title = _norm(element.text_content())
        elif tag == "meta":
            key = (
                element.get("property") or element.get("name") or element.get("itemprop") or ""
            ).lower()
            content = element.get("content") or ""
            if key == "og:type" and not facts.og_type:
                facts.og_type = content.strip().lower()
            elif key in _DATE_METAS and content.strip() and not facts.published_meta:
                facts.published_meta = content.strip()
        elif (element.get("type") or "").strip().lower() == "application/ld+json":
            facts.schema_types |= _read_jsonld(element.text or "")
            facts.dated = facts.dated or '"datePublished"' in (element.text or "")


def _read_body(body: Any, facts: PageFacts) -> None:
    etree.strip_elements(body, *_SKIP_TEXT, with_tail=False)
    by_parent: dict[Any, int] = {}
    broken: set[Any] = set()  # elements whose text runs between <br>s (no <p>)
    leaves: set[Any] = set()  # <div>s with nothing but inline content, counted as paragraphs
    link_chars = 0
    for element in body.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        itemtype = element.get("itemtype")
        if itemtype:
            types = set(_type_names(itemtype.split()))
            facts.schema_types |= types - ARTICLE_TYPES
            if types & ARTICLE_TYPES:
                facts.microdata_articles += 1
        if tag == "p":
            if _inside(element, _BOILERPLATE):
                continue
            size = len(_norm(element.text_content()))
            if size:
                facts.own_text += size
                parent = element.getparent()
                by_parent[parent] = by_parent.get(parent, 0) + size
        elif tag == "div" and all(child.tag in _INLINE_OR_BR for child in element):
            leaves.add(element)  # a <div> used as a paragraph (Blogger)
            size = 0 if _inside(element, _BOILERPLATE) else _loose_text(element)
            if size:
                facts.own_text += size
                parent = element.getparent()
                by_parent[parent] = by_parent.get(parent, 0) + size
        elif tag == "a":
            label = _norm(element.text_content())
            link_chars += len(label)
            if "author" in (element.get("rel") or "").lower().split():
                facts.author_links += 1
            if _is_headline(label) and not _inside(element, _BOILERPLATE):
                facts.headline_links += 1
        elif tag == "h1" and not facts.h1:
            facts.h1 = _norm(element.text_content())
        elif tag == "br":
            block = element.getparent()
            while block is not None and block.tag in _INLINE:
                block = block.getparent()
            if block is not None:
                broken.add(block)
        elif tag == "img":
            facts.images += 1
        elif tag == "figcaption":
            facts.captioned_images += 1
        elif tag == "time" and element.get("datetime"):
            facts.dated = True
        if not facts.dated and element.get("itemprop") in _DATE_PROPS:
            facts.dated = True
    for block in broken - leaves:
        size = _text_between_breaks(block)
        if size:
            facts.own_text += size
            by_parent[block] = by_parent.get(block, 0) + size
    if 0 < facts.microdata_articles < MANY_ITEMS:  # more are a list of teasers
        facts.schema_types.add("article")
    facts.main_text = max(by_parent.values(), default=0)
    total = len(_norm(body.text_content()))
    facts.link_share = min(1.0, link_chars / total) if total else 0.0


def _text_between_breaks(block: Any) -> int:
    """Characters of text a block holds between <br>s (Blogger, old CMSs: no <p>), outside
    its links; 0 for page chrome or a block that is mostly links."""
    if block.tag in _BOILERPLATE or block.tag == "p" or _inside(block, _BOILERPLATE):
        return 0
    if block.find(".//p") is not None:  # its paragraphs count already: only its loose text
        return len(_norm("".join([block.text or "", *(child.tail or "" for child in block)])))
    return _loose_text(block)


def _loose_text(block: Any) -> int:
    """Characters of text in a block without paragraphs, outside its links; 0 if it is
    mostly links."""
    size = len(_norm(block.text_content()))
    links = sum(len(_norm(a.text_content())) for a in block.iter("a"))
    return size - links if links <= 0.3 * size else 0


# ------------------------------------------------------------------------- signals
# markup: the CMS says "article"
def structured_article(facts: PageFacts) -> Signal | None:
    """JSON-LD (@graph, lists, @type arrays) or microdata of an article type."""
    found = sorted(facts.schema_types & ARTICLE_TYPES)
    if not found:
        return None
    if not (facts.dated or facts.published_meta):
        # a theme that wraps every page in BlogPosting: without a date it says little
        return Signal("structured_article", 0.5, ",".join(found) + ", no date")
    return Signal("structured_article", 2.0, ",".join(found))


def og_type_article(facts: PageFacts) -> Signal | None:
    return Signal("og_type_article", 1.5) if facts.og_type == "article" else None


def published_time(facts: PageFacts) -> Signal | None:
    """article:published_time or another publication-date meta tag."""
    if facts.published_meta:
        return Signal("published_time", 1.0, facts.published_meta[:40])
    return None


# discovery and URL
def in_sitemap_or_feed(facts: PageFacts) -> Signal | None:
    """A feed or a Google News sitemap listed it; a plain sitemap, which lists every page
    of a site, counts for less, and is no news evidence (no_news_evidence)."""
    if facts.from_sitemap_or_feed:
        return Signal("in_sitemap_or_feed", 1.0)
    return Signal("in_sitemap", 0.5) if facts.in_sitemap else None


def dated_url(facts: PageFacts) -> Signal | None:
    """/2024/03/05/slug, /2024/03/slug, /20240305/slug."""
    match = _DATED_PATH.search(facts.path)
    return Signal("dated_url", 1.5, match.group(0)) if match else None


def id_url(facts: PageFacts) -> Signal | None:
    """/english/23610, /news/slug-12345.html, ?id=123 (index.php?option=com_content&id=12)."""
    if _DATED_PATH.search(facts.path):
        return None  # a date is one URL signal, not two
    match = _ID_PATH.search(facts.path)
    if match:
        return Signal("id_url", 1.5, match.group(0))
    for key, value in facts.query:
        if key.lower() in _ID_PARAMS and _ID_VALUE.match(value):
            return Signal("id_url", 1.5, f"{key}={value}")
    return None


# text
def long_text(facts: PageFacts) -> Signal | None:
    if facts.main_text >= 1200:
        return Signal("long_text", 2.5, f"{facts.main_text} chars")
    if facts.main_text >= 400:
        return Signal("some_text", 1.0, f"{facts.main_text} chars")
    return None


def little_text(facts: PageFacts) -> Signal | None:
    if facts.main_text < 250:
        return Signal("little_text", -3.0, f"{facts.main_text} chars")
    return None


def text_outside_links(facts: PageFacts) -> Signal | None:
    """The share of the body's text outside links: high on articles, low on listings (a
    big site's menus make it low on articles too, hence the small weights)."""
    outside = 1.0 - facts.link_share
    if outside >= 0.7 and facts.main_text >= 250:
        return Signal("text_outside_links", 1.0, f"{outside:.0%} outside links")
    if outside < 0.3:
        return Signal("mostly_links", -1.0, f"{outside:.0%} outside links")
    return None


def _newsy_url(segments: list[str]) -> bool:
    """A folder news lives in (/news/, /news-and-events/, /press-releases/), an id
    anywhere (/articles/102/slug, /a/1c5d00940234), or a page of its own named by a
    slug of three words or more (/the-long-headline.html, old CMSs)."""
    if segments and _PAGE_SLUG.fullmatch(segments[-1]):
        return True
    for position, segment in enumerate(segments):
        if _ID_SEGMENT.fullmatch(segment):
            return True
        if position < len(segments) - 1 and any(
            _NEWSY_WORD.fullmatch(word) for word in _WORD_SPLIT.split(segment)
        ):
            return True
    return False


def no_news_evidence(facts: PageFacts) -> Signal | None:
    """Nothing says "news" but the text: no publication date in the markup (article
    markup without one is no evidence), no og:type article, no feed or news-sitemap
    entry, no date, ID or news folder in the URL. Long prose alone is an
    about page, a report, a biography as often as an article."""
    if (
        facts.dated
        or facts.published_meta
        or facts.from_sitemap_or_feed
        or facts.og_type == "article"
        or _DATED_PATH.search(facts.path)
        or id_url(facts) is not None
        or _newsy_url(facts.segments)
    ):
        return None
    return Signal("no_news_evidence", -2.5)


# what else a page can be
def listing(facts: PageFacts) -> Signal | None:
    """A section front or listing: many headline links, or a listing type (CollectionPage,
    ItemList, ProfilePage, several microdata article items), and little text of its own."""
    schema = sorted(facts.schema_types & LISTING_TYPES)
    if facts.microdata_articles >= MANY_ITEMS:
        schema.append(f"{facts.microdata_articles} article items")
    many = facts.headline_links >= 10 and facts.main_text < 20 * facts.headline_links
    if many or (schema and facts.main_text < 800):
        detail = ", ".join(
            [f"{facts.headline_links} headline links, {facts.main_text} chars", *schema]
        )
        if not schema and _declared_article(facts):
            # a short story with a long "related stories" box: its own markup, dated,
            # says article twice over; a listing's says so at most once
            return Signal("listing", -2.0, detail + ", declared an article")
        return Signal("listing", -4.0, detail)
    return None


def _declared_article(facts: PageFacts) -> bool:
    """og:type article, and article markup (JSON-LD or microdata) with a date."""
    dated = facts.dated or bool(facts.published_meta)
    return facts.og_type == "article" and dated and bool(facts.schema_types & ARTICLE_TYPES)


def tag_or_author_page(facts: PageFacts) -> Signal | None:
    """/tag/x, /author/x, /category/x, /topics/x, ?view=category (Joomla), or a page
    listing many posts by rel=author links."""
    segments = facts.segments[:-1] if len(facts.segments) > 1 else facts.segments
    hit = next((f"url {s}" for s in segments if s in _LISTING_SEGMENTS), None)
    for key, value in facts.query:
        key = key.lower()
        if key in ("tag", "author", "cat") or (key == "view" and value in _LISTING_VIEWS):
            hit = hit or f"url {key}={value}"
    if hit is None and facts.author_links >= 5:
        hit = f"{facts.author_links} rel=author links"
    return Signal("tag_or_author_page", -4.0, hit) if hit else None


def service_page(facts: PageFacts) -> Signal | None:
    """About, privacy, terms, contact, imprint...: by URL slug, title or h1, schema type."""
    if facts.schema_types & SERVICE_TYPES:
        return Signal("service_page", -5.0, ",".join(sorted(facts.schema_types & SERVICE_TYPES)))
    if facts.segments and _SERVICE_SLUG.fullmatch(facts.segments[-1]):
        return Signal("service_page", -5.0, f"url {facts.segments[-1]}")
    heads = [facts.h1, *_TITLE_SEPARATOR.split(facts.title)[:1]]
    hit = next((h for h in heads if h and _SERVICE_TITLE.fullmatch(h)), None)
    return Signal("service_page", -5.0, f"title {hit}") if hit else None


def live_blog(facts: PageFacts) -> Signal | None:
    """LiveBlogPosting: a ticker, not an article (see the module docstring)."""
    return Signal("live_blog", -10.0) if facts.schema_types & LIVE_TYPES else None


def gallery(facts: PageFacts) -> Signal | None:
    """ImageGallery, a /gallery/ or /photos/ URL, or many captioned images, and no long text."""
    typed = facts.schema_types & GALLERY_TYPES
    if facts.main_text >= 1200:
        return None  # a long text with pictures is an article
    if typed:
        return Signal("gallery", -5.0, ",".join(sorted(typed)))
    segment = next((s for s in facts.segments if s in _GALLERY_SEGMENTS), None)
    if segment:
        return Signal("gallery", -5.0, f"url {segment}")
    if facts.captioned_images >= 5 and facts.main_text < 100 * facts.captioned_images:
        return Signal("gallery", -5.0, f"{facts.captioned_images} captions")
    return None


def error_page(facts: PageFacts) -> Signal | None:
    """Title or h1 "404", "Page not found" (whatever the status it was served with)."""
    heads = [facts.h1, *_TITLE_SEPARATOR.split(facts.title)[:1]]
    hit = next((h for h in heads if h and _ERROR_HEAD.fullmatch(h)), None)
    return Signal("error_page", -10.0, hit) if hit else None


SIGNALS: tuple[Callable[[PageFacts], Signal | None], ...] = (
    structured_article,
    og_type_article,
    published_time,
    in_sitemap_or_feed,
    dated_url,
    id_url,
    long_text,
    little_text,
    text_outside_links,
    no_news_evidence,
    listing,
    tag_or_author_page,
    service_page,
    live_blog,
    gallery,
    error_page,
)


def verdict(
    facts: PageFacts, signals: Iterable[Callable[[PageFacts], Signal | None]] = SIGNALS
) -> ArticleVerdict:
    """Ask every signal about the facts and add up the weights of those that fired."""
    fired = tuple(s for s in (signal(facts) for signal in signals) if s is not None)
    score = round(sum(s.weight for s in fired), 2)
    return ArticleVerdict(score >= THRESHOLD, score, fired)


def article_signals(
    html: bytes | str, url: str, *, from_sitemap_or_feed: bool = False, in_sitemap: bool = False
) -> ArticleVerdict:
    """Is this page one article? ``from_sitemap_or_feed``: a feed or a news sitemap listed
    it; ``in_sitemap``: a plain sitemap did."""
    facts = page_facts(html, url, from_sitemap_or_feed=from_sitemap_or_feed, in_sitemap=in_sitemap)
    return verdict(facts)
