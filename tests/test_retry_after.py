from __future__ import annotations

import asyncio
import time
from email.utils import formatdate

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.politeness.retry_after import RetryAfterMiddleware, retry_after_seconds


def test_parse_retry_after() -> None:
    assert retry_after_seconds(b"30") == 30
    assert retry_after_seconds(None) is None
    assert retry_after_seconds(b"soon") is None
    now = time.time()
    assert 55 <= retry_after_seconds(formatdate(now + 60, usegmt=True), now=now) <= 60
    assert retry_after_seconds(formatdate(now - 60, usegmt=True), now=now) == 0


def run(mw: RetryAfterMiddleware, status: int, retry_after: str | None) -> tuple[object, float]:
    request = Request("http://example.test/page")
    headers = {"Retry-After": retry_after} if retry_after else {}
    response = Response(request.url, status=status, headers=headers, request=request)
    start = time.monotonic()
    result = asyncio.run(mw.process_response(request, response))
    return result, time.monotonic() - start


def middleware(**settings: object) -> RetryAfterMiddleware:
    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_RETRY_AFTER_MAX": 5, **settings})
    crawler._apply_settings()
    crawler.spider = crawler._create_spider("test")
    return RetryAfterMiddleware.from_crawler(crawler)


def test_waits_then_retries() -> None:
    mw = middleware()
    result, waited = run(mw, 503, "1")
    assert isinstance(result, Request)
    assert result.meta["retry_times"] == 1
    assert waited >= 1.0
    assert mw.crawler.stats.get_value("retry_after/waited") == 1


def test_too_long_gives_up_and_no_header_passes_through() -> None:
    mw = middleware()
    result, waited = run(mw, 429, "3600")
    assert isinstance(result, Response) and waited < 0.5
    assert result.request.meta["dont_retry"]  # no quick retries against the server's word
    assert mw.crawler.stats.get_value("retry_after/too_long") == 1
    result, _ = run(mw, 503, None)
    assert isinstance(result, Response)
    result, _ = run(mw, 200, "1")
    assert isinstance(result, Response)
