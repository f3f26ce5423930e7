"""Re-crawl from the archive (ARCHIVE_REPLAY=1): no network, the same items."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.crawling import CrawlRun, run_crawl
from tests.crawling import free_port as closed_port
from tests.fixture_site import FixtureServer, NewsSite, default_articles

pytestmark = pytest.mark.slow


def test_replay_yields_the_same_items_without_network(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    with FixtureServer(NewsSite(default_articles())) as server:
        base = server.base_url
        first = run_crawl(root, base, items_path=tmp_path / "first.jsonl")
        assert first.returncode == 0, first.stderr[-2000:]
    before = sorted(p.name for p in (root / "warc").iterdir())
    # the site is gone: nothing listens on its port any more
    replay = run_crawl(root, base, "-s", "ARCHIVE_REPLAY=1", items_path=tmp_path / "replay.jsonl")
    assert replay.returncode == 0, replay.stderr[-2000:]
    key = lambda item: item["url"]  # noqa: E731
    assert sorted(replay.items, key=key) == sorted(first.items, key=key)
    assert len(replay.items) == 12
    assert "archive_replay/missing" not in replay.stderr
    assert sorted(p.name for p in (root / "warc").iterdir()) == before  # read-only


def replay_after(tmp_path: Path, edits: list[tuple[str, tuple[object, ...]]]) -> CrawlRun:
    """Crawl the fixture site, change the index with *edits* (SQL, parameters; ``{base}``
    in a parameter is the site's URL), then replay the crawl from the archive alone."""
    root = tmp_path / "archive"
    with FixtureServer(NewsSite(default_articles())) as server:
        base = server.base_url
        assert run_crawl(root, base).returncode == 0
    db = sqlite3.connect(root / "index.sqlite3")
    with db:
        for sql, params in edits:
            db.execute(sql, [str(v).format(base=base) for v in params])
    db.close()
    replay = run_crawl(root, base, "-s", "ARCHIVE_REPLAY=1", items_path=tmp_path / "replay.jsonl")
    assert replay.returncode == 0, replay.stderr[-2000:]
    return replay


def article_ids(run: CrawlRun) -> list[str]:
    return sorted(i["url"].rsplit("/", 1)[1] for i in run.items)


def test_missing_urls_get_404_and_a_count(tmp_path: Path) -> None:
    # an article the archive does not hold
    gone = ("DELETE FROM captures WHERE url = ?", ("{base}/english/23605",))
    replay = replay_after(tmp_path, [gone])
    assert "'archive_replay/missing': 1," in replay.stderr
    assert article_ids(replay) == sorted(str(a.id) for a in default_articles() if a.id != 23605)


def test_a_capture_cut_by_a_limit_is_not_replayed(tmp_path: Path) -> None:
    """A body cut by DOWNLOAD_MAXSIZE or DOWNLOAD_TIMEOUT was never extracted on the day:
    replay does not hand it to the spider either. One the server broke off is served,
    as it was on the day."""
    cut = "UPDATE captures SET truncated = ? WHERE url = ?"
    replay = replay_after(
        tmp_path,
        [
            (cut, ("time", "{base}/english/23605")),
            (cut, ("length", "{base}/english/23606")),
            (cut, ("disconnect", "{base}/english/23607")),
        ],
    )
    assert "'archive_replay/missing': 2," in replay.stderr
    assert article_ids(replay) == sorted(
        str(a.id) for a in default_articles() if a.id not in (23605, 23606)
    )


def test_replay_of_no_archive_is_a_one_line_error(tmp_path: Path) -> None:
    run = run_crawl(
        tmp_path / "nothing", f"http://127.0.0.1:{closed_port()}", "-s", "ARCHIVE_REPLAY=1"
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "nothing to replay" in run.stderr
