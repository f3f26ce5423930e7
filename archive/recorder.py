"""The archive's single writer: WARC records and index rows, on a thread of its own.

Callers (the crawler, on its event loop) hand over work and get a
:class:`concurrent.futures.Future` back; nothing here blocks them. The writer thread
keeps the order the durability rules need — WARC record written and flushed, then
its index row — and commits the index in batches: whenever its queue runs dry or
``commit_every`` rows are pending.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from archive import faults
from archive.index.cdxj import write_cdxj
from archive.index.rows import article_row, capture_row, run_row
from archive.index.sqlite import ArchiveIndex
from archive.layout import ArchiveLayout
from archive.warc.exchange import (
    HttpExchange,
    conversion_record,
    exchange_records,
    metadata_record,
    resource_record,
)
from archive.warc.records import RUN_URI_PREFIX, WarcRecord
from archive.warc.writer import RecordLocation, WarcFileWriter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    """Where a record landed."""

    record_id: str
    filename: str
    offset: int
    length: int
    warc_date: str
    record_type: str = "response"
    # an article: a new version of one the archive held (a refresh brought a changed text)
    updates: bool = False


@dataclass
class RecorderCounts:
    responses: int = 0
    revisits: int = 0  # of the responses, those written as revisit records
    conversions: int = 0
    records: int = 0
    commits: int = 0
    bytes_written: int = 0
    files: list[str] = field(default_factory=list)


_STOP = object()
#: at the interpreter's exit, how long a writer not closed yet (a crawl stopped by a
#: second Ctrl-C, an unexpected error) gets to finish its record and close the WARC
EXIT_WAIT = 10.0
_running: weakref.WeakSet[ArchiveRecorder] = weakref.WeakSet()


def abort_writers(wait: float = EXIT_WAIT) -> None:
    """:meth:`ArchiveRecorder.abort` every recorder of this process still writing: at the
    interpreter's exit, or when a crawl is told to stop at once."""
    for recorder in list(_running):
        recorder.abort(wait)


atexit.register(abort_writers)


class ArchiveRecorder:
    """Owns the WARC writer and the index connection of one archive directory."""

    def __init__(
        self,
        layout: ArchiveLayout,
        *,
        prefix: str = "archive",
        max_size: int = 1_000_000_000,
        info_fields: Callable[[], Sequence[tuple[str, str]]] = lambda: (),
        commit_every: int = 500,
        commit_interval: float = 2.0,
        fsync: bool = True,
        compress_level: int = 6,
    ) -> None:
        self.layout = layout
        self.writer = WarcFileWriter(
            layout.warc_dir,
            prefix=prefix,
            max_size=max_size,
            info_fields=info_fields,
            fsync=fsync,
            compress_level=compress_level,
        )
        self.commit_every = commit_every
        # seconds between commits while rows arrive: each commit makes FTS5 write a new
        # segment, and at 0.2 s (a handful of articles each) the index cost the writer
        # a third more than at 2 s. A crash loses nothing: the index is repaired from
        # the WARC files at the next start.
        self.commit_interval = commit_interval
        self.counts = RecorderCounts()
        self.error: BaseException | None = None
        # SimpleQueue: a put costs the crawl's event loop a fraction of a Queue's (no
        # Python-level Condition), twice a page
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._aborted = False
        self._index: ArchiveIndex | None = None
        self._pending_rows = 0
        # article rows wait for the next commit, to go into the index many at a time
        self._articles: list[dict[str, Any]] = []
        # responses of refreshed articles (a changed payload): an article extracted from
        # one is a new version of an archived article, counted as updated
        self._refreshed: set[str] = set()
        # bytes handed over and bytes done with. _bytes_out has one writer, the writer
        # thread; _bytes_in is added to under a lock, since record_* may be called from
        # any thread (the crawl calls them from the reactor's alone)
        self._submit_lock = threading.Lock()
        self._bytes_in = 0
        self._bytes_out = 0
        self.peak_backlog_bytes = 0

    # -- public, called from any thread --------------------------------------------------
    def start(self) -> None:
        """Open the index (on the writer thread, which owns it) and start writing.
        Raises when the index cannot be opened."""
        self.layout.home.mkdir(parents=True, exist_ok=True)
        opened: Future[None] = Future()
        self._thread = threading.Thread(
            target=self._run, args=(opened,), name="archive-writer", daemon=True
        )
        self._thread.start()
        _running.add(self)
        opened.result()

    def record_exchange(self, exchange: HttpExchange) -> Future[Stored]:
        return self._submit(
            self._write_exchange, exchange, len(exchange.body) + len(exchange.request_body)
        )

    def record_article(self, document: dict[str, Any]) -> Future[Stored]:
        """Write the conversion record of an extracted article and its index row.
        ``document`` carries the article fields, including ``warc_record_id``, the id of
        the response it was extracted from."""
        return self._submit(self._write_article, document, len(document.get("text") or ""))

    def record_resource(self, uri: str, content_type: str, payload: bytes) -> Future[Stored]:
        """Write a ``resource`` record (a rendered page's screenshot, its text) and its
        ``captures`` row (no status: no HTTP message)."""
        return self._submit(self._write_resource, (uri, content_type, payload), len(payload))

    def record_run(self, report: dict[str, Any], *, own: bool = True) -> Future[Stored]:
        """Write a run report as a metadata record and its ``runs`` row. The report of
        this recorder's run (``own``) gets as ``revisits`` the revisit records it wrote
        before it; another's (a killed run's, written by the run that recovered it) is
        written as it is."""
        return self._submit(self._write_run if own else self._write_report, report)

    @property
    def backlog_bytes(self) -> int:
        """What was handed over and is not yet written (or failed): the bodies of the
        exchanges, and the text of the articles (counted in characters)."""
        return self._bytes_in - self._bytes_out

    def close(self) -> RecorderCounts:
        """Drain the queue, close the WARC file (fsync + rename), commit the index and
        write the CDXJ. Blocks until done: call it off the event loop."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None
        _running.discard(self)
        self.counts.files = list(self.writer.closed_files)
        self.counts.bytes_written = self.writer.bytes_written
        return self.counts

    def abort(self, wait: float) -> bool:
        """Stop writing after the record being written, dropping what waits in the
        queue, then close as :meth:`close` does; wait at most *wait* seconds for it.
        True when the writer is done. The writer thread is a daemon: past the wait, an
        exiting interpreter does not wait for it, and the next run repairs the
        ``.open`` file."""
        thread = self._thread
        if thread is None:
            return True
        self._aborted = True
        self._queue.put(_STOP)
        thread.join(wait)
        return not thread.is_alive()

    # -- the writer thread --------------------------------------------------------------
    def _submit(self, fn: Callable[[Any], Stored], arg: Any, size: int = 0) -> Future[Stored]:
        fut: Future[Stored] = Future()
        if self._thread is None:
            fut.set_exception(RuntimeError("the archive writer is not running"))
            return fut
        if self.error is not None:
            fut.set_exception(RuntimeError(f"archive writer failed earlier: {self.error}"))
            return fut
        with self._submit_lock:
            self._bytes_in += size
            backlog = self._bytes_in - self._bytes_out
            if backlog > self.peak_backlog_bytes:
                self.peak_backlog_bytes = backlog
        self._queue.put((fn, arg, fut, size))
        return fut

    def _run(self, opened: Future[None]) -> None:
        try:
            self._index = ArchiveIndex(self.layout.index_path)
        except BaseException as exc:
            opened.set_exception(exc)
            return
        opened.set_result(None)
        try:
            self._serve()
        finally:
            self._finish()

    def _serve(self) -> None:
        last_commit = time.monotonic()
        while True:
            task = self._queue.get()
            if task is _STOP or self._aborted:
                return
            fn, arg, fut, size = task
            if self.error is not None:
                self._bytes_out += size
                fut.set_exception(RuntimeError(f"archive writer failed earlier: {self.error}"))
                continue
            try:
                faults.slow_write()
                try:
                    result = fn(arg)
                finally:
                    self._bytes_out += size
                now = time.monotonic()
                if self._pending_rows >= self.commit_every or (
                    self._queue.empty() and now - last_commit > self.commit_interval
                ):
                    self._commit()
                    last_commit = now
            except BaseException as exc:  # a failed write or commit stops all writing
                self.error = exc
                logger.error("archive write failed: %s", exc)
                fut.set_exception(exc)
                continue
            fut.set_result(result)

    def _finish(self) -> None:
        """Last steps on the writer thread: WARC file closed and renamed, index
        committed, CDXJ written from it."""
        try:
            self.writer.close()
        except OSError as exc:
            self.error = self.error or exc
            logger.error("closing the WARC file failed: %s", exc)
        assert self._index is not None
        try:
            self._flush_articles()
            self._index.commit()
            write_cdxj(self._index.db, self.layout.cdxj_path)
        except Exception as exc:
            self.error = self.error or exc
            logger.error("writing the index failed: %s", exc)
        finally:
            self._index.close()
            self._index = None

    def _flush_articles(self) -> None:
        if self._articles and self._index is not None:
            rows, self._articles = self._articles, []
            self._index.add_articles(rows)

    def _commit(self) -> None:
        if self._index is not None and self._pending_rows:
            self._flush_articles()
            faults.checkpoint("index_commit")
            self._index.commit()
            self._pending_rows = 0
            self.counts.commits += 1

    def _write_exchange(self, ex: HttpExchange) -> Stored:
        assert self._index is not None
        index = self._index
        response, request = exchange_records(
            ex, lambda digest: index.payload_original(ex.url, digest)
        )
        resp_loc, req_loc = self.writer.write([response, request])
        self.counts.responses += 1
        if response.warc_type == "revisit":
            self.counts.revisits += 1
        elif ex.previous is not None:
            self._refreshed.add(response.record_id)
        self.counts.records += 2
        content_type = next(
            (v.decode("latin-1") for k, v in ex.response_headers if k.lower() == b"content-type"),
            None,
        )
        index.add_capture(
            capture_row(
                response.header, ex.status, content_type, resp_loc, request.record_id, req_loc
            )
        )
        self._pending_rows += 1
        return _stored(response, resp_loc)

    def _write_article(self, document: dict[str, Any]) -> Stored:
        record = conversion_record(
            document["url"], document["warc_record_id"], document, datetime.now(UTC)
        )
        (loc,) = self.writer.write([record])
        self.counts.conversions += 1
        self.counts.records += 1
        self._articles.append(article_row(document, record.record_id, loc))
        self._pending_rows += 1
        updates = document["warc_record_id"] in self._refreshed
        self._refreshed.discard(document["warc_record_id"])
        return replace(_stored(record, loc), updates=updates)

    def _write_resource(self, resource: tuple[str, str, bytes]) -> Stored:
        assert self._index is not None
        uri, content_type, payload = resource
        record = resource_record(uri, content_type, payload)
        (loc,) = self.writer.write([record])
        self.counts.records += 1
        self._index.add_capture(capture_row(record.header, None, content_type, loc))
        self._pending_rows += 1
        return _stored(record, loc)

    def _write_run(self, report: dict[str, Any]) -> Stored:
        # the run's exchanges were queued before its report: every revisit is counted
        return self._write_report({**report, "revisits": self.counts.revisits})

    def _write_report(self, report: dict[str, Any]) -> Stored:
        record = metadata_record(RUN_URI_PREFIX + report["run_id"], report)
        (loc,) = self.writer.write([record])
        self.counts.records += 1
        assert self._index is not None
        self._index.add_run(run_row(report, record.record_id, loc))
        self._pending_rows += 1
        return _stored(record, loc)


def _stored(record: WarcRecord, loc: RecordLocation) -> Stored:
    date = record.header("WARC-Date") or ""
    return Stored(record.record_id, loc.filename, loc.offset, loc.length, date, record.warc_type)


__all__ = ["ArchiveRecorder", "RecorderCounts", "Stored", "abort_writers"]
