"""The links of an HTML page, read from its lxml tree: where it leads (``<a>``), its
feeds, and what it embeds (stylesheets, scripts, images). Shared by the crawler, which
reads them in-process for listing pages, and by the extraction workers, which read
them from the tree they parse anyway (an article page is then parsed once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")

# the elements that hold a link; one walk over them costs a third of three XPath queries
_TAGS = ("a", "area", "link", "script", "img", "video", "source", "input")


@dataclass(frozen=True)
class PageLinks:
    links: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()


def _add(found: dict[str, None], value: str | None) -> None:
    if value:
        # plain str: lxml's "smart strings" keep their whole tree alive (and pickle it)
        value = str(value).strip()
        if value:
            found[value] = None


def _link_kind(element: Any) -> str | None:
    """What a ``<link>`` is to the crawler: "feed", "asset" (what a page needs to be
    replayed as it looked: stylesheets, icons) or None."""
    rel = (element.get("rel") or "").lower().split()
    if "alternate" in rel and (element.get("type") or "").strip().lower().startswith(FEED_TYPES):
        return "feed"
    if "stylesheet" in rel or any("icon" in token for token in rel):
        return "asset"
    return None


def page_links(tree: Any) -> PageLinks:
    """The links of an lxml HTML tree (document order, duplicates dropped): ``<a>`` and
    ``<area>`` targets, RSS/Atom/JSON feeds, and the stylesheets, icons, scripts,
    images, posters and sources a page embeds."""
    links: dict[str, None] = {}
    feeds: dict[str, None] = {}
    assets: dict[str, None] = {}
    for element in tree.iter(_TAGS):
        tag = element.tag
        if tag in ("a", "area"):
            _add(links, element.get("href"))
        elif tag == "link":
            kind = _link_kind(element)
            if kind is not None:
                _add(feeds if kind == "feed" else assets, element.get("href"))
        elif tag == "video":
            _add(assets, element.get("poster"))
        elif tag != "input" or (element.get("type") or "").lower() == "image":
            _add(assets, element.get("src"))
    return PageLinks(tuple(links), tuple(feeds), tuple(assets))
