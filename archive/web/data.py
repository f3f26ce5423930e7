"""What the web pages show, read from the index (read-only): latest articles, one
article, tags, filtered lists, the captures of a URL."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from archive.index.cdxj import replayed
from archive.index.search import SearchFilters, filter_clauses, search_articles

SQLITE_MAX_INT = 2**63 - 1


@dataclass(frozen=True)
class Listed:
    """An article in a list: its row id (for the reader view) and its fields."""

    id: int
    article: dict[str, Any]
    snippet: str = ""  # with search.MARK_START/MARK_END around matches


def _article(row: sqlite3.Row) -> dict[str, Any]:
    out = {k: row[k] for k in row.keys() if k != "text"}  # noqa: SIM118
    out["tags"] = _json_list(out.get("tags"))
    out["categories"] = _json_list(out.get("categories"))
    return out


def _json_list(value: Any) -> list[str]:
    try:
        data = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return [str(v) for v in data] if isinstance(data, list) else []


_LIST_COLUMNS = (
    "a.id, a.url, a.title, a.author, a.published, a.tags, a.categories, a.sitename, "
    "a.fetched_at, a.warc_record_id, a.conversion_record_id"
)


def latest_articles(db: sqlite3.Connection, limit: int = 10) -> list[Listed]:
    """The newest articles (by publication date, else fetch date), the latest version
    of each URL."""
    rows = db.execute(
        f"SELECT {_LIST_COLUMNS} FROM articles a "
        "WHERE a.id IN (SELECT max(id) FROM articles GROUP BY url) "
        "ORDER BY coalesce(a.published, a.fetched_at) DESC, a.id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [Listed(int(r["id"]), _article(r)) for r in rows]


def filtered_articles(db: sqlite3.Connection, filters: SearchFilters) -> list[Listed]:
    """Articles matching the filters alone (no query: FTS5 has no "match everything"),
    newest first."""
    clauses, params = filter_clauses(filters)
    where = ["1", *clauses]
    rows = db.execute(
        f"SELECT {_LIST_COLUMNS} FROM articles a WHERE {' AND '.join(where)} "
        "ORDER BY coalesce(a.published, a.fetched_at) DESC, a.id DESC LIMIT ?",
        (*params, filters.limit),
    ).fetchall()
    return [Listed(int(r["id"]), _article(r)) for r in rows]


def search(
    db: sqlite3.Connection, query: str, filters: SearchFilters
) -> tuple[list[Listed], str | None]:
    """Full-text search (:func:`archive.index.search.search_articles`), each hit with the row
    id of its article, and the note saying how a query FTS5 refused was read. Raises
    :class:`archive.index.search.QuerySyntaxError`."""
    found = search_articles(db, query, filters)
    ids = _ids_of(db, [h.article["conversion_record_id"] for h in found.hits])
    listed = [
        Listed(ids[h.article["conversion_record_id"]], h.article, h.snippet)
        for h in found.hits
        if h.article.get("conversion_record_id") in ids
    ]
    return listed, found.note


def _ids_of(db: sqlite3.Connection, conversion_ids: list[str]) -> dict[str, int]:
    if not conversion_ids:
        return {}
    marks = ", ".join("?" for _ in conversion_ids)
    rows = db.execute(
        f"SELECT conversion_record_id, id FROM articles WHERE conversion_record_id IN ({marks})",
        conversion_ids,
    )
    return {str(cid): int(aid) for cid, aid in rows}


def article(db: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """One article with its text, and ``capture``: the capture it was extracted from
    (``None`` if that is not indexed)."""
    if not 0 < article_id <= SQLITE_MAX_INT:
        return None
    row = db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return None
    out = _article(row)
    out["text"] = row["text"] or ""
    capture = db.execute(
        "SELECT timestamp, status, record_type FROM captures WHERE record_id = ?",
        (row["warc_record_id"],),
    ).fetchone()
    out["capture"] = dict(capture) if capture is not None else None
    shot = screenshot_of(db, row["url"], capture["timestamp"] if capture is not None else "")
    out["screenshot"] = shot["record_id"] if shot is not None else None
    out["versions"] = [
        dict(r)
        for r in db.execute(
            "SELECT id, fetched_at FROM articles WHERE url = ? ORDER BY fetched_at, id",
            (row["url"],),
        )
    ]
    return out


SCREENSHOT_PREFIX = "urn:screenshot:"  # a page rendered in the browser (docs/browser.md)


def screenshot_of(db: sqlite3.Connection, url: str, timestamp: str) -> dict[str, Any] | None:
    """The screenshot of the page *url* taken nearest its capture at *timestamp* (a
    ``resource`` record, ``urn:screenshot:URL``), or None: the page was not rendered."""
    row = db.execute(
        "SELECT record_id, warc_filename, warc_offset, warc_length, timestamp FROM captures "
        "WHERE url = ? AND record_type = 'resource' "
        "ORDER BY abs(CAST(timestamp AS INTEGER) - CAST(? AS INTEGER)), id DESC LIMIT 1",
        (SCREENSHOT_PREFIX + url, timestamp or "0"),
    ).fetchone()
    return dict(row) if row is not None else None


def previous_version(db: sqlite3.Connection, found: dict[str, Any]) -> dict[str, Any] | None:
    """The version of *found* (an :func:`article`) that came before it, with its text."""
    ids = [v["id"] for v in found["versions"]]
    at = ids.index(found["id"]) if found["id"] in ids else 0
    return article(db, ids[at - 1]) if at > 0 else None


def tags(db: sqlite3.Connection, limit: int = 200) -> list[tuple[str, int]]:
    """The most used tags, with how many articles carry each."""
    rows = db.execute(
        "SELECT min(t.value) AS tag, count(*) AS n FROM articles a, json_each(a.tags) t "
        "WHERE json_valid(a.tags) AND t.type = 'text' "
        "GROUP BY lower(t.value) ORDER BY n DESC, tag LIMIT ?",
        (limit,),
    )
    return [(str(tag), int(n)) for tag, n in rows]


# a capture's row in the history and the view: ``replayed`` is 0 for a capture cut by a
# limit that pywb does not see (archive/index/cdxj.py), ``article_id`` the article extracted
# from it, if any
_CAPTURE_COLUMNS = (
    "c.timestamp, c.warc_date, c.status, c.record_type, c.mime, c.truncated, "
    f"{replayed('c')} AS replayed, "
    "(SELECT max(a.id) FROM articles a WHERE a.warc_record_id = c.record_id) AS article_id"
)


def captures_of(db: sqlite3.Connection, url: str) -> list[dict[str, Any]]:
    """Every capture of *url*, oldest first, each with ``article_id`` (or ``None``)."""
    rows = db.execute(
        f"SELECT {_CAPTURE_COLUMNS} FROM captures c WHERE c.url = ? "
        "ORDER BY c.timestamp, c.warc_date, c.id",
        (url,),
    )
    return [dict(r) for r in rows]


def capture_at(db: sqlite3.Connection, url: str, timestamp: str) -> dict[str, Any] | None:
    """The latest capture of *url* whose timestamp starts with *timestamp*, among those
    pywb replays."""
    row = db.execute(
        f"SELECT {_CAPTURE_COLUMNS} FROM captures c "
        f"WHERE c.url = ? AND substr(c.timestamp, 1, ?) = ? AND {replayed('c')} "
        "ORDER BY c.timestamp DESC, c.warc_date DESC, c.id DESC LIMIT 1",
        (url, len(timestamp), timestamp),
    ).fetchone()
    return dict(row) if row is not None else None
