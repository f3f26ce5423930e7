"""Opening an archive directory for the commands: checks, and the index read-only.

Read-only commands open ``index.sqlite3`` with ``mode=ro`` so they can never change
it; SQLite errors are turned into the three cases a user can act on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.index.readonly import connect_index_readonly
from archive.index.sqlite import IndexUnavailable
from archive.layout import ArchiveLayout


class NotAnArchive(Exception):
    """The directory is missing or holds no archive."""


class IndexLocked(IndexUnavailable):
    """Another process holds a lock on the index."""


class IndexCorrupt(IndexUnavailable):
    """``index.sqlite3`` is not a usable SQLite index."""


class IndexMissing(IndexUnavailable):
    """There is no ``index.sqlite3`` (yet)."""


def archive_layout(root: Path) -> ArchiveLayout:
    """The layout of an existing archive at *root*, or :class:`NotAnArchive`."""
    root = Path(root)
    if not root.exists():
        raise NotAnArchive(f"archive directory {root} does not exist")
    if not root.is_dir():
        raise NotAnArchive(f"{root} is not a directory")
    layout = ArchiveLayout(root)
    if not layout.warc_dir.is_dir() and not layout.index_path.exists():
        raise NotAnArchive(f"{root} is not an archive (no warc/ and no index.sqlite3)")
    return layout


def index_error(exc: sqlite3.Error, path: Path) -> IndexUnavailable:
    """The actionable error behind a SQLite exception on the index at *path*."""
    message = str(exc)
    lowered = message.lower()
    if "locked" in lowered or "busy" in lowered:
        return IndexLocked(
            f"the index {path} is locked by another process ({message}); try again later"
        )
    if "not a database" in lowered or "malformed" in lowered or "no such table" in lowered:
        return IndexCorrupt(f"the index {path} is corrupt ({message}); rebuild it with `reindex`")
    return IndexUnavailable(f"cannot read the index {path}: {message}")


def index_started(path: Path, timeout: float = 5.0) -> bool:
    """Whether *path* holds an index: False when there is no file, or only a database
    without tables (a first crawl killed as it created it: the schema is one
    transaction); True for anything else, a file that is no database included (the
    caller's read then says it is corrupt)."""
    if not Path(path).is_file():
        return False
    try:
        db = connect_index_readonly(Path(path), timeout)
    except sqlite3.Error:
        return True
    try:
        return db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return True
    finally:
        db.close()


def connect_readonly(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``; ``immutable`` on read-only storage, see
    :mod:`archive.index.readonly`) to an index, checked to be usable."""
    path = Path(path)
    if not path.is_file():
        raise IndexMissing(f"no index at {path}; build it with `reindex`")
    try:
        db = connect_index_readonly(path, timeout)
    except sqlite3.Error as exc:
        raise index_error(exc, path) from None
    try:
        db.row_factory = sqlite3.Row
        db.execute("SELECT 1 FROM captures LIMIT 1").fetchall()
        db.execute("SELECT 1 FROM articles LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        db.close()
        raise index_error(exc, path) from None
    return db
