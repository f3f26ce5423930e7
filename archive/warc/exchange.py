"""One HTTP exchange as it crossed the wire, and the WARC records that keep it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from archive.warc.records import (
    WarcRecord,
    http_request_block,
    http_response_block,
    is_compressed,
    new_record_id,
    sha1_digest,
    warc_date,
)

# headers that describe a transfer framing the stored message no longer has
_FRAMING = {b"transfer-encoding"}


REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


@dataclass(frozen=True)
class PreviousCapture:
    """An earlier capture of the same URL: when the new payload is identical, the new
    capture is written as a revisit record that refers to it."""

    record_id: str
    url: str
    warc_date: str
    payload_digest: str


@dataclass
class HttpExchange:
    """A request and its response. ``body`` is the entity as received: de-chunked but
    still content-encoded, exactly the bytes the server meant."""

    url: str
    method: str
    request_headers: list[tuple[bytes, bytes]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[bytes, bytes]]
    body: bytes
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    date: datetime = field(default_factory=lambda: datetime.now(UTC))
    truncated: str | None = None  # WARC-Truncated: "length", "time" or "disconnect"
    response_id: str = field(default_factory=new_record_id)
    request_id: str = field(default_factory=new_record_id)
    previous: PreviousCapture | None = None
    # write an unchanged payload as a revisit of the archive's earlier capture of the URL
    # (the recorder looks it up), when no *previous* is given
    dedupe: bool = False


def request_target(url: str) -> str:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


def host_header(url: str) -> bytes:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    if parts.port and parts.port != default:
        host += f":{parts.port}"
    return host.encode("idna") if not host.isascii() else host.encode("ascii")


def agreeing_headers(
    headers: list[tuple[bytes, bytes]], body_length: int
) -> list[tuple[bytes, bytes]]:
    """Make the stored headers agree with the stored body: no transfer framing that was
    removed, and a Content-Length, if any, equal to the body's length."""
    out: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        lname = name.lower()
        if lname in _FRAMING:
            continue
        if lname == b"content-length":
            value = str(body_length).encode()
        out.append((name, value))
    return out


def exchange_records(
    ex: HttpExchange, original: Callable[[str], PreviousCapture | None] | None = None
) -> tuple[WarcRecord, WarcRecord]:
    """The response and request records of one exchange, linked and dated alike. The
    response is a revisit when its payload is that of ``ex.previous`` or, for an exchange
    that asks for it (``ex.dedupe``, and whole), of the capture *original* finds for the
    payload's digest."""
    date = warc_date(ex.date)
    common: list[tuple[str, str]] = [("WARC-Date", date), ("WARC-Target-URI", ex.url)]
    resp_headers = list(common)
    if ex.ip_address:
        resp_headers.append(("WARC-IP-Address", ex.ip_address))
    if ex.truncated:
        resp_headers.append(("WARC-Truncated", ex.truncated))
    head, body = http_response_block(
        ex.protocol,
        ex.status,
        ex.reason,
        agreeing_headers(ex.response_headers, len(ex.body)),
        ex.body,
    )
    digest = sha1_digest(body)
    prev = ex.previous
    if prev is None and ex.dedupe and original is not None and not ex.truncated:
        prev = original(digest)
    if prev is not None and digest == prev.payload_digest:
        # identical payload: keep the HTTP head, refer to the stored payload (§6.7.2)
        resp_headers += [
            ("WARC-Profile", REVISIT_PROFILE),
            ("WARC-Refers-To", prev.record_id),
            ("WARC-Refers-To-Target-URI", prev.url),
            ("WARC-Refers-To-Date", prev.warc_date),
            ("WARC-Payload-Digest", prev.payload_digest),
        ]
        response = WarcRecord(
            "revisit",
            resp_headers,
            payload=b"",
            head=head,
            content_type="application/http;msgtype=response",
            record_id=ex.response_id,
        )
    else:
        encoding = next(
            (v for k, v in ex.response_headers if k.lower() == b"content-encoding"), None
        )
        response = WarcRecord(
            "response",
            [*resp_headers, ("WARC-Payload-Digest", digest)],
            payload=body,
            head=head,
            content_type="application/http;msgtype=response",
            record_id=ex.response_id,
            compressed_payload=is_compressed(body, encoding),
        )
    req_lines = [(b"Host", host_header(ex.url))]
    req_lines += [(k, v) for k, v in ex.request_headers if k.lower() != b"host"]
    if ex.request_body and not any(k.lower() == b"content-length" for k, _ in req_lines):
        req_lines.append((b"Content-Length", str(len(ex.request_body)).encode()))
    rhead, rbody = http_request_block(
        ex.method, request_target(ex.url), ex.protocol, req_lines, ex.request_body
    )
    req_headers = list(common)
    if ex.ip_address:
        req_headers.append(("WARC-IP-Address", ex.ip_address))
    req_headers.append(("WARC-Concurrent-To", ex.response_id))
    request = WarcRecord(
        "request",
        req_headers,
        payload=rbody,
        head=rhead,
        content_type="application/http;msgtype=request",
        record_id=ex.request_id,
    )
    return response, request


def conversion_record(
    url: str, refers_to: str, document: dict[str, Any], date: datetime | None = None
) -> WarcRecord:
    """The extracted article as JSON, referring to the response it came from."""
    payload = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return WarcRecord(
        "conversion",
        [
            ("WARC-Date", warc_date(date)),
            ("WARC-Target-URI", url),
            ("WARC-Refers-To", refers_to),
        ],
        payload=payload,
        content_type="application/json",
    )


def resource_record(
    uri: str, content_type: str, payload: bytes, date: datetime | None = None
) -> WarcRecord:
    """A ``resource`` record: content made by the crawler itself, such as a rendered
    page's screenshot (``urn:screenshot:URL``) or text (``urn:text:URL``), the names
    browsertrix-crawler gives them. Block and payload are the content; both digested."""
    return WarcRecord(
        "resource",
        [("WARC-Date", warc_date(date)), ("WARC-Target-URI", uri)],
        payload=payload,
        content_type=content_type,
        compressed_payload=is_compressed(payload),
    )


def metadata_record(url: str, fields: dict[str, Any], refers_to: str | None = None) -> WarcRecord:
    """A JSON metadata record (run reports and the like): no payload digest (§6.7)."""
    headers = [("WARC-Date", warc_date()), ("WARC-Target-URI", url)]
    if refers_to:
        headers.append(("WARC-Refers-To", refers_to))
    return WarcRecord(
        "metadata",
        headers,
        payload=json.dumps(fields, ensure_ascii=False, sort_keys=True).encode("utf-8"),
        content_type="application/json",
        payload_digest=False,
    )


__all__ = [
    "REVISIT_PROFILE",
    "HttpExchange",
    "PreviousCapture",
    "agreeing_headers",
    "conversion_record",
    "exchange_records",
    "metadata_record",
    "resource_record",
    "sha1_digest",
]
