"""The entries of a news feed, read without Scrapy: RSS 2.0 (and 0.9x), RSS 1.0 (RDF),
Atom and JSON Feed 1.x. A pure function of the body: what each entry links to, its
title and its publication date as the feed writes them.

The XML parser resolves no entity and fetches nothing, and recovers what it can of a
damaged feed (a feed cut short gives the entries before the cut)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from archive.discover.xmlread import local_name, one_line, safe_parser, without_bom


class FeedError(ValueError):
    """A body that is no feed."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None = None
    published: str | None = None


def _text(element: Any) -> str | None:
    """The text of *element* and its descendants, white space collapsed, or None (the
    text of an unresolved entity reference is not taken)."""
    if element is None:
        return None
    parts: list[str] = []
    for node in element.iter():
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return " ".join("".join(parts).split()) or None


def _http(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else None


def _children(element: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for child in element:
        found.setdefault(local_name(child.tag), []).append(child)
    return found


def _first_text(children: dict[str, list[Any]], *names: str) -> str | None:
    for name in names:
        for child in children.get(name, ()):
            text = _text(child)
            if text:
                return text
    return None


def _absolute(element: Any, href: str) -> str:
    """*href* resolved against the ``xml:base`` in force at *element*, if any."""
    base = element.base
    if base and "://" not in href[:12]:
        return urljoin(str(base), href)
    return href


def _atom_link(element: Any, links: list[Any]) -> str | None:
    """The page an Atom link list points to: ``rel=alternate`` (no rel means that) of
    type text/html first, then any alternate."""
    best: str | None = None
    for link in links:
        href = (link.get("href") or "").strip()
        rel = (link.get("rel") or "alternate").strip().lower()
        if not href or rel != "alternate":
            continue
        kind = (link.get("type") or "").strip().lower()
        if kind in ("text/html", "application/xhtml+xml"):
            return _absolute(link, href)
        if best is None:
            best = _absolute(link, href)
    return best


def _rss_item(item: Any) -> FeedEntry | None:
    children = _children(item)
    url = None
    for link in children.get("origlink", ()):  # FeedBurner's original, not its redirect
        url = _http(_text(link))
        if url:
            break
    if url is None:
        # <link> of RSS (text) first, then an atom:link inside the item (an href)
        for link in children.get("link", ()):
            if link.get("href") is None and _text(link):
                url = _absolute(link, _text(link) or "")
                break
    if url is None:
        atom = [link for link in children.get("link", ()) if link.get("href") is not None]
        url = _atom_link(item, atom)
    if url is None:
        for guid in children.get("guid", ()):
            if (guid.get("isPermaLink") or "").strip().lower() != "false":
                url = _http(_text(guid))
                if url:
                    break
    if url is None:
        url = _http(item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"))
    if not url:
        return None
    published = _first_text(children, "pubdate", "date", "published", "issued", "updated")
    return FeedEntry(url, _first_text(children, "title"), published)


def _atom_entry(entry: Any) -> FeedEntry | None:
    children = _children(entry)
    url = _atom_link(entry, children.get("link", []))
    if url is None:  # an entry with no alternate link: its id, when it is a URL
        url = _http(_first_text(children, "id"))
    if not url:
        return None
    published = _first_text(children, "published", "issued", "updated", "modified")
    return FeedEntry(url, _first_text(children, "title"), published)


def _read_xml(body: bytes) -> list[FeedEntry | None]:
    parser = safe_parser()
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FeedError(f"not XML: {one_line(exc)}") from None
    if root is None:
        raise FeedError("not XML: nothing could be read")
    kind = local_name(root.tag)
    if kind == "feed":
        return [_atom_entry(e) for e in root if local_name(e.tag) == "entry"]
    if kind == "rss":  # the items of the channel (or, in a loose feed, of the root)
        items = [i for c in root for i in c if local_name(i.tag) == "item"]
        return [_rss_item(i) for i in items or root if local_name(i.tag) == "item"]
    if kind == "rdf":  # RSS 1.0: the items are siblings of the channel
        return [_rss_item(i) for i in root if local_name(i.tag) == "item"]
    raise FeedError(f"not a feed: the root element is <{kind or root.tag}>")


def _read_json(body: bytes) -> list[FeedEntry | None]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"not JSON: {one_line(exc)}") from None
    items = data.get("items") if isinstance(data, dict) else None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(items, list) or not (
        isinstance(version, str) and "jsonfeed.org/version/" in version
    ):
        raise FeedError("not a JSON Feed: no version and items")
    found: list[FeedEntry | None] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        url = item.get("url")
        url = _http(url if isinstance(url, str) else None)
        if url is None:
            ident = item.get("id")
            url = _http(ident if isinstance(ident, str) else None)
        if url is None:
            continue
        title = item.get("title")
        published = item.get("date_published")
        found.append(
            FeedEntry(
                url,
                title.strip() or None if isinstance(title, str) else None,
                published.strip() or None if isinstance(published, str) else None,
            )
        )
    return found


def read_feed(body: bytes) -> tuple[FeedEntry, ...]:
    """The entries of an RSS 2.0, RSS 1.0 (RDF), Atom or JSON Feed body, in feed order,
    each URL once. An RSS item's URL is its ``<link>`` (FeedBurner's ``origLink`` before
    it), else an ``atom:link``, else its ``<guid>`` when that is an http(s) URL not
    marked ``isPermaLink="false"``; an Atom entry's is its ``rel=alternate`` link (no
    rel is alternate; text/html first). FeedError when the body is no feed; a feed
    without entries gives ``()``."""
    body = without_bom(body)
    if not body:
        raise FeedError("empty body")
    if body[:1] == b"<":
        found = _read_xml(body)
    elif body[:1] == b"{":
        found = _read_json(body)
    else:
        raise FeedError(f"not a feed: starts with {body[:20]!r}")
    entries: dict[str, FeedEntry] = {}
    for entry in found:
        if entry is not None and entry.url not in entries:
            entries[entry.url] = entry
    return tuple(entries.values())
