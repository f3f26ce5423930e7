"""Helpers for :mod:`archive.extract.article`: boilerplate pruning before trafilatura runs,
character protection around it, and line-level cleaning of its text output. Pure (no Scrapy)."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from archive.extract.titles import key

__all__ = [
    "clean_text",
    "paragraph_text_length",
    "protect_chars",
    "prune_boilerplate",
    "unprotect_chars",
    "unwrap_layout_tables",
]

# ---------------------------------------------------------------------------
# Character protection
# ---------------------------------------------------------------------------
# trafilatura drops "non-printable" characters (ZWNJ/ZWJ, which Persian, Urdu, Indic scripts
# and emoji sequences need; soft hyphens; bidi marks) and HTML-unescapes its text output (so a
# displayed "&copy" or "&amp;" would change). Such characters are swapped for printable
# placeholders from an unused block (Sutton SignWriting) on the way in and restored after.

_PROTECTED_RANGES = (
    (0x26, 0x26),  # "&"
    (0xAD, 0xAD),
    (0x600, 0x605),
    (0x61C, 0x61C),
    (0x6DD, 0x6DD),
    (0x70F, 0x70F),
    (0x890, 0x891),
    (0x8E2, 0x8E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_PLACEHOLDER_BASE = 0x1D800
_PROTECTED = [cp for lo, hi in _PROTECTED_RANGES for cp in range(lo, hi + 1)]
_PROTECT_TABLE = {cp: _PLACEHOLDER_BASE + i for i, cp in enumerate(_PROTECTED)}
_UNPROTECT_TABLE = {v: k for k, v in _PROTECT_TABLE.items()}
_PLACEHOLDER_RE = re.compile(
    f"[{chr(_PLACEHOLDER_BASE)}-{chr(_PLACEHOLDER_BASE + len(_PROTECTED) - 1)}]"
)


# protected characters other than "&", and placeholders already in the page; split in a Basic
# Multilingual Plane class and an astral one, each much faster to search for than the union
SPECIAL_BMP_CLASS = "".join(
    f"{chr(lo)}-{chr(hi)}" for lo, hi in _PROTECTED_RANGES[1:] if hi <= 0xFFFF
)
_SPECIAL_BMP_RE = re.compile(f"[{SPECIAL_BMP_CLASS}]")
_SPECIAL_ASTRAL_RE = re.compile(
    "["
    + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _PROTECTED_RANGES if lo > 0xFFFF)
    + f"{chr(_PLACEHOLDER_BASE)}-{chr(_PLACEHOLDER_BASE + len(_PROTECTED) - 1)}"
    + "]"
)
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
# every protected character: a text without any is left as it is (translating it would give
# the same string)
_PROTECTED_RE = re.compile(
    "[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _PROTECTED_RANGES) + "]"
)
# the elements whose text the XPath //text()[not(parent::script or parent::style)] leaves out
_RAW_TEXT_TAGS = frozenset({"script", "style"})


def protect_chars(tree: HtmlElement, source: str, special_bmp: bool | None = None) -> bool:
    """Swap protected characters in the text of ``tree`` (in place) for placeholders;
    ``source`` is the HTML the tree was parsed from. Returns False (and changes nothing) if
    the page already uses the placeholder block.

    Where ``source`` holds a protected character other than "&", every text and tail of the
    tree is translated (comments, scripts and styles too); else only the "&" of the text
    nodes outside scripts and styles. ``special_bmp``: whether ``source`` holds such a
    character of the Basic Multilingual Plane, when the caller has searched for them
    already (None: searched here)."""
    if not source.isascii():
        # every character beyond the BMP (one range: a fast scan; the class of the protected
        # astral ranges costs six times more), then the few found are sorted out; a page
        # without any (its UTF-16 form has no surrogate pairs) is not scanned at all
        has_astral = len(source.encode("utf-16-le", "surrogatepass")) > 2 * len(source)
        astral = set(_ASTRAL_RE.findall(source)) if has_astral else set()
        if any(_PLACEHOLDER_RE.match(ch) for ch in astral):
            return False
        if any(_SPECIAL_ASTRAL_RE.match(ch) for ch in astral) or (
            _SPECIAL_BMP_RE.search(source) is not None if special_bmp is None else special_bmp
        ):
            for el in tree.iter():
                text = el.text
                if text and _needs_protection(text):
                    el.text = text.translate(_PROTECT_TABLE)
                tail = el.tail
                if tail and _needs_protection(tail):
                    el.tail = tail.translate(_PROTECT_TABLE)
            return True
    # only "&" to protect, in the text nodes outside scripts and styles: an element's text
    # (not a comment's or a processing instruction's), a tail if its parent is no script
    for el in tree.iter():
        text = el.text
        if text and "&" in text and isinstance(el.tag, str) and el.tag not in _RAW_TEXT_TAGS:
            el.text = text.translate(_PROTECT_TABLE)
        tail = el.tail
        if tail and "&" in tail:
            parent = el.getparent()
            if parent is not None and parent.tag not in _RAW_TEXT_TAGS:
                el.tail = tail.translate(_PROTECT_TABLE)
    return True


def _needs_protection(text: str) -> bool:
    """Whether ``text`` holds a protected character (an ASCII text: only "&" can be one)."""
    return "&" in text if text.isascii() else _PROTECTED_RE.search(text) is not None


def unprotect_chars(text: str) -> str:
    if text.isascii() or _PLACEHOLDER_RE.search(text) is None:
        return text  # no placeholder: the same string
    return text.translate(_UNPROTECT_TABLE)


# ---------------------------------------------------------------------------
# Boilerplate pruning (on the tree, before trafilatura)
# ---------------------------------------------------------------------------

# words of class/id values (split on spaces, "-" and "_") marking blocks that are never article
# text on news sites
_BOILERPLATE_WORDS = frozenset(
    {
        "byline",
        "bylines",
        "share",
        "sharing",
        "sharebar",
        "sharetools",
        "social",
        "related",
        "newsletter",
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "tags",
        "taglist",
        "breadcrumb",
        "breadcrumbs",
        "promo",
        "advert",
        "advertisement",
        "ad",
        "ads",
        "paywall",
        "subscribe",
        "subscription",
        "mostread",
        "popular",
        "trending",
        "outbrain",
        "taboola",
    }
)
_WORD_SPLIT_RE = re.compile(r"[\s_\-]+")
# a container this big is not boilerplate, whatever its class says (a wrapper of the article)
_MAX_PRUNED_TEXT = 1500
_KEEP_TAGS = frozenset({"html", "body", "main", "article", "section"})
_INLINE_TAGS = frozenset({"a", "span", "b", "strong", "em", "i", "small", "abbr", "font"})
_MAX_BYLINE_TEXT = 150
_TAG_LIST_TAGS = frozenset({"ul", "ol", "p", "div"})
# letters and digits a tag list may hold outside its links ("Tags:", "Filed under", "in")
_MAX_TAG_LABEL = 40
_NON_WORD_RE = re.compile(r"\W+")


def prune_boilerplate(tree: HtmlElement) -> HtmlElement:
    """Remove (in place) blocks that are boilerplate on news pages: bylines, share boxes,
    related-article lists, tag lists, cookie banners... Returns ``tree``.

    No block holding most of the page's paragraph text is removed, whatever marks it: that
    block is the article (or holds it), however short it is."""
    doomed: dict[HtmlElement, int] = {}  # element -> text size above which it is kept
    seen: dict[str, bool] = {}  # verdict per class or id value
    rel_links: list[HtmlElement] = []
    times: list[HtmlElement] = []
    # one walk, in document order: the elements whose class or id marks boilerplate, the
    # <a rel> and the <time> elements (comments and processing instructions have none)
    for el in tree.iter():
        tag = el.tag
        if tag == "a":
            if el.get("rel") is not None:
                rel_links.append(el)
        elif tag == "time":
            times.append(el)
        if tag in _KEEP_TAGS:
            continue
        for attr in ("class", "id"):
            value = el.get(attr)
            if not value:
                continue
            verdict = seen.get(value)
            if verdict is None:
                verdict = seen[value] = not _BOILERPLATE_WORDS.isdisjoint(
                    _WORD_SPLIT_RE.split(value.lower())
                )
            if verdict:
                doomed[el] = _MAX_PRUNED_TEXT
                break
    for link in rel_links:
        block = _tag_list_block(link)
        if block is not None:
            doomed.setdefault(block, _MAX_PRUNED_TEXT)
    # a short block holding a <time> is a byline / dateline ("By X · Aug 13, 2021")
    for time_el in times:
        block = time_el.getparent()
        while block is not None and block.tag in _INLINE_TAGS:
            block = block.getparent()
        if block is not None and block.tag not in _KEEP_TAGS:
            doomed.setdefault(block, _MAX_BYLINE_TEXT)
    page_prose = paragraph_text_length(tree) if doomed else 0
    for el, limit in doomed.items():
        parent = el.getparent()
        if parent is None or len(el.text_content()) > limit:
            continue
        if 2 * paragraph_text_length(el) > page_prose:
            continue  # the article itself, or what holds it
        tail = el.tail
        if tail and tail.strip():
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(el)
    return tree


# ---------------------------------------------------------------------------
# Layout tables (on the tree, before trafilatura)
# ---------------------------------------------------------------------------
# trafilatura renders every table as rows of "|"-separated cells, one line a row: a table
# that only lays the page out (the article's paragraphs, headline and pictures in one of its
# cells) comes out as one line "| | Headline First paragraph Second... |". Such a table is
# made plain blocks first, and trafilatura sees the paragraphs it holds.

# elements that make a cell hold page blocks rather than a datum
_LAYOUT_BLOCK_TAGS = ("table", "h1", "h2", "h3", "h4", "h5", "h6", "p")
# a table of more cells than this is data whatever its cells hold
_MAX_LAYOUT_CELLS = 12
_ROW_GROUP_TAGS = frozenset({"thead", "tbody", "tfoot"})
_CELL_TAGS = frozenset({"td", "th"})


def unwrap_layout_tables(tree: HtmlElement) -> HtmlElement:
    """Turn (in place) each layout table of ``tree`` into ``<div>`` blocks; returns ``tree``.

    A layout table has a single cell, or a few cells (at most ``_MAX_LAYOUT_CELLS``) one of
    which holds page blocks: a nested table, a heading or more than one paragraph. Data
    tables (many cells, or cells of a word, a number, a sentence each) stay tables."""
    for table in list(tree.iter("table")):  # outer tables first; nested ones judged alone
        rows, cells = _table_parts(table)
        if not cells or len(cells) > _MAX_LAYOUT_CELLS:
            continue
        if len(cells) > 1 and not any(_holds_blocks(cell) for cell in cells):
            continue
        for part in (table, *rows, *cells):
            part.tag = "div"
            for attr in ("colspan", "rowspan"):
                part.attrib.pop(attr, None)
    return tree


def _table_parts(table: HtmlElement) -> tuple[list[HtmlElement], list[HtmlElement]]:
    """The row groups and rows, and the cells, of ``table`` itself (not of nested tables)."""
    rows: list[HtmlElement] = []
    cells: list[HtmlElement] = []
    for child in table:
        if child.tag in _ROW_GROUP_TAGS:
            rows.append(child)
            trs = [tr for tr in child if tr.tag == "tr"]
        elif child.tag == "tr":
            trs = [child]
        else:
            continue
        for tr in trs:
            rows.append(tr)
            cells.extend(cell for cell in tr if cell.tag in _CELL_TAGS)
    return rows, cells


def _holds_blocks(cell: HtmlElement) -> bool:
    """Whether ``cell`` holds a nested table, a heading or more than one paragraph."""
    paragraphs = 0
    for el in cell.iter(*_LAYOUT_BLOCK_TAGS):
        if el is cell:
            continue
        if el.tag != "p":
            return True
        paragraphs += 1
        if paragraphs > 1:
            return True
    return False


def paragraph_text_length(el: HtmlElement) -> int:
    """Characters of text in the ``<p>`` elements inside ``el`` (or ``el`` itself)."""
    return sum(len(p.text_content()) for p in el.iter("p"))


def _tag_list_block(link: HtmlElement) -> HtmlElement | None:
    """The outermost block around ``link`` that is a tag list ("Tags: <ul>...</ul>"), or
    None. The climb ends at the first block that is not one, and never passes an
    ``<article>``, ``<main>``, ``<section>`` or ``<body>``."""
    block = None
    for ancestor in link.iterancestors():
        if ancestor.tag in _KEEP_TAGS:
            break
        if ancestor.tag in _TAG_LIST_TAGS:
            if not _is_tag_list(ancestor):
                break
            block = ancestor
    return block


def _is_tag_list(el: HtmlElement) -> bool:
    """Links that are all rel=tag / rel=category, and little text besides them (a label
    such as "Tags:" or "Filed under"): a block with sentences of its own is not a list."""
    links = el.findall(".//a")
    if not links:
        return False
    if not all(
        not {"tag", "category"}.isdisjoint((a.get("rel") or "").lower().split()) for a in links
    ):
        return False
    own = _word_chars(el.text_content()) - sum(_word_chars(a.text_content()) for a in links)
    return own <= _MAX_TAG_LABEL


def _word_chars(text: str) -> int:
    return len(_NON_WORD_RE.sub("", text))


# ---------------------------------------------------------------------------
# Line cleaning (on trafilatura's text)
# ---------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")


# Lines that are boilerplate wherever they appear: prompts and notices common to news sites.
# Each pattern must match a whole line of at most _MAX_JUNK_LINE characters.
_MAX_JUNK_LINE = 400
_JUNK_LINE_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # cookie and consent notices
        r".*\b(?:(?:we|this (?:web)?site|our (?:web)?site) uses? cookies|accept (?:all )?cookies"
        r"|cookie (?:policy|settings|preferences))\b.*",
        # advertisement markers
        r"(?:story continues below )?(?:advertisement|advertising|sponsored(?: content)?|"
        r"anzeige|publicidad|publicité|pubblicità)\W*",
        # "Related: ...", "Read more: ...", "Also read ...", "You may also like"
        r"(?:related(?: (?:post|article|story|stories|coverage|content|reading|video|links?))?"
        r"|read (?:more|also|next)|also read|see also|more on this(?: story)?|recommended"
        r"|you (?:may|might) also like|trending now|most read|popular now|watch)\s*[:|›»\-–—]"
        r"(?:\s.*)?",
        r"(?:you (?:may|might) also like|related (?:articles|stories|posts|content)|read more"
        r"|more stories|recommended for you|most popular|most read)\W*",
        # share / follow prompts
        r"(?:share (?:this|on)\b.*|click to share\b.*|like this (?:story|article)\?.*"
        r"|share it with a friend.*)",
        r"(?:follow (?:us|\S+(?: \S+){0,5}) on (?:twitter|facebook|instagram|linkedin|youtube)"
        r"\b.*)",
        # newsletters and subscriptions
        r".{0,80}\b(?:sign up (?:for|to) (?:our|the)\b.*newsletters?|subscribe to (?:our|the)\b"
        r".*newsletters?|delivered to your inbox|newsletters?\W* sign up).*",
        r"subscribe to .{0,60}newsletters?\.?",
        # reprint / copy notices
        r".*for your personal,? non-commercial use only\b.*",
        # comment counters
        r"(?:\d+\s+)?comments?|(?:leave|post|add) a (?:comment|reply)\W*|tell us what you think\W*",
        # reporting credits ("(Reporting by X; editing by Y)", "X contributed reporting.")
        r"\(?(?:additional )?reporting by\b.{0,250}|.{0,120}\bcontributed reporting\b.{0,120}",
    )
]
# a table rule row as trafilatura renders tables ("|---|---|")
_RULE_LINE_RE = re.compile(r"[|\-:=+ ]+")


def _is_junk_line(line: str) -> bool:
    if _RULE_LINE_RE.fullmatch(line):
        return True
    if len(line) > _MAX_JUNK_LINE:
        return False
    return any(rx.fullmatch(line) for rx in _JUNK_LINE_RES)


def clean_text(text: str, titles: list[str], own_urls: list[str] | None = None) -> str:
    """One paragraph per line, whitespace collapsed, no blank lines, no leading headline, no
    boilerplate lines (cookie notices, share prompts, the page's own URL...), no dateline
    or byline line above the first paragraph."""
    urls = {u.rstrip("/") for u in own_urls or () if u}
    lines = [_WS_RE.sub(" ", line).strip() for line in text.splitlines()]
    lines = [
        line for line in lines if line and not _is_junk_line(line) and line.rstrip("/") not in urls
    ]
    title_keys = {key(t) for t in titles if t and key(t)}
    datelines = 0
    while lines:  # headline and dateline lines above the first paragraph, in any order
        if key(lines[0]) in title_keys:
            lines.pop(0)
        elif datelines < _MAX_DATELINES and _is_dateline(lines[0]):
            lines.pop(0)
            datelines += 1
        else:
            break
    if lines:
        lines[0] = _without_headline(lines[0], title_keys)
    return "\n".join(lines)


# A dateline: a short line that is mostly a date and/or a time, perhaps with a place, an
# agency or a name ("November 20, 2019 - 11:28 AMT", "20.11.2019 | 11:28", "Updated 3:45
# p.m. ET, Nov 20, 2019", "LONDON, Nov 20 2019 (Reuters)", "By Jane Doe | Nov 20, 2019"): a
# clock time, a numeric date, or a year and another number, few words besides, and no
# sentence end. Dropped only above the first paragraph.
_MAX_DATELINE = 80
_MAX_DATELINE_WORDS = 6
_MAX_DATELINES = 2
_DATE_OR_TIME_RE = re.compile(
    r"\b(?:\d{1,2}[:.h]\d{2}\b|(?:1[89]|2[01])\d{2}\b|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b)"
)
_TIME_OR_NUMERIC_DATE_RE = re.compile(r"\d{1,2}:\d{2}|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_HAS_DIGIT_RE = re.compile(r"\d")
_WORD_TOKEN_RE = re.compile(r"[^\W\d_]")
# a line ending like a sentence: a word of three or more letters, then . ! or ? ("rose." ends a
# sentence; "GMT.", all capitals, and "a.m." end datelines)
_SENTENCE_END_RE = re.compile(r"(?<![.\w])[^\W\d_]{3,}[.!?。！？][\"'”’»)]*$")


def _is_dateline(line: str) -> bool:
    """Whether ``line`` is a dateline (see above), not a sentence of the article."""
    if len(line) > _MAX_DATELINE or not _DATE_OR_TIME_RE.search(line):
        return False
    tokens = line.split()
    numbers = sum(1 for t in tokens if _HAS_DIGIT_RE.search(t))
    if numbers < 2 and not _TIME_OR_NUMERIC_DATE_RE.search(line):
        return False
    words = sum(1 for t in tokens if _WORD_TOKEN_RE.search(t) and not _HAS_DIGIT_RE.search(t))
    if words > _MAX_DATELINE_WORDS:
        return False
    end = _SENTENCE_END_RE.search(line)
    return end is None or end.group().isupper()


# the headline run into the first paragraph ("Headline First sentence...") is cut off only
# when it has this many letters/digits and a new sentence follows it
_MIN_HEADLINE_PREFIX = 16
_OPENERS = frozenset("\"'“‘«„(")
_PREFIX_SEPARATORS = " |:-–—·•"


def _without_headline(line: str, title_keys: set[str]) -> str:
    """``line`` without a headline it starts with, when more text follows that starts like a
    sentence ("Headline The first paragraph..." -> "The first paragraph...")."""
    line_key = key(line)
    for title_key in sorted(title_keys, key=len, reverse=True):
        if len(title_key) < _MIN_HEADLINE_PREFIX or not line_key.startswith(title_key):
            continue
        if len(line_key) == len(title_key):
            continue
        seen = 0
        end = len(line)
        for pos, ch in enumerate(line):
            seen += len(key(ch))
            if seen >= len(title_key):
                end = pos + 1
                break
        rest = line[end:]
        if seen != len(title_key) or not rest or rest[0].isalnum():
            continue  # the headline ends inside a word
        rest = rest.lstrip(_PREFIX_SEPARATORS)
        if rest and _starts_sentence(rest[0]):
            return rest
    return line


def _starts_sentence(ch: str) -> bool:
    """An upper-case (or caseless) letter, a digit or an opening quote or bracket."""
    return ch in _OPENERS or ch.isdigit() or (ch.isalpha() and not ch.islower())
