"""Every way ``news-archive`` can fail: one ``error: ...`` line, an exit status, no
traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.lock import EXIT_LOCKED
from tests.cli_support import (
    Crawled,
    cli,
    cli_process,
    exchange,
    utc,
    write_archive,
)
from tests.crawling import REPO, crawl_env
from tests.warcs import gzip_members

READERS = (
    ["search", "kabul"],
    ["show", "http://example.com/"],
    ["export", "--format", "jsonl"],
    ["stats"],
)


def test_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (*READERS, ["verify"], ["reindex"], ["verify", "--repair"]):
        result = cli(capsys, "--archive-dir", tmp_path / "nowhere", *args)
        assert result.code == 1, args
        assert "does not exist" in result.error_line()
    assert not (tmp_path / "nowhere").exists()


def test_not_an_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    for args in (*READERS, ["verify"], ["reindex"]):
        result = cli(capsys, "--archive-dir", tmp_path, *args)
        assert result.code == 1, args
        assert "is not an archive (no warc/ and no index.sqlite3)" in result.error_line()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_no_index_yet(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"):
        (archive / name).unlink(missing_ok=True)
    for args in READERS:
        result = cli(capsys, "--archive-dir", archive, *args)
        assert result.code == 1, args
        assert "build it with `reindex`" in result.error_line()
    assert not (archive / "index.sqlite3").exists()


def test_corrupt_index(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("index.sqlite3-wal", "index.sqlite3-shm"):
        (archive / name).unlink(missing_ok=True)
    garbage = b"not a database, just some bytes\n" * 200
    (archive / "index.sqlite3").write_bytes(garbage)
    for args in READERS:
        result = cli(capsys, "--archive-dir", archive, *args)
        assert result.code == 1, args
        line = result.error_line()
        assert "is corrupt" in line and "reindex" in line
    # verify reports it as a problem, and still checks the WARC files
    result = cli(capsys, "--archive-dir", archive, "verify")
    assert result.code == 1
    (line,) = result.out.splitlines()
    assert line.startswith("index.sqlite3:-: -: ") and "is corrupt" in line
    result = cli(capsys, "--archive-dir", archive, "verify", "--repair")
    assert result.code == 1
    assert "is corrupt" in result.error_line()
    assert (archive / "index.sqlite3").read_bytes() == garbage


@pytest.fixture
def locked_index(archive: Path) -> Iterator[Path]:
    """An index another process holds an exclusive lock on (rollback journal mode)."""
    db = sqlite3.connect(archive / "index.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("BEGIN EXCLUSIVE")
    db.execute("INSERT INTO meta (key, value) VALUES ('busy', 'yes')")
    try:
        yield archive
    finally:
        db.execute("ROLLBACK")
        db.close()


def test_locked_index(locked_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (*READERS, ["verify"]):
        result = cli(capsys, "--archive-dir", locked_index, "--timeout", "0.1", *args)
        assert result.code == EXIT_LOCKED, args
        line = result.error_line()
        assert "is locked by another process" in line and "database is locked" in line


def test_bad_arguments(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(crawled.root)
    for args in (
        [],
        ["frobnicate"],
        ["--archive-dir", root],
        ["--archive-dir", root, "search"],
        ["--archive-dir", root, "search", "x", "--since", "last week"],
        ["--archive-dir", root, "search", "x", "--limit", "0"],
        ["--archive-dir", root, "search", "x", "--colour"],
        ["--archive-dir", root, "show"],
        ["--archive-dir", root, "show", "http://x/", "--capture", "2021-08"],
        ["--archive-dir", root, "show", "http://x/", "--raw", "--history"],
        ["--archive-dir", root, "export", "--format", "pdf"],
        ["--timeout", "soon", "stats"],
    ):
        result = cli(capsys, *args)
        assert result.code == 2, args
        assert result.out == ""
        assert result.error_line().endswith("--help`)"), args


def test_archive_dir_anywhere_and_from_the_environment(
    crawled: Crawled, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli(capsys, "stats", "--archive-dir", crawled.root).code == 0
    monkeypatch.setenv("ARCHIVE_DIR", str(crawled.root))
    assert cli(capsys, "stats").code == 0
    monkeypatch.delenv("ARCHIVE_DIR")
    monkeypatch.chdir(crawled.root.parent)  # ./archive-data is the default: not here
    result = cli(capsys, "stats")
    assert result.code == 1
    assert "archive-data does not exist" in result.error_line()


def test_torn_warc_file(
    archive: Path, crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sorted((archive / "warc").glob("*.warc.gz"))[-1]
    db = sqlite3.connect(archive / "index.sqlite3")
    url, offset = db.execute(
        "SELECT url, warc_offset FROM captures WHERE warc_filename = ? "
        "ORDER BY warc_offset DESC LIMIT 1 OFFSET 3",
        (path.name,),
    ).fetchone()
    db.close()
    length = dict(gzip_members(path))[offset]
    torn = path.with_name(path.name + ".open")
    torn.write_bytes(path.read_bytes()[: offset + length // 2])
    path.unlink()
    result = cli(capsys, "--archive-dir", archive, "show", url, "--raw")
    assert result.code == 1
    line = result.error_line()
    assert f"{torn.name}: offset {offset}: torn gzip member" in line
    assert "verify --repair" in line


@pytest.mark.slow
def test_as_a_user_runs_it(crawled: Crawled, tmp_path: Path) -> None:
    result = cli_process("--archive-dir", tmp_path / "nowhere", "stats")
    assert result.code == 1
    assert result.error_line() == f"error: archive directory {tmp_path / 'nowhere'} does not exist"
    result = cli_process("--archive-dir", crawled.root, "search", "AND")
    assert result.code == 2
    assert "malformed search query" in result.error_line()
    script = Path(sys.executable).with_name("news-archive")
    if script.exists():  # the console script of pyproject.toml
        proc = subprocess.run(
            [script, "--archive-dir", crawled.root, "stats"], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("captures: ")
    # a reader that stops early (| head) gets no traceback
    many = write_archive(
        tmp_path / "many",
        [
            (
                exchange(f"http://example.com/{i}", b"<p>x</p>", date=utc(2024, 1, 1)),
                {"text": "x" * 2000},
            )
            for i in range(200)
        ],
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive",
            "--archive-dir",
            str(many),
            "export",
            "--format",
            "jsonl",
        ],
        cwd=REPO,
        env=crawl_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b'{"url": "http://example.com/')
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert err == ""
