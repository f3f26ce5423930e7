"""The upload record (archive/store/record.py): a WARC file found whole in the store is
neither hashed nor asked about again at the next crawl's start, and the record cannot
vouch for a file that changed, for another store, or when it is unreadable; ``store
status | sync`` still check for real. Against moto's S3 server on 127.0.0.1 (the
fixtures of tests/test_store_s3.py)."""

# ruff: noqa: F811 - the fixtures endpoint and bucket, imported, are parameters

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import archive.store.s3 as s3
from archive.layout import ArchiveLayout
from archive.store.s3 import Digests, UploadCounts, Uploader, s3_client
from tests.test_store_archive import _quiet_server, run  # noqa: F401 - a fixture
from tests.test_store_s3 import (  # noqa: F401 - the fixtures
    CuttingProxy,
    bucket,
    endpoint,
    sha256,
    stored,
)

RECORD = "store-checked.sqlite3"
OPEN = "crawl-4.warc.gz.open"  # warc_dir's file being written


class CountingClient:
    """A boto3 client that notes each request asked of it: (operation, Key)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, str | None]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kw: Any) -> Any:
            key = kw.get("Key") or (args[2] if name == "upload_file" and len(args) > 2 else None)
            self.calls.append((name, key))
            return attr(*args, **kw)

        return call

    def keys(self) -> set[str | None]:
        return {key for _, key in self.calls}


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files hashed (file_digests) from now on."""
    names: list[str] = []
    real = s3.file_digests

    def counting(path: Path, part_size: int) -> Digests:
        names.append(Path(path).name)
        return real(path, part_size)

    monkeypatch.setattr(s3, "file_digests", counting)
    return names


@pytest.fixture
def warc_dir(tmp_path: Path) -> Path:
    """An archive's warc/ with three closed WARC files (and one being written)."""
    warc = tmp_path / "archive" / "warc"
    warc.mkdir(parents=True)
    for i in (1, 2, 3):
        (warc / f"crawl-{i}.warc.gz").write_bytes(os.urandom(20_000 + i))
    (warc / OPEN).write_bytes(b"being written")
    return warc


def names(warc: Path) -> list[str]:
    return [p.name for p in s3.closed_warc_files(warc)]


def start(warc: Path, store: str, endpoint: str, client: Any = None, **kw: Any) -> UploadCounts:
    """What a crawl's start does: every closed file of warc/ to the uploader."""
    uploader = Uploader(store, endpoint, client=client, **kw)
    for path in s3.closed_warc_files(warc):
        uploader.submit(path, later=True)
    return uploader.close(timeout=60)


def test_a_second_start_neither_hashes_nor_asks_about_recorded_files(
    warc_dir: Path, endpoint: str, bucket: str, hashed: list[str]
) -> None:
    store = f"s3://{bucket}/p"
    first = start(warc_dir, store, endpoint)
    assert first.uploaded == names(warc_dir) and not first.failed and not first.recorded
    assert hashed == names(warc_dir)
    assert (warc_dir.parent / RECORD).exists()
    hashed.clear()
    client = CountingClient(s3_client(endpoint))
    again = start(warc_dir, store, endpoint, client)
    assert again.present == again.recorded == names(warc_dir)
    assert not again.uploaded and not again.failed
    assert hashed == [] and client.calls == []
    # a file the writer closes meanwhile is checked and uploaded as before
    new = warc_dir / "crawl-5.warc.gz"
    new.write_bytes(os.urandom(5000))
    uploader = Uploader(store, endpoint, client=client)
    uploader.submit(new)
    assert uploader.close(timeout=60).uploaded == [new.name]
    assert hashed == [new.name] and ("head_object", f"p/{new.name}") in client.calls


def _append(path: Path) -> None:
    with open(path, "ab") as fh:
        fh.write(b"x")


def _append_keeping_mtime(path: Path) -> None:
    """A byte appended, the modification time put back (``touch -r``): the size tells."""
    old = path.stat()
    _append(path)
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))


def _rewrite_with_another_mtime(path: Path) -> None:
    """Same size, other bytes, another modification time."""
    old = path.stat()
    path.write_bytes(os.urandom(old.st_size))
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns + 1_000_000_000))


def _replace_keeping_size_and_mtime(path: Path) -> None:
    """Another file renamed over it, with its size and mtime: only the inode tells."""
    old = path.stat()
    other = path.with_name(".other")
    other.write_bytes(os.urandom(old.st_size))
    os.utime(other, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(other, path)
    assert path.stat().st_mtime_ns == old.st_mtime_ns and path.stat().st_ino != old.st_ino


@pytest.mark.parametrize(
    "change",
    [_append, _append_keeping_mtime, _rewrite_with_another_mtime, _replace_keeping_size_and_mtime],
    ids=["byte-appended", "other-size", "other-mtime", "other-inode"],
)
def test_a_file_changed_after_it_was_recorded_is_checked_in_full_and_uploaded_again(
    warc_dir: Path, endpoint: str, bucket: str, hashed: list[str], change: Any
) -> None:
    store = f"s3://{bucket}/c"
    start(warc_dir, store, endpoint)
    changed = warc_dir / "crawl-2.warc.gz"
    change(changed)
    hashed.clear()
    counts = start(warc_dir, store, endpoint)
    assert counts.uploaded == [changed.name] and not counts.failed
    assert counts.recorded == ["crawl-1.warc.gz", "crawl-3.warc.gz"]
    assert hashed == [changed.name]
    body, meta = stored(endpoint, bucket, f"c/{changed.name}") or (b"", {})
    assert body == changed.read_bytes() and meta["sha256"] == sha256(body)
    # and recorded as it is now
    hashed.clear()
    assert start(warc_dir, store, endpoint).recorded == names(warc_dir)
    assert hashed == []


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database at all\n" * 300)


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _header_only(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _another_schema(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    "spoil",
    [_garbage, _truncated, _header_only, _another_schema],
    ids=["garbage", "truncated", "header-only", "another-schema"],
)
def test_a_record_that_cannot_be_read_is_ignored_and_rebuilt(
    warc_dir: Path,
    endpoint: str,
    bucket: str,
    hashed: list[str],
    caplog: pytest.LogCaptureFixture,
    spoil: Any,
) -> None:
    store = f"s3://{bucket}/r"
    start(warc_dir, store, endpoint)
    spoil(warc_dir.parent / RECORD)
    hashed.clear()
    with caplog.at_level(logging.WARNING, logger="archive.store"):
        counts = start(warc_dir, store, endpoint)
    # checked in full, found there: nothing failed, nothing uploaded again
    assert counts.present == names(warc_dir) and not counts.failed and not counts.recorded
    assert hashed == names(warc_dir)
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in problems)
    if spoil is not _another_schema:  # another schema is dropped without a word
        (line,) = [r.getMessage() for r in problems]
        assert line.startswith(f"store: the upload record {warc_dir.parent / RECORD} cannot be")
        assert line.endswith("rebuilt empty; the files it listed are checked in full once")
    # rebuilt: the next start trusts it again
    hashed.clear()
    assert start(warc_dir, store, endpoint).recorded == names(warc_dir)
    assert hashed == []


def test_the_record_of_another_store_is_not_trusted(
    warc_dir: Path, endpoint: str, bucket: str, hashed: list[str]
) -> None:
    start(warc_dir, f"s3://{bucket}/a", endpoint)
    other_bucket = bucket + "-2"
    s3_client(endpoint).create_bucket(Bucket=other_bucket)
    for store in (f"s3://{bucket}/b", f"s3://{bucket}", f"s3://{other_bucket}/a"):
        hashed.clear()
        counts = start(warc_dir, store, endpoint)
        assert counts.uploaded == names(warc_dir) and not counts.recorded, store
        assert hashed == names(warc_dir), store
    # the same bucket and key through another endpoint (a proxy to the same server)
    host, port = endpoint.removeprefix("http://").split(":")
    proxy = CuttingProxy((host, int(port)), budget=None)
    try:
        hashed.clear()
        client = CountingClient(s3_client(f"http://127.0.0.1:{proxy.port}"))
        counts = start(warc_dir, f"s3://{bucket}/a", f"http://127.0.0.1:{proxy.port}", client)
    finally:
        proxy.close()
    assert counts.present == names(warc_dir) and not counts.recorded
    assert hashed == names(warc_dir)
    assert {("head_object", f"a/{n}") for n in names(warc_dir)} <= set(client.calls)
    # the first store's rows are still there, and still trusted
    assert start(warc_dir, f"s3://{bucket}/a", endpoint).recorded == names(warc_dir)


def test_no_row_for_a_file_that_changed_while_it_was_hashed(
    warc_dir: Path, endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its bytes were hashed, but which bytes? The row would vouch for the file as it is
    after the change: none is written."""
    real = s3.file_digests
    touched = warc_dir / "crawl-1.warc.gz"

    def touching(path: Path, part_size: int) -> Digests:
        digests = real(path, part_size)
        if Path(path) == touched:
            st = touched.stat()
            os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        return digests

    monkeypatch.setattr(s3, "file_digests", touching)
    assert not start(warc_dir, f"s3://{bucket}/t", endpoint).failed
    db = sqlite3.connect(warc_dir.parent / RECORD)
    try:
        rows = sorted(name for (name,) in db.execute("SELECT name FROM checked"))
    finally:
        db.close()
    # (a row of the state before the hashing would not be trusted either: only the
    # record itself shows that none was written)
    assert rows == ["crawl-2.warc.gz", "crawl-3.warc.gz"]
    monkeypatch.setattr(s3, "file_digests", real)
    counts = start(warc_dir, f"s3://{bucket}/t", endpoint)
    assert counts.recorded == ["crawl-2.warc.gz", "crawl-3.warc.gz"]
    assert counts.present == names(warc_dir)


def test_without_local_copies_a_recorded_file_is_asked_about_before_it_goes(
    warc_dir: Path, endpoint: str, bucket: str, hashed: list[str]
) -> None:
    """ARCHIVE_STORE_KEEP_LOCAL=false: a local copy is removed only once the store has
    just been seen to hold it (a HEAD), never on the record's word alone."""
    store = f"s3://{bucket}/k"
    start(warc_dir, store, endpoint)
    first, second, third = names(warc_dir)
    data = (warc_dir / first).read_bytes()
    s3_client(endpoint).delete_object(Bucket=bucket, Key=f"k/{first}")
    hashed.clear()
    client = CountingClient(s3_client(endpoint))
    counts = start(warc_dir, store, endpoint, client, keep_local=False)
    assert counts.uploaded == [first] and counts.recorded == [second, third]
    assert sorted(counts.removed) == [first, second, third]
    assert hashed == [first]  # the others: a HEAD each, not hashed
    assert {("head_object", f"k/{n}") for n in (second, third)} <= set(client.calls)
    body, _ = stored(endpoint, bucket, f"k/{first}") or (b"", {})
    assert body == data
    layout = ArchiveLayout(warc_dir.parent)
    assert layout.warc_files(include_open=False) == []
    assert layout.stored_names() == [first, second, third]


def test_store_sync_and_status_check_for_real_and_correct_the_record(
    capsys: pytest.CaptureFixture[str],
    warc_dir: Path,
    endpoint: str,
    bucket: str,
    hashed: list[str],
) -> None:
    root = warc_dir.parent
    store = f"s3://{bucket}/s"
    opts = ["--store", store, "--endpoint", endpoint]
    first, second, third = names(warc_dir)
    start(warc_dir, store, endpoint)
    # an object deleted behind the archive's back: a crawl's start does not notice...
    s3_client(endpoint).delete_object(Bucket=bucket, Key=f"s/{first}")
    assert start(warc_dir, store, endpoint).recorded == [first, second, third]
    assert stored(endpoint, bucket, f"s/{first}") is None
    # ... store sync does (every file hashed, each object asked for), and uploads it
    hashed.clear()
    sync = run(capsys, root, "store", "sync", *opts)
    assert sync.code == 0, sync.err
    assert "1 WARC file uploaded, 2 there already" in sync.err
    assert sync.out == f"uploaded  {first}  (SHA-256 {sha256((warc_dir / first).read_bytes())})\n"
    assert hashed == [first, second, third]
    body, _ = stored(endpoint, bucket, f"s/{first}") or (b"", {})
    assert body == (warc_dir / first).read_bytes()
    assert start(warc_dir, store, endpoint).recorded == [first, second, third]
    # store status too: it finds the object gone, and drops its row, so that the next
    # crawl's start uploads it
    s3_client(endpoint).delete_object(Bucket=bucket, Key=f"s/{second}")
    hashed.clear()
    status = run(capsys, root, "store", "status", *opts)
    assert status.code == 0
    assert f"local-only  {second}" in status.out and f"both        {first}" in status.out
    assert status.out.splitlines() == [
        f"both        {first}",
        f"local-only  {second}",
        f"both        {third}",
        f"open        {OPEN}  (being written, or left by a crash: not uploaded)",
    ]
    assert status.err.splitlines()[-1] == f"store {store}/: 2 both, 1 local-only, 1 open"
    assert hashed == [first, second, third]
    counts = start(warc_dir, store, endpoint)
    assert counts.uploaded == [second] and counts.recorded == [first, third]
    assert stored(endpoint, bucket, f"s/{second}") is not None
    # and what status found whole, it records (a record deleted: one full check)
    (root / RECORD).unlink()
    status = run(capsys, root, "store", "status", *opts)
    assert status.code == 0
    assert status.out.splitlines()[:3] == [f"both        {n}" for n in (first, second, third)]
    hashed.clear()
    assert start(warc_dir, store, endpoint).recorded == [first, second, third]
    assert hashed == []


def test_a_record_that_cannot_be_opened_is_left_out(
    warc_dir: Path,
    endpoint: str,
    bucket: str,
    hashed: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Something else where the record should be (as a read-only directory would make
    it): one warning, every file checked in full, nothing fails."""
    (warc_dir.parent / RECORD).mkdir()
    with caplog.at_level(logging.WARNING, logger="archive.store"):
        counts = start(warc_dir, f"s3://{bucket}/o", endpoint)
        again = start(warc_dir, f"s3://{bucket}/o", endpoint)
    assert counts.uploaded == names(warc_dir) and not counts.failed
    assert again.present == names(warc_dir) and not again.recorded and not again.failed
    assert hashed == names(warc_dir) * 2
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 2  # one per uploader
    assert all(r.exc_info is None and "is not used" in r.getMessage() for r in problems)
    assert (warc_dir.parent / RECORD).is_dir()


def test_two_uploaders_share_the_record(
    warc_dir: Path, endpoint: str, bucket: str, hashed: list[str]
) -> None:
    """The workers of a distributed crawl share warc/ and so the record: both start at
    once, neither fails, and the rows of both are there for the next start."""
    for i in range(6, 16):
        (warc_dir / f"crawl-{i:02d}.warc.gz").write_bytes(os.urandom(3000))
    store = f"s3://{bucket}/w"
    uploaders = [Uploader(store, endpoint) for _ in range(2)]
    for path in s3.closed_warc_files(warc_dir):
        for uploader in uploaders:
            uploader.submit(path, later=True)
    for uploader in uploaders:
        counts = uploader.close(timeout=60)
        assert not counts.failed
        assert sorted(counts.uploaded + counts.present) == names(warc_dir)
    hashed.clear()
    assert start(warc_dir, store, endpoint).recorded == names(warc_dir)
    assert hashed == []


def test_store_status_names_a_local_file_it_cannot_read(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    warc_dir: Path,
    endpoint: str,
    bucket: str,
) -> None:
    """One line and exit 1, not a traceback (as root, permissions cannot make it so)."""
    first, _, _ = names(warc_dir)

    def unreadable(path: Path, part_size: int) -> Digests:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(s3, "file_digests", unreadable)
    status = run(
        capsys,
        warc_dir.parent,
        "store",
        "status",
        "--store",
        f"s3://{bucket}/s",
        "--endpoint",
        endpoint,
    )
    assert status.code == 1
    assert (
        status.err.strip().splitlines()[-1].endswith(f"{first}: cannot read it: Permission denied")
    )
    assert "Traceback" not in status.err
