"""An archive on read-only storage (a mounted backup): every command that only reads
works on it, without a write lock and without creating a file there.

As root (who may write anything a file's permissions forbid) the archive is a real
read-only bind mount; as another user, a copy whose files and folders nobody may write.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.lock import EXIT_LOCKED, ArchiveLock, ArchiveLocked, shared_lock
from tests.cli_support import Crawled, cli, copy_archive
from tests.replay_support import needs_pywb, raw_get, start_replay


def _mount_readonly(source: Path, target: Path) -> str | None:
    """Bind-mount *source* read-only on *target*; the reason it cannot, or None."""
    for command in (
        ["mount", "--bind", str(source), str(target)],
        ["mount", "-o", "remount,ro,bind", str(target)],
    ):
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            subprocess.run(["umount", str(target)], capture_output=True, check=False)
            return f"{' '.join(command[:3])}: {proc.stderr.strip()}"
    return None


def _deny_writes(root: Path, allow: bool = False) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        write = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod(mode | stat.S_IWUSR if allow else mode & ~write)


@pytest.fixture(scope="module")
def source(crawled: Crawled, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The writable archive the read-only one shows."""
    return copy_archive(crawled.root, tmp_path_factory.mktemp("readonly") / "source")


def _readonly_view(source: Path) -> Iterator[Path]:
    target = source.with_name(source.name + "-ro")
    if os.geteuid() != 0:
        shutil.copytree(source, target)
        _deny_writes(target)
        yield target
        _deny_writes(target, allow=True)
        return
    target.mkdir()
    reason = _mount_readonly(source, target)
    if reason is not None:
        pytest.skip(f"cannot make a read-only bind mount as root here ({reason})")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


@pytest.fixture(scope="module")
def readonly(source: Path) -> Iterator[Path]:
    """The crawled archive on storage nobody may write to."""
    yield from _readonly_view(source)


def test_the_storage_is_really_read_only(readonly: Path) -> None:
    with pytest.raises(OSError):
        (readonly / "probe").write_bytes(b"")
    assert not os.access(readonly, os.W_OK)


def test_verify(readonly: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "--archive-dir", readonly, "verify")
    assert result.code == 0, result.err
    assert result.out == ""
    assert "index rows checked: 0 problems" in result.err


def test_search_and_show(
    readonly: Path, crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "--archive-dir", readonly, "search", "irrigation", "--json")
    assert result.code == 0, result.err
    hits = [json.loads(line) for line in result.out.splitlines()]
    assert hits and all(hit["url"].startswith(crawled.base_url) for hit in hits)
    url = hits[0]["url"]
    result = cli(capsys, "--archive-dir", readonly, "show", url)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].split() == ["URL:", url]
    assert hits[0]["title"] in result.out
    result = cli(capsys, "--archive-dir", readonly, "show", url, "--raw")
    assert result.code == 0, result.err
    assert "<html" in result.out.lower()


def test_export(readonly: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "articles.jsonl"
    result = cli(capsys, "--archive-dir", readonly, "export", "--format", "jsonl", "-o", out)
    assert result.code == 0, result.err
    articles = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(articles) == 12
    assert result.err == f"export: 12 articles as jsonl to {out}\n"


def test_stats(readonly: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "--archive-dir", readonly, "stats", "--json")
    assert result.code == 0, result.err
    stats = json.loads(result.out)
    assert stats["articles"] == 12 and stats["runs"] == 2 and stats["warc_files"] == 2
    result = cli(capsys, "--archive-dir", readonly, "runs", "--json")
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 2


def test_wacz_without_the_write_lock(
    readonly: Path, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "news.wacz"
    result = cli(capsys, "--archive-dir", readonly, "wacz", out)
    assert result.code == 0, result.err
    assert result.err.startswith(f"wacz: wrote {out} (")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert zf.read("indexes/index.cdxj") == (source / "index.cdxj").read_bytes()
    assert sum(name.startswith("archive/") for name in names) == 2
    # a crawl writing to the archive (through a writable path to the same files) still
    # keeps the package from being made
    lock = ArchiveLock(source)
    lock.acquire()
    try:
        result = cli(capsys, "--archive-dir", readonly, "wacz", tmp_path / "again.wacz")
    finally:
        lock.release()
    assert result.code == EXIT_LOCKED
    assert "another crawl is writing to" in result.error_line()
    assert not (tmp_path / "again.wacz").exists()


def test_a_shared_lock_keeps_crawls_away(source: Path) -> None:
    with shared_lock(source), pytest.raises(ArchiveLocked):
        ArchiveLock(source).acquire()
    lock = ArchiveLock(source)
    lock.acquire()  # free again
    lock.release()


@pytest.mark.slow
@needs_pywb
def test_replay(readonly: Path, crawled: Crawled) -> None:
    replay = start_replay(readonly, "--timeout", "5")
    try:
        status, _, body = raw_get(replay.port, "/search?q=irrigation")
        assert status == 200 and b"<mark>irrigation</mark>" in body.lower()
        article = crawled.site.articles[0]
        status, _, body = raw_get(replay.replay_port, f"/archive/2id_/{crawled.url(article.path)}")
        assert status == 200 and article.title.encode() in body, (status, body[:300])
    finally:
        assert replay.stop() == 0


def test_uncommitted_changes_are_a_clear_error(
    source: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """An index copied while a crawl had changes in its write-ahead log, without the
    -shm file SQLite needs to read them: a one-line error, not a silent loss."""
    copy = copy_archive(source, tmp_path_factory.mktemp("wal") / "archive")
    writer = sqlite3.connect(copy / "index.sqlite3")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("DELETE FROM runs")
    writer.commit()
    view = copy.with_name("backup")
    view.mkdir()
    for name in ("index.sqlite3", "index.sqlite3-wal", "index.cdxj", ".lock"):
        shutil.copy(copy / name, view / name)
    shutil.copytree(copy / "warc", view / "warc")
    writer.close()
    assert (view / "index.sqlite3-wal").stat().st_size > 0
    views = _readonly_view(view)
    readonly = next(views)
    try:
        result = cli(capsys, "--archive-dir", readonly, "stats")
        assert result.code == 1
        assert "index.sqlite3-wal holds changes SQLite cannot read" in result.error_line()
    finally:
        next(views, None)
