"""The crawl's numbers as Prometheus metrics, which
:class:`crawler.run.metrics.MetricsExtension` serves (docs/metrics.md). A module of its
own, imported only when ARCHIVE_METRICS_PORT is set: prometheus_client is 10 ms of a
crawl's start-up, for nothing when metrics are off.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sized
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric
    from scrapy.crawler import Crawler

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


def crawl_registry(crawler: Crawler) -> tuple[CollectorRegistry, Histogram]:
    """The registry of *crawler*'s metrics, and its extraction latency histogram (per
    site), which the extraction pool's observations fill."""
    registry = CollectorRegistry()
    registry.register(CrawlCollector(crawler))
    latency = Histogram(
        PREFIX + "extraction_seconds",
        "Seconds from handing a page to the extraction pool to its result, per site.",
        ["site"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    return registry, latency
