"""Runs that ended without a run report (killed: SIGKILL, a power cut, or a failure that
left no report), and the responses they archived but never extracted.

A crawl names its files ``PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz`` with SERIAL
counting from 1 in each process, and ends its last file with its run report. So the
files of one run are those of one (prefix, host, pid) from a serial 1 to the next; a
run none of whose files holds a run report, and for which no later run wrote one
(:func:`killed_report`, under a run id derived from its first file), was killed.
Everything else is read from the indexes (the archive's and the workers'), which
``repair_archive`` has brought up to date with the WARC files: run it first, holding
the archive's lock, with no other crawl writing. Scrapy-free.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.access import connect_readonly, index_started
from archive.index.sqlite import table_exists
from archive.layout import ArchiveLayout, index_layouts
from archive.warc.reader import read_record
from archive.warc.records import RUN_URI_PREFIX, parse_warc_fields

KILLED = "killed"  # the finish reason of a run that wrote no report

_NAME = re.compile(
    r"^(?P<prefix>.+)-(?P<stamp>\d{17})-(?P<serial>\d{5,})-(?P<host>[^-]+)-(?P<pid>\d+)\.warc\.gz$"
)
_HTML = ("text/html", "application/xhtml+xml")
_CHUNK = 500  # values bound per query, within SQLite's smallest limit


@dataclass(frozen=True)
class OrphanResponse:
    """A whole 2xx (X)HTML response a killed run archived and that no article refers to:
    its extraction never reached the archive."""

    url: str
    record_id: str
    filename: str
    offset: int
    length: int
    warc_date: str


@dataclass
class KilledRun:
    files: tuple[str, ...]  # its WARC files, in the order written
    report: dict[str, Any]  # its run report: finish reason "killed", what it archived
    orphans: list[OrphanResponse] = field(default_factory=list)


def killed_run_id(first_file: str) -> str:
    """The run id of the report written for a killed run, from its first file: the same
    whoever writes it, so that a run is reported once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{RUN_URI_PREFIX}{KILLED}:{first_file}"))


def run_files(names: Iterable[str]) -> list[tuple[str, ...]]:
    """The WARC file names grouped by the run that wrote them, each group in the order
    written. Names not made by the crawler are left out."""
    by_process: dict[tuple[str, str, str], list[tuple[str, int, str]]] = {}
    for name in names:
        m = _NAME.match(name)
        if m is not None:
            key = (m["prefix"], m["host"], m["pid"])
            by_process.setdefault(key, []).append((m["stamp"], int(m["serial"]), name))
    runs: list[tuple[str, ...]] = []
    for files in by_process.values():
        files.sort()
        current: list[str] = []
        last_serial = 0
        for _stamp, serial, name in files:
            if current and (serial == 1 or serial <= last_serial):
                runs.append(tuple(current))
                current = []
            current.append(name)
            last_serial = serial
        if current:
            runs.append(tuple(current))
    return runs


def killed_runs(layout: ArchiveLayout, timeout: float = 10.0) -> list[KilledRun]:
    """The runs of the archive at ``layout.root`` that left no run report, oldest first,
    each with its report and its orphan responses (:class:`OrphanResponse`)."""
    names = [p.name for p in layout.warc_files(include_open=False)]
    groups = run_files(names)
    if not groups:
        return []
    dbs = _open_indexes(layout.root, timeout)
    try:
        reported_files, reported_ids = _reported(dbs)
        killed = [
            g
            for g in groups
            if killed_run_id(g[0]) not in reported_ids and not reported_files.intersection(g)
        ]
        out = [_killed_run(layout, dbs, files) for files in killed]
    finally:
        for db in dbs:
            db.close()
    out.sort(key=lambda k: str(k.report["started"]))
    return out


def _open_indexes(root: Path, timeout: float) -> list[sqlite3.Connection]:
    dbs = []
    for other in index_layouts(root):
        if index_started(other.index_path, timeout):
            dbs.append(connect_readonly(other.index_path, timeout))
    return dbs


def _reported(dbs: Sequence[sqlite3.Connection]) -> tuple[set[str], set[str]]:
    files: set[str] = set()
    ids: set[str] = set()
    for db in dbs:
        if not table_exists(db, "runs"):
            continue
        for run_id, name in db.execute("SELECT run_id, warc_filename FROM runs"):
            ids.add(run_id)
            if name:
                files.add(name)
    return files, ids


def _chunks(values: Sequence[str]) -> Iterator[tuple[str, Sequence[str]]]:
    for start in range(0, len(values), _CHUNK):
        part = values[start : start + _CHUNK]
        yield ", ".join("?" for _ in part), part


def _killed_run(
    layout: ArchiveLayout, dbs: Sequence[sqlite3.Connection], files: tuple[str, ...]
) -> KilledRun:
    captures: dict[str, sqlite3.Row] = {}
    conversions: dict[str, tuple[str, int]] = {}
    for db in dbs:
        for marks, part in _chunks(files):
            for row in db.execute(
                "SELECT record_id, record_type, url, status, mime, truncated, warc_filename, "
                "warc_offset, warc_length, warc_date, request_offset FROM captures "
                f"WHERE warc_filename IN ({marks})",
                part,
            ):
                captures[row["record_id"]] = row
            for cid, name, offset in db.execute(
                "SELECT conversion_record_id, conversion_filename, conversion_offset "
                f"FROM articles WHERE conversion_filename IN ({marks})",
                part,
            ):
                conversions[cid] = (name, offset)
    candidates = [
        row
        for row in captures.values()
        if row["record_type"] == "response"
        and row["status"] is not None
        and 200 <= row["status"] <= 299
        and row["truncated"] is None
        and (row["mime"] is None or row["mime"] in _HTML)
    ]
    extracted: set[str] = set()
    ids = [row["record_id"] for row in candidates]
    for db in dbs:
        for marks, part in _chunks(ids):
            extracted.update(
                r
                for (r,) in db.execute(
                    f"SELECT warc_record_id FROM articles WHERE warc_record_id IN ({marks})", part
                )
            )
    orphans = [
        OrphanResponse(
            row["url"],
            row["record_id"],
            row["warc_filename"],
            row["warc_offset"],
            row["warc_length"],
            row["warc_date"],
        )
        for row in candidates
        if row["record_id"] not in extracted
    ]
    orphans.sort(key=lambda o: (files.index(o.filename), o.offset))
    # the last record it wrote: the furthest one the index knows in its last file (a
    # request follows its response), else that file's warcinfo
    last_file = files[-1]
    ends = [0]
    for row in captures.values():
        if row["warc_filename"] == last_file:
            ends += [row["warc_offset"], row["request_offset"] or 0]
    ends += [offset for name, offset in conversions.values() if name == last_file]
    finished = read_record(layout.warc_path(last_file), max(ends)).header("WARC-Date")
    info = read_record(layout.warc_path(files[0]), 0)
    fields = dict(parse_warc_fields(info.block)) if info.warc_type == "warcinfo" else {}
    report: dict[str, Any] = {
        "run_id": killed_run_id(files[0]),
        "spider": fields.get("isPartOf"),
        "started": info.header("WARC-Date"),
        "finished": finished,
        "pages": len(captures),
        "new_articles": len(conversions),
        "revisits": sum(1 for row in captures.values() if row["record_type"] == "revisit"),
        "errors": None,  # unknown: the run's counts died with it
        "finish_reason": KILLED,
        "exit_status": None,
        "warc_files": list(files),
        "stats": {},
    }
    return KilledRun(files, report, orphans)


__all__ = ["KILLED", "KilledRun", "OrphanResponse", "killed_run_id", "killed_runs", "run_files"]
