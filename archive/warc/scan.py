"""Checking WARC files record by record: gzip members, headers, digests.

:func:`scan_file` walks every member of a file (damaged ones included, see
:mod:`archive.warc.members`), parses each complete one and checks it on its own. What it
keeps of each record is a small :class:`RecordRef`, enough to pair records across
the archive and to compare them with the index.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.layout import OPEN_SUFFIX
from archive.warc.members import CORRUPT, TORN, iter_members
from archive.warc.reader import ArchivedRecord, final_name, parse_record
from archive.warc.records import RUN_URI_PREFIX

REQUIRED_HEADERS = ("WARC-Record-ID", "WARC-Date", "WARC-Type", "Content-Length")
# record types whose payload must carry a digest (WARC-Payload-Digest); revisits name
# the digest of a payload stored elsewhere, warcinfo and metadata carry none (§6.7)
PAYLOAD_DIGEST_TYPES = ("response", "request", "resource", "conversion")
NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "metadata")


@dataclass(frozen=True)
class Problem:
    """One thing wrong, printed as one line: ``FILE:OFFSET: RECORD-ID: MESSAGE``."""

    filename: str
    offset: int | None
    record_id: str | None
    message: str

    def __str__(self) -> str:
        offset = "-" if self.offset is None else str(self.offset)
        return f"{self.filename}:{offset}: {self.record_id or '-'}: {self.message}"


@dataclass(frozen=True)
class RecordRef:
    """What the archive-wide checks need of one complete record."""

    filename: str  # final name, as index rows have it
    offset: int
    length: int
    warc_type: str
    record_id: str
    date: str | None
    uri: str | None
    concurrent_to: str | None
    refers_to: str | None
    table: str | None  # the index table whose row it gets: captures, articles, runs


@dataclass(frozen=True)
class Damage:
    """A member that is not a complete record."""

    offset: int
    length: int
    kind: str  # members.TORN or members.CORRUPT
    record_id: str | None


@dataclass
class FileScan:
    path: Path
    size: int
    records: list[RecordRef] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    complete_end: int = 0  # where the last complete gzip member ends

    @property
    def filename(self) -> str:
        return final_name(self.path)

    @property
    def is_open(self) -> bool:
        return self.path.name.endswith(OPEN_SUFFIX)

    @property
    def torn(self) -> bool:
        return any(d.kind == TORN for d in self.damage)


def article_document(record: ArchivedRecord) -> dict[str, Any] | None:
    """The article JSON of a conversion record written by the archiver, else ``None``."""
    if record.warc_type != "conversion":
        return None
    content_type = (record.header("Content-Type") or "").lower()
    if not content_type.startswith("application/json"):
        return None
    try:
        document = json.loads(record.payload)
    except ValueError:
        return None
    if not isinstance(document, dict) or not document.get("url") or "text" not in document:
        return None
    return document


def run_document(record: ArchivedRecord) -> dict[str, Any] | None:
    """The run report of a metadata record written by the archiver, else ``None``."""
    if record.warc_type != "metadata":
        return None
    if not (record.header("WARC-Target-URI") or "").startswith(RUN_URI_PREFIX):
        return None
    try:
        document = json.loads(record.payload)
    except ValueError:
        return None
    return document if isinstance(document, dict) and document.get("run_id") else None


def index_table(record: ArchivedRecord) -> str | None:
    """Which index table has a row for *record*: ``captures``, ``articles``, ``runs``."""
    if record.warc_type in ("response", "revisit"):
        return "captures"
    if article_document(record) is not None:
        return "articles"
    if run_document(record) is not None:
        return "runs"
    return None


def digest_of(algorithm_and_value: str, data: bytes) -> bool | None:
    """Does a WARC digest (``sha1:BASE32``) match *data*? ``None`` when the algorithm or
    encoding is unknown."""
    algorithm, sep, value = algorithm_and_value.partition(":")
    if not sep:
        return None
    try:
        digest = hashlib.new(algorithm.strip().lower(), data).digest()
    except ValueError:
        return None
    value = value.strip()
    return value.upper() == base64.b32encode(digest).decode("ascii") or value.lower() == (
        digest.hex()
    )


def check_record(record: ArchivedRecord) -> list[str]:
    """What is wrong with one parsed record on its own."""
    messages = [f"no {name} header" for name in REQUIRED_HEADERS if not record.header(name)]
    block_digest = record.header("WARC-Block-Digest")
    if block_digest is None:
        messages.append("no WARC-Block-Digest")
    else:
        ok = digest_of(block_digest, record.block)
        if ok is None:
            messages.append(f"unsupported block digest {block_digest}")
        elif not ok:
            messages.append("block digest does not match the block")
    payload_digest = record.header("WARC-Payload-Digest")
    if record.warc_type in PAYLOAD_DIGEST_TYPES:
        if payload_digest is None:
            messages.append("no WARC-Payload-Digest")
        else:
            ok = digest_of(payload_digest, record.payload)
            if ok is None:
                messages.append(f"unsupported payload digest {payload_digest}")
            elif not ok:
                messages.append("payload digest does not match the payload")
    elif record.warc_type in NO_PAYLOAD_DIGEST_TYPES and payload_digest is not None:
        messages.append(f"a {record.warc_type} record carries a WARC-Payload-Digest")
    return messages


def ref_of(record: ArchivedRecord) -> RecordRef:
    return RecordRef(
        record.filename,
        record.offset,
        record.length,
        record.warc_type,
        record.record_id,
        record.header("WARC-Date"),
        record.header("WARC-Target-URI"),
        record.header("WARC-Concurrent-To"),
        record.header("WARC-Refers-To"),
        index_table(record),
    )


def scan_file(path: Path, *, on_bytes: Callable[[int], None] | None = None) -> FileScan:
    """Read every member of *path* and check each record on its own."""
    path = Path(path)
    scan = FileScan(path, path.stat().st_size)
    name = path.name
    first = True
    for member in iter_members(path, on_bytes=on_bytes):
        if member.data is None:
            kind = member.damage or CORRUPT
            scan.damage.append(Damage(member.offset, member.length, kind, member.salvaged_id))
            message = member.reason or "damaged gzip member"
            if kind == TORN:
                message += f" ({member.length} bytes after the last complete record)"
            scan.problems.append(Problem(name, member.offset, member.salvaged_id, message))
            first = False
            continue
        scan.complete_end = member.offset + member.length
        try:
            record = parse_record(member.data, scan.filename, member.offset, member.length)
        except ValueError as exc:
            scan.problems.append(Problem(name, member.offset, None, str(exc)))
            first = False
            continue
        if first and record.warc_type != "warcinfo":
            scan.problems.append(
                Problem(name, 0, record.record_id or None, "the file does not start with warcinfo")
            )
        first = False
        for message in check_record(record):
            scan.problems.append(Problem(name, record.offset, record.record_id or None, message))
        scan.records.append(ref_of(record))
    if first:
        scan.problems.append(Problem(name, None, None, "empty file: no warcinfo record"))
    return scan
