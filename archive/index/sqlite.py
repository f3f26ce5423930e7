"""The SQLite index of an archive: one row per capture, one per article, FTS5 search.

Every row is derived from WARC records alone (see :mod:`archive.index.rows`), so the whole
index can be rebuilt from the WARC files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.index.cdxj import whole
from archive.index.readonly import connect_index_readonly
from archive.index.rows import ARTICLE_FIELDS
from archive.warc.exchange import PreviousCapture

SCHEMA_VERSION = 1

CAPTURE_COLUMNS = (
    "record_id",
    "record_type",
    "url",
    "surt",
    "timestamp",
    "warc_date",
    "status",
    "mime",
    "payload_digest",
    "warc_filename",
    "warc_offset",
    "warc_length",
    "request_record_id",
    "request_offset",
    "request_length",
    "truncated",
)

ARTICLE_COLUMNS = (
    *ARTICLE_FIELDS,
    "extractor",
    "conversion_record_id",
    "conversion_filename",
    "conversion_offset",
    "conversion_length",
)

RUN_COLUMNS = (
    "run_id",
    "spider",
    "started",
    "finished",
    "pages",
    "new_articles",
    "revisits",
    "errors",
    "finish_reason",
    "exit_status",
    "record_id",
    "warc_filename",
    "warc_offset",
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS captures (
    id INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    record_type TEXT NOT NULL,
    url TEXT NOT NULL,
    surt TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    warc_date TEXT NOT NULL,
    status INTEGER,
    mime TEXT,
    payload_digest TEXT,
    warc_filename TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL,
    request_record_id TEXT,
    request_offset INTEGER,
    request_length INTEGER,
    truncated TEXT
);
CREATE INDEX IF NOT EXISTS captures_url ON captures (url, timestamp);
CREATE INDEX IF NOT EXISTS captures_surt ON captures (surt, timestamp);
CREATE INDEX IF NOT EXISTS captures_file ON captures (warc_filename, warc_offset);
-- the responses that hold a whole payload, by URL and digest: what a new capture with the
-- same payload is written as a revisit of (payload_original)
CREATE INDEX IF NOT EXISTS captures_payload ON captures (url, payload_digest)
    WHERE record_type = 'response' AND truncated IS NULL;
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    canonical_url TEXT,
    title TEXT,
    author TEXT,
    published TEXT,
    language TEXT,
    sitename TEXT,
    description TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    categories TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    warc_filename TEXT NOT NULL,
    warc_record_id TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    extractor TEXT,
    conversion_record_id TEXT NOT NULL UNIQUE,
    conversion_filename TEXT NOT NULL,
    conversion_offset INTEGER NOT NULL,
    conversion_length INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE INDEX IF NOT EXISTS articles_canonical ON articles (canonical_url);
CREATE INDEX IF NOT EXISTS articles_response ON articles (warc_record_id);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 (
    title, text, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    spider TEXT,
    started TEXT,
    finished TEXT,
    pages INTEGER,
    new_articles INTEGER,
    revisits INTEGER,
    errors INTEGER,
    finish_reason TEXT,
    exit_status INTEGER,
    record_id TEXT,
    warc_filename TEXT,
    warc_offset INTEGER
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
"""

#: SQL condition on an ``articles`` row named ``a``: it is the current version of the
#: article of its response. A response extracted again (``reextract``) has several rows,
#: one per extraction; the latest stands for it in search, export and counts.
CURRENT_ARTICLE = (
    "NOT EXISTS (SELECT 1 FROM articles newer "
    "WHERE newer.warc_record_id = a.warc_record_id AND newer.id > a.id)"
)


@dataclass(frozen=True)
class KnownArticle:
    """An archived article, as an incremental crawl sees it. ``record_id``,
    ``warc_date`` and ``payload_digest`` are those of the latest whole 2xx response of its
    URL (what a refresh compares the new payload with); ``seen`` is the WARC-Date of its
    latest whole 2xx capture, a revisit included (when the crawl last looked at it)."""

    url: str
    canonical_url: str | None
    text_sha1: str
    warc_date: str
    payload_digest: str | None
    record_id: str
    seen: str


# rows per INSERT statement, within SQLite's smallest limit of bound values (999)
ARTICLES_PER_INSERT = 999 // len(ARTICLE_COLUMNS)


class IndexUnavailable(Exception):
    """The index cannot be opened or used (locked, corrupt, not an archive)."""


class ArchiveIndex:
    """A connection to ``index.sqlite3``. Writers batch rows and call :meth:`commit`."""

    def __init__(self, path: Path, *, readonly: bool = False, timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.readonly = readonly
        try:
            if readonly:
                self.db = connect_index_readonly(self.path, timeout)
            else:
                self.db = sqlite3.connect(self.path, timeout=timeout)
                try:
                    self.db.execute("PRAGMA journal_mode=WAL")
                    self.db.execute("PRAGMA synchronous=NORMAL")
                    # the whole schema or none of it: a crawl killed as it creates a
                    # new index leaves one without tables (a new index to its next
                    # run), never one with some (which commands take for corrupt)
                    self.db.executescript(f"BEGIN;\n{_SCHEMA}\nCOMMIT;")
                except sqlite3.Error:
                    with contextlib.suppress(sqlite3.Error):
                        self.db.rollback()
                    self.db.close()  # no connection left holding a lock
                    raise
            self.db.row_factory = sqlite3.Row
        except sqlite3.Error as exc:
            raise IndexUnavailable(f"cannot open index {self.path}: {exc}") from exc

    # -- writing -------------------------------------------------------------------------
    def add_capture(self, row: Mapping[str, Any]) -> None:
        cols = ", ".join(CAPTURE_COLUMNS)
        marks = ", ".join("?" for _ in CAPTURE_COLUMNS)
        self.db.execute(
            f"INSERT OR REPLACE INTO captures ({cols}) VALUES ({marks})",
            [row.get(c) for c in CAPTURE_COLUMNS],
        )

    def add_article(self, row: Mapping[str, Any]) -> None:
        self.add_articles([row])

    def add_articles(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert article rows, many to a statement: each statement that writes to the
        full-text index makes FTS5 flush its pending terms, so one statement per row
        cost twice the indexing time of one per ARTICLES_PER_INSERT rows."""
        cols = ", ".join(ARTICLE_COLUMNS)
        one = "(" + ", ".join("?" for _ in ARTICLE_COLUMNS) + ")"
        for start in range(0, len(rows), ARTICLES_PER_INSERT):
            chunk = rows[start : start + ARTICLES_PER_INSERT]
            values: list[Any] = []
            for row in chunk:
                for col in ARTICLE_COLUMNS:
                    value = row.get(col)
                    if col in ("tags", "categories"):
                        value = json.dumps(list(value or []), ensure_ascii=False)
                    values.append(value)
            self.db.execute(
                f"INSERT OR IGNORE INTO articles ({cols}) VALUES {', '.join([one] * len(chunk))}",
                values,
            )

    def add_run(self, row: Mapping[str, Any]) -> None:
        cols = ", ".join(RUN_COLUMNS)
        marks = ", ".join("?" for _ in RUN_COLUMNS)
        self.db.execute(
            f"INSERT OR REPLACE INTO runs ({cols}) VALUES ({marks})",
            [row.get(c) for c in RUN_COLUMNS],
        )

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        try:
            if not self.readonly:
                self.db.commit()
        finally:
            self.db.close()

    # -- reading -------------------------------------------------------------------------
    def payload_original(self, url: str, payload_digest: str) -> PreviousCapture | None:
        """The latest whole response of *url* whose payload has *payload_digest*: what a
        new capture with the same payload refers to as a revisit."""
        row = self.db.execute(
            "SELECT record_id, url, warc_date, payload_digest FROM captures "
            "WHERE url = ? AND payload_digest = ? AND record_type = 'response' "
            "AND truncated IS NULL ORDER BY timestamp DESC, id DESC LIMIT 1",
            (url, payload_digest),
        ).fetchone()
        return PreviousCapture(*row) if row is not None else None

    def captures(self, order: str = "surt, timestamp, id") -> Iterator[sqlite3.Row]:
        yield from self.db.execute(f"SELECT * FROM captures ORDER BY {order}")

    def articles(self) -> Iterator[dict[str, Any]]:
        for row in self.db.execute("SELECT * FROM articles ORDER BY id"):
            yield article_from_row(row)

    def has_article(self, url: str) -> bool:
        cur = self.db.execute(
            "SELECT 1 FROM articles WHERE url = ? OR canonical_url = ? LIMIT 1", (url, url)
        )
        return cur.fetchone() is not None

    def known_articles(self, refresh: bool = True) -> Iterator[KnownArticle]:
        """The latest archived version of every article: what an incremental crawl skips,
        or fetches again when it is old enough (*refresh*). A crawl that refreshes nothing
        needs neither the texts' hashes (``text_sha1`` is empty) nor the latest captures
        (the article's own capture stands for them): its query reads a fraction of what
        a refreshing crawl's reads."""
        if not refresh:
            query = """
                SELECT a.url, a.canonical_url, NULL,
                       c.warc_date, c.payload_digest, c.record_id, c.warc_date
                FROM articles a JOIN captures c ON c.record_id = a.warc_record_id
                WHERE a.id IN (SELECT max(id) FROM articles GROUP BY url)
            """
        else:
            # a refresh that found the page unchanged wrote a revisit, one that found new
            # bytes around the same text a response but no new version: both looked at it
            ok = "{t}.url = a.url AND {t}.status BETWEEN 200 AND 299 AND " + whole("{t}")
            latest = "ORDER BY {t}.timestamp DESC, {t}.id DESC LIMIT 1"
            query = f"""
                SELECT a.url, a.canonical_url, a.text,
                       coalesce(r.warc_date, c.warc_date),
                       coalesce(r.payload_digest, c.payload_digest),
                       coalesce(r.record_id, c.record_id), coalesce(s.warc_date, c.warc_date)
                FROM articles a
                JOIN captures c ON c.record_id = a.warc_record_id
                LEFT JOIN captures r ON r.id = (
                    SELECT x.id FROM captures x
                    WHERE x.record_type = 'response' AND {ok.format(t="x")} {latest.format(t="x")})
                LEFT JOIN captures s ON s.id = (
                    SELECT y.id FROM captures y WHERE {ok.format(t="y")} {latest.format(t="y")})
                WHERE a.id IN (SELECT max(id) FROM articles GROUP BY url)
            """
        for url, canonical, body, date, digest, record_id, seen in self.db.execute(query):
            text_sha1 = hashlib.sha1(body.encode("utf-8")).hexdigest() if refresh else ""
            yield KnownArticle(url, canonical, text_sha1, date, digest, record_id, seen)

    def gone_pages(self) -> Iterator[tuple[str, str]]:
        """(url, WARC-Date) of every URL whose latest capture answered 404 Not Found or
        410 Gone: what an incremental crawl need not ask again for a while."""
        query = """
            SELECT url, warc_date, status, max(timestamp) FROM captures
            WHERE url IN (SELECT url FROM captures WHERE status IN (404, 410))
              AND record_type IN ('response', 'revisit')
            GROUP BY url HAVING status IN (404, 410)
        """
        for url, date, _status, _timestamp in self.db.execute(query):
            yield url, date

    def count(self, table: str) -> int:
        assert table in ("captures", "articles", "runs")
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def article_from_row(row: sqlite3.Row) -> dict[str, Any]:
    out = {k: row[k] for k in row.keys() if k != "id"}  # noqa: SIM118
    out["tags"] = json.loads(out["tags"] or "[]")
    out["categories"] = json.loads(out["categories"] or "[]")
    return out


def table_exists(db: sqlite3.Connection, name: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None
