"""Crash safety: SIGKILL at random moments and at chosen points (WARC write, torn
record, rollover, index commit), a full disk; after each, the next normal run repairs
the archive and completes the site, ``verify`` is clean and no article is archived
twice. Bounded: 10 timed kills, 20 injected ones, one full disk."""

from __future__ import annotations

import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crawling import REPO, crawl_command, crawl_env, run_crawl
from tests.fixture_site import FixtureServer

pytestmark = pytest.mark.slow

SMALL_WARCS = ("-s", "ARCHIVE_WARC_MAX_SIZE=20000", "-s", "ARCHIVE_EXTRACT_WORKERS=1")


def verify(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive", "--archive-dir", str(root), "verify"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_complete(root: Path, server: FixtureServer) -> None:
    """The archive holds every article exactly once and verifies clean."""
    check = verify(root)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]
    assert not list((root / "warc").glob("*.open"))
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        urls = [u for (u,) in db.execute("SELECT url FROM articles")]
    finally:
        db.close()
    expected = {server.base_url + a.path for a in server.site.articles}
    assert sorted(urls) == sorted(expected), "an article is missing or archived twice"


def recover_and_check(root: Path, server: FixtureServer) -> None:
    after = run_crawl(root, server.base_url, *SMALL_WARCS)
    assert after.returncode == 0, after.stderr[-3000:]
    assert "Traceback" not in after.stderr
    assert_complete(root, server)


# a paced crawl of the fixture site (52 requests, each slot waiting 0.5-1.5 times the
# delay) takes 6.5 s at the very least: every moment below falls within it
PACED = ("-s", "DOWNLOAD_DELAY=0.25")
LATEST_MOMENT = 4.0


def killed_run(root: Path, server: FixtureServer, seconds: float) -> int:
    cmd = crawl_command(root, server.base_url, *SMALL_WARCS, *PACED)
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=crawl_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return proc.returncode


@pytest.mark.parametrize("run", range(10))
def test_sigkill_at_a_random_moment(tmp_path: Path, site_server: FixtureServer, run: int) -> None:
    moment = random.Random(1000 + run).uniform(0.8, LATEST_MOMENT)
    root = tmp_path / "archive"
    # the crawl really died of the kill, mid-crawl (a crawl that ended first would test
    # nothing): killed by the signal, not exited
    assert killed_run(root, site_server, moment) == -signal.SIGKILL
    recover_and_check(root, site_server)


INJECTED = [
    *(("warc_record", n) for n in (1, 9, 40, 77, 100)),
    *(("warc_torn", n) for n in (2, 15, 51, 90, 98)),
    *(("rollover", n) for n in (1, 2, 3, 4, 5)),
    *(("index_commit", n) for n in (1, 2, 3, 1, 2)),
]


@pytest.mark.parametrize(
    ("point", "nth"), INJECTED, ids=[f"{p}-{n}-{i}" for i, (p, n) in enumerate(INJECTED)]
)
def test_sigkill_at_a_chosen_point(
    tmp_path: Path, site_server: FixtureServer, point: str, nth: int
) -> None:
    root = tmp_path / "archive"
    env = crawl_env()
    env["ARCHIVE_KILL_AT"] = f"{point}:{nth}"
    # the index commits when the writer is idle and the last commit is older than
    # ARCHIVE_INDEX_COMMIT_SECONDS: a crawl paced a little with commits 0.2 s apart
    # makes sure there are several before the end
    pace = (
        ("-s", "DOWNLOAD_DELAY=0.03", "-s", "ARCHIVE_INDEX_COMMIT_SECONDS=0.2")
        if point == "index_commit"
        else ()
    )
    proc = subprocess.run(
        crawl_command(root, site_server.base_url, *SMALL_WARCS, *pace),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, f"{point}:{nth} was never reached"
    if point == "warc_torn":
        assert list((root / "warc").glob("*.open")), "a torn file is left to repair"
    recover_and_check(root, site_server)


def test_full_disk_stops_the_crawl_and_loses_nothing(
    tmp_path: Path, site_server: FixtureServer
) -> None:
    root = tmp_path / "archive"
    limit = 150_000  # bytes any one file may grow to: the index's WAL hits it mid-crawl

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    start = time.monotonic()
    proc = subprocess.run(
        crawl_command(root, site_server.base_url, "-s", "ARCHIVE_EXTRACT_WORKERS=1"),
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_disk,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert time.monotonic() - start < 60
    assert "archive write failed" in proc.stderr
    assert "Traceback" not in proc.stderr
    recover_and_check(root, site_server)
