"""Everyday queries FTS5 refuses (``O'Brien``, ``Kabul's market``, ``covid-19``, ``100%``,
``NOT kabul``) are searched leniently, with a note, on the command line and in the web
app; FTS5 syntax keeps working without one; a query with no word is still an error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from archive.layout import ArchiveLayout
from archive.web.app import WebConfig, create_app
from tests.cli_support import cli, exchange, utc, write_archive

BASE = "http://news.test/english/"
ARTICLES = {
    1: ("Envoy O'Brien Visits Kabul", "Sean O’Brien met traders at Kabul's market on Monday."),
    2: ("Vaccines Reach Herat", "The covid-19 campaign reached 100% of clinics in Herat."),
    3: ("Prices In Mazar", "Prices at the market in Mazar rose; Kabul was calm. Brien said."),
    4: ("Water Sharing Talks", "Talks on water sharing and irrigation went on in Helmand."),
    5: ("A Queue In Balkh", "A covid test drew a queue: 19 people waited since dawn."),
}
NOT_REASON = "(FTS5's NOT needs words before it)"
ADVANCED = {
    '"water sharing" OR irrigat*': [4],
    "NEAR(covid clinics, 10)": [2],
    "title:market OR title:prices": [3],
    "market NOT kabul": [],
    "kabul AND (market OR calm)": [1, 3],
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pages = []
    for n, (title, text) in ARTICLES.items():
        ex = exchange(f"{BASE}{n}", b"<html></html>", date=utc(2024, 5, n, 10))
        fields = {"title": title, "text": text, "published": f"2024-05-0{n}"}
        pages.append((ex, fields))
    return write_archive(tmp_path_factory.mktemp("lenient") / "archive", pages)


def numbers(urls: list[str]) -> list[int]:
    return sorted(int(u.rsplit("/", 1)[1]) for u in urls)


def search(archive: Path, capsys: pytest.CaptureFixture[str], query: str) -> tuple[list[int], str]:
    result = cli(capsys, "--archive-dir", archive, "search", query, "--json")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return numbers([json.loads(line)["url"] for line in result.out.splitlines()]), result.err


@pytest.mark.parametrize(
    ("query", "expected", "read_as"),
    [
        ("O'Brien", [1], '"O\'Brien"'),
        ("Kabul's market", [1], '"Kabul\'s" market'),
        ("covid-19", [2], '"covid-19"'),  # a phrase: not 5, where the words are apart
        ("100%", [2], '"100%"'),
        ("NOT kabul", [2, 4, 5], "kabul"),
        ("NOT covid-19", [1, 3, 4, 5], '"covid-19"'),
        ("O'Brien NOT Mazar", [1], '"O\'Brien" NOT Mazar'),
        ("(kabul", [1, 3], '"(kabul"'),
        ("market AND", [1, 3], '"market"'),
    ],
)
def test_everyday_queries_on_the_command_line(
    archive: Path, capsys: pytest.CaptureFixture[str], query: str, expected: list[int], read_as: str
) -> None:
    found, err = search(archive, capsys, query)
    assert found == expected
    (note,) = err.splitlines()
    assert note.startswith("note: ")
    if query.startswith("NOT "):
        assert note == f"note: every article that does not match {read_as} {NOT_REASON}"
    else:
        assert note == f"note: searched as plain words: {read_as} (not FTS5 query syntax as typed)"


def test_advanced_queries_get_no_note(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for query, expected in ADVANCED.items():
        found, err = search(archive, capsys, query)
        assert found == expected, query
        assert err == "", query


def test_text_output_of_an_exclusion(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "--archive-dir", archive, "search", "NOT kabul")
    assert result.code == 0
    lines = result.out.splitlines()
    # newest first, each with the start of its text
    assert [lines[0], lines[3], lines[6]] == [
        " 1. A Queue In Balkh",
        " 2. Water Sharing Talks",
        " 3. Vaccines Reach Herat",
    ]
    assert lines[2] == "    A covid test drew a queue: 19 people waited since dawn."


def test_a_query_without_a_word_is_still_an_error(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for query in ("%", '"', "AND", "NOT %", "", " "):
        result = cli(capsys, "--archive-dir", archive, "search", query)
        assert result.code == 2, query
        assert "search query" in result.error_line()


@pytest.fixture
def client(archive: Path) -> FlaskClient:
    app = create_app(WebConfig(ArchiveLayout(archive), "127.0.0.1", 8081))
    return app.test_client()


def web_search(client: FlaskClient, query: str) -> tuple[int, list[int], str | None, str]:
    resp = client.get("/search", query_string={"q": query})
    page = resp.get_data(as_text=True)
    urls = re.findall(r'class="url">([^<]+)<', page)
    note = re.search(r'<p class="lenient" role="status">([^<]*)</p>', page)
    return resp.status_code, numbers(urls), note[1] if note else None, page


def test_everyday_queries_in_the_web_app(client: FlaskClient) -> None:
    for query, expected, read_as in (
        ("O'Brien", [1], "&#34;O&#39;Brien&#34;"),
        ("Kabul's market", [1], "&#34;Kabul&#39;s&#34; market"),
        ("covid-19", [2], "&#34;covid-19&#34;"),
        ("100%", [2], "&#34;100%&#34;"),
        ("NOT kabul", [2, 4, 5], None),
    ):
        status, found, note, page = web_search(client, query)
        assert (status, found) == (200, expected), query
        assert note is not None, query
        if read_as is not None:
            assert (
                note == f"Note: searched as plain words: {read_as} (not FTS5 query syntax as typed)"
            )
        else:
            reason = NOT_REASON.replace("'", "&#39;")
            assert note == f"Note: every article that does not match kabul {reason}"
        assert f"{len(expected)} article" in page


def test_advanced_queries_in_the_web_app_get_no_note(client: FlaskClient) -> None:
    for query, expected in ADVANCED.items():
        status, found, note, page = web_search(client, query)
        assert (status, found, note) == (200, expected, None), query
    for query in ('"covid-19', "(kabul", "title:", "nosuchcolumn:kabul"):  # 400 before
        status, found, note, page = web_search(client, query)
        assert status == 200 and note is not None and note.startswith("Note: searched as"), query
    status, found, note, page = web_search(client, "%")
    assert (status, found) == (400, [])
    assert "holds no word to search for" in page
