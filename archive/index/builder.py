"""Index rows of records read back from WARC files, built with :mod:`archive.index.rows` exactly
as the crawl builds them: ``reindex`` and ``verify --repair`` both go through here."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from archive.index.rows import article_row, capture_row, run_row
from archive.warc.reader import ArchivedRecord
from archive.warc.scan import article_document, run_document
from archive.warc.writer import RecordLocation

CAPTURE_TYPES = ("response", "revisit")
Row = tuple[str, dict[str, Any]]  # ("captures" | "articles" | "runs", row)


def capture_row_of(
    response: ArchivedRecord,
    request_id: str | None = None,
    request_location: RecordLocation | None = None,
) -> dict[str, Any]:
    """The ``captures`` row of a response (or revisit) record and its request."""
    return capture_row(
        response.header,
        response.http_status,
        response.http_header("Content-Type")
        if response.is_http
        else response.header("Content-Type"),
        response.location,
        request_id,
        request_location,
    )


def article_row_of(conversion: ArchivedRecord) -> dict[str, Any] | None:
    """The ``articles`` row of a conversion record, ``None`` if it holds no article."""
    document = article_document(conversion)
    if document is None:
        return None
    return article_row(document, conversion.record_id, conversion.location)


def run_row_of(metadata: ArchivedRecord) -> dict[str, Any] | None:
    """The ``runs`` row of a run report (metadata record), ``None`` for other records."""
    document = run_document(metadata)
    if document is None:
        return None
    return run_row(document, metadata.record_id, metadata.location)


def row_of(record: ArchivedRecord) -> Row | None:
    """The row of a record that needs no other record: an article or a run."""
    row = article_row_of(record)
    if row is not None:
        return "articles", row
    row = run_row_of(record)
    if row is not None:
        return "runs", row
    return None


class RowBuilder:
    """Turns records, fed in file order, into index rows. A response waits for the
    request whose WARC-Concurrent-To names it (the writer puts it right after)."""

    def __init__(self) -> None:
        self._responses: dict[str, ArchivedRecord] = {}
        self._requests: dict[str, tuple[str, RecordLocation]] = {}

    def add(self, record: ArchivedRecord) -> Iterator[Row]:
        kind = record.warc_type
        if kind in CAPTURE_TYPES:
            request = self._requests.pop(record.record_id, None)
            if request is not None:
                yield "captures", capture_row_of(record, *request)
            else:
                # keep the HTTP head only: the row needs nothing of the payload
                self._responses[record.record_id] = dataclasses.replace(
                    record, block=record.http_head
                )
        elif kind == "request":
            target = record.header("WARC-Concurrent-To")
            if not target:
                return
            response = self._responses.pop(target, None)
            if response is not None:
                yield "captures", capture_row_of(response, record.record_id, record.location)
            else:
                self._requests[target] = (record.record_id, record.location)
        elif kind == "resource":  # a rendered page's screenshot or text: a capture of its own
            yield "captures", capture_row_of(record)
        else:
            row = row_of(record)
            if row is not None:
                yield row

    def finish(self) -> Iterator[Row]:
        """Rows of the responses that never met their request."""
        for response in self._responses.values():
            yield "captures", capture_row_of(response)
        self._responses.clear()
        self._requests.clear()


def rows_of(records: Iterable[ArchivedRecord]) -> Iterator[Row]:
    """Every index row of *records*."""
    builder = RowBuilder()
    for record in records:
        yield from builder.add(record)
    yield from builder.finish()
