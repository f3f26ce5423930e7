"""``news-archive search`` and ``news-archive show``."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import (
    Crawled,
    cli,
    exchange,
    snapshot,
    utc,
    write_archive,
)


def article_id(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[1])


def search(
    crawled: Crawled, capsys: pytest.CaptureFixture[str], *args: str
) -> list[dict[str, Any]]:
    result = cli(capsys, "--archive-dir", crawled.root, "search", *args, "--json")
    assert result.code == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


def ids(hits: list[dict[str, Any]]) -> list[int]:
    return [article_id(h["url"]) for h in hits]


def captures(crawled: Crawled, path: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(crawled.root / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return db.execute(
            "SELECT * FROM captures WHERE url = ? ORDER BY timestamp", (crawled.url(path),)
        ).fetchall()
    finally:
        db.close()


# -- search -------------------------------------------------------------------------------
def test_words_phrases_and_prefixes(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    assert ids(search(crawled, capsys, "irrigation")) == [23601]
    assert ids(search(crawled, capsys, '"emergency session"'))[0] == 23601
    assert ids(search(crawled, capsys, '"session emergency"')) == []
    assert ids(search(crawled, capsys, "irrig*")) == [23601]
    assert ids(search(crawled, capsys, "Kabul AND University")) == [23612]
    assert sorted(ids(search(crawled, capsys, "irrigation OR railway"))) == [23601, 23611]
    assert ids(search(crawled, capsys, "Kabul NOT University")).count(23612) == 0
    # non-Latin scripts and diacritics
    assert ids(search(crawled, capsys, "لاہور")) == [23606]
    assert ids(search(crawled, capsys, "Zurich")) == [23604]  # "Zürich" in the text


def test_bm25_ranks_title_matches_first(
    crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    hits = search(crawled, capsys, "kabul")
    assert set(ids(hits[:2])) == {23602, 23610}  # "Kabul" in the title
    assert len(hits) > 2
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores)  # bm25: lower is better


def test_filters_and_limit(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    everything = search(crawled, capsys, "the", "--limit", "100")
    english = [a.id for a in crawled.site.articles if a.lang == "en"]
    assert sorted(ids(everything)) == english
    dated = search(crawled, capsys, "the", "--since", "2021-08-10", "--until", "2021-08-12")
    assert sorted(ids(dated)) == [23608, 23609, 23610]
    assert sorted(ids(search(crawled, capsys, "the", "--tag", "education"))) == [23604, 23612]
    tagged = search(crawled, capsys, "the", "--tag", "Afghanistan", "--tag", "Kabul")
    assert sorted(ids(tagged)) == [23602, 23612]
    assert len(search(crawled, capsys, "the", "--site", "127.0.0.1")) == len(english)
    assert search(crawled, capsys, "the", "--site", "example.com") == []
    assert len(search(crawled, capsys, "the", "--limit", "3")) == 3


def test_json_lines_and_snippets(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    (hit,) = search(crawled, capsys, "sluice")
    assert hit["rank"] == 1
    assert hit["title"] == crawled.site.article(23601).title
    assert hit["tags"] == ["Afghanistan", "Helmand", "Water"]
    assert hit["published"] == "2021-08-02T09:30:00+04:30"
    assert "**sluice**" in hit["snippet"]
    result = cli(capsys, "--archive-dir", crawled.root, "search", "sluice")
    assert result.code == 0
    assert result.out.splitlines()[0] == f" 1. {crawled.site.article(23601).title}"
    assert "**sluice**" in result.out


def test_malformed_query(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    # a query with no word in it; everyday queries FTS5 refuses: tests/test_search_lenient.py
    for query in ("AND", "%", ""):
        result = cli(capsys, "--archive-dir", crawled.root, "search", query)
        assert result.code == 2, query
        assert "search query" in result.error_line()
    result = cli(capsys, "--archive-dir", crawled.root, "search", '"irrigation', "--json")
    assert result.code == 0
    assert (
        result.err == "note: searched as plain words: irrigation (not FTS5 query syntax as typed)\n"
    )
    assert ids([json.loads(line) for line in result.out.splitlines()]) == [23601]


# -- show ---------------------------------------------------------------------------------
def test_show_latest_capture_with_its_article(
    crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    first, latest = captures(crawled, "/english/23603")
    assert (first["record_type"], latest["record_type"]) == ("response", "revisit")
    result = cli(capsys, "--archive-dir", crawled.root, "show", crawled.url("/english/23603"))
    assert result.code == 0, result.err
    meta, _, text = result.out.partition("\n\n")
    assert f"Record:      {latest['record_id']} (revisit)" in meta
    assert (
        "Title:       Doha Talks Resume — Envoys’ Verdict on Progress: “Fragile but Real”…" in meta
    )
    assert f"From:        {first['record_id']}" in meta
    assert text.rstrip("\n") == crawled.site.article(23603).text


def test_show_an_earlier_capture(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    first, latest = captures(crawled, "/english/23603")
    url = crawled.url("/english/23603")
    common = len(os.path.commonprefix([first["timestamp"], latest["timestamp"]]))
    for stamp, expected in (
        (first["timestamp"], first),  # all 14 digits
        (first["timestamp"][: common + 1], first),  # the shortest prefix only it has
        (first["timestamp"][:8], latest),  # a day: the latest capture of that day
    ):
        result = cli(capsys, "--archive-dir", crawled.root, "show", url, "--capture", stamp)
        assert result.code == 0, result.err
        assert f"Record:      {expected['record_id']} ({expected['record_type']})" in result.out
    result = cli(capsys, "--archive-dir", crawled.root, "show", url, "--capture", "1999")
    assert result.code == 1
    assert "no capture of" in result.error_line()


def test_show_by_record_id(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    db = sqlite3.connect(crawled.root / "index.sqlite3")
    (conversion,) = db.execute(
        "SELECT conversion_record_id FROM articles WHERE url = ?", (crawled.url("/english/23606"),)
    ).fetchone()
    db.close()
    result = cli(capsys, "--archive-dir", crawled.root, "show", conversion)
    assert result.code == 0, result.err
    assert "Language:    ur" in result.out
    assert crawled.site.article(23606).text in result.out
    result = cli(capsys, "--archive-dir", crawled.root, "show", "<urn:uuid:nothing-here>")
    assert result.code == 1
    assert "no record" in result.error_line()


def test_show_raw_decodes_the_real_charset(
    crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    for article in (23604, 23605):  # windows-1252: in the header / only in <meta>
        result = cli(
            capsys,
            "--archive-dir",
            crawled.root,
            "show",
            crawled.url(f"/english/{article}"),
            "--raw",
        )
        assert result.code == 0, result.err
        assert result.out.startswith("<!DOCTYPE html>")
        assert "â€" not in result.out and "\ufffd" not in result.out
    assert (
        "€12 Million"
        in cli(
            capsys, "--archive-dir", crawled.root, "show", crawled.url("/english/23604"), "--raw"
        ).out
    )
    result = cli(
        capsys, "--archive-dir", crawled.root, "show", crawled.url("/english/23604"), "--raw"
    )
    assert "Renée Müller" in result.out
    # the home page is stored gzip-encoded, as sent
    result = cli(capsys, "--archive-dir", crawled.root, "show", crawled.url("/english"), "--raw")
    assert result.code == 0
    assert result.out.startswith("<!DOCTYPE html>")


def test_show_history(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    first, latest = captures(crawled, "/english/23601")
    result = cli(
        capsys, "--archive-dir", crawled.root, "show", crawled.url("/english/23601"), "--history"
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 2
    assert lines[0].split() == [
        first["timestamp"],
        "200",
        "response",
        "text/html",
        f"{first['warc_filename']}:{first['warc_offset']}",
        "article",
    ]
    assert lines[1].split()[:3] == [latest["timestamp"], "200", "revisit"]


def test_reading_commands_change_nothing(
    crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(crawled.root)
    for args in (
        ["search", "kabul"],
        ["show", crawled.url("/english/23604"), "--raw"],
        ["stats"],
        ["export", "--format", "jsonl"],
        ["verify"],
    ):
        assert cli(capsys, "--archive-dir", crawled.root, *args).code == 0, args
    assert snapshot(crawled.root) == before


def test_show_raw_undoes_content_encodings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = "<!DOCTYPE html><p>Ça va — “oui”</p>".encode()
    deflated = zlib.compress(html)
    raw_deflate = zlib.compressobj(wbits=-15)
    bodies = {
        "gzip": gzip.compress(html),
        "deflate": deflated,
        "deflate-raw": raw_deflate.compress(html) + raw_deflate.flush(),
        "gzip, gzip": gzip.compress(gzip.compress(html)),
        "compress": b"\x1f\x9d...",
    }
    pages = [
        (
            exchange(
                f"http://example.com/{name}",
                body,
                date=utc(2024, 1, 1),
                headers=((b"Content-Encoding", name.replace("-raw", "").encode()),),
            ),
            None,
        )
        for name, body in bodies.items()
    ]
    root = write_archive(tmp_path / "archive", pages)
    for name in bodies:
        result = cli(capsys, "--archive-dir", root, "show", f"http://example.com/{name}", "--raw")
        if name == "compress":
            assert result.code == 1
            assert "cannot undo Content-Encoding compress" in result.error_line()
        else:
            assert result.code == 0, (name, result.err)
            assert result.out == html.decode(), name


def test_show_changes_between_the_last_two_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "http://news.example/english/7"
    texts = [
        "The dam is 400 metres high.\nFarmers depend on it.",
        "The dam is 40 metres high.\nFarmers depend on it.\nRepairs start in May.",
    ]
    root = write_archive(
        tmp_path / "a",
        [
            (exchange(url, f"<p>{n}</p>".encode(), date=utc(2026, 3, n + 1)), {"text": text})
            for n, text in enumerate(texts)
        ],
    )
    result = cli(capsys, "--archive-dir", root, "show", url, "--changes")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("before: ") and lines[1].startswith("after:  ")
    assert lines[3:] == [
        "~ The dam is [-400-] {+40+} metres high.",
        "  Farmers depend on it.",
        "+ Repairs start in May.",
    ]
    other = "http://news.example/english/8"
    write_archive(root, [(exchange(other, b"<p>x</p>", date=utc(2026, 3, 5)), {"text": "x"})])
    result = cli(capsys, "--archive-dir", root, "show", other, "--changes")
    assert result.code != 0
    assert result.err.strip().count("\n") == 0
    assert "one version of its article: nothing to compare" in result.err
