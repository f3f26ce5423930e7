"""The Prometheus endpoint the crawl and the replay application each serve, on
127.0.0.1 only (docs/metrics.md): prometheus-client's own server thread over a registry
of the caller's. A port that cannot be listened on costs the caller its metrics (one
warning line), never its work."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

logger = logging.getLogger(__name__)

ADDRESS = "127.0.0.1"


def serve(port: int, registry: CollectorRegistry) -> WSGIServer | None:
    """Serve *registry* on 127.0.0.1:*port*; None (and a warning) when it cannot listen."""
    try:
        server, _thread = start_http_server(port, addr=ADDRESS, registry=registry)
    except OSError as exc:
        logger.warning(
            "metrics: cannot listen on %s port %d (%s): going on without metrics",
            ADDRESS,
            port,
            exc.strerror or exc,
        )
        return None
    return server


def stop(server: WSGIServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
