"""WARC capture of every exchange, from the downloader middleware closest to the network.

At priority 950 ``process_response`` runs before any other middleware has touched
the response: the body is still content-encoded (HttpCompressionMiddleware, 590, has
not run), redirects and error statuses have not been acted on, and every retry is a
download of its own. ``process_request`` runs last, so the request headers are the
ones sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from archive.warc.exchange import HttpExchange
from crawler.capture.handlers import REASON_META

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from concurrent.futures import Future

    from scrapy.crawler import Crawler

    from archive.recorder import Stored
    from crawler.archiving.extensions import ArchiveExtension

logger = logging.getLogger(__name__)

CAPTURE_META = "archive_capture"  # concurrent Future[Stored] of the response record
PREVIOUS_META = "archive_previous"  # PreviousCapture: write a revisit if the payload is the same
SENT_AT_META = "archive_sent_at"
# True on a request whose response the spider extracts (an article): its capture is never
# written as a revisit of an earlier one, as a conversion record will refer to it; an
# article due for a refresh says which capture it may revisit (PREVIOUS_META)
EXTRACTED_META = "archive_extracted"


def header_list(headers: object) -> list[tuple[bytes, bytes]]:
    """Scrapy Headers as (name, value) pairs, every repeated value kept."""
    out: list[tuple[bytes, bytes]] = []
    for name, values in headers.items():  # type: ignore[attr-defined]
        for value in values:
            out.append((bytes(name), bytes(value)))
    return out


def reason_phrase(request: Request, status: int) -> str:
    reason = request.meta.get(REASON_META)
    if reason is not None:
        return str(reason)
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def exchange_from(
    request: Request, response: Response, truncated: str | None = None, dedupe: bool = False
) -> HttpExchange:
    """The exchange to archive. *truncated* is the WARC-Truncated reason of a body cut
    by a limit ("length", "time"); a body the server broke off (a Content-Length longer
    than what came, broken chunking) is "disconnect". A body without Content-Length
    ends when the connection closes (Twisted flags it "partial"): that is how such a
    body ends, so it is not marked. With *dedupe*, an unchanged payload of a URL the
    archive holds is written as a revisit (not for a request marked EXTRACTED_META)."""
    if truncated is None and "dataloss" in response.flags:
        truncated = "disconnect"
    return HttpExchange(
        url=request.url,
        method=request.method,
        request_headers=header_list(request.headers),
        request_body=request.body or b"",
        status=response.status,
        reason=reason_phrase(request, response.status),
        response_headers=header_list(response.headers),
        body=response.body,
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
        date=request.meta.get(SENT_AT_META) or datetime.now(UTC),
        truncated=truncated,
        previous=request.meta.get(PREVIOUS_META),
        dedupe=dedupe and not request.meta.get(EXTRACTED_META),
    )


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured("WARC capture is off: ARCHIVE_ENABLED is False")
        self.crawler = crawler
        self._archive: ArchiveExtension | None = None
        self._backlog_limit = int(crawler.settings.getfloat("ARCHIVE_WRITE_BACKLOG_MB") * 2**20)
        self._dedupe = crawler.settings.getbool("ARCHIVE_DEDUPE")
        crawler.signals.connect(self._opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def _opened(self) -> None:
        from crawler.archiving.extensions import ArchiveExtension

        self._archive = self.crawler.get_extension(ArchiveExtension)

    def process_request(self, request: Request) -> None:
        if self._archive is not None and self._archive.failed:
            # what cannot be archived is not fetched: the crawl is stopping
            raise IgnoreRequest("the archive cannot be written")
        request.meta[SENT_AT_META] = datetime.now(UTC)

    def process_response(
        self, request: Request, response: Response
    ) -> Response | Coroutine[Any, Any, Response]:
        if self._archive is None or response.flags and "cached" in response.flags:
            return response
        future = self._record(request, response)
        request.meta[CAPTURE_META] = future
        if self._archive.recorder.backlog_bytes > self._backlog_limit:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/write_waits")
            return self._once_written(future, response)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """A download cut by DOWNLOAD_MAXSIZE or DOWNLOAD_TIMEOUT (crawler.capture.handlers) is
        archived with what came of it and WARC-Truncated; the exception goes on to the
        other middlewares (a timeout is retried) and to the errback."""
        response = getattr(exception, "response", None)
        truncated = getattr(exception, "truncated", None)
        if self._archive is None or not isinstance(response, Response) or truncated is None:
            return
        self._record(request, response, truncated)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"archive/truncated/{truncated}")

    def _record(
        self, request: Request, response: Response, truncated: str | None = None
    ) -> Future[Stored]:
        assert self._archive is not None
        stats = self.crawler.stats
        assert stats is not None
        try:
            future = self._archive.record_exchange(
                exchange_from(request, response, truncated, self._dedupe)
            )
        except Exception as exc:  # never let a capture problem pass silently
            stats.inc_value("archive/errors")
            logger.error("could not capture %s: %s", request.url, exc)
            raise
        stats.inc_value("archive/responses")
        stats.inc_value(f"archive/responses/status/{response.status}")
        return future

    async def _once_written(self, future: Future[Stored], response: Response) -> Response:
        """The writer is behind (a disk slower than the network): this response keeps its
        place among the downloader's active requests until its record is written, so no
        new download starts meanwhile and the bodies waiting for the writer stay within
        ARCHIVE_WRITE_BACKLOG_MB (plus what is in flight)."""
        with contextlib.suppress(Exception):  # a failed write stops the crawl elsewhere
            await asyncio.wrap_future(future)
        return response
