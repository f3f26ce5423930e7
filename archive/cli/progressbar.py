"""A rich progress bar on stderr for long commands, and nothing when stderr is not a
terminal (a pipe, a log file, cron)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def wanted() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(
    description: str, total: int | None, *, enabled: bool | None = None, unit: str = "bytes"
) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; a bar is drawn only when *enabled* (default: stderr is a
    terminal). ``unit`` is ``"bytes"`` or a word for counted items."""
    if not (wanted() if enabled is None else enabled):
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    amount = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        amount,
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
