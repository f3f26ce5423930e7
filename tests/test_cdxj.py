"""Which captures the archive's CDXJ lists: all but those cut by a limit whose URL also has a
whole capture (pywb replays the capture closest in time and would show a drip's few bytes
as the page). index.cdxj, the WACZ index, the replay command's index and verify agree."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from archive.index.rows import cdxj_line
from archive.index.sqlite import ArchiveIndex
from archive.layout import ArchiveLayout
from archive.warc.exchange import HttpExchange
from archive.web.wayback import write_collection
from tests.cli_support import cli, exchange, utc, write_archive

SITE = "http://news.example"
PAGE = b"<html><body><article><p>The canal reopened in May.</p></article></body></html>"


def cut(url: str, day: int, reason: str, body: bytes = PAGE[:20]) -> HttpExchange:
    return dataclasses.replace(exchange(url, body, date=utc(2026, 3, day)), truncated=reason)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    pages = [
        (exchange(f"{SITE}/whole-then-cut", PAGE, date=utc(2026, 3, 1)), None),
        (cut(f"{SITE}/whole-then-cut", 2, "time"), None),
        (cut(f"{SITE}/whole-then-cut", 3, "length"), None),
        (cut(f"{SITE}/only-cut", 4, "time"), None),
        (cut(f"{SITE}/broken-off", 5, "disconnect"), None),
    ]
    return write_archive(tmp_path / "archive", pages)


def listed(lines: list[str]) -> list[tuple[str, str]]:
    return [(json.loads(line.split(" ", 2)[2])["url"], line.split(" ")[1][:8]) for line in lines]


def test_a_cut_capture_is_listed_only_without_a_whole_one(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cdxj = (archive / "index.cdxj").read_text().splitlines()
    assert sorted(listed(cdxj)) == [
        (f"{SITE}/broken-off", "20260305"),  # what the server sent: it broke off
        (f"{SITE}/only-cut", "20260304"),  # the only capture: what came is shown
        (f"{SITE}/whole-then-cut", "20260301"),
    ]
    # the SQLite index keeps every capture
    index = ArchiveIndex(archive / "index.sqlite3", readonly=True)
    try:
        assert len(list(index.captures())) == 5
    finally:
        index.close()
    # verify agrees with what was written, and so do the WACZ and the replay command
    result = cli(capsys, "--archive-dir", archive, "verify")
    assert result.code == 0, result.out + result.err
    assert cli(capsys, "--archive-dir", archive, "wacz", tmp_path / "a.wacz").code == 0
    with zipfile.ZipFile(tmp_path / "a.wacz") as zf:
        assert zf.read("indexes/index.cdxj").decode().splitlines() == cdxj
    db = sqlite3.connect(archive / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        workdir = tmp_path / "pywb"
        workdir.mkdir()
        assert write_collection(ArchiveLayout(archive), db, workdir) == 3
    finally:
        db.close()
    assert (workdir / "index.cdxj").read_text().splitlines() == cdxj


def test_an_index_cdxj_that_lists_cut_captures_is_repaired(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An archive indexed before cut captures were passed over: verify says so, and
    --repair rewrites index.cdxj."""
    db = sqlite3.connect(archive / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        every = sorted(cdxj_line(dict(row)) for row in db.execute("SELECT * FROM captures"))
    finally:
        db.close()
    (archive / "index.cdxj").write_text("".join(line + "\n" for line in every))
    result = cli(capsys, "--archive-dir", archive, "verify")
    assert result.code != 0 and "index.cdxj" in result.out + result.err
    assert cli(capsys, "--archive-dir", archive, "verify", "--repair").code == 0
    assert len((archive / "index.cdxj").read_text().splitlines()) == 3
