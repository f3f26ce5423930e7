"""A per-request cost of Scrapy's that buys nothing in this crawl.

Scrapy's root logger lets every record through and filters at the handler, so the DEBUG
lines "Crawled (200) ..." and "Scraped from ..." were built (a LogRecord, the request's
flags, the item) for every page and then dropped. QuietLogFormatter does not build them
unless LOG_LEVEL is DEBUG. (Scrapy's public LogFormatter interface: no private name.)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


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
