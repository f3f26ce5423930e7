"""Opening an SQLite index read-only, also on read-only storage (a mounted backup).

``mode=ro`` never writes the database, but SQLite still wants the ``-shm`` file of a
WAL database beside it, and creates it if it is missing: on storage nobody may write
that fails ("unable to open database file"). There, when no connection has the
database open (no ``-shm``) and no change waits in a ``-wal`` file, the database is
opened ``immutable=1``: SQLite then reads the file as it is, without any lock or
companion file. Nothing can change it meanwhile: nobody can write there.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote


def connect_index_readonly(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    """A read-only connection to the SQLite database *path* (its first read checked).
    Raises ``sqlite3.Error``."""
    path = Path(path)
    uri = "file:" + quote(str(path.resolve()))
    db = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=timeout)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        db.close()
        if "unable to open" not in str(exc) or not on_readonly_storage(path):
            raise
    wal, shm = _companion(path, "-wal"), _companion(path, "-shm")
    if shm.exists():
        raise sqlite3.OperationalError(f"unable to open database file (and {shm.name} exists)")
    if wal.exists() and wal.stat().st_size > 0:
        raise sqlite3.OperationalError(
            f"{wal.name} holds changes SQLite cannot read on read-only storage without "
            f"{shm.name}: copy the archive to writable storage"
        )
    return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, timeout=timeout)


def on_readonly_storage(path: Path) -> bool:
    """True when nothing may be created beside *path*: a read-only file system (for
    root too), or a directory this user may not write to."""
    return not os.access(Path(path).parent, os.W_OK)


def _companion(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)
