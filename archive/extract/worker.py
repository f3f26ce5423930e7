"""The extraction workers' side of :mod:`archive.extract.pool`: how they are started and
what each does with a page.

Workers fork from a forkserver that has imported trafilatura and extracted one page
(:mod:`archive.extract.preload`). Neither the forkserver nor the workers take SIGINT: a
terminal's Ctrl-C reaches the whole process group, and the process that owns the pool
decides what it means (a crawl finishes the pages in flight, then closes the pool).
SIGTERM they keep: the executor stops a broken pool's workers with it. Workers exit when
the owning process is gone, a SIGKILL included.

This module does not import trafilatura: the workers do.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import select
import signal
import threading
import time
from dataclasses import dataclass
from types import FrameType

from archive.extract.result import ExtractionResult

#: left to the process that owns the pool (not SIGTERM: ProcessPoolExecutor terminates
#: the workers of a broken pool with it, and waits for them to exit)
QUIET_SIGNALS = (signal.SIGINT,)
PARENT_CHECK_SECONDS = 1.0  # without pidfd: how often a worker looks for its parent


@dataclass(frozen=True)
class ExtractJob:
    """One page to extract: its body (any Content-Encoding already undone, within the
    size bound, by whoever made the job) and, with ``links``, its links read from the
    same parse."""

    url: str
    payload: bytes
    content_type: str | None = None
    links: bool = False
    # decide first whether the page is an article at all (archive/extract/articleness.py);
    # ``listed``: "news" (a feed or a news sitemap listed it), "sitemap" (a plain one)
    decide: bool = False
    listed: str = ""


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def failed(reason: str) -> ExtractionResult:
    return ExtractionResult(None, reason)


# -- starting them -------------------------------------------------------------------------
def warm_forkserver(*more: str) -> multiprocessing.context.BaseContext:
    """The multiprocessing context every extraction pool forks its workers from: a
    forkserver that imports :mod:`archive.extract.preload` (trafilatura imported, one page
    extracted), this module and *more* before it forks any worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["archive.extract.preload", __name__, *more])
    return context


def start_forkserver(*more: str) -> multiprocessing.context.BaseContext:
    """:func:`warm_forkserver`, and the forkserver started now (a few milliseconds: its
    imports run in its own process) with SIGINT ignored, which it and every worker it
    forks inherit (Python keeps a SIGINT it finds ignored at start), its imports
    included. Meanwhile SIGINT is held here, not lost: one that comes is delivered once
    the spawn is done.
    Off the main thread (signals cannot be changed there) the forkserver starts when the
    first worker does."""
    context = warm_forkserver(*more)
    if threading.current_thread() is not threading.main_thread():
        return context
    held = set(QUIET_SIGNALS)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    saved = {signum: signal.getsignal(signum) for signum in QUIET_SIGNALS}
    try:
        for signum in QUIET_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        multiprocessing.forkserver.ensure_running()
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return context


def init_worker(parent: int) -> None:
    """In each worker, first: leave SIGINT to *parent* (also when its forkserver was
    started elsewhere, without :func:`start_forkserver`), and exit when
    *parent* is gone. A parent killed with SIGKILL closes no pipe a worker would notice
    (each holds both ends of the task queue, and the forkserver, their parent, lives on),
    so without this they would wait for work forever."""
    for signum in QUIET_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    try:
        # readable once the parent has exited, a zombie included; no polling
        fd = os.pidfd_open(parent)
    except (AttributeError, OSError):  # not Linux 5.3+: ask every second
        while alive(parent):
            time.sleep(PARENT_CHECK_SECONDS)
    else:
        select.select([fd], [], [])
    os._exit(0)


def alive(pid: int) -> bool:
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


# -- in the worker -------------------------------------------------------------------------
class _PageTimeout(BaseException):
    """Raised by the alarm; not an ``Exception``, so that extract_article's own
    ``except Exception`` lets it through."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _PageTimeout


def extract_job(job: ExtractJob, timeout: float) -> ExtractionResult:
    """Extract one page, cut by an alarm after *timeout* seconds (runs in a worker).
    Never raises."""
    from archive.extract.article import extract_article

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            result = extract_article(
                job.payload,
                job.url,
                job.content_type,
                job.links,
                decide=job.decide,
                listed=job.listed,
            )
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _PageTimeout:  # also when the alarm rang just as the page was done
        result = failed(f"timeout after {timeout:g} s")
    finally:
        signal.signal(signal.SIGALRM, previous)
    return result


__all__ = [
    "ExtractJob",
    "alive",
    "default_workers",
    "extract_job",
    "failed",
    "init_worker",
    "start_forkserver",
    "warm_forkserver",
]
