"""Recovering an archive after a crash: :func:`repair_archive`.

What it fixes, and nothing else:

* a ``.open`` WARC file (its crawl died) is cut back, in place, to the end of its
  last complete gzip member, fsynced and renamed to its final name; a file with no
  complete member at all is removed;
* index rows that point nowhere (past a cut, into a missing file, at an offset where
  no record starts, or where another record is) are dropped; rows at a damaged
  member are kept: damage inside a complete file is reported, never "repaired"; a
  file in object storage only (its ``NAME.warc.gz.stored`` note) is not missing, and
  its rows are kept as they are;
* capture, article and run records that no index holds (the archive's, or a worker's
  not merged yet) are indexed, with the rows the crawl writes (:mod:`archive.index.builder`);
* ``index.cdxj`` is rewritten when it does not match the SQLite index.

It never drops or rewrites a complete record, and never touches a file while any
crawl (the archive's or a worker's) holds its lock. On a clean archive it changes
nothing. Scrapy-free: the crawler calls it at start-up, holding its lock already.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from archive.access import IndexLocked, connect_readonly, index_error, index_started
from archive.index.builder import capture_row_of, row_of
from archive.index.cdxj import cdxj_mismatch, write_cdxj
from archive.index.sqlite import ArchiveIndex, IndexUnavailable
from archive.integrity.indexcheck import BadRow, IndexRows, check_rows, index_name, missing_records
from archive.layout import OPEN_SUFFIX, ArchiveLayout, fsync_path, index_layouts
from archive.lock import ArchiveLock, exclusive
from archive.warc.members import read_member
from archive.warc.reader import final_name, read_record
from archive.warc.scan import FileScan, RecordRef, scan_file
from archive.warc.writer import RecordLocation


@dataclass(frozen=True)
class ClosedFile:
    """A ``.open`` file that repair closed."""

    name: str  # the final name
    kept: int  # bytes kept (the complete records)
    cut: int  # torn bytes cut off the end

    @property
    def removed(self) -> bool:
        return self.kept == 0


@dataclass
class RepairReport:
    closed: list[ClosedFile] = field(default_factory=list)
    dropped: list[BadRow] = field(default_factory=list)
    indexed: dict[str, int] = field(
        default_factory=lambda: {"captures": 0, "articles": 0, "runs": 0}
    )  # rows added, per table
    cdxj_written: bool = False
    scanned_files: int = 0
    unrepaired: list[str] = field(default_factory=list)  # what repair had to leave

    @property
    def changed(self) -> bool:
        return bool(self.closed or self.dropped or any(self.indexed.values()) or self.cdxj_written)

    def lines(self) -> list[str]:
        """One line per thing done (or left)."""
        out: list[str] = []
        for c in self.closed:
            if c.removed:
                out.append(f"removed {c.name}{OPEN_SUFFIX}: no complete record ({c.cut} bytes)")
            elif c.cut:
                out.append(
                    f"closed {c.name}: cut {c.cut} torn bytes after offset {c.kept}, "
                    f"kept every complete record"
                )
            else:
                out.append(f"closed {c.name}: every record was complete")
        for b in self.dropped:
            out.append(
                f"dropped index row {b.table} #{b.rowid} ({b.record_id} at "
                f"{b.filename}:{b.offset}): {b.reason}"
            )
        if any(self.indexed.values()):
            counts = ", ".join(f"{n} {table}" for table, n in self.indexed.items() if n)
            out.append(f"indexed the records missing from the index: {counts}")
        if self.cdxj_written:
            out.append("rewrote index.cdxj")
        out.extend(f"left: {u}" for u in self.unrepaired)
        return out


def repair_archive(
    layout: ArchiveLayout,
    *,
    lock: ArchiveLock | None = None,
    full_scan: bool = False,
    timeout: float = 10.0,
    on_bytes: Callable[[int], None] | None = None,
) -> RepairReport:
    """Repair the archive at ``layout.root`` after a crash; see the module docstring.
    The index it fixes is ``layout.index_path`` (a worker's, for a worker layout).

    Takes the lock of *layout* for its run, or uses *lock* if the caller holds it
    already (as the crawler does at start-up). Raises
    :class:`~archive.lock.ArchiveLocked` when another process holds that lock or any
    other lock of the archive (its own or a worker's: that crawl is writing),
    :class:`~archive.access.IndexCorrupt` when the index is not a database (``reindex``
    rebuilds it), :class:`~archive.access.IndexLocked`.

    Without ``full_scan`` only the files that can hold unindexed records are read:
    ``.open`` files, files the indexes do not reach the end of, files they do not
    name. ``full_scan`` reads them all (``verify --repair``)."""
    report = RepairReport()
    if not layout.root.is_dir():
        return report  # nothing yet: a first crawl
    with exclusive(layout, lock):
        _repair(layout, report, full_scan, timeout, on_bytes)
    return report


def _repair(
    layout: ArchiveLayout,
    report: RepairReport,
    full_scan: bool,
    timeout: float,
    on_bytes: Callable[[int], None] | None,
) -> None:
    scans: dict[str, FileScan] = {}
    for path in layout.warc_files():
        if path.name.endswith(OPEN_SUFFIX):
            scan = _close_open_file(path, report, on_bytes)
            if scan is not None:
                scans[scan.filename] = scan
    started = index_started(layout.index_path, timeout)
    rows = IndexRows.read(layout, timeout) if started else None
    others = _other_indexes(layout, timeout, report)
    files = {final_name(p): p for p in layout.warc_files()}
    indexes = [i for i in (rows, *others) if i is not None]
    ends = _indexed_ends(indexes, files)
    for name, path in files.items():
        if name in scans or path.name.endswith(OPEN_SUFFIX):
            continue  # scanned already, or an .open file repair had to leave
        if full_scan or ends.get(name) != path.stat().st_size:
            scans[name] = scan_file(path, on_bytes=on_bytes)
    report.scanned_files = len(scans)
    for scan in scans.values():
        report.unrepaired.extend(
            f"{scan.path.name}:{d.offset}: damaged gzip member ({d.kind}) left in place"
            for d in scan.damage
        )
    # the rows of a WARC file kept in object storage only (its .stored note) are kept
    existing = [*files, *layout.stored_names()]
    check = check_rows(rows or IndexRows.empty(), scans.values(), existing)
    indexed = set(check.indexed)
    for other in others:
        indexed |= check_rows(other, scans.values(), existing).indexed
    # a row at a damaged member points at the right place: the damage is reported, kept
    bad = [b for b in check.bad_rows if not b.damaged]
    missing = missing_records(scans.values(), indexed)
    if bad or missing or (rows is None and scans):
        _fix_index(layout, bad, missing, scans, files, report)
    if started:  # an index _fix_index has just made wrote its CDXJ already
        _refresh_cdxj(layout, timeout, report)


def _indexed_ends(indexes: list[IndexRows], files: dict[str, Path]) -> dict[str, int]:
    """Per file, where the last record some index knows ends: a file indexed to its end
    holds no unindexed record (rows are written in file order). ``runs`` rows carry no
    length: the member at their offset tells it (a crawl ends its file with one)."""
    ends: dict[str, int] = {}
    for index in indexes:
        for name, end in index.ends().items():
            ends[name] = max(ends.get(name, 0), end)
    for index in indexes:
        for r in index.runs:
            path = files.get(r["warc_filename"])
            if path is None or r["warc_offset"] is None:
                continue
            if r["warc_offset"] < ends.get(r["warc_filename"], 0):
                continue
            with open(path, "rb") as fh:
                member = read_member(fh, r["warc_offset"])
            if member.complete:
                end = member.offset + member.length
                ends[r["warc_filename"]] = max(ends.get(r["warc_filename"], 0), end)
    return ends


def _other_indexes(layout: ArchiveLayout, timeout: float, report: RepairReport) -> list[IndexRows]:
    """The rows of the archive's other indexes (its own, the workers'): what they index
    is not missing."""
    out = []
    for other in index_layouts(layout.root):
        if other.home == layout.home or not index_started(other.index_path, timeout):
            continue
        try:
            out.append(IndexRows.read(other, timeout))
        except IndexLocked:
            raise
        except IndexUnavailable as exc:
            report.unrepaired.append(f"{index_name(other)}: {exc}")
    return out


def _close_open_file(
    path: Path, report: RepairReport, on_bytes: Callable[[int], None] | None
) -> FileScan | None:
    """Cut a ``.open`` file back to its last complete member and rename it."""
    final = path.with_name(final_name(path))
    if final.exists():
        report.unrepaired.append(f"{path.name}: cannot close it, {final.name} exists")
        return None
    scan = scan_file(path, on_bytes=on_bytes)
    keep = scan.complete_end
    cut = scan.size - keep
    if keep == 0:
        path.unlink()
        fsync_path(path.parent)
        report.closed.append(ClosedFile(final.name, 0, cut))
        return None
    with open(path, "r+b") as fh:
        if cut:
            fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(path, final)
    fsync_path(path.parent)
    report.closed.append(ClosedFile(final.name, keep, cut))
    return FileScan(
        final,
        keep,
        scan.records,
        [d for d in scan.damage if d.offset < keep],
        [p for p in scan.problems if p.offset is None or p.offset < keep],
        keep,
    )


def _fix_index(
    layout: ArchiveLayout,
    bad: list[BadRow],
    missing: list[RecordRef],
    scans: dict[str, FileScan],
    files: dict[str, Path],
    report: RepairReport,
) -> None:
    requests: dict[str, RecordRef] = {}
    for scan in scans.values():
        for ref in scan.records:
            if ref.warc_type == "request" and ref.concurrent_to:
                requests.setdefault(ref.concurrent_to, ref)
    index = ArchiveIndex(layout.index_path)
    try:
        for gone in bad:
            index.db.execute(f"DELETE FROM {gone.table} WHERE id = ?", (gone.rowid,))
            report.dropped.append(gone)
        for ref in missing:
            record = read_record(files[ref.filename], ref.offset)
            if ref.table == "captures":
                request = requests.get(ref.record_id)
                if request is None:
                    index.add_capture(capture_row_of(record))
                else:
                    where = RecordLocation(request.filename, request.offset, request.length)
                    index.add_capture(capture_row_of(record, request.record_id, where))
                report.indexed["captures"] += 1
                continue
            found = row_of(record)
            if found is not None:
                table, row = found
                if table == "articles":
                    index.add_article(row)
                else:
                    index.add_run(row)
                report.indexed[table] += 1
        index.commit()
        write_cdxj(index.db, layout.cdxj_path)
        report.cdxj_written = True
    except sqlite3.Error as exc:
        raise index_error(exc, layout.index_path) from None
    finally:
        index.close()


def _refresh_cdxj(layout: ArchiveLayout, timeout: float, report: RepairReport) -> None:
    if report.cdxj_written:
        return
    db = connect_readonly(layout.index_path, timeout)
    try:
        stale = cdxj_mismatch(layout, db) is not None
    finally:
        db.close()
    if stale:
        index = ArchiveIndex(layout.index_path)
        try:
            write_cdxj(index.db, layout.cdxj_path)
        finally:
            index.close()
        report.cdxj_written = True
