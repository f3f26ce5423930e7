"""``search``: full-text search over the articles (SQLite FTS5), best matches first.

The query uses FTS5 syntax: words (all must match), ``"a phrase"``, ``AND``/``OR``/
``NOT``, ``prefix*``, parentheses, ``title:word``. Ranking is bm25 with the title
weighing more than the text; each hit carries a snippet of the text with the matched
terms between :data:`MARK_START` and :data:`MARK_END`.

Everyday queries FTS5 refuses are read leniently, and the result says how
(:attr:`SearchResult.note`): a query starting with ``NOT`` lists every article that does
not match the rest (``NOT kabul``); otherwise words holding punctuation are searched as
written (``O'Brien``, ``covid-19``, ``100%``: each a quoted phrase, the operators kept),
else the words alone.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from archive.index.sqlite import CURRENT_ARTICLE

MARK_START = "\x02"
MARK_END = "\x03"
TITLE_WEIGHT = 5.0
SNIPPET_TOKENS = 24


OPERATORS = frozenset({"AND", "OR", "NOT"})
_CHUNK = re.compile(r'"[^"]*"|[^\s"]+')  # a quoted phrase, or a run of other characters
_BAREWORD = re.compile(r"\w+\*?")  # what FTS5 takes unquoted: a word, a prefix


class QuerySyntaxError(ValueError):
    """The query cannot be searched: empty, or not a single word in it."""


class _NotFts5(Exception):
    """FTS5 refused the query."""


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


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    note: str | None = None  # how a query FTS5 refused was read instead


def search_articles(
    db: sqlite3.Connection, query: str, filters: SearchFilters | None = None
) -> SearchResult:
    """The best *filters.limit* articles matching *query*: FTS5 syntax, or, when FTS5
    refuses it, the query read leniently (see the module's docstring), with a note.
    Raises :class:`QuerySyntaxError` for a query without a word."""
    filters = filters or SearchFilters()
    if not query.strip():
        raise QuerySyntaxError("empty search query")
    db.create_function("site_matches", 2, _site_matches, deterministic=True)
    try:
        return SearchResult(_matching(db, query, filters))
    except _NotFts5:
        pass
    words = query.split()
    if words[0] == "NOT" and len(words) > 1:
        rest = query.strip()[len("NOT") :].strip()
        hits, used = _lenient(db, rest, filters, exclude=True, typed=query)
        return SearchResult(
            hits, f"every article that does not match {used} (FTS5's NOT needs words before it)"
        )
    hits, used = _lenient(db, query, filters, exclude=False, typed=query)
    return SearchResult(hits, f"searched as plain words: {used} (not FTS5 query syntax as typed)")


def _lenient(
    db: sqlite3.Connection, query: str, filters: SearchFilters, exclude: bool, typed: str
) -> tuple[list[SearchHit], str]:
    """The hits of the first reading of *query* FTS5 takes (the query itself when
    *exclude*, then :func:`as_written`, then :func:`plain_words`), and that reading."""
    readings = [query] if exclude else []
    readings += [as_written(query), plain_words(query)]
    for reading in dict.fromkeys(r for r in readings if r):
        try:
            if exclude:
                return _excluding(db, reading, filters), reading
            return _matching(db, reading, filters), reading
        except _NotFts5:
            continue
    raise QuerySyntaxError(f"malformed search query {typed!r}: it holds no word to search for")


def _quoted(chunk: str) -> str:
    return chunk if chunk.startswith('"') else f'"{chunk}"'


def _has_word(chunk: str) -> bool:
    return any(c.isalnum() for c in chunk)


def as_written(query: str) -> str:
    """*query* with every term FTS5 cannot take bare (``O'Brien``, ``covid-19``) quoted
    as a phrase, the operators and plain words kept; a term without a letter or digit
    (a lone quote, ``%``) dropped."""
    out = []
    for chunk in _CHUNK.findall(query):
        if chunk in OPERATORS or (_BAREWORD.fullmatch(chunk) and _has_word(chunk)):
            out.append(chunk)
        elif _has_word(chunk):
            out.append(_quoted(chunk))
    return " ".join(out)


def plain_words(query: str) -> str:
    """Every term of *query* that holds a letter or digit, quoted, operators dropped:
    all must match."""
    return " ".join(
        _quoted(c) for c in _CHUNK.findall(query) if c not in OPERATORS and _has_word(c)
    )


def _conditions(match: str, query: str, filters: SearchFilters) -> tuple[list[str], list[Any]]:
    """The WHERE conditions (and parameters) of a search: *match* (on *query*), the
    latest version of each article, *filters*."""
    where = [match, CURRENT_ARTICLE]
    params: list[Any] = [query]
    clauses, values = filter_clauses(filters)
    where += clauses
    params += values
    if filters.site:
        where.append("site_matches(a.url, ?)")
        params.append(filters.site)
    return where, params


def _matching(db: sqlite3.Connection, query: str, filters: SearchFilters) -> list[SearchHit]:
    """The best articles matching the FTS5 *query*; raises :class:`_NotFts5`."""
    where, params = _conditions("articles_fts MATCH ?", query, filters)
    sql = (
        "SELECT a.*, bm25(articles_fts, ?, 1.0) AS score, "
        f"snippet(articles_fts, 1, '{MARK_START}', '{MARK_END}', '…', {SNIPPET_TOKENS}) AS snip "
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY score, a.id LIMIT ?"
    )
    return _hits(_rows(db, sql, [TITLE_WEIGHT, *params, filters.limit]))


def _excluding(db: sqlite3.Connection, query: str, filters: SearchFilters) -> list[SearchHit]:
    """The articles *not* matching the FTS5 *query*, newest first (no rank: score 0),
    each with the start of its text for a snippet; raises :class:`_NotFts5`."""
    where, params = _conditions(
        "a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)", query, filters
    )
    sql = (
        f"SELECT a.*, 0.0 AS score, substr(a.text, 1, {SNIPPET_TOKENS * 20}) AS snip "
        f"FROM articles a WHERE {' AND '.join(where)} "
        "ORDER BY coalesce(a.published, a.fetched_at) DESC, a.id DESC LIMIT ?"
    )
    hits = _hits(_rows(db, sql, [*params, filters.limit]))
    return [replace(h, snippet=_opening(h.snippet)) for h in hits]


def _opening(text: str) -> str:
    words = text.split()
    return " ".join(words[:SNIPPET_TOKENS]) + ("…" if len(words) > SNIPPET_TOKENS else "")


def _rows(db: sqlite3.Connection, sql: str, params: list[Any]) -> list[sqlite3.Row]:
    try:
        return list(db.execute(sql, params).fetchall())
    except sqlite3.OperationalError as exc:
        if _is_query_error(exc):
            raise _NotFts5(str(exc)) from None
        raise


def _hits(rows: list[sqlite3.Row]) -> list[SearchHit]:
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
