"""The upload record: which local WARC files were found whole in which store, so that a
crawl's start does not hash each of them again nor ask the store about it.

``ROOT/store-checked.sqlite3`` (:attr:`archive.layout.ArchiveLayout.store_record_path`)
holds one row per (file, store object) checked: the file's name, size, ``mtime_ns`` and
inode when it was hashed, its SHA-256, the object (endpoint, bucket, key) and the
server's checksum of it (``ChecksumSHA256``), as the check found them. A row is written
only once the object is known to hold the file's bytes: after an upload checked by
``HEAD``, or an object found there already with the same size and SHA-256.

It is a cache, never the source of truth: a row is trusted only while the file has the
same name, size, ``mtime_ns`` and inode, and only for the same endpoint, bucket and key;
anything else, and the file is checked in full. A record that cannot be read (truncated,
garbage, another schema) is logged in one line and rebuilt empty, which costs one full
check of each file; one that cannot be written (a read-only archive, a lock held too
long) is left alone, and the checks are done as without it. Nothing here raises.

SQLite (rollback journal, ``synchronous=FULL``): each row is committed alone, so a crash
loses at most the row being written, and the workers of a distributed crawl, which share
``warc/``, can write to it at the same time.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeGuard

logger = logging.getLogger(__name__)

#: the schema's version (``PRAGMA user_version``): another one is dropped and rebuilt
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS checked (
    name TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    checksum TEXT,
    checked TEXT NOT NULL,
    PRIMARY KEY (name, endpoint, bucket, key)
)
"""
# SQLite's primary result codes for a file that is not (or no longer) a database
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
_BUSY_TIMEOUT = 10.0  # seconds: the workers of a distributed crawl share the record


@dataclass(frozen=True)
class FileState:
    """What must not have changed for a row to be trusted: the file's size, its
    modification time (ns) and its inode (a file replaced by another one)."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileState:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ino)


@dataclass(frozen=True)
class Checked:
    """A row of the record: the file was found whole in the object, with these digests."""

    state: FileState
    sha256: str  # hex
    checksum: str | None  # the server's ChecksumSHA256 of the object, if it keeps one


def _endpoint_key(endpoint: str | None) -> str:
    """The endpoint as the record keys it ("" for AWS S3 itself)."""
    return (endpoint or "").rstrip("/")


def is_sha256(value: object) -> TypeGuard[str]:
    """Whether *value* is a SHA-256 as this archive writes it: 64 lowercase hex digits."""
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


class UploadRecord:
    """The record at *path*, opened when first used, by one thread at a time (each
    :class:`~archive.store.s3.Uploader` and each command has its own)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._off = False  # it cannot be used: checks are done in full, nothing is written
        self._lock = threading.Lock()

    # -- reading -------------------------------------------------------------------------
    def verified(self, path: Path, bucket: str, key: str, endpoint: str | None) -> Checked | None:
        """The row saying that the file *path*, as it is now, was found whole in the
        object *key* of *bucket* at *endpoint*; None when there is none to trust (no row,
        the file changed or is gone, a row of another store, the record unreadable)."""
        try:
            state = FileState.of(path.stat())
        except OSError:
            return None
        row = self._run(
            "SELECT size, mtime_ns, inode, sha256, checksum FROM checked "
            "WHERE name = ? AND endpoint = ? AND bucket = ? AND key = ?",
            (path.name, _endpoint_key(endpoint), bucket, key),
        )
        if not row:
            return None
        size, mtime_ns, inode, sha256, checksum = row[0]
        if (size, mtime_ns, inode) != (state.size, state.mtime_ns, state.inode):
            return None
        if not is_sha256(sha256):
            return None
        return Checked(state, sha256, checksum if isinstance(checksum, str) else None)

    # -- writing -------------------------------------------------------------------------
    def remember(
        self,
        path: Path,
        state: FileState,
        bucket: str,
        key: str,
        endpoint: str | None,
        sha256: str,
        checksum: str | None,
    ) -> None:
        """Note that the file *path*, in *state* when it was hashed (to *sha256*), was
        found whole in the object. Nothing is noted if the file changed since *state*
        (it may have been written while it was hashed)."""
        try:
            if FileState.of(path.stat()) != state:
                return
        except OSError:
            return
        checked = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._run(
            "INSERT OR REPLACE INTO checked (name, endpoint, bucket, key, size, mtime_ns, "
            "inode, sha256, checksum, checked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                path.name,
                _endpoint_key(endpoint),
                bucket,
                key,
                state.size,
                state.mtime_ns,
                state.inode,
                sha256,
                checksum,
                checked,
            ),
            write=True,
        )

    def forget(self, name: str, bucket: str, key: str, endpoint: str | None) -> None:
        """Drop the row of the file *name* in that object (found missing or different,
        an upload that failed, a local copy removed)."""
        if self._off or (self._db is None and not self.path.exists()):
            return
        self._run(
            "DELETE FROM checked WHERE name = ? AND endpoint = ? AND bucket = ? AND key = ?",
            (name, _endpoint_key(endpoint), bucket, key),
            write=True,
        )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- the database --------------------------------------------------------------------
    def _run(
        self, sql: str, params: tuple[object, ...], *, write: bool = False
    ) -> list[tuple[object, ...]]:
        """Run one statement (committed alone when *write*); [] when the record cannot
        be used. A record found corrupt is rebuilt once, and the statement run again."""
        with self._lock:
            for attempt in (1, 2):
                if self._off:
                    return []
                try:
                    db = self._open()
                    if db is None:
                        return []
                    with db:
                        return db.execute(sql, params).fetchall()
                except sqlite3.DatabaseError as exc:
                    if attempt == 1 and _corrupt(exc):
                        self._rebuild(str(exc))
                        continue
                    self._give_up(exc)
                except OSError as exc:
                    self._give_up(exc)
            return []

    def _open(self) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        if not self.path.parent.is_dir():
            self._off = True
            return None
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT)  # `with db:` commits
        try:
            db.execute("PRAGMA synchronous = FULL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                with db:
                    if version:  # another schema: what it says is not read
                        db.execute("DROP TABLE IF EXISTS checked")
                    db.execute(_SCHEMA)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            else:
                # a truncated file reads fine until the missing pages are asked for
                problem = db.execute("PRAGMA quick_check").fetchone()[0]
                if problem != "ok":
                    raise sqlite3.DatabaseError(f"database disk image is malformed: {problem}")
        except BaseException:
            db.close()
            raise
        self._db = db
        return db

    def _rebuild(self, why: str) -> None:
        logger.warning(
            "store: the upload record %s cannot be read (%s): rebuilt empty; the files it "
            "listed are checked in full once",
            self.path,
            why,
        )
        if self._db is not None:
            self._db.close()
            self._db = None
        try:
            for stale in (self.path, self.path.with_name(self.path.name + "-journal")):
                stale.unlink(missing_ok=True)
        except OSError as exc:
            self._give_up(exc)

    def _give_up(self, exc: BaseException) -> None:
        """The record cannot be used this time (read-only, locked, ...): the files are
        checked in full, as without it."""
        if not self._off:
            logger.warning(
                "store: the upload record %s is not used (%s): each file is checked in full",
                self.path,
                exc,
            )
        self._off = True
        if self._db is not None:
            self._db.close()
            self._db = None


def _corrupt(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc)
    return "malformed" in text or "not a database" in text


__all__ = ["Checked", "FileState", "SCHEMA_VERSION", "UploadRecord", "is_sha256"]
