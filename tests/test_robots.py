"""robots.txt: every request waiting for the rules is checked (Scrapy 2.19's race)."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.politeness.robots import DENY_ALL, SafeRobotsTxtMiddleware, rules_from_response
from tests.hostile_site import robots_around_the_cut

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class SlowEngine:
    """Answers robots.txt after a delay, so many requests wait for it at once."""

    def __init__(self, status: int = 200, body: bytes = ROBOTS) -> None:
        self.status = status
        self.body = body
        self.downloads: list[str] = []

    async def download_async(self, request: Request) -> TextResponse:
        self.downloads.append(request.url)
        await asyncio.sleep(0.2)
        return TextResponse(request.url, status=self.status, body=self.body, request=request)


def middleware(engine: SlowEngine) -> SafeRobotsTxtMiddleware:
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    crawler._apply_settings()
    crawler.engine = engine  # type: ignore[assignment]
    return SafeRobotsTxtMiddleware.from_crawler(crawler)


async def outcomes(mw: SafeRobotsTxtMiddleware, urls: list[str]) -> list[str]:
    async def one(url: str) -> str:
        try:
            await mw.process_request(Request(url))
        except IgnoreRequest:
            return "denied"
        return "allowed"

    return list(await asyncio.gather(*(one(u) for u in urls)))


def test_every_waiter_is_checked() -> None:
    engine = SlowEngine()
    mw = middleware(engine)
    urls = [f"http://example.test/private/{i}" for i in range(10)]
    urls += [f"http://example.test/public/{i}" for i in range(5)]
    result = asyncio.run(outcomes(mw, urls))
    assert result == ["denied"] * 10 + ["allowed"] * 5
    assert engine.downloads == ["http://example.test/robots.txt"]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(404, True), (410, True), (500, False), (503, False)],
)
def test_status_policy(status: int, allowed: bool) -> None:
    mw = middleware(SlowEngine(status=status, body=b"<html>error</html>"))
    result = asyncio.run(outcomes(mw, ["http://example.test/a", "http://example.test/b"]))
    assert result == (["allowed"] * 2 if allowed else ["denied"] * 2)


def test_huge_robots_is_read_up_to_its_limit() -> None:
    """The first 512 KiB are read, as Google does: a rule ending just inside them is
    obeyed, one starting just past them is not (nor is the file refused whole)."""
    body = robots_around_the_cut("/inside/", "/past/", 2_000_000)
    response = TextResponse("http://example.test/robots.txt", body=body)
    rules, _ = rules_from_response(response)
    assert rules is not DENY_ALL
    assert not rules.can_fetch("http://example.test/english/private/1", "bot")
    assert not rules.can_fetch("http://example.test/inside/1", "bot")
    assert rules.can_fetch("http://example.test/past/1", "bot")
    assert rules.can_fetch("http://example.test/y", "bot")


def test_spiders_own_robots_response_is_reused() -> None:
    engine = SlowEngine()
    mw = middleware(engine)
    robots = Request("http://example.test/robots.txt", meta={"dont_obey_robotstxt": True})
    mw.process_response(robots, TextResponse(robots.url, body=ROBOTS, request=robots))
    result = asyncio.run(outcomes(mw, ["http://example.test/private/1", "http://example.test/"]))
    assert result == ["denied", "allowed"]
    assert engine.downloads == []
