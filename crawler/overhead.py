"""Two of Scrapy's per-request costs that buy nothing in this crawl.

- Scrapy 2.19's stats collector looks up every method through a Python-level
  ``__getattribute__`` that wraps it in a deprecation check for a ``spider`` argument;
  a crawl calls it a dozen times per request. ArchiveStatsCollector uses plain
  attribute lookup (a ``spider`` argument is still accepted, without the warning).
- Scrapy's root logger lets every record through and filters at the handler, so the
  DEBUG lines "Crawled (200) ..." and "Scraped from ..." were built (a LogRecord, the
  request's flags, the item) for every page and then dropped. QuietLogFormatter does
  not build them unless LOG_LEVEL is DEBUG.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.statscollectors import MemoryStatsCollector

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class ArchiveStatsCollector(MemoryStatsCollector):
    __getattribute__ = object.__getattribute__


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
