"""``news-archive stats`` (and ``merge``, which it reports on)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_support import Crawled, cli, exchange, utc, write_archive


def test_stats(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    db = sqlite3.connect(crawled.root / "index.sqlite3")
    by_status = dict(db.execute("SELECT status, count(*) FROM captures GROUP BY status"))
    by_mime = dict(db.execute("SELECT mime, count(*) FROM captures GROUP BY mime"))
    captures = db.execute("SELECT count(*) FROM captures").fetchone()[0]
    db.close()
    warc_files = list((crawled.root / "warc").glob("*.warc.gz"))

    result = cli(capsys, "--archive-dir", crawled.root, "stats", "--json")
    assert result.code == 0, result.err
    stats = json.loads(result.out)
    assert stats["captures"] == captures
    assert stats["captures_by_status"] == {str(k): n for k, n in by_status.items()}
    assert stats["captures_by_mime"] == by_mime
    assert stats["articles"] == 12
    assert stats["articles_per_day"] == {a.published[:10]: 1 for a in crawled.site.articles}
    assert stats["warc_files"] == len(warc_files) == 2
    assert stats["warc_bytes"] == sum(p.stat().st_size for p in warc_files)
    assert stats["html_pages_with_article"] == 12
    assert stats["html_pages"] > 12  # the listing pages
    assert stats["runs"] == 2
    last = stats["last_run"]
    # the 12 refreshed articles, unchanged, and the unchanged pages and files (ARCHIVE_DEDUPE)
    assert (last["finish_reason"], last["new_articles"]) == ("finished", 0)
    assert last["revisits"] > 12

    text = cli(capsys, "--archive-dir", crawled.root, "stats").out
    assert f"captures: {captures}\n" in text
    # the dead link answered 404 in the first run; the second did not ask it again
    assert "  by status: 200: " in text and "404: 1" in text
    assert "    2021-08-14  1\n" in text
    assert "WARC files: 2 (0 open)" in text
    assert "  finish_reason: finished" in text


def test_last_run_from_the_newest_warc_file_without_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_archive(
        tmp_path / "archive",
        [
            (
                exchange("http://example.com/a", b"<html>a</html>", date=utc(2024, 1, 2, 3, 4, 5)),
                None,
            ),
            (
                exchange("http://example.com/b", b"<html>b</html>", date=utc(2024, 1, 2, 3, 9, 0)),
                None,
            ),
        ],
    )
    result = cli(capsys, "--archive-dir", root, "stats", "--json")
    assert result.code == 0, result.err
    stats = json.loads(result.out)
    assert (stats["captures"], stats["articles"], stats["runs"]) == (2, 0, 0)
    assert stats["articles_per_day"] == {}
    last = stats["last_run"]
    (name,) = [p.name for p in (root / "warc").iterdir()]
    assert last["warc_file"] == name
    assert last["last_capture"] == "2024-01-02T03:09:00.000000Z"
    assert last["captures_in_file"] == 2
    assert last["started"].endswith("Z")


def test_merge_folds_worker_indexes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from archive.layout import ArchiveLayout
    from archive.recorder import ArchiveRecorder

    root = write_archive(
        tmp_path / "archive",
        [(exchange("http://example.com/a", b"<html>a</html>", date=utc(2024, 1, 2)), None)],
    )
    recorder = ArchiveRecorder(ArchiveLayout(root, "w1"), prefix="w1", fsync=False)
    recorder.start()
    recorder.record_exchange(exchange("http://example.com/w", b"<p>w</p>", date=utc(2024, 1, 3)))
    recorder.close()
    # a worker's records are indexed in its own index: verify knows
    assert cli(capsys, "--archive-dir", root, "verify").code == 0
    result = cli(capsys, "--archive-dir", root, "merge")
    assert result.code == 0, result.err
    assert result.err == "merge: 1 worker index merged: 1 capture, 0 articles\n"
    stats = json.loads(cli(capsys, "--archive-dir", root, "stats", "--json").out)
    assert stats["captures"] == 2
    assert cli(capsys, "--archive-dir", root, "verify").code == 0
