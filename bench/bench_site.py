"""An in-memory news site for the crawl benchmark, served by a small asyncio HTTP/1.1 server.

Run it in a process of its own so it never competes with the crawler for a GIL::

    python bench/bench_site.py --pages 1000 [--source DIR] [--port 0] [--threaded]

It prints ``READY <port>`` on stdout once it listens on 127.0.0.1. Every page is rendered
(and gzip-compressed) before that, so a request costs a dictionary look-up and one write.

The site, laid out the way the ``ansarpress`` spider expects:

- ``/robots.txt`` with a ``Sitemap:`` line;
- ``/sitemap.xml``, a sitemap index of ``/sitemap-K.xml`` files listing every article;
- ``/english`` (the home page) and ``/english/page/K`` (listing pages, 20 articles each,
  with a link to the next page);
- ``/english/<id>`` for ``id`` in 1..N: article pages. Their HTML cycles through the real
  pages of DIR/html/*.html.gz (the AEB evaluation pages; read at run time only, never
  copied) or, when DIR is missing, through synthetic pages of realistic size and shape.
  Each gets a small site navigation (home, more news) before ``</body>``.

``/__bench/stats`` answers JSON counters (requests, distinct article pages served) and
``/__bench/reset`` zeroes them; the benchmark reads them around each run.

``--threaded`` serves the same pre-rendered pages with the standard library's
ThreadingHTTPServer instead, to compare the two servers (``--load`` measures one).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

EVAL_DIR = Path("/work/shared/eval/aeb-public")
LISTING_SIZE = 20
SITEMAP_SIZE = 1000
GZIP_LEVEL = 6
SERVER = b"BenchSite/1.0"
HTML = b"text/html; charset=utf-8"
XML = b"application/xml; charset=utf-8"
TEXT = b"text/plain; charset=utf-8"
JSON = b"application/json"
ARTICLE_RE = re.compile(r"/english/(\d+)")
NAV = (
    b'\n<nav class="site-nav"><a href="/english">Home</a> | '
    b'<a href="/english/page/2">More news</a></nav>\n'
)


# -- the pages -----------------------------------------------------------------------------
def real_templates(source: Path) -> list[bytes]:
    """The HTML of every page in ``source/html/*.html.gz`` (sorted by name), or []."""
    folder = source / "html"
    if not folder.is_dir():
        return []
    return [gzip.decompress(p.read_bytes()) for p in sorted(folder.glob("*.html.gz"))]


_VOCABULARY = (
    "government minister said report week people city police court election market "
    "company official statement year country health water school children family local "
    "national council security economy public prices budget plan members workers "
    "according told announced during after before while would could about their there "
    "which other first last new more than most some many these those being under over"
)
_WORDS = _VOCABULARY.split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 24))]
    return " ".join(words).capitalize() + "."


def synthetic_templates(count: int = 98, seed: int = 6) -> list[bytes]:
    """News-like pages of 60-250 kB: head with metadata and scripts, header, navigation,
    an article of 5-25 paragraphs, related links, sidebar, comments and footer."""
    rng = random.Random(seed)
    pages = []
    for n in range(count):
        title = _sentence(rng)[:-1]
        nav = "".join(f'<li><a href="/section/{w}">{w.title()}</a></li>' for w in _WORDS[:40])
        paras = "".join(
            f"<p>{' '.join(_sentence(rng) for _ in range(rng.randint(2, 6)))}</p>"
            for _ in range(rng.randint(5, 25))
        )
        related = "".join(
            f'<li><a href="https://news.example.org/story/{rng.randint(1, 10**6)}">'
            f"{_sentence(rng)}</a></li>"
            for _ in range(30)
        )
        comments = "".join(
            f'<div class="comment"><b>user{rng.randint(1, 999)}</b><p>{_sentence(rng)}</p></div>'
            for _ in range(rng.randint(0, 15))
        )
        script = "var cfg = {" + ",".join(f'"k{i}": {rng.random()}' for i in range(800)) + "};"
        css = "".join(f".c{i}{{margin:{i % 7}px;color:#{i:06x}}}" for i in range(600))
        pages.append(
            (
                '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{title} | Example News</title>"
                f'<meta name="description" content="{_sentence(rng)}">'
                f'<meta property="og:title" content="{title}">'
                '<meta property="og:site_name" content="Example News">'
                f'<meta property="article:published_time" content="2024-0{1 + n % 9}-1{n % 10}'
                'T08:00:00Z">'
                f"<style>{css}</style><script>{script}</script></head><body>"
                f'<header><a href="/">Example News</a><ul class="menu">{nav}</ul></header>'
                f'<main><article><h1>{title}</h1><p class="byline">By Staff Reporter</p>'
                f'<div class="article-body">{paras}</div></article>'
                f'<aside class="related"><h2>Related</h2><ul>{related}</ul></aside>'
                f'<section class="comments">{comments}</section></main>'
                f"<footer><p>{_sentence(rng)}</p><ul>{nav}</ul></footer></body></html>\n"
            ).encode()
        )
    return pages


def with_nav(page: bytes) -> bytes:
    """``page`` with the site's navigation inserted before its last ``</body>``."""
    at = page.lower().rfind(b"</body>")
    return page + NAV if at < 0 else page[:at] + NAV + page[at:]


def templates(source: Path | None) -> tuple[list[bytes], str]:
    if source is not None:
        found = real_templates(source)
        if found:
            return [with_nav(p) for p in found], f"{len(found)} real pages from {source}"
    return [with_nav(p) for p in synthetic_templates()], "98 synthetic pages"


def article_url(base: str, article_id: int) -> str:
    return f"{base}/english/{article_id}"


def article_pages(pages: int, source: Path | None) -> Iterator[tuple[int, bytes]]:
    """(id, decoded HTML) of every article of a site of ``pages`` articles."""
    tpl, _ = templates(source)
    for i in range(pages):
        yield i + 1, tpl[i % len(tpl)]


@dataclass
class Entity:
    """A pre-rendered response: the full head + body, plain and gzip-encoded."""

    plain: bytes
    gzipped: bytes | None = None
    status: int = 200


def _head(status: int, reason: str, content_type: bytes, length: int, gz: bool) -> bytes:
    lines = [
        b"HTTP/1.1 %d %s" % (status, reason.encode()),
        b"Server: " + SERVER,
        b"Date: " + formatdate(usegmt=True).encode(),
        b"Content-Type: " + content_type,
        b"Content-Length: %d" % length,
        b"Cache-Control: max-age=300",
        b"Vary: Accept-Encoding",
    ]
    if gz:
        lines.append(b"Content-Encoding: gzip")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def entity(body: bytes, content_type: bytes, status: int = 200, compress: bool = True) -> Entity:
    reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
    plain = _head(status, reason, content_type, len(body), False) + body
    if not compress:
        return Entity(plain, None, status)
    packed = gzip.compress(body, GZIP_LEVEL, mtime=0)
    return Entity(plain, _head(status, reason, content_type, len(packed), True) + packed, status)


@dataclass
class BenchSite:
    pages: int
    base: str
    source: Path | None = None
    description: str = ""
    _articles: list[Entity] = field(default_factory=list)
    _fixed: dict[str, Entity] = field(default_factory=dict)
    requests: int = 0
    article_hits: set[int] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)

    def build(self) -> BenchSite:
        tpl, self.description = templates(self.source)
        self._articles = [entity(page, HTML) for page in tpl]
        fixed = self._fixed
        fixed["/robots.txt"] = entity(
            f"User-agent: *\nDisallow: /private/\nSitemap: {self.base}/sitemap.xml\n".encode(),
            TEXT,
            compress=False,
        )
        ids = list(range(self.pages, 0, -1))  # newest first
        chunks = [ids[i : i + SITEMAP_SIZE] for i in range(0, len(ids), SITEMAP_SIZE)]
        index = "".join(
            f"<sitemap><loc>{self.base}/sitemap-{k + 1}.xml</loc></sitemap>"
            for k in range(len(chunks))
        )
        fixed["/sitemap.xml"] = entity(
            (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{index}</sitemapindex>\n"
            ).encode(),
            XML,
        )
        for k, chunk in enumerate(chunks):
            urls = "".join(
                f"<url><loc>{article_url(self.base, i)}</loc>"
                f"<lastmod>2024-{1 + i % 12:02d}-{1 + i % 28:02d}</lastmod></url>"
                for i in chunk
            )
            fixed[f"/sitemap-{k + 1}.xml"] = entity(
                (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"{urls}</urlset>\n"
                ).encode(),
                XML,
            )
        listings = [ids[i : i + LISTING_SIZE] for i in range(0, len(ids), LISTING_SIZE)]
        for k, chunk in enumerate(listings):
            page = self.listing(k + 1, chunk, last=k + 1 == len(listings))
            fixed["/english" if k == 0 else f"/english/page/{k + 1}"] = entity(page, HTML)
        fixed["/"] = fixed["/english"]
        fixed["/404"] = entity(b"<html><body><h1>Not found</h1></body></html>\n", HTML, 404)
        return self

    def listing(self, number: int, ids: list[int], last: bool) -> bytes:
        items = "".join(
            f'<li><a href="/english/{i}">Article number {i} of the benchmark site</a>'
            f"<p>A short summary of article {i}.</p></li>"
            for i in ids
        )
        pager = "" if last else f'<a rel="next" href="/english/page/{number + 1}">Next page</a>'
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>English news, page {number} | Bench Press</title></head><body>"
            '<header><a href="/english">Bench Press</a></header>'
            f'<main><h1>Latest news</h1><ul class="articles">{items}</ul>{pager}</main>'
            "<footer>Bench Press</footer></body></html>\n"
        ).encode()

    def lookup(self, path: str) -> Entity:
        self.requests += 1
        match = ARTICLE_RE.fullmatch(path)
        if match:
            number = int(match.group(1))
            if 1 <= number <= self.pages:
                self.article_hits.add(number)
                return self._articles[(number - 1) % len(self._articles)]
        if path.startswith("/__bench/"):
            return self.control(path)
        return self._fixed.get(path) or self._fixed["/404"]

    def control(self, path: str) -> Entity:
        stats = {
            "requests": self.requests - 1,  # not counting this one
            "articles": len(self.article_hits),
            "pages": self.pages,
            "source": self.description,
        }
        if path == "/__bench/reset":
            self.requests = 0
            self.article_hits = set()
        return entity(json.dumps(stats).encode(), JSON, compress=False)


def wants_gzip(head: bytes) -> bool:
    for line in head.split(b"\r\n"):
        if line[:16].lower() == b"accept-encoding:":
            return b"gzip" in line.lower()
    return False


# -- the asyncio server -----------------------------------------------------------------
class _Protocol(asyncio.Protocol):
    def __init__(self, site: BenchSite) -> None:
        self.site = site
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:
                    self.transport.close()
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            self.respond(head)

    def respond(self, head: bytes) -> None:
        assert self.transport is not None
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3:
            self.transport.close()
            return
        method, target, version = parts
        path = target.split("?", 1)[0].split("#", 1)[0]
        found = self.site.lookup(path)
        data = found.gzipped if found.gzipped is not None and wants_gzip(head) else found.plain
        if method == "HEAD":
            data = data[: data.find(b"\r\n\r\n") + 4]
        self.transport.write(data)
        lower = head.lower()
        if version == "HTTP/1.0" or b"connection: close" in lower:
            self.transport.close()
            self.transport = None


async def serve_asyncio(site: BenchSite, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Protocol(site), "127.0.0.1", port, backlog=1024, reuse_address=True
    )
    bound = server.sockets[0].getsockname()[1]
    site.base = site.base.replace(":0", f":{bound}")
    site.build()
    print(f"READY {bound} {site.description}", flush=True)
    async with server:
        await server.serve_forever()


# -- the threaded stdlib server, for comparison -------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: BenchSite

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        found = self.site.lookup(path)
        gz = "gzip" in self.headers.get("Accept-Encoding", "") and found.gzipped is not None
        data = found.gzipped if gz and found.gzipped is not None else found.plain
        self.wfile.write(data)


def serve_threaded(site: BenchSite, port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    bound = server.server_address[1]
    site.base = site.base.replace(":0", f":{bound}")
    site.build()
    _Handler.site = site
    print(f"READY {bound} {site.description}", flush=True)
    server.serve_forever()


# -- a load generator, to measure a server --------------------------------------------------
async def _client(host: str, port: int, paths: list[str], counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    for path in paths:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: gzip\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        counts[0] += 1
    writer.close()


async def load(port: int, pages: int, requests: int, concurrency: int) -> float:
    """Fetch ``requests`` article pages over ``concurrency`` keep-alive connections;
    returns requests per second."""
    paths = [f"/english/{1 + i % pages}" for i in range(requests)]
    counts = [0]
    started = time.perf_counter()
    await asyncio.gather(
        *(_client("127.0.0.1", port, paths[k::concurrency], counts) for k in range(concurrency))
    )
    return counts[0] / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--source", type=Path, default=EVAL_DIR)
    parser.add_argument("--synthetic", action="store_true", help="ignore --source")
    parser.add_argument("--threaded", action="store_true", help="stdlib ThreadingHTTPServer")
    parser.add_argument(
        "--load", type=int, metavar="PORT", help="measure the server on PORT and exit"
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    if args.load:
        rate = asyncio.run(load(args.load, args.pages, args.requests, args.concurrency))
        print(f"{rate:.0f} requests/s")
        return 0
    site = BenchSite(args.pages, "http://127.0.0.1:0", None if args.synthetic else args.source)
    if args.port:
        site.base = f"http://127.0.0.1:{args.port}"
    try:
        if args.threaded:
            serve_threaded(site, args.port)
        else:
            asyncio.run(serve_asyncio(site, args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
