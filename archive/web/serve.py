"""``replay``: the web application and pywb, started together and stopped together.

The application (a threaded WSGI server) listens on ``HOST:PORT``; pywb's ``wayback`` on
``HOST:REPLAY_PORT``, another origin, so an archived page can never script the
application. The command prints both URLs, then waits; Ctrl-C, SIGTERM or SIGHUP stop
both (pywb first gets SIGTERM, then SIGKILL if it lingers), and so does pywb exiting on
its own (an error).
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from types import FrameType
from typing import Any, TextIO

from werkzeug.serving import BaseWSGIServer, make_server

from archive.access import connect_readonly
from archive.layout import ArchiveLayout
from archive.web.app import WebConfig, create_app
from archive.web.pywbtool import pywb_program
from archive.web.security import is_wildcard, replay_csp, url_host
from archive.web.wayback import COLLECTION, WaybackError, free_port, start_wayback

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PYWB_MISSING = (
    "pywb is not installed: run `make setup` (it installs pywb into .venv-pywb), "
    "or set ARCHIVE_PYWB_DIR to the bin/ folder that holds pywb's `wayback`"
)


class ReplayError(Exception):
    """The replay servers cannot start or stopped unexpectedly (a message for the user)."""


def serve(
    layout: ArchiveLayout,
    *,
    host: str,
    port: int,
    replay_port: int | None,
    timeout: float = 5.0,
    out: TextIO | None = None,
    ready: Callable[[str, str], None] | None = None,
    metrics_port: int | None = None,
) -> int:
    """Run until stopped; returns the exit status (0 when stopped by a signal).
    *metrics_port*: Prometheus metrics on 127.0.0.1 there (0: none; None: the
    ``ARCHIVE_METRICS_PORT`` environment variable decides)."""
    out = out or sys.stdout
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    program = pywb_program("wayback")
    if program is None:
        raise ReplayError(PYWB_MISSING)
    db = connect_readonly(layout.index_path, timeout)  # fails early on a missing index
    with ExitStack() as stack:
        stack.callback(db.close)
        stopping = threading.Event()
        _on_signals(stack, stopping)
        app_server = _listen(host, port, None)
        stack.callback(app_server.server_close)
        real_port = int(app_server.port)
        if replay_port is None:
            replay_port = real_port + 1 if port else 0
        if replay_port == 0:
            replay_port = free_port(host)
        config = (
            WebConfig(layout, host, replay_port, timeout)
            if metrics_port is None
            else WebConfig(layout, host, replay_port, timeout, metrics_port=metrics_port)
        )
        app_server.app = create_app(config)
        try:
            wayback = start_wayback(
                program,
                layout,
                db,
                host=host,
                port=replay_port,
                csp=replay_csp(host, real_port),
                cancelled=stopping.is_set,
            )
        except WaybackError as exc:
            raise ReplayError(f"{exc} (is port {replay_port} on {host} free?)") from None
        stack.callback(wayback.stop)
        db.close()
        thread = threading.Thread(
            target=app_server.serve_forever, args=(0.1,), name="replay-app", daemon=True
        )
        thread.start()
        stack.callback(thread.join, 10)
        stack.callback(app_server.shutdown)
        shown = "127.0.0.1" if is_wildcard(host) else url_host(host)
        app_url = f"http://{shown}:{real_port}/"
        pywb_url = f"http://{shown}:{replay_port}/{COLLECTION}/"
        print(f"replay: the archive on {app_url}", file=out)
        print(f"replay: archived pages (pywb) on {pywb_url}", file=out)
        stored = layout.stored_names()
        if stored:
            print(
                f"replay: {len(stored)} of the WARC files are in object storage only: pywb "
                "does not replay their pages (search and articles work); "
                "`news-archive store fetch` brings them back",
                file=out,
            )
        print("replay: Ctrl-C stops both", file=out, flush=True)
        if ready is not None:
            ready(app_url, pywb_url)
        while not stopping.wait(0.2):
            if not wayback.running():
                tail = wayback.log_tail(5)
                raise ReplayError(
                    f"pywb's wayback exited unexpectedly (status {wayback.process.returncode})"
                    + (f": {tail.splitlines()[-1]}" if tail else "")
                )
        print("replay: stopping", file=out, flush=True)
    return 0


def _listen(host: str, port: int, app: Any) -> BaseWSGIServer:
    """A threaded WSGI server (daemon threads, one per request) on a socket bound here, so
    that a busy port is our one-line error rather than Werkzeug's exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise ReplayError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    try:
        return make_server(host, port, app, threaded=True, fd=sock.fileno())
    finally:
        sock.close()  # the server holds its own duplicate


def _on_signals(stack: ExitStack, stopping: threading.Event) -> None:
    """Ctrl-C, SIGTERM and SIGHUP set *stopping* (previous handlers come back on exit)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    for sig in STOP_SIGNALS:
        previous = signal.signal(sig, handler)
        stack.callback(signal.signal, sig, previous)
