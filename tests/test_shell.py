"""Which pages ARCHIVE_BROWSER=auto renders (archive/extract/shell.py), and the small
parts of the browser capture that need no browser (crawler/capture/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import Headers, HtmlResponse

from archive.discover.sites import SitesError, load_sites
from archive.extract.shell import shell_reason
from crawler.capture.browser import SCROLL_SCREENS, browser_user_agent
from crawler.capture.rendering import _Cache, fulfil_headers
from crawler.settingchecks import SettingError, browser_mode, check_settings, scroll_screens
from tests.js_site import JsSite, default_js_articles

PROSE = "<p>" + " ".join(["The council met on Thursday to weigh the harbour plans."] * 12) + "</p>"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ('<html><body><div id="root"></div><script src="/a.js"></script></body></html>', "root"),
        ("<body><div id='__next'> <!-- app --> </div></body>", "__next"),
        ('<body><div class="x" id="app"></div><p>Menu</p></body>', "app"),
        ("<body><app-root></app-root></body>", "app-root"),
        (
            "<body><noscript>You need to enable JavaScript to run this app.</noscript>"
            "<nav>Home News Sport</nav><script src=/main.js></script></body>",
            "noscript",
        ),
        ('<body><h1>Loading</h1><script src="/bundle.js"></script></body>', "little text"),
    ],
)
def test_a_shell_is_told(html: str, reason: str) -> None:
    found = shell_reason(html.encode())
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "html",
    [
        f"<html><body><article><h1>Harbour</h1>{PROSE}</article></body></html>",
        # server-rendered Next.js: the root holds the page
        f'<body><div id="__next"><article>{PROSE}</article></div><script src="/n.js"></script>',
        # a noscript about something else, or on a page with its text
        f"<body><noscript><img src=/pixel.gif></noscript>{PROSE}<script>x()</script></body>",
        f"<body><noscript>Enable JavaScript for comments.</noscript>{PROSE * 3}</body>",
        "<body><p>Short page, no scripts.</p></body>",
        "not html at all",
    ],
)
def test_a_page_with_its_text_is_no_shell(html: str) -> None:
    assert shell_reason(html.encode()) is None


def test_the_fixture_site_pages_are_told_apart() -> None:
    site = JsSite(default_js_articles(frozen=True, private=True))
    for article in site.articles:
        body = site.render(article.path, "", "http://127.0.0.1:1").body
        assert (shell_reason(body) is None) == (article.kind == "static"), article


def test_browser_modes_and_the_sites_file(tmp_path: Path) -> None:
    assert [browser_mode(v) for v in ("off", "AUTO", " always", "", "false", "1")] == [
        "off",
        "auto",
        "always",
        "off",
        "off",
        "always",
    ]
    with pytest.raises(SettingError, match="ARCHIVE_BROWSER must be off, auto or always"):
        browser_mode("sometimes")
    sites = tmp_path / "sites.yaml"
    sites.write_text(
        "sites:\n  - https://a.example/\n  - url: https://b.example/\n    browser: auto\n"
        "    browser_pattern: '^/live/'\n"
    )
    a, b = load_sites(sites)
    assert (a.browser, a.browser_pattern) == ("", None)  # ARCHIVE_BROWSER decides
    assert (b.browser, b.browser_pattern) == ("auto", "^/live/")
    sites.write_text("sites:\n  - url: https://b.example/\n    browser_pattern: '(['\n")
    with pytest.raises(SitesError, match="browser_pattern '\\(\\[' is not a valid regular"):
        load_sites(sites)


def test_archive_browser_scroll_reads_screens_on_and_off() -> None:
    assert [scroll_screens(v, SCROLL_SCREENS) for v in ("off", "0", 0, False, "", None)] == [0] * 6
    assert [scroll_screens(v, SCROLL_SCREENS) for v in ("on", True, "9", 3)] == [
        SCROLL_SCREENS,
        SCROLL_SCREENS,
        9,
        3,
    ]
    for wrong in ("-1", "many", -2):
        with pytest.raises(SettingError, match="ARCHIVE_BROWSER_SCROLL"):
            scroll_screens(wrong, SCROLL_SCREENS)
    # checked with the other settings, before the crawl starts (one line, exit 2)
    with pytest.raises(SettingError, match="ARCHIVE_BROWSER_SCROLL must be a number"):
        check_settings({"ARCHIVE_BROWSER_SCROLL": "many", "ARCHIVE_PAGE_ASSETS": "site"})


def test_what_the_browser_is_handed() -> None:
    headers = Headers(
        [
            (b"Content-Type", b"text/html"),
            (b"Content-Length", b"99"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
        ]
    )
    response = HtmlResponse("http://a.example/", status=200, headers=headers, body=b"<p>x</p>")
    assert fulfil_headers(response) == {"Content-Type": "text/html", "Set-Cookie": "a=1\nb=2"}
    cache = _Cache(limit=10)
    cache.put("http://a.example/1", 200, {}, b"12345")
    cache.put("http://a.example/2", 200, {}, b"12345")
    assert cache.get("http://a.example/1") is not None  # the most recent now
    cache.put("http://a.example/3", 200, {}, b"123")
    assert cache.get("http://a.example/2") is None and cache.size == 8
    cache.put("http://a.example/big", 200, {}, b"x" * 11)
    assert cache.get("http://a.example/big") is None
    agent = browser_user_agent("156.0.8078.114", "news-web-archiver/0.1 (+mailto:a@b.example)")
    assert agent.startswith("Mozilla/5.0 (X11; Linux x86_64)")
    assert "Chrome/156.0.0.0 Safari/537.36 news-web-archiver/0.1 (+mailto:a@b.example)" in agent
