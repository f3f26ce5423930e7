"""Costs of the crawl process that buy nothing in this crawl.

Scrapy's root logger lets every record through and filters at the handler, so the DEBUG
lines "Crawled (200) ..." and "Scraped from ..." were built (a LogRecord, the request's
flags, the item) for every page and then dropped. QuietLogFormatter does not build them
unless LOG_LEVEL is DEBUG. (Scrapy's public LogFormatter interface: no private name.)

At start-up: Scrapy's extensions that are off are still imported, to raise NotConfigured
(the remote control's module imports aiohttp, 0.1 s): :func:`drop_idle_extensions`. And
Python's garbage collector walks, again and again, a heap that the start-up filled with
what lives as long as the process (modules, classes, settings: 100,000 objects), while the
crawl itself leaves next to no cyclic garbage: :func:`pause_gc` and :func:`gc_for_crawl`.
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings


class QuietLogFormatter(LogFormatter):
    def __init__(self, debug: bool = True) -> None:
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietLogFormatter:
        settings = crawler.settings
        level = settings.get("LOG_LEVEL")
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        debug = settings.getbool("LOG_ENABLED") and (
            not isinstance(level, int) or level <= logging.DEBUG
        )
        return cls(debug)

    def crawled(self, *args: Any, **kwargs: Any) -> LogFormatterResult | None:  # type: ignore[override]
        return super().crawled(*args, **kwargs) if self.debug else None

    def scraped(self, *args: Any, **kwargs: Any) -> LogFormatterResult | None:  # type: ignore[override]
        return super().scraped(*args, **kwargs) if self.debug else None


# Scrapy's extensions that do nothing unless their setting turns them on, by setting
IDLE_EXTENSIONS = {
    "REMOTE_CONTROL_ENABLED": "scrapy.extensions.remote_control.RemoteControl",
    "TELNETCONSOLE_ENABLED": "scrapy.extensions.telnet.TelnetConsole",
}


def drop_idle_extensions(settings: Settings) -> None:
    """Leave out, unimported, the extensions of :data:`IDLE_EXTENSIONS` whose setting is
    off: imported, they would only raise NotConfigured, with no message (no log line is
    lost; neither is listed as enabled). One whose setting is on stays, and so does one
    that EXTENSIONS names. Call before the crawler is made."""
    from crawler import compat  # Scrapy's HTTP client: not imported with this module

    compat.leave_out_extensions(
        settings, [path for name, path in IDLE_EXTENSIONS.items() if not settings.getbool(name)]
    )


#: the youngest generation's threshold during the crawl (Python's: 700). A page's
#: handling makes and drops containers by the thousand, and at 700 a collection ran
#: every few milliseconds to find nothing (~450 gen-0 and ~50 gen-1 collections in the
#: 1,000-article benchmark crawl; the same peak memory at 7000)
GC_THRESHOLD = 7000


def pause_gc() -> None:
    """No garbage collection while the crawl starts (imports, the crawler, the spider):
    what it makes lives as long as the process, and a collection would only walk it (a
    full one: 50-100 ms). Undone by :func:`gc_for_crawl`."""
    gc.disable()


def gc_for_crawl() -> None:
    """Once the engine runs: what the start-up made goes to the collector's permanent
    generation (``gc.freeze``), where collections do not walk it, and the collector runs
    again, less often (:data:`GC_THRESHOLD`)."""
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD)  # the older generations' thresholds stay
    gc.enable()
