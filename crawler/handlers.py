"""An HTTP/1.1 download handler that keeps the server's reason phrase.

Scrapy's handler builds the response from Twisted's without the reason phrase of the
status line, and an archive must keep the real status line. This handler records the
phrase in ``request.meta["http_reason"]``; everything else is Scrapy's own handler.
It leans on Scrapy 2.19's private agent class, so it is pinned with Scrapy; should
that class change, the archive falls back to the standard phrase for the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.core.downloader.handlers import http11
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

REASON_META = "http_reason"


class _PhraseKeepingAgent(http11._ScrapyAgent):
    def _cb_latency(self, result: Any, request: Request, start_time: float) -> Any:
        phrase = getattr(result, "phrase", None)
        if isinstance(phrase, bytes):
            request.meta[REASON_META] = phrase.decode("latin-1")
        return super()._cb_latency(result, request, start_time)


class ArchivingHTTPDownloadHandler(http11.HTTP11DownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Scrapy frees a download slot before Twisted puts the connection back into the
        # pool, so the next request to the host often opens a connection of its own.
        # With room for only CONCURRENT_REQUESTS_PER_DOMAIN idle connections, every
        # pause of the downloader (back-pressure from extraction) then closed the
        # extra ones, and the crawl reconnected for four requests in ten: a TCP (and
        # on HTTPS a TLS) handshake each time. Twice the room keeps them all.
        per_host = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        per_ip = crawler.settings.getint("CONCURRENT_REQUESTS_PER_IP")
        self._pool.maxPersistentPerHost = 2 * max(per_host, per_ip, 1)

    async def download_request(self, request: Request) -> Response:
        agent = _PhraseKeepingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with http11.wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except http11.ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                http11.logger.warning(http11.get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
