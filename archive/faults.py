"""Fault injection for the crash tests.

``ARCHIVE_KILL_AT=POINT:N`` makes the process SIGKILL itself the Nth time it reaches
POINT (``warc_record``: before a record is written; ``warc_torn``: halfway through
writing one; ``rollover``: between closing a full WARC file and opening the next;
``index_commit``: before an index commit; ``article``: before an extracted article
goes to the writer, its response archived already). Unset, as always outside the
tests, a checkpoint costs one comparison.

``ARCHIVE_SLOW_WRITES=SECONDS`` makes the archive writer wait that long before each
record it writes: a disk slower than the network.

``ARCHIVE_EXTRACT_FAULTS=1`` makes the extraction of a page whose URL ends in
``/hang-page`` never finish, and that of one ending in ``/crash-page`` kill its worker.
"""

from __future__ import annotations

import os
import signal
import time

_POINT, _, _N = (os.environ.get("ARCHIVE_KILL_AT") or "").partition(":")
_AT = int(_N) if _N.isdigit() else 0
_count = 0
_EXTRACT_FAULTS = os.environ.get("ARCHIVE_EXTRACT_FAULTS") == "1"
try:
    _SLOW_WRITES = float(os.environ.get("ARCHIVE_SLOW_WRITES") or 0)
except ValueError:
    _SLOW_WRITES = 0.0


def reached(point: str) -> bool:
    """True when the process is to die at this point now."""
    global _count
    if not _AT or point != _POINT:
        return False
    _count += 1
    return _count == _AT


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def checkpoint(point: str) -> None:
    if reached(point):
        die()


def slow_write() -> None:
    if _SLOW_WRITES > 0:
        time.sleep(_SLOW_WRITES)


def extraction_fault(url: str) -> None:
    if not _EXTRACT_FAULTS:
        return
    if url.endswith("/hang-page"):
        time.sleep(3600)
    elif url.endswith("/crash-page"):
        die()
