"""``verify``: is every record whole, linked and indexed? Reads only, changes nothing.

Checks each WARC file (gzip members, required headers, digests, warcinfo first), the
links between records (request → response or revisit, conversion → response,
revisit → the record it repeats), and the indexes (every row reads back its record;
every capture, article and run record has its row in the archive's index or in a
worker's not merged yet; the CDXJ matches the SQLite index). ``.open`` files are
reported, torn or not, unless a crawl holds a lock: then they are being written and
are skipped.

A WARC file in object storage only (``NAME.warc.gz.stored``, docs/storage.md) is checked
by its object: there, with the size and SHA-256 of the file uploaded (a ``HEAD``, and
the object read back when the server keeps no checksum of it). Its records are not read
then: the index rows that name it are taken as they are, and links to its records are
not reported. With ``fetch_stored`` each such object is downloaded instead (one at a
time, into a temporary directory), its SHA-256 checked, and its records checked like
those of a local file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from archive.access import IndexLocked, connect_readonly
from archive.index.cdxj import cdxj_mismatch
from archive.index.sqlite import IndexUnavailable
from archive.integrity.indexcheck import (
    CAPTURE_TYPES,
    IndexRows,
    RowCheck,
    check_rows,
    missing_records,
)
from archive.layout import OPEN_SUFFIX, STORED_SUFFIX, ArchiveLayout, index_layouts
from archive.lock import busy_writers
from archive.plural import counted
from archive.store.s3 import StoreError
from archive.warc.reader import final_name
from archive.warc.scan import FileScan, Problem, RecordRef, scan_file
from archive.warc.stored import WarcSource, check_stored


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    records: int = 0
    bytes: int = 0
    index_rows: int = 0
    skipped_open: list[str] = field(default_factory=list)  # being written by a crawl
    stored: int = 0  # WARC files in the store only, checked by their objects' SHA-256
    fetched: int = 0  # of those, downloaded and checked record by record

    @property
    def clean(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        skipped = (
            f", {counted(len(self.skipped_open), 'open file')} skipped (a crawl is writing them)"
            if self.skipped_open
            else ""
        )
        if self.stored:
            how = "fetched and read" if self.fetched else "checked by SHA-256, not read"
            skipped += f" ({self.stored} of the WARC files in the store only: {how})"
        return (
            f"{counted(self.files, 'WARC file')}, {counted(self.records, 'record')}, "
            f"{counted(self.bytes, 'byte')}, "
            f"{counted(self.index_rows, 'index row')} checked: "
            f"{counted(len(self.problems), 'problem')}{skipped}"
        )


def verify_archive(
    layout: ArchiveLayout,
    *,
    timeout: float = 5.0,
    on_bytes: Callable[[int], None] | None = None,
    crawl_running: bool | None = None,
    fetch_stored: bool = False,
) -> VerifyReport:
    """Check the whole archive at ``layout.root``: its WARC files, its index and the
    indexes of workers not merged yet. Raises :class:`~archive.access.IndexLocked` when
    an index cannot be read for a lock; every other fault is a :class:`Problem`.

    ``crawl_running`` says whether a crawl is writing (``None``: whether anyone holds
    the archive's or a worker's lock; a caller that holds the lock passes ``False``).
    ``fetch_stored``: download the WARC files kept in the store only and read them (see
    the module docstring)."""
    report = VerifyReport()
    if crawl_running is None:
        crawl_running = bool(busy_writers(layout.root))
    files = layout.warc_files()
    to_scan = [p for p in files if not (crawl_running and p.name.endswith(OPEN_SUFFIX))]
    report.skipped_open = [p.name for p in files if p not in to_scan]
    disk_name = {final_name(p): p.name for p in files}

    indexes = _load_indexes(layout, timeout, report)
    scans = [scan_file(p, on_bytes=on_bytes) for p in to_scan]
    stored = layout.stored_names()
    unread: set[str] = set()  # in the store only, records not read
    with WarcSource(layout) as source:
        for name in stored:
            disk_name[name] = name + STORED_SUFFIX
            if fetch_stored:
                try:
                    scans.append(scan_file(source.path(name), on_bytes=on_bytes))
                    report.fetched += 1
                    continue
                except StoreError as exc:
                    report.problems.append(Problem(name + STORED_SUFFIX, None, None, str(exc)))
            else:
                report.problems.extend(_stored_problems(layout, name))
            unread.add(name)
    report.stored = len(stored)
    report.files = len(scans) + len(unread)
    report.records = sum(len(s.records) for s in scans)
    report.bytes = sum(s.size for s in scans)

    known_ids: dict[tuple[str, int], str] = {}
    for rows in indexes:
        known_ids.update(rows.ids_at())
    for s in scans:
        report.problems.extend(_with_ids(s, known_ids))
        if s.is_open:
            report.problems.append(_open_file_problem(s))
    damaged_ids = {
        d.record_id or known_ids.get((s.filename, d.offset)) for s in scans for d in s.damage
    }
    # the records of store-only files not read: links to them are not reported
    damaged_ids |= {i for rows in indexes for i in _ids_in(rows, unread)}
    damaged_at = {(s.filename, d.offset) for s in scans for d in s.damage}
    report.problems.extend(link_problems(scans, damaged_ids - {None}, damaged_at, disk_name))

    indexed: set[str] = set()
    for rows in indexes:
        report.index_rows += len(rows.captures) + len(rows.articles) + len(rows.runs)
        check = check_rows(rows, scans, disk_name)
        indexed |= check.indexed
        report.problems.extend(_row_problems(check, disk_name))
    if indexes:
        report.problems.extend(_missing_problems(missing_records(scans, indexed), disk_name))
        if not crawl_running:
            report.problems.extend(_cdxj_problems(layout, timeout))
    return report


def _stored_problems(layout: ArchiveLayout, name: str) -> list[Problem]:
    """Whether the object of a store-only file is there with the bytes uploaded."""
    shown = name + STORED_SUFFIX
    try:
        wrong = check_stored(layout, name)
    except StoreError as exc:
        return [Problem(shown, None, None, f"in the store only, and not checked: {exc}")]
    if wrong is None:
        return []
    return [Problem(shown, None, None, f"in the store only, and {wrong}: the file is lost")]


def _ids_in(rows: IndexRows, names: set[str]) -> Iterable[str]:
    """The record ids the rows of *rows* place in the files *names*."""
    if not names:
        return
    for r in rows.captures:
        if r["warc_filename"] in names:
            yield r["record_id"]
            if r["request_record_id"]:
                yield r["request_record_id"]
    for r in rows.articles:
        if r["conversion_filename"] in names:
            yield r["conversion_record_id"]
    for r in rows.runs:
        if r["warc_filename"] in names:
            yield r["record_id"]


def _load_indexes(layout: ArchiveLayout, timeout: float, report: VerifyReport) -> list[IndexRows]:
    """The rows of the archive's index and of the workers' (an unreadable index is a
    problem, a locked one an error)."""
    out = []
    for index in index_layouts(layout.root):
        if index.worker and not index.index_path.exists():
            continue
        name = str(index.index_path.relative_to(layout.root))
        try:
            out.append(IndexRows.read(index, timeout))
        except IndexLocked:
            raise
        except IndexUnavailable as exc:
            report.problems.append(Problem(name, None, None, str(exc)))
            if not index.worker:
                return []  # without the archive's index, "missing" means nothing
    return out


def _with_ids(scan: FileScan, known_ids: dict[tuple[str, int], str]) -> Iterable[Problem]:
    """The scan's problems, damaged members named by the index when their own header
    cannot tell."""
    for p in scan.problems:
        if p.record_id is None and p.offset is not None:
            known = known_ids.get((scan.filename, p.offset))
            if known:
                p = Problem(p.filename, p.offset, known, p.message)
        yield p


def _open_file_problem(scan: FileScan) -> Problem:
    if scan.torn:
        state = f"torn after offset {scan.complete_end}"
    else:
        state = "every record in it is complete"
    return Problem(
        scan.path.name,
        None,
        None,
        f"still open and no crawl holds the lock: left by a crashed crawl ({state}); "
        "`verify --repair` closes it",
    )


def link_problems(
    scans: list[FileScan],
    damaged_ids: set[str | None],
    damaged_at: set[tuple[str, int]],
    disk_name: dict[str, str],
) -> list[Problem]:
    """Requests paired with responses, conversions referring to responses, unique ids.
    Links to damaged records are not reported again."""
    problems: list[Problem] = []
    by_id: dict[str, RecordRef] = {}

    def problem(ref: RecordRef, message: str) -> None:
        name = disk_name.get(ref.filename, ref.filename)
        problems.append(Problem(name, ref.offset, ref.record_id or None, message))

    refs = [ref for s in scans for ref in s.records]
    for ref in refs:
        if ref.record_id in by_id:
            other = by_id[ref.record_id]
            problem(ref, f"record id also used at {other.filename}:{other.offset}")
        else:
            by_id[ref.record_id] = ref
    paired: set[str] = set()
    for ref in refs:
        if ref.warc_type == "request":
            target = _linked(ref, ref.concurrent_to, "WARC-Concurrent-To", by_id, damaged_ids)
            if isinstance(target, str):
                problem(ref, target)
            elif target is not None:
                paired.add(target.record_id)
                if target.date != ref.date:
                    problem(ref, f"WARC-Date differs from its response's ({target.date})")
                if target.uri != ref.uri:
                    problem(ref, f"WARC-Target-URI differs from its response's ({target.uri})")
        elif ref.warc_type == "conversion":
            target = _linked(ref, ref.refers_to, "WARC-Refers-To", by_id, damaged_ids)
            if isinstance(target, str):
                problem(ref, target)
            elif target is not None and target.uri != ref.uri:
                problem(ref, f"WARC-Target-URI differs from its response's ({target.uri})")
        elif (
            ref.warc_type == "revisit"
            and ref.refers_to
            and ref.refers_to not in by_id
            and ref.refers_to not in damaged_ids
        ):
            problem(ref, f"WARC-Refers-To {ref.refers_to} names no record in the archive")
    ends = {s.filename: s.size for s in scans}
    for ref in refs:
        if ref.warc_type in CAPTURE_TYPES and ref.record_id not in paired:
            end = ref.offset + ref.length
            if (ref.filename, end) in damaged_at or end == ends[ref.filename]:
                # its request is the damaged member after it, or was lost when a crash
                # cut the file between the two records of the pair (repair kept the
                # complete response): nothing more to tell or fix
                continue
            problem(ref, f"no request record has WARC-Concurrent-To naming this {ref.warc_type}")
    return problems


def _linked(
    ref: RecordRef,
    target_id: str | None,
    header: str,
    by_id: dict[str, RecordRef],
    damaged_ids: set[str | None],
) -> RecordRef | str | None:
    """The response *ref* links to, a problem message, or ``None`` (damaged target)."""
    if not target_id:
        return f"a {ref.warc_type} record without {header}"
    target = by_id.get(target_id)
    if target is None:
        if target_id in damaged_ids:
            return None
        return f"{header} {target_id} names no record in the archive"
    if target.warc_type not in CAPTURE_TYPES:
        return f"{header} names a {target.warc_type} record, not a response"
    return target


def _row_problems(check: RowCheck, disk_name: dict[str, str]) -> list[Problem]:
    problems = []
    for bad in check.bad_rows + check.wrong_links:
        if bad.damaged:
            continue  # the damaged member is reported already
        where = "" if bad.source == "index.sqlite3" else f" of {bad.source}"
        problems.append(
            Problem(
                disk_name.get(bad.filename, bad.filename),
                bad.offset,
                bad.record_id,
                f"index row {bad.table} #{bad.rowid}{where} does not read back its record: "
                f"{bad.reason}",
            )
        )
    return problems


def _missing_problems(missing: list[RecordRef], disk_name: dict[str, str]) -> list[Problem]:
    return [
        Problem(
            disk_name.get(ref.filename, ref.filename),
            ref.offset,
            ref.record_id,
            f"{ref.warc_type} record missing from the index (no {ref.table} row)",
        )
        for ref in missing
    ]


def _cdxj_problems(layout: ArchiveLayout, timeout: float) -> list[Problem]:
    try:
        db = connect_readonly(layout.index_path, timeout)
        try:
            mismatch = cdxj_mismatch(layout, db)
        finally:
            db.close()
    except (IndexUnavailable, sqlite3.Error):
        return []  # reported with the rows already
    if mismatch is None:
        return []
    message = mismatch + "; `verify --repair` rewrites it"
    return [Problem(layout.cdxj_path.name, None, None, message)]
