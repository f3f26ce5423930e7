"""The archive writer's queue is bounded in bytes: when the disk is slower than the
network, downloads wait for the writer instead of piling bodies up in memory."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.crawling import run_crawl
from tests.fixture_site.server import FixtureServer
from tests.fixture_site.site import FixtureArticle, NewsSite
from tests.warcs import read_record_at, read_warc

pytestmark = pytest.mark.slow

SLOW = {"ARCHIVE_SLOW_WRITES": "0.03"}  # every record waits 30 ms: a slow disk
CONCURRENCY = 2


def crawl_report(root: Path, base_url: str, *settings: str) -> dict[str, Any]:
    run = run_crawl(root, base_url, "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}", *settings, env=SLOW)
    assert run.returncode == 0, run.stderr[-3000:]
    db = sqlite3.connect(root / "index.sqlite3")
    name, offset = db.execute("SELECT warc_filename, warc_offset FROM runs").fetchone()
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    db.close()
    report = json.loads(read_record_at(root / "warc" / name, offset, 10**9).payload)
    report["articles"] = articles
    return report


@pytest.fixture(scope="module")
def big_pages_site() -> Iterator[FixtureServer]:
    """24 articles of about 60 KB each, in words that gzip cannot shrink much."""
    rng = random.Random(8)

    def word() -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))

    articles = [
        FixtureArticle(
            id=24000 + n,
            title=f"Long report number {n}",
            author="A. Writer",
            published="2024-03-01T08:00:00+00:00",
            category="world",
            tags=["long"],
            paragraphs=[" ".join(word() for _ in range(180)) + "." for _ in range(55)],
        )
        for n in range(24)
    ]
    with FixtureServer(NewsSite(articles)) as server:
        yield server


def test_slow_writer_holds_downloads(tmp_path: Path, big_pages_site: FixtureServer) -> None:
    free = crawl_report(tmp_path / "free", big_pages_site.base_url)
    limit = 100_000
    bounded = crawl_report(
        tmp_path / "bounded",
        big_pages_site.base_url,
        "-s",
        f"ARCHIVE_WRITE_BACKLOG_MB={limit / 2**20}",
    )
    # the largest piece of work the writer takes: a response body, or an article's JSON
    largest = max(
        len(r.payload)
        for f in (tmp_path / "bounded" / "warc").glob("*.warc.gz")
        for r in read_warc(f)
        if r.type in ("response", "conversion")
    )
    # past the limit, each of the CONCURRENCY downloads in flight and the articles the
    # scraper holds may add one piece before they wait
    bound = limit + 4 * largest
    assert bounded["stats"]["archive/write_waits"] > 0
    assert bounded["stats"]["archive/write_backlog_peak_bytes"] <= bound
    # without the limit, the slow writer's queue took in far more
    assert free["stats"]["archive/write_backlog_peak_bytes"] > bound
    assert "archive/write_waits" not in free["stats"]
    # and nothing is lost either way
    assert bounded["articles"] == free["articles"] == 24
    assert bounded["pages"] == free["pages"]
