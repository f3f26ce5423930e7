"""Extracting archived pages on every core, in order, with bounded memory.

:class:`ExtractPool` takes ``(tag, job)`` pairs from an iterable and yields
``(tag, result)`` in the same order, with at most ``window`` jobs in flight: their bodies
are all it holds, so memory stays bounded however many pages there are. Each job runs in
a worker process, which undoes the content-encoding as stored (gzip, deflate, br) and
calls :func:`archive.extraction.extract_article` with the page's Content-Type (the charset
is its business). A job fails alone, with the reason in its result: a body that cannot be
decoded, a page running past ``timeout`` seconds, a worker that dies (the pool is rebuilt
and the jobs that were in flight are run again one at a time, so that only the page that
kills a worker fails).

This module does not import trafilatura: the workers do.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from archive.extraction import ExtractionResult

T = TypeVar("T")

TASKS_PER_WORKER = 1000  # recycle workers now and then: lxml can hold on to memory
JOBS_PER_WORKER = 2  # in flight: one running, one waiting
# how much longer than its own time limit the pool waits for a page before it kills the
# workers (a page stuck in C code does not see the alarm)
GRACE = 30.0


@dataclass(frozen=True)
class ExtractJob:
    """One archived response to extract: its payload as stored."""

    url: str
    payload: bytes
    content_encoding: str | None
    content_type: str | None


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def failed(reason: str) -> ExtractionResult:
    from archive.extraction import ExtractionResult

    return ExtractionResult(None, reason)


def warm_forkserver(*more: str) -> multiprocessing.context.BaseContext:
    """The multiprocessing context every extraction pool forks its workers from: a
    forkserver started afresh that has imported :mod:`archive.preload` (trafilatura
    imported, one page extracted), and *more* modules, before it forks any worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["archive.preload", *more])
    return context


# -- in the worker processes ---------------------------------------------------------------
class _PageTimeout(BaseException):
    """Raised by the alarm; not an ``Exception``, so that extract_article's own
    ``except Exception`` lets it through."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _PageTimeout


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def extract_job(job: ExtractJob, timeout: float) -> ExtractionResult:
    """Decode and extract one page (runs in a worker). Never raises."""
    from archive.decode import Undecodable, decode_content
    from archive.extraction import extract_article

    try:
        body = decode_content(job.payload, job.content_encoding)
    except Undecodable as exc:
        return failed(str(exc))
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            result = extract_article(body, job.url, job.content_type)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _PageTimeout:  # also when the alarm rang just as the page was done
        result = failed(f"timeout after {timeout:g} s")
    finally:
        signal.signal(signal.SIGALRM, previous)
    return result


# -- in the parent -----------------------------------------------------------------------
@dataclass(eq=False)
class _Pending(Generic[T]):
    tag: T
    job: ExtractJob
    future: Future[ExtractionResult] | None = None
    alone: bool = False  # in flight when a worker died: run again on its own


class ExtractPool:
    """A pool of extraction processes. Use as a context manager."""

    def __init__(self, workers: int, timeout: float = 60.0, window: int | None = None) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout
        self.window = window or self.workers * JOBS_PER_WORKER
        self.restarts = 0
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> ExtractPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(kill=exc_info[0] is not None)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=warm_forkserver(),
                initializer=_init_worker,
                max_tasks_per_child=TASKS_PER_WORKER,
            )
        return self._executor

    def _submit(self, job: ExtractJob) -> Future[ExtractionResult]:
        try:
            return self._pool().submit(extract_job, job, self.timeout)
        except BrokenProcessPool:
            self._restart()
            return self._pool().submit(extract_job, job, self.timeout)

    def _restart(self) -> None:
        self.restarts += 1
        self.close(kill=True)

    def close(self, kill: bool = False) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if kill:
            for proc in list(getattr(executor, "_processes", {}).values()):
                proc.kill()
        executor.shutdown(wait=not kill, cancel_futures=True)

    def results(self, jobs: Iterable[tuple[T, ExtractJob]]) -> Iterator[tuple[T, ExtractionResult]]:
        """``(tag, result)`` for every ``(tag, job)``, in order. *jobs* is consumed
        lazily, never more than ``window`` ahead of the results."""
        source = iter(jobs)
        pending: deque[_Pending[T]] = deque()
        exhausted = False
        while True:
            careful = any(p.alone for p in pending)
            while not careful and not exhausted and len(pending) < self.window:
                item = next(source, None)
                if item is None:
                    exhausted = True
                else:
                    pending.append(_Pending(item[0], item[1]))
            if not pending:
                return
            head = pending[0]
            for p in pending if not careful else (head,):
                if p.future is None:
                    p.future = self._submit(p.job)
            assert head.future is not None
            try:
                result = head.future.result(timeout=self.timeout + GRACE)
            except BrokenProcessPool:
                self._restart()
                if head.alone:  # it ran on its own: it is the page that kills a worker
                    pending.popleft()
                    yield head.tag, failed("the extraction worker crashed")
                for p in pending:
                    p.future, p.alone = None, True
                continue
            except TimeoutError:
                self._restart()
                pending.popleft()
                for p in pending:
                    p.future = None
                yield head.tag, failed(f"timeout after {self.timeout:g} s (worker killed)")
                continue
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # the job or its result could not cross processes
                result = failed(f"exception: {type(exc).__name__}: {exc}")
            pending.popleft()
            yield head.tag, result


__all__ = ["ExtractJob", "ExtractPool", "default_workers", "extract_job", "warm_forkserver"]
