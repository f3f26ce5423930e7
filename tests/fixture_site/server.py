"""Threaded HTTP/1.1 server for the fixture news site, with a request log."""

from __future__ import annotations

import contextlib
import gzip
import secrets
import socket
import socketserver
import sys
import threading
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .site import HTML_UTF8, NewsSite, Response

SERVER_SOFTWARE = "FixtureHTTP/1.0"
CHUNK_SIZE = 1024


@dataclass(frozen=True)
class RequestLogEntry:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    user_agent: str

    @property
    def path_with_query(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


def accepts_gzip(accept_encoding: str) -> bool:
    """True when an Accept-Encoding header value allows gzip (q=0 refuses it)."""
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        if coding.lower() in ("gzip", "x-gzip"):
            return not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00") for p in params)
    return False


def _split_target(target: str) -> tuple[str, str]:
    path, _, query = target.partition("?")
    return path.partition("#")[0] or "/", query.partition("#")[0]


def _chunks(body: bytes) -> list[bytes]:
    """At least two chunks whenever the body has two bytes or more."""
    size = max(1, min(CHUNK_SIZE, (len(body) + 1) // 2))
    return [body[i : i + size] for i in range(0, len(body), size)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _Server

    def version_string(self) -> str:
        return SERVER_SOFTWARE

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        except ConnectionError:
            pass
        finally:
            self.server.untrack(self.connection)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        path, query = _split_target(self.path)
        entry = RequestLogEntry(
            method=self.command,
            path=path,
            query=query,
            headers=dict(self.headers.items()),
            user_agent=self.headers.get("User-Agent", ""),
        )
        self.server.record(entry)
        if self.command == "GET":
            return True
        body = b"<!DOCTYPE html>\n<html><body><h1>Method Not Allowed</h1></body></html>\n"
        headers = [("Allow", "GET"), ("Connection", "close")]
        self._send(Response(405, body, HTML_UTF8, headers=headers, compressible=False))
        return False

    def do_GET(self) -> None:
        path, query = _split_target(self.path)
        try:
            response = self.server.site.render(path, query, self.server.base_url)
        except Exception:
            self.server.errors.append(traceback.format_exc())
            response = Response(500, b"internal error\n", "text/plain", compressible=False)
        self._send(response)

    def _send(self, response: Response) -> None:
        body = response.body
        encoded = response.compressible and accepts_gzip(self.headers.get("Accept-Encoding", ""))
        if encoded:
            body = gzip.compress(body, mtime=0)
        self.server.record_sent(self.path, response.status, body)
        self.send_response(response.status, response.reason)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Set-Cookie", f"visitor={secrets.token_hex(8)}; Path=/")
        self.send_header("Set-Cookie", "consent=no; Path=/")
        if response.compressible:
            self.send_header("Vary", "Accept-Encoding")
        if encoded:
            self.send_header("Content-Encoding", "gzip")
        send_body = self.command != "HEAD"
        if response.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if send_body:
                for chunk in _chunks(body):
                    self.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], site: NewsSite) -> None:
        self.site = site
        self.errors: list[str] = []
        self._log: list[RequestLogEntry] = []
        self._sent: list[tuple[str, int, bytes]] = []
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)
        self.base_url = f"http://{self.server_name}:{self.server_port}"

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind's reverse DNS lookup (socket.getfqdn).
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def record(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._log.append(entry)

    def record_sent(self, target: str, status: int, body: bytes) -> None:
        with self._lock:
            self._sent.append((target, status, body))

    def sent_snapshot(self) -> list[tuple[str, int, bytes]]:
        with self._lock:
            return list(self._sent)

    def log_snapshot(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FixtureServer:
    """Serves a NewsSite over HTTP/1.1 from a background thread.

    Use as a context manager or call start()/stop(). `base_url` has no trailing slash.
    """

    def __init__(self, site: NewsSite, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site = site
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FixtureServer:
        if self._thread is not None:
            return self
        self._server = _Server((self.host, self.port), self.site)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fixture-site-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._thread = None  # keep self._server: its request log stays readable after stop()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _running(self) -> _Server:
        if self._server is None:
            raise RuntimeError("FixtureServer has not been started")
        return self._server

    @property
    def base_url(self) -> str:
        return self._running().base_url

    @property
    def requests(self) -> list[RequestLogEntry]:
        """A snapshot of every request received so far, in arrival order."""
        return self._running().log_snapshot()

    @property
    def errors(self) -> list[str]:
        """Tracebacks of exceptions raised while rendering (each answered with a 500)."""
        return list(self._running().errors)

    @property
    def sent(self) -> list[tuple[str, int, bytes]]:
        """(request target, status, entity body exactly as sent: content-encoded, not
        chunked) of every response, in order."""
        return self._running().sent_snapshot()

    def paths(self) -> list[str]:
        return [entry.path_with_query for entry in self.requests]

    def clear_log(self) -> None:
        self._running().clear_log()
