"""Undoing a stored body's Content-Encoding (gzip, deflate, br, zstd) within a size bound.

The archive keeps bodies as they were received, so a compression bomb a hostile site
sent (256 MiB of zeros in 256 KiB) is stored as sent; the crawl stops inflating it at
DOWNLOAD_MAXSIZE. Everything that reads a body back (``show --raw``, ``reextract``)
decodes it here, incrementally: no step ever holds more than ``max_size`` bytes (plus
one 64 KiB chunk), and a body that would inflate past it raises :class:`BodyTooLarge`.
The bound defaults to the crawl's DOWNLOAD_MAXSIZE (16 MiB), and ``$NEWS_ARCHIVE_MAX_BODY``
or a command's ``--max-body-size`` changes it.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Mapping
from typing import Any

DEFAULT_MAX_BODY = 16 * 1024 * 1024  # crawler/settings.py: DOWNLOAD_MAXSIZE
MAX_BODY_ENV = "NEWS_ARCHIVE_MAX_BODY"
CHUNK = 64 * 1024  # brotli's output, a step at a time
GZIP_WBITS = 16 + zlib.MAX_WBITS

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
_SIZE = re.compile(r"\s*(\d{1,15})\s*([kmg]?)(?:i?b)?\s*", re.IGNORECASE)


class Undecodable(ValueError):
    """The archived body cannot be turned back into a document."""


class BodyTooLarge(Undecodable):
    """The body inflates past the bound (a compression bomb, most likely)."""

    def __init__(self, coding: str, max_size: int) -> None:
        self.coding = coding
        self.max_size = max_size
        super().__init__(
            f"Content-Encoding {coding} decodes past {format_size(max_size)} (a compression bomb?)"
        )


def parse_size(text: str) -> int:
    """A size in bytes from ``16777216``, ``16M``, ``16MiB``, ``512k``, ``1G`` (binary
    units). Raises ``ValueError`` for anything else, or for 0."""
    match = _SIZE.fullmatch(text)
    if match is None or int(match[1]) == 0:
        raise ValueError(f"not a size (bytes, or a number with K, M or G): {text!r}")
    return int(match[1]) * _UNITS[match[2].lower()]


def format_size(size: int) -> str:
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} bytes"


def max_body_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The bound ``$NEWS_ARCHIVE_MAX_BODY`` sets, else :data:`DEFAULT_MAX_BODY`. Raises
    ``ValueError`` (naming the variable) when it is set to something else than a size."""
    value = (os.environ if environ is None else environ).get(MAX_BODY_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_BODY
    try:
        return parse_size(value)
    except ValueError as exc:
        raise ValueError(f"{MAX_BODY_ENV}: {exc}") from None


def decode_content(
    body: bytes, content_encoding: str | None, max_size: int = DEFAULT_MAX_BODY
) -> bytes:
    """Undo the Content-Encoding (a list is undone last first). A body cut short
    (WARC-Truncated) gives what decompresses. Raises :class:`BodyTooLarge` when a step
    would give more than *max_size* bytes, :class:`Undecodable` when it cannot be
    undone."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        body = _undo(coding, body, max_size)
    return body


def _undo(coding: str, body: bytes, max_size: int) -> bytes:
    if coding in ("identity", "none"):
        return body
    undo, errors = _decoder(coding)
    try:
        data = undo(body, max_size)
    except errors as exc:
        raise Undecodable(f"cannot undo Content-Encoding {coding}: {exc}") from None
    if len(data) > max_size:
        raise BodyTooLarge(coding, max_size)
    return data


def _decoder(coding: str) -> tuple[Callable[[bytes, int], bytes], tuple[type[Exception], ...]]:
    if coding in ("gzip", "x-gzip"):
        return (lambda body, limit: _inflate(body, GZIP_WBITS, limit)), (zlib.error,)
    if coding == "deflate":
        return _deflate, (zlib.error,)
    if coding == "br":
        brotli = _optional(coding, "brotli")
        return (lambda body, limit: _unbrotli(brotli, body, limit)), (brotli.error,)
    if coding == "zstd":
        zstd = _optional(coding, "compression.zstd", "backports.zstd")
        return (lambda body, limit: _unzstd(zstd, body, limit)), (zstd.ZstdError,)
    raise Undecodable(f"cannot undo Content-Encoding {coding}")


def _optional(coding: str, *modules: str) -> Any:
    import importlib

    for name in modules:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise Undecodable(f"cannot undo Content-Encoding {coding}: {modules[-1]} is not installed")


# Each returns at most limit + 1 bytes (brotli: limit + CHUNK): more means too large.
def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    return zlib.decompressobj(wbits).decompress(body, limit + 1)


def _deflate(body: bytes, limit: int) -> bytes:
    try:
        return _inflate(body, zlib.MAX_WBITS, limit)
    except zlib.error:  # raw deflate, as some servers send
        return _inflate(body, -zlib.MAX_WBITS, limit)


def _unbrotli(brotli: Any, body: bytes, limit: int) -> bytes:
    decompressor = brotli.Decompressor()
    chunks = [decompressor.process(body, output_buffer_limit=CHUNK)]
    size = len(chunks[0])
    while size <= limit and not decompressor.is_finished():
        chunk = decompressor.process(b"", output_buffer_limit=CHUNK)
        if not chunk:  # cut short: what came
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _unzstd(zstd: Any, body: bytes, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    rest = body
    while rest and size <= limit:  # one frame after another
        decompressor = zstd.ZstdDecompressor()
        chunk = decompressor.decompress(rest, max_length=limit + 1 - size)
        chunks.append(chunk)
        size += len(chunk)
        rest = decompressor.unused_data if decompressor.eof else b""
    return b"".join(chunks)
