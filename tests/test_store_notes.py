"""The ``.stored`` note of a store-only WARC file read once, not once per record
(archive/warc/stored.py ``stored_note``): ``show --history`` and the replay application
read many records of one file, from several threads; the note is read again only when it
changes, and a file fetched back is read from ``warc/``. Against moto's S3 server on
127.0.0.1 (the fixtures of tests/test_store_s3.py)."""

# ruff: noqa: F811 - the fixtures endpoint, bucket, archive and _quiet_server, imported

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from archive.layout import ArchiveLayout
from archive.store import s3
from archive.store.s3 import StoredNote, s3_client, write_note
from archive.warc.stored import read_at
from tests.test_store_archive import (  # noqa: F401 - the fixtures
    _quiet_server,
    archive,
    move_to_store,
    run,
)
from tests.test_store_s3 import bucket, endpoint  # noqa: F401 - the fixtures


def _records(root: Path) -> dict[str, list[tuple[int, int]]]:
    """Each WARC file's records the index names: (offset, length), the conversion
    records' length unknown (0)."""
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        rows = db.execute(
            "SELECT warc_filename, warc_offset, warc_length FROM captures "
            "UNION SELECT conversion_filename, conversion_offset, 0 FROM articles"
        ).fetchall()
    finally:
        db.close()
    out: dict[str, list[tuple[int, int]]] = {}
    for name, offset, length in rows:
        out.setdefault(name, []).append((offset, length))
    return out


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times each note was read and parsed, by the note's file name."""
    counts: dict[str, int] = {}
    read = StoredNote.read

    def counting(path: Path) -> StoredNote:
        counts[Path(path).name] = counts.get(Path(path).name, 0) + 1
        return read(path)

    monkeypatch.setattr(s3.StoredNote, "read", counting)
    return counts


def test_a_store_only_file_s_note_is_parsed_once_for_all_its_records(
    capsys: pytest.CaptureFixture[str],
    archive: Path,
    endpoint: str,
    bucket: str,
    parses: dict[str, int],
) -> None:
    layout = ArchiveLayout(archive)
    records = _records(archive)
    move_to_store(archive, f"s3://{bucket}/n", endpoint)
    first, second = sorted(records)

    def read_all(name: str) -> list[bytes]:
        return [read_at(layout, name, off, length or None).block for off, length in records[name]]

    blocks = read_all(first)
    assert len(records[first]) >= 2
    for _ in range(5):
        assert read_all(first) == blocks
    assert parses == {f"{first}.stored": 1}

    # the replay application's threads, all at once on the other file
    results: list[Any] = []
    start = threading.Barrier(8)

    def reader() -> None:
        start.wait()
        results.append([read_all(second) for _ in range(3)])

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(r == [results[0][0]] * 3 for r in results)
    assert parses == {f"{first}.stored": 1, f"{second}.stored": 1}

    # a note rewritten (another inode and mtime) is read again, once
    note = layout.stored_path(second)
    write_note(note, StoredNote.read(note))
    parses[note.name] = 1  # the read just above
    assert [read_all(second) for _ in range(3)] == [results[0][0]] * 3
    assert parses[note.name] == 2

    # store fetch brings the first back: it is read from warc/, the store no more asked
    kept = StoredNote.read(layout.stored_path(first))
    fetch = run(capsys, archive, "store", "fetch", first)
    assert fetch.code == 0, fetch.err
    assert not layout.stored_path(first).exists()
    s3_client(endpoint).delete_object(Bucket=bucket, Key=f"n/{first}")
    parsed = dict(parses)
    assert read_all(first) == blocks
    assert parses == parsed
    # the file gone again and its note back: the note is read anew (its object is gone)
    (archive / "warc" / first).rename(archive / first)
    write_note(layout.stored_path(first), kept)
    with pytest.raises(s3.StoreError, match=f"cannot read s3://{bucket}/n/{first}"):
        read_all(first)
    assert parses[f"{first}.stored"] == parsed[f"{first}.stored"] + 1


def test_a_note_with_a_sha256_that_is_not_one_is_one_line(
    capsys: pytest.CaptureFixture[str], archive: Path, endpoint: str, bucket: str
) -> None:
    """A note edited by hand (its SHA-256 not 64 hex digits): ``store status`` and
    ``show --raw`` say so in one line, ``verify`` reports it; never a traceback (before,
    the server's checksum was compared with ``bytes.fromhex`` of it: ValueError)."""
    move_to_store(archive, f"s3://{bucket}/h", endpoint)
    layout = ArchiveLayout(archive)
    first = layout.stored_names()[0]
    path = layout.stored_path(first)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "sha256": "not-a-sha256"}))
    status = run(capsys, archive, "store", "status")
    assert status.code == 1
    assert status.error_line() == (
        f"error: {first}.stored: unreadable note of a stored file: its sha256 is not "
        "64 hex digits: 'not-a-sha256'"
    )
    verify = run(capsys, archive, "verify")
    assert verify.code == 1 and "Traceback" not in verify.err
    assert "unreadable note of a stored file: its sha256 is not 64 hex digits" in verify.out
