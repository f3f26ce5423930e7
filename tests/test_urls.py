from __future__ import annotations

import pytest

from crawler.spiders.ansarpress import AnsarpressSpider
from crawler.urls import normalize_url


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
