"""Live progress on a terminal: pages, articles, rate, errors. Silent under cron.

ARCHIVE_PROGRESS: "auto" shows it when stderr is a terminal, "on" always, "off" never.
While it shows, log records are printed above the live line by rich, through the
same console, so the two never garble each other.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.run.outcome import error_count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

REFRESH_SECONDS = 0.5


def progress_line(stats: dict[str, Any], elapsed: float) -> str:
    pages = stats.get("archive/responses", stats.get("downloader/response_count", 0))
    articles = stats.get("archive/articles", 0)
    failed = stats.get("archive/extraction_failed", 0)
    errors = error_count(stats)
    rate = pages / elapsed if elapsed > 0 else 0.0
    return (
        f"pages {pages}  articles {articles}  {rate:.1f} pages/s  "
        f"extraction failures {failed}  errors {errors}  {elapsed:.0f}s"
    )


class ProgressExtension:
    def __init__(self, crawler: Crawler, stream: Any = None) -> None:
        mode = str(crawler.settings.get("ARCHIVE_PROGRESS", "auto")).lower()
        stream = stream or sys.stderr
        if mode == "off" or (mode == "auto" and not stream.isatty()):
            raise NotConfigured  # silent: under cron a warning would be noise
        self.crawler = crawler
        self.stream = stream
        self._live: Any = None
        self._handlers: list[tuple[logging.Handler, logging.Handler]] = []
        self._task: Any = None
        self._started = time.monotonic()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        return cls(crawler)

    def spider_opened(self) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.logging import RichHandler
        from twisted.internet import task

        console = Console(file=self.stream, force_terminal=True)
        root = logging.getLogger()
        for handler in list(root.handlers):
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.stderr,
                self.stream,
            ):
                rich = RichHandler(console=console, show_path=False, markup=False)
                rich.setLevel(handler.level)
                rich.setFormatter(logging.Formatter("%(name)s: %(message)s"))
                for flt in handler.filters:
                    rich.addFilter(flt)
                root.removeHandler(handler)
                root.addHandler(rich)
                self._handlers.append((handler, rich))
        self._started = time.monotonic()
        self._live = Live(self._render(), console=console, auto_refresh=False, transient=True)
        self._live.start()
        self._task = task.LoopingCall(self._refresh)
        self._task.start(REFRESH_SECONDS, now=False)

    def _render(self) -> str:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        return progress_line(stats, time.monotonic() - self._started)

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render(), refresh=True)

    def spider_closed(self) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        if self._live is not None:
            self._live.stop()
            self._live = None
        root = logging.getLogger()
        for original, rich in self._handlers:
            root.removeHandler(rich)
            root.addHandler(original)
        self._handlers.clear()
