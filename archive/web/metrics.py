"""Prometheus metrics of the replay application, on 127.0.0.1:ARCHIVE_METRICS_PORT.

Requests by endpoint, method and status, and their latency, counted by a Flask
before/after request hook (docs/metrics.md). Served by prometheus-client's own server
thread, from a registry of the application's own. A port in use costs the application
its metrics (a warning), never the application.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram

from archive.metricsserver import serve, stop

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

logger = logging.getLogger(__name__)

ENV = "ARCHIVE_METRICS_PORT"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def port_from_env() -> int:
    """``ARCHIVE_METRICS_PORT`` from the environment (0: off, as when unset or not a port)."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return 0
    if not text.isdigit() or int(text) > 65535:
        logger.warning("metrics: %s=%r is not a port number: no metrics", ENV, text)
        return 0
    return int(text)


@dataclass
class AppMetrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    server: WSGIServer | None = None

    def stop(self) -> None:
        server, self.server = self.server, None
        stop(server)


def instrument(app: Flask, port: int) -> AppMetrics:
    """Count *app*'s requests and serve them on 127.0.0.1:*port* (kept in
    ``app.extensions["metrics"]``)."""
    registry = CollectorRegistry()
    metrics = AppMetrics(
        registry,
        Counter(
            "newsarchive_replay_requests",
            "Requests to the replay application, by endpoint, method and status.",
            ["endpoint", "method", "status"],
            registry=registry,
        ),
        Histogram(
            "newsarchive_replay_request_seconds",
            "Seconds the replay application took to answer, by endpoint.",
            ["endpoint"],
            buckets=BUCKETS,
            registry=registry,
        ),
    )

    @app.before_request
    def _started() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _answered(response: Response) -> Response:
        started = g.get("metrics_started")
        endpoint = request.endpoint or "none"
        metrics.requests.labels(endpoint, request.method, str(response.status_code)).inc()
        if started is not None:
            metrics.latency.labels(endpoint).observe(time.perf_counter() - started)
        return response

    metrics.server = serve(port, registry)
    app.extensions["metrics"] = metrics
    return metrics
