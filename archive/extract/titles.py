"""Headline and site name from a page's title strings: pure string functions for
:mod:`archive.extract.article` (no lxml, no Scrapy).

A ``<title>`` (and often ``og:title``) reads ``Headline <sep> Site Name``, sometimes with
section names between (``Headline | UK News | Sky News``) or the site first
(``Site: Headline``). The site part is cut only where it matches a known site name, so a
headline that merely contains a dash ("Review - shoots for the moon") keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

__all__ = [
    "domain_name",
    "is_name_like",
    "is_title_part",
    "key",
    "primary_name",
    "site_from_title",
    "strip_site",
]

# " - ", " | ", " — ", " – ", " :: ", " » ", " · ", " • ", " « ", " ~ ", " / ", " : ", " -- "
SEPARATOR_RE = re.compile(r"\s+(?:[|·•»«~/:]|-{1,2}|–|—|::)\s+")
# "Site: Headline" (no space before the colon)
_PREFIX_COLON_RE = re.compile(r"^([^:]{2,60}):\s+(\S.*)$")
# section names kept between a headline and the site name ("| Editorial | Opinion |")
_MAX_SECTION_WORDS = 3
_MAX_SECTION_CHARS = 30
# the non-headline part of a <title> is taken as the site's name only if it is this short
_MAX_NAME_WORDS = 4
_MAX_NAME_CHARS = 40
_SENTENCE_RE = re.compile(r"[.!?]\s|[?!]$")
_URLISH_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)
_HOSTISH_RE = re.compile(r"^[\w-]+(?:\.[\w-]+)+(?::\d+)?/?$")
_HOST_PORT_RE = re.compile(r"^[\w.-]+:\d+$")
# a headline left after cutting must keep at least this many letters/digits
_MIN_HEAD_KEY = 4


# what str.isalnum() refuses: re's \w is isalnum() or "_" for every code point (checked
# over all of them), so this removes exactly the characters that are not letters or digits
_NOT_ALNUM_RE = re.compile(r"[\W_]+")


def key(value: str) -> str:
    """Comparison key: case-folded letters and digits only."""
    return _NOT_ALNUM_RE.sub("", value.casefold())


def _segments(title: str) -> tuple[list[str], list[str]]:
    """Split ``title`` at separators: ``(parts, separators)``, with the separators
    stripped of surrounding spaces, so that ``len(parts) == len(separators) + 1``."""
    parts: list[str] = []
    seps: list[str] = []
    pos = 0
    for match in SEPARATOR_RE.finditer(title):
        parts.append(title[pos : match.start()])
        seps.append(match.group().strip())
        pos = match.end()
    parts.append(title[pos:])
    return parts, seps


def _is_section(part: str) -> bool:
    return len(part) <= _MAX_SECTION_CHARS and len(part.split()) <= _MAX_SECTION_WORDS


def strip_site(title: str, sitenames: Iterable[str]) -> str:
    """Drop the site-name part of ``title`` ("Headline | Site", "Site - Headline",
    "Headline | Section | Site", "Site: Headline"), where it matches one of ``sitenames``
    (case, spaces and punctuation ignored). Without a match, only a final ``" | "`` part
    is taken for the site's, by convention, and only when the headline left is not short."""
    keys = {k for k in (key(s) for s in sitenames if s) if k}
    if keys:
        cut = _cut_known(title, keys)
        if cut is not None:
            return cut
    if " | " in title:
        head = title.rsplit(" | ", 1)[0].strip()
        if len(head) >= 10:
            return head
    return title


def _cut_known(title: str, keys: set[str]) -> str | None:
    parts, seps = _segments(title)
    start, end = 0, len(parts)
    # a suffix: the earliest separator after which the rest, or its first part, is the site
    for i in range(1, len(parts)):
        if key("".join(parts[i:])) in keys or (
            key(parts[i]) in keys and all(_is_section(p) for p in parts[i + 1 :])
        ):
            end = i
            break
    if end == len(parts) - 1:
        # the site last: section names with the same separator before it go too
        while end > 1 and seps[end - 1] == seps[end - 2] and _is_section(parts[end - 1]):
            end -= 1
    # a prefix: "Site | Headline", "Site - Headline"
    while start < end - 1 and key(parts[start]) in keys:
        start += 1
    if (start, end) != (0, len(parts)):
        head = _rejoin(title, parts, seps, start, end)
        return head if len(key(head)) >= _MIN_HEAD_KEY else None
    match = _PREFIX_COLON_RE.match(title)
    if match and key(match.group(1)) in keys and len(key(match.group(2))) >= _MIN_HEAD_KEY:
        return match.group(2).strip()
    return None


def _rejoin(title: str, parts: list[str], seps: list[str], start: int, end: int) -> str:
    out = parts[start]
    for i in range(start + 1, end):
        out += f" {seps[i - 1]} {parts[i]}"
    return out.strip()


def site_from_title(title: str, headline: str) -> tuple[str | None, str | None]:
    """The site part of a ``title`` made of ``headline`` and separated parts around it:
    ``(after, before)``, the last part after the headline ("Headline | Section | Site") and
    the first part before it ("Site - Headline"), each None when absent or too long to be a
    name. The part after is the likelier site name; the one before may be a section
    ("Opinion | Headline")."""
    head_key = key(headline)
    parts, _ = _segments(title)
    if not head_key or len(parts) < 2:
        return None, None
    for i in range(len(parts)):
        for j in range(i + 1, len(parts) + 1):
            if (i, j) != (0, len(parts)) and key("".join(parts[i:j])) == head_key:
                after = _name_like(parts[-1]) if j < len(parts) else None
                before = _name_like(parts[0]) if i > 0 else None
                return after, before
    return None, None


def _name_like(value: str) -> str | None:
    value = value.strip()
    if (
        not value
        or len(value) > _MAX_NAME_CHARS
        or len(value.split()) > _MAX_NAME_WORDS
        or _SENTENCE_RE.search(value)
    ):
        return None
    return value


def is_title_part(name: str, title: str) -> bool:
    """Whether ``name`` is one of the separated parts of ``title``."""
    parts, _ = _segments(title)
    return len(parts) > 1 and key(name) in {key(p) for p in parts}


def is_name_like(value: str) -> bool:
    """Whether a declared site name is a name: not a URL, host[:port] or ``@handle``."""
    value = value.strip()
    return bool(
        value
        and not value.startswith("@")
        and not _URLISH_RE.match(value)
        and not _HOST_PORT_RE.match(value)
    )


def primary_name(value: str) -> str:
    """A declared site name without its tagline: ``"LinkNaija | Nigeria's news platform"``
    gives ``"LinkNaija"``."""
    parts, _ = _segments(value.strip())
    return parts[0].strip() or value.strip()


def looks_like_host(value: str) -> bool:
    """Whether ``value`` is a host name (with or without a port), not a display name."""
    return bool(_HOSTISH_RE.match(value.strip()))


@lru_cache(maxsize=1)
def _extractor() -> object:
    import tldextract

    # the public suffix list snapshot shipped with the package: never fetched
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def domain_name(url: str) -> str | None:
    """The registrable domain of ``url`` ("bbc.co.uk" for ``https://www.bbc.co.uk:8080/``),
    never a port; the bare host for IP addresses and single-label hosts."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return None
    parts = _extractor()(host)  # type: ignore[operator]
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


# a home page's <title> part that is no name: "Home - Site", "Startseite | Site"
_HOME_WORDS = frozenset(
    {"home", "homepage", "home page", "start", "startseite", "accueil", "inicio", "portada"}
)


def home_site_name(
    og_site_name: str | None, application_name: str | None, title: str | None
) -> str | None:
    """A site's name as its home page gives it: og:site_name, application-name, else the
    <title> without its tagline ("Harbour Ledger – Local news" gives "Harbour Ledger",
    "Home | Harbour Ledger" gives "Harbour Ledger"); None when none is a name."""
    for declared in (og_site_name, application_name):
        if declared and is_name_like(declared) and not looks_like_host(declared):
            return primary_name(declared)
    if not title or not title.strip():
        return None
    parts, _ = _segments(title.strip())
    names = [p.strip() for p in parts if p.strip() and key(p) not in {key(w) for w in _HOME_WORDS}]
    for part in names:
        name = _name_like(part)
        if name and is_name_like(name) and not looks_like_host(name):
            return name
    return None
