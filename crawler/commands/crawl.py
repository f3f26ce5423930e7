"""``scrapy crawl`` with an exit status that tells cron and systemd how the crawl went.

Exit status: 0 the crawl finished (or stopped at max_articles); 1 it failed (nothing
could be fetched, robots.txt unavailable, a WARC or index write failed, errors logged
outweighing the pages archived: crawler/run/outcome.py; or Scrapy could not start it);
2 a wrong argument (a misspelled -a name, ARCHIVE_REDIS_URL without scrapy-redis);
3 stopped early by SIGINT/SIGTERM (every record written is complete); 75 another
crawl holds the archive (found here, or by the archive extension as the crawl starts:
a crawl that took the lock meanwhile, or distributed-crawl workers writing to it).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from archive.layout import ArchiveLayout
from archive.lock import EXIT_LOCKED, ArchiveLock, ArchiveLocked
from crawler.archiving.extraction import start_forkserver, yield_to_workers
from crawler.run.outcome import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, crawl_exit_status
from crawler.run.overhead import drop_idle_extensions, gc_for_crawl, pause_gc
from crawler.run.quietstart import quiet_startup
from crawler.run.stopsignals import StopSignals

if TYPE_CHECKING:
    import argparse


logger = logging.getLogger(__name__)


def fail(message: str, code: int) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def watch_start(started: Any) -> list[ArchiveLocked]:
    """The list that receives the ArchiveLocked a crawl's start raises (the archive
    extension takes the lock as Scrapy builds it): handled here, as one line and exit
    75, not logged as a traceback. Any other failure to start is left to Scrapy's
    report. *started* is what ``crawler_process.crawl`` returns: an asyncio task or a
    Deferred."""
    locked: list[ArchiveLocked] = []
    if isinstance(started, asyncio.Future):

        def done(task: asyncio.Future[Any]) -> None:
            if task.cancelled() or task.exception() is None:
                return
            exc = task.exception()  # retrieved: asyncio no longer logs it
            if isinstance(exc, ArchiveLocked):
                locked.append(exc)
            else:
                logger.error("the crawl could not start", exc_info=exc)

        started.add_done_callback(done)
    elif hasattr(started, "addErrback"):

        def errback(failure: Any) -> Any:
            if failure.check(ArchiveLocked):
                locked.append(failure.value)
                return None
            return failure

        started.addErrback(errback)
    return locked


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        self.stops = StopSignals.hold()  # a Ctrl-C from now on stops the crawl cleanly
        quiet_startup(self.settings)  # before Scrapy configures logging and logs
        if self.settings.getbool("ARCHIVE_EXTRACT_ENABLED"):
            start_forkserver()  # before Scrapy builds the crawler, not after
            yield_to_workers()  # then: the forkserver keeps the normal policy
        pause_gc()  # until the engine runs (gc_for_crawl, in run)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process is not None and self.settings is not None
        spname = args[0]
        try:
            spidercls = self.crawler_process.spider_loader.load(spname)
        except KeyError:
            fail(f"no spider named {spname!r}", EXIT_USAGE)
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            try:
                check(**opts.spargs)
            except ValueError as exc:
                fail(str(exc), EXIT_USAGE)
        # imported here, not at the top: the spider's imports (Scrapy's HTTP client among
        # them, 0.2 s) then come after process_options has started the forkserver, and
        # overlap its import of trafilatura instead of delaying it
        from scrapy import signals

        from crawler.compat import new_crawler
        from crawler.distributed.redis import RedisModeUnavailable, check_redis_mode
        from crawler.settingchecks import check_settings

        try:
            check_settings(self.settings)
        except ValueError as exc:
            fail(str(exc), EXIT_USAGE)
        try:
            check_redis_mode(self.settings)
        except RedisModeUnavailable as exc:
            fail(str(exc), EXIT_USAGE)
        root = ArchiveLayout(Path(self.settings.get("ARCHIVE_DIR"))).root
        if self.settings.getbool("ARCHIVE_REPLAY"):
            if not (root / "index.sqlite3").exists():
                fail(f"nothing to replay: {root} is not an archive", EXIT_USAGE)
        elif self.settings.getbool("ARCHIVE_ENABLED") and not self.settings.get(
            "ARCHIVE_REDIS_URL"
        ):
            try:
                held = ArchiveLock(root).is_held_elsewhere()
            except OSError as exc:
                fail(f"cannot use archive directory {root}: {exc}", EXIT_FAILED)
            if held:
                fail(f"another crawl is writing to {root}; try again later", EXIT_LOCKED)
        drop_idle_extensions(self.settings)  # before the crawler loads its extensions
        crawler = new_crawler(self, spname)
        crawler.signals.connect(gc_for_crawl, signal=signals.engine_started)
        locked = watch_start(self.crawler_process.crawl(crawler, **opts.spargs))
        self.stops.replay(crawler)
        self.crawler_process.start()
        self.stops.after_reactor()
        if locked:
            extractor = getattr(crawler.spider, "extractor", None)
            if extractor is not None:  # started with the spider, before the lock
                extractor.close()
            fail(str(locked[0]), EXIT_LOCKED)
        # everything is written and closed: spare the interpreter's last garbage
        # collections a walk over the crawl's whole heap (0.3 s at every exit)
        gc.freeze()
        if self.crawler_process.bootstrap_failed or crawler.stats is None:
            self.exitcode = EXIT_FAILED
            return
        self.exitcode = crawl_exit_status(crawler.stats.get_stats())
        if self.stops.received and crawler.stats.get_value("finish_reason") is None:
            self.exitcode = EXIT_INTERRUPTED  # a second signal: stopped before closing
