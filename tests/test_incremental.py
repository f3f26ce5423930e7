"""Scheduled crawls: incremental runs, revisits, clean stops, run reports."""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.crawling import REPO, crawl_command, crawl_env, run_crawl
from tests.fixture_site import FixtureArticle, FixtureServer, NewsSite, default_articles
from tests.warcs import check_record_digests, read_record_at, read_warc

pytestmark = pytest.mark.slow

ARTICLE_URL = re.compile(r"/english/\d+$")


def article_paths(server: FixtureServer) -> list[str]:
    """Requests for existing articles (not the home page's dead link, /english/99999)."""
    return [p for p in server.paths() if re.fullmatch(r"/english/\d+", p) and p != "/english/99999"]


def new_article(number: int) -> FixtureArticle:
    template = default_articles()[0]
    return dataclasses.replace(
        template,
        id=23700 + number,
        title=f"Fresh Report Number {number} on Canal Repairs",
        published=f"2021-09-{10 + number:02d}T09:00:00+00:00",
        paragraphs=[
            f"Engineers began work on canal section {number} on Tuesday morning, officials said.",
            f"The repairs on section {number} are expected to take three weeks to finish.",
        ],
        discovery="all",
    )


@pytest.fixture
def fresh_server() -> Iterator[FixtureServer]:
    with FixtureServer(NewsSite(default_articles(), session_ids=False)) as server:
        yield server


def db_rows(root: Path, query: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(root / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def test_each_run_stops_at_the_host_cap_and_the_next_goes_on(
    tmp_path: Path, fresh_server: FixtureServer
) -> None:
    """ARCHIVE_MAX_PAGES_PER_HOST bounds each run; listing pages are not counted (they
    have caps of their own), so every run reads them again and archives articles the
    previous one had no room for, none twice."""
    root = tmp_path / "archive"
    archived = [0]
    while archived[-1] < 12 and len(archived) <= 5:
        run = run_crawl(root, fresh_server.base_url, "-s", "ARCHIVE_MAX_PAGES_PER_HOST=10")
        assert run.returncode == 0, run.stderr[-2000:]
        if len(archived) == 1:  # 12 articles and more do not fit in 10 requests
            assert "ARCHIVE_MAX_PAGES_PER_HOST (10) reached" in run.stderr
        rows = db_rows(root, "SELECT count(DISTINCT url) FROM articles")
        archived.append(rows[0][0])
    # each run archived more; a few runs archived the whole site
    assert archived == sorted(set(archived)) and archived[-1] == 12, archived
    assert len(archived) >= 3, archived
    paths = article_paths(fresh_server)
    assert len(paths) == len(set(paths)), "an article was fetched twice"


def test_second_run_fetches_only_new_articles(tmp_path: Path, fresh_server: FixtureServer) -> None:
    root = tmp_path / "archive"
    first = run_crawl(root, fresh_server.base_url)
    assert first.returncode == 0, first.stderr[-2000:]
    assert len(set(article_paths(fresh_server))) == 12

    fresh_server.site.add_article(new_article(1))
    fresh_server.site.add_article(new_article(2))
    fresh_server.clear_log()
    second = run_crawl(root, fresh_server.base_url)
    assert second.returncode == 0, second.stderr[-2000:]

    assert sorted(article_paths(fresh_server)) == ["/english/23701", "/english/23702"]
    paths = fresh_server.paths()
    for entry in ("/robots.txt", "/english", "/english/feed", "/sitemap.xml"):
        assert entry in paths
    assert len(paths) < 45, paths  # entry pages, not the whole site
    rows = db_rows(root, "SELECT url FROM articles")
    assert len(rows) == len({r["url"] for r in rows}) == 14
    runs = db_rows(root, "SELECT * FROM runs ORDER BY id")
    assert [r["new_articles"] for r in runs] == [12, 2]
    assert [r["exit_status"] for r in runs] == [0, 0]
    assert all(r["pages"] > 0 and r["finish_reason"] == "finished" for r in runs)
    listed = subprocess.run(
        [sys.executable, "-m", "archive", "--archive-dir", str(root), "runs", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    reports = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["new_articles"] for r in reports] == [2, 12]  # newest first
    # the run report is also in the WARC, as a metadata record
    report = read_record_at(root / "warc" / runs[1]["warc_filename"], runs[1]["warc_offset"], 10**9)
    assert report.type == "metadata"
    assert report.h("WARC-Target-URI") == "urn:news-archive:run:" + runs[1]["run_id"]


def test_dead_links_are_asked_again_only_after_a_while(
    tmp_path: Path, fresh_server: FixtureServer
) -> None:
    """The home page links /english/99999, which answers 404. Archived once, it is not
    asked again until its capture is ARCHIVE_RECHECK_GONE_AFTER (1 day) old."""
    root = tmp_path / "archive"
    dead = "/english/99999"
    assert run_crawl(root, fresh_server.base_url).returncode == 0
    assert fresh_server.paths().count(dead) == 1
    (row,) = db_rows(root, f"SELECT status FROM captures WHERE url LIKE '%{dead}'")
    assert row["status"] == 404

    fresh_server.clear_log()
    second = run_crawl(root, fresh_server.base_url)
    assert second.returncode == 0, second.stderr[-2000:]
    assert dead not in fresh_server.paths()
    assert "'archive/articles_gone': 1," in second.stderr

    fresh_server.clear_log()
    third = run_crawl(root, fresh_server.base_url, "-s", "ARCHIVE_RECHECK_GONE_AFTER=0")
    assert third.returncode == 0, third.stderr[-2000:]
    assert fresh_server.paths().count(dead) == 1
    assert "archive/articles_gone" not in third.stderr

    # the article appears at that URL: once asked again, it is archived
    fresh_server.site.add_article(dataclasses.replace(new_article(1), id=99999))
    fresh_server.clear_log()
    time.sleep(1.1)  # the third run's 404 is older than the 1 s asked for below
    fourth = run_crawl(root, fresh_server.base_url, "-s", "ARCHIVE_RECHECK_GONE_AFTER=1")
    assert fourth.returncode == 0, fourth.stderr[-2000:]
    assert fresh_server.paths().count(dead) == 1
    urls = [r["url"] for r in db_rows(root, "SELECT url FROM articles")]
    assert fresh_server.base_url + dead in urls


def test_unchanged_pages_are_revisits_on_the_next_run(
    tmp_path: Path, fresh_server: FixtureServer
) -> None:
    """ARCHIVE_DEDUPE: what a run finds unchanged (robots.txt, the stylesheet, the logo,
    listing pages) is written as a revisit of the earlier response, its payload not
    stored again; articles are not (only a refresh revisits them)."""
    root = tmp_path / "archive"
    assert run_crawl(root, fresh_server.base_url).returncode == 0
    first = {r["record_id"]: r for r in db_rows(root, "SELECT * FROM captures")}
    assert {r["record_type"] for r in first.values()} == {"response"}
    second_run = run_crawl(root, fresh_server.base_url)
    assert second_run.returncode == 0, second_run.stderr[-2000:]
    second = [r for r in db_rows(root, "SELECT * FROM captures") if r["record_id"] not in first]
    revisits = {r["url"]: r for r in second if r["record_type"] == "revisit"}
    base = fresh_server.base_url
    for path in ("/robots.txt", "/static/site.css", "/static/logo.png", "/english/about"):
        assert base + path in revisits, path
    assert not [url for url in revisits if ARTICLE_URL.search(url)]
    records = {
        r.id: r for path in sorted((root / "warc").glob("*.warc.gz")) for r in read_warc(path)
    }
    for row in revisits.values():
        rev = records[row["record_id"]]
        check_record_digests(rev)
        assert rev.payload == b"" and rev.http is not None and rev.http.get_statuscode()
        assert rev.h("WARC-Profile").endswith("/revisit/identical-payload-digest")
        original = first[rev.h("WARC-Refers-To")]
        assert original["url"] == row["url"] == rev.h("WARC-Refers-To-Target-URI")
        assert rev.h("WARC-Refers-To-Date") == original["warc_date"]
        assert rev.h("WARC-Payload-Digest") == original["payload_digest"] == row["payload_digest"]
    # what is written again is the HTTP head: the record is smaller than the original
    for path in ("/static/site.css", "/static/logo.png", "/english/about"):
        row = revisits[base + path]
        original = first[records[row["record_id"]].h("WARC-Refers-To")]
        assert row["warc_length"] < original["warc_length"], path
    runs = db_rows(root, "SELECT revisits FROM runs ORDER BY id")
    assert [r["revisits"] for r in runs] == [0, len(revisits)]
    # the archive still verifies, and a re-crawl from it, where the latest captures of
    # the listing pages are revisits, finds every article
    check = subprocess.run(
        [sys.executable, "-m", "archive", "--archive-dir", str(root), "verify"],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    replay = run_crawl(root, base, "-s", "ARCHIVE_REPLAY=1", items_path=tmp_path / "items.jsonl")
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert len({item["url"] for item in replay.items}) == 12


def test_refresh_writes_revisits_and_new_versions(
    tmp_path: Path, fresh_server: FixtureServer
) -> None:
    root = tmp_path / "archive"
    assert run_crawl(root, fresh_server.base_url).returncode == 0
    site = fresh_server.site
    edited = dataclasses.replace(
        site.article(23602), paragraphs=[*site.article(23602).paragraphs, "Update: it rained."]
    )
    site.replace_article(edited)
    time.sleep(1.1)
    second = run_crawl(root, fresh_server.base_url, "-s", "ARCHIVE_REFRESH_AFTER=1")
    assert second.returncode == 0, second.stderr[-2000:]

    revisits = [
        r
        for path in sorted((root / "warc").glob("*.warc.gz"))
        for r in read_warc(path)
        if r.type == "revisit"
    ]
    # the 11 unchanged articles, and the unchanged pages and files (ARCHIVE_DEDUPE)
    article_revisits = [r for r in revisits if ARTICLE_URL.search(r.h("WARC-Target-URI") or "")]
    assert len(article_revisits) == 11
    for path in sorted((root / "warc").glob("*.warc.gz")):
        check = subprocess.run(
            [sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True
        )
        assert check.returncode == 0, check.stdout
    captures = {r["record_id"]: r for r in db_rows(root, "SELECT * FROM captures")}
    for rev in revisits:
        check_record_digests(rev)
        assert rev.payload == b""
        assert rev.h("WARC-Profile").endswith("/revisit/identical-payload-digest")
        original = captures[rev.h("WARC-Refers-To")]
        assert original["record_type"] == "response"
        assert rev.h("WARC-Refers-To-Target-URI") == original["url"] == rev.h("WARC-Target-URI")
        assert rev.h("WARC-Refers-To-Date") == original["warc_date"]
        assert rev.h("WARC-Payload-Digest") == original["payload_digest"]
        assert captures[rev.id]["record_type"] == "revisit"
    versions = db_rows(
        root, "SELECT text FROM articles WHERE url LIKE '%/english/23602' ORDER BY id"
    )
    assert [v["text"] for v in versions] == [default_articles()[1].text, edited.text]
    assert len(db_rows(root, "SELECT id FROM articles")) == 13
    runs = db_rows(root, "SELECT revisits, new_articles FROM runs ORDER BY id")
    assert [tuple(r) for r in runs] == [(0, 12), (len(revisits), 0)]  # 23602: updated, not new
    cdxj = (root / "index.cdxj").read_text(encoding="utf-8")
    assert cdxj.count('"mime": "warc/revisit"') == len(revisits)


def test_a_refreshed_article_is_not_fetched_again_until_it_is_old_again(
    tmp_path: Path, fresh_server: FixtureServer
) -> None:
    """The age ARCHIVE_REFRESH_AFTER compares is that of the latest capture: a refresh
    that found the articles unchanged (revisits, no new version) still looked at them.
    Counted from the first capture, every run after the first refresh fetched every
    article again."""
    root = tmp_path / "archive"
    assert run_crawl(root, fresh_server.base_url).returncode == 0
    time.sleep(6.5)
    refresh = ("-s", "ARCHIVE_REFRESH_AFTER=6")
    before = len(article_paths(fresh_server))
    second = run_crawl(root, fresh_server.base_url, *refresh)
    assert second.returncode == 0, second.stderr[-2000:]
    assert len(article_paths(fresh_server)) - before == 12  # all due: fetched again
    before = len(article_paths(fresh_server))
    third = run_crawl(root, fresh_server.base_url, *refresh)
    assert third.returncode == 0, third.stderr[-2000:]
    assert len(article_paths(fresh_server)) == before  # seen seconds ago: none due
    assert len(db_rows(root, "SELECT id FROM articles")) == 12  # nothing changed


def test_an_article_its_sitemap_says_changed_is_fetched_again(
    tmp_path: Path, fresh_server: FixtureServer
) -> None:
    """ARCHIVE_REFRESH_MODIFIED (on by default): a sitemap <lastmod> later than the
    article's latest capture brings it back, without ARCHIVE_REFRESH_AFTER; the
    correction becomes a new version. Once fetched it is not due again."""
    root = tmp_path / "archive"
    assert run_crawl(root, fresh_server.base_url).returncode == 0
    site = fresh_server.site
    original = site.article(23602)
    corrected = dataclasses.replace(
        original,
        paragraphs=[*original.paragraphs, "Correction: the dam is 40 metres high, not 400."],
        modified=datetime.now(UTC).isoformat(),
    )
    site.replace_article(corrected)
    before = len(article_paths(fresh_server))
    second = run_crawl(root, fresh_server.base_url)
    assert second.returncode == 0, second.stderr[-2000:]
    assert article_paths(fresh_server)[before:] == [original.path]
    versions = db_rows(
        root, "SELECT text FROM articles WHERE url LIKE '%/english/23602' ORDER BY id"
    )
    assert [v["text"] for v in versions] == [original.text, corrected.text]
    # looked at since its lastmod: not due again
    before = len(article_paths(fresh_server))
    assert run_crawl(root, fresh_server.base_url).returncode == 0
    assert article_paths(fresh_server)[before:] == []
    # changed again, with the setting off: not fetched
    site.replace_article(dataclasses.replace(corrected, modified=datetime.now(UTC).isoformat()))
    before = len(article_paths(fresh_server))
    off = run_crawl(root, fresh_server.base_url, "-s", "ARCHIVE_REFRESH_MODIFIED=False")
    assert off.returncode == 0, off.stderr[-2000:]
    assert article_paths(fresh_server)[before:] == []


def test_refresh_of_new_bytes_with_the_same_text_adds_no_version(
    tmp_path: Path, fresh_server: FixtureServer
) -> None:
    """A new article changes the "Most read" sidebar of the others: new bytes (new
    captures), the same article text (no new version). Telling them apart needs the
    archived texts' hashes, which the crawl reads only when it refreshes."""
    root = tmp_path / "archive"
    assert run_crawl(root, fresh_server.base_url).returncode == 0
    fresh_server.site.add_article(new_article(1))
    time.sleep(1.1)
    second = run_crawl(root, fresh_server.base_url, "-s", "ARCHIVE_REFRESH_AFTER=1")
    assert second.returncode == 0, second.stderr[-2000:]
    unchanged = re.search(r"'archive/refreshed_unchanged_text': (\d+)", second.stderr)
    assert unchanged is not None and int(unchanged.group(1)) >= 3, second.stderr[-3000:]
    rows = db_rows(root, "SELECT url FROM articles")
    assert len(rows) == len({r["url"] for r in rows}) == 13  # 12 + the new one


def test_sigterm_stops_cleanly(tmp_path: Path, site_server: FixtureServer) -> None:
    root = tmp_path / "archive"
    cmd = crawl_command(root, site_server.base_url, "-s", "DOWNLOAD_DELAY=0.3")
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=crawl_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(3)
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - start < 10
    assert proc.returncode == 3, stderr[-2000:]
    assert "Traceback" not in stderr
    assert not list((root / "warc").glob("*.open"))
    for path in (root / "warc").glob("*.warc.gz"):
        subprocess.run(["gzip", "-t", str(path)], check=True)
        for rec in read_warc(path):
            check_record_digests(rec)
    for row in db_rows(root, "SELECT * FROM captures"):
        rec = read_record_at(root / "warc" / row["warc_filename"], row["warc_offset"], 10**9)
        assert rec.id == row["record_id"]
    (run,) = db_rows(root, "SELECT * FROM runs")
    assert run["finish_reason"] == "shutdown" and run["exit_status"] == 3
