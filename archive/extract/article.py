"""Turn one fetched page into a clean article (main text plus metadata).

Pure and Scrapy-free: the entry point :func:`extract_article` takes the HTTP entity bytes
(content-decoded, original charset), never raises, and returns a picklable
:class:`ExtractionResult`, so it can run inside ``ProcessPoolExecutor`` workers. The
trafilatura options are built once at import time.
"""

from __future__ import annotations

import codecs
import html
import json
import logging
import re
import threading
from copy import copy, deepcopy
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from htmldate import find_date
from lxml.etree import ElementDefaultClassLookup, ParserError, XPath
from trafilatura import bare_extraction
from trafilatura.metadata import (
    META_URL as _META_URL,
)
from trafilatura.metadata import (
    METANAME_TAG,
    examine_meta,
    extract_author,
    extract_catstags,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, Extractor
from trafilatura.utils import line_processing
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

from archive import faults
from archive.extract import titles
from archive.extract.articleness import article_signals
from archive.extract.language import text_language
from archive.extract.links import page_links
from archive.extract.result import EXTRACTOR, NOT_AN_ARTICLE, ExtractionResult
from archive.extract.sniff import looks_like_html
from archive.extract.standins import install as install_standins
from archive.extract.textclean import (
    SPECIAL_BMP_CLASS,
    clean_text,
    paragraph_text_length,
    protect_chars,
    prune_boilerplate,
    unprotect_chars,
    unwrap_layout_tables,
)

__all__ = [
    "EXTRACTOR",
    "ExtractionResult",
    "decode_html",
    "extract_article",
    "looks_like_html",
]

logger = logging.getLogger(__name__)

# trafilatura's costliest XPath expressions replaced by stand-ins with the same result
# (archive/extract/standins.py): about 3 ms of CPU a page less
for _name, _outcome in install_standins().items():
    if _outcome != "installed":
        logger.debug("trafilatura's %s kept: %s", _name, _outcome)

# Built once per process (at import), shared by every call; a shallow copy per call only
# carries the page URL.
_OPTIONS = Extractor(
    output_format="python",
    comments=False,  # include_comments=False
    precision=True,  # favor_precision=True
    fast=True,  # first without readability/jusText; see _needs_full_pass
    with_metadata=False,  # the page's own markup first, trafilatura's only for what it lacks
    tables=True,
    formatting=False,
    links=False,
    images=False,
)

_MAX_ERROR_LEN = 300
# a fast-mode text shorter than this, or than this share of the page's paragraph text, is
# extracted again with trafilatura's full cascade
_FULL_PASS_BELOW = 500
_FULL_PASS_SHARE = 0.25
# a cleaned precision-mode text shorter than this is retried in balanced mode
_SHORT_TEXT = 250


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def _fallback_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode each undecodable byte as windows-1252 (latin-1 for the
    five bytes cp1252 leaves undefined), as a stray legacy byte in a UTF-8 page would be."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    return bytes(chunk).decode("cp1252", "ignore") or "", exc.end


codecs.register_error("newsarchiver-cp1252", _fallback_bytes)

_ERRORS = "newsarchiver-cp1252"
_LEGACY_LATIN = re.compile(r"^(?:cp125\d|iso8859_\d+|latin_\d|mac_roman|cp1252)$")
_META_SCAN_BYTES = 4096


def _codec(name: str | None) -> str | None:
    """Resolve a declared charset label to a Python codec name (browser aliasing), or None."""
    if not name:
        return None
    try:
        resolved = resolve_encoding(name)
    except Exception:
        return None
    if resolved is None:
        return None
    return codecs.lookup(resolved).name


def _is_single_byte_latin(codec: str) -> bool:
    return bool(_LEGACY_LATIN.match(codec.replace("-", "_")))


def _valid_utf8_with_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML entity; return ``(text, encoding)``.

    Order: a byte-order mark (unambiguous, and what browsers obey even over the header), the
    HTTP Content-Type charset, a ``<meta charset>`` / http-equiv / XML declaration in the first
    4 KB, then UTF-8 if the bytes are valid UTF-8, else windows-1252. "iso-8859-1", "latin-1"
    and "ascii" mean windows-1252 (as in browsers); unknown labels fall through. A declared
    single-byte Latin charset on bytes that are valid, non-ASCII UTF-8 is a mislabelled UTF-8
    page and is read as UTF-8. Undecodable bytes are read as windows-1252, never dropped.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return body[len(bom) :].decode(bom_encoding, _ERRORS), bom_encoding

    encoding = _codec(http_content_type_encoding(content_type)) if content_type else None
    if encoding is None:
        try:
            declared = html_body_declared_encoding(body[:_META_SCAN_BYTES])
        except Exception:
            declared = None
        encoding = _codec(declared)
        if encoding is not None and encoding.startswith(("utf-16", "utf-32")):
            # an in-document declaration was read as ASCII, so it cannot be UTF-16 (WHATWG)
            encoding = "utf-8"
    if (
        encoding is not None
        and _is_single_byte_latin(encoding)
        and _valid_utf8_with_non_ascii(body)
    ):
        encoding = "utf-8"
    if encoding is None:
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    return body.decode(encoding, _ERRORS), encoding


# ---------------------------------------------------------------------------
# Parsing and metadata
# ---------------------------------------------------------------------------

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# characters libxml2 refuses in a Python str (C0 controls but tab/newline/CR, lone surrogates)
_BAD_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_BAD_CHARS_RE = re.compile(f"[{_BAD_CHARS}]")
# those, or a character protect_chars looks for (beyond "&" and the astral ones): most pages
# hold neither, and one scan of the page tells both
_UNUSUAL_RE = re.compile(f"[{_BAD_CHARS}{SPECIAL_BMP_CLASS}]")
_WS_RE = re.compile(r"\s+")


_PARSERS = threading.local()  # an lxml parser is not to be shared between threads


def _parser() -> lxml.html.HTMLParser:
    """lxml.html's parser, but every element an ``HtmlElement`` (comments, PIs and entities
    their lxml.html classes) picked in C: lxml.html's own lookup is a Python function called
    for each element proxy (some 2,500 a page here), only to give form fields classes of
    their own that neither this module nor trafilatura uses."""
    parser: lxml.html.HTMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser()
        parser.set_element_class_lookup(
            ElementDefaultClassLookup(
                element=lxml.html.HtmlElement,
                comment=lxml.html.HtmlComment,
                pi=lxml.html.HtmlProcessingInstruction,
                entity=lxml.html.HtmlEntity,
            )
        )
        _PARSERS.parser = parser
    return parser


def _parse(text: str, clean: bool = False) -> lxml.html.HtmlElement | None:
    """The page parsed; ``clean``: ``text`` is known to hold none of _BAD_CHARS."""
    text = _XML_DECL_RE.sub("", text, count=1)
    if not clean:
        text = _BAD_CHARS_RE.sub("", text)
    if not text.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(text, parser=_parser())
    except (ParserError, ValueError):
        return None
    return tree


def _norm_space(value: str | None) -> str:
    return _WS_RE.sub(" ", value).strip() if value else ""


class _Meta:
    """The page's ``<meta>``, ``<link>`` and JSON-LD data, read once."""

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self.props: dict[str, list[str]] = {}
        for meta in tree.iter("meta"):
            content = meta.get("content")
            if content is None:
                continue
            content = _norm_space(content)
            if not content:
                continue
            for attr in ("property", "name", "itemprop", "http-equiv"):
                name = meta.get(attr)
                if name:
                    for part in name.split():
                        self.props.setdefault(part.strip().lower(), []).append(content)
        self.jsonld: list[dict[str, Any]] = []
        self.website_names: list[str] = []  # JSON-LD WebSite names
        for script in tree.iter("script"):
            if (script.get("type") or "").strip().lower() != "application/ld+json":
                continue
            try:
                data = json.loads(script.text or "")
            except ValueError:
                continue
            self._collect_jsonld(data, 0)

    def _collect_jsonld(self, data: Any, depth: int) -> None:
        if depth > 4:
            return
        if isinstance(data, list):
            for item in data:
                self._collect_jsonld(item, depth + 1)
        elif isinstance(data, dict):
            kind = data.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and ("Article" in k or k == "BlogPosting") for k in kinds):
                self.jsonld.append(data)
            elif "WebSite" in kinds:
                name = _ld_text(data.get("name"))
                if name:
                    self.website_names.append(name)
            graph = data.get("@graph")
            if graph is not None:
                self._collect_jsonld(graph, depth + 1)

    def first(self, *names: str) -> str | None:
        for name in names:
            values = self.props.get(name)
            if values:
                return values[0]
        return None

    def all(self, *names: str) -> list[str]:
        out: list[str] = []
        for name in names:
            out.extend(self.props.get(name, ()))
        return out

    def ld(self, field: str) -> Any:
        for item in self.jsonld:
            value = item.get(field)
            if value:
                return value
        return None


def _canonical(tree: lxml.html.HtmlElement, url: str) -> str | None:
    base = url
    for el in tree.iter("base"):
        href = (el.get("href") or "").strip()
        if href:
            base = urljoin(url, href)
        break
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels:
            href = (link.get("href") or "").strip()
            if not href:
                continue
            absolute = urljoin(base, href)
            if urlsplit(absolute).scheme in ("http", "https"):
                return absolute
    return None


# the cheap test first: few elements have an itemprop
_HEADLINE_XPATH = XPath(
    "//*[@itemprop][contains(concat(' ', normalize-space(@itemprop), ' '), ' headline ')]"
)


def _host_names(url: str) -> list[str]:
    host = (urlsplit(url).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    names = [host] if host else []
    labels = host.split(".")
    if len(labels) >= 2:
        names.append(labels[-2] if len(labels[-1]) > 2 or len(labels) == 2 else labels[-3])
    return names


def _h1(tree: lxml.html.HtmlElement) -> tuple[str | None, bool]:
    """The first non-empty <h1>, and whether it sits inside <article>/<main>."""
    for path, inside in (("//article//h1", True), ("//main//h1", True), ("//h1", False)):
        for el in tree.xpath(path):
            text = _norm_space(el.text_content())
            if text:
                return text, inside
    return None, False


def _microdata_headline(tree: lxml.html.HtmlElement) -> str | None:
    for el in _HEADLINE_XPATH(tree):
        text = _norm_space(el.get("content") if el.tag == "meta" else el.text_content())
        if text:
            return text
    return None


def _article_h2(tree: lxml.html.HtmlElement) -> str | None:
    for el in tree.xpath("//article//h2"):
        text = _norm_space(el.text_content())
        if text:
            return text
    return None


def _headline_in_title(h1: str, title_tag: str | None) -> bool:
    """Whether an <h1> outside <article>/<main> is the headline, not a logo: the
    <title> holds it, and not as a site-name part shorter than the rest."""
    if not title_tag:
        return True
    h1_key = titles.key(h1)
    if h1_key not in titles.key(title_tag):
        return False
    parts = [titles.key(p) for p in titles.SEPARATOR_RE.split(title_tag)]
    return not (h1_key in (parts[0], parts[-1]) and len(h1_key) < max(map(len, parts)))


class _Headlines:
    """The page's headline strings: those that may carry the site name (og:title,
    twitter:title, the ``<title>``) and those that are the headline alone (JSON-LD
    headline, microdata ``itemprop="headline"``, the article's ``<h1>``/``<h2>``), in order
    of preference."""

    def __init__(self, meta: _Meta, tree: lxml.html.HtmlElement) -> None:
        title_tag = None
        for el in tree.iter("title"):
            title_tag = _norm_space(el.text_content()) or None
            break
        self.title_tag = title_tag
        self.social = [t for t in (meta.first("og:title"), meta.first("twitter:title")) if t]
        h1, inside = _h1(tree)
        self.h1 = h1
        if h1 and not inside and not _headline_in_title(h1, title_tag):
            h1 = None
        h2 = None if h1 else _article_h2(tree)
        # an article's <h2> is its headline only if the <title> says so
        if h2 and not (title_tag and titles.key(h2) in titles.key(title_tag)):
            h2 = None
        plain = (_ld_text(meta.ld("headline")), _microdata_headline(tree), h1, h2)
        self.plain = [t for t in plain if t]

    def site_parts(self) -> list[str]:
        """Site names read off the <title> / og:title around a plain headline: those
        after the headline first, then those before it."""
        after: list[str] = []
        before: list[str] = []
        for carrier in (self.title_tag, *self.social):
            for plain in self.plain:
                if carrier:
                    last, first = titles.site_from_title(carrier, plain)
                    after += [last] if last else []
                    before += [first] if first else []
        return after + before

    def all(self) -> list[str]:
        return [t for t in (*self.social, *self.plain, self.h1, self.title_tag) if t]


def _sitenames(meta: _Meta, headlines: _Headlines, fallback: _Fallback, url: str) -> list[str]:
    """Candidate site names, best first: og:site_name, application-name, JSON-LD
    publisher / WebSite name (without a tagline; never a URL, @handle or the headline), the
    site part of the <title>; without any of those, trafilatura's guess, else the
    registrable domain (never a port)."""
    declared = [
        *meta.all("og:site_name", "application-name"),
        _ld_name(meta.ld("publisher")),
        *meta.website_names,
    ]
    # some sites put the headline in application-name
    heads = {titles.key(h) for h in (*headlines.social, *headlines.plain)}
    names = [
        titles.primary_name(n)
        for n in declared
        if n and titles.is_name_like(n) and titles.key(n) not in heads
    ]
    names += headlines.site_parts()
    guess = fallback.sitename() if not names else None
    if isinstance(guess, str) and titles.is_name_like(guess):
        guess = _norm_space(guess)
        # trafilatura may take any part of the <title> for the site's name
        carriers = [t for t in (headlines.title_tag, *headlines.social) if t]
        if (
            guess
            and not titles.looks_like_host(guess)
            and not any(titles.is_title_part(guess, t) for t in carriers)
        ):
            names.append(guess)
    if not names and url:
        # last resort only: the public suffix list costs a tenth of a second to load
        domain = titles.domain_name(url)
        if domain:
            names.append(domain)
    return names


def _title(headlines: _Headlines, sitenames: list[str], fallback: _Fallback) -> str | None:
    """The headline: og:title / twitter:title, else JSON-LD headline, microdata headline,
    the article's <h1>/<h2>, else the <title>, else trafilatura's guess; without its
    site-name part."""
    for cand in (*headlines.social, *headlines.plain, headlines.title_tag):
        if cand:
            return titles.strip_site(cand, sitenames)
    guess = fallback.title()
    if isinstance(guess, str) and guess.strip():
        return titles.strip_site(_norm_space(guess), sitenames)
    return None


def _ld_text(value: Any) -> str | None:
    if isinstance(value, str):
        return _norm_space(value) or None
    if isinstance(value, list) and value:
        return _ld_text(value[0])
    return None


def _ld_name(value: Any) -> str | None:
    if isinstance(value, str):
        return _norm_space(value) or None
    if isinstance(value, dict):
        return _ld_text(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_ld_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    return None


_BY_RE = re.compile(r"^(?:by|von|par|por|di|door)\s+", re.IGNORECASE)


def _author(meta: _Meta) -> str | None:
    """The author the page's meta tags or JSON-LD name, if any."""
    for cand in (
        meta.first(
            "author", "article:author", "dc.creator", "byl", "parsely-author", "sailthru.author"
        ),
        _ld_name(meta.ld("author")),
    ):
        found = _author_text(cand)
        if found:
            return found
    return None


def _author_text(cand: Any) -> str | None:
    """``cand`` as an author name ("By " cut), or None if it is no name (a URL, @handle)."""
    if not isinstance(cand, str) or not cand:
        return None
    cand = _BY_RE.sub("", _norm_space(cand))
    if cand and "://" not in cand and not cand.startswith(("@", "www.")):
        return cand
    return None


_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "article.published",
    "datepublished",
    "published_time",
    "publishdate",
    "publish-date",
    "pubdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
)


def _iso(value: str) -> str | None:
    """Normalise a date(-time) string to ISO 8601, keeping time and offset when given."""
    value = value.strip()
    if not value or len(value) > 64:
        return None
    parsed: datetime | date | None = None
    candidate = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", candidate):
            parsed = date.fromisoformat(candidate)
        else:
            parsed = datetime.fromisoformat(candidate)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None or not 1900 <= parsed.year <= 2200:
        return None
    return parsed.isoformat()


def _published(meta: _Meta, tree: lxml.html.HtmlElement) -> str | None:
    """The publication date the page's markup gives (meta tags, JSON-LD, ``<time>``)."""
    candidates: list[str] = [*meta.all(*_DATE_META)]
    ld = meta.ld("datePublished")
    if isinstance(ld, str):
        candidates.append(ld)
    # <time datetime>: itemprop=datePublished, then pubdate, then inside <article>, then
    # inside <main>, each in document order (one walk over the <time> elements)
    ranked: tuple[list[str], list[str], list[str], list[str]] = ([], [], [], [])
    for el in tree.iter("time"):
        value = el.get("datetime")
        if value is None:
            continue
        if el.get("itemprop") == "datePublished":
            ranked[0].append(value)
        if el.get("pubdate") is not None:
            ranked[1].append(value)
        ancestors = {a.tag for a in el.iterancestors("article", "main")}
        if "article" in ancestors:
            ranked[2].append(value)
        if "main" in ancestors:
            ranked[3].append(value)
    for values in ranked:
        candidates.extend(values)
    for cand in candidates:
        iso = _iso(cand)
        if iso:
            return iso
    return None


def _iso_or_none(value: Any) -> str | None:
    return _iso(value) if isinstance(value, str) else None


_LANG_RE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{1,8})*$")


def _language(meta: _Meta, tree: lxml.html.HtmlElement) -> str | None:
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        tree.get("xml:lang"),
        meta.first("og:locale"),
        meta.first("content-language", "language", "dc.language", "inlanguage"),
        _ld_text(meta.ld("inLanguage")),
    ]
    for cand in candidates:
        if not cand:
            continue
        cand = cand.split(",")[0].strip()
        match = _LANG_RE.match(cand)
        if match:
            return match.group(1).lower()
    return None


def _dedup(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        value = _norm_space(value)
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _rel_links(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """The texts of the rel=tag and rel=category links, in document order (one walk)."""
    out: dict[str, list[str]] = {"tag": [], "category": []}
    for a in tree.iter("a"):
        rel = a.get("rel")
        if not rel:
            continue
        wanted = [out[r] for r in rel.lower().split() if r in out]
        if wanted:
            text = _norm_space(a.text_content())
            if text:
                for found in wanted:
                    found.append(text)
    return out


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _split_commas(value: Any) -> list[str]:
    return [part for item in _as_list(value) for part in item.split(",")]


def _tags(meta: _Meta, rel_links: dict[str, list[str]]) -> list[str]:
    values = meta.all("article:tag", "og:article:tag")
    values += rel_links["tag"]
    values += _split_commas(meta.all("keywords", "news_keywords"))
    return _dedup(values)


def _categories(meta: _Meta, rel_links: dict[str, list[str]]) -> list[str]:
    values = meta.all("article:section", "og:article:section")
    values += _as_list(meta.ld("articleSection"))
    values += rel_links["category"]
    return _dedup(values)


# Elements trafilatura's ``extract_author`` could take: each of its AUTHOR_XPATHS asks for an
# ``author`` element, the parent of a ``rel`` element (``rel='me'``) or an element whose rel,
# id, class, itemprop, data-testid or data-component value holds one of these strings (its
# EXSLT regular expressions, case kept: "author|AuthorName" and "[Aa]uthor" hold "uthor",
# "[Bb]yline" "yline", @class='byl' "byl"...); every test is on the element itself (its tag,
# its attributes, its rel child), none on where it stands. What it reads of a match is the
# text inside it, after pruning a copy of the page (AUTHOR_DISCARD_XPATHS: tests on an
# element's own tag and attributes) of what discards the match or a part of it: the match
# itself, an ancestor or a descendant. So these elements with their subtrees, under copies
# of their ancestors (tag and attributes), in document order, give it what the whole page
# gives it: the same matches, pruned alike, with the same text. (A walk in Python: an XPath
# of these contains() took eight times longer.)
_AUTHOR_ATTRS = ("class", "id", "rel", "itemprop", "data-testid", "data-component")
_AUTHOR_NEEDLE_RE = re.compile(
    "uthor|yline|byl|BBL|username|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by"
    "|journalist-name|screenname|writer"
)


def _author_candidates(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The elements of ``tree`` extract_author could take (see above), in document order,
    none inside another."""
    found: list[lxml.html.HtmlElement] = []
    search = _AUTHOR_NEEDLE_RE.search
    for el in tree.iter():
        tag = el.tag
        if tag == "author":
            found.append(el)
            continue
        if tag == "rel":
            parent = el.getparent()
            if parent is not None:
                found.append(parent)
            continue
        get = el.get
        for attr in _AUTHOR_ATTRS:
            value = get(attr)
            if value and search(value):
                found.append(el)
                break
    if len(found) > 1:
        # the outermost ones (a rel element's parent, added after its earlier children,
        # is one of them and keeps its place: what came between was inside it)
        chosen = set(found)
        found = list(
            dict.fromkeys(el for el in found if not any(a in chosen for a in el.iterancestors()))
        )
    return found


def _author_skeleton(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """What of ``tree`` extract_author reads (see above), or None where it has nothing."""
    candidates = _author_candidates(tree)
    if not candidates:
        return None
    if candidates[0] is tree:
        return tree
    try:
        root = tree.makeelement(tree.tag, dict(tree.attrib))
        copies: dict[lxml.html.HtmlElement, lxml.html.HtmlElement] = {tree: root}
        for el in candidates:
            chain = list(el.iterancestors())
            chain.reverse()
            if chain[0] is not tree:
                return tree
            parent = root
            for ancestor in chain[1:]:  # below the root
                made = copies.get(ancestor)
                if made is None:
                    made = parent.makeelement(ancestor.tag, dict(ancestor.attrib))
                    copies[ancestor] = made
                    parent.append(made)
                parent = made
            parent.append(deepcopy(el))
    except ValueError:  # a name lxml takes from the parser only ("o:p", "xmlns:fb")
        return tree
    return root


# the links ``extract_catstags`` may take: each of its CATEGORIES_XPATHS and TAGS_XPATHS asks
# for an ``<a href>`` inside an element whose class (or, for categories, id) holds one of
# these strings (its tests, case kept: "^(?:post-?info|post-?meta|meta|entry-meta...)",
# @class='row', @class='tags', contains(@class, 'cat-links'), starts-with(@id, 'postpath')...),
# and keeps those whose href matches /tag(s)/ or /category/ (/categories/); one XPath for both
_CATSTAG_LINK_XPATH = XPath("//a[contains(@href, '/tag') or contains(@href, '/categor')]")
_CATSTAG_HREF_RES = {
    "tag": re.compile("/tag(?:y|ies|s)?/"),
    "category": re.compile("/categor(?:y|ies|s)?/"),
}
_CATSTAG_CLASSES = {
    "tag": re.compile("tag|row|jp-relatedposts|entry-utility|meta|topics"),
    "category": re.compile("post|meta|entry|cat-links|row|tags"),
}
_CATSTAG_IDS = {"tag": None, "category": re.compile("postpath|filedunder")}
# where ``extract_catstags`` looks for categories when no link gives one
_SECTION_META_XPATH = XPath(
    'boolean(.//head//meta[@property="article:section" or contains(@name, "subject")][@content])'
)
# the meta names (none holds a space) and the property trafilatura's ``examine_meta`` takes
# tags from
_META_TAG_NAMES = frozenset({"article:tag", *METANAME_TAG})


class _Fallback:
    """trafilatura's metadata of the page, each field computed only when asked for (when
    the page's markup lacks it), the way ``trafilatura.metadata.extract_metadata`` does,
    on the tree trafilatura is given. A field trafilatura cannot find on the page (no
    element its XPaths could take) is not searched for: the same None or [] at once."""

    def __init__(
        self,
        tree: lxml.html.HtmlElement,
        source: str,
        url: str,
        date_params: dict[str, Any],
        meta: _Meta,
    ) -> None:
        self._tree = tree
        self._source = source
        self._url = url or None
        self._date_params = date_params
        self._page_meta = meta
        self._head: Document | None = None
        self._base: Document | None = None
        self._links: list[lxml.html.HtmlElement] | None = None

    def _meta_tags(self) -> Document:
        """The meta tags alone (all trafilatura's tags come from there, and JSON-LD never
        changes them)."""
        if self._head is None:
            self._head = examine_meta(self._tree)
        return self._head

    def _meta(self) -> Document:
        """Meta tags, then JSON-LD: what extract_metadata starts from."""
        if self._base is None:
            base = self._meta_tags()
            if base.author and " " not in base.author:
                base.author = None
            try:
                base = extract_meta_json(self._tree, base)
            except Exception as exc:  # as extract_metadata: bugs in its JSON-LD reading
                logger.debug("trafilatura JSON-LD metadata failed: %s", exc)
            self._base = base
        return self._base

    def _page_url(self) -> str | None:
        return self._meta().url or extract_url(self._tree, self._url)

    def title(self) -> str | None:
        return _trim(self._meta().title or extract_title(self._tree))

    def author(self) -> str | None:
        found = self._meta().author
        if not found:
            skeleton = _author_skeleton(self._tree)
            found = extract_author(skeleton) if skeleton is not None else None
        return _trim(found)

    def date(self) -> str | None:
        return _trim(find_date(self._tree, **{**self._date_params, "url": self._page_url()}))

    def sitename(self) -> str | None:
        name = self._meta().sitename or extract_sitename(self._tree)
        if name:
            name = name.lstrip("@")
            if name and "." not in name and not name[0].isupper():
                name = name.title()
        else:
            url = self._page_url()
            match = _META_URL.match(url) if url else None
            name = match[1] if match else None
        return _trim(name)

    def description(self) -> str | None:
        return _trim(self._meta().description)

    def _linked(self, kind: str) -> bool:
        """Whether a link of the page could be one ``extract_catstags`` takes for *kind*:
        its href as it wants, inside an element of a class (or id) it looks for."""
        if self._links is None:
            self._links = _CATSTAG_LINK_XPATH(self._tree)
        href_re, class_re = _CATSTAG_HREF_RES[kind], _CATSTAG_CLASSES[kind]
        id_re = _CATSTAG_IDS[kind]
        for link in self._links:
            if not href_re.search(link.get("href")):
                continue
            for ancestor in link.iterancestors():
                value = ancestor.get("class")
                if value and class_re.search(value):
                    return True
                value = ancestor.get("id")
                if id_re is not None and value and id_re.search(value):
                    return True
        return False

    # extract_catstags takes links whose href holds /tag(s)/ or /category/ (case kept), and
    # for categories, else, meta article:section / name*=subject: a page whose HTML holds
    # none of these strings gives nothing, and is not searched; nor is a page where no
    # link has such an href (nor, for categories, such a meta tag)
    def tags(self) -> list[str]:
        # examine_meta takes tags from meta tags of a few names: a page without any (the
        # page's own meta tags hold every name, split and lower-cased) has none
        found = (
            self._meta_tags().tags if not _META_TAG_NAMES.isdisjoint(self._page_meta.props) else []
        )
        if found or "/tag" not in self._source or not self._linked("tag"):
            return found or []
        return extract_catstags("tag", self._tree)

    def categories(self) -> list[str]:
        # only JSON-LD's articleSection gives trafilatura's metadata categories
        found = self._meta().categories if "articleSection" in self._source else None
        if found or not any(s in self._source for s in ("/categor", "article:section", "subject")):
            return found or []
        if not self._linked("category") and not _SECTION_META_XPATH(self._tree):
            return []
        return extract_catstags("category", self._tree)


def _trim(value: str | None) -> str | None:
    """As ``Document.clean_and_trim`` trims each text field."""
    if not isinstance(value, str):
        return value
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(html.unescape(value))


# ---------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------


def _needs_full_pass(document: Any, tree: lxml.html.HtmlElement) -> bool:
    """Whether trafilatura's fast mode may have missed the article, so that its full
    cascade (readability and jusText compared with its own result, teasers pruned) has to
    run: a short text, one that is a small share of the page's paragraph text, or a body
    with no paragraphs or more tables than paragraphs (where trafilatura itself prefers
    readability's). On the 98 evaluation pages the fast text differs from the full one on
    3: two under 150 characters, one of 339 where the page has 1,996 in paragraphs."""
    if document is None or isinstance(document, dict):
        return True
    length = len(document.text or "")
    if length < _FULL_PASS_BELOW:
        return True
    body = document.body
    if body is None:
        return True
    paragraphs = body.findall(".//p")
    if not paragraphs or len(body.findall(".//table")) > len(paragraphs):
        return True
    return length < _FULL_PASS_SHARE * paragraph_text_length(tree)


def extract_article(
    body: bytes,
    url: str,
    content_type: str | None = None,
    links: bool = False,
    *,
    decide: bool = False,
    listed: str = "",
) -> ExtractionResult:
    """Extract the main article of one page. Never raises.

    ``body`` is the content-decoded HTTP entity in its original charset; ``content_type`` the
    HTTP Content-Type header, if any. Returns the article dict, or ``None`` with a short reason
    ("not html", "no main text", "exception: ..."). With ``links``, also the page's links
    (:mod:`archive.extract.links`), read from the same parse. With ``decide``, the page is first
    judged (:mod:`archive.extract.articleness`; ``listed``: "news" when a feed or a news sitemap
    listed it, "sitemap" when a plain sitemap did) and a
    page that is no article is not extracted: no article, the error NOT_AN_ARTICLE, and
    the verdict.
    """
    encoding: str | None = None
    faults.extraction_fault(url)
    try:
        if not looks_like_html(body):
            logger.debug("rejected %s: not html", url)
            return ExtractionResult(None, "not html")
        text, encoding = decode_html(body, content_type)
        unusual = _UNUSUAL_RE.search(text) is not None
        tree = _parse(text, clean=not unusual)
        if tree is None:
            logger.debug("rejected %s: unparseable HTML", url)
            return ExtractionResult(None, "not html", encoding)
        found = page_links(tree) if links else None  # before extraction prunes the tree
        judged = (
            article_signals(
                text, url, from_sitemap_or_feed=listed == "news", in_sitemap=listed == "sitemap"
            )
            if decide
            else None
        )
        if judged is not None and not judged.is_article:
            return ExtractionResult(None, NOT_AN_ARTICLE, encoding, found, judged)
        article = _extract(tree, text, url, unusual)
        if article is None:
            logger.debug("rejected %s: no main text", url)
            return ExtractionResult(None, "no main text", encoding, found, judged)
        return ExtractionResult(article, None, encoding, found, judged)
    except Exception as exc:  # the contract is to never raise
        message = _norm_space(f"exception: {type(exc).__name__}: {exc}")[:_MAX_ERROR_LEN]
        logger.debug("rejected %s: %s", url, message, exc_info=True)
        return ExtractionResult(None, message, encoding)


def _extract(
    tree: lxml.html.HtmlElement, source: str, url: str, unusual: bool = True
) -> dict[str, Any] | None:
    """The article of the page ``tree`` was parsed from (``source``); ``unusual``: False
    when ``source`` is known to hold none of _UNUSUAL_RE's characters."""
    # the page's own metadata, read first: the pruning below changes the tree in place
    meta = _Meta(tree)
    headlines = _Headlines(meta, tree)
    canonical = _canonical(tree, url)
    declared_language = _language(meta, tree)
    published = _published(meta, tree)
    author = _author(meta)
    rel_links = _rel_links(tree)
    tags = _tags(meta, rel_links)
    categories = _categories(meta, rel_links)
    description = meta.first("description", "og:description", "twitter:description")

    options = copy(_OPTIONS)
    options.url = url or None
    options.source = url or None
    work = unwrap_layout_tables(prune_boilerplate(tree))  # bare_extraction copies it
    protected = protect_chars(work, source, None if unusual else False)
    document = bare_extraction(work, options=options)
    options.fast = False
    if _needs_full_pass(document, work):
        document = bare_extraction(work, options=options)
    if document is None or isinstance(document, dict):
        return None
    raw_text = document.text or ""
    if protected:
        raw_text = unprotect_chars(raw_text)

    # trafilatura's metadata, each field only where the page's markup lacks it
    fallback = _Fallback(work, source, url, options.date_params, meta)
    found = _sitenames(meta, headlines, fallback, url)
    sitename = found[0] if found else None
    title = _title(headlines, [*found, *_host_names(url)], fallback)
    heads = [title, *headlines.all()]
    if headlines.title_tag:
        heads.append(titles.strip_site(headlines.title_tag, found))

    own_urls = [u for u in (url, canonical) if u]
    text = clean_text(raw_text, [t for t in heads if t], own_urls)
    if len(text) < _SHORT_TEXT:
        # precision mode found (almost) nothing: a balanced pass takes more of the page
        options.focus = "balanced"
        retry = bare_extraction(work, options=options)
        if retry is not None and not isinstance(retry, dict) and retry.text:
            retry_text = unprotect_chars(retry.text) if protected else retry.text
            retry_text = clean_text(retry_text, [t for t in heads if t], own_urls)
            if len(retry_text) > len(text):
                logger.debug("short precision extraction, balanced retry kept: %s", url)
                text = retry_text
    if not text:
        return None
    language = text_language(declared_language, text)
    if language is None and declared_language is None:
        # too little text to tell once the headline and dateline lines are gone: all of it
        language = text_language(None, raw_text)

    return {
        "canonical_url": canonical,
        "title": title or None,
        "author": author or _author_text(fallback.author()),
        "published": published or _iso_or_none(fallback.date()),
        "language": language,
        "sitename": _norm_space(sitename) or None,
        "description": description or _norm_space(fallback.description()) or None,
        "tags": _dedup([*tags, *_split_commas(fallback.tags())]),
        "categories": _dedup([*categories, *_as_list(fallback.categories())]),
        "text": text,
    }
