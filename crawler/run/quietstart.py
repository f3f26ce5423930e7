"""Scrapy's start-up report off at the default log level.

At start Scrapy logs about 70 lines at INFO: its banner and the versions of its
dependencies, the add-ons, extensions, middlewares and pipelines enabled, and the
settings overridden. They bury what matters (an error, the summary) and say nothing
a run report does not (crawler/archiving/extensions.py). Below INFO (``-s LOG_LEVEL=DEBUG``)
they are all kept; above, the dependencies' versions are not even looked up
(LOG_VERSIONS empty). On a terminal (stderr, no LOG_FILE) the stats Scrapy dumps at the
end are off too, so that the summary is the last thing shown; under cron and systemd
they stay in the log.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from scrapy.settings import Settings

# logger name -> the start of the INFO messages silenced ("" for all of them)
STARTUP_MESSAGES = {
    "scrapy.utils.log": ("",),  # "Scrapy 2.19.0 started", "Versions:"
    "scrapy.addons": ("Enabled addons",),
    "scrapy.middleware": ("Enabled ",),
    "scrapy.crawler": ("Overridden settings",),
}


class StartupReportFilter(logging.Filter):
    """Drops the start-up INFO records of one logger (warnings and errors pass)."""

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        return not str(record.msg).startswith(self.prefixes)


def log_level(settings: Settings) -> int:
    level = settings.get("LOG_LEVEL")
    if isinstance(level, int):
        return level
    value = logging.getLevelName(str(level).upper())
    return value if isinstance(value, int) else logging.INFO


def quiet_startup(settings: Settings, stream: TextIO | None = None) -> None:
    """Install the filters (before Scrapy configures logging: its dictConfig resets
    the levels of its loggers, not their filters) and, on a terminal, turn the stats
    dump off unless a setting asks for it."""
    if log_level(settings) < logging.INFO:
        return
    for name, prefixes in STARTUP_MESSAGES.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, StartupReportFilter) for f in logger.filters):
            logger.addFilter(StartupReportFilter(prefixes))
    # the "Versions:" record is dropped: nor are the versions looked up for it (5 ms)
    settings.set("LOG_VERSIONS", [], priority="default")
    stream = stream or sys.stderr
    if not settings.get("LOG_FILE") and stream.isatty():
        settings.set("STATS_DUMP", False, priority="default")
