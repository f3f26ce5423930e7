"""``news-archive show URL`` finds a URL typed without its scheme, with or without a
trailing slash, or with a host in capitals, as the crawler spelled it when it archived
it (archive/index/urlvariants.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.index.urlvariants import url_variants
from tests.cli_support import Crawled, cli, exchange, utc, write_archive

ARTICLE = "https://www.ansarpress.com/english/23610"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = exchange(ARTICLE, b"<html><p>Dam talks.</p></html>", date=utc(2024, 5, 1, 10, 15))
    listing = exchange(
        "https://www.ansarpress.com/english/category/news/", b"<html></html>", date=utc(2024, 5, 1)
    )
    fields = {"title": "Dam talks", "text": "The dam is 40 metres high."}
    return write_archive(
        tmp_path_factory.mktemp("show-urls") / "archive", [(page, fields), (listing, None)]
    )


@pytest.mark.parametrize(
    "typed",
    [
        ARTICLE,
        ARTICLE + "/",
        "www.ansarpress.com/english/23610",
        "www.ansarpress.com/english/23610/",
        "//www.ansarpress.com/english/23610",
        "HTTPS://WWW.AnsarPress.com:443/english/23610#comments",
    ],
)
def test_spellings_of_an_article_url(
    archive: Path, typed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "--archive-dir", archive, "show", typed)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].split() == ["URL:", ARTICLE]
    assert ["Title:", "Dam", "talks"] in [line.split() for line in result.out.splitlines()]
    history = cli(capsys, "--archive-dir", archive, "show", typed, "--history")
    assert history.code == 0, history.err
    assert history.out.startswith("20240501101500  200  response")


def test_a_listing_without_its_trailing_slash(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(
        capsys, "--archive-dir", archive, "show", "www.ansarpress.com/english/category/news"
    )
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].split() == [
        "URL:",
        "https://www.ansarpress.com/english/category/news/",
    ]


def test_a_url_it_does_not_hold_is_one_error_line(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "--archive-dir", archive, "show", "www.ansarpress.com/english/1")
    assert result.code == 1
    assert result.error_line() == "error: no capture of www.ansarpress.com/english/1 in the index"


def test_a_crawled_url_on_a_port(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    url = crawled.url("/english/23603")
    for typed in (url + "/", url.removeprefix("http://")):
        result = cli(capsys, "--archive-dir", crawled.root, "show", typed)
        assert result.code == 0, result.err
        assert result.out.splitlines()[0].split() == ["URL:", url]


def test_variants_in_order() -> None:
    assert url_variants("www.x.org/a/") == [
        "www.x.org/a/",
        "https://www.x.org/a/",
        "https://www.x.org/a",
        "http://www.x.org/a/",
        "http://www.x.org/a",
    ]
    assert url_variants("http://x.org") == ["http://x.org", "http://x.org/"]
    assert url_variants("ftp://x.org/a") == ["ftp://x.org/a"]
