"""A crawl against a hostile server ends in bounded time and memory, and each case has
the outcome its table entry states (tests/hostile_site.py, docs/reliability.md)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.crawling import REPO, CrawlRun, crawl_command, crawl_env, run_crawl
from tests.hostile_site import (
    BOMB_SIZE,
    GOOD_TEXT,
    HostileServer,
    article_html,
    bomb,
    huge_robots,
    robots_around_the_cut,
)
from tests.warcs import check_record_digests, read_record_at, read_warc

pytestmark = pytest.mark.slow

TIME_LIMIT = 90  # seconds for the whole hostile crawl
MEMORY_LIMIT = 700 * 2**20  # peak RSS of the crawl process


@dataclass
class HostileCrawl:
    returncode: int
    seconds: float
    stderr: str
    server: HostileServer
    root: Path
    items: dict[str, dict[str, Any]]
    captures: list[sqlite3.Row]
    stats: dict[str, Any]

    def captured(self, path: str) -> list[sqlite3.Row]:
        url = self.server.base_url + path
        return [c for c in self.captures if c["url"] == url]

    def item(self, path: str) -> dict[str, Any] | None:
        return self.items.get(self.server.base_url + path)

    def record(self, capture: sqlite3.Row) -> Any:
        warc = self.root / "warc" / capture["warc_filename"]
        return read_record_at(warc, capture["warc_offset"], 10**9)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileCrawl:
    tmp = tmp_path_factory.mktemp("hostile")
    root = tmp / "archive"
    with HostileServer() as server:
        cmd = crawl_command(
            root, server.base_url, "-s", "DOWNLOAD_TIMEOUT=6", "-O", str(tmp / "items.jsonl")
        )
        start = time.monotonic()
        proc = subprocess.run(
            cmd, cwd=REPO, env=crawl_env(), capture_output=True, text=True, timeout=TIME_LIMIT
        )
        seconds = time.monotonic() - start
    items = {}
    for line in (tmp / "items.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        items[item["url"]] = item
    db = sqlite3.connect(root / "index.sqlite3")
    db.row_factory = sqlite3.Row
    captures = db.execute("SELECT * FROM captures ORDER BY id").fetchall()
    name, offset = db.execute("SELECT warc_filename, warc_offset FROM runs").fetchone()
    report = json.loads(read_record_at(root / "warc" / name, offset, 10**9).payload)
    return HostileCrawl(
        proc.returncode, seconds, proc.stderr, server, root, items, captures, report["stats"]
    )


def test_bounded_time_memory_and_a_clean_archive(hostile: HostileCrawl) -> None:
    assert hostile.returncode == 0, hostile.stderr[-3000:]
    assert hostile.seconds < TIME_LIMIT
    assert hostile.stats["memusage/max"] < MEMORY_LIMIT
    assert "Traceback" not in hostile.stderr
    for path in sorted((hostile.root / "warc").glob("*.warc.gz")):
        for rec in read_warc(path):
            check_record_digests(rec)
    assert hostile.server.hits("/english/private/x") == 0
    # the crawl went on to the normal article after all the others
    assert hostile.item("/english/1014")["text"] == "\n".join(GOOD_TEXT)


@pytest.mark.parametrize("path", ["/english/1001", "/english/1002"])
def test_compression_bombs_are_archived_raw_and_skipped(hostile: HostileCrawl, path: str) -> None:
    (capture,) = hostile.captured(path)
    assert capture["status"] == 200
    assert capture["warc_length"] < 2**20  # the compressed bytes, not 256 MiB
    rec = hostile.record(capture)  # as received: compressed, with its Content-Encoding
    assert rec.payload == bomb(BOMB_SIZE, 31 if path.endswith("1001") else 15)
    assert rec.http.get_header("Content-Encoding") == (
        "gzip" if path.endswith("1001") else "deflate"
    )
    assert hostile.item(path) is None
    assert f"{path}> because its body" in hostile.stderr  # "exceeded DOWNLOAD_MAXSIZE"


def test_invalid_chunking_keeps_what_came(hostile: HostileCrawl) -> None:
    (capture,) = hostile.captured("/english/1003")
    assert capture["truncated"] == "disconnect"
    assert hostile.record(capture).payload == b"<html><body>ok\r\n"


def test_content_length_longer_than_body(hostile: HostileCrawl) -> None:
    (capture,) = hostile.captured("/english/1004")
    assert capture["truncated"] == "disconnect"
    rec = hostile.record(capture)
    assert rec.h("WARC-Truncated") == "disconnect"
    assert int(rec.http.get_header("Content-Length")) == len(rec.payload)
    assert hostile.item("/english/1004")["text"] == "\n".join(GOOD_TEXT)


def test_content_length_shorter_than_body(hostile: HostileCrawl) -> None:
    (capture,) = hostile.captured("/english/1005")
    rec = read_record_at(
        hostile.root / "warc" / capture["warc_filename"], capture["warc_offset"], 10**9
    )
    assert rec.payload == article_html("Longer Than Declared", GOOD_TEXT)  # not the JUNK
    assert hostile.item("/english/1005")["title"] == "Longer Than Declared"


def test_body_ended_by_the_close_is_whole(hostile: HostileCrawl) -> None:
    """Without Content-Length or chunking, the close is how a body ends: not truncated."""
    (capture,) = hostile.captured("/english/1016")
    assert capture["truncated"] is None
    assert hostile.record(capture).payload == article_html("Ends With The Connection", GOOD_TEXT)
    assert hostile.item("/english/1016")["title"] == "Ends With The Connection"


def test_drip_is_cut_by_the_timeout(hostile: HostileCrawl) -> None:
    assert hostile.stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] >= 1
    assert hostile.server.hits("/english/1006") == 3  # first try + RETRY_TIMES
    # each try is archived with the bytes that came before the timeout (6 s, 1 byte/s)
    captures = hostile.captured("/english/1006")
    assert [c["truncated"] for c in captures] == ["time"] * 3
    assert hostile.stats["archive/truncated/time"] == 3
    for capture in captures:
        rec = hostile.record(capture)
        assert rec.h("WARC-Truncated") == "time"
        assert rec.http.get_statuscode() == "200"
        assert 3 <= len(rec.payload) <= 7 and set(rec.payload) == {ord("x")}
        assert int(rec.http.get_header("Content-Length")) == len(rec.payload)
    assert hostile.item("/english/1006") is None
    assert hostile.stderr.count("could not fetch " + hostile.server.base_url + "/english/1006") == 1


def test_redirect_loop_and_chain_end(hostile: HostileCrawl) -> None:
    loop = hostile.captured("/english/loop-a") + hostile.captured("/english/loop-b")
    assert 2 <= len(loop) <= 6
    assert all(c["status"] == 302 for c in loop)
    chain = [c for c in hostile.captures if "/english/chain/" in c["url"]]
    assert len(chain) == 6  # the first request + REDIRECT_MAX_TIMES hops, each archived
    assert hostile.server.hits("/english/chain/6") == 0


def test_retry_after_is_honoured(hostile: HostileCrawl) -> None:
    statuses = [c["status"] for c in hostile.captured("/english/1007")]
    assert statuses == [503, 200]
    first, second = (c["warc_date"] for c in hostile.captured("/english/1007"))
    assert _seconds(second) - _seconds(first) >= 1.0
    assert hostile.item("/english/1007")["title"] == "Came Back Later"


def test_retry_after_too_long_gives_up_at_once(hostile: HostileCrawl) -> None:
    assert [c["status"] for c in hostile.captured("/english/1008")] == [429]
    assert hostile.stats["retry_after/too_long"] == 1


def test_huge_page_is_refused(hostile: HostileCrawl) -> None:
    """Content-Length 50 MB: not downloaded; what came (status and headers) archived."""
    (capture,) = hostile.captured("/english/1009")
    assert capture["truncated"] == "length"
    rec = hostile.record(capture)
    assert rec.h("WARC-Truncated") == "length"
    assert rec.http.get_statuscode() == "200" and rec.payload == b""
    assert rec.http.get_header("Content-Length") == "0"
    assert hostile.item("/english/1009") is None
    assert "/english/1009: Content-Length 52428800 is over DOWNLOAD_MAXSIZE" in hostile.stderr


def test_endless_body_is_cut_at_the_size_limit(hostile: HostileCrawl) -> None:
    """A chunked body past DOWNLOAD_MAXSIZE: the first 16 MiB (and at most one network
    read more) archived with WARC-Truncated: length; no article."""
    limit = 16 * 2**20
    (capture,) = hostile.captured("/english/1015")
    assert capture["truncated"] == "length"
    rec = hostile.record(capture)
    assert rec.h("WARC-Truncated") == "length"
    assert limit < len(rec.payload) <= limit + 2**16
    assert rec.payload.startswith(b"<p>bbb") and set(rec.payload) == set(b"<p>b/\n")
    assert rec.http.get_header("Transfer-Encoding") is None
    assert hostile.item("/english/1015") is None
    assert hostile.stats["archive/truncated/length"] == 2  # this one and 1009
    assert "/english/1015: body over DOWNLOAD_MAXSIZE (16777216)" in hostile.stderr
    assert "larger than download max size" not in hostile.stderr  # one line, not Scrapy's too


def test_binary_served_as_html(hostile: HostileCrawl) -> None:
    (capture,) = hostile.captured("/english/1010")
    assert capture["mime"] == "text/html"
    assert hostile.record(capture).payload == b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    assert hostile.item("/english/1010") is None
    assert "/english/1010: not html" in hostile.stderr
    assert hostile.stats["archive/extraction_failed"] == 1


def test_charsets(hostile: HostileCrawl) -> None:
    assert hostile.item("/english/1011")["title"] == "Charset Nonsense – Still Readable"
    misdeclared = hostile.item("/english/1012")
    assert misdeclared["title"] == "Café Owners Complain"
    assert "The café’s owner said prices rose by 5 € — again." in misdeclared["text"]


def test_malformed_html(hostile: HostileCrawl) -> None:
    item = hostile.item("/english/1013")
    assert item is not None and "Work will resume next week" in item["text"]


def test_robots_500_means_nothing_is_crawled(tmp_path: Path) -> None:
    root = tmp_path / "a"
    with HostileServer(robots="500") as server:
        run = run_crawl(root, server.base_url, "-s", "RETRY_TIMES=0")
        assert run.returncode == 1
        assert set(server.log) == {"/robots.txt"}
    assert "robots.txt of" in run.stderr and "not crawling" in run.stderr
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        captures = db.execute("SELECT url, status FROM captures").fetchall()
    finally:
        db.close()
    assert set(captures) == {(server.base_url + "/robots.txt", 500)}  # the answer is archived


# the robots.txt tests: a page disallowed inside the first 512 KiB, one disallowed past
# them, and a page no rule names
ROBOTS_CASES = ("/english/1013", "/english/1014", "/english/1011")


def robots_crawl(root: Path, server: HostileServer, *settings: str) -> tuple[CrawlRun, Any]:
    """Crawl *server*; the run and the archived robots.txt record."""
    run = run_crawl(root, server.base_url, "-O", str(root.parent / "items.jsonl"), *settings)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "not crawling" not in run.stderr and "cannot reach" not in run.stderr
    # read once, used by the spider and the robots.txt middleware alike
    assert server.hits("/robots.txt") == 1
    assert server.hits("/english/1013") == 0  # its rule ends inside the first 512 KiB
    assert server.hits("/english/private/x") == 0  # its rule opens the file
    assert server.hits("/english/1014") == 1  # its rule starts past them: not read
    titles = {json.loads(line)["url"]: json.loads(line)["title"] for line in run_items(root)}
    assert titles == {
        server.base_url + "/english/1014": "All Is Well",
        server.base_url + "/english/1011": "Charset Nonsense – Still Readable",
    }
    db = sqlite3.connect(root / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        (capture,) = db.execute(
            "SELECT * FROM captures WHERE url = ?", (server.base_url + "/robots.txt",)
        ).fetchall()
    finally:
        db.close()
    record = read_record_at(root / "warc" / capture["warc_filename"], capture["warc_offset"], 10**9)
    return run, record


def run_items(root: Path) -> list[str]:
    return (root.parent / "items.jsonl").read_text(encoding="utf-8").splitlines()


def test_huge_robots_is_read_up_to_512_kib(tmp_path: Path) -> None:
    """A 6 MB robots.txt is archived whole, and read as Google reads one: its first
    512 KiB (test_robots.py::test_huge_robots_is_read_up_to_its_limit checks the cut)."""
    with HostileServer(robots="huge", cases=ROBOTS_CASES) as server:
        _run, record = robots_crawl(tmp_path / "a", server)
    assert record.h("WARC-Truncated") is None
    assert record.payload == huge_robots()


def test_endless_robots_is_read_from_what_was_kept(tmp_path: Path) -> None:
    """A robots.txt cut by DOWNLOAD_MAXSIZE (36 MB of comments, chunked) is archived with
    WARC-Truncated and its first 512 KiB obeyed, as for any long robots.txt."""
    with HostileServer(robots="endless", cases=ROBOTS_CASES) as server:
        _run, record = robots_crawl(
            tmp_path / "a", server, "-s", "DOWNLOAD_MAXSIZE=2000000", "-s", "DOWNLOAD_TIMEOUT=2"
        )
    assert record.h("WARC-Truncated") == "length"
    assert 2_000_000 <= len(record.payload) <= 2_000_000 + 2**16
    assert record.payload.startswith(robots_around_the_cut("/english/1013", "/english/1014", 0))


def _seconds(warc_date: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(warc_date.replace("Z", "+00:00")).timestamp()


def last_run_stats(root: Path) -> dict[str, Any]:
    """The stats of the archive's latest run report."""
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        name, offset = db.execute(
            "SELECT warc_filename, warc_offset FROM runs ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    stats: dict[str, Any] = json.loads(read_record_at(root / "warc" / name, offset, 10**9).payload)[
        "stats"
    ]
    return stats


def test_article_trap_ends_at_the_host_cap(tmp_path: Path) -> None:
    """Every article of this site links to three new ones, without end (the listing-chain
    limit does not apply to articles, and DEPTH_LIMIT only bounds the depth). The crawl
    ends at ARCHIVE_MAX_PAGES_PER_HOST: that many requests reach the host besides
    robots.txt and the home page (a listing page: those have caps of their own), each
    archived, and one warning says why."""
    root = tmp_path / "a"
    with HostileServer(trap=True) as server:
        run = run_crawl(root, server.base_url, "-s", "ARCHIVE_MAX_PAGES_PER_HOST=30")
        requested = [p for p in server.log if p not in ("/robots.txt", "/english")]
        assert server.hits("/english") == 1
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(requested) == 30 and len(set(requested)) == 30
    assert run.stderr.count("ARCHIVE_MAX_PAGES_PER_HOST (30) reached") == 1
    assert "Traceback" not in run.stderr
    stats = last_run_stats(root)
    assert stats["archive/host_cap_reached"] == 1
    assert stats["archive/host_cap_dropped"] > 0
    assert "dupefilter/filtered" not in stats  # what the cap drops is not a duplicate
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        captured = {url for (url,) in db.execute("SELECT url FROM captures")}
    finally:
        db.close()
    assert captured == {server.base_url + p for p in [*requested, "/robots.txt", "/english"]}
