"""``scrapy crawl`` as cron sees it: exit statuses, one-line errors, options."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from archive.lock import EXIT_LOCKED, ArchiveLock
from tests.crawling import REPO, crawl_command, crawl_env, free_port, run_crawl
from tests.fixture_site import FixtureServer
from tests.warcs import read_record_at, read_warc


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_bad_argument(tmp_path: Path) -> None:
    run = run_crawl(tmp_path / "a", "ftp://nowhere")
    assert run.returncode == 2
    assert "base_url" in one_line_error(run.stderr)
    run = run_crawl(tmp_path / "a", "http://127.0.0.1:1", "-a", "max_articles=lots")
    assert run.returncode == 2
    assert "max_articles" in one_line_error(run.stderr)
    run = run_crawl(tmp_path / "a", "http://127.0.0.1:1", "-s", "ARCHIVE_RECHECK_GONE_AFTER=soon")
    assert run.returncode == 2
    assert "ARCHIVE_RECHECK_GONE_AFTER must be a duration" in one_line_error(run.stderr)
    for value, says in (("lots", "a whole number"), ("-1", "0 or more")):
        setting = f"ARCHIVE_MAX_PAGES_PER_HOST={value}"
        run = run_crawl(tmp_path / "a", "http://127.0.0.1:1", "-s", setting)
        assert run.returncode == 2
        assert f"ARCHIVE_MAX_PAGES_PER_HOST must be {says}" in one_line_error(run.stderr)
    assert not (tmp_path / "a").exists()


def test_second_crawl_on_a_locked_archive(tmp_path: Path, site_server: FixtureServer) -> None:
    lock = ArchiveLock(tmp_path / "a")
    lock.acquire()
    try:
        before = len(site_server.requests)
        run = run_crawl(tmp_path / "a", site_server.base_url)
    finally:
        lock.release()
    assert run.returncode == EXIT_LOCKED
    assert "another crawl" in one_line_error(run.stderr)
    assert len(site_server.requests) == before
    assert not (tmp_path / "a" / "warc").exists()


def test_unreachable_site_fails(tmp_path: Path) -> None:
    run = run_crawl(tmp_path / "a", f"http://127.0.0.1:{free_port()}", "-s", "RETRY_TIMES=0")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "cannot reach" in run.stderr
    assert "0 articles archived" in run.stderr


def test_max_articles_and_rollover(tmp_path: Path, site_server: FixtureServer) -> None:
    root = tmp_path / "a"
    run = run_crawl(
        root,
        site_server.base_url,
        "-a",
        "max_articles=3",
        "-s",
        "ARCHIVE_WARC_MAX_SIZE=20000",
        items_path=tmp_path / "items.jsonl",
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(run.items) == 3
    assert "max_articles" in run.stderr
    files = sorted((root / "warc").glob("*.warc.gz"))
    assert len(files) >= 2
    for path in files:
        assert read_warc(path)[0].type == "warcinfo"
    db = sqlite3.connect(root / "index.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    for name, offset, length, rid in db.execute(
        "SELECT warc_filename, warc_offset, warc_length, record_id FROM captures"
    ):
        assert read_record_at(root / "warc" / name, offset, length).id == rid


def test_archive_dir_from_the_environment(tmp_path: Path, site_server: FixtureServer) -> None:
    cmd = crawl_command(tmp_path / "ignored", site_server.base_url, "-a", "max_articles=1")
    cmd = strip_setting(cmd, "ARCHIVE_DIR")
    env = crawl_env()
    env["ARCHIVE_DIR"] = str(tmp_path / "from-env")
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list((tmp_path / "from-env" / "warc").glob("*.warc.gz"))
    assert not (tmp_path / "ignored").exists()


def strip_setting(cmd: list[str], name: str) -> list[str]:
    out: list[str] = []
    skip = False
    for i, part in enumerate(cmd):
        if skip:
            skip = False
            continue
        if part == "-s" and i + 1 < len(cmd) and cmd[i + 1].startswith(name + "="):
            skip = True
            continue
        out.append(part)
    return out
