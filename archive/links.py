"""The links of an HTML page, read from its lxml tree: where it leads (``<a>``), its
feeds, and what it embeds (stylesheets, scripts, images). Shared by the crawler, which
reads them in-process for listing pages, and by the extraction workers, which read
them from the tree they parse anyway (an article page is then parsed once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")

LINK_XPATH = "//a/@href | //area/@href"
FEED_XPATH = "//link[@rel='alternate'][{}]/@href".format(
    " or ".join(f"starts-with(@type, '{kind}')" for kind in FEED_TYPES)
)
# what a page needs to be replayed as it looked
ASSET_XPATH = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' stylesheet ')]/@href"
    " | //link[contains(@rel, 'icon')]/@href | //script/@src | //img/@src"
    " | //video/@poster | //source/@src | //input[@type='image']/@src"
)


@dataclass(frozen=True)
class PageLinks:
    links: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()


def _strings(tree: Any, xpath: str) -> tuple[str, ...]:
    # plain str: lxml's "smart strings" keep their whole tree alive (and pickle it)
    return tuple(dict.fromkeys(str(v).strip() for v in tree.xpath(xpath) if str(v).strip()))


def page_links(tree: Any) -> PageLinks:
    """The links of an lxml HTML tree (document order, duplicates dropped)."""
    return PageLinks(
        _strings(tree, LINK_XPATH), _strings(tree, FEED_XPATH), _strings(tree, ASSET_XPATH)
    )
