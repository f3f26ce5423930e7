"""One rule for "the object holds these bytes" (archive/store/s3.py ``object_differs``):
what ``store status`` and an upload call whole (a local file, ``local_state``/``upload``)
is what ``verify`` and ``store status`` call whole for a store-only file's note
(``check_note``), and the other way round. Against moto's S3 server on 127.0.0.1 (the
fixtures of tests/test_store_s3.py); moto's HEAD writes a multipart object's composite
checksum without its ``-N`` (its ETag has it), which is what the rule reads it by."""

# ruff: noqa: F811 - the fixtures endpoint and bucket, imported, are parameters

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest

from archive.store.s3 import (
    Digests,
    StoredNote,
    StoreURL,
    _matches,
    _transfer_config,
    check_note,
    fetch,
    local_state,
    s3_client,
    upload,
)
from tests.test_store_s3 import MIB, bucket, endpoint, sha256  # noqa: F401 - the fixtures


def _put(client: Any, bucket: str, key: str, path: Path, part: int, meta: str) -> None:
    """The file *path* as the object *key*, in parts of *part* bytes (one part when the
    file is smaller), with *meta* as its metadata's SHA-256 and the server's checksum."""
    client.upload_file(
        str(path),
        bucket,
        key,
        ExtraArgs={"Metadata": {"sha256": meta}, "ChecksumAlgorithm": "SHA256"},
        Config=_transfer_config(part, part),
    )


def _file(tmp_path: Path, name: str, size: int) -> tuple[Path, bytes, str]:
    """A local file *name* of *size* random bytes: its path, bytes and SHA-256."""
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    data = path.read_bytes()
    return path, data, sha256(data)


def _note(client: Any, bucket: str, path: Path, sha: str, checksum: str | None) -> StoredNote:
    return StoredNote(
        path.name, bucket, path.name, client.meta.endpoint_url, path.stat().st_size, sha, checksum
    )


def _checksum(client: Any, bucket: str, key: str) -> str:
    return str(client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")["ChecksumSHA256"])


def test_a_composite_of_other_part_sizes_is_read_back_by_both_checks(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    """An object uploaded in 5 MiB parts, then the same bytes again in 6 MiB parts: its
    composite is neither the one the file's parts give (16 MiB, ``store status``'s) nor
    the one its note recorded. Both read it back and call it whole; before, ``store
    status`` said ``differs`` and ``verify`` said lost (the "server's SHA-256")."""
    client = s3_client(endpoint)
    store = StoreURL(bucket, "")
    path, _, sha = _file(tmp_path, "big.warc.gz", 11 * MIB + 123)
    _put(client, bucket, path.name, path, 5 * MIB, sha)
    note = _note(client, bucket, path, sha, _checksum(client, bucket, path.name))
    reads: list[str] = []
    client.meta.events.register("before-call.s3.GetObject", lambda **kw: reads.append("GET"))
    assert check_note(client, note) is None
    assert reads == []  # its note's own composite: HEAD alone
    assert local_state(client, store, path) == "both"
    assert upload(path, store, client=client).skipped  # not uploaded again
    assert len(reads) == 2  # a composite of 5 MiB parts, not the 16 MiB ones: read back
    _put(client, bucket, path.name, path, 6 * MIB, sha)
    assert _checksum(client, bucket, path.name) != note.checksum
    reads.clear()
    assert check_note(client, note) is None
    assert check_note(client, _note(client, bucket, path, sha, None)) is None
    assert local_state(client, store, path) == "both"
    assert len(reads) == 3


def test_a_whole_object_checksum_is_never_taken_for_a_composite(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    """A 32-byte file F and a single-part object holding SHA-256(F) itself, its metadata
    saying F's SHA-256: the server's (whole-object) checksum of it is SHA-256(SHA-256(F)),
    which is also the composite of F in one part. Before, ``store status`` and the upload
    took it for F (``both``, not uploaded: the object kept the wrong bytes) while
    ``verify`` called it lost; now both say it differs, and the upload replaces it."""
    client = s3_client(endpoint)
    store = StoreURL(bucket, "")
    path, data, sha = _file(tmp_path, "tiny.warc.gz", 32)
    client.put_object(
        Bucket=bucket,
        Key=path.name,
        Body=hashlib.sha256(data).digest(),
        Metadata={"sha256": sha},
        ChecksumAlgorithm="SHA256",
    )
    assert local_state(client, store, path) == "differs"
    wrong = check_note(client, _note(client, bucket, path, sha, None))
    assert wrong is not None and "the server's SHA-256 is another" in wrong
    assert not upload(path, store, client=client).skipped
    body = client.get_object(Bucket=bucket, Key=path.name)["Body"].read()
    assert body == data


def test_a_note_cannot_vouch_for_a_whole_object_checksum_of_other_bytes(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    """A note whose recorded checksum is not that of its SHA-256 (edited, or written
    from a damaged upload record), and an object holding the bytes that checksum is of:
    before, ``verify`` took the checksum's equality with the note's for the object being
    whole, while ``store status`` of the file the note stands for said ``differs``."""
    client = s3_client(endpoint)
    store = StoreURL(bucket, "")
    path, _, sha = _file(tmp_path, "a.warc.gz", 1000)
    other = os.urandom(1000)
    client.put_object(
        Bucket=bucket,
        Key=path.name,
        Body=other,
        Metadata={"sha256": sha},
        ChecksumAlgorithm="SHA256",
    )
    note = _note(
        client, bucket, path, sha, base64.b64encode(hashlib.sha256(other).digest()).decode()
    )
    wrong = check_note(client, note)
    assert wrong is not None and "the server's SHA-256 is another" in wrong
    assert local_state(client, store, path) == "differs"


@pytest.mark.parametrize("checksum", [True, False], ids=["server-checksum", "no-checksum"])
def test_an_object_without_the_sha256_metadata_is_judged_by_its_bytes(
    tmp_path: Path, endpoint: str, bucket: str, checksum: bool
) -> None:
    """The file's very bytes uploaded by another tool (no ``x-amz-meta-sha256``). Before,
    ``store status`` said ``differs`` and ``verify`` called the file lost, while ``store
    fetch`` (which hashes the bytes) brought it back whole; now both checks go by the
    bytes (the server's checksum, else read back), and other bytes still differ."""
    client = s3_client(endpoint)
    store = StoreURL(bucket, "")
    path, data, sha = _file(tmp_path, "a.warc.gz", 1000)
    extra = {"ChecksumAlgorithm": "SHA256"} if checksum else {}
    client.put_object(Bucket=bucket, Key=path.name, Body=data, **extra)
    note = _note(client, bucket, path, sha, None)
    assert local_state(client, store, path) == "both"
    assert check_note(client, note) is None
    assert upload(path, store, client=client).skipped
    fetch(client, note, tmp_path / "fetched.warc.gz")
    assert (tmp_path / "fetched.warc.gz").read_bytes() == data
    client.put_object(Bucket=bucket, Key=path.name, Body=os.urandom(1000), **extra)
    assert local_state(client, store, path) == "differs"
    assert check_note(client, note) is not None


class _Reader:
    """A client that only reads an object back (and counts it)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reads = 0

    def get_object(self, **kw: Any) -> dict[str, Any]:
        self.reads += 1
        return {"Body": io.BytesIO(self.data)}


def _digests(data: bytes) -> Digests:
    whole = hashlib.sha256(data).digest()
    composite = hashlib.sha256(whole).digest()
    b64 = base64.b64encode
    return Digests(whole.hex(), b64(whole).decode(), b64(composite).decode(), 1)


@pytest.mark.parametrize(
    ("checksum", "extra", "reads"),
    [
        # "BASE64-N" is a composite: its value equal to the whole SHA-256 proves nothing
        ("whole-1", {"ETag": '"abc-1"'}, 1),
        # a bare checksum S3 calls COMPOSITE (of unknown parts): read back, not "differs"
        ("other", {"ChecksumType": "COMPOSITE"}, 1),
    ],
    ids=["suffixed-composite", "typed-composite"],
)
def test_the_kind_of_checksum_decides_what_it_is_compared_with(
    checksum: str, extra: dict[str, str], reads: int
) -> None:
    data = os.urandom(64)
    d = _digests(data)
    value = d.whole if checksum.startswith("whole") else base64.b64encode(b"x" * 32).decode()
    head = {
        "ContentLength": len(data),
        "Metadata": {"sha256": d.sha256},
        "ChecksumSHA256": value + checksum.partition("-")[1] + checksum.partition("-")[2],
        **extra,
    }
    same, other = _Reader(data), _Reader(os.urandom(64))
    assert _matches(same, "b", "k", head, len(data), d)
    assert not _matches(other, "b", "k", head, len(data), d)
    assert (same.reads, other.reads) == (reads, reads)
