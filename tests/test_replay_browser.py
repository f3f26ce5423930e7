"""``news-archive replay`` in a real browser (headless Chromium driven by Playwright):
search, read an article, open the archived page replayed by pywb with its stylesheet and
image, and check that no request leaves the two origins of the replay, and that the
archived page cannot script the application."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.crawling import run_crawl
from tests.fixture_site import FixtureServer
from tests.fixture_site.site import LOGO_PATH, STYLESHEET_PATH
from tests.replay_support import CHROMIUM_ARGS, Replay, needs_chromium, needs_pywb, start_replay

pytestmark = [pytest.mark.slow, needs_pywb, needs_chromium]

ARTICLE_ID = 23601  # the one article about irrigation


def captured_urls(root: Path) -> set[str]:
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        return {url for (url,) in db.execute("SELECT url FROM captures")}
    finally:
        db.close()


@pytest.fixture(scope="module")
def replay(
    site_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replay]:
    root = tmp_path_factory.mktemp("replay-browser") / "archive"
    run = run_crawl(root, site_server.base_url)
    assert run.returncode == 0, run.stderr[-3000:]
    captured = captured_urls(root)
    for path in (STYLESHEET_PATH, LOGO_PATH):  # the crawl captured what the pages embed
        assert site_server.base_url + path in captured
    running = start_replay(root)
    site_server.clear_log()
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable is not None, "chromium is required (apt-get install chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Guard:
    """Every request of the browser goes through here: only the application's and pywb's
    origins are let through; anything else is aborted and recorded as a failure."""

    def __init__(self, replay: Replay) -> None:
        self.allowed = {("127.0.0.1", replay.port), ("127.0.0.1", replay.replay_port)}
        self.seen: list[str] = []
        self.refused: list[str] = []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        self.seen.append(url)
        local = parts.scheme in ("data", "blob", "about")
        if local or (parts.hostname, parts.port) in self.allowed:
            route.continue_()
        else:  # another host, or the live fixture site on 127.0.0.1
            self.refused.append(url)
            route.abort()


def test_search_read_and_replay_in_a_browser(
    replay: Replay, browser: Any, site_server: FixtureServer
) -> None:
    fixture = site_server.site.article(ARTICLE_ID)
    assert fixture is not None
    guard = Guard(replay)
    context = browser.new_context()
    context.route("**/*", guard)
    responses: dict[str, int] = {}
    context.on("response", lambda r: responses.__setitem__(r.url, r.status))
    page = context.new_page()
    try:
        # search from the home page's box
        page.goto(replay.app + "/")
        assert page.locator(".counts dd").count() == 4
        assert page.locator("svg.chart rect.bar").count() >= 12
        page.fill("header input[name=q]", "irrigation")
        page.press("header input[name=q]", "Enter")
        page.wait_for_url("**/search?q=irrigation")
        results = page.locator("ol.results > li")
        assert results.count() == 1
        assert results.locator("mark").first.inner_text().lower() == "irrigation"

        # the article, one paragraph per <p>, exactly the fixture's text
        results.locator("h3 a").click()
        page.wait_for_url("**/article/*")
        assert page.locator("article h1").inner_text() == fixture.title
        assert page.locator("div.text p").all_inner_texts() == fixture.paragraphs

        # the archived page, framed from the other origin
        page.click("a.archived")
        page.wait_for_url(re.compile(r"/view\?url="))
        frame_element = page.wait_for_selector("iframe.replay")
        assert frame_element is not None
        frame = frame_element.content_frame()
        assert frame is not None
        frame.wait_for_load_state("load")
        assert frame.url.startswith(f"{replay.pywb}/archive/")
        assert "mp_/" + site_server.base_url + fixture.path in frame.url
        assert frame.locator("article h1").inner_text() == fixture.title
        # its stylesheet and its image come from the archive, through pywb (wombat shows
        # the page its original URLs: what was fetched is told by the network)
        rules = frame.evaluate(
            "() => [...document.styleSheets].map(s => s.cssRules.length).reduce((a, b) => a + b, 0)"
        )
        assert rules >= 5
        background = frame.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(250, 246, 238)"  # #faf6ee, from the archived stylesheet
        assert frame.locator(".logo img").evaluate("img => img.complete && img.naturalWidth") == 24
        for path in (STYLESHEET_PATH, LOGO_PATH):
            served = [u for u in responses if u.endswith(site_server.base_url + path)]
            assert served, sorted(responses)
            for url in served:
                assert url.startswith(f"{replay.pywb}/archive/"), url
                assert responses[url] == 200, url
        # the archived page (another origin) cannot reach into the application
        reach = frame.evaluate(
            "() => { try { return window.parent.document.title } catch (e) { return 'blocked' } }"
        )
        assert reach == "blocked"

        # the capture history, and a replay from it
        page.goto(replay.app + "/history?url=" + site_server.base_url + fixture.path)
        assert page.locator("ol.timeline > li").count() == 1
        page.click("ol.timeline a.replay")
        page.wait_for_url(re.compile(r"/view\?url="))
        assert page.locator("iframe.replay").count() == 1

        # every response of the application carries its policy, an error's too
        # (a query with no word in it is the one search still refuses)
        resp = page.goto(replay.app + "/search?q=%25")
        assert resp is not None and resp.status == 400
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    finally:
        context.close()
    assert guard.refused == [], guard.refused
    assert any(u.startswith(replay.pywb + "/archive/") for u in guard.seen), guard.seen
    assert site_server.requests == [], "the live site was reached during replay"
