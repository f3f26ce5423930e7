"""Distributed crawling: two workers share one Redis frontier (scrapy-redis)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.index.merge import merge_workers
from archive.layout import ArchiveLayout
from archive.lock import EXIT_LOCKED, ArchiveLock
from tests.crawling import REPO, crawl_command, crawl_env, free_port, run_crawl
from tests.fixture_site import FixtureServer, NewsSite, default_articles
from tests.sitecustom import WITHOUT_SCRAPY_REDIS, pythonpath_with
from tests.warcs import read_record_at

pytestmark = pytest.mark.slow

REDIS = shutil.which("redis-server")


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if REDIS is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (.ci/run installs it)")
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [
            REDIS,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_workers_share_the_work(tmp_path: Path, redis_url: str) -> None:
    root = tmp_path / "archive"
    env = crawl_env()
    env["ARCHIVE_REDIS_URL"] = redis_url
    env["ARCHIVE_REDIS_RUN"] = f"test-{uuid.uuid4().hex[:8]}"
    with FixtureServer(NewsSite(default_articles())) as server:
        cmd = crawl_command(
            root,
            server.base_url,
            "-s",
            "ARCHIVE_REDIS_IDLE_CLOSE=3",
            "-s",
            "DOWNLOAD_DELAY=0.1",
            "-s",
            "CONCURRENT_REQUESTS=2",
        )
        workers = [
            subprocess.Popen(
                cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        outputs = [w.communicate(timeout=180) for w in workers]
        for worker, (_, err) in zip(workers, outputs, strict=True):
            assert worker.returncode == 0, err[-3000:]
        paths = server.paths()
    articles = [p for p in paths if re.fullmatch(r"/english/\d+", p) and p != "/english/99999"]
    assert sorted(articles) == sorted(set(articles)), "an article was fetched twice"
    assert len(articles) == 12

    layout = ArchiveLayout(root)
    workers_dirs = layout.worker_layouts()
    assert len(workers_dirs) == 2
    per_worker = []
    for worker in workers_dirs:
        db = sqlite3.connect(worker.index_path)
        per_worker.append(db.execute("SELECT count(*) FROM articles").fetchone()[0])
        db.close()
    assert sum(per_worker) == 12
    assert all(n > 0 for n in per_worker), per_worker  # both did part of the work

    report = merge_workers(layout)
    assert sorted(report.merged) == sorted(w.worker for w in workers_dirs)
    assert report.articles == 12
    db = sqlite3.connect(layout.index_path)
    assert db.execute("SELECT count(DISTINCT url), count(*) FROM articles").fetchone() == (12, 12)
    assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    for name, offset, rid in db.execute(
        "SELECT warc_filename, warc_offset, record_id FROM captures"
    ):
        assert read_record_at(root / "warc" / name, offset, 10**9).id == rid
    assert layout.worker_layouts() == []
    assert merge_workers(layout).articles == 0  # merging again changes nothing


def test_redis_mode_without_scrapy_redis_does_not_start(tmp_path: Path) -> None:
    """Installed without the [redis] extra: the crawl must not run alone, on the main
    archive, while the other workers share a frontier."""
    env = {
        "PYTHONPATH": pythonpath_with(tmp_path, WITHOUT_SCRAPY_REDIS),
        "ARCHIVE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    base_url = f"http://127.0.0.1:{free_port()}"
    for extra in ((), ("-s", f"ARCHIVE_REDIS_URL={env['ARCHIVE_REDIS_URL']}")):
        run_env = env if not extra else {"PYTHONPATH": env["PYTHONPATH"]}
        run = run_crawl(tmp_path / "a", base_url, *extra, env=run_env)
        assert run.returncode == 2, run.stderr[-3000:]
        lines = run.stderr.splitlines()
        assert len(lines) == 1, run.stderr
        assert lines[0].startswith("error: ARCHIVE_REDIS_URL is set but scrapy-redis cannot")
        assert "redis://" not in lines[0]  # a URL may hold a password
    assert not (tmp_path / "a").exists()


def test_a_worker_locked_out_as_it_starts_exits_75(tmp_path: Path) -> None:
    """The lock taken by another process after the command's own check (here: a worker
    of the same name, which only the archive extension looks at) is one line and exit
    75, not a traceback."""
    pytest.importorskip("scrapy_redis")
    root = tmp_path / "a"
    lock = ArchiveLock(ArchiveLayout(root, "w1").home)
    lock.acquire()
    try:
        run = run_crawl(
            root,
            f"http://127.0.0.1:{free_port()}",
            "-s",
            "ARCHIVE_WORKER=w1",
            env={"ARCHIVE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"},
        )
    finally:
        lock.release()
    assert run.returncode == EXIT_LOCKED, run.stderr[-3000:]
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert lines[0].startswith(f"error: another crawl is writing to {root}/workers/w1")
