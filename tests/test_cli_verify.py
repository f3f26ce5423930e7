"""``news-archive verify [--repair]`` and :func:`archive.integrity.repair.repair_archive`."""

from __future__ import annotations

import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.index.sqlite import CAPTURE_COLUMNS
from archive.integrity.repair import repair_archive
from archive.layout import ArchiveLayout
from archive.lock import EXIT_LOCKED, ArchiveLock, ArchiveLocked
from tests.cli_support import (
    Crawled,
    cli,
    cli_process,
    snapshot,
)
from tests.crawling import REPO, crawl_command, crawl_env
from tests.fixture_site import FixtureServer, NewsSite, default_articles
from tests.warcs import gzip_members, read_warc


def warc_file(root: Path) -> Path:
    """The newest WARC file: the one a crash leaves open."""
    return sorted((root / "warc").glob("*.warc.gz"))[-1]


def capture_rows(root: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        cols = ", ".join(CAPTURE_COLUMNS)
        return sorted(db.execute(f"SELECT {cols} FROM captures").fetchall(), key=repr)
    finally:
        db.close()


def test_clean_archive(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(crawled.root)
    result = cli(capsys, "--archive-dir", crawled.root, "verify")
    assert result.code == 0, result.out
    assert result.out == ""
    assert "0 problems" in result.err
    assert snapshot(crawled.root) == before


def test_one_flipped_byte_names_its_record(
    archive: Path, crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    db = sqlite3.connect(archive / "index.sqlite3")
    record_id, name, offset, length = db.execute(
        "SELECT record_id, warc_filename, warc_offset, warc_length FROM captures WHERE url = ?",
        (crawled.url("/english/23601"),),
    ).fetchone()
    db.close()
    path = archive / "warc" / name
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0x55
    path.write_bytes(bytes(data))

    result = cli(capsys, "--archive-dir", archive, "verify")
    assert result.code == 1
    (line,) = result.out.splitlines()
    assert line.startswith(f"{name}:{offset}: {record_id}: ")
    assert "corrupt gzip member" in line
    assert "1 problem" in result.err


def test_torn_open_file_is_cut_back_closed_and_indexed(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = warc_file(archive)
    original = path.read_bytes()
    members = gzip_members(path)
    torn = len(members) * 2 // 3
    lost = torn - 9  # the index rows from here on were never committed
    cut_at = members[torn][0] + members[torn][1] // 2
    db = sqlite3.connect(archive / "index.sqlite3")
    for table, column in (
        ("captures", "warc_offset"),
        ("articles", "conversion_offset"),
        ("runs", "warc_offset"),
    ):
        db.execute(
            f"DELETE FROM {table} WHERE warc_filename = ? AND {column} >= ?",
            (path.name, members[lost][0]),
        )
    db.commit()
    db.close()
    (archive / "index.cdxj").unlink()  # the crawl writes it when it closes
    open_path = path.with_name(path.name + ".open")
    open_path.write_bytes(original[:cut_at])
    path.unlink()

    result = cli(capsys, "--archive-dir", archive, "verify")
    assert result.code == 1
    lines = result.out.splitlines()
    assert f"{open_path.name}:{members[torn][0]}: " in lines[0]
    assert "torn gzip member" in lines[0]
    assert any(line.startswith(f"{open_path.name}:-: -: still open") for line in lines)
    missing = [line for line in lines if "missing from the index" in line]
    assert missing and all(line.startswith(open_path.name) for line in missing)
    assert any(line.startswith("index.cdxj:") for line in lines)

    result = cli(capsys, "--archive-dir", archive, "verify", "--repair")
    assert result.code == 0, result.out
    assert f"repair: closed {path.name}: cut {cut_at - members[torn][0]} torn bytes" in result.out
    assert "repair: indexed " in result.out
    assert not open_path.exists()
    # every complete record is still there, byte for byte, and nothing else
    assert path.read_bytes() == original[: members[torn][0]]
    complete = {
        r.id
        for r in read_warc(path)
        if r.type in ("response", "revisit", "conversion")
        or (r.type == "metadata" and r.h("WARC-Target-URI").startswith("urn:news-archive:run:"))
    }
    db = sqlite3.connect(archive / "index.sqlite3")
    name = (path.name,)
    indexed = {
        r[0] for r in db.execute("SELECT record_id FROM captures WHERE warc_filename = ?", name)
    }
    indexed |= {
        r[0]
        for r in db.execute(
            "SELECT conversion_record_id FROM articles WHERE conversion_filename = ?", name
        )
    }
    indexed |= {
        r[0] for r in db.execute("SELECT record_id FROM runs WHERE warc_filename = ?", name)
    }
    db.close()
    assert indexed == complete
    assert cli(capsys, "--archive-dir", archive, "verify").code == 0


def test_rows_pointing_nowhere_are_dropped(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = capture_rows(archive)
    name = warc_file(archive).name
    db = sqlite3.connect(archive / "index.sqlite3")
    for record_id, filename, offset in (
        ("<urn:uuid:past-the-end>", name, 10_000_000),
        ("<urn:uuid:no-such-file>", "gone.warc.gz", 0),
        ("<urn:uuid:mid-record>", name, 5),
    ):
        db.execute(
            "INSERT INTO captures (record_id, record_type, url, surt, timestamp, warc_date, "
            "warc_filename, warc_offset, warc_length) VALUES (?, 'response', 'http://x/', "
            "'x)/', '20200101000000', '2020-01-01T00:00:00Z', ?, ?, 100)",
            (record_id, filename, offset),
        )
    db.commit()
    db.close()

    result = cli(capsys, "--archive-dir", archive, "verify")
    assert result.code == 1
    nowhere = [line for line in result.out.splitlines() if "does not read back" in line]
    assert len(nowhere) == 3
    assert any(line.startswith("gone.warc.gz:0: <urn:uuid:no-such-file>:") for line in nowhere)

    result = cli(capsys, "--archive-dir", archive, "verify", "--repair")
    assert result.code == 0, result.out
    assert result.out.count("repair: dropped index row captures") == 3
    assert capture_rows(archive) == before


def test_repair_on_a_clean_archive_changes_nothing(archive: Path) -> None:
    before = snapshot(archive)
    report = repair_archive(ArchiveLayout(archive), full_scan=True)
    assert not report.changed
    assert report.lines() == []
    report = repair_archive(ArchiveLayout(archive))  # as the crawler calls it
    assert not report.changed
    assert report.scanned_files == 0  # every file is indexed to its end: none is read
    after = snapshot(archive)
    assert after.pop(".lock", None) is not None
    before.pop(".lock", None)
    assert after == before


def test_repair_refuses_a_locked_archive(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = warc_file(archive)
    open_path = path.with_name(path.name + ".open")
    path.rename(open_path)
    lock = ArchiveLock(archive)
    lock.acquire()
    try:
        with pytest.raises(ArchiveLocked):
            repair_archive(ArchiveLayout(archive))
        result = cli(capsys, "--archive-dir", archive, "verify", "--repair")
        assert result.code == EXIT_LOCKED
        assert "another crawl" in result.error_line()
        assert open_path.exists()
        # a running crawl's .open file is not a problem for a read-only verify
        result = cli(capsys, "--archive-dir", archive, "verify")
        assert result.code == 0, result.out
        assert "1 open file skipped" in result.err
        # the caller holding the lock (the crawler at start-up) passes it in
        report = repair_archive(ArchiveLayout(archive), lock=lock)
    finally:
        lock.release()
    assert [c.name for c in report.closed] == [path.name]
    assert report.closed[0].cut == 0
    assert path.exists() and not open_path.exists()


def test_quiet_on_a_pipe_progress_bar_on_a_terminal(crawled: Crawled) -> None:
    result = cli_process("--archive-dir", crawled.root, "verify")
    assert result.code == 0
    assert result.err.startswith("verify: ") and len(result.err.splitlines()) == 1
    assert "\x1b" not in result.err

    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "archive", "--archive-dir", str(crawled.root), "verify"],
            cwd=REPO,
            env={**crawl_env(), "TERM": "xterm", "COLUMNS": "100"},
            stdout=subprocess.PIPE,
            stderr=secondary,
            timeout=60,
        )
        os.close(secondary)
        secondary = -1
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)
    assert proc.returncode == 0
    assert b"verifying" in shown


@pytest.mark.slow
def test_repair_after_a_killed_crawl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "archive"
    with FixtureServer(NewsSite(default_articles())) as server:
        proc = subprocess.Popen(
            crawl_command(root, server.base_url, "-s", "DOWNLOAD_DELAY=0.05"),
            cwd=REPO,
            env=crawl_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                open_files = (
                    list((root / "warc").glob("*.open")) if (root / "warc").is_dir() else []
                )
                if open_files and open_files[0].stat().st_size > 40_000:
                    break
                time.sleep(0.02)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
    (open_file,) = (root / "warc").glob("*.open")
    kept = open_file.read_bytes()

    result = cli(capsys, "--archive-dir", root, "verify")
    assert result.code == 1
    assert any("still open" in line for line in result.out.splitlines())
    report = repair_archive(ArchiveLayout(root))
    assert [c.name + ".open" for c in report.closed] == [open_file.name]
    closed = open_file.with_name(report.closed[0].name)
    assert kept.startswith(closed.read_bytes())
    result = cli(capsys, "--archive-dir", root, "verify")
    assert result.code == 0, result.out
