"""A hostile news site on 127.0.0.1: bombs, broken framing, slow drips, loops, traps.

Every page sits under /english so the news spider walks to it from the home page,
which links every case. Article-shaped URLs (/english/<digits>) are the cases whose
outcome involves extraction. The server speaks raw HTTP/1.1 on sockets so it can
break the protocol on purpose.
"""

from __future__ import annotations

import functools
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable

from tests.challenge_pages import (
    CLOUDFLARE_CHALLENGE,
    CLOUDFLARE_CHALLENGE_HEADERS,
    JS_SHELL_200,
    captcha_article,
)

ARTICLE = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
    "</head><body><article><h1>{title}</h1>{paras}</article></body></html>"
)


def article_html(title: str, sentences: list[str]) -> bytes:
    paras = "".join(f"<p>{s}</p>" for s in sentences)
    return ARTICLE.format(title=title, paras=paras).encode("utf-8")


BOMB_SIZE = 1 << 28  # 256 MiB of zeros in 256 KiB: 16 times DOWNLOAD_MAXSIZE

GOOD_TEXT = [
    "The water board said on Monday that repairs to the main canal would take a month.",
    "Farmers in the lower districts have asked for a temporary pump to reach their fields.",
]


@functools.cache
def bomb(size: int, wbits: int) -> bytes:
    """*size* zero bytes compressed (gzip: wbits 31, deflate: 15)."""
    comp = zlib.compressobj(6, zlib.DEFLATED, wbits)
    chunk = b"\0" * (1 << 20)
    out = [comp.compress(chunk) for _ in range(size >> 20)]
    out.append(comp.flush())
    return b"".join(out)


# every case the home page links (outcomes: docs/reliability.md; tests/test_hostile.py)
CASES = (
    *(f"/english/{n}" for n in range(1001, 1017)),
    "/english/loop-a",
    "/english/chain/0",
)


# bot challenges (HostileServer(cases=CHALLENGE_CASES)): a 403 Cloudflare challenge, a
# 200 "Just a moment..." shell, and a real article about a captcha
CHALLENGE_CASES = ("/english/2001", "/english/2002", "/english/2003")

ROBOTS_READ = 512 * 1024  # what is read of a robots.txt, as Google reads it


def filler(size: int) -> bytes:
    """*size* bytes of robots.txt comment lines."""
    lines = b"# padding\n" * (size // 10)
    rest = size % 10
    return lines + (b"#" * (rest - 1) + b"\n" if rest else b"")


def robots_around_the_cut(inside: str, past: str, size: int) -> bytes:
    """A robots.txt of *size* bytes: a group for every agent whose rule ``Disallow:
    INSIDE`` ends just inside the first 512 KiB and whose rule ``Disallow: PAST``
    starts just past them, the rest comments. Only the first may be obeyed."""
    head = b"User-agent: *\nDisallow: /english/private/\n"
    rule_in = f"Disallow: {inside}\n".encode()
    rule_past = f"Disallow: {past}\n".encode()
    body = head + filler(ROBOTS_READ - 10 - len(head) - len(rule_in)) + rule_in
    body += filler(20) + rule_past
    assert body.index(rule_in) + len(rule_in) < ROBOTS_READ < body.index(rule_past)
    return body + filler(max(0, size - len(body)))


@functools.cache
def huge_robots() -> bytes:
    """The robots.txt of HostileServer(robots="huge"): 6 MB."""
    return robots_around_the_cut("/english/1013", "/english/1014", 6_000_000)


# the article trap (HostileServer(trap=True)): every article /english/N from TRAP_ROOT on
# links to three new ones, 3N+1 to 3N+3, without end
TRAP_ROOT = 5000


class HostileServer:
    """Serves the hostile cases. ``robots`` chooses robots.txt: "normal", "500",
    "huge", "endless" (the last two disallow /english/1013 inside the first 512 KiB
    and /english/1014 past them). The home page links ``cases`` (every case by
    default) and /english/private/x; with ``trap``, it leads only into the article
    trap; ``blocked``: everything but robots.txt answers a Cloudflare challenge."""

    def __init__(
        self,
        robots: str = "normal",
        trap: bool = False,
        cases: tuple[str, ...] = CASES,
        blocked: bool = False,
    ) -> None:
        self.robots = robots
        self.trap = trap
        self.blocked = blocked
        self.cases = cases
        self.log: list[str] = []
        self._lock = threading.Lock()
        self._hits: dict[str, int] = {}
        handler = self._make_handler()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def hits(self, path: str) -> int:
        with self._lock:
            return self._hits.get(path, 0)

    def _record(self, path: str) -> int:
        with self._lock:
            self.log.append(path)
            self._hits[path] = self._hits.get(path, 0) + 1
            return self._hits[path]

    def _make_handler(self) -> type[socketserver.StreamRequestHandler]:
        server = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 60

            def handle(self) -> None:
                try:
                    while True:
                        line = self.rfile.readline(65536)
                        if not line:
                            return
                        parts = line.decode("latin-1").split()
                        if len(parts) != 3:
                            return
                        while self.rfile.readline(65536).strip():
                            pass  # headers: not needed
                        target = parts[1]
                        count = server._record(target)
                        keep = server._respond(target, count, self.wfile)
                        self.wfile.flush()
                        if not keep:
                            return
                except (ConnectionError, TimeoutError, OSError):
                    return

        return Handler

    # -- responses ---------------------------------------------------------------------
    def _respond(self, target: str, count: int, out: socket.SocketIO) -> bool:
        """Write the response; False closes the connection."""
        routes: dict[str, Callable[[int, socket.SocketIO], bool]] = {
            "/robots.txt": self._robots,
            "/english": self._home,
            "/english/1001": lambda c, o: self._bomb(o, 31, b"gzip"),
            "/english/1002": lambda c, o: self._bomb(o, 15, b"deflate"),
            "/english/1003": self._bad_chunks,
            "/english/1004": self._long_length,
            "/english/1005": self._short_length,
            "/english/1006": self._drip,
            "/english/1007": self._retry_after_short,
            "/english/1008": self._retry_after_long,
            "/english/1009": self._huge,
            "/english/1010": self._binary,
            "/english/1011": self._bad_charset,
            "/english/1012": self._misdeclared,
            "/english/1013": self._malformed,
            "/english/1014": self._normal,
            "/english/1015": self._endless_chunks,
            "/english/1016": self._close_delimited,
            "/english/2001": lambda c, o: self._cloudflare(o),
            "/english/2002": lambda c, o: self._send(o, 200, JS_SHELL_200),
            "/english/2003": lambda c, o: self._send(o, 200, captcha_article(injected=True)),
            "/english/loop-a": lambda c, o: self._redirect(o, "/english/loop-b"),
            "/english/loop-b": lambda c, o: self._redirect(o, "/english/loop-a"),
        }
        if self.blocked and target != "/robots.txt":
            return self._cloudflare(out)
        if target.startswith("/english/chain/"):
            step = int(target.rsplit("/", 1)[1])
            if step < 12:
                return self._redirect(out, f"/english/chain/{step + 1}")
            return self._send(out, 200, b"<html><body>end of chain</body></html>")
        if self.trap and target.startswith("/english/") and target[9:].isdigit():
            number = int(target[9:])
            if number >= TRAP_ROOT:
                return self._trap_article(number, out)
        route = routes.get(target)
        if route is None:
            return self._send(out, 404, b"<html><body>not here</body></html>", reason="Not Found")
        return route(count, out)

    @staticmethod
    def _send(
        out: socket.SocketIO,
        status: int,
        body: bytes,
        ctype: str = "text/html; charset=utf-8",
        reason: str = "OK",
        extra: list[tuple[str, str]] | None = None,
        length: int | None = None,
    ) -> bool:
        head = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {ctype}"]
        head += [f"{k}: {v}" for k, v in extra or []]
        head.append(f"Content-Length: {len(body) if length is None else length}")
        out.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        return length is None

    def _robots(self, count: int, out: socket.SocketIO) -> bool:
        if self.robots == "500":
            return self._send(out, 500, b"oops", "text/plain", "Internal Server Error")
        body = b"User-agent: *\nDisallow: /english/private/\n"
        if self.robots == "huge":
            body = huge_robots()
        if self.robots == "endless":  # chunked, past DOWNLOAD_MAXSIZE
            out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
            out.write(b"Transfer-Encoding: chunked\r\n\r\n")
            body = robots_around_the_cut("/english/1013", "/english/1014", 600_000)
            chunks = [body, *([b"# padding\n" * 6_000] * 600)]
            try:
                for chunk in chunks:
                    out.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass
            return False
        return self._send(out, 200, body, "text/plain")

    def _trap_article(self, number: int, out: socket.SocketIO) -> bool:
        links = "".join(
            f'<a href="/english/{child}">Story {child}</a> '
            for child in range(3 * number + 1, 3 * number + 4)
        )
        page = article_html(f"Story {number}", GOOD_TEXT).replace(
            b"</article>", f"</article><aside>{links}</aside>".encode()
        )
        return self._send(out, 200, page)

    def _home(self, count: int, out: socket.SocketIO) -> bool:
        if self.trap:
            link = f'<a href="/english/{TRAP_ROOT}">Top story</a>'
            return self._send(out, 200, f"<html><body>{link}</body></html>".encode())
        links = "".join(f'<a href="{path}">{path}</a> ' for path in self.cases)
        links += '<a href="/english/private/x">private</a>'
        return self._send(out, 200, f"<html><body>{links}</body></html>".encode())

    def _bomb(self, out: socket.SocketIO, wbits: int, coding: bytes) -> bool:
        body = bomb(BOMB_SIZE, wbits)
        return self._send(out, 200, body, extra=[("Content-Encoding", coding.decode())])

    def _bad_chunks(self, count: int, out: socket.SocketIO) -> bool:
        out.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"10\r\n<html><body>ok\r\nZZZ\r\nnot a chunk size\r\n"
        )
        return False

    def _long_length(self, count: int, out: socket.SocketIO) -> bool:
        body = article_html("Cut Short", GOOD_TEXT)
        self._send(out, 200, body, length=len(body) + 5000)
        return False  # close: the body ends early

    def _short_length(self, count: int, out: socket.SocketIO) -> bool:
        body = article_html("Longer Than Declared", GOOD_TEXT)
        self._send(out, 200, body + b"<p>JUNK AFTER THE DECLARED END</p>" * 20, length=len(body))
        return False

    def _drip(self, count: int, out: socket.SocketIO) -> bool:
        out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(30):
            out.write(b"x")
            out.flush()
            time.sleep(1)
        return False

    def _retry_after_short(self, count: int, out: socket.SocketIO) -> bool:
        if count == 1:
            return self._send(
                out, 503, b"busy", "text/plain", "Service Unavailable", [("Retry-After", "1")]
            )
        return self._send(out, 200, article_html("Came Back Later", GOOD_TEXT))

    def _retry_after_long(self, count: int, out: socket.SocketIO) -> bool:
        return self._send(
            out, 429, b"slow down", "text/plain", "Too Many Requests", [("Retry-After", "3600")]
        )

    def _huge(self, count: int, out: socket.SocketIO) -> bool:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 52428800\r\n\r\n"
        out.write(head)
        chunk = b"<p>" + b"a" * 65530 + b"</p>"
        try:
            for _ in range(52428800 // len(chunk)):
                out.write(chunk)
        except OSError:
            pass
        return False

    def _endless_chunks(self, count: int, out: socket.SocketIO) -> bool:
        """A chunked body that does not stop: past DOWNLOAD_MAXSIZE (16 MiB), to 32 MiB."""
        out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        out.write(b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"<p>" + b"b" * 65529 + b"</p>\n"
        try:
            for _ in range(512):
                out.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass
        return False

    def _close_delimited(self, count: int, out: socket.SocketIO) -> bool:
        """No Content-Length, not chunked: the body ends when the connection closes."""
        out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        out.write(article_html("Ends With The Connection", GOOD_TEXT))
        return False

    def _binary(self, count: int, out: socket.SocketIO) -> bool:
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
        return self._send(out, 200, png)

    def _bad_charset(self, count: int, out: socket.SocketIO) -> bool:
        body = article_html("Charset Nonsense – Still Readable", GOOD_TEXT)
        return self._send(out, 200, body, "text/html; charset=no-such-charset-42")

    def _misdeclared(self, count: int, out: socket.SocketIO) -> bool:
        text = [*GOOD_TEXT, "The café’s owner said prices rose by 5 € — again."]
        body = article_html("Café Owners Complain", text).decode("utf-8").encode("cp1252")
        return self._send(out, 200, body, "text/html; charset=utf-8")

    def _malformed(self, count: int, out: socket.SocketIO) -> bool:
        body = (
            b"<html><head><title>Broken</title><body><div><p>The council met on Tuesday "
            b"<b>to discuss the road<p>Residents \xff\xfe complained about dust <div><div>"
            b"<p>Work will resume next week, officials said.<table><tr><td>"
        )
        return self._send(out, 200, body)

    def _normal(self, count: int, out: socket.SocketIO) -> bool:
        return self._send(out, 200, article_html("All Is Well", GOOD_TEXT))

    def _cloudflare(self, out: socket.SocketIO) -> bool:
        return self._send(
            out,
            403,
            CLOUDFLARE_CHALLENGE,
            "text/html; charset=UTF-8",
            "Forbidden",
            CLOUDFLARE_CHALLENGE_HEADERS,
        )

    def _redirect(self, out: socket.SocketIO, location: str) -> bool:
        return self._send(out, 302, b"", reason="Found", extra=[("Location", location)])
