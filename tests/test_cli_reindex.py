"""``news-archive reindex``: the index rebuilt from the WARC files alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.index.sqlite import ARTICLE_COLUMNS, CAPTURE_COLUMNS, RUN_COLUMNS
from archive.lock import EXIT_LOCKED, ArchiveLock
from tests.cli_support import Crawled, cli
from tests.warcs import gzip_members


def table(root: Path, name: str, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    db = sqlite3.connect(f"file:{root / 'index.sqlite3'}?mode=ro", uri=True)
    try:
        rows = db.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
    finally:
        db.close()
    return sorted(rows, key=repr)


def assert_same_index(rebuilt: Path, crawled: Path) -> None:
    for name, columns in (
        ("captures", CAPTURE_COLUMNS),
        ("articles", ARTICLE_COLUMNS),
        ("runs", RUN_COLUMNS),
    ):
        assert table(rebuilt, name, columns) == table(crawled, name, columns), name
    assert (rebuilt / "index.cdxj").read_bytes() == (crawled / "index.cdxj").read_bytes()


def test_rebuilt_index_equals_the_crawls(
    archive: Path, crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm", "index.cdxj"):
        (archive / name).unlink(missing_ok=True)
    result = cli(capsys, "--archive-dir", archive, "reindex")
    assert result.code == 0, result.err
    captures = len(table(crawled.root, "captures", ("id",)))
    assert f"{captures} captures, 12 articles, 2 runs" in result.err
    assert_same_index(archive, crawled.root)
    assert not list(archive.glob("*.tmp*"))
    # full-text search works on the rebuilt index
    result = cli(capsys, "--archive-dir", archive, "search", "irrigation", "--json")
    assert result.code == 0
    assert crawled.url("/english/23601") in result.out


def test_replaces_a_stale_index_and_keeps_other_tables(
    archive: Path, crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    db = sqlite3.connect(archive / "index.sqlite3")
    db.execute("DELETE FROM articles WHERE id % 2 = 0")
    db.execute("UPDATE captures SET status = 999 WHERE id < 5")
    db.execute("DELETE FROM runs")
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, day TEXT, note TEXT)")
    db.execute("CREATE INDEX notes_day ON notes (day)")
    db.execute("INSERT INTO notes (day, note) VALUES ('2021-08-01', 'checked by hand')")
    db.commit()
    db.close()
    result = cli(capsys, "--archive-dir", archive, "reindex")
    assert result.code == 0, result.err
    assert "kept table notes" in result.err
    assert_same_index(archive, crawled.root)
    db = sqlite3.connect(archive / "index.sqlite3")
    assert db.execute("SELECT day, note FROM notes").fetchall() == [
        ("2021-08-01", "checked by hand")
    ]
    db.close()


def test_rebuilds_a_corrupt_index(
    archive: Path, crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    (archive / "index.sqlite3").write_bytes(b"this is not a database\n" * 100)
    result = cli(capsys, "--archive-dir", archive, "reindex")
    assert result.code == 0, result.err
    assert_same_index(archive, crawled.root)


def test_refuses_while_a_crawl_holds_the_lock(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (archive / "index.sqlite3").read_bytes()
    lock = ArchiveLock(archive)
    lock.acquire()
    try:
        result = cli(capsys, "--archive-dir", archive, "reindex")
    finally:
        lock.release()
    assert result.code == EXIT_LOCKED
    assert "another crawl is writing" in result.error_line()
    assert (archive / "index.sqlite3").read_bytes() == before


def test_a_torn_file_stops_it(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sorted((archive / "warc").glob("*.warc.gz"))[-1]
    members = gzip_members(path)
    offset, length = members[-3]
    torn = path.with_name(path.name + ".open")
    torn.write_bytes(path.read_bytes()[: offset + length // 2])
    path.unlink()
    before = (archive / "index.sqlite3").read_bytes()
    result = cli(capsys, "--archive-dir", archive, "reindex")
    assert result.code == 1
    line = result.error_line()
    assert f"{torn.name}: offset {offset}: torn gzip member" in line
    assert "verify --repair" in line
    assert (archive / "index.sqlite3").read_bytes() == before
    assert not list(archive.glob("*.tmp*"))


def test_refuses_to_empty_an_index_without_warc_files(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (archive / "warc").iterdir():
        path.unlink()
    result = cli(capsys, "--archive-dir", archive, "reindex")
    assert result.code == 1
    assert "no WARC files" in result.error_line()
    assert table(archive, "captures", ("record_id",))
