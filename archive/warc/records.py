"""Building WARC/1.1 records as bytes: headers, digests, HTTP message blocks.

Pure functions with no I/O: the writer decides where the bytes go. Each record is
returned uncompressed; :func:`gzip_member` turns it into one gzip member so that
every record can be read on its own from its offset.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

WARC_VERSION = b"WARC/1.1"
CRLF = b"\r\n"
# the WARC-Target-URI of a run report (a metadata record): this prefix and the run id
RUN_URI_PREFIX = "urn:news-archive:run:"

Header = tuple[str, str]


def sha1_digest(data: bytes) -> str:
    """``sha1:`` followed by the base32 SHA-1 of *data*, as WARC digests are written."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(moment: datetime | None = None) -> str:
    """WARC-Date in UTC with microseconds and a ``Z`` (allowed by WARC/1.1)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _header_bytes(name: str | bytes, value: str | bytes) -> bytes:
    if isinstance(name, str):
        name = name.encode("latin-1", "replace")
    if isinstance(value, str):
        value = value.encode("utf-8")
    # a header value must never break the message framing
    value = value.replace(b"\r", b" ").replace(b"\n", b" ")
    return name + b": " + value + CRLF


def http_response_block(
    protocol: str, status: int, reason: str, headers: Iterable[tuple[bytes, bytes]], body: bytes
) -> tuple[bytes, bytes]:
    """Return (http head, body): the HTTP response message as the block of a record."""
    head = f"{protocol} {status} {reason}".rstrip().encode("latin-1", "replace") + CRLF
    head += b"".join(_header_bytes(k, v) for k, v in headers) + CRLF
    return head, body


def http_request_block(
    method: str, target: str, protocol: str, headers: Iterable[tuple[bytes, bytes]], body: bytes
) -> tuple[bytes, bytes]:
    head = f"{method} {target} {protocol}".encode("latin-1", "replace") + CRLF
    head += b"".join(_header_bytes(k, v) for k, v in headers) + CRLF
    return head, body


@dataclass
class WarcRecord:
    """One record before serialisation.

    ``head`` is the part of the block before the payload (HTTP status line and headers),
    empty for records without an HTTP message. The payload digest covers ``payload``
    only; the block digest covers ``head + payload``.
    """

    warc_type: str
    headers: list[Header]
    payload: bytes = b""
    head: bytes = b""
    content_type: str | None = None
    payload_digest: bool = True
    record_id: str = field(default_factory=new_record_id)
    # the payload is compressed data already (gzip-encoded HTML, a JPEG): deflating it
    # again costs the crawl about 1 ms per 30 KB and saves nothing
    compressed_payload: bool = False

    @cached_property
    def block_digest(self) -> str:
        return sha1_digest(self.head + self.payload)

    @cached_property
    def payload_digest_value(self) -> str | None:
        """The payload digest the record carries: given in ``headers`` (a revisit names
        the digest of the payload it stands for) or computed over ``payload``."""
        if not self.payload_digest:
            return None
        for key, value in self.headers:
            if key.lower() == "warc-payload-digest":
                return value
        return sha1_digest(self.payload)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        if lname == "warc-type":
            return self.warc_type
        if lname == "warc-record-id":
            return self.record_id
        if lname == "warc-payload-digest":
            return self.payload_digest_value
        if lname == "warc-block-digest":
            return self.block_digest
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def to_bytes(self) -> bytes:
        block = self.head + self.payload
        out = [WARC_VERSION + CRLF]
        out.append(_header_bytes("WARC-Type", self.warc_type))
        out.append(_header_bytes("WARC-Record-ID", self.record_id))
        out.extend(
            _header_bytes(k, v) for k, v in self.headers if k.lower() != "warc-payload-digest"
        )
        out.append(_header_bytes("WARC-Block-Digest", self.block_digest))
        if self.payload_digest_value:
            out.append(_header_bytes("WARC-Payload-Digest", self.payload_digest_value))
        if self.content_type:
            out.append(_header_bytes("Content-Type", self.content_type))
        out.append(_header_bytes("Content-Length", str(len(block))))
        out.append(CRLF)
        out.append(block)
        out.append(CRLF + CRLF)
        return b"".join(out)


# magic numbers of compressed formats: gzip, zstd, zip (docx, epub...), PNG, JPEG, GIF,
# WOFF and WOFF2, bzip2, xz, 7z; WebP and ISO media (MP4, M4A, AVIF, HEIC) are checked
# further in. Not RIFF as such: a WAV file is most often plain PCM, which deflates.
_COMPRESSED_MAGIC = (
    b"\x1f\x8b",
    b"\x28\xb5\x2f\xfd",
    b"PK\x03\x04",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"wOFF",
    b"wOF2",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
)


def is_compressed(data: bytes, content_encoding: bytes | None = None) -> bool:
    """True when *data* is compressed already: a content coding other than identity (br
    has no magic number), or the magic number of a compressed format."""
    if content_encoding and content_encoding.strip().lower() not in (b"", b"identity"):
        return True
    return (
        data.startswith(_COMPRESSED_MAGIC)
        or data[4:8] == b"ftyp"
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def gzip_member(data: bytes, level: int = 6) -> bytes:
    """Compress *data* as one complete gzip member."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def warc_fields(fields: Sequence[tuple[str, str]]) -> bytes:
    """An ``application/warc-fields`` block."""
    return b"".join(_header_bytes(k, v) for k, v in fields)


def parse_warc_fields(block: bytes) -> list[tuple[str, str]]:
    """The fields of an ``application/warc-fields`` block (a warcinfo record's), in order."""
    out = []
    for line in block.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out.append((key.strip(), value.strip()))
    return out
