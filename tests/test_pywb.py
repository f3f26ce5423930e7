"""Interoperability: pywb's own tools replay the project's WARC files."""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from archive.web.pywbtool import pywb_program
from tests.crawling import free_port, run_crawl
from tests.fixture_site import FixtureServer
from tests.warcs import read_record_at

pytestmark = pytest.mark.slow

WB_MANAGER = pywb_program("wb-manager")
WAYBACK = pywb_program("wayback")


def wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("wayback exited early")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("wayback did not start")


@pytest.mark.skipif(
    (WB_MANAGER is None or WAYBACK is None) and not os.environ.get("CI"),
    reason="pywb is not installed (make setup installs it; CI requires it)",
)
def test_pywb_replays_an_archived_article(tmp_path: Path, site_server: FixtureServer) -> None:
    root = tmp_path / "archive"
    run = run_crawl(root, site_server.base_url, "-a", "max_articles=2")
    assert run.returncode == 0, run.stderr[-2000:]
    pywb = tmp_path / "pywb"
    pywb.mkdir()
    subprocess.run([str(WB_MANAGER), "init", "c"], cwd=pywb, check=True, capture_output=True)
    warcs = sorted((root / "warc").glob("*.warc.gz"))
    subprocess.run([str(WB_MANAGER), "add", "c", *warcs], cwd=pywb, check=True, capture_output=True)
    # pywb's indexer also lists conversion records under the page's URL; the archive's
    # own CDXJ lists only captures, so replay picks the page and never the JSON
    shutil.copy(root / "index.cdxj", pywb / "collections" / "c" / "indexes" / "index.cdxj")
    db = sqlite3.connect(root / "index.sqlite3")
    url, timestamp, name, offset, length = db.execute(
        "SELECT c.url, c.timestamp, c.warc_filename, c.warc_offset, c.warc_length "
        "FROM articles a JOIN captures c ON c.record_id = a.warc_record_id LIMIT 1"
    ).fetchone()
    archived = read_record_at(root / "warc" / name, offset, length)
    body = archived.payload
    if archived.http.get_header("Content-Encoding") == "gzip":
        body = gzip.decompress(body)

    port = free_port()
    proc = subprocess.Popen(
        [str(WAYBACK), "-b", "127.0.0.1", "-p", str(port)],
        cwd=pywb,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, proc)
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/c/{timestamp}id_/{url}", timeout=30
        ) as resp:
            replayed = resp.read()
            if resp.headers.get("Content-Encoding") == "gzip":
                replayed = gzip.decompress(replayed)
        assert replayed == body
        # the rewritten page, as a browser in pywb's frame gets it
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/c/{timestamp}mp_/{url}") as resp:
            # the first article may be one of the fixture's windows-1252 or Latin-1 pages,
            # declared in a <meta>: what is checked here is ASCII
            page = resp.read().decode("utf-8", errors="replace")
        assert "<article>" in page and "wombat" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)
