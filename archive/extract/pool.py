"""Extracting pages on every core: one pool of worker processes for the crawl and for
``reextract``.

:class:`ExtractionPool` is used from an asyncio event loop (the crawl's): ``await
pool.run(job)`` gives the page's :class:`~archive.extract.result.ExtractionResult`.
:class:`ExtractPool` is the same pool from synchronous code (``reextract``): it takes
``(tag, job)`` pairs from an iterable and yields ``(tag, result)`` in the same order,
with at most ``window`` jobs taken ahead, so memory stays bounded however many pages
there are.

A page fails alone, with the reason in its result:

- past ``timeout`` seconds, an alarm in its worker stops it; a page stuck where the
  alarm cannot reach it (in C code) is cut :data:`GRACE` seconds later by replacing the
  workers;
- a page that kills its worker is tried once more and then fails; the pages that were in
  flight with it are tried again one at a time, so that it cannot take them down twice.

Every ``recycle_after`` pages per worker the workers are replaced (lxml can hold on to
memory): the pool stops handing them pages, waits for the ones they have, and starts
fresh ones. Not with ``max_tasks_per_child``: before Python 3.13 it deadlocks once
workers reach the limit with a backlog queued (CPython gh-115634), and the page at the
head of the queue failed as a timeout.

The workers' side (forkserver, signals, the alarm) is :mod:`archive.extract.worker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from archive.extract.result import ExtractionResult
from archive.extract.worker import (
    ExtractJob,
    default_workers,
    extract_job,
    failed,
    init_worker,
    start_forkserver,
    warm_forkserver,
)

T = TypeVar("T")

TASKS_PER_WORKER = 1000  # pages per worker before the workers are replaced
JOBS_PER_WORKER = 2  # handed to the workers at once: one running, one waiting
# how much longer than its own time limit the pool waits for a page before it kills the
# workers (a page stuck in C code does not see the alarm)
GRACE = 30.0
KILL_AFTER = 5.0  # at close: how long the pages in flight get before the workers go


class _TryAgain(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ExtractionPool:
    """Extraction worker processes, used from one asyncio event loop."""

    def __init__(
        self,
        workers: int = 0,
        timeout: float = 60.0,
        *,
        recycle_after: int | None = None,
        log: Callable[[str], object] | None = None,
    ) -> None:
        self.workers = max(1, workers or default_workers())
        self.timeout = timeout
        # read here, not at import: tests make it small
        self.recycle_after = TASKS_PER_WORKER if recycle_after is None else recycle_after
        self.restarts = 0  # workers replaced after a crash or a stuck page
        self.recycles = 0  # workers replaced after recycle_after pages each
        self._log = log or (lambda message: None)
        # told the seconds each page took, waiting included (a crawl's metrics set it)
        self.observe: Callable[[str, float], None] | None = None
        self._context = start_forkserver()
        self._executor: ProcessPoolExecutor | None = None
        self._retired: list[ProcessPoolExecutor] = []  # finishing their pages
        self._submitted = 0  # pages given to the current executor
        self._draining: asyncio.Future[None] | None = None
        self._slots = asyncio.Semaphore(self.workers * JOBS_PER_WORKER)
        self._suspects = asyncio.Lock()  # pages tried again after their workers died
        self._closed = False

    # -- the executors -------------------------------------------------------------------
    def _current(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the extraction pool is closed")
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=self._context,
                initializer=init_worker,
                initargs=(os.getpid(),),
            )
            self._submitted = 0
        return self._executor

    async def _next_executor(self) -> ProcessPoolExecutor | None:
        """The executor for the next page (None once closed), replacing the workers when
        they have had their share: the old ones finish their pages and exit before new
        ones start, so that two sets never hold memory at once."""
        executor = self._executor
        if (
            executor is not None
            and self.recycle_after > 0
            and self._submitted >= self.recycle_after * self.workers
        ):
            self.recycles += 1
            self._executor = None
            self._retired.append(executor)
            self._draining = asyncio.ensure_future(self._drain(executor))
        while self._draining is not None:  # every page waits for the same drain
            draining = self._draining
            await asyncio.shield(draining)
            if self._draining is draining:
                self._draining = None
        if self._closed:
            return None
        executor = self._current()
        self._submitted += 1
        return executor

    async def _drain(self, executor: ProcessPoolExecutor) -> None:
        try:
            await asyncio.to_thread(executor.shutdown, True)
        finally:
            if executor in self._retired:
                self._retired.remove(executor)

    def _kill(self, executor: ProcessPoolExecutor, why: str) -> None:
        """Replace the workers of *executor* (current or retired): the pages still in it
        come back as failed (BrokenProcessPool, or cancelled) and are tried again."""
        if executor is self._executor:
            self._log(f"restarting the extraction workers: {why}")
            self.restarts += 1
            self._executor = None
        elif executor not in self._retired:
            return  # replaced already, by another page of it
        _terminate(executor)

    def start(self) -> None:
        """Start the workers now, in the background, so that they are ready for the first
        page: starting one waits for the forkserver to have imported trafilatura, which
        happens on a thread of its own, not on the event loop."""
        executor, count = self._current(), self.workers

        def warm_up() -> None:
            try:
                for _ in range(count):  # each submission starts a worker, up to the number
                    executor.submit(int)
            except RuntimeError:  # closed meanwhile (a crawl that ended at once)
                pass

        threading.Thread(target=warm_up, name="extraction-start", daemon=True).start()

    # -- the pages -----------------------------------------------------------------------
    async def extract(
        self,
        body: bytes,
        url: str,
        content_type: str | None,
        links: bool = False,
        *,
        decide: bool = False,
        listed: str = "",
    ) -> ExtractionResult:
        """The article of a page as received (and its links, with ``links``: read from
        the same parse in the worker). With ``decide``, only when the page is an article
        (``listed``: "news" when a feed or a news sitemap listed it, "sitemap" for a
        plain sitemap)."""
        start = time.perf_counter()
        result = await self.run(ExtractJob(url, body, content_type, links, decide, listed))
        if self.observe is not None:
            self.observe(url, time.perf_counter() - start)
        return result

    async def run(self, job: ExtractJob) -> ExtractionResult:
        try:
            return await self._attempt(job)
        except _TryAgain:
            pass
        # the workers died under this page: it killed one, or another page in flight did.
        # The pages caught up in it are tried once more one at a time, so that a page
        # that kills workers cannot take the others down with it a second time.
        async with self._suspects:
            try:
                return await self._attempt(job)
            except _TryAgain as again:
                return failed(again.reason)

    async def _attempt(self, job: ExtractJob) -> ExtractionResult:
        async with self._slots:
            executor = await self._next_executor()
            if executor is None:  # closed by a stop that did not wait for the pages
                return failed("extraction stopped")
            try:
                future: Future[ExtractionResult] = executor.submit(extract_job, job, self.timeout)
            except (BrokenProcessPool, RuntimeError):  # broken or shut down meanwhile
                self._kill(executor, "a worker died")
                raise _TryAgain("extraction worker crashed") from None
            # it may wait for one page per worker before it starts
            deadline = self.timeout * JOBS_PER_WORKER + GRACE
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future), deadline)
            except TimeoutError:
                self._kill(executor, f"{job.url} ran past {deadline:g} s")
                return failed(f"timeout after {self.timeout:g} s (worker killed)")
            except BrokenProcessPool:
                self._kill(executor, "a worker died")
                raise _TryAgain("extraction worker crashed") from None
            except asyncio.CancelledError:
                # the workers were replaced under this page, which had not started: try it
                # again. Let it through when this task itself is cancelled: as a
                # CancelledError in a Scrapy callback it would leave the response in the
                # scraper for good, and the crawl would never finish closing.
                task = asyncio.current_task()
                if not future.cancelled() or (task is not None and task.cancelling()):
                    raise
                raise _TryAgain("extraction workers restarted") from None
            except BaseException as exc:
                if future.done() and not future.cancelled() and future.exception() is exc:
                    # raised in the worker, or its result could not cross processes: this
                    # page fails. Never let it out, a KeyboardInterrupt least of all: in
                    # the crawl it would stop the event loop with the archive still open
                    return failed(f"exception: {type(exc).__name__}: {exc}")
                raise

    def close(self) -> None:
        """Stop the workers: pages waiting are dropped, the ones they have finish (or are
        killed :data:`KILL_AFTER` seconds on), then they exit. Nothing of the pool is left
        to keep the process alive at its exit for longer."""
        self._closed = True
        executors = [*self._retired, *([self._executor] if self._executor else [])]
        self._executor = None
        for executor in executors:
            _terminate(executor, after=KILL_AFTER)


def _terminate(executor: ProcessPoolExecutor, after: float = 0.0) -> None:
    """Shut *executor* down without waiting: queued pages are cancelled, and every one of
    its workers still there *after* seconds is killed (a page stuck in C code would
    otherwise hold the interpreter's exit, which waits for the pages in flight). Every
    one: a worker killed while it holds the task queue's lock leaves the others waiting
    for it. Not at once when there is a choice: a worker killed while it writes its
    result leaves the executor reading half a message for good."""
    # the executor's own dict: shutdown() drops the attribute, not the dict, and takes
    # the lock under which a worker starting (start(), on its thread) is added to it
    processes = getattr(executor, "_processes", None)  # an empty one too: not `or {}`
    executor.shutdown(wait=False, cancel_futures=True)

    def kill() -> None:
        for proc in list((processes or {}).values()):
            with contextlib.suppress(AttributeError, OSError, ValueError):  # gone, closed
                if proc.is_alive():
                    proc.kill()

    if after <= 0:
        kill()
    else:
        timer = threading.Timer(after, kill)
        timer.daemon = True
        timer.start()


class ExtractPool:
    """The pool from synchronous code, with its own event loop: results in order, at
    most ``window`` jobs taken ahead of them. Use as a context manager."""

    def __init__(
        self,
        workers: int,
        timeout: float = 60.0,
        window: int | None = None,
        *,
        recycle_after: int | None = None,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self.pool = ExtractionPool(workers, timeout, recycle_after=recycle_after)
        self.window = window or self.pool.workers * JOBS_PER_WORKER

    @property
    def restarts(self) -> int:
        return self.pool.restarts

    @property
    def recycles(self) -> int:
        return self.pool.recycles

    def __enter__(self) -> ExtractPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def results(self, jobs: Iterable[tuple[T, ExtractJob]]) -> Iterator[tuple[T, ExtractionResult]]:
        """``(tag, result)`` for every ``(tag, job)``, in order. *jobs* is consumed
        lazily, never more than ``window`` ahead of the results."""
        source = iter(jobs)
        pending: deque[tuple[T, asyncio.Task[ExtractionResult]]] = deque()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < self.window:
                    try:
                        tag, job = next(source)
                    except StopIteration:
                        exhausted = True
                    else:
                        pending.append((tag, self._loop.create_task(self.pool.run(job))))
                if not pending:
                    return
                tag, task = pending.popleft()
                yield tag, self._loop.run_until_complete(task)
        finally:
            if pending and not self._loop.is_closed():
                # stopped early (an error, Ctrl-C): the rest is dropped at once
                self.pool.close()
                for _, task in pending:
                    task.cancel()
                tasks = [task for _, task in pending]
                self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))

    def close(self) -> None:
        self.pool.close()
        if not self._loop.is_closed():
            self._loop.close()


__all__ = [
    "ExtractJob",
    "ExtractPool",
    "ExtractionPool",
    "default_workers",
    "extract_job",
    "warm_forkserver",
]
