"""``search``: full-text search over the articles (SQLite FTS5), best matches first.

The query uses FTS5 syntax: words (all must match), ``"a phrase"``, ``AND``/``OR``/
``NOT``, ``prefix*``, parentheses, ``title:word``. Ranking is bm25 with the title
weighing more than the text; each hit carries a snippet of the text with the matched
terms between :data:`MARK_START` and :data:`MARK_END`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from archive.index import CURRENT_ARTICLE

MARK_START = "\x02"
MARK_END = "\x03"
TITLE_WEIGHT = 5.0
SNIPPET_TOKENS = 24


class QuerySyntaxError(ValueError):
    """The FTS5 query does not parse."""


@dataclass(frozen=True)
class SearchFilters:
    since: date | None = None  # published on or after (the date as published)
    until: date | None = None  # published on or before
    tags: tuple[str, ...] = ()  # every one must be a tag (case-insensitive)
    site: str | None = None  # host of the URL, or a domain it is under
    limit: int = 20


@dataclass(frozen=True)
class SearchHit:
    rank: int
    score: float
    snippet: str  # with MARK_START/MARK_END around matches
    article: dict[str, Any]  # the articles row without its text

    def snippet_with(self, start: str, end: str) -> str:
        return self.snippet.replace(MARK_START, start).replace(MARK_END, end)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rank": self.rank, "score": round(self.score, 6)}
        for key in (
            "url",
            "title",
            "author",
            "published",
            "sitename",
            "language",
            "tags",
            "categories",
            "fetched_at",
            "warc_record_id",
        ):
            out[key] = self.article.get(key)
        out["snippet"] = self.snippet_with("**", "**")
        return out


def _site_matches(url: str | None, site: str) -> int:
    """1 when the URL's host is *site* or under it (``example.com`` matches
    ``www.example.com``); a *site* with a port must match host and port."""
    site = site.lower().strip().rstrip(".")
    try:
        parts = urlsplit(url or "")
        netloc = parts.netloc.lower().rpartition("@")[2]
        host = (parts.hostname or "").lower()
    except ValueError:
        return 0
    for candidate in (host, netloc):
        if candidate == site or candidate.endswith("." + site):
            return 1
    return 0


def filter_clauses(filters: SearchFilters) -> tuple[list[str], list[Any]]:
    """SQL conditions on the articles table (alias ``a``), and their parameters, for the
    date range and tags of *filters* (the site filter needs a function: see below)."""
    where: list[str] = []
    params: list[Any] = []
    if filters.since is not None:
        where.append("substr(a.published, 1, 10) >= ?")
        params.append(filters.since.isoformat())
    if filters.until is not None:
        where.append("substr(a.published, 1, 10) <= ?")
        params.append(filters.until.isoformat())
    for tag in filters.tags:
        where.append("EXISTS (SELECT 1 FROM json_each(a.tags) t WHERE lower(t.value) = lower(?))")
        params.append(tag)
    return where, params


def search_articles(
    db: sqlite3.Connection, query: str, filters: SearchFilters | None = None
) -> list[SearchHit]:
    """The best *filters.limit* articles matching the FTS5 *query*."""
    filters = filters or SearchFilters()
    if not query.strip():
        raise QuerySyntaxError("empty search query")
    db.create_function("site_matches", 2, _site_matches, deterministic=True)
    where = ["articles_fts MATCH ?", CURRENT_ARTICLE]
    params: list[Any] = [query]
    clauses, values = filter_clauses(filters)
    where += clauses
    params += values
    if filters.site:
        where.append("site_matches(a.url, ?)")
        params.append(filters.site)
    sql = (
        "SELECT a.*, bm25(articles_fts, ?, 1.0) AS score, "
        f"snippet(articles_fts, 1, '{MARK_START}', '{MARK_END}', '…', {SNIPPET_TOKENS}) AS snip "
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY score, a.id LIMIT ?"
    )
    try:
        rows = db.execute(sql, [TITLE_WEIGHT, *params, filters.limit]).fetchall()
    except sqlite3.OperationalError as exc:
        if _is_query_error(exc):
            raise QuerySyntaxError(
                f'malformed search query {query!r}: {exc} (FTS5 syntax: words, "a phrase", '
                "AND/OR/NOT, prefix*; put words holding punctuation in double quotes)"
            ) from None
        raise
    hits = []
    for rank, row in enumerate(rows, 1):
        article = {k: row[k] for k in row.keys() if k not in ("id", "text", "score", "snip")}  # noqa: SIM118
        article["tags"] = json.loads(article.get("tags") or "[]")
        article["categories"] = json.loads(article.get("categories") or "[]")
        hits.append(SearchHit(rank, float(row["score"]), row["snip"] or "", article))
    return hits


def _is_query_error(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return any(
        part in message
        for part in ("fts5", "syntax error", "no such column", "unterminated", "unknown special")
    )
