"""A fixture news site (imitating ansarpress.com's /english/<id> articles) for crawl tests.

Typical use: `with FixtureServer(NewsSite(default_articles())) as server:` then crawl
`server.base_url + "/english"` and inspect `server.paths()` (still readable after stop()).
"""

from __future__ import annotations

from .server import FixtureServer, RequestLogEntry
from .site import FixtureArticle, NewsSite, Response, default_articles, slugify

__all__ = [
    "FixtureArticle",
    "FixtureServer",
    "NewsSite",
    "RequestLogEntry",
    "Response",
    "default_articles",
    "slugify",
]
