"""The archive extension: opens the archive for the crawl and closes it safely.

It owns the :class:`archive.recorder.ArchiveRecorder` (WARC files + index, on a
writer thread), takes the archive's lock, and at the end of the crawl drains the
writer, renames the WARC files, writes the CDXJ and logs the summary.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.discover.sitememory import site_memory
from archive.index.sqlite import ArchiveIndex, IndexUnavailable, KnownArticle
from archive.integrity.killedruns import KilledRun, OrphanResponse, killed_runs
from archive.integrity.repair import repair_archive
from archive.layout import ArchiveLayout
from archive.lock import ArchiveLock, ArchiveLocked
from archive.plural import counted
from archive.recorder import ArchiveRecorder, Stored
from archive.warc.exchange import HttpExchange
from archive.warc.reader import WarcReadError
from archive.warc.records import warc_date
from archive.warc.warcinfo import warcinfo_fields
from crawler.run.outcome import (
    PAGES_OK_STAT,
    SITE_STAT,
    crawl_exit_status,
    error_count,
    failure_reason,
)

T = TypeVar("T")

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from archive.store.s3 import Uploader

logger = logging.getLogger(__name__)


def software_fields(crawler: Crawler) -> list[tuple[str, str]]:
    settings = crawler.settings
    spider = getattr(crawler, "spider", None)
    return warcinfo_fields(
        is_part_of=spider.name if spider is not None else "crawl",
        operator=settings.get("ARCHIVE_OPERATOR"),
        tools=("scrapy",),
        extra=[
            ("http-header-user-agent", str(settings.get("USER_AGENT"))),
            ("robots", "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"),
        ],
    )


class ArchiveExtension:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured("archiving is off: ARCHIVE_ENABLED is False")
        if settings.getbool("ARCHIVE_REPLAY"):
            raise NotConfigured("replaying from the archive: it is read, not written")
        self.crawler = crawler
        self.layout = ArchiveLayout(
            Path(settings.get("ARCHIVE_DIR")), settings.get("ARCHIVE_WORKER") or None
        )
        self.lock = ArchiveLock(self.layout.home)
        self.lock.acquire()  # ArchiveLocked propagates: a second crawl stops at once
        # why the archive cannot be written, if it cannot: the crawl then stops at once
        self.unusable: str | None = None
        # runs that left no report (killed), found at start-up; the orphan responses
        # the spider is extracting from the archive, and those it has not finished
        self.killed: list[KilledRun] = []
        self._recovering: set[str] = set()
        self._unfinished: set[str] = set()
        self._recover()
        self.recorder = ArchiveRecorder(
            self.layout,
            prefix=settings.get("ARCHIVE_WARC_PREFIX"),
            max_size=settings.getint("ARCHIVE_WARC_MAX_SIZE"),
            info_fields=self._info_fields,
            compress_level=settings.getint("ARCHIVE_WARC_GZIP_LEVEL"),
            commit_interval=settings.getfloat("ARCHIVE_INDEX_COMMIT_SECONDS"),
        )
        self._info: Sequence[tuple[str, str]] = ()
        # ARCHIVE_STORE: closed WARC files copied to S3 on a thread of their own
        self.uploader: Uploader | None = None
        self.run_id = str(uuid.uuid4())
        self._started = datetime.now(UTC)
        self._loop: asyncio.AbstractEventLoop | None = None
        # a write that failed before spider_opened (no loop to report it to yet)
        self._early_failure: BaseException | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        return cls(crawler)

    @property
    def failed(self) -> bool:
        """The archive cannot be written (unusable from the start, or a write failed)."""
        return self.unusable is not None or self.recorder.error is not None

    def _info_fields(self) -> Sequence[tuple[str, str]]:
        return self._info

    def _recover(self) -> None:
        """Before anything is written: repair what a killed crawl left (a torn .open
        file, index rows missing or pointing nowhere). A no-op on a clean archive."""
        try:
            report = repair_archive(self.layout, lock=self.lock)
        except ArchiveLocked as exc:
            if self.layout.worker:  # other workers are writing: their files are not torn
                logger.info("not checking the archive while other workers run: %s", exc)
                return
            self.lock.release()
            raise  # workers are writing: like a second crawl, exit 75 (crawl.py)
        except (IndexUnavailable, OSError) as exc:
            self.unusable = f"cannot repair the archive: {exc}"
        else:
            for line in report.lines():
                logger.warning("recovered from an interrupted crawl: %s", line)
            self._find_killed()

    def _find_killed(self) -> None:
        """The runs killed before this one (after the repair, which indexed all they
        wrote): reported as such at the end of this run, once the responses they
        archived and never extracted have been extracted from the archive."""
        try:
            self.killed = killed_runs(self.layout)
        except (IndexUnavailable, OSError, WarcReadError, sqlite3.Error) as exc:
            logger.warning("cannot look for crawls killed before: %s", exc)
            return
        for run in self.killed:
            logger.warning(
                "a crawl was killed (started %s, last record %s): %d of its pages were "
                "archived but not extracted",
                run.report["started"],
                run.report["finished"],
                len(run.orphans),
            )

    def orphan_responses(self) -> list[OrphanResponse]:
        """The responses killed runs archived and never extracted. None for a worker of
        a distributed crawl: a request it queued could go to another worker."""
        if self.layout.worker:
            return []
        return [orphan for run in self.killed for orphan in run.orphans]

    def recovering(self, record_id: str) -> None:
        """The spider extracts the archived response *record_id* (an orphan)."""
        self._recovering.add(record_id)
        self._unfinished.add(record_id)

    def recovery_done(self, record_id: str) -> None:
        """The spider is done with the orphan *record_id*, whatever came of it."""
        self._unfinished.discard(record_id)

    def is_recovered(self, record_id: str | None) -> bool:
        return record_id in self._recovering

    def _report_killed_runs(self) -> None:
        """Write the report of each killed run whose orphans have all been dealt with
        (a run stopped before that leaves the rest to the next run)."""
        done = 0
        for run in self.killed:
            if any(orphan.record_id in self._unfinished for orphan in run.orphans):
                continue
            self.recorder.record_run({**run.report, "recovered_by": self.run_id}, own=False)
            done += 1
        if done and self.crawler.stats is not None:
            self.crawler.stats.set_value("archive/killed_runs_recorded", done)

    def spider_opened(self) -> None:
        self._info = software_fields(self.crawler)
        self._loop = asyncio.get_event_loop()
        self._started = datetime.now(UTC)
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(PAGES_OK_STAT, 0)
        base_url = getattr(getattr(self.crawler, "spider", None), "base_url", None)
        if base_url:
            stats.set_value(SITE_STAT, urlsplit(str(base_url)).netloc)
        if self._early_failure is not None and self.unusable is None:
            self.unusable = f"archive write failed: {self._early_failure}"
        if self.unusable is None and settings_store(self.crawler):
            self._start_store()
        if self.unusable is None:
            try:
                self.recorder.start()
            except Exception as exc:
                self.unusable = f"cannot open the index: {exc}"
        if self.unusable is not None:
            self._fail(self.unusable)
            return
        logger.info("archiving into %s", self.layout.root.resolve())

    def _start_store(self) -> None:
        """Upload each WARC file as the writer closes it, after those closed before
        this run that the store lacks (a crash, a failed upload: docs/storage.md)."""
        settings = self.crawler.settings
        from archive.store.s3 import Uploader, closed_warc_files  # ARCHIVE_STORE's only

        try:
            self.uploader = Uploader(
                settings_store(self.crawler),
                settings.get("ARCHIVE_S3_ENDPOINT") or None,
                # false: each file checked in the store leaves warc/ for its .stored note
                keep_local=settings.getbool("ARCHIVE_STORE_KEEP_LOCAL", True),
            )
        except (ValueError, ImportError) as exc:
            self.unusable = f"ARCHIVE_STORE: {exc}"
            return
        self.recorder.writer.on_close = self.uploader.submit
        for path in closed_warc_files(self.layout.warc_dir):
            # earlier runs' files: a recovery may read them back during the crawl, so
            # without ARCHIVE_STORE_KEEP_LOCAL they leave warc/ only at its end
            self.uploader.submit(path, later=True)

    def known_articles(self, refresh: bool = True) -> list[KnownArticle]:
        """What the archive already holds (read before the crawl writes anything new):
        its index and, after distributed crawls, the workers' indexes not merged yet
        (*refresh*: see :meth:`ArchiveIndex.known_articles`)."""
        return self._from_indexes(lambda index: index.known_articles(refresh))

    def site_memory(self) -> dict[str, set[str]]:
        """What past runs learned of each site (archive/discover/sitememory.py)."""
        return site_memory(ArchiveLayout(self.layout.root))

    def gone_pages(self) -> list[tuple[str, str]]:
        """(url, WARC-Date) of the URLs whose latest capture was a 404 or 410, read like
        :meth:`known_articles`."""
        return self._from_indexes(ArchiveIndex.gone_pages)

    def _from_indexes(self, read: Callable[[ArchiveIndex], Iterable[T]]) -> list[T]:
        root = ArchiveLayout(self.layout.root)
        found: list[T] = []
        for layout in (root, *root.worker_layouts()):
            if not layout.index_path.exists():
                continue
            try:
                index = ArchiveIndex(layout.index_path, readonly=True)
                try:
                    found.extend(read(index))
                finally:
                    index.close()
            except (IndexUnavailable, sqlite3.Error) as exc:
                logger.warning("cannot read %s: %s", layout.index_path, exc)
        return found

    # -- used by the middleware and the pipeline ------------------------------------------
    def record_exchange(self, exchange: HttpExchange) -> Future[Stored]:
        fut = self._watch(self.recorder.record_exchange(exchange))
        if exchange.status < 400 and urlsplit(exchange.url).path != "/robots.txt":
            stats = self.crawler.stats
            if stats is not None:
                stats.inc_value(PAGES_OK_STAT)
        return fut

    def record_article(self, document: dict[str, Any]) -> Future[Stored]:
        return self._watch(self.recorder.record_article(document))

    def record_resource(self, uri: str, content_type: str, payload: bytes) -> Future[Stored]:
        """A ``resource`` record: a rendered page's screenshot, text or page info."""
        return self._watch(self.recorder.record_resource(uri, content_type, payload))

    def add_info(self, fields: Sequence[tuple[str, str]]) -> None:
        """More fields for the warcinfo record of every WARC file opened from now on (the
        browser's User-Agent, found as the crawl starts, before its first record)."""
        self._info = [*self._info, *fields]

    def _watch(self, fut: Future[Stored]) -> Future[Stored]:
        fut.add_done_callback(self._check)
        return fut

    def _check(self, fut: Future[Stored]) -> None:
        exc = fut.exception()
        if exc is None:
            return
        if self._loop is None:
            # before spider_opened no writer thread runs: this is the thread that asked
            # for the write, and spider_opened reports the failure (never dropped)
            self._early_failure = self._early_failure or exc
            return
        # runs on the writer thread: hand a failure over to the event loop
        self._loop.call_soon_threadsafe(self._fail, exc)

    def _fail(self, exc: BaseException | str | None) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("archive/errors")
        if stats.get_value("archive/write_failed"):
            return
        stats.set_value("archive/write_failed", str(exc))
        logger.error("archive write failed, stopping the crawl: %s", exc)
        engine = self.crawler.engine
        if engine is not None and engine.running:
            asyncio.ensure_future(engine.close_spider_async(reason="archive_write_failed"))

    def run_report(self, reason: str) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        spider = getattr(self.crawler, "spider", None)
        updated = stats.get("archive/articles_updated", 0)  # not new: new versions
        return {
            "run_id": self.run_id,
            "spider": spider.name if spider is not None else None,
            "started": warc_date(self._started),
            "finished": warc_date(),
            "pages": stats.get("archive/responses", 0),
            "new_articles": stats.get("archive/articles", 0) - updated,
            "updated_articles": updated,
            "revisits": 0,  # the recorder counts them as it writes the report
            "errors": error_count(stats),
            "sites": site_counts(stats),
            "finish_reason": f"failed: {why}" if (why := failure_reason(stats, reason)) else reason,
            "exit_status": crawl_exit_status(stats, reason),
            "stats": {
                k: v if isinstance(v, int | float | str) else str(v) for k, v in stats.items()
            },
        }

    async def spider_closed(self, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        # the most response bytes that waited for the writer at once (in the run report)
        stats.set_value("archive/write_backlog_peak_bytes", self.recorder.peak_backlog_bytes)
        try:
            if self.recorder.error is None:
                self._report_killed_runs()
            report = self.run_report(reason)
            if self.recorder.error is None:
                self.recorder.record_run(report)
            counts = await asyncio.to_thread(self.recorder.close)
        finally:
            self.lock.release()
        if self.recorder.error is not None:
            stats.set_value("archive/write_failed", str(self.recorder.error))
        stats.set_value("archive/warc_files", len(counts.files))
        stats.set_value("archive/bytes_written", counts.bytes_written)
        stats.set_value("archive/records", counts.records)
        stats.set_value("archive/revisits", counts.revisits)
        if self.uploader is not None:
            await self._finish_store()
        first, *rest = summary_lines(stats.get_stats(), self.layout.root, reason)
        logger.log(logging.ERROR if first.startswith("crawl FAILED") else logging.INFO, first)
        for line in rest:
            logger.info(line)

    async def _finish_store(self) -> None:
        """Wait for the last uploads; one line says what went to the store."""
        assert self.uploader is not None and self.crawler.stats is not None
        up = await asyncio.to_thread(self.uploader.close)
        self.crawler.stats.set_value("archive/store_uploaded", len(up.uploaded))
        self.crawler.stats.set_value("archive/store_failed", len(up.failed))
        line = (
            f"store {self.uploader.store}: {counted(len(up.uploaded), 'WARC file')} uploaded, "
            f"{len(up.present)} there already"
        )
        if not self.uploader.keep_local:
            self.crawler.stats.set_value("archive/store_removed", len(up.removed))
            line += f", {len(up.removed)} removed locally (in the store only)"
        if up.failed:
            logger.warning("%s, %d failed (the next crawl uploads them)", line, len(up.failed))
        else:
            logger.info(line)


def settings_store(crawler: Crawler) -> str:
    return str(crawler.settings.get("ARCHIVE_STORE") or "")


def archived_articles(stats: dict[str, Any]) -> str:
    """How many new articles were archived ("12 articles archived"), and how many
    updated (a new version of an article the archive held: a correction a refresh
    brought) when some were."""
    updated = stats.get("archive/articles_updated", 0)
    text = f"{counted(stats.get('archive/articles', 0) - updated, 'article')} archived"
    return text + (f", {counted(updated, 'article')} updated" if updated else "")


def summary_lines(stats: dict[str, Any], root: Path, reason: str) -> list[str]:
    """The end of a crawl in two or three lines; a failed crawl's first line says
    ``crawl FAILED:`` and why (crawler/run/outcome.py)."""
    pages = stats.get("archive/responses", 0)
    failed = stats.get("archive/extraction_failed", 0)
    written = stats.get("archive/bytes_written", 0)
    counts = (
        f"{counted(pages, 'page')} fetched, {archived_articles(stats)}, "
        f"{counted(failed, 'extraction failure')}, {written / 1e6:.1f} MB written"
    )
    where = f"archive: {root.resolve()} (WARC files in warc/, index.sqlite3, index.cdxj)"
    why = failure_reason(stats, reason)
    if why is not None:
        return [
            f"crawl FAILED: {why}",
            f"crawl ended ({reason}): {counts}",
            *challenges(stats),
            *site_lines(stats),
            where,
        ]
    return [
        f"crawl finished ({reason}): {counts}",
        *challenges(stats),
        *site_lines(stats),
        where,
    ]


SITE_PREFIX = "archive/sites/"


def site_counts(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per site of the crawl: pages fetched, articles archived, pages judged not to be
    articles (the spider's and the pipeline's ``archive/sites/NAME/WHAT`` counts), and
    what the spider learned of it (``decoration``: archive/discover/sitememory.py)."""
    sites: dict[str, dict[str, Any]] = {}
    for key, value in stats.items():
        if key.startswith(SITE_PREFIX) and isinstance(value, int | str):
            name, _, what = key.removeprefix(SITE_PREFIX).rpartition("/")
            if what == "decoration" and isinstance(value, str):
                value = sorted(v for v in value.split(",") if v)
            if name:
                counts = sites.setdefault(
                    name, {"pages": 0, "articles": 0, "not_articles": 0, "robots_unavailable": 0}
                )
                counts[what] = value
    return dict(sorted(sites.items()))


def site_lines(stats: dict[str, Any]) -> list[str]:
    """A line per site when the crawl had more than one."""
    sites = site_counts(stats)
    if len(sites) < 2:
        return []
    return [
        f"  {name}: {counted(c['pages'], 'page')}, {counted(c['articles'], 'article')}"
        + (f", {c['not_articles']} not articles" if c["not_articles"] else "")
        + (", robots.txt unavailable: not crawled" if c["robots_unavailable"] else "")
        for name, c in sites.items()
    ]


def challenges(stats: dict[str, Any]) -> list[str]:
    """A line per host that answered bot challenges (crawler/spiders/base.py), saying
    whether anything else came through from it."""
    lines = []
    for key, count in sorted(stats.items()):
        if not key.startswith("archive/challenges/"):
            continue
        host = key.removeprefix("archive/challenges/")
        answered = f"{host} answered {counted(count, 'bot challenge')}"
        if not stats.get(f"archive/pages_through/{host}"):
            lines.append(f"{answered}: the site blocks this crawler")
        else:
            lines.append(
                f"{answered} (archived as received, not as articles; asked again next run)"
            )
    return lines
