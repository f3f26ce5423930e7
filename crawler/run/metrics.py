"""Prometheus metrics of a running crawl, on 127.0.0.1:ARCHIVE_METRICS_PORT (docs/metrics.md).

The numbers are read when Prometheus scrapes, on the metrics server's own thread: the
crawl's stats (copied in one step), the scheduler's queue, the recorder's write backlog
and the bytes it wrote (:mod:`crawler.run.collector`). Nothing runs on the reactor for
them but the extraction latency, one histogram observation a page
(:class:`archive.extract.pool.ExtractionPool` calls :meth:`MetricsExtension.extracted`).
A port in use costs the crawl its metrics, never the crawl: one warning line. Metrics
off (the default), prometheus_client is not imported.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


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
        from crawler.run.collector import crawl_registry

        self.crawler = crawler
        self.port = port
        self.registry, self.latency = crawl_registry(crawler)
        self.server: WSGIServer | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MetricsExtension:
        return cls(crawler)

    def spider_opened(self) -> None:
        from archive.metricsserver import ADDRESS, serve

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
        from archive.metricsserver import stop

        server, self.server = self.server, None
        stop(server)
