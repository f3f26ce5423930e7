"""Comparing an index with the records the WARC files really hold.

Every ``captures``, ``articles`` and ``runs`` row must read back its record at its
offset (same record id, same type, same length), and every capture, article and run
record must have its row in some index (the archive's, or a worker's not merged yet).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from archive.access import connect_readonly, index_error
from archive.layout import ArchiveLayout
from archive.warc.scan import Damage, FileScan, RecordRef

POINTERS = {
    "captures": "id, record_id, warc_filename, warc_offset, warc_length, "
    "request_record_id, request_offset, request_length",
    "articles": "id, conversion_record_id, conversion_filename, conversion_offset, "
    "conversion_length, warc_record_id, warc_filename, warc_offset",
    "runs": "id, record_id, warc_filename, warc_offset",
}
CAPTURE_TYPES = ("response", "revisit")
# a captures row is of a response or revisit, or of a resource (a rendered page's
# screenshot, text, page info: crawler/capture/rendering.py)
CAPTURE_ROW_TYPES = (*CAPTURE_TYPES, "resource")


@dataclass(frozen=True)
class BadRow:
    """An index row that does not read back its record."""

    table: str
    rowid: int
    record_id: str
    filename: str
    offset: int
    reason: str
    damaged: bool = False  # it points at a damaged member (reported as damage already)
    source: str = "index.sqlite3"  # the index holding the row


@dataclass(frozen=True)
class IndexRows:
    """The pointers of every row of one index (small: no text)."""

    captures: list[sqlite3.Row]
    articles: list[sqlite3.Row]
    runs: list[sqlite3.Row]
    source: str = "index.sqlite3"

    @classmethod
    def load(cls, db: sqlite3.Connection, source: str = "index.sqlite3") -> IndexRows:
        db.row_factory = sqlite3.Row
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rows = {
            table: db.execute(f"SELECT {columns} FROM {table}").fetchall()
            if table in tables or table != "runs"  # an index older than the runs table
            else []
            for table, columns in POINTERS.items()
        }
        return cls(rows["captures"], rows["articles"], rows["runs"], source)

    @classmethod
    def empty(cls) -> IndexRows:
        return cls([], [], [])

    @classmethod
    def read(cls, layout: ArchiveLayout, timeout: float = 5.0) -> IndexRows:
        """The rows of the index of *layout*; raises
        :class:`~archive.index.sqlite.IndexUnavailable` (missing, locked, corrupt)."""
        db = connect_readonly(layout.index_path, timeout)
        try:
            return cls.load(db, index_name(layout))
        except sqlite3.Error as exc:
            raise index_error(exc, layout.index_path) from None
        finally:
            db.close()

    def ids_at(self) -> dict[tuple[str, int], str]:
        """Record id by (file, offset), as the index believes."""
        out: dict[tuple[str, int], str] = {}
        for r in self.captures:
            out[(r["warc_filename"], r["warc_offset"])] = r["record_id"]
            if r["request_record_id"] and r["request_offset"] is not None:
                out[(r["warc_filename"], r["request_offset"])] = r["request_record_id"]
        for r in self.articles:
            out[(r["conversion_filename"], r["conversion_offset"])] = r["conversion_record_id"]
        for r in self.runs:
            out[(r["warc_filename"], r["warc_offset"])] = r["record_id"]
        return out

    def ends(self) -> dict[str, int]:
        """Per file, where the last record the index knows the length of ends (runs rows
        carry no length)."""
        ends: dict[str, int] = {}

        def seen(name: str, offset: int | None, length: int | None) -> None:
            if offset is not None and length is not None:
                ends[name] = max(ends.get(name, 0), offset + length)

        for r in self.captures:
            seen(r["warc_filename"], r["warc_offset"], r["warc_length"])
            seen(r["warc_filename"], r["request_offset"], r["request_length"])
        for r in self.articles:
            seen(r["conversion_filename"], r["conversion_offset"], r["conversion_length"])
        return ends


def index_name(layout: ArchiveLayout) -> str:
    """How problems name an index: ``index.sqlite3``, ``workers/NAME/index.sqlite3``."""
    return str(Path(layout.index_path).relative_to(layout.root))


@dataclass
class RowCheck:
    bad_rows: list[BadRow] = field(default_factory=list)
    # rows whose own record is fine but whose pointer to another record is wrong: the
    # conversion record itself says so, so they cannot be repaired from the WARC files
    wrong_links: list[BadRow] = field(default_factory=list)
    indexed: set[str] = field(default_factory=set)  # ids of the records rows read back


class _Judge:
    """Does a pointer (file, offset, length) lead to the record it names?"""

    def __init__(self, scans: Iterable[FileScan], existing: Iterable[str], source: str) -> None:
        self.refs: dict[tuple[str, int], RecordRef] = {}
        self.damage: dict[tuple[str, int], Damage] = {}
        self.sizes: dict[str, int] = {}
        for s in scans:
            self.sizes[s.filename] = s.size
            for ref in s.records:
                self.refs[(ref.filename, ref.offset)] = ref
            for d in s.damage:
                self.damage[(s.filename, d.offset)] = d
        self.existing = set(existing)
        self.source = source

    def __call__(
        self,
        table: str,
        rowid: int,
        record_id: str,
        filename: str,
        offset: int,
        length: int | None,
        types: tuple[str, ...],
    ) -> BadRow | None:
        def bad(reason: str, damaged: bool = False) -> BadRow:
            return BadRow(table, rowid, record_id, filename, offset, reason, damaged, self.source)

        if filename not in self.sizes:
            return None if filename in self.existing else bad("its WARC file does not exist")
        ref = self.refs.get((filename, offset))
        if ref is None:
            if (filename, offset) in self.damage:
                return bad("damaged", damaged=True)
            if offset is not None and offset >= self.sizes[filename]:
                return bad(f"beyond the end of the file ({self.sizes[filename]} bytes)")
            return bad("no record starts there")
        if ref.record_id != record_id:
            return bad(f"the record there is {ref.record_id}")
        if ref.warc_type not in types:
            return bad(f"the record there is a {ref.warc_type} record")
        if length is not None and ref.length != length:
            return bad(f"length {length} in the index, {ref.length} in the file")
        return None


def check_rows(rows: IndexRows, scans: Iterable[FileScan], existing: Iterable[str]) -> RowCheck:
    """Compare the rows of one index with the records of *scans*. Rows of files that were
    not scanned are checked only for their file existing (names in *existing*)."""
    judge = _Judge(scans, existing, rows.source)
    check = RowCheck()
    for r in rows.captures:
        bad = judge(
            "captures",
            r["id"],
            r["record_id"],
            r["warc_filename"],
            r["warc_offset"],
            r["warc_length"],
            CAPTURE_ROW_TYPES,
        )
        if bad is None and r["request_record_id"]:
            bad = judge(
                "captures",
                r["id"],
                r["request_record_id"],
                r["warc_filename"],
                r["request_offset"],
                r["request_length"],
                ("request",),
            )
            if bad is not None:
                bad = replace(bad, reason="its request: " + bad.reason)
        if bad is None:
            check.indexed.add(r["record_id"])
        else:
            check.bad_rows.append(bad)
    for r in rows.articles:
        bad = judge(
            "articles",
            r["id"],
            r["conversion_record_id"],
            r["conversion_filename"],
            r["conversion_offset"],
            r["conversion_length"],
            ("conversion",),
        )
        if bad is not None:
            check.bad_rows.append(bad)
            continue
        check.indexed.add(r["conversion_record_id"])
        link = judge(
            "articles",
            r["id"],
            r["warc_record_id"],
            r["warc_filename"],
            r["warc_offset"],
            None,
            CAPTURE_TYPES,
        )
        if link is not None:
            check.wrong_links.append(replace(link, reason="its response: " + link.reason))
    for r in rows.runs:
        bad = judge(
            "runs",
            r["id"],
            r["record_id"],
            r["warc_filename"],
            r["warc_offset"],
            None,
            ("metadata",),
        )
        if bad is None:
            check.indexed.add(r["record_id"])
        else:
            check.bad_rows.append(bad)
    return check


def missing_records(scans: Iterable[FileScan], indexed: set[str]) -> list[RecordRef]:
    """The records of *scans* that should have an index row and have none."""
    return [
        ref
        for s in scans
        for ref in s.records
        if ref.table is not None and ref.record_id not in indexed
    ]
