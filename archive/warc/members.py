"""Walking the gzip members of a WARC file, one record per member, damage included.

Pure :mod:`zlib`, no WARC parsing: each member is decompressed on its own, so a torn
tail (the file ends inside a member, as after a crash) and a corrupt member (bad
deflate data or checksum) are told apart from complete ones, with exact offsets.
After a corrupt member the walk resynchronises on the next offset where a complete
member holding a WARC record starts.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b\x08"
_RECORD_ID_RE = re.compile(rb"\r\nWARC-Record-ID:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE)

TORN = "torn"
CORRUPT = "corrupt"


@dataclass(frozen=True)
class Member:
    """One gzip member: ``data`` is its decompressed content, ``None`` when damaged.

    ``damage`` is :data:`TORN` (the file ends inside the member) or :data:`CORRUPT`;
    ``reason`` says what zlib found; ``salvaged_id`` is the WARC-Record-ID read from
    the part of a damaged member that still decompresses, if any."""

    offset: int
    length: int
    data: bytes | None
    damage: str | None = None
    reason: str | None = None
    salvaged_id: str | None = None

    @property
    def complete(self) -> bool:
        return self.data is not None


def iter_members(path: Path, *, on_bytes: Callable[[int], None] | None = None) -> Iterator[Member]:
    """Every gzip member of *path*, in file order, complete or damaged.

    ``on_bytes`` is called with the number of compressed bytes each member covers
    (for progress bars)."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        offset = 0
        pending = b""
        while offset < size:
            member, pending = _next_member(fh, offset, pending)
            if member.complete:
                yield member
                offset += member.length
            else:
                resync = _resync(fh, offset + 1, size) if member.damage == CORRUPT else None
                end = resync if resync is not None else size
                member = Member(
                    offset,
                    end - offset,
                    None,
                    member.damage,
                    member.reason,
                    _salvage_id(fh, offset, end - offset),
                )
                yield member
                offset = end
                fh.seek(offset)
                pending = b""
            if on_bytes is not None:
                on_bytes(member.length)


def read_member(fh: BinaryIO, offset: int) -> Member:
    """The single member starting at *offset* of an open file."""
    fh.seek(offset)
    member, _ = _next_member(fh, offset, b"")
    if not member.complete:
        end = fh.seek(0, os.SEEK_END)
        member = Member(
            offset,
            member.length,
            None,
            member.damage,
            member.reason,
            _salvage_id(fh, offset, end - offset),
        )
    return member


def complete_prefix(path: Path) -> int:
    """Where the last complete member of *path* ends (0 when there is none): everything
    after it holds no complete member."""
    end = 0
    for member in iter_members(path):
        if member.complete:
            end = member.offset + member.length
    return end


def _next_member(fh: BinaryIO, offset: int, pending: bytes) -> tuple[Member, bytes]:
    """Decompress the member at *offset*; *pending* holds bytes already read from there.
    Returns the member and the bytes read past its end."""
    d = zlib.decompressobj(31)
    parts: list[bytes] = []
    fed = 0
    data = pending or fh.read(CHUNK)
    try:
        while data:
            parts.append(d.decompress(data))
            fed += len(data)
            if d.eof:
                break
            data = fh.read(CHUNK)
    except zlib.error as exc:
        return Member(offset, 0, None, CORRUPT, f"corrupt gzip member ({exc})"), b""
    if not d.eof:
        return Member(offset, fed, None, TORN, "torn gzip member: the file ends inside it"), b""
    rest = d.unused_data
    return Member(offset, fed - len(rest), b"".join(parts)), rest


def _resync(fh: BinaryIO, start: int, size: int) -> int | None:
    """The next offset at or after *start* where a gzip member holding a WARC record
    starts, or ``None``."""
    pos = start
    while pos < size:
        fh.seek(pos)
        window = fh.read(CHUNK + len(GZIP_MAGIC))
        if not window:
            return None
        found = window.find(GZIP_MAGIC)
        while found != -1:
            if _starts_record(fh, pos + found):
                return pos + found
            found = window.find(GZIP_MAGIC, found + 1)
        pos += CHUNK
    return None


def _starts_record(fh: BinaryIO, offset: int) -> bool:
    fh.seek(offset)
    d = zlib.decompressobj(31)
    try:
        head = d.decompress(fh.read(4096), 5)
    except zlib.error:
        return False
    return head == b"WARC/"


def _salvage_id(fh: BinaryIO, offset: int, length: int) -> str | None:
    """The record id in the part of a damaged member that still decompresses."""
    fh.seek(offset)
    raw = fh.read(min(length, 64 * 1024))
    d = zlib.decompressobj(31)
    out = b""
    for i in range(0, len(raw), 64):
        try:
            out += d.decompress(raw[i : i + 64])
        except zlib.error:
            break
        end = out.find(b"\r\n\r\n")
        if end != -1:
            out = out[:end]
            break
    match = _RECORD_ID_RE.search(out)
    return match.group(1).decode("ascii", "replace") if match else None
