"""``reindex``: rebuild ``index.sqlite3`` and ``index.cdxj`` from the WARC files alone.

The new index is built in ``index.sqlite3.tmp`` and replaces the old one atomically
(``os.replace``), so a reader sees the old index or the new one, never half of one.
Rows come from :mod:`archive.index.builder`, the same code that gives the crawl its rows.
Tables the WARC files cannot give back (added by other tools) are carried over from
the old index when it can be read. A torn file stops the rebuild (``verify --repair``
first); a damaged member inside a file is skipped and reported. A WARC file kept in
object storage only is fetched (hash-checked, into a temporary directory, one at a
time) and read like the others; a failed fetch stops the rebuild, the old index kept.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from archive.index.builder import Row, RowBuilder
from archive.index.cdxj import write_cdxj
from archive.index.sqlite import ArchiveIndex
from archive.layout import OPEN_SUFFIX, ArchiveLayout, fsync_path
from archive.lock import ArchiveLock, exclusive
from archive.plural import counted
from archive.warc.reader import WarcReadError, iter_records
from archive.warc.stored import WarcSource

TMP_SUFFIX = ".tmp"
_NAME_STAMP = re.compile(r"-(\d{17})-\d{5}-")  # archive.warc.writer.warc_name
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
# tables the schema of archive.index.sqlite creates (FTS shadow tables start with articles_fts)
_OWN_TABLES = ("meta", "captures", "articles", "runs")


@dataclass
class ReindexReport:
    files: int = 0
    records: int = 0
    captures: int = 0
    articles: int = 0
    runs: int = 0
    fetched: int = 0  # WARC files read from object storage (in the store only)
    skipped: list[WarcReadError] = field(default_factory=list)  # damaged members
    carried_over: list[str] = field(default_factory=list)  # tables kept from the old index

    def summary(self) -> str:
        text = (
            f"rebuilt the index from {counted(self.files, 'WARC file')}, "
            f"{counted(self.records, 'record')}: {counted(self.captures, 'capture')}, "
            f"{counted(self.articles, 'article')}, {counted(self.runs, 'run')}"
        )
        if self.fetched:
            text += f" ({self.fetched} of the files fetched from the store)"
        if self.carried_over:
            tables = "table" if len(self.carried_over) == 1 else "tables"
            text += f"; kept {tables} {', '.join(self.carried_over)} from the old index"
        if self.skipped:
            text += f"; {counted(len(self.skipped), 'damaged record')} skipped"
        return text


def reindex_archive(
    layout: ArchiveLayout,
    *,
    lock: ArchiveLock | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> ReindexReport:
    """Rebuild ``layout.index_path`` from every WARC file of the archive. Takes the lock
    of *layout* (or uses *lock*, held by the caller); raises
    :class:`~archive.lock.ArchiveLocked` when another process holds it or any other lock
    of the archive, and :class:`~archive.warc.reader.WarcReadError` for a torn file."""
    with exclusive(layout, lock):
        return _reindex(layout, on_bytes)


def _reindex(layout: ArchiveLayout, on_bytes: Callable[[int], None] | None) -> ReindexReport:
    report = ReindexReport()
    tmp = layout.index_path.with_name(layout.index_path.name + TMP_SUFFIX)
    _remove_db(tmp)

    def damaged(exc: WarcReadError) -> None:
        if exc.torn:
            raise exc
        report.skipped.append(exc)

    index = ArchiveIndex(tmp)
    stored = [layout.warc_dir / name for name in layout.stored_names()]
    try:
        builder = RowBuilder()
        with WarcSource(layout) as source:
            for path in chronological([*layout.warc_files(), *stored]):
                report.files += 1
                if path in stored:  # in object storage only: fetched, hash-checked
                    path = source.path(path.name)
                    report.fetched += 1
                for record in iter_records(path, on_bytes=on_bytes, on_damage=damaged):
                    report.records += 1
                    _add(index, builder.add(record), report)
        _add(index, builder.finish(), report)
        report.carried_over = carry_over(index.db, layout.index_path)
        index.commit()
    except BaseException:
        index.close()
        _remove_db(tmp)
        raise
    index.close()  # the last connection checkpoints and removes the -wal file
    fsync_path(tmp)
    # a -wal left by the old index must not be replayed into the new one
    for suffix in _SQLITE_SIDE_FILES:
        Path(str(layout.index_path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, layout.index_path)
    fsync_path(layout.root)
    index = ArchiveIndex(layout.index_path)
    try:
        write_cdxj(index.db, layout.cdxj_path)
    finally:
        index.close()
    return report


def chronological(paths: Iterable[Path]) -> list[Path]:
    """WARC files in the order they were begun: by the timestamp in their names
    (``PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz``), whatever the prefix, so that the
    rows of a later file (a later crawl, a ``reextract``) get the higher ids, as they
    did when they were written; ``.open`` files last, as :meth:`ArchiveLayout.warc_files`
    lists them."""

    def key(path: Path) -> tuple[bool, str, str]:
        stamp = _NAME_STAMP.search(path.name)
        return path.name.endswith(OPEN_SUFFIX), stamp.group(1) if stamp else "", path.name

    return sorted(paths, key=key)


def _add(index: ArchiveIndex, rows: Iterable[Row], report: ReindexReport) -> None:
    for table, row in rows:
        if table == "captures":
            index.add_capture(row)
            report.captures += 1
        elif table == "articles":
            index.add_article(row)
            report.articles += 1
        else:
            index.add_run(row)
            report.runs += 1


def carry_over(db: sqlite3.Connection, old_path: Path) -> list[str]:
    """Copy into *db* the ordinary tables of the old index that are not part of the
    archive schema (with their indexes), and its extra ``meta`` keys. Returns their
    names; nothing when the old index cannot be read."""
    if not old_path.is_file():
        return []
    uri = "file:" + quote(str(old_path.resolve())) + "?mode=ro"
    try:
        old = sqlite3.connect(uri, uri=True, timeout=1.0)
    except sqlite3.Error:
        return []
    copied: list[str] = []
    try:
        master = old.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        ).fetchall()
        virtual = [n for t, n, _, sql in master if t == "table" and _is_virtual(sql)]
        for kind, name, _, sql in master:
            if kind != "table" or _is_virtual(sql) or not _foreign(name, virtual):
                continue
            db.execute(sql)
            cursor = old.execute(f'SELECT * FROM "{name}"')
            marks = ", ".join("?" for _ in cursor.description)
            db.executemany(f'INSERT INTO "{name}" VALUES ({marks})', cursor)
            copied.append(name)
        for kind, _, table, sql in master:
            if kind == "index" and table in copied:
                db.execute(sql)
        db.executemany(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
            old.execute("SELECT key, value FROM meta"),
        )
    except sqlite3.Error:
        return copied
    finally:
        old.close()
    return copied


def _is_virtual(sql: str) -> bool:
    return sql.lstrip().upper().startswith("CREATE VIRTUAL")


def _foreign(name: str, virtual: list[str]) -> bool:
    """A table of someone else's: not the archive schema's, not SQLite's, not the
    shadow table of a virtual table."""
    if name in _OWN_TABLES or name.startswith("sqlite_"):
        return False
    return not any(name.startswith(v + "_") for v in virtual)


def _remove_db(path: Path) -> None:
    path.unlink(missing_ok=True)
    for suffix in _SQLITE_SIDE_FILES:
        Path(str(path) + suffix).unlink(missing_ok=True)
