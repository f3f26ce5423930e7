"""Index rows derived from WARC records.

The crawl and ``reindex`` both build rows here, from nothing but what the records
say, so that an index rebuilt from the WARC files equals the one the crawl wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import surt as surtlib

from archive.warc.writer import RecordLocation

HeaderGetter = Callable[[str], "str | None"]

# the fields of an article, in export order; they are also the keys of a conversion
# record's JSON document
ARTICLE_FIELDS = (
    "url",
    "canonical_url",
    "title",
    "author",
    "published",
    "language",
    "sitename",
    "description",
    "tags",
    "categories",
    "text",
    "fetched_at",
    "warc_filename",
    "warc_record_id",
    "warc_offset",
)


# the index rows of the pages an HTML parser reads: what has articles
HTML_MIMES = ("text/html", "application/xhtml+xml")


def to_surt(url: str) -> str:
    try:
        return str(surtlib.surt(url))
    except Exception:  # a URL surt cannot parse still gets indexed under itself
        return url


def cdx_timestamp(warc_date: str) -> str:
    digits = "".join(ch for ch in warc_date if ch.isdigit())
    return digits[:14].ljust(14, "0")


def mime_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def capture_row(
    get: HeaderGetter,
    status: int | None,
    content_type: str | None,
    location: RecordLocation,
    request_id: str | None = None,
    request_location: RecordLocation | None = None,
) -> dict[str, Any]:
    """The ``captures`` row of a response or revisit record."""
    url = get("WARC-Target-URI") or ""
    date = get("WARC-Date") or ""
    return {
        "record_id": get("WARC-Record-ID"),
        "record_type": get("WARC-Type"),
        "url": url,
        "surt": to_surt(url),
        "timestamp": cdx_timestamp(date),
        "warc_date": date,
        "status": status,
        "mime": mime_of(content_type),
        "payload_digest": get("WARC-Payload-Digest"),
        "warc_filename": location.filename,
        "warc_offset": location.offset,
        "warc_length": location.length,
        "request_record_id": request_id,
        "request_offset": request_location.offset if request_location else None,
        "request_length": request_location.length if request_location else None,
        "truncated": get("WARC-Truncated"),
    }


def article_row(
    document: Mapping[str, Any], conversion_id: str, location: RecordLocation
) -> dict[str, Any]:
    """The ``articles`` row of a conversion record's JSON document."""
    row = {name: document.get(name) for name in ARTICLE_FIELDS}
    row["tags"] = list(document.get("tags") or [])
    row["categories"] = list(document.get("categories") or [])
    row["extractor"] = document.get("extractor")
    row["conversion_record_id"] = conversion_id
    row["conversion_filename"] = location.filename
    row["conversion_offset"] = location.offset
    row["conversion_length"] = location.length
    return row


def cdxj_line(row: Mapping[str, Any]) -> str:
    """One line of a CDXJ index as pywb reads it."""
    fields: dict[str, str] = {"url": row["url"]}
    fields["mime"] = row["mime"] or "unk"
    if row["record_type"] == "revisit":
        fields["mime"] = "warc/revisit"
    if row["status"] is not None:
        fields["status"] = str(row["status"])
    if row["payload_digest"]:
        fields["digest"] = str(row["payload_digest"]).removeprefix("sha1:")
    fields["length"] = str(row["warc_length"])
    fields["offset"] = str(row["warc_offset"])
    fields["filename"] = row["warc_filename"]
    return f"{row['surt']} {row['timestamp']} {json.dumps(fields, ensure_ascii=False)}"


def run_row(
    document: Mapping[str, Any], record_id: str, location: RecordLocation
) -> dict[str, Any]:
    """The ``runs`` row of a run report (a metadata record at ``urn:news-archive:run:ID``)."""
    row = dict(document)
    row["record_id"] = record_id
    row["warc_filename"] = location.filename
    row["warc_offset"] = location.offset
    return row
