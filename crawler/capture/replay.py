"""Re-crawl from the archive: ``scrapy crawl SPIDER -s ARCHIVE_REPLAY=1``.

Every request is answered from the archive's index and WARC files, none from the
network: the latest capture of the URL (a revisit answered with the payload it
refers to), with its real status and headers, so redirects, content-encoding and
error statuses go through the same middlewares as on the day of the crawl. A URL the
archive does not hold gets a 404 (counted in ``archive_replay/missing``). The items
point at the archived responses, so they equal those of the crawl that made the
archive. Nothing is written: the archive is read-only in this mode.

The same middleware answers, in a normal crawl, the requests the spider makes for the
responses a killed crawl archived and never extracted (``RECOVER_META``, see
:mod:`archive.integrity.killedruns`): from the archived record, not the network, and not
archived again. It is only loaded when there are such responses.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archive.index.cdxj import whole
from archive.integrity.killedruns import OrphanResponse
from archive.layout import ArchiveLayout
from archive.recorder import Stored
from archive.warc.reader import ArchivedRecord, WarcReadError
from archive.warc.stored import read_at
from crawler.capture.middleware import CAPTURE_META

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# a request's meta key: the OrphanResponse that answers it (archived, never extracted)
RECOVER_META = "archive_recover"

_LATEST = (
    "SELECT record_id, record_type, warc_filename, warc_offset, warc_length, warc_date "
    f"FROM captures WHERE url = ? AND {whole()} "
    "ORDER BY timestamp DESC, id DESC LIMIT 1"
)


def _orphans_to_recover(crawler: Crawler) -> bool:
    from crawler.archiving.extensions import ArchiveExtension

    try:
        archive = crawler.get_extension(ArchiveExtension)
    except RuntimeError:  # extensions not built yet
        return False
    return archive is not None and bool(archive.orphan_responses())


class ArchiveReplayMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.replay = crawler.settings.getbool("ARCHIVE_REPLAY")
        if not self.replay and not _orphans_to_recover(crawler):
            raise NotConfigured
        self.crawler = crawler
        self.layout = ArchiveLayout(Path(crawler.settings.get("ARCHIVE_DIR")))
        if self.replay and not self.layout.index_path.exists():
            raise FileNotFoundError(f"no archive index at {self.layout.index_path}")
        self._db: sqlite3.Connection | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveReplayMiddleware:
        return cls(crawler)

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            uri = f"file:{self.layout.index_path}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return self._db

    def _lookup(self, url: str) -> tuple[ArchivedRecord, ArchivedRecord, str] | None:
        """(record with the HTTP head, record with the payload, warc_date) of the latest
        capture of *url*."""
        row = self._connection().execute(_LATEST, (url,)).fetchone()
        if row is None:
            return None
        record_id, record_type, name, offset, length, date = row
        # a WARC file in object storage only (ARCHIVE_STORE_KEEP_LOCAL=false): a ranged GET
        head = read_at(self.layout, name, offset, length)
        body = head
        if record_type == "revisit":
            refers = head.header("WARC-Refers-To")
            original = (
                self._connection()
                .execute(
                    "SELECT warc_filename, warc_offset, warc_length FROM captures "
                    "WHERE record_id = ?",
                    (refers,),
                )
                .fetchone()
            )
            if original is None:
                return None
            body = read_at(self.layout, *original)
        return head, body, date

    async def process_request(self, request: Request) -> Response | None:
        orphan = request.meta.get(RECOVER_META)
        if orphan is not None:
            return await self._recovered(request, orphan)
        if not self.replay:
            return None
        stats = self.crawler.stats
        assert stats is not None
        from archive.store.s3 import StoreError  # a WARC file may be in the store only

        try:
            found = await asyncio.to_thread(self._lookup, request.url)
        except (OSError, sqlite3.Error, WarcReadError, StoreError) as exc:
            logger.warning("cannot replay %s: %s", request.url, exc)
            stats.inc_value("archive_replay/errors")
            found = None
        if found is None:
            stats.inc_value("archive_replay/missing")
            return Response(request.url, status=404, request=request, flags=["archive-missing"])
        head, body, date = found
        stored = Stored(
            head.record_id, head.filename, head.offset, head.length, date, head.warc_type
        )
        stats.inc_value("archive_replay/served")
        return _response(request, head, body, stored, ["archive"])

    async def _recovered(self, request: Request, orphan: OrphanResponse) -> Response | None:
        """The archived response *orphan*, as it came from the network that day. Flagged
        "cached", so the capture middleware does not archive it again. A record that
        cannot be read is fetched again instead."""
        # imported here, not with the module: the store's module is for the crawls that
        # read a file in the store only (this one, if its orphan's file is there)
        from archive.store.s3 import StoreError

        try:
            record = await asyncio.to_thread(
                read_at, self.layout, orphan.filename, orphan.offset, orphan.length
            )
        except (OSError, WarcReadError, StoreError) as exc:
            logger.warning("cannot read the archived %s, fetching it again: %s", request.url, exc)
            return None
        stored = Stored(
            orphan.record_id, orphan.filename, orphan.offset, orphan.length, orphan.warc_date
        )
        return _response(request, record, record, stored, ["archive", "cached"])


def _response(
    request: Request,
    head: ArchivedRecord,
    body: ArchivedRecord,
    stored: Stored,
    flags: list[str],
) -> Response:
    """A Scrapy response with the status and headers of *head* and the payload of *body*
    (a revisit's original), pointing at the archived record *stored* (CAPTURE_META)."""
    headers = Headers()
    for name, value in head.http_headers:
        headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=request.url, body=body.payload)
    done: Future[Stored] = Future()
    done.set_result(stored)
    request.meta[CAPTURE_META] = done
    return cls(
        url=request.url,
        status=head.http_status or 200,
        headers=headers,
        body=body.payload,
        request=request,
        flags=flags,
        protocol="HTTP/1.1",
    )
