"""Article extraction off the event loop: the crawl's side of :mod:`archive.extract.pool`.

trafilatura costs tens of milliseconds of CPU a page: run on the reactor thread it
would stall every download meanwhile. The pool takes pages asynchronously; the crawl's
own back-pressure (Scrapy's scraper slot stops new downloads while too many response
bytes are in process) bounds what waits for it. This module only fits the pool to
Scrapy: its settings, its stats and log, and closing it on every way out of the crawl.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import TYPE_CHECKING

from scrapy import signals

from archive.extract import pool as extractpool
from archive.extract.result import ExtractionResult
from archive.extract.worker import start_forkserver as _start_forkserver

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ExtractionPool", "ExtractionResult", "start_forkserver", "yield_to_workers"]

logger = logging.getLogger(__name__)


def start_forkserver() -> None:
    """Start the workers' forkserver now, as the command starts: its import of
    trafilatura (half a second) then overlaps Scrapy's own start-up instead of delaying
    the first extraction."""
    _start_forkserver()


def yield_to_workers() -> None:
    """Put the calling thread, and the threads it starts from now on (the reactor's, the
    archive writer, the pool's feeder), under SCHED_BATCH. Their many short wake-ups
    (a response, a written record, a finished page) then no longer preempt an extraction
    worker in the middle of a page, and run when one yields or its time slice ends: on
    two cores, worker preemptions fell threefold, and the crawl took 4-10 % less time
    and CPU. The workers keep the normal policy: their forkserver was started before
    this call. Nothing happens where the call is refused or missing (not Linux)."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


class ExtractionPool(extractpool.ExtractionPool):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        settings = crawler.settings
        pool = cls(
            settings.getint("ARCHIVE_EXTRACT_WORKERS"),
            settings.getfloat("ARCHIVE_EXTRACT_TIMEOUT"),
            log=logger.warning,
        )
        pool.crawler = crawler
        crawler.signals.connect(pool.spider_closed, signal=signals.spider_closed)
        # a second Ctrl-C stops the reactor without closing the spider: the workers go
        # all the same, and no page in flight holds the exit
        from twisted.internet import reactor

        reactor.addSystemEventTrigger("during", "shutdown", pool.close)  # type: ignore[arg-type]
        return pool

    crawler: Crawler | None = None

    def spider_closed(self) -> None:
        stats = self.crawler.stats if self.crawler is not None else None
        if stats is not None:
            stats.set_value("archive/extraction_restarts", self.restarts)
            stats.set_value("archive/extraction_recycles", self.recycles)
        self.close()
