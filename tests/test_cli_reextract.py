"""``news-archive reextract``: the archived article pages extracted again, as new versions
in a new WARC file, with the index following."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest

from archive.access import connect_readonly
from archive.extract import pool as extractpool
from archive.extract.article import EXTRACTOR
from archive.extract.pool import ExtractJob, ExtractPool
from archive.extract.reextract import Selection, count_targets, reextract_archive
from archive.index.sqlite import ARTICLE_COLUMNS, CAPTURE_COLUMNS, RUN_COLUMNS
from archive.layout import ArchiveLayout
from archive.lock import EXIT_LOCKED, ArchiveLock
from tests.cli_support import (
    Crawled,
    cli,
    cli_process,
    exchange,
    utc,
    write_archive,
)
from tests.fixture_site import NewsSite, default_articles

LABEL = "test-extractor/2"
BASE = "http://news.test"


def rows(root: Path, sql: str, *params: object) -> list[sqlite3.Row]:
    db = sqlite3.connect(f"file:{root / 'index.sqlite3'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def index_tables(root: Path) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for name, columns in (
        ("captures", CAPTURE_COLUMNS),
        ("articles", ARTICLE_COLUMNS),
        ("runs", RUN_COLUMNS),
    ):
        found = rows(root, f"SELECT {', '.join(columns)} FROM {name}")
        out[name] = sorted((tuple(r) for r in found), key=repr)
    return out


def warc_bytes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "warc").iterdir())}


def test_new_versions_keep_the_archive_whole(
    archive: Path, crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    before = warc_bytes(archive)
    old = {r["warc_record_id"]: dict(r) for r in rows(archive, "SELECT * FROM articles")}
    assert len(old) == 12

    # as a user runs it (not a terminal: no progress bar, one summary line)
    result = cli_process("--archive-dir", archive, "reextract", "--extractor-label", LABEL)
    assert result.code == 0, result.err
    assert result.out == ""
    assert result.err.splitlines() == [result.err.strip()]
    assert "reextract: 12 new article versions by test-extractor/2" in result.err
    assert "0 extraction failures" in result.err

    # the original WARC files are untouched; the versions are in one new file
    after = warc_bytes(archive)
    assert {name: after[name] for name in before} == before
    (new_file,) = set(after) - set(before)
    assert re.fullmatch(r"reextract-\d{17}-00001-.+\.warc\.gz", new_file)

    # one new row per article, the same article, under the new extractor's name
    articles = rows(archive, "SELECT * FROM articles ORDER BY id")
    assert len(articles) == 24
    for row in articles[12:]:
        assert row["extractor"] == LABEL
        assert row["conversion_filename"] == new_file
        first = old[row["warc_record_id"]]
        assert first["extractor"] == EXTRACTOR
        for name in ("url", "title", "author", "published", "text", "tags", "fetched_at"):
            assert row[name] == first[name], name
        assert row["warc_offset"] == first["warc_offset"]
    for expected in crawled.site.articles:
        texts = rows(archive, "SELECT text FROM articles WHERE url = ?", crawled.url(expected.path))
        assert [r["text"] for r in texts] == [expected.text] * 2

    # show --history lists both versions under the capture they were extracted from
    url = crawled.url("/english/23601")
    result = cli(capsys, "--archive-dir", archive, "show", url, "--history")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[2] == "response" and lines[0].endswith("article")
    title = rows(archive, "SELECT title FROM articles WHERE url = ?", url)[0]["title"]
    for line, extractor in zip(lines[1:3], (EXTRACTOR, LABEL), strict=True):
        assert line.startswith("    article  ")
        fields = line.split(None, 3)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", fields[1])
        assert fields[2:] == [extractor, title]
    assert lines[1].split()[1] < lines[2].split()[1]  # the conversion records' dates
    assert lines[3].split()[2] == "revisit" and len(lines) == 4

    # the current version is the one shown, searched, exported and counted, once
    result = cli(capsys, "--archive-dir", archive, "show", url, "--json")
    assert json.loads(result.out)["article"]["extractor"] == LABEL
    hits = cli(capsys, "--archive-dir", archive, "search", "irrigation", "--json").out
    assert [json.loads(h)["url"] for h in hits.splitlines()].count(url) == 1
    assert (
        "12 articles as" in cli(capsys, "--archive-dir", archive, "export", "--format", "jsonl").err
    )
    assert "articles: 12" in cli(capsys, "--archive-dir", archive, "stats").out

    # verify is clean, and reindex rebuilds exactly this index from the WARC files
    result = cli(capsys, "--archive-dir", archive, "verify")
    assert result.code == 0, result.out + result.err
    indexed, cdxj = index_tables(archive), (archive / "index.cdxj").read_bytes()
    result = cli(capsys, "--archive-dir", archive, "reindex")
    assert result.code == 0, result.err
    assert index_tables(archive) == indexed
    assert (archive / "index.cdxj").read_bytes() == cdxj
    result = cli(capsys, "--archive-dir", archive, "show", url, "--json")
    assert json.loads(result.out)["article"]["extractor"] == LABEL


def test_current_versions_are_skipped_unless_forced(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the crawl's articles were extracted by the current extractor: nothing to do
    before = warc_bytes(archive)
    result = cli(capsys, "--archive-dir", archive, "reextract")
    assert result.code == 0, result.err
    assert "0 new article versions" in result.err
    assert "12 pages already extracted by it, skipped" in result.err
    assert warc_bytes(archive) == before
    result = cli(capsys, "--archive-dir", archive, "reextract", "--force", "--workers", "1")
    assert result.code == 0, result.err
    assert "12 new article versions by " + EXTRACTOR in result.err
    assert len(rows(archive, "SELECT id FROM articles")) == 24


def page(article_id: int) -> tuple[bytes, str]:
    site = NewsSite(default_articles())
    response = site.render(f"/english/{article_id}", "", BASE)
    assert response.status == 200
    return response.body, response.content_type


def test_content_encoding_removed_charset_kept_failures_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = NewsSite(default_articles())
    encodings = {
        23601: ("gzip", gzip.compress),
        23602: ("deflate", zlib.compress),
        23603: ("br", brotli.compress),
        23604: (None, lambda body: body),  # windows-1252, said by the Content-Type header
    }
    pages = []
    for n, (article_id, (coding, encode)) in enumerate(encodings.items()):
        body, content_type = page(article_id)
        headers = ((b"Content-Encoding", coding.encode()),) if coding else ()
        ex = exchange(
            f"{BASE}/english/{article_id}",
            encode(body),
            date=utc(2024, 5, 1, 10, n),
            content_type=content_type,
            headers=headers,
        )
        pages.append((ex, {"text": "as extracted at the time", "extractor": "old/1"}))
    broken = exchange(
        f"{BASE}/english/1",
        b"\x1f\x8b this is not gzip",
        date=utc(2024, 5, 1, 11),
        headers=((b"Content-Encoding", b"gzip"),),
    )
    binary = exchange(
        f"{BASE}/english/2",
        b"%PDF-1.4 not a page" + bytes(range(256)),
        date=utc(2024, 5, 1, 12),
        content_type="application/pdf",
    )
    pages += [(broken, {"text": "x"}), (binary, {"text": "y"})]
    root = write_archive(tmp_path / "archive", pages)

    result = cli(capsys, "--archive-dir", root, "reextract", "--workers", "2")
    assert result.code == 0, result.err
    assert "4 new article versions" in result.err
    assert "2 extraction failures" in result.err
    failures = [line for line in result.err.splitlines() if "extraction failed" in line]
    assert len(failures) == 2
    assert f"{BASE}/english/1 (" in failures[0]
    assert "cannot undo Content-Encoding gzip" in failures[0]
    assert f"{BASE}/english/2 (" in failures[1] and failures[1].endswith(": not html")
    for article_id in encodings:
        expected = site.article(article_id)
        assert expected is not None
        (row,) = rows(
            root,
            "SELECT * FROM articles WHERE url = ? AND extractor = ?",
            f"{BASE}/english/{article_id}",
            EXTRACTOR,
        )
        assert row["text"] == expected.text
        assert row["title"] == expected.title
    assert cli(capsys, "--archive-dir", root, "verify").code == 0
    # reindex replays the files in the order they were begun, whatever their prefix
    # ("test-…" sorts after "reextract-…"): the same rows, ids and all, the same current
    # versions
    every = "SELECT * FROM articles ORDER BY id"
    before = [tuple(r) for r in rows(root, every)]
    assert cli(capsys, "--archive-dir", root, "reindex").code == 0
    assert [tuple(r) for r in rows(root, every)] == before
    shown = cli(capsys, "--archive-dir", root, "show", f"{BASE}/english/23601", "--json")
    assert json.loads(shown.out)["article"]["extractor"] == EXTRACTOR


def test_which_pages_all_html_and_a_url_pattern_select(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body, content_type = page(23601)
    other, _ = page(23602)
    listing = b"<html><body><h1>Latest news</h1><a href='/english/1'>one</a></body></html>"
    extracted = exchange(f"{BASE}/english/1", body, date=utc(2024, 5, 1), content_type=content_type)
    failed = exchange(f"{BASE}/english/1", body, date=utc(2024, 5, 2), content_type=content_type)
    never = exchange(f"{BASE}/english/2/", other, date=utc(2024, 5, 3), content_type=content_type)
    home = exchange(f"{BASE}/english", listing, date=utc(2024, 5, 4))
    gone = exchange(f"{BASE}/english/3", b"gone", date=utc(2024, 5, 5), status=404)
    root = write_archive(
        tmp_path / "archive",
        [(extracted, {"text": "old"}), (failed, None), (never, None), (home, None), (gone, None)],
    )
    db = connect_readonly(root / "index.sqlite3")
    try:
        pattern = re.compile(r"/english/\d+")
        assert count_targets(db, Selection(), "x") == (1, 0)
        assert count_targets(db, Selection(), "test") == (0, 1)  # write_archive's extractor
        assert count_targets(db, Selection(all_html=True), "x") == (2, 0)
        assert count_targets(db, Selection(True, pattern), "x") == (3, 0)
        assert count_targets(db, Selection(True, pattern), "test") == (2, 1)
        assert count_targets(db, Selection(True, pattern, force=True), "test") == (3, 0)
    finally:
        db.close()
    result = cli(capsys, "--archive-dir", root, "reextract", "--url-pattern", r"/english/\d+")
    assert result.code == 0, result.err
    assert "3 new article versions" in result.err
    urls = [r["url"] for r in rows(root, "SELECT url FROM articles WHERE extractor = ?", EXTRACTOR)]
    assert urls == [f"{BASE}/english/1", f"{BASE}/english/1", f"{BASE}/english/2/"]
    # with a version of each capture, history lists them
    result = cli(capsys, "--archive-dir", root, "show", f"{BASE}/english/1", "--history")
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "20240501000000",
        "article",
        "article",
        "20240502000000",
        "article",
    ]
    assert lines[1].split()[2] == "test" and lines[2].split()[2] == EXTRACTOR


def test_refuses_while_a_crawl_holds_the_lock(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = warc_bytes(archive)
    index = (archive / "index.sqlite3").read_bytes()
    lock = ArchiveLock(archive)
    lock.acquire()
    try:
        result = cli(capsys, "--archive-dir", archive, "reextract", "--extractor-label", LABEL)
    finally:
        lock.release()
    assert result.code == EXIT_LOCKED
    assert "another crawl is writing" in result.error_line()
    assert warc_bytes(archive) == before
    assert (archive / "index.sqlite3").read_bytes() == index


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "0"],
        ["--workers", "many"],
        ["--url-pattern", "(unclosed"],
        ["--page-timeout", "-1"],
        ["--all-html", "extra"],
    ],
)
def test_wrong_arguments(
    archive: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "--archive-dir", archive, "reextract", *args)
    assert result.code == 2
    result.error_line()


def test_missing_archive_or_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "--archive-dir", tmp_path / "nowhere", "reextract")
    assert result.code == 1
    assert "does not exist" in result.error_line()
    (tmp_path / "warc").mkdir()
    result = cli(capsys, "--archive-dir", tmp_path, "reextract")
    assert result.code == 1
    assert "build it with `reindex`" in result.error_line()


# -- the pool ----------------------------------------------------------------------------
def jobs(count: int) -> Iterator[tuple[int, ExtractJob]]:
    body, content_type = page(23601)
    for n in range(count):
        yield n, ExtractJob(f"{BASE}/english/{n}", body, content_type)


def test_pool_keeps_order_and_fails_a_page_past_its_time_alone() -> None:
    with ExtractPool(2) as pool:
        results = list(pool.results(jobs(5)))
    assert [n for n, _ in results] == list(range(5))
    assert all(r.article is not None for _, r in results)
    with ExtractPool(1, timeout=0.001) as pool:
        ((_, result),) = pool.results(jobs(1))
    assert result.article is None and result.error == "timeout after 0.001 s"


def test_pool_survives_its_workers_dying() -> None:
    pool = ExtractPool(2, window=2)

    def killing() -> Iterator[tuple[int, ExtractJob]]:
        for n, job in jobs(4):
            if n == 2:  # job 1 is in flight: kill every worker under it
                executor = pool.pool._executor
                assert executor is not None
                for proc in list(executor._processes.values()):  # type: ignore[attr-defined]
                    os.kill(proc.pid, signal.SIGKILL)
            yield n, job

    with pool:
        results = list(pool.results(killing()))
    assert [n for n, _ in results] == [0, 1, 2, 3]
    assert all(r.article is not None for _, r in results), results
    assert pool.restarts >= 1


def test_reextract_past_worker_recycles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers replaced every 5 pages, 8 pages in flight per worker: 24 pages all
    extracted, none failed as a timeout. Recycling with ``max_tasks_per_child``
    deadlocked here (CPython gh-115634, before 3.13): the pool stalled until the page at
    the head of the window failed as a timeout."""
    monkeypatch.setattr(extractpool, "TASKS_PER_WORKER", 5)
    monkeypatch.setattr(extractpool, "JOBS_PER_WORKER", 8)
    executors: list[object] = []

    class Counted(extractpool.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            executors.append(self)

    monkeypatch.setattr(extractpool, "ProcessPoolExecutor", Counted)
    body, content_type = page(23601)
    pages = [
        (
            exchange(
                f"{BASE}/english/{n}",
                body,
                date=utc(2024, 5, 1, 0, 0, n),
                content_type=content_type,
            ),
            {"text": "old"},
        )
        for n in range(1, 25)
    ]
    root = write_archive(tmp_path / "archive", pages)
    report = reextract_archive(ArchiveLayout(root), workers=1, page_timeout=5, extractor=LABEL)
    assert [failure.reason for failure in report.failed] == []
    assert report.written == 24
    assert len(executors) >= 24 // 5  # the workers were replaced, again and again
