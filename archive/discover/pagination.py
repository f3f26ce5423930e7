"""Whether a link of a listing page leads to a following page of that listing, told by
the form of the two URLs alone: ``/page/N/``, ``?page=N``, ``?paged=N``, ``?p=N``,
``?pg=N``, ``?offset=N``, ``?start=N`` or ``/N`` after the listing's path, with the rest
of the URL the same. For a spider that follows a listing's pages (and counts how deep)
on a site it knows nothing of."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

_PAGE_PATH = re.compile(r"^(.*?)/page/(\d{1,6})/?$", re.IGNORECASE)
_NUMBER_PATH = re.compile(r"^(.*?)/(\d{1,3})/?$")
# the query keys of a page number, with the number a listing's first page has without
# it (0: a zero-based key, as Drupal's page, or an offset)
_PAGE_KEYS = {"page": 0, "paged": 1, "pg": 0, "p": 0, "offset": 0, "start": 0}
_NUMBER_KEYS = ("page", "paged", "pg", "p")  # page numbers, not offsets
_ID_KEYS = frozenset({"id", "article", "story", "aid", "nid", "sid", "cid", "newsid"})
_MAX_BARE = 999  # the largest N of a bare /N page (larger is an id)


def _is_id_key(key: str) -> bool:
    return key in _ID_KEYS or key.endswith("id")


def _parts(url: str) -> tuple[str, str, list[tuple[str, str]]] | None:
    """(host, path without its trailing slash, query pairs with keys lowercased)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if port is not None:
        host = f"{host}:{port}"
    pairs = [(k.lower(), v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return host, parts.path.rstrip("/"), pairs


def _without(pairs: list[tuple[str, str]], key: str) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in pairs if k != key)


def _value(pairs: list[tuple[str, str]], key: str) -> str | None:
    for k, v in pairs:
        if k == key:
            return v.strip()
    return None


def _p_is_page(pairs: list[tuple[str, str]]) -> bool:
    """Whether ``p`` numbers pages here: not when another key names an item (``p`` is
    then likely a post id, as WordPress's ``?p=``)."""
    return not any(_is_id_key(k) for k, _ in pairs if k != "p")


def page_number(url: str) -> int | None:
    """The page number *url* names: ``/page/N``, ``?page=N``, ``?paged=N``, ``?pg=N``,
    or ``?p=N`` when no other key names an item; None otherwise (offsets and a bare
    ``/N`` are not read: they are no page number, or no certain one)."""
    parts = _parts(url)
    if parts is None:
        return None
    _, path, pairs = parts
    match = _PAGE_PATH.match(path)
    if match:
        return int(match.group(2))
    for key in _NUMBER_KEYS:
        value = _value(pairs, key)
        if value is not None and value.isdigit() and (key != "p" or _p_is_page(pairs)):
            return int(value)
    return None


def is_next_page(page_url: str, link_url: str) -> bool:
    """Whether *link_url* is a following page of the listing *page_url* (a page number
    or offset larger than the page's own), by URL form: ``/page/N`` appended to or
    replacing one in the path; ``?page=N``, ``?paged=N``, ``?pg=N``, ``?offset=N``,
    ``?start=N``, ``?p=N`` (when no other key names an item); ``/N`` (N up to 999)
    after a listing path whose last segment is not a number. Host, the rest of the path
    and the other query keys must be the same (scheme, fragment, trailing slash and
    query order aside)."""
    page = _parts(page_url)
    link = _parts(link_url)
    if page is None or link is None or page[0] != link[0]:
        return False
    _, page_path, page_pairs = page
    _, link_path, link_pairs = link

    # /page/N
    link_match = _PAGE_PATH.match(link_path)
    if link_match:
        page_match = _PAGE_PATH.match(page_path)
        base = page_match.group(1) if page_match else page_path
        current = int(page_match.group(2)) if page_match else 1
        return (
            link_match.group(1) == base
            and int(link_match.group(2)) > current
            and sorted(page_pairs) == sorted(link_pairs)
        )

    # ?page=N and the like
    for key, first in _PAGE_KEYS.items():
        value = _value(link_pairs, key)
        if value is None or not value.isdigit():
            continue
        if key == "p" and not _p_is_page(page_pairs):
            continue
        if link_path != page_path or _without(link_pairs, key) != _without(page_pairs, key):
            continue
        own = _value(page_pairs, key)
        if own is not None and not own.isdigit():
            continue
        return int(value) > (int(own) if own is not None else first)

    # /N after a listing path
    link_match = _NUMBER_PATH.match(link_path)
    if link_match is None or sorted(page_pairs) != sorted(link_pairs):
        return False
    base = link_match.group(1)
    number = int(link_match.group(2))
    if not base or base.rpartition("/")[2].isdigit() or not 2 <= number <= _MAX_BARE:
        return False
    page_match = _NUMBER_PATH.match(page_path)
    if page_match and page_match.group(1) == base:
        return number > int(page_match.group(2))
    return page_path == base
