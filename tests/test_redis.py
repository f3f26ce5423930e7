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

from archive.layout import ArchiveLayout
from archive.merge import merge_workers
from tests.crawling import REPO, crawl_command, crawl_env, free_port
from tests.fixture_site import FixtureServer, NewsSite, default_articles
from tests.warcs import read_record_at

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
