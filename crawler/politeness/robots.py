"""robots.txt, fetched once per host before any other request to it, race-free.

Scrapy 2.19's RobotsTxtMiddleware lets every request that waits for a robots.txt
still being downloaded share one Deferred; only the first waiter is really checked
and the others go through as if allowed. Here the waiters share an asyncio future,
which hands the same parser to each of them.

Policy: 2xx → the rules (the first 512 KiB, as Google reads; also of a file cut by
DOWNLOAD_MAXSIZE); 4xx → everything allowed; 5xx or no answer → nothing allowed on
that host (counted in ``robotstxt/unavailable``). A robots.txt response the spider
fetched itself (the news spider asks for it first, to read its Sitemap lines) is used
here too, so the file is downloaded once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from protego import Protego
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.capture.handlers import BodyCut

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512 * 1024


class _Verdict:
    """Allow or deny everything."""

    def __init__(self, allow: bool) -> None:
        self.allow = allow

    def can_fetch(self, url: str, user_agent: str) -> bool:
        return self.allow


Rules = Protego | _Verdict
ALLOW_ALL = _Verdict(True)
DENY_ALL = _Verdict(False)


def rules_from_response(response: Response) -> tuple[Rules, str]:
    """The rules a robots.txt response gives, and a word on why."""
    if 200 <= response.status < 300:
        text = response.body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace")
        try:
            return Protego.parse(text), "parsed"
        except Exception:  # an unparsable file says nothing: allowed
            return ALLOW_ALL, "unparsable"
    if 400 <= response.status < 500:
        return ALLOW_ALL, f"status {response.status}"
    return DENY_ALL, f"status {response.status}"


def rules_after_error(exc: BaseException) -> tuple[Rules, str]:
    """The rules of a robots.txt download that failed: none (nothing allowed), unless it
    was cut by DOWNLOAD_MAXSIZE (crawler.capture.handlers.BodyCut) after the first 512 KiB,
    which are all that is read of a robots.txt anyway."""
    response = getattr(exc, "response", None)
    if (
        isinstance(exc, BodyCut)
        and isinstance(response, Response)
        and len(response.body) >= MAX_ROBOTS_BYTES
    ):
        return rules_from_response(response)
    return DENY_ALL, f"error {type(exc).__name__}"


# a robots.txt request: obeys no robots.txt, follows redirects (RFC 9309: at least five
# hops; http to https, a bare host to www), and hands every error status to its reader
ROBOTS_META = {
    "dont_obey_robotstxt": True,
    "handle_httpstatus_list": list(range(400, 600)),
}


def is_robots_url(request: Request) -> bool:
    return urlparse_cached(request).path == "/robots.txt"


class SafeRobotsTxtMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("robots.txt is ignored: ROBOTSTXT_OBEY is False")
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get(
            "USER_AGENT"
        )
        self._rules: dict[str, Rules] = {}
        self._pending: dict[str, asyncio.Future[Rules]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeRobotsTxtMiddleware:
        return cls(crawler)

    @property
    def _stats(self) -> StatsCollector:
        stats = self.crawler.stats
        assert stats is not None  # set once the crawler is built, before any request
        return stats

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        if urlparse_cached(request).scheme not in ("http", "https"):
            return
        rules = await self._rules_for(request)
        if not rules.can_fetch(request.url, self.user_agent):
            self._stats.inc_value("robotstxt/forbidden")
            logger.debug("Forbidden by robots.txt: %s", request.url)
            raise IgnoreRequest("Forbidden by robots.txt")

    def process_response(self, request: Request, response: Response) -> Response:
        if is_robots_url(request):
            netloc = urlparse_cached(request).netloc
            if netloc not in self._rules:
                self._store(netloc, *rules_from_response(response))
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if is_robots_url(request) and request.meta.get("dont_obey_robotstxt"):
            netloc = urlparse_cached(request).netloc
            if netloc not in self._rules and not request.meta.get("_robots_own"):
                self._store(netloc, *rules_after_error(exception))

    def rules(self, netloc: str) -> Rules | None:
        return self._rules.get(netloc)

    def _store(self, netloc: str, rules: Rules, why: str) -> None:
        self._rules[netloc] = rules
        self._stats.inc_value("robotstxt/response_count")
        if rules is DENY_ALL:
            self._stats.inc_value("robotstxt/unavailable")
            logger.warning("robots.txt of %s unavailable (%s): not crawling that host", netloc, why)
        pending = self._pending.pop(netloc, None)
        if pending is not None and not pending.done():
            pending.set_result(rules)

    async def _rules_for(self, request: Request) -> Rules:
        parts = urlparse_cached(request)
        netloc = parts.netloc
        known = self._rules.get(netloc)
        if known is not None:
            return known
        pending = self._pending.get(netloc)
        if pending is not None:
            return await asyncio.shield(pending)
        pending = asyncio.get_running_loop().create_future()
        self._pending[netloc] = pending
        robots = Request(
            f"{parts.scheme}://{netloc}/robots.txt",
            priority=1000,
            meta={**ROBOTS_META, "_robots_own": True},
            dont_filter=True,
        )
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(robots)
        except Exception as exc:
            if netloc not in self._rules:
                self._store(netloc, *rules_after_error(exc))
        else:
            if netloc not in self._rules:
                self._store(netloc, *rules_from_response(response))
        self._stats.inc_value("robotstxt/request_count")
        return self._rules[netloc]
