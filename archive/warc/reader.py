"""Reading WARC records back: every record of a file with its offset and length, or
one record at an offset.

Each gzip member is taken out by :mod:`archive.warc.members` (so torn and corrupt members
are found at their exact offsets instead of being skipped) and its content parsed
with warcio's :class:`~warcio.archiveiterator.ArchiveIterator`. Any damage raises
:class:`WarcReadError` naming the file and offset.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.layout import OPEN_SUFFIX
from archive.warc.members import TORN, Member, iter_members, read_member
from archive.warc.writer import RecordLocation

_END = b"\r\n\r\n"


class WarcReadError(Exception):
    """A record cannot be read: torn, corrupt or malformed."""

    def __init__(
        self,
        path: Path,
        offset: int,
        reason: str,
        record_id: str | None = None,
        torn: bool = False,
    ) -> None:
        self.path = Path(path)
        self.offset = offset
        self.reason = reason
        self.record_id = record_id
        self.torn = torn
        super().__init__(f"{self.path.name}: offset {offset}: {reason}")


@dataclass(frozen=True)
class ArchivedRecord:
    """One WARC record as stored: its WARC headers and block, and where it lies.

    ``filename`` is the file's final name (without ``.open``), as index rows name it.
    For ``application/http`` records the block splits into ``http_head`` (status
    line and headers) and ``payload`` (the entity as stored, content-encoding kept);
    for other records ``payload`` is the whole block."""

    filename: str
    offset: int
    length: int
    headers: tuple[tuple[str, str], ...]
    block: bytes

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    @property
    def warc_type(self) -> str:
        return self.header("WARC-Type") or ""

    @property
    def record_id(self) -> str:
        return self.header("WARC-Record-ID") or ""

    @property
    def location(self) -> RecordLocation:
        return RecordLocation(self.filename, self.offset, self.length)

    @property
    def is_http(self) -> bool:
        return (self.header("Content-Type") or "").lower().startswith("application/http")

    @cached_property
    def _http_split(self) -> tuple[bytes, bytes]:
        if not self.is_http:
            return b"", self.block
        end = self.block.find(_END)
        if end == -1:
            return self.block, b""
        return self.block[: end + 4], self.block[end + 4 :]

    @property
    def http_head(self) -> bytes:
        return self._http_split[0]

    @property
    def payload(self) -> bytes:
        return self._http_split[1]

    @cached_property
    def http_headers(self) -> list[tuple[str, str]]:
        """HTTP headers of the stored message, decoded as Latin-1, in order."""
        lines = self.http_head.decode("latin-1").split("\r\n")[1:]
        out: list[tuple[str, str]] = []
        for line in lines:
            name, sep, value = line.partition(":")
            if sep and name.strip():
                out.append((name.strip(), value.strip()))
        return out

    def http_header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.http_headers if k.lower() == lname), None)

    @property
    def http_status(self) -> int | None:
        """The status code of an HTTP response, ``None`` for anything else."""
        first = self.http_head.split(b"\r\n", 1)[0].split()
        if len(first) >= 2 and first[0].startswith(b"HTTP/") and first[1].isdigit():
            return int(first[1])
        return None


def final_name(path: Path) -> str:
    """The name index rows use for a WARC file: without ``.open``."""
    return path.name.removesuffix(OPEN_SUFFIX)


def parse_record(data: bytes, filename: str, offset: int, length: int) -> ArchivedRecord:
    """Parse the decompressed content of one member: exactly one WARC record whose block
    is ``Content-Length`` bytes, followed by CRLF CRLF. Raises ``ValueError``."""
    head_end = data.find(_END)
    if not data.startswith(b"WARC/") or head_end == -1:
        raise ValueError("not a WARC record")
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), no_record_parse=True)))
        headers = tuple((str(k), str(v)) for k, v in record.rec_headers.headers)
        declared = record.rec_headers.get_header("Content-Length")
        block = record.raw_stream.read()
    except Exception as exc:  # warcio raises several kinds on malformed input
        raise ValueError(f"malformed WARC record ({exc})") from None
    if declared is None or not declared.strip().isdigit():
        raise ValueError("no valid Content-Length")
    if int(declared) != len(block) or data[head_end + 4 + len(block) :] != _END:
        raise ValueError(f"Content-Length {declared} does not match the record's block")
    return ArchivedRecord(filename, offset, length, headers, block)


def record_of(member: Member, path: Path) -> ArchivedRecord:
    """The record of a member, or :class:`WarcReadError`."""
    if member.data is None:
        raise WarcReadError(
            path,
            member.offset,
            member.reason or "damaged",
            member.salvaged_id,
            torn=member.damage == TORN,
        )
    try:
        return parse_record(member.data, final_name(path), member.offset, member.length)
    except ValueError as exc:
        raise WarcReadError(path, member.offset, str(exc)) from None


def iter_records(
    path: Path,
    *,
    on_bytes: Callable[[int], None] | None = None,
    on_damage: Callable[[WarcReadError], None] | None = None,
) -> Iterator[ArchivedRecord]:
    """Every record of *path* in file order. A damaged record raises
    :class:`WarcReadError`, or, given ``on_damage``, is handed to it and skipped (it
    may raise)."""
    path = Path(path)
    for member in iter_members(path, on_bytes=on_bytes):
        try:
            record = record_of(member, path)
        except WarcReadError as exc:
            if on_damage is None:
                raise
            on_damage(exc)
            continue
        yield record


def read_record(path: Path, offset: int) -> ArchivedRecord:
    """The record whose gzip member starts at *offset* of *path*."""
    path = Path(path)
    with open(path, "rb") as fh:
        return record_of(read_member(fh, offset), path)
