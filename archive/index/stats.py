"""``stats``: what the archive holds, from the index and the WARC files' own headers."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archive.index.rows import HTML_MIMES
from archive.index.sqlite import CURRENT_ARTICLE, table_exists
from archive.layout import OPEN_SUFFIX, ArchiveLayout
from archive.store.s3 import noted_size
from archive.warc.reader import WarcReadError, read_record
from archive.warc.records import parse_warc_fields

_WARCINFO_FIELDS = ("software", "operator", "isPartOf", "hostname")


@dataclass
class ArchiveStats:
    captures: int = 0
    articles: int = 0
    runs: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_mime: list[tuple[str, int]] = field(default_factory=list)
    articles_per_day: list[tuple[str, int]] = field(default_factory=list)  # published date
    warc_files: int = 0
    open_files: int = 0
    warc_bytes: int = 0
    stored_files: int = 0  # WARC files in object storage only (their .stored notes)
    stored_bytes: int = 0
    html_pages: int = 0  # 200 responses (not revisits) with an HTML MIME type
    html_pages_with_article: int = 0
    last_run: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def html_pages_without_article(self) -> int:
        return self.html_pages - self.html_pages_with_article

    def to_json(self) -> dict[str, Any]:
        return {
            "captures": self.captures,
            "articles": self.articles,
            "runs": self.runs,
            "captures_by_status": dict(self.by_status),
            "captures_by_mime": dict(self.by_mime),
            "articles_per_day": dict(self.articles_per_day),
            "warc_files": self.warc_files,
            "open_warc_files": self.open_files,
            "warc_bytes": self.warc_bytes,
            "stored_warc_files": self.stored_files,
            "stored_warc_bytes": self.stored_bytes,
            "html_pages": self.html_pages,
            "html_pages_with_article": self.html_pages_with_article,
            "html_pages_without_article": self.html_pages_without_article,
            "last_run": dict(self.last_run),
        }


def archive_stats(layout: ArchiveLayout, db: sqlite3.Connection) -> ArchiveStats:
    s = ArchiveStats()
    s.captures = _scalar(db, "SELECT count(*) FROM captures")
    # articles: the current version of each (a re-extracted response counts once)
    s.articles = _scalar(db, f"SELECT count(*) FROM articles a WHERE {CURRENT_ARTICLE}")
    if table_exists(db, "runs"):
        s.runs = _scalar(db, "SELECT count(*) FROM runs")
    s.by_status = _pairs(
        db,
        "SELECT coalesce(CAST(status AS TEXT), 'none'), count(*) FROM captures "
        "GROUP BY status ORDER BY status",
    )
    s.by_mime = _pairs(
        db,
        "SELECT coalesce(mime, 'unknown') AS m, count(*) AS n FROM captures "
        "GROUP BY m ORDER BY n DESC, m",
    )
    s.articles_per_day = _pairs(
        db,
        "SELECT coalesce(substr(published, 1, 10), 'unknown') AS d, count(*) FROM articles a "
        f"WHERE {CURRENT_ARTICLE} GROUP BY d ORDER BY d = 'unknown', d",
    )
    # HTML pages fetched with their payload (revisits repeat a page already counted)
    pages = (
        "FROM captures c WHERE record_type = 'response' AND status = 200 "
        f"AND mime IN ({', '.join('?' for _ in HTML_MIMES)})"
    )
    s.html_pages = _scalar(db, f"SELECT count(*) {pages}", *HTML_MIMES)
    s.html_pages_with_article = _scalar(
        db,
        f"SELECT count(*) {pages} AND EXISTS "
        "(SELECT 1 FROM articles a WHERE a.warc_record_id = c.record_id)",
        *HTML_MIMES,
    )
    files = layout.warc_files()
    s.warc_files = len(files)
    s.open_files = sum(1 for p in files if p.name.endswith(OPEN_SUFFIX))
    s.warc_bytes = sum(p.stat().st_size for p in files)
    stored = layout.stored_names()
    s.stored_files = len(stored)
    s.stored_bytes = sum(noted_size(layout, name) for name in stored)
    s.last_run = last_run(layout, db)
    return s


def last_run(layout: ArchiveLayout, db: sqlite3.Connection) -> list[tuple[str, Any]]:
    """The latest row of a ``runs`` table if the index has one, else what the newest WARC
    file tells: its warcinfo (start, software, operator) and its last capture."""
    if table_exists(db, "runs"):
        try:
            row = db.execute("SELECT * FROM runs ORDER BY started DESC, id DESC LIMIT 1").fetchone()
        except sqlite3.OperationalError:  # a runs table of another shape
            row = db.execute("SELECT * FROM runs ORDER BY rowid DESC LIMIT 1").fetchone()
        if row is not None:
            run = [(k, row[k]) for k in row.keys() if k != "id"]  # noqa: SIM118
            return _with_updated(layout, run)
    files = layout.warc_files()
    if not files:
        return []
    newest = max(files, key=lambda p: (p.stat().st_mtime, p.name))
    mtime = datetime.fromtimestamp(newest.stat().st_mtime, UTC)
    out: list[tuple[str, Any]] = [("warc_file", newest.name)]
    try:
        info = read_record(newest, 0)
    except (WarcReadError, OSError):
        info = None
    if info is not None and info.warc_type == "warcinfo":
        out.append(("started", info.header("WARC-Date") or "?"))
        fields = dict(parse_warc_fields(info.block))
        out.extend((name, fields[name]) for name in _WARCINFO_FIELDS if name in fields)
    name = newest.name.removesuffix(OPEN_SUFFIX)
    last = db.execute(
        "SELECT max(warc_date), count(*) FROM captures WHERE warc_filename = ?", (name,)
    ).fetchone()
    if last[0]:
        out.append(("last_capture", str(last[0])))
    out.append(("captures_in_file", int(last[1])))
    out.append(("file_modified", mtime.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return out


def _with_updated(layout: ArchiveLayout, fields: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """A run's fields with, after ``new_articles``, the ``updated_articles`` its report
    record holds (new versions of archived articles; the index has no column for them).
    A report that cannot be read, or says nothing of them, adds nothing."""
    row = dict(fields)
    try:
        record = read_record(layout.warc_path(row["warc_filename"]), int(row["warc_offset"]))
        updated = json.loads(record.block).get("updated_articles")
    except (KeyError, TypeError, ValueError, AttributeError, WarcReadError, OSError):
        return fields
    if record.record_id != row.get("record_id") or not isinstance(updated, int):
        return fields
    at = [k for k, _ in fields].index("new_articles") + 1 if "new_articles" in row else len(fields)
    return [*fields[:at], ("updated_articles", updated), *fields[at:]]


def _scalar(db: sqlite3.Connection, sql: str, *params: Any) -> int:
    return int(db.execute(sql, params).fetchone()[0])


def _pairs(db: sqlite3.Connection, sql: str) -> list[tuple[str, int]]:
    return [(str(k), int(n)) for k, n in db.execute(sql)]
