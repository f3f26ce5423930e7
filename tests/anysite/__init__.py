"""Fixture news sites of several structures, built from scrubbed real page markup.

`build_site(kind)` returns an AnySite; serve it with tests.fixture_site.server.FixtureServer
(127.0.0.1 only). Each site knows its ground truth: `articles(base_url)` (canonical URL ->
TrueArticle, with the other URLs serving the same article in `aliases`) and
`non_articles(base_url)` (pages that exist and are not articles); `disallowed` holds the
robots.txt Disallow prefixes, each linked from some page as a trap.
Templates: templates/*.html, made by scrub.py from real pages (see README.md there).
"""

from __future__ import annotations

from collections.abc import Callable

from .base import AnySite, Story, TrueArticle, make_stories
from .blogs import querycms, wordpress
from .newsrooms import amp, newssitemap
from .pages import template_names
from .plain import listings, longpages

KINDS = ("wordpress", "querycms", "amp", "newssitemap", "listings", "longpages")
SITE_NAMES = {
    "wordpress": "Harbour Ledger",
    "querycms": "Valley Courier",
    "amp": "Coastline Daily",
    "newssitemap": "Northern Wire",
    "listings": "Riverside Gazette",
    "longpages": "Meadow Herald",
}
_BUILDERS: dict[str, Callable[[str, list[Story], int], AnySite]] = {
    "wordpress": wordpress,
    "querycms": querycms,
    "amp": amp,
    "newssitemap": newssitemap,
    "listings": listings,
    "longpages": longpages,
}


def build_site(kind: str, n_articles: int = 24, seed: int = 0) -> AnySite:
    if kind not in _BUILDERS:
        raise ValueError(f"kind must be one of {KINDS}: {kind!r}")
    stories = make_stories(n_articles, seed * 31 + KINDS.index(kind), template_names())
    return _BUILDERS[kind](SITE_NAMES[kind], stories, seed)


__all__ = ["KINDS", "AnySite", "TrueArticle", "build_site"]
