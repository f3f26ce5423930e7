"""``scrapy crawl`` as cron sees it: exit statuses, one-line errors, options."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.layout import ArchiveLayout
from archive.lock import EXIT_LOCKED, ArchiveLock
from tests.crawling import REPO, crawl_command, crawl_env, free_port, run_crawl
from tests.fixture_site import FixtureServer
from tests.sitecustom import WITHOUT_PASSWD_ENTRY, pythonpath_with
from tests.warcs import read_record_at, read_warc

pytestmark = pytest.mark.slow


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    return lines[0]


def only_line(stderr: str) -> str:
    """The whole of stderr: one ``error: ...`` line (no Scrapy banner before it)."""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_bad_argument(tmp_path: Path) -> None:
    run = run_crawl(tmp_path / "a", "ftp://nowhere")
    assert run.returncode == 2
    assert "base_url" in only_line(run.stderr)
    # a misspelled name is refused, not ignored (the crawl would go on without it)
    run = run_crawl(tmp_path / "a", "http://127.0.0.1:1", "-a", "max_artcles=3")
    assert run.returncode == 2
    assert "unknown spider argument -a max_artcles: did you mean max_articles?" in only_line(
        run.stderr
    )
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
    port = free_port()
    run = run_crawl(tmp_path / "a", f"http://127.0.0.1:{port}", "-s", "RETRY_TIMES=0")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "cannot reach" in run.stderr
    assert "0 articles archived" in run.stderr
    # the summary says it failed and why, before its counts
    summary = [line for line in run.stderr.splitlines() if "crawl " in line]
    why = f"site unreachable (connection refused for 127.0.0.1:{port})"
    assert summary[0].endswith(f"crawl FAILED: {why}"), run.stderr
    assert "crawl finished" not in run.stderr
    # and so does its run report
    db = sqlite3.connect(tmp_path / "a" / "index.sqlite3")
    assert db.execute("SELECT finish_reason, exit_status FROM runs").fetchall() == [
        (f"failed: {why}", 1)
    ]
    db.close()
    # Scrapy's start-up report is not logged at the default level
    for noise in ("Scrapy 2.", "Versions:", "Enabled extensions", "Overridden settings"):
        assert noise not in run.stderr


@contextmanager
def failing_site() -> Iterator[str]:
    """A site whose robots.txt allows everything and whose every page answers 500."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            ok = self.path == "/robots.txt"
            body = b"User-agent: *\nAllow: /\n" if ok else b"internal error"
            self.send_response(200 if ok else 500)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_errors_and_nothing_archived_fail(tmp_path: Path) -> None:
    with failing_site() as base_url:
        run = run_crawl(tmp_path / "a", base_url, "-s", "RETRY_TIMES=0")
    assert run.returncode == 1, run.stderr[-3000:]
    assert "crawl FAILED: nothing archived (the site answered 500)" in run.stderr


def test_a_user_without_a_passwd_entry_can_crawl(
    tmp_path: Path, site_server: FixtureServer
) -> None:
    """An arbitrary UID in a container: no entry in /etc/passwd, no USER or LOGNAME
    (HOME set, as container runtimes do: Scrapy's own start needs one then)."""
    env = crawl_env()
    for name in ("USER", "LOGNAME", "LNAME", "USERNAME"):
        env.pop(name, None)
    env["HOME"] = str(tmp_path)
    env["PYTHONPATH"] = pythonpath_with(tmp_path, WITHOUT_PASSWD_ENTRY)
    cmd = crawl_command(tmp_path / "a", site_server.base_url, "-a", "max_articles=1")
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (warc,) = (tmp_path / "a" / "warc").glob("*.warc.gz")
    info = read_warc(warc)[0]
    assert info.type == "warcinfo"
    assert f"operator: uid {os.getuid()}" in info.payload.decode()
    db = sqlite3.connect(tmp_path / "a" / "index.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    db.close()


def test_a_crawl_meeting_workers_of_a_distributed_crawl(
    tmp_path: Path, site_server: FixtureServer
) -> None:
    """Workers of a distributed crawl write to the archive: a crawl of the archive
    itself waits for its turn, as behind another crawl (the archive extension finds
    them as the crawl starts)."""
    worker = ArchiveLock(ArchiveLayout(tmp_path / "a", "w1").home)
    worker.acquire()
    try:
        before = len(site_server.requests)
        run = run_crawl(tmp_path / "a", site_server.base_url)
    finally:
        worker.release()
    assert run.returncode == EXIT_LOCKED, run.stderr[-3000:]
    assert "another crawl (worker w1) is writing" in only_line(run.stderr)
    assert len(site_server.requests) == before


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
