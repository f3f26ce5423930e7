"""Reading WARC files back in tests, with digests checked independently."""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders


@dataclass
class Rec:
    offset: int
    length: int
    type: str
    headers: StatusAndHeaders
    http: StatusAndHeaders | None
    payload: bytes  # the HTTP entity as stored (content-encoding kept)
    block: bytes

    def h(self, name: str) -> str | None:
        return self.headers.get_header(name)

    @property
    def id(self) -> str:
        return str(self.h("WARC-Record-ID"))


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def gzip_members(path: Path) -> list[tuple[int, int]]:
    """(offset, length) of every gzip member, by decompressing member after member."""
    data = path.read_bytes()
    out, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        d.decompress(data[pos:])
        if not d.eof:
            raise AssertionError(f"{path.name}: torn gzip member at {pos}")
        used = len(data) - pos - len(d.unused_data)
        out.append((pos, used))
        pos += used
    return out


def raw_block(path: Path, offset: int, length: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(offset)
        record = zlib.decompressobj(31).decompress(fh.read(length))  # the first member
    head, _, rest = record.partition(b"\r\n\r\n")
    size = int(
        next(
            line.split(b":", 1)[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
    )
    assert rest[size:] == b"\r\n\r\n", "record must end with CRLF CRLF after its block"
    return rest[:size]


def read_warc(path: Path) -> list[Rec]:
    members = gzip_members(path)
    recs: list[Rec] = []
    with open(path, "rb") as fh:
        for (offset, length), record in zip(members, ArchiveIterator(fh), strict=True):
            payload = record.raw_stream.read()
            recs.append(
                Rec(
                    offset,
                    length,
                    record.rec_type,
                    record.rec_headers,
                    record.http_headers,
                    payload,
                    raw_block(path, offset, length),
                )
            )
    return recs


def check_record_digests(rec: Rec) -> None:
    assert rec.h("WARC-Block-Digest") == sha1(rec.block), f"block digest of {rec.id}"
    if rec.type in ("warcinfo", "metadata"):
        assert rec.h("WARC-Payload-Digest") is None
        return
    if rec.type == "revisit":  # names the payload of the record it refers to
        assert rec.payload == b""
        return
    assert rec.h("WARC-Payload-Digest") == sha1(rec.payload), f"payload digest of {rec.id}"


def read_record_at(path: Path, offset: int, length: int) -> Rec:
    with open(path, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        payload = record.raw_stream.read()
        return Rec(
            offset,
            length,
            record.rec_type,
            record.rec_headers,
            record.http_headers,
            payload,
            raw_block(path, offset, length),
        )
