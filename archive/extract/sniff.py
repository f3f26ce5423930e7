"""Does a body look like an HTML document, whatever its Content-Type says? A cheap sniff
of its first bytes, shared by the crawler (which pages to parse for links) and the
extraction (which pages to hand to trafilatura)."""

from __future__ import annotations

import re

from w3lib.encoding import read_bom

_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"PK\x03\x04",  # ZIP, docx, epub...
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!",
    b"RIFF",  # webp, wav, avi
    b"OggS",
    b"ID3",  # mp3
    b"fLaC",
    b"wOFF",
    b"wOF2",
    b"\x00\x00\x01\x00",  # ico
    b"II*\x00",  # tiff
    b"MM\x00*",
    b"\xd0\xcf\x11\xe0",  # OLE (doc, xls)
    b"\x7fELF",
    b"%!PS",
)
_SNIFF_BYTES = 2048
_LEADING_JUNK_RE = re.compile(
    rb"(?:\s+|<!--.*?-->|<\?xml[^>]*>)*", re.DOTALL
)  # whitespace, comments, XML declaration
_HTML_START_RE = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|meta|title|link|script|style|noscript|base|div|p|"
    rb"article|main|section|header|nav|table|h[1-6]|span|a|center|font|form|iframe|br|ul|"
    rb"img|!--)[\s>/]",
    re.IGNORECASE,
)
_HTML_ANYWHERE_RE = re.compile(rb"<(?:html|head|body)[\s>]|<!doctype\s+html", re.IGNORECASE)
# control bytes other than \t \n \f \r (and ESC, used by ISO-2022): rare in HTML
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def looks_like_html(body: bytes) -> bool:
    """Sniff ``body``: does it look like an HTML document (whatever the Content-Type said)?"""
    if not body:
        return False
    encoding, bom = read_bom(body)
    if encoding is not None and bom is not None:
        if encoding.startswith(("utf-16", "utf-32")):
            # re-encode a prefix as ASCII-compatible bytes so the checks below apply
            head = body[len(bom) : len(bom) + 4 * _SNIFF_BYTES]
            sample = head.decode(encoding, "ignore").encode("utf-8", "ignore")[:_SNIFF_BYTES]
        else:
            sample = body[len(bom) : len(bom) + _SNIFF_BYTES]
    else:
        sample = body[:_SNIFF_BYTES]
    if sample.startswith(_BINARY_MAGIC):
        return False
    if sample.count(b"\x00") * 20 > len(sample):  # more than 5 % NUL bytes: binary
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls * 10 > len(sample):
        return False
    start = _LEADING_JUNK_RE.match(sample)
    rest = sample[start.end() if start else 0 :]
    if _HTML_START_RE.match(rest):
        return True
    # some junk (text, a stray byte) before the markup: accept if a document tag follows
    return bool(_HTML_ANYWHERE_RE.search(sample))
