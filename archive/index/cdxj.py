"""The CDXJ index that pywb reads, written from the SQLite index.

Every CDXJ the archive writes (``index.cdxj``, the one ``replay`` hands pywb, the one in a
WACZ) lists the same captures: all of them but those cut by a limit
(``WARC-Truncated: length`` or ``time``: the first bytes of a page that was too big or
too slow) whose URL also has a whole capture. pywb replays the capture closest in time
to the one asked for, and would show a drip's few bytes as the page; a URL whose every
capture was cut still shows what came. A body the server broke off (``disconnect``) is
listed: it is what the site served. The SQLite index keeps every capture.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from archive.index.rows import cdxj_line
from archive.layout import ArchiveLayout
from archive.plural import counted

# the WARC-Truncated reasons of a body the crawler stopped reading
CUT_BY_LIMIT = ("length", "time")


def whole(table: str = "captures") -> str:
    """SQL: the capture of *table* (a name or alias) was not cut by a limit."""
    reasons = ", ".join(f"'{reason}'" for reason in CUT_BY_LIMIT)
    return f"coalesce({table}.truncated, '') NOT IN ({reasons})"


def replayed(table: str = "captures") -> str:
    """SQL: a CDXJ lists the capture of *table* (a name or alias): it is whole, or its URL
    has no whole capture."""
    return (
        f"({whole(table)} OR NOT EXISTS "
        f"(SELECT 1 FROM captures w WHERE w.url = {table}.url AND {whole('w')}))"
    )


_REPLAYED = f"SELECT * FROM captures c WHERE {replayed('c')}"


def replayed_captures(db: sqlite3.Connection, order: str = "") -> Iterator[sqlite3.Row]:
    """The capture rows a CDXJ lists (see above), in *order* (an ORDER BY clause's
    terms) if given."""
    yield from db.execute(_REPLAYED + (f" ORDER BY {order}" if order else ""))


def cdxj_lines(
    db: sqlite3.Connection, keep: Callable[[sqlite3.Row], bool] | None = None
) -> Iterator[str]:
    """The lines of the archive's CDXJ (of the rows *keep* accepts, if given), sorted, from
    the index row by row. Rows come in (SURT, timestamp) order; the few that share both
    are sorted by their whole line."""
    group: list[str] = []
    key: tuple[str, str] | None = None
    for row in replayed_captures(db, "surt, timestamp"):
        if keep is not None and not keep(row):
            continue
        row_key = (row["surt"], row["timestamp"])
        if row_key != key and group:
            yield from sorted(group)
            group = []
        key = row_key
        group.append(cdxj_line(dict(row)))
    yield from sorted(group)


def dump_cdxj(
    db: sqlite3.Connection, fh: TextIO, keep: Callable[[sqlite3.Row], bool] | None = None
) -> int:
    """Write the lines of :func:`cdxj_lines` to *fh*, streamed (an archive of millions of
    captures is not held in memory). Returns the line count."""
    count = 0
    for line in cdxj_lines(db, keep):
        fh.write(line + "\n")
        count += 1
    return count


def write_cdxj(db: sqlite3.Connection, path: Path) -> int:
    """Write the CDXJ of the index *db* atomically. Returns the line count."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        count = dump_cdxj(db, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return count


def cdxj_mismatch(layout: ArchiveLayout, db: sqlite3.Connection) -> str | None:
    """How ``index.cdxj`` differs from the lines the captures in *db* give, or ``None``."""
    expected = list(cdxj_lines(db))
    if not layout.cdxj_path.exists():
        return "missing" if expected else None
    actual = layout.cdxj_path.read_text(encoding="utf-8").splitlines()
    if actual == expected:
        return None
    differ = len(set(actual) ^ set(expected))
    return (
        f"does not match index.sqlite3 ({counted(differ, 'line')} differ; "
        f"{counted(len(actual), 'line')} for {counted(len(expected), 'capture')})"
    )
