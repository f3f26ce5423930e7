"""Article extraction off the event loop, in a pool of worker processes.

trafilatura costs tens of milliseconds of CPU a page: run on the reactor thread it
would stall every download meanwhile. The pool takes pages asynchronously; the
crawl's own back-pressure (Scrapy's scraper slot stops new downloads while too many
response bytes are in process) bounds what waits for it. A worker that crashes or a
page that runs past ARCHIVE_EXTRACT_TIMEOUT fails alone: the pool is rebuilt and the
page is counted as an extraction failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import select
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from archive.extracted import ExtractionResult
from archive.extractpool import warm_forkserver

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# recycle the workers now and then (lxml can hold on to memory): after this many pages per
# worker the pool is retired (it finishes its queued pages, then its workers exit) and a
# fresh one takes the next pages. Not max_tasks_per_child: on Python < 3.13 it deadlocks
# once workers reach the limit with a backlog queued (CPython gh-115634): the pool stops
# for ARCHIVE_EXTRACT_TIMEOUT, then every page in flight fails.
TASKS_PER_WORKER = 1000
CRAWLER_CHECK_SECONDS = 1.0


def start_worker(crawler_pid: int) -> None:
    """In each worker: exit when the crawler is gone. A crawl killed with SIGKILL closes
    no pipe the workers would notice (each of them holds both ends of the task queue,
    and keeps the forkserver, their parent, alive), so without this they would wait for
    work forever."""

    def watch() -> None:
        try:
            # readable once the crawler has exited, a zombie included; no polling
            fd = os.pidfd_open(crawler_pid)
        except (AttributeError, OSError):  # not Linux 5.3+: ask every second
            while _alive(crawler_pid):
                time.sleep(CRAWLER_CHECK_SECONDS)
        else:
            select.select([fd], [], [])
        os._exit(0)

    threading.Thread(target=watch, name="crawler-watch", daemon=True).start()


def extract_in_worker(
    body: bytes, url: str, content_type: str | None, links: bool
) -> ExtractionResult:
    """extract_article, named from a module the crawl process can import without
    trafilatura (the forkserver has imported it before forking the workers)."""
    from archive.extraction import extract_article

    return extract_article(body, url, content_type, links)


def forkserver_context() -> multiprocessing.context.BaseContext:
    """Workers are forked from a server process started afresh (nothing of the reactor's
    state is inherited) that has imported trafilatura and extracted one page
    (:mod:`archive.preload`), so a worker starts in milliseconds, ready for its first
    page at full speed."""
    return warm_forkserver("crawler.extraction")


def start_forkserver() -> None:
    """Start the forkserver now, on a thread of its own: its import of trafilatura
    (half a second) then overlaps Scrapy's own start-up instead of delaying the first
    extraction. The pool's workers come from this server once it runs."""
    forkserver_context()
    threading.Thread(
        target=multiprocessing.forkserver.ensure_running, name="forkserver-start", daemon=True
    ).start()


def yield_to_workers() -> None:
    """Put the calling thread, and the threads it starts from now on (the reactor's, the
    archive writer, the pool's feeder), under SCHED_BATCH. Their many short wake-ups
    (a response, a written record, a finished page) then no longer preempt an extraction
    worker in the middle of a page, and run when one yields or its time slice ends: on
    two cores, worker preemptions fell threefold, and the crawl took 4-10 % less time
    and CPU. The workers keep the normal policy: their forkserver was started before
    this call, from a thread of its own. Nothing happens where the call is refused or
    missing (not Linux)."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def _alive(pid: int) -> bool:
    """True while *pid* runs. A zombie (exited, not yet reaped by its parent: a crawl
    started by a supervisor that never waits) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, under another user
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[:1]
    except OSError:
        return True  # no /proc: the signal check is all there is
    return state != [b"Z"]


class _TryAgain(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ExtractionPool:
    def __init__(self, workers: int = 0, timeout: float = 60.0) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.timeout = timeout
        self._executor: ProcessPoolExecutor | None = None
        self._submitted = 0  # pages given to the current executor
        self._draining: asyncio.Future[None] | None = None  # a retired pool finishing
        self.restarts = 0
        self._suspects = asyncio.Lock()  # pages retried after their workers died

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        settings = crawler.settings
        return cls(
            settings.getint("ARCHIVE_EXTRACT_WORKERS"),
            settings.getfloat("ARCHIVE_EXTRACT_TIMEOUT"),
        )

    async def _pool(self) -> ProcessPoolExecutor:
        if self._executor is not None and self._submitted >= TASKS_PER_WORKER * self.workers:
            # retire the pool: its workers finish their pages and exit before new ones
            # start, so two pools never hold memory at once
            old, self._executor = self._executor, None
            self._draining = asyncio.ensure_future(asyncio.to_thread(old.shutdown, True))
        if self._draining is not None:
            await asyncio.shield(self._draining)
            self._draining = None
        executor = self._current()
        self._submitted += 1
        return executor

    def _current(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._new_executor()
            self._submitted = 0
        return self._executor

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=forkserver_context(),
            initializer=start_worker,
            initargs=(os.getpid(),),
        )

    def start(self) -> None:
        """Start the workers now, in the background, so that they are ready when the
        first article arrives. Starting the forkserver waits for it to import
        trafilatura: that wait happens on a thread of its own, while Scrapy opens the
        crawl and fetches robots.txt, not on the reactor."""
        executor, count = self._current(), self.workers

        def warm_up() -> None:
            try:
                for _ in range(count):  # each submission starts a worker, up to the number
                    executor.submit(os.getpid)
            except RuntimeError:  # closed meanwhile (a crawl that ended at once)
                pass

        threading.Thread(target=warm_up, name="extraction-start", daemon=True).start()

    def _restart(self, why: str) -> None:
        logger.warning("restarting the extraction workers: %s", why)
        self.restarts += 1
        executor, self._executor = self._executor, None
        if executor is not None:
            for proc in list(getattr(executor, "_processes", {}).values()):
                proc.kill()
            executor.shutdown(wait=False, cancel_futures=True)

    async def extract(
        self, body: bytes, url: str, content_type: str | None, links: bool = False
    ) -> ExtractionResult:
        """The article of a page (and its links, with ``links``: read from the same parse
        in the worker, so the crawler need not parse the page itself)."""
        try:
            return await self._attempt(body, url, content_type, links)
        except _TryAgain:
            pass
        # the workers died under this page: it killed one, or another page in flight did.
        # The pages caught up in it are tried once more one at a time, so that a page
        # that kills workers cannot take the others down with it a second time.
        async with self._suspects:
            try:
                return await self._attempt(body, url, content_type, links)
            except _TryAgain as again:
                return ExtractionResult(None, again.reason)

    async def _attempt(
        self, body: bytes, url: str, content_type: str | None, links: bool
    ) -> ExtractionResult:
        executor = await self._pool()
        try:
            job = asyncio.get_running_loop().run_in_executor(
                executor, extract_in_worker, body, url, content_type, links
            )
            return await asyncio.wait_for(job, self.timeout)
        except TimeoutError:
            if self._executor is executor:
                self._restart(f"{url} took longer than {self.timeout:.0f} s")
            return ExtractionResult(None, f"timeout after {self.timeout:.0f} s")
        except BrokenProcessPool:
            if self._executor is executor:
                self._restart("a worker died")
            raise _TryAgain("extraction worker crashed") from None
        except asyncio.CancelledError:
            # _restart cancelled this page with the rest of the old pool's queue: try it
            # on the new pool. Let it through when this task itself is cancelled: as a
            # CancelledError in a Scrapy callback it would leave the response in the
            # scraper for good, and the crawl would never finish closing.
            task = asyncio.current_task()
            if executor is self._executor or (task is not None and task.cancelling()):
                raise
            raise _TryAgain("extraction workers restarted") from None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
