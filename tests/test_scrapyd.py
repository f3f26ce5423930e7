"""Deployment through scrapyd: scrapyd on 127.0.0.1 runs the project's spider and the
archive grows."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.crawling import REPO, free_port
from tests.fixture_site import FixtureServer

pytestmark = pytest.mark.slow

SCRAPYD = Path(sys.executable).parent / "scrapyd"


def call(port: int, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/{endpoint}"
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as resp:
        return dict(json.loads(resp.read()))


@pytest.mark.skipif(
    not SCRAPYD.exists() and not os.environ.get("CI"), reason="scrapyd is not installed"
)
def test_scrapyd_schedules_a_crawl(tmp_path: Path, site_server: FixtureServer) -> None:
    port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    (home / ".scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"http_port = {port}\n"
        "bind_address = 127.0.0.1\n"
        f"eggs_dir = {tmp_path / 'eggs'}\n"
        f"logs_dir = {tmp_path / 'logs'}\n"
        f"dbs_dir = {tmp_path / 'dbs'}\n"
        "items_dir =\n"
        "poll_interval = 0.5\n"
        "max_proc = 1\n"
    )
    env = {**os.environ, "HOME": str(home), "ARCHIVE_PROGRESS": "off"}
    env.pop("ARCHIVE_DIR", None)
    log = open(tmp_path / "scrapyd.out", "wb")  # noqa: SIM115
    proc = subprocess.Popen([SCRAPYD], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    archive = tmp_path / "archive"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status = call(port, "daemonstatus.json")
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "scrapyd.out").read_text()
                time.sleep(0.3)
        assert status["status"] == "ok"
        # scrapy.cfg's [settings] section registers the project as "default"
        assert "default" in call(port, "listprojects.json")["projects"]
        assert "ansarpress" in call(port, "listspiders.json?project=default")["spiders"]
        job = call(
            port,
            "schedule.json",
            [
                ("project", "default"),
                ("spider", "ansarpress"),
                ("base_url", site_server.base_url),
                ("setting", f"ARCHIVE_DIR={archive}"),
                ("setting", "AUTOTHROTTLE_ENABLED=False"),
            ],
        )
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 120
        while True:
            jobs = call(port, "listjobs.json?project=default")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, "scrapyd job did not finish"
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
    db = sqlite3.connect(archive / "index.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 12
    assert list((archive / "warc").glob("*.warc.gz"))
