"""Distributed crawling: several crawler processes share one frontier in Redis.

Setting ARCHIVE_REDIS_URL (or the environment variable of that name) switches a crawl
to scrapy-redis's scheduler and duplicate filter, under keys named for the spider and
the run (ARCHIVE_REDIS_RUN, by default the current UTC hour, so that workers started
by the same hourly timer share a frontier and the next hour starts afresh; the keys
expire after a day). Each worker writes its own WARC files into the shared archive
(names carry host and pid) and its own index, ``ARCHIVE_DIR/workers/HOST-PID/``;
``python -m archive merge`` folds the worker indexes into ``index.sqlite3``.

Without scrapy-redis a crawl with ARCHIVE_REDIS_URL set does not start (``scrapy
crawl`` exits 2, see :func:`check_redis_mode`): crawling alone, on the main archive,
while other workers share a frontier, is not what was asked for.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

from crawler import compat

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

KEY_TTL_SECONDS = 24 * 3600
POLL_SECONDS = 0.5


def worker_name() -> str:
    return f"{socket.gethostname().split('.')[0]}-{os.getpid()}"


def run_keys(spider: str, run: str) -> tuple[str, str]:
    prefix = f"news-archive:{spider}:{run}"
    return f"{prefix}:requests", f"{prefix}:dupefilter"


class RedisModeUnavailable(RuntimeError):
    """ARCHIVE_REDIS_URL is set but scrapy-redis cannot be imported."""


def check_redis_mode(settings: Settings) -> None:
    """Raise :class:`RedisModeUnavailable` when ARCHIVE_REDIS_URL is set and the
    Redis mode's modules cannot be imported (the URL itself is never repeated: it may
    hold a password)."""
    if not settings.get("ARCHIVE_REDIS_URL"):
        return
    try:
        import_module("scrapy_redis.scheduler")
        import_module("crawler.distributed.dupefilter")
    except ImportError as exc:
        raise RedisModeUnavailable(
            f"ARCHIVE_REDIS_URL is set but scrapy-redis cannot be imported ({exc}): "
            "pip install -e '.[redis]', or unset ARCHIVE_REDIS_URL to crawl alone"
        ) from None


class RedisAddon:
    """Turns the Redis mode on when ARCHIVE_REDIS_URL is set (a Scrapy add-on, so that
    it can choose the scheduler before the crawler is built). Its values take the
    project's priority, so they replace settings.py's while ``-s`` still overrides."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisAddon:
        return cls(crawler)

    def update_settings(self, settings: Settings) -> None:
        url = settings.get("ARCHIVE_REDIS_URL")
        if not url:
            return
        # not NotConfigured: Scrapy would only log it and crawl alone, on the main
        # archive (scrapy crawl checks first, crawler/commands/crawl.py)
        check_redis_mode(settings)
        run = settings.get("ARCHIVE_REDIS_RUN") or datetime.now(UTC).strftime("%Y%m%d%H")
        queue_key, dupefilter_key = run_keys("%(spider)s", run)
        for name, value in {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.ArchiveRedisDupeFilter",
            "REDIS_URL": url,
            "SCHEDULER_PERSIST": True,  # other workers still use the frontier
            "SCHEDULER_QUEUE_KEY": queue_key,
            "SCHEDULER_DUPEFILTER_KEY": dupefilter_key,
            "ARCHIVE_WORKER": settings.get("ARCHIVE_WORKER") or worker_name(),
        }.items():
            settings.set(name, value, priority="project")
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["crawler.distributed.redis.RedisWorkerExtension"] = 300
        settings.set("EXTENSIONS", extensions, priority="project")


class RedisWorkerExtension:
    """Keeps a worker alive while the shared queue may still fill (another worker is
    busy), closes it once the queue has stayed empty for ARCHIVE_REDIS_IDLE_CLOSE
    seconds, and lets the run's keys expire."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.get("ARCHIVE_REDIS_URL"):
            raise NotConfigured
        self.crawler = crawler
        self.idle_close = crawler.settings.getfloat("ARCHIVE_REDIS_IDLE_CLOSE")
        self._idle_since: float | None = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.active, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisWorkerExtension:
        return cls(crawler)

    def active(self) -> None:
        self._idle_since = None

    def spider_idle(self) -> None:
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_close:
            self._poll_soon()
            raise DontCloseSpider
        logger.info(
            "the shared queue stayed empty for %.0f s: this worker is done", self.idle_close
        )

    def _poll_soon(self) -> None:
        """An idle engine looks at its scheduler only every 5 s; another worker may be
        filling the shared queue right now, so look again shortly."""
        compat.poll_soon(self.crawler.engine, POLL_SECONDS)

    def spider_closed(self) -> None:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        server = getattr(scheduler, "server", None)
        if server is None or self.crawler.spider is None:
            return
        for key in run_keys(self.crawler.spider.name, self._run()):
            server.expire(key, KEY_TTL_SECONDS)

    def _run(self) -> str:
        queue_key = str(self.crawler.settings.get("SCHEDULER_QUEUE_KEY"))
        return queue_key.split(":")[2]
