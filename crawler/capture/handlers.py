"""An HTTP/1.1 download handler that keeps what an archive needs from every download.

- The reason phrase. Scrapy's handler builds the response from Twisted's without the
  reason phrase of the status line, and an archive must keep the real status line.
  This handler records the phrase in ``request.meta["http_reason"]``.
- A body cut by a limit (WARC requirement 11). Scrapy throws away what it received of
  a body that outgrows ``DOWNLOAD_MAXSIZE`` or ``DOWNLOAD_TIMEOUT``; this handler keeps
  it, so that the capture middleware archives it with ``WARC-Truncated``:

  - a body that streams past ``DOWNLOAD_MAXSIZE`` stops there, through Scrapy's own
    ``bytes_received`` signal: :class:`BodyCut` carries the response with what came
    (the limit plus at most one network read);
  - a body whose Content-Length is over the limit is not downloaded at all
    (``headers_received``): :class:`BodyCut` carries the status line and headers;
  - a download that times out after its headers came keeps the body so far: the
    :class:`~scrapy.exceptions.DownloadTimeoutError` carries it as ``response`` and
    ``truncated = "time"``, and stays a timeout, so RetryMiddleware retries it.

  Either way the request goes to its errback, never to a callback: a cut page is not
  extracted.

Everything else is Scrapy's own handler. It leans on Scrapy 2.19's private agent class
(and, for the timeout, on the private reader Scrapy gives Twisted), all reached through
``crawler/compat.py`` and checked by ``tests/test_compat.py``; should the reader change,
the archive falls back to archiving nothing of a timed-out download, as Scrapy does.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.core.downloader.handlers import http11
from scrapy.exceptions import DownloadTimeoutError, StopDownload
from scrapy.http import Headers, Response
from scrapy.utils.defer import maybe_deferred_to_future

from crawler import compat

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

REASON_META = "http_reason"
_RECEIVED_META = "archive_bytes_received"
_LIMITED: weakref.WeakSet[Crawler] = weakref.WeakSet()  # crawlers whose signals are connected


class BodyCut(StopDownload):
    """The body outgrew DOWNLOAD_MAXSIZE; ``response`` holds what was kept of it."""

    truncated = "length"

    def __init__(self, message: str) -> None:
        super().__init__(fail=True)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])


class _ArchivingAgent(compat.ScrapyAgent):
    def headers_came(self, txresponse: Any, request: Request) -> None:
        phrase = getattr(txresponse, "phrase", None)
        if isinstance(phrase, bytes):
            request.meta[REASON_META] = phrase.decode("latin-1")

    def timed_out(self, error: DownloadTimeoutError, url: str) -> None:
        partial = self._received_so_far(url)
        if partial is not None:
            error.response = partial  # type: ignore[attr-defined]
            error.truncated = "time"  # type: ignore[attr-defined]

    def _received_so_far(self, url: str) -> Response | None:
        """The response of a download cut by the timeout: status line, headers and the
        body received, or None when the headers had not come."""
        txresponse = self.txresponse()
        received = compat.body_so_far(txresponse) if txresponse is not None else None
        if received is None:
            return None
        body, ip_address = received
        version = txresponse.version
        return Response(
            url,
            status=int(txresponse.code),
            headers=compat.agent_headers(txresponse),
            body=body,
            flags=["timeout"],
            ip_address=ip_address,
            protocol=f"{version[0].decode()}/{version[1]}.{version[2]}",
        )


class ArchivingHTTPDownloadHandler(http11.HTTP11DownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Scrapy frees a download slot before Twisted puts the connection back into the
        # pool, so the next request to the host often opens a connection of its own.
        # With room for only CONCURRENT_REQUESTS_PER_DOMAIN idle connections, every
        # pause of the downloader (back-pressure from extraction) then closed the
        # extra ones, and the crawl reconnected for four requests in ten: a TCP (and
        # on HTTPS a TLS) handshake each time. Twice the room keeps them all.
        settings = crawler.settings
        self.crawler = crawler
        self.pool, self.context_factory = compat.handler_connections(self)
        per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        per_ip = settings.getint("CONCURRENT_REQUESTS_PER_IP")
        self.pool.maxPersistentPerHost = 2 * max(per_host, per_ip, 1)
        # what Scrapy's handler reads from the settings for its agent, read here
        self.bind_address = settings.get("DOWNLOAD_BIND_ADDRESS")
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.warnsize = settings.getint("DOWNLOAD_WARNSIZE")
        self.fail_on_dataloss = settings.getbool("DOWNLOAD_FAIL_ON_DATALOSS")
        self.tls_verbose_logging = settings.getbool("DOWNLOADER_CLIENT_TLS_VERBOSE_LOGGING")
        self.dataloss_warned = False
        # DOWNLOAD_MAXSIZE is enforced here, keeping what came; Scrapy's agent still
        # enforces a download_maxsize set in a request's meta, after this handler has.
        # One instance serves http, another https: the signals are counted once.
        if crawler not in _LIMITED:
            _LIMITED.add(crawler)
            crawler.signals.connect(self._headers_received, signal=signals.headers_received)
            crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def _limit(self, request: Request) -> int:
        return int(request.meta.get("download_maxsize", self.maxsize))

    def _headers_received(self, headers: Headers, body_length: int, request: Request) -> None:
        request.meta[_RECEIVED_META] = 0  # a retry carries a copy of the meta
        limit = self._limit(request)
        if limit and isinstance(body_length, int) and body_length > limit:
            raise BodyCut(
                f"Content-Length {body_length} is over DOWNLOAD_MAXSIZE ({limit}): "
                "body not downloaded"
            )

    def _bytes_received(self, data: bytes, request: Request) -> None:
        meta = request.meta
        received = meta.get(_RECEIVED_META, 0) + len(data)
        meta[_RECEIVED_META] = received
        limit = self._limit(request)
        if limit and received > limit:
            raise BodyCut(f"body over DOWNLOAD_MAXSIZE ({limit}): cut after {received} bytes")

    async def download_request(self, request: Request) -> Response:
        agent = _ArchivingAgent(
            contextFactory=self.context_factory,
            bindAddress=self.bind_address,
            pool=self.pool,
            maxsize=0,  # see _headers_received and _bytes_received
            warnsize=self.warnsize,
            fail_on_dataloss=self.fail_on_dataloss,
            crawler=self.crawler,
            tls_verbose_logging=self.tls_verbose_logging,
        )
        try:
            with http11.wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except http11.ResponseDataLossError:
            if not self.dataloss_warned:
                http11.logger.warning(http11.get_dataloss_msg(request.url))
                self.dataloss_warned = True
            raise
