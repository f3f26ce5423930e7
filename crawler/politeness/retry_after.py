"""Honour ``Retry-After`` on 429 and 503, which Scrapy's RetryMiddleware ignores.

Sits at 555, just before RetryMiddleware (550) on the way back from the network. A
429 or 503 that carries Retry-After (seconds or an HTTP date) is retried after that
delay, with Scrapy's retry accounting, so RETRY_TIMES still bounds it. A delay longer
than ARCHIVE_RETRY_AFTER_MAX gives up on the URL at once (counted; no quick retries).
Responses without the header go on to RetryMiddleware as usual.
"""

from __future__ import annotations

import asyncio
import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STATUSES = (429, 503)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value, or None when it says nothing usable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("ARCHIVE_RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in STATUSES or request.meta.get("dont_retry"):
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            return response
        stats = self.crawler.stats
        assert stats is not None
        if delay > self.max_delay:
            request.meta["dont_retry"] = True  # retrying at once would ignore the server
            stats.inc_value("retry_after/too_long")
            logger.warning(
                "%s asks to retry after %.0f s, more than ARCHIVE_RETRY_AFTER_MAX: giving up",
                request.url,
                delay,
            )
            return response
        spider = self.crawler.spider
        assert spider is not None  # a response comes only while a spider is open
        retry = get_retry_request(
            request,
            spider=spider,
            reason=f"{response.status} Retry-After {delay:.0f}s",
            stats_base_key="retry",
        )
        if retry is None:
            return response
        stats.inc_value("retry_after/waited")
        await asyncio.sleep(delay)
        return retry
