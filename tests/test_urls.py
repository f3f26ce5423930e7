from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from crawler.spiders.ansarpress import AnsarpressSpider
from crawler.spiders.urls import LinkMemo, normalize_url, quick_host


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "https://WWW.Ansarpress.com:443/english/23610#comments",
            "https://www.ansarpress.com/english/23610",
        ),
        (
            "https://www.ansarpress.com/english/23610?utm_source=x&utm_medium=y",
            "https://www.ansarpress.com/english/23610",
        ),
        (
            "https://www.ansarpress.com/english/23610?fbclid=abc&gclid=1",
            "https://www.ansarpress.com/english/23610",
        ),
        (
            "https://www.ansarpress.com/english/cat?sessionid=9f&page=2",
            "https://www.ansarpress.com/english/cat?page=2",
        ),
        (
            "https://www.ansarpress.com/english/cat;jsessionid=AB12?page=2",
            "https://www.ansarpress.com/english/cat?page=2",
        ),
        (
            "https://www.ansarpress.com/english/cat?b=2&a=1",
            "https://www.ansarpress.com/english/cat?a=1&b=2",
        ),
        ("http://127.0.0.1:8000/english", "http://127.0.0.1:8000/english"),
    ],
)
def test_normalize_url(raw: str, clean: str) -> None:
    assert normalize_url(raw) == clean


def test_ansarpress_classifies_its_urls() -> None:
    spider = AnsarpressSpider()
    assert spider.base_url == "https://www.ansarpress.com"
    assert spider.classify("https://www.ansarpress.com/english/23610") == "article"
    assert spider.classify("https://www.ansarpress.com/english/23610/") == "article"
    assert spider.article_key("https://www.ansarpress.com/english/23610/") == "/english/23610"
    assert spider.classify("https://www.ansarpress.com/english/category/world") == "listing"
    assert spider.classify("https://www.ansarpress.com/english") == "listing"
    assert spider.classify("https://www.ansarpress.com/urdu/123") is None
    assert spider.classify("https://www.ansarpress.com/english/logo.png") is None


def test_mirror_rebases_the_real_site() -> None:
    spider = AnsarpressSpider(base_url="http://127.0.0.1:8000/english")
    assert spider.base_url == "http://127.0.0.1:8000"
    assert spider.clean("https://www.ansarpress.com/english/5?utm_source=a", spider.base_url) == (
        "http://127.0.0.1:8000/english/5"
    )
    assert spider.clean("https://elsewhere.example/english/5", spider.base_url) is None
    assert spider.clean("mailto:x@y", spider.base_url) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "ftp://x"},
        {"base_url": "not a url"},
        {"max_articles": "ten"},
        {"max_articles": "0"},
    ],
)
def test_bad_arguments(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        AnsarpressSpider.check_arguments(**kwargs)


def test_link_memo_keys_an_href_on_what_it_depends_on() -> None:
    """An absolute href resolves alike on every page, a root-relative one alike on the
    pages of one origin, a path-relative one alike in one folder; each is resolved once."""
    calls: list[tuple[str, str]] = []

    def resolve(href: str, page: str) -> str:
        calls.append((href, page))
        return urljoin(page, href)

    memo = LinkMemo(resolve, limit=100)
    a, b = "https://news.test/world/1", "https://news.test/sport/2"
    other = "https://other.test/world/1"
    assert memo("https://x.test/p", a) == memo("https://x.test/p", other) == "https://x.test/p"
    assert memo("/about", a) == memo("/about", b) == "https://news.test/about"
    assert memo("/about", other) == "https://other.test/about"
    assert memo("next", a) == "https://news.test/world/next"
    assert memo("next", b) == "https://news.test/sport/next"
    assert memo("//cdn.test/x.css", a) == "https://cdn.test/x.css"
    assert len(calls) == 6  # the repeated absolute and root-relative hrefs: from memory
    memo("next", a)
    assert len(calls) == 6


def test_link_memo_shares_path_relative_hrefs_within_a_folder() -> None:
    """Articles of one folder share their relative hrefs; a query-only href stays the
    page's own. Whatever the keying, every answer is the one resolving afresh gives."""
    calls: list[tuple[str, str]] = []

    def resolve(href: str, page: str) -> str:
        calls.append((href, page))
        return urljoin(page, href.strip())

    memo = LinkMemo(resolve, limit=1000)
    pages = [
        "https://news.test/english/1",
        "https://news.test/english/2?page=3",
        "https://news.test/english/",
        "https://news.test/english",
        "https://news.test/",
        "https://news.test",
        "http://news.test/english/1",
        "https://news.test/urdu/1;v=2",
    ]
    hrefs = ["../about", "./x", "x", " x", "x;y", "?q=1", " ?q=2", "#top", "", "//h.test/a"]
    hrefs += [" /abs", "/abs", "mailto:a@b.test", "tel:1", "https://x.test/", "..", "."]
    for page in pages:
        for href in hrefs:
            assert memo(href, page) == urljoin(page, href.strip()), (href, page)
    before = len(calls)
    assert memo("../about", "https://news.test/english/99") == "https://news.test/about"
    assert len(calls) == before  # the folder's answer, from memory
    assert memo("?q=1", "https://news.test/english/99") == "https://news.test/english/99?q=1"
    assert len(calls) == before + 1


def test_link_memo_is_bounded() -> None:
    memo = LinkMemo(lambda href, page: href, limit=10)
    for n in range(25):
        memo(f"https://x.test/{n}", "https://news.test/")
    assert len(memo._memo) <= 10


@pytest.mark.parametrize(
    ("href", "host"),
    [
        ("https://News.Test/a/b?c=d#e", "news.test"),
        ("http://news.test:8080/x", "news.test"),
        ("https://news.test?x=1", "news.test"),
        ("http://news.test#top", "news.test"),
        ("https://cdn.example.org", "cdn.example.org"),
        ("http://user:pw@news.test/", None),  # unusual: left to urlsplit
        ("http://[::1]:8000/x", None),
        ("http://news.test\t/x", None),
        ("//news.test/x", None),  # not plainly absolute
        ("/x", None),
        ("x.html", None),
        ("HTTP://NEWS.TEST/", None),
    ],
)
def test_quick_host_agrees_with_urlsplit_or_declines(href: str, host: str | None) -> None:
    assert quick_host(href) == host
    if host is not None:
        assert host == urlsplit(href).hostname
