"""``scrapy crawl`` with an exit status that tells cron and systemd how the crawl went.

Exit status: 0 the crawl finished (or stopped at max_articles); 1 it failed (nothing
could be fetched, robots.txt unavailable, a WARC or index write failed, or Scrapy
could not start it); 2 a wrong argument; 3 stopped early by SIGINT/SIGTERM (every
record written is complete); 75 another crawl holds the archive.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from archive.layout import ArchiveLayout
from archive.lock import EXIT_LOCKED, ArchiveLock

if TYPE_CHECKING:
    import argparse

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 3
OK_REASONS = {"finished", "max_articles"}


def crawl_exit_status(stats: dict[str, Any]) -> int:
    reason = stats.get("finish_reason")
    if stats.get("archive/write_failed") or stats.get("archive/errors"):
        return EXIT_FAILED
    if stats.get("archive/robots_unavailable"):
        return EXIT_FAILED
    if reason == "shutdown":
        return EXIT_INTERRUPTED
    if reason not in OK_REASONS:
        return EXIT_FAILED
    if not stats.get("downloader/response_count"):
        return EXIT_FAILED
    return EXIT_OK


def fail(message: str, code: int) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


class Command(ScrapyCrawl):
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
        if self.settings.getbool("ARCHIVE_ENABLED"):
            root = ArchiveLayout(Path(self.settings.get("ARCHIVE_DIR"))).root
            try:
                held = ArchiveLock(root).is_held_elsewhere()
            except OSError as exc:
                fail(f"cannot use archive directory {root}: {exc}", EXIT_FAILED)
            if held:
                fail(f"another crawl is writing to {root}; try again later", EXIT_LOCKED)
        crawler = self._create_crawler(spname)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or crawler.stats is None:
            self.exitcode = EXIT_FAILED
            return
        self.exitcode = crawl_exit_status(crawler.stats.get_stats())
