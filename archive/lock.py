"""One writer per archive: an advisory lock on ``ARCHIVE_DIR/.lock`` (a worker's on
``ARCHIVE_DIR/workers/NAME/.lock``).

A command that writes runs inside :func:`exclusive`; a crawl holds an :class:`ArchiveLock`
from its start to its end; a reader that cannot write (read-only storage) takes a
:func:`shared_lock`; :func:`is_locked` and :func:`busy_writers` only look."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.layout import ArchiveLayout, index_layouts

LOCK_NAME = ".lock"
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later


class ArchiveLocked(Exception):
    """Another process is writing to the archive."""


class ArchiveLock:
    def __init__(self, root: Path) -> None:
        self.path = Path(root) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = ""
            try:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
            who = f" (pid {holder})" if holder else ""
            raise ArchiveLocked(
                f"another crawl is writing to {self.path.parent}{who}; try again later"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def is_held_elsewhere(self) -> bool:
        """True when another process holds the lock (checked without taking it for long)."""
        try:
            self.acquire()
        except ArchiveLocked:
            return True
        self.release()
        return False


@contextmanager
def shared_lock(root: Path) -> Iterator[None]:
    """A shared lock on the archive's lock file while the block runs: for a reader that
    may not write to the archive (read-only storage) yet wants no crawl to start
    meanwhile (a writer's :meth:`ArchiveLock.acquire` fails while it is held). The file
    is opened read-only and never created: without one, no crawl ever wrote there.
    Raises :class:`ArchiveLocked` when a writer holds the lock."""
    try:
        fd = os.open(Path(root) / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveLocked(
                f"another crawl is writing to {Path(root)}; try again later"
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock


def is_locked(root: Path) -> bool:
    """True when some process holds the lock of the archive at *root*. Read-only: it
    creates and writes nothing (a :func:`shared_lock` taken for an instant)."""
    try:
        with shared_lock(root):
            return False
    except ArchiveLocked:
        return True
    except OSError:  # a lock file this user may not open
        return False


def busy_writers(root: Path, *, mine: Path | None = None) -> list[str]:
    """The crawls writing to the archive: ``"the archive"`` for its own lock, ``"worker
    NAME"`` for a worker's; the lock file *mine* (held by the caller) is left out."""
    busy = []
    for layout in index_layouts(root):
        if mine is not None and (layout.home / LOCK_NAME).resolve() == mine.resolve():
            continue
        if is_locked(layout.home):
            busy.append(f"worker {layout.worker}" if layout.worker else "the archive")
    return busy


@contextmanager
def exclusive(
    layout: ArchiveLayout, lock: ArchiveLock | None = None, *, alone: bool = True
) -> Iterator[ArchiveLock]:
    """The lock of *layout* (``layout.home``) held while the block runs: taken and then
    released, or *lock* if the caller holds it already (the crawler, from its start).
    With ``alone`` no other crawl may be writing to the archive either (the archive's
    own lock or a worker's). Raises :class:`ArchiveLocked` when another process holds
    one of them."""
    own: ArchiveLock | None = None
    if lock is None:
        own = lock = ArchiveLock(layout.home)
        own.acquire()
    elif not lock.held:
        raise ValueError("the lock passed in is not held")
    try:
        busy = busy_writers(layout.root, mine=lock.path) if alone else []
        if busy:
            raise ArchiveLocked(
                f"another crawl ({', '.join(busy)}) is writing to {layout.root}; try again later"
            )
        yield lock
    finally:
        if own is not None:
            own.release()
