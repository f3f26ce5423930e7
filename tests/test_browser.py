"""Pages rendered in headless Chromium (ARCHIVE_BROWSER, docs/browser.md), end to end: a
real ``scrapy crawl news`` of a site whose articles are JavaScript shells that fetch
their text from ``/api/...json`` after load (tests/js_site.py), then its replay in pywb
and in the replay application, in Chromium with every request off the replay's two
origins refused."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from crawler.capture.browser import SCROLL_SCREENS
from tests.cli_support import cli
from tests.crawling import REPO, crawl_env
from tests.fixture_site import FixtureServer
from tests.js_site import JsSite, default_js_articles
from tests.replay_support import Replay, children_of, needs_chromium, needs_pywb, start_replay
from tests.warcs import Rec, check_record_digests, read_warc

pytestmark = [pytest.mark.slow, needs_chromium]

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/\d{2}/[^/]+"
PAGE_TIMEOUT = 6  # seconds: the frozen page fails twice, 12 s of the crawl (tabs: 2)


@dataclass
class Crawl:
    root: Path
    server: FixtureServer
    site: JsSite
    returncode: int
    stderr: str
    items: list[dict[str, Any]]

    def url(self, path: str) -> str:
        return self.server.base_url + path

    _records: list[Rec] | None = field(default=None, repr=False, compare=False)

    def records(self) -> list[Rec]:
        """The crawl's WARC records, read once (the crawl is over)."""
        if self._records is None:
            warcs = sorted((self.root / "warc").glob("*.warc.gz"))
            self._records = [r for path in warcs for r in read_warc(path)]
        return self._records

    def resources(self) -> dict[str, Rec]:
        """The crawl's resource records (screenshots, texts, pageinfos) by their URIs."""
        return {r.h("WARC-Target-URI"): r for r in self.records() if r.type == "resource"}

    def pageinfo(self, url: str) -> dict[str, Any]:
        """The pageinfo the browser recorded for the page *url*."""
        return dict(json.loads(self.resources()["urn:pageinfo:" + url].payload))

    def stats(self) -> dict[str, Any]:
        (report,) = [json.loads(r.payload) for r in self.records() if r.type == "metadata"]
        return dict(report["stats"])


def crawl(tmp: Path, server: FixtureServer, site: JsSite, *settings: str, sites: str = "") -> Crawl:
    """``scrapy crawl news`` of *server*: ``-a sites=`` with *sites* (YAML lines of the one
    site, after its url) when given, else ``-a url=``."""
    root = tmp / "archive"
    items = tmp / "items.jsonl"
    if sites:
        sites_file = tmp / "sites.yaml"
        sites_file.write_text(f"sites:\n  - url: {server.base_url}/\n{sites}", encoding="utf-8")
        target = f"sites={sites_file}"
    else:
        target = f"url={server.base_url}/"
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", target]
    for setting in (
        f"ARCHIVE_DIR={root}",
        "AUTOTHROTTLE_ENABLED=False",
        "ARCHIVE_EXTRACT_WORKERS=1",
        *settings,
    ):
        command += ["-s", setting]
    proc = subprocess.run(
        [*command, "-O", str(items)],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    found = [json.loads(line) for line in items.read_text().splitlines()] if items.exists() else []
    return Crawl(root, server, site, proc.returncode, proc.stderr, found)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """``browser: auto`` on a site of two shell articles, a static one, a frozen shell, a
    shell whose API robots.txt disallows, a static article with pictures loaded when
    scrolled into view (rendered: ``browser_pattern`` names it) and a shell with an
    endless feed, and a shell that never stops loading."""
    site = JsSite(
        default_js_articles(frozen=True, private=True, hidden=True, lazy=True, feed=True, busy=True)
    )
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        done = crawl(
            tmp_path_factory.mktemp("browser"),
            server,
            site,
            f"ARCHIVE_BROWSER_PAGE_TIMEOUT={PAGE_TIMEOUT}",
            "ARCHIVE_BROWSER_TABS=2",
            sites=(
                f"    browser: auto\n    article_pattern: '{ARTICLE_PATTERN}'\n"
                "    browser_pattern: '/lazy-'\n"
            ),
        )
        yield done


def test_a_shell_article_is_archived_as_the_browser_loaded_it(rendered: Crawl) -> None:
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    site, records = rendered.site, rendered.records()
    article = site.article("lantern-festival")
    page_url = rendered.url(article.path)
    responses = {r.h("WARC-Target-URI"): r for r in records if r.type in ("response", "revisit")}
    requests = {r.h("WARC-Concurrent-To"): r for r in records if r.type == "request"}
    # every exchange of the page load, each a request/response pair
    for path in (article.path, "/static/app.js", "/static/app.css", article.api_path):
        assert rendered.url(path) in responses, path
    # the image the script wrote into the page: a redirect, both hops archived
    redirect = responses[rendered.url(article.image_path)]
    assert redirect.http is not None and redirect.http.get_statuscode() == "302"
    assert rendered.url(article.photo_path) in responses
    for url in (page_url, rendered.url(article.api_path), rendered.url(article.photo_path)):
        response = responses[url]
        request = requests[response.id]
        assert request.h("WARC-Target-URI") == url and request.h("WARC-Date") == response.h(
            "WARC-Date"
        )
        assert response.h("WARC-IP-Address") == "127.0.0.1"
        check_record_digests(response)
    # the API's JSON byte for byte as the server sent it (gzip-encoded: the capture keeps it)
    api = responses[rendered.url(article.api_path)]
    assert api.http is not None and api.http.get_header("Content-Encoding") == "gzip"
    sent = [body for target, status, body in rendered.server.sent if target == article.api_path]
    assert sent == [api.payload]
    # ... fetched with the browser's User-Agent (Chrome's, then the crawler's), once
    asked = [e for e in rendered.server.requests if e.path == article.api_path]
    assert len(asked) == 1 and "Chrome/" in asked[0].user_agent
    assert "news-web-archiver" in asked[0].user_agent
    assert len([e for e in rendered.server.requests if e.path == "/static/app.js"]) == 1
    (info,) = [r for r in records if r.type == "warcinfo"]
    assert re.search(rb"http-header-user-agent-browser: Mozilla/5\.0 .*Chrome/\d+", info.payload)
    # the screenshot and the text, named as browsertrix-crawler names them
    resources = rendered.resources()
    shot = resources["urn:screenshot:" + page_url]
    assert shot.h("Content-Type") == "image/png" and shot.payload.startswith(b"\x89PNG\r\n\x1a\n")
    check_record_digests(shot)
    text = resources["urn:text:" + page_url]
    assert (
        text.h(
            "Content-Type",
        )
        == "text/plain; charset=utf-8"
    )
    assert article.paragraphs[1] in text.payload.decode("utf-8")
    info_urls = rendered.pageinfo(page_url)["urls"]
    assert info_urls[rendered.url(article.api_path)]["status"] == 200
    # the static article was not rendered (auto): no screenshot, its text extracted all the same
    static = site.article("market-square")
    assert "urn:screenshot:" + rendered.url(static.path) not in resources
    # the article, extracted from the DOM after the scripts ran, refers to the page's response
    items = {item["url"]: item for item in rendered.items}
    # (the hidden one is linked only by a listing that is a shell: found once rendered)
    extracted = ("shell", "static", "hidden", "lazy", "feed", "busy")
    assert set(items) == {rendered.url(a.path) for a in site.articles if a.kind in extracted}
    item = items[page_url]
    assert item["title"] == article.title
    assert item["text"].split("\n") == article.paragraphs
    assert item["warc_record_id"] == responses[page_url].id
    (conversion,) = [
        r for r in records if r.type == "conversion" and r.h("WARC-Target-URI") == page_url
    ]
    assert conversion.h("WARC-Refers-To") == responses[page_url].id


def test_the_rendered_article_is_searchable(
    rendered: Crawl, capsys: pytest.CaptureFixture[str]
) -> None:
    article = rendered.site.article("bridge-repairs")
    found = cli(capsys, "--archive-dir", rendered.root, "search", "bridge repairs")
    assert found.code == 0 and article.title in found.out
    shown = cli(capsys, "--archive-dir", rendered.root, "show", rendered.url(article.path))
    assert shown.code == 0 and article.paragraphs[2] in shown.out
    verified = cli(capsys, "--archive-dir", rendered.root, "verify")
    assert verified.code == 0, verified.out
    # the rendered text and the screenshot, named by their URIs
    page_url = rendered.url(article.path)
    text = cli(capsys, "--archive-dir", rendered.root, "show", "urn:text:" + page_url)
    assert text.code == 0 and "(resource)" in text.out and article.paragraphs[1] in text.out
    shot = subprocess.run(
        [sys.executable, "-m", "archive", "--archive-dir", str(rendered.root), "show", "--raw"]
        + ["urn:screenshot:" + page_url],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        timeout=60,
    )
    assert shot.returncode == 0 and shot.stdout.startswith(b"\x89PNG\r\n\x1a\n"), shot.stderr


def test_robots_txt_and_a_frozen_page_in_the_browser(rendered: Crawl) -> None:
    site = rendered.site
    private, frozen = site.article("private-story"), site.article("frozen-page")
    # robots.txt disallows the API path: the page's request for it never left
    paths = [e.path for e in rendered.server.requests]
    assert private.path in paths and private.api_path not in paths
    resources = rendered.resources()
    info = rendered.pageinfo(rendered.url(private.path))
    assert info["urls"][rendered.url(private.api_path)]["outcome"] == (
        "refused: Forbidden by robots.txt"
    )
    # the frozen page (a script that never ends) failed alone: tried twice, counted, the
    # crawl went on and finished (the other articles are above)
    stats = rendered.stats()
    assert stats["archive/browser/failed"] == 1
    assert stats["archive/browser/retries"] == 1
    # two shells, the private one, /more/, the lazy one, the feed, the busy one
    assert stats["archive/browser/pages"] == 7
    assert stats["finish_reason"] == "finished"
    assert "urn:screenshot:" + rendered.url(frozen.path) not in resources
    error = rendered.pageinfo(rendered.url(frozen.path))["error"]
    assert f"ARCHIVE_BROWSER_PAGE_TIMEOUT ({PAGE_TIMEOUT} s)" in error
    assert rendered.url(frozen.path) in [
        r.h("WARC-Target-URI") for r in rendered.records() if r.type == "response"
    ]  # archived as fetched


def indexed(crawl: Crawl, url: str) -> list[tuple[str, int | None]]:
    """(record type, status) of *url*'s captures in the crawl's index."""
    with contextlib.closing(sqlite3.connect(crawl.root / "index.sqlite3")) as db:
        return list(db.execute("SELECT record_type, status FROM captures WHERE url = ?", (url,)))


def test_scrolling_archives_what_a_page_loads_into_view(rendered: Crawl) -> None:
    """The lazy article's pictures, 4,000 and 5,500 pixels down, are requested only once
    the page is scrolled there: they are archived, indexed, and in the page's pageinfo."""
    article = rendered.site.article("lazy-pictures")
    page_url = rendered.url(article.path)
    records = rendered.records()
    responses = {r.h("WARC-Target-URI"): r for r in records if r.type == "response"}
    resources = rendered.resources()
    info = rendered.pageinfo(page_url)
    assert info["reason"] == "browser_pattern"
    for path in article.lazy_paths:
        url = rendered.url(path)
        assert url in responses, path
        response = responses[url]
        assert response.http is not None and response.http.get_statuscode() == "200"
        check_record_digests(response)
        assert ("response", 200) in indexed(rendered, url)
        assert info["urls"].get(url) == {"type": "image", "status": 200, "outcome": "fetched"}
    # down to the bottom (over 6,000 pixels: the first screen shown at load, 6 more)
    assert info["scroll"]["stopped"] == "bottom" and info["scroll"]["screens"] >= 5, info
    # the screenshot is of the whole scrolled page, the pictures 5,500 pixels down in it
    shot = resources["urn:screenshot:" + page_url].payload
    assert shot.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", shot[16:24])  # the PNG's IHDR
    assert width == 1280 and height > 5500, (width, height)


def test_an_endless_feed_is_scrolled_within_its_bounds(rendered: Crawl) -> None:
    """The feed adds 1,000 pixels each time its end comes on screen: the scroll stops at
    ARCHIVE_BROWSER_SCROLL screens (or two thirds of the page's time limit), the page is
    archived whole and in time, and the crawl finishes."""
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    article = rendered.site.article("endless-feed")
    page_url = rendered.url(article.path)
    feed = [e.query for e in rendered.server.requests if e.path == "/api/feed.json"]
    assert 2 <= len(feed) <= SCROLL_SCREENS + 1, feed
    assert feed == [f"page={n}" for n in range(1, len(feed) + 1)]
    resources = rendered.resources()
    info = rendered.pageinfo(page_url)
    assert "error" not in info and info["seconds"] < PAGE_TIMEOUT
    assert info["scroll"]["stopped"] in ("screens", "time"), info
    assert 1 <= info["scroll"]["screens"] <= SCROLL_SCREENS
    fetched = [url for url in info["urls"] if "/api/feed.json" in url]
    assert len(fetched) == len(feed)
    assert "urn:screenshot:" + page_url in resources
    assert "Feed page 1, story 1" in resources["urn:text:" + page_url].payload.decode()
    assert rendered.stats()["archive/browser/scrolled"] >= info["scroll"]["screens"]


def test_a_page_that_never_stops_loading_is_scrolled_within_its_time(rendered: Crawl) -> None:
    """A page that fetches something every 150 ms, for ever: each scroll step waits for
    quiet that never comes, so the scroll ends at two thirds of the page's time limit and
    the page is archived within it."""
    article = rendered.site.article("busy-ticker")
    page_url = rendered.url(article.path)
    resources = rendered.resources()
    info = rendered.pageinfo(page_url)
    assert "error" not in info and info["seconds"] < PAGE_TIMEOUT, info
    assert info["scroll"]["stopped"] == "time" and info["scroll"]["screens"] >= 1, info
    assert "urn:screenshot:" + page_url in resources
    assert article.paragraphs[1] in resources["urn:text:" + page_url].payload.decode()


def test_auto_leaves_a_site_without_shells_alone_and_always_renders_it(tmp_path: Path) -> None:
    """... and with ARCHIVE_BROWSER_SCROLL off, nothing below the first screens loads."""
    site = JsSite(default_js_articles(shells=False, lazy=True))
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        auto = crawl(tmp_path / "auto", server, site, "ARCHIVE_BROWSER=auto")
        server.clear_log()
        always = crawl(
            tmp_path / "always",
            server,
            site,
            "ARCHIVE_BROWSER=always",
            "ARCHIVE_BROWSER_SCROLL=off",
        )
    # auto: Chromium never started, nothing rendered
    assert auto.returncode == 0, auto.stderr[-3000:]
    assert len(auto.items) == len(site.articles)
    assert "browser started" not in auto.stderr
    stats = auto.stats()
    assert not [key for key in stats if key.startswith("archive/browser/")], stats
    assert not auto.resources()
    # always: every article rendered, the same article read from its DOM
    assert always.returncode == 0, always.stderr[-3000:]
    assert always.stats()["archive/browser/pages"] == len(site.articles)
    shots = set(always.resources())
    assert {"urn:screenshot:" + always.url(a.path) for a in site.articles} <= shots
    texts = {i["url"]: i["text"] for i in auto.items}
    assert {i["url"]: i["text"] for i in always.items} == texts
    # not scrolled: the browser asked for neither of the lazy article's pictures, and the
    # one only a script names was never fetched (the loading=lazy one is a page asset
    # of the static HTML: fetched as such)
    lazy = site.article("lazy-pictures")
    scripted = always.url(lazy.lazy_paths[0])
    paths = {e.path for e in server.requests}
    assert lazy.path in paths and lazy.lazy_paths[0] not in paths
    records = always.records()
    assert scripted not in {r.h("WARC-Target-URI") for r in records if r.type == "response"}
    assert indexed(always, scripted) == []
    info = always.pageinfo(always.url(lazy.path))
    assert not {always.url(p) for p in lazy.lazy_paths} & set(info["urls"])
    assert "scroll" not in info and "archive/browser/scrolled" not in always.stats()


def descendants(pid: int) -> dict[int, str]:
    """pid -> command name of every process under *pid*."""
    found: dict[int, str] = {}
    todo = children_of(pid)
    while todo:
        child = todo.pop()
        try:
            found[child] = Path(f"/proc/{child}/comm").read_text().strip()
        except OSError:
            continue
        todo.extend(children_of(child))
    return found


def alive(pid: int) -> bool:
    """Running, or a zombie nobody reaped yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "X"
    except OSError:
        return False


def test_ctrl_c_while_a_page_renders_leaves_no_browser_behind(tmp_path: Path) -> None:
    """SIGINT to the crawl's process group (a terminal's Ctrl-C) while the browser is
    stuck on a frozen page: the crawl stops (status 3) once that page's time limit is
    up, without retrying it, and Chromium and Playwright's driver are gone."""
    site = JsSite(default_js_articles(frozen=True))
    site.articles.insert(0, site.articles.pop())  # the frozen page first
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"url={server.base_url}/"]
        for setting in (
            f"ARCHIVE_DIR={tmp_path / 'archive'}",
            "ARCHIVE_BROWSER=always",
            "ARCHIVE_BROWSER_PAGE_TIMEOUT=6",
            "ARCHIVE_EXTRACT_WORKERS=1",
        ):
            command += ["-s", setting]
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=crawl_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's job
        )
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "browser started" in line:
                break
        time.sleep(1.5)
        browser = {
            pid for pid, name in descendants(proc.pid).items() if name.startswith(("chrom", "node"))
        }
        assert browser, lines
        stopped = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    output = "".join(lines) + rest
    assert proc.returncode == 3, output[-3000:]
    assert time.monotonic() - stopped < 20, output[-3000:]
    assert "Traceback" not in output and "trying once more" not in output
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in browser) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in browser if alive(pid)]


def test_a_browser_crash_fails_the_page_alone_and_the_next_gets_a_new_browser() -> None:
    """Chromium killed under a page (its processes, not Playwright's driver): that page
    fails, the next one is rendered by a browser started afresh, and closing leaves no
    process behind."""
    from crawler.capture.browser import Chromium, RenderFailed, _browser_tree, browser_processes

    executable = shutil.which("chromium")
    assert executable is not None
    counted: list[str] = []

    def kill_chromium() -> None:
        for pid, (comm, _) in _browser_tree().items():
            if comm.startswith("chrom"):
                os.kill(pid, signal.SIGKILL)

    async def route(route: Any) -> None:
        if route.request.url.endswith("/crash"):
            asyncio.get_running_loop().call_later(0.5, kill_chromium)
            return  # never answered: the page waits until the browser dies under it
        await route.fulfill(status=200, content_type="text/html", body="<p>Still here.</p>")

    async def main() -> None:
        chromium = Chromium(executable, user_agent="test", page_timeout=15, count=counted.append)
        with pytest.raises(RenderFailed):
            await chromium.render("http://site.example/crash", route)
        page = await chromium.render("http://site.example/fine", route)
        assert page.text == "Still here." and page.screenshot is not None
        assert chromium.launches == 2 and counted.count("archive/browser/restarts") == 1
        await chromium.close()

    asyncio.run(main())
    deadline = time.monotonic() + 10
    while [pid for pid in browser_processes() if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in browser_processes() if alive(pid)]


# -- replay ---------------------------------------------------------------------------------
class Guard:
    """Only the replay application's and pywb's origins; anything else (the live fixture
    site on 127.0.0.1 included) is aborted and recorded."""

    def __init__(self, replay: Replay) -> None:
        self.allowed = {("127.0.0.1", replay.port), ("127.0.0.1", replay.replay_port)}
        self.refused: list[str] = []

    def __call__(self, route: Any) -> None:
        parts = urlsplit(route.request.url)
        if (
            parts.scheme in ("data", "blob", "about")
            or (parts.hostname, parts.port) in self.allowed
        ):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()


@needs_pywb
def test_the_rendered_article_replays_with_its_text_and_screenshot(rendered: Crawl) -> None:
    from playwright.sync_api import sync_playwright

    article = rendered.site.article("lantern-festival")
    page_url = rendered.url(article.path)
    replay = start_replay(rendered.root)
    rendered.server.clear_log()
    executable = shutil.which("chromium")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--disable-gpu", "--disable-quic"]
            )
            context = browser.new_context(service_workers="block")
            guard = Guard(replay)
            context.route("**/*", guard)
            page = context.new_page()
            # the archived page in pywb: its script fetches the archived JSON and writes the text
            page.goto(f"{replay.app}/view?url={quote(page_url, safe='')}")
            frame_element = page.wait_for_selector("iframe.replay")
            assert frame_element is not None
            frame = frame_element.content_frame()
            assert frame is not None
            frame.wait_for_selector("article p", timeout=20_000)
            assert frame.locator("article h1").inner_text() == article.title
            assert frame.locator("article p").all_inner_texts() == article.paragraphs
            frame.wait_for_function(  # the image comes after the text: wait for it
                "() => { const i = document.querySelector('article img');"
                " return i && i.complete && i.naturalWidth > 0 }"
            )
            assert frame.locator("article img").evaluate("i => i.naturalWidth") == 40
            # the reader's page of the article shows the screenshot beside the text
            page.goto(f"{replay.app}/search?q=lantern")
            page.locator("ol.results > li h3 a").first.click()
            page.wait_for_url("**/article/*")
            assert page.locator("div.text p").all_inner_texts() == article.paragraphs
            shot = page.locator("figure.screenshot img")
            assert shot.count() == 1
            shot.scroll_into_view_if_needed()
            page.wait_for_function(
                "() => { const i = document.querySelector('figure.screenshot img');"
                " return i.complete && i.naturalWidth > 0 }"
            )
            assert shot.evaluate("i => i.naturalWidth") == 1280
            context.close()
            browser.close()
    finally:
        assert replay.stop() == 0
    assert guard.refused == [], guard.refused
    assert rendered.server.requests == [], "the live site was reached during replay"
