"""Every private name of Scrapy (and of Twisted under it) that the crawler reaches, here and
nowhere else, each behind one small accessor.

Scrapy is pinned to one minor release (``scrapy>=2.19,<2.20`` in ``pyproject.toml``);
``tests/test_compat.py`` checks every name below, with the shape relied on, and fails
naming the Scrapy version and what changed. Raise the pin only once those tests pass.

Kept, each needed for what the archive keeps or for Scrapy's own behaviour. Those that
were there for speed only were measured with ``bench/crawl_speed.py`` and each bought
under 5 %, so they went (bench/README.md, 2026-12-05): the gzip fast path
(``HttpCompressionMiddleware._decode``, ``scrapy.utils._compression``), the stats
collector's ``__getattribute__`` bypass, the trimmed ``EXTENSIONS_BASE`` (back, for
the start-up, see :func:`leave_out_extensions`); and the scheduler is read from the
public ``engine.scheduler``, not ``engine._slot``.

- :class:`ScrapyAgent` and :func:`agent_headers` (``http11._ScrapyAgent``, its
  ``_cb_latency`` and ``_cb_timeout`` steps, its ``_txresponse`` and
  ``_headers_from_twisted_response``), with public hooks for a subclass:
  the reason phrase of the status line, and the body received before a timeout, which
  Scrapy's handler throws away (``crawler/capture/handlers.py``).
- :func:`handler_connections`: the connection pool and TLS context factory Scrapy's
  download handler builds (``_pool``, ``_contextFactory``), which the archiving agent
  must share: the handler closes that pool when the crawl ends.
- :func:`body_so_far`: Twisted's ``Response._bodyProtocol``, Scrapy's body reader's
  ``_bodybuf`` and ``_ip_address``: what came of a body before the timeout.
- :func:`poll_soon` (``ExecutionEngine._slot.nextcall``): a Redis worker whose shared
  queue is empty looks at it again within a second, not at Scrapy's 5 s heartbeat.
- :func:`new_crawler` (the crawl command's ``_create_crawler``): the crawler exactly as
  ``scrapy crawl`` makes it, with its warning about unused ``-o`` feeds.
- :func:`leave_out_extensions`: a change to ``EXTENSIONS_BASE``, which Scrapy's
  documentation says not to change, so that an extension that is off is not even
  imported: Scrapy imports every class ``EXTENSIONS`` names, those set to None too, not
  those of ``EXTENSIONS_BASE`` set to None. Used for the remote control and the telnet
  console when their settings leave them off (crawler/run/overhead.py): it spares every
  crawl's start-up the remote control's import of aiohttp, 0.1 s of the 0.9 s before
  the spider opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.core.downloader.handlers import http11
from scrapy.exceptions import DownloadTimeoutError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.commands import BaseRunSpiderCommand
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from twisted.web.client import HTTPConnectionPool
    from twisted.web.iweb import IPolicyForHTTPS

# -- the HTTP/1.1 download handler (crawler/capture/handlers.py) -----------------------------


class ScrapyAgent(http11._ScrapyAgent):
    """Scrapy's agent (one per download, built by the handler) with two hooks for a
    subclass. It overrides Scrapy's ``_cb_latency(result, request, start_time)``, the
    first step once the status line and headers came (*result* is the Twisted response,
    with its ``phrase``), and ``_cb_timeout(result, request, url, timeout)``, which
    raises ``DownloadTimeoutError`` when the download took too long."""

    def headers_came(self, txresponse: Any, request: Request) -> None:
        """The status line and headers of *request* came (*txresponse*: Twisted's)."""

    def timed_out(self, error: DownloadTimeoutError, url: str) -> None:
        """The download of *url* timed out; *error* is raised once this returns. What came
        of the body is still in the reader's buffer (see :func:`body_so_far`)."""

    def _cb_latency(self, result: Any, request: Request, start_time: float) -> Any:
        self.headers_came(result, request)
        return super()._cb_latency(result, request, start_time)

    def _cb_timeout(self, result: Any, request: Request, url: str, timeout: float) -> Any:
        try:
            return super()._cb_timeout(result, request, url, timeout)
        except DownloadTimeoutError as exc:
            self.timed_out(exc, url)
            raise

    def txresponse(self) -> Any:
        """The Twisted response received (status line and headers; Scrapy keeps it in
        ``_txresponse``), or None before the headers came."""
        return self._txresponse


def handler_connections(
    handler: http11.HTTP11DownloadHandler,
) -> tuple[HTTPConnectionPool, IPolicyForHTTPS]:
    """The connection pool and the TLS context factory of Scrapy's download handler, for
    an agent of our own (Scrapy builds both in the handler's ``__init__``, and closes the
    pool in its ``close``)."""
    pool: HTTPConnectionPool = handler._pool
    context_factory: IPolicyForHTTPS = handler._contextFactory
    return pool, context_factory


def agent_headers(txresponse: Any) -> Any:
    """Scrapy's :class:`~scrapy.http.Headers` of a Twisted response, as Scrapy builds
    them (a Content-Length from the response's length first)."""
    return http11._ScrapyAgent._headers_from_twisted_response(txresponse)


def body_so_far(txresponse: Any) -> tuple[bytes, Any] | None:
    """The body received so far of a download still reading it, and the server's IP
    address: Twisted's response hands the body to Scrapy's reader (``_bodyProtocol``),
    which buffers it (``_bodybuf``). None when there is no reader, or no buffer."""
    reader = getattr(txresponse, "_bodyProtocol", None)
    buffer = getattr(reader, "_bodybuf", None)
    if buffer is None:
        return None
    return buffer.getvalue(), getattr(reader, "_ip_address", None)


# -- the engine (crawler/distributed/redis.py) ------------------------------------------------


def poll_soon(engine: ExecutionEngine | None, delay: float) -> None:
    """Have the engine look at its scheduler again in *delay* seconds, not at its next
    heartbeat (5 s): its ``_slot.nextcall`` is the call it schedules for that."""
    slot = getattr(engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule(delay)


# -- the crawl command (crawler/commands/crawl.py) -------------------------------------------


def new_crawler(command: BaseRunSpiderCommand, spider_name: str) -> Crawler:
    """The crawler of *spider_name*, made the way Scrapy's ``crawl`` command makes it
    (``crawler_process.create_crawler``, plus a warning when ``-o`` feeds go unused)."""
    return command._create_crawler(spider_name)


def leave_out_extensions(settings: Settings, paths: Iterable[str]) -> None:
    """Set each of *paths* (the import paths of Scrapy's classes, as ``EXTENSIONS_BASE``
    spells them) to None in ``EXTENSIONS_BASE``: the extension is then left out without
    being imported. A path ``EXTENSIONS_BASE`` does not have is left alone."""
    base = settings.getdict("EXTENSIONS_BASE")
    out = [path for path in paths if base.get(path) is not None]
    if out:
        base.update(dict.fromkeys(out))
        settings.set("EXTENSIONS_BASE", base, priority=settings.getpriority("EXTENSIONS_BASE") or 0)
