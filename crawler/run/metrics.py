"""Prometheus metrics of a running crawl, on 127.0.0.1:ARCHIVE_METRICS_PORT (docs/metrics.md).

The numbers are read when Prometheus scrapes, on the metrics server's own thread: the
crawl's stats (copied in one step), the scheduler's queue, the recorder's write backlog
and the bytes it wrote. Nothing runs on the reactor for them but the extraction latency,
one histogram observation a page (:class:`archive.extract.pool.ExtractionPool`
calls :meth:`MetricsExtension.extracted`). A port in use costs the crawl its metrics,
never the crawl: one warning line.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sized
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.metricsserver import ADDRESS, serve, stop

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from prometheus_client.metrics_core import Metric
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

PREFIX = "newsarchive_"
SITES = "archive/sites/"
DOWNLOAD_EXCEPTIONS = "downloader/exception_type_count/"
# an extraction takes tens of milliseconds; a slow page, seconds; the timeout, a minute
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# errors by kind: the stats that count them (download exceptions are added by type)
ERROR_STATS = {
    "extraction_failed": "archive/extraction_failed",
    "write_failed": "archive/errors",
    "challenge": "archive/challenges",
    "download_failed": "archive/download_failed",
    "logged_error": "log_count/ERROR",
}


def metrics_port(value: Any) -> int:
    """The port of ``ARCHIVE_METRICS_PORT`` (0: off; empty, None or "0" too)."""
    text = str(value if value is not None else "").strip()
    if not text:
        return 0
    try:
        port = int(text)
    except ValueError:
        raise ValueError(f"ARCHIVE_METRICS_PORT must be a port number, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"ARCHIVE_METRICS_PORT must be a port number (0-65535), not {port}")
    return port


class CrawlCollector(Collector):
    """The crawl's counts, read from its stats and components at scrape time."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    def _stats(self) -> dict[str, Any]:
        stats = self.crawler.stats
        if stats is None:
            return {}
        for _ in range(3):
            try:
                return dict(stats.get_stats())  # one copy: the reactor thread writes on
            except RuntimeError:  # changed size while copied
                continue
        return {}

    def collect(self) -> Iterator[Metric]:
        stats = self._stats()
        yield self._counter(
            "pages", "Responses archived (every exchange).", stats, "archive/responses"
        )
        yield self._counter(
            "pages_ok", "Pages archived that answered < 400.", stats, "archive/pages_ok"
        )
        yield self._counter("articles", "Articles archived.", stats, "archive/articles")
        by_site = {
            "site_pages": ("Pages fetched, per site.", "pages"),
            "site_articles": ("Articles archived, per site.", "articles"),
            "site_not_articles": ("Pages judged not articles, per site.", "not_articles"),
        }
        for name, (doc, what) in by_site.items():
            family = CounterMetricFamily(PREFIX + name, doc, labels=["site"])
            for key, value in stats.items():
                if key.startswith(SITES) and key.endswith("/" + what) and isinstance(value, int):
                    family.add_metric([key[len(SITES) : -len(what) - 1]], value)
            yield family
        errors = CounterMetricFamily(
            PREFIX + "errors",
            "Errors, by kind (download_TYPE: a download exception).",
            labels=["kind"],
        )
        for kind, key in ERROR_STATS.items():
            errors.add_metric([kind], _number(stats.get(key, 0)))
        for key, value in stats.items():
            if key.startswith(DOWNLOAD_EXCEPTIONS) and not key.endswith("IgnoreRequest"):
                name = key.rpartition(".")[2].rpartition("/")[2]
                errors.add_metric([f"download_{name}"], _number(value))
        yield errors
        yield from self._components(stats)

    def _components(self, stats: dict[str, Any]) -> Iterator[Metric]:
        from crawler.archiving.extensions import ArchiveExtension

        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        queued = GaugeMetricFamily(PREFIX + "queue_requests", "Requests waiting in the scheduler.")
        if isinstance(scheduler, Sized):
            # a queue being closed, a shared (Redis) queue unreachable: no sample
            with contextlib.suppress(Exception):
                queued.add_metric([], len(scheduler))
        yield queued
        downloader = engine.downloader if engine is not None else None
        active = GaugeMetricFamily(PREFIX + "downloads_active", "Requests being downloaded.")
        if downloader is not None:
            active.add_metric([], len(downloader.active))
        yield active
        archive = self.crawler.get_extension(ArchiveExtension)
        backlog = GaugeMetricFamily(
            PREFIX + "write_backlog_bytes", "Bytes handed to the archive writer, not yet written."
        )
        written = CounterMetricFamily(
            PREFIX + "bytes_written", "Bytes written to WARC files (compressed)."
        )
        if archive is not None:
            backlog.add_metric([], archive.recorder.backlog_bytes)
            written.add_metric([], archive.recorder.writer.bytes_written)
        else:
            written.add_metric([], _number(stats.get("archive/bytes_written", 0)))
        yield backlog
        yield written

    @staticmethod
    def _counter(name: str, doc: str, stats: dict[str, Any], key: str) -> CounterMetricFamily:
        return CounterMetricFamily(PREFIX + name, doc, value=_number(stats.get(key, 0)))


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


class MetricsExtension:
    """Serves the crawl's metrics from spider_opened to spider_closed."""

    def __init__(self, crawler: Crawler) -> None:
        try:
            port = metrics_port(crawler.settings.get("ARCHIVE_METRICS_PORT"))
        except ValueError as exc:
            logger.warning("metrics: %s: going on without metrics", exc)
            raise NotConfigured(str(exc)) from None
        if not port:
            raise NotConfigured("no metrics: ARCHIVE_METRICS_PORT is not set")
        self.crawler = crawler
        self.port = port
        self.registry = CollectorRegistry()
        self.registry.register(CrawlCollector(crawler))
        self.latency = Histogram(
            PREFIX + "extraction_seconds",
            "Seconds from handing a page to the extraction pool to its result, per site.",
            ["site"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.server: WSGIServer | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MetricsExtension:
        return cls(crawler)

    def spider_opened(self) -> None:
        self.server = serve(self.port, self.registry)
        if self.server is None:
            return
        logger.info("metrics: http://%s:%d/metrics", ADDRESS, self.port)
        extractor = getattr(self.crawler.spider, "extractor", None)
        if extractor is not None:
            extractor.observe = self.extracted

    def extracted(self, url: str, seconds: float) -> None:
        """One extraction done (the pool calls this on the reactor thread)."""
        site_name = getattr(self.crawler.spider, "site_name", None)
        site = site_name(url) if site_name is not None else None
        self.latency.labels(site or "").observe(seconds)

    def spider_closed(self) -> None:
        server, self.server = self.server, None
        stop(server)
