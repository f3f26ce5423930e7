"""A new index is created whole or not at all, and an index a kill left without tables is
a new one: the next crawl starts (it used to refuse, taking it for a corrupt index)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import archive.index.sqlite as index_sqlite
from archive.access import IndexMissing, connect_readonly, index_started
from archive.index.sqlite import ArchiveIndex, IndexUnavailable
from archive.integrity.repair import repair_archive
from archive.layout import ArchiveLayout
from tests.crawling import run_crawl
from tests.fixture_site import FixtureServer
from tests.test_faults import assert_complete


def tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    finally:
        db.close()


def interrupted_after(monkeypatch: pytest.MonkeyPatch, steps: int | None) -> list[int]:
    """Make ArchiveIndex's connections stop after *steps* SQLite VM steps (None: count
    them); returns the list the count goes to."""
    counted = [0]
    real_connect = sqlite3.connect

    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        db = real_connect(*args, **kwargs)  # type: ignore[arg-type]

        def step() -> int:
            counted[0] += 1
            return int(steps is not None and counted[0] >= steps)

        db.set_progress_handler(step, 1)
        return db

    monkeypatch.setattr(index_sqlite.sqlite3, "connect", connect)
    return counted


def test_the_schema_is_created_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = tables(_new_index(tmp_path / "whole.sqlite3"))
    assert {"meta", "captures", "articles", "articles_fts", "runs"} <= whole
    steps = interrupted_after(monkeypatch, None)
    ArchiveIndex(tmp_path / "counted.sqlite3").close()
    total = steps[0]
    assert total > 100
    monkeypatch.undo()
    partial = 0
    for n, stop in enumerate(range(1, total, max(1, total // 40))):
        path = tmp_path / f"cut-{n}.sqlite3"
        interrupted_after(monkeypatch, stop)
        try:
            ArchiveIndex(path).close()
        except IndexUnavailable:
            partial += 1
        monkeypatch.undo()
        found = tables(path) if path.exists() else set()
        assert found in (set(), whole), f"cut after {stop} of {total} steps: {sorted(found)}"
        assert index_started(path) == bool(found)
        ArchiveIndex(path).close()  # the next opening completes it
        assert tables(path) == whole
    assert partial > 30  # the cuts did fall inside the creation


def _new_index(path: Path) -> Path:
    ArchiveIndex(path).close()
    return path


def test_an_index_without_tables_is_no_index(tmp_path: Path) -> None:
    empty = tmp_path / "index.sqlite3"
    sqlite3.connect(empty).execute("PRAGMA journal_mode=WAL").fetchall()
    assert empty.exists() and not index_started(empty)
    assert not index_started(tmp_path / "none.sqlite3")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    assert index_started(garbage)  # its readers say it is corrupt
    with pytest.raises(IndexMissing):
        connect_readonly(tmp_path / "none.sqlite3")


def test_repair_takes_an_index_without_tables_for_a_new_one(tmp_path: Path) -> None:
    layout = ArchiveLayout(tmp_path / "archive")
    layout.warc_dir.mkdir(parents=True)
    sqlite3.connect(layout.index_path).execute("PRAGMA journal_mode=WAL").fetchall()
    report = repair_archive(layout)
    assert not report.unrepaired
    ArchiveIndex(layout.index_path).close()
    assert "captures" in tables(layout.index_path)


@pytest.mark.slow
def test_a_crawl_starts_on_an_index_a_kill_left_without_tables(
    tmp_path: Path, site_server: FixtureServer
) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    db = sqlite3.connect(root / "index.sqlite3")
    db.execute("PRAGMA journal_mode=WAL").fetchall()
    db.close()
    run = run_crawl(root, site_server.base_url)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "corrupt" not in run.stderr
    assert_complete(root, site_server)
