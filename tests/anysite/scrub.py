"""One-off generator: turn a real news page into a text-free template for the anysite fixtures.

Usage (run by hand; the test suite never runs it and never reads the source pages)::

    python -m tests.anysite.scrub SRC.html[.gz] OUT.html [--url PAGE_URL] [--seed N]

It keeps the page's markup (tags, classes, ids, nesting) and removes everything that belongs
to the publisher:

* every text node's words are replaced by invented words of similar length from WORDS below
  (deterministic from --seed and the file name); digits are kept;
* attribute text that carries words (title, alt, aria-label, placeholder, meta description,
  og:*, twitter:*) is replaced the same way; data-* and on* attributes, inline style,
  srcset and the like are dropped;
* <script> is dropped except application/ld+json, whose string values are replaced
  (except @type/@context, dates and URLs, which become markers or placeholders);
* <style>, comments, <iframe>, <noscript>, <svg>, <link rel=preload/...>, tracking pixels go;
* every href/src is rewritten: same-site links become ``{{LINK}}``, images/styles
  ``{{HOME}}/static/...``; off-site links lose their href;
* long repeated lists (menus, footers) are cut to a few items so a template stays small.

Then it places the markers the site generator (tests/anysite/pages.py) fills in:
``{{TITLE}}`` pattern in <title> (e.g. ``{{HEADLINE}} - {{SITE}}`` when the real title
was "Headline - Site"), ``{{HEADLINE}}`` in the headline element, ``{{BODY}}`` where the
body paragraphs were (the element holding the most paragraph text), ``{{DATE_ISO}}``/
``{{DATE_HUMAN}}`` in <time> and date metas, ``{{SITE}}``, ``{{SUMMARY}}``, ``{{AUTHOR}}``,
``{{CANONICAL}}``, ``{{HEAD_LINKS}}`` (before </head>), ``{{NAV}}`` (in the first nav or
header), ``{{LANG}}``, and ``{{JSON:NAME}}`` variants inside JSON-LD.
Elements only an article page has (dates, JSON-LD, article:* metas) carry
``data-anysite="article-only"`` so non-article pages can drop them.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

# A neutral word list of our own (no publisher text).
_WORD_TEXT = (
    "a an at by do go if in is it of on or so to up we "
    "and are big but can day far few for has its key low new now old one our own red sea set "
    "sky two use way yet also area band bell best blue boat bold calm card city clay cold "
    "corn dark deep door east easy farm fast fern fire flat fold gate gold green half hall "
    "high hill home iron lake lamp land lane late leaf line long loud mild mill moon near "
    "nine north open pace park path pine plan pond port rain reed rich ring road rock roof "
    "rose salt sand seed ship side silk slow snow soft song star stem stone tall tide tile "
    "town tree vast wall warm wave west wide wind wood yard amber apple arrow atlas basin "
    "beach birch bloom brick brook cabin canal cedar chalk cliff cloud coast coral crane "
    "creek delta dune eagle ember field flint frost glade grain grove harbor hazel heron "
    "honey island ivory jasper kettle ladder lantern linen maple marble meadow mirror "
    "orchard otter parcel pebble pepper pillar planet plaza prairie quarry quartz ribbon "
    "river saddle season shadow silver sparrow spring summit timber tunnel valley velvet "
    "violet willow window winter anchor balance blanket cabinet channel compass cottage "
    "crystal current distant evening feather fortune gallery harvest horizon journey "
    "kitchen library morning network outline painter pattern pioneer shelter station "
    "theater thunder venture village weather woodland artisan blossom cardinal carousel "
    "chestnut daylight festival fountain heritage highland junction keystone landmark "
    "lighthouse mountain northern overland panorama pavilion peninsula portrait province "
    "quiet railway riverbank sandstone seasonal skyline southern starlight sunflower "
    "telescope timeline treasure waterfall windmill afternoon boulevard brightness "
    "crossroads evergreen foundation greenhouse harmonious lakeshore landscape "
    "marketplace neighborhood observatory parliament riverside schoolhouse "
    "thoroughfare woodworking"
)
WORDS = _WORD_TEXT.split()
_BY_LEN: dict[int, list[str]] = {}
for _w in WORDS:
    _BY_LEN.setdefault(len(_w), []).append(_w)
_MAX_LEN = max(_BY_LEN)

MARKER_RE = re.compile(r"(\{\{[A-Z_:]+\}\})")
TOKEN_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
MAX_SAME_CHILDREN = 8  # repeated siblings (menu items, footer links) kept per parent
DROP_TAGS = ("style", "iframe", "noscript", "svg", "object", "embed", "template", "canvas")
KEEP_ATTRS = {
    "id",
    "class",
    "href",
    "src",
    "rel",
    "type",
    "name",
    "property",
    "content",
    "charset",
    "lang",
    "dir",
    "itemprop",
    "itemscope",
    "itemtype",
    "role",
    "datetime",
    "title",
    "alt",
    "aria-label",
    "width",
    "height",
    "method",
    "placeholder",
    "http-equiv",
    "colspan",
    "rowspan",
    "for",
    "value",
}
WORDY_ATTRS = ("title", "alt", "aria-label", "placeholder")
META_KEEP = re.compile(
    r"^(viewport|robots|googlebot|generator|theme-color|format-detection|referrer|"
    r"msapplication-.*|apple-mobile-.*|mobile-web-app-capable|handheldfriendly|"
    r"og:type|og:locale|twitter:card|fb:.*|article:section|content-type|x-ua-compatible)$",
    re.IGNORECASE,
)
META_MARKERS = {
    "og:title": "{{HEADLINE}}",
    "twitter:title": "{{HEADLINE}}",
    "sailthru.title": "{{HEADLINE}}",
    "headline": "{{HEADLINE}}",
    "title": "{{HEADLINE}}",
    "og:site_name": "{{SITE}}",
    "application-name": "{{SITE}}",
    "description": "{{SUMMARY}}",
    "og:description": "{{SUMMARY}}",
    "twitter:description": "{{SUMMARY}}",
    "author": "{{AUTHOR}}",
    "og:url": "{{CANONICAL}}",
    "twitter:url": "{{CANONICAL}}",
}
TITLE_SEP = re.compile(r"\s+(\||-|–|—|::|:|·|»)\s+")
DATE_KEYS = {"datePublished", "dateModified", "dateCreated", "uploadDate", "dateline"}
URL_KEYS = {"url", "@id", "mainEntityOfPage", "sameAs", "logo", "image", "thumbnailUrl", "embedUrl"}
KEEP_JSON = {"@type", "@context", "inLanguage", "isAccessibleForFree", "width", "height"}
SLUG_CLASS_RE = re.compile(r"\b((?:category|tag|author|term|section|topic)-)([\w-]+)")
PIXEL_RE = re.compile(r"pixel|beacon|track|analytics|doubleclick|scorecard|quantserve", re.I)


class Scrubber:
    def __init__(self, page_url: str, seed: int) -> None:
        self.page_url = page_url
        self.host = (urlsplit(page_url).hostname or "").removeprefix("www.")
        self.rng = random.Random(seed)

    # -- words --------------------------------------------------------------------------
    def word(self, length: int) -> str:
        if length > _MAX_LEN:
            return self.word(length // 2) + self.word(length - length // 2)
        for delta in (0, 1, -1, 2, -2, 3, -3, 4, -4):
            bucket = _BY_LEN.get(length + delta)
            if bucket:
                return self.rng.choice(bucket)
        return self.rng.choice(WORDS)

    def words(self, text: str) -> str:
        def swap(match: re.Match[str]) -> str:
            real = match.group(0)
            new = self.word(len(real))
            if real[:1].isupper():
                new = new.upper() if real.isupper() and len(real) > 1 else new.capitalize()
            return new

        pieces = MARKER_RE.split(text)
        return "".join(
            piece if MARKER_RE.fullmatch(piece) else TOKEN_RE.sub(swap, piece) for piece in pieces
        )

    # -- URLs ---------------------------------------------------------------------------
    def local(self, url: str) -> bool:
        absolute = urljoin(self.page_url, url.strip())
        parts = urlsplit(absolute)
        host = (parts.hostname or "").removeprefix("www.")
        return parts.scheme in ("http", "https") and (
            host == self.host or host.endswith("." + self.host)
        )

    def link(self, url: str) -> str | None:
        url = url.strip()
        if url.startswith("#"):
            return "#"
        if url.startswith(("mailto:", "tel:", "javascript:")):
            return None
        return "{{LINK}}" if self.local(url) else None

    # -- tree passes --------------------------------------------------------------------
    def scrub(self, source: bytes) -> str:
        parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
        root = lxml_html.document_fromstring(source, parser=parser)
        self.drop_noise(root)
        self.trim_lists(root)
        self.place_markers(root)
        self.scrub_attrs(root)
        self.scrub_text(root)
        out = lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
        out = out.replace("%7B%7B", "{{").replace("%7D%7D", "}}")
        return out.replace('<meta name="anysite-head-links">', "{{HEAD_LINKS}}") + "\n"

    def drop_noise(self, root: Any) -> None:
        for el in list(root.iter()):
            if not isinstance(el.tag, str) or el.getparent() is None:
                continue
            tag = el.tag.lower()
            if tag == "script":
                if (el.get("type") or "").lower() != "application/ld+json":
                    el.drop_tree()
            elif tag in DROP_TAGS or ":" in tag:
                el.drop_tree()
            elif tag == "link":
                rel = (el.get("rel") or "").lower()
                if "stylesheet" in rel:
                    el.set("href", "{{HOME}}/static/site.css")
                else:
                    el.drop_tree()  # canonical/amphtml/alternate come back via {{HEAD_LINKS}}
            elif tag == "img":
                src = el.get("src") or el.get("data-src") or ""
                tiny = el.get("width") in ("0", "1") or el.get("height") in ("0", "1")
                if tiny or PIXEL_RE.search(src):
                    el.drop_tree()
            elif tag in ("input", "button", "select", "textarea") and el.get("type") == "hidden":
                el.drop_tree()

    def trim_lists(self, root: Any) -> None:
        for parent in list(root.iter()):
            if not isinstance(parent.tag, str) or parent.tag in ("body", "head", "html"):
                continue
            seen: dict[str, int] = {}
            for child in list(parent):
                if not isinstance(child.tag, str):
                    continue
                key = f"{child.tag}.{child.get('class', '')}"
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > MAX_SAME_CHILDREN and child.tag != "p":
                    child.drop_tree()

    def body_container(self, root: Any) -> Any | None:
        best, best_len = None, 0
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            size = sum(
                len(p.text_content().strip())
                for p in el
                if isinstance(p.tag, str) and p.tag == "p" and len(p.text_content().strip()) > 40
            )
            if size > best_len:
                best, best_len = el, size
        return best

    def headline(self, root: Any, body: Any | None) -> Any | None:
        """The headline element: the last h1 (or itemprop=headline heading) before the body."""
        candidates = root.xpath(
            '//body//h1 | //body//*[@itemprop="headline"][self::h2 or self::h3 or self::div]'
        )
        if not candidates:
            return None
        if body is not None:
            order = {id(e): i for i, e in enumerate(root.iter())}
            before = [h for h in candidates if order[id(h)] < order[id(body)]]
            if before:
                return before[-1]
        return candidates[0]

    def place_markers(self, root: Any) -> None:
        html_el = root
        html_el.set("lang", "{{LANG}}")
        for attr in ("xml:lang",):
            html_el.attrib.pop(attr, None)
        head = root.find("head")
        if head is None:
            head = etree.SubElement(root, "head")
            root.insert(0, head)
        for meta in head.iter("meta"):
            if meta.get("charset"):
                meta.set("charset", "utf-8")
            if (meta.get("http-equiv") or "").lower() == "content-type":
                meta.set("content", "text/html; charset=utf-8")
        # <title>
        title = head.find("title")
        if title is None:
            title = etree.SubElement(head, "title")
        real = (title.text or "").strip()
        parts = TITLE_SEP.split(real)
        if len(parts) >= 3:
            texts, seps = parts[0::2], parts[1::2]
            main = max(range(len(texts)), key=lambda i: len(texts[i]))
            pieces = []
            for i, _ in enumerate(texts):
                pieces.append("{{HEADLINE}}" if i == main else "{{SITE}}")
                if i < len(seps):
                    pieces.append(f" {seps[i]} ")
            title.text = "".join(pieces)
        else:
            title.text = "{{HEADLINE}}"
        title.set("data-anysite", "title")
        # body and headline
        body = self.body_container(root)
        headline = self.headline(root, body)
        if headline is not None:
            for child in list(headline):
                child.drop_tree()
            headline.text = "{{HEADLINE}}"
            headline.set("data-anysite", "headline")
        if body is not None:
            paras = [c for c in body if isinstance(c.tag, str) and c.tag == "p"]
            first = paras[0]
            following = False
            for child in list(body):
                if child is first:
                    following = True
                    continue
                if following and isinstance(child.tag, str):
                    tag = child.tag
                    if tag in ("p", "h2", "h3", "h4", "blockquote", "ul", "ol"):
                        child.drop_tree()
            marker = etree.Element("div")
            marker.set("data-anysite", "body")
            marker.text = "{{BODY}}"
            first.addprevious(marker)
            first.drop_tree()
        # dates
        for el in root.iter("time"):
            el.set("datetime", "{{DATE_ISO}}")
            for child in list(el):
                child.drop_tree()
            el.text = "{{DATE_HUMAN}}"
            el.set("data-anysite", "article-only")
        for el in root.xpath('//*[@itemprop="datePublished" or @itemprop="dateModified"]'):
            if el.tag == "meta":
                el.set("content", "{{DATE_ISO}}")
            el.set("data-anysite", "article-only")
        # author
        for el in root.xpath('//*[@rel="author" or @itemprop="author"]'):
            if el.tag != "meta" and len(el) == 0:
                el.text = "{{AUTHOR}}"
        # metas (itemprop metas inside the body too)
        for meta in list(root.iter("meta")):
            key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
            low = key.lower()
            if low.startswith("article:") and low != "article:section":
                if "time" in low:
                    meta.set("content", "{{DATE_ISO}}")
                else:
                    meta.set("content", self.words(meta.get("content", "")))
                meta.set("data-anysite", "article-only")
            elif low in META_MARKERS:
                meta.set("content", META_MARKERS[low])
            elif "date" in low or "time" in low:
                meta.set("content", "{{DATE_ISO}}")
                meta.set("data-anysite", "article-only")
            elif low == "og:type":
                meta.set("content", "{{OG_TYPE}}")
            elif META_KEEP.match(low) or not meta.get("content"):
                continue
            elif re.match(r"https?://|/|www\.", meta.get("content", "")):
                meta.set("content", "{{HOME}}/static/pixel.png")
            else:
                meta.set("content", self.words(meta.get("content", "")))
        marker_anchor = etree.SubElement(head, "meta")
        marker_anchor.set("name", "anysite-head-links")
        # JSON-LD
        for script in list(root.iter("script")):
            try:
                data = json.loads(script.text or "")
            except ValueError:
                script.drop_tree()
                continue
            script.text = json.dumps(self.jsonld(data, None), ensure_ascii=False, indent=1)
            script.set("data-anysite", "article-only")
        # nav
        nav = root.find(".//nav")
        if nav is None:
            nav = root.find(".//header")
        if nav is None:
            nav = root.find("body")
        if nav is not None:
            slot = etree.Element("div")
            slot.set("data-anysite", "nav")
            slot.text = "{{NAV}}"
            nav.insert(0, slot)
            slot.tail = nav.text
            nav.text = None

    def jsonld(self, value: Any, key: str | None, parent: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self.jsonld(v, k, key) for k, v in value.items() if k != "articleBody"}
        if isinstance(value, list):
            return [self.jsonld(v, key, parent) for v in value]
        if not isinstance(value, str) or key in KEEP_JSON:
            return value
        if key in DATE_KEYS:
            return "{{JSON:DATE_ISO}}"
        if key in ("headline", "alternativeHeadline"):
            return "{{JSON:HEADLINE}}"
        if key == "name" and parent == "publisher":
            return "{{JSON:SITE}}"
        if key == "name" and parent == "author":
            return "{{JSON:AUTHOR}}"
        if key == "description":
            return "{{JSON:SUMMARY}}"
        if re.match(r"https?://|//|/", value):
            if key in ("url", "@id", "mainEntityOfPage") and parent in (None, "mainEntityOfPage"):
                return "{{JSON:CANONICAL}}"
            if key in ("image", "logo", "thumbnailUrl", "contentUrl") or parent in (
                "image",
                "logo",
            ):
                return "{{JSON:HOME}}/static/pixel.png"
            return "{{JSON:HOME}}/"
        return self.words(value)

    def scrub_attrs(self, root: Any) -> None:
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            for name in list(el.attrib):
                low = name.lower()
                if low == "data-anysite":
                    continue
                if low not in KEEP_ATTRS:
                    del el.attrib[name]
            if el.tag == "a" and el.get("href") is not None:
                new = self.link(el.get("href", ""))
                if new is None:
                    del el.attrib["href"]
                else:
                    el.set("href", new)
            elif el.tag == "link":
                pass
            elif el.get("href") is not None:
                del el.attrib["href"]
            if el.tag in ("img", "source", "video", "audio", "input"):
                if el.get("src") is not None or el.tag == "img":
                    el.set("src", "{{HOME}}/static/pixel.png")
            elif el.tag != "script" and el.get("src") is not None:
                del el.attrib["src"]
            if el.tag == "form":
                el.set("action", "{{HOME}}/search")
            if el.get("class"):
                el.set(
                    "class",
                    SLUG_CLASS_RE.sub(
                        lambda m: m.group(1) + self.words(m.group(2)), el.get("class", "")
                    ),
                )
            if el.tag != "meta" and el.get("content") and "{{" not in el.get("content", ""):
                el.set("content", self.words(el.get("content", "")))
            for name in WORDY_ATTRS:
                if el.get(name):
                    el.set(name, self.words(el.get(name, "")))
            if el.tag in ("input", "button", "option") and el.get("value"):
                el.set("value", self.words(el.get("value", "")))

    def scrub_text(self, root: Any) -> None:
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            marker = el.get("data-anysite")
            keep = el.tag == "script" or marker in ("title", "headline", "body", "nav")
            if el.text and not keep:
                el.text = self.words(el.text)
            if el.tail:
                el.tail = self.words(el.tail)


def scrub_file(src: Path, out: Path, url: str | None = None, seed: int = 0) -> int:
    raw = src.read_bytes()
    if src.suffix == ".gz":
        raw = gzip.decompress(raw)
    if url is None:
        canonical = re.search(rb'<link[^>]+rel="canonical"[^>]+href="([^"]+)"', raw)
        url = canonical.group(1).decode() if canonical else "http://example.invalid/"
    digest = hashlib.sha256(f"{seed}:{src.name}".encode()).digest()
    text = Scrubber(url, int.from_bytes(digest[:8], "big")).scrub(raw)
    out.write_text(text, encoding="utf-8")
    return len(text.encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scrub a real page into an anysite template.")
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--url", help="the page's own URL (tells same-site links from others)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    size = scrub_file(args.src, args.out, args.url, args.seed)
    print(f"{args.out}: {size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
