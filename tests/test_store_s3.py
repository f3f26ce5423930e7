"""ARCHIVE_STORE: WARC files uploaded to an S3-compatible server (moto's, on 127.0.0.1),
checked by their SHA-256, resumed after a failure (issue 23; archive/store/s3.py)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.store.s3 import StoreError, Uploader, closed_warc_files, s3_client, upload
from tests.crawling import run_crawl

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

MIB = 1024 * 1024
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def bucket(endpoint: str) -> str:
    name = f"warcs-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(endpoint: str, bucket: str, key: str) -> tuple[bytes, dict[str, Any]] | None:
    client = s3_client(endpoint)
    try:
        obj = client.get_object(Bucket=bucket, Key=key)
    except client.exceptions.NoSuchKey:
        return None
    return obj["Body"].read(), obj["Metadata"]


def warc_file(directory: Path, name: str, size: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(os.urandom(size))
    return path


def test_upload_checks_sha256_and_skips_what_is_there(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    path = warc_file(tmp_path, "a-1.warc.gz", 100_000)
    done = upload(path, f"s3://{bucket}/crawl/2026", endpoint)
    assert not done.skipped and done.key == "crawl/2026/a-1.warc.gz"
    body, meta = stored(endpoint, bucket, done.key) or (b"", {})
    assert sha256(body) == sha256(path.read_bytes()) == meta["sha256"] == done.sha256
    again = upload(path, f"s3://{bucket}/crawl/2026", endpoint)
    assert again.skipped
    # a different file of the same name and size is uploaded again
    path.write_bytes(os.urandom(100_000))
    assert not upload(path, f"s3://{bucket}/crawl/2026", endpoint).skipped
    body, meta = stored(endpoint, bucket, done.key) or (b"", {})
    assert sha256(body) == sha256(path.read_bytes()) == meta["sha256"]


def test_multipart_upload_checks_the_composite_checksum(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    path = warc_file(tmp_path, "big.warc.gz", 11 * MIB + 123)
    kw = {"multipart_threshold": 5 * MIB, "multipart_chunksize": 5 * MIB}
    assert not upload(path, f"s3://{bucket}", endpoint, **kw).skipped
    body, meta = stored(endpoint, bucket, "big.warc.gz") or (b"", {})
    assert sha256(body) == sha256(path.read_bytes()) == meta["sha256"]
    assert upload(path, f"s3://{bucket}", endpoint, **kw).skipped


def test_an_open_file_is_never_uploaded(tmp_path: Path, endpoint: str, bucket: str) -> None:
    warc_dir = tmp_path / "warc"
    closed = warc_file(warc_dir, "a-1.warc.gz", 1000)
    opened = warc_file(warc_dir, "a-2.warc.gz.open", 1000)
    assert closed_warc_files(warc_dir) == [closed]
    with pytest.raises(StoreError, match=r"\.open"):
        upload(opened, f"s3://{bucket}/p", endpoint)
    assert stored(endpoint, bucket, "p/a-2.warc.gz.open") is None
    assert stored(endpoint, bucket, "p/a-2.warc.gz") is None


class CuttingProxy:
    """A TCP proxy to *target* that cuts every connection once *budget* bytes in all
    have gone upstream (None: no limit), and then refuses new ones until healed."""

    def __init__(self, target: tuple[str, int], budget: int | None) -> None:
        self.target = target
        self.budget = budget
        self.sent = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def heal(self) -> None:
        with self.lock:
            self.budget = None

    def _cut(self) -> bool:
        return self.budget is not None and self.sent >= self.budget

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self._cut():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, counted: bool) -> None:
        try:
            while data := src.recv(65536):
                if counted:
                    with self.lock:
                        if self._cut():
                            break
                        self.sent += len(data)
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.server.close()


@pytest.mark.parametrize("size", [3 * MIB, 11 * MIB], ids=["single-part", "multipart"])
def test_a_network_failure_mid_upload_fails_cleanly_and_a_rerun_completes_it(
    tmp_path: Path, endpoint: str, bucket: str, size: int
) -> None:
    host, port = endpoint.removeprefix("http://").split(":")
    proxy = CuttingProxy((host, int(port)), budget=size // 2 + 200_000)
    try:
        via_proxy = f"http://127.0.0.1:{proxy.port}"
        path = warc_file(tmp_path, "cut.warc.gz", size)
        kw = {"multipart_threshold": 5 * MIB, "multipart_chunksize": 5 * MIB}
        client = s3_client(via_proxy, max_attempts=2)
        with pytest.raises(StoreError, match="cut.warc.gz: upload to"):
            upload(path, f"s3://{bucket}/x", client=client, **kw)
        assert proxy.sent < size  # it was cut in the middle
        assert stored(endpoint, bucket, "x/cut.warc.gz") is None
        proxy.heal()
        done = upload(path, f"s3://{bucket}/x", client=s3_client(via_proxy), **kw)
        assert not done.skipped
        body, meta = stored(endpoint, bucket, "x/cut.warc.gz") or (b"", {})
        assert sha256(body) == sha256(path.read_bytes()) == meta["sha256"]
    finally:
        proxy.close()


def test_the_uploader_counts_a_failure_and_goes_on(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    good = warc_file(tmp_path, "good.warc.gz", 1000)
    uploader = Uploader(f"s3://{bucket}/u", endpoint)
    uploader.submit(tmp_path / "missing.warc.gz")
    uploader.submit(tmp_path / "x.warc.gz.open")
    uploader.submit(good)
    uploader.submit(good)
    counts = uploader.close(timeout=60)
    assert counts.failed == ["missing.warc.gz", "x.warc.gz.open"]
    assert counts.uploaded == ["good.warc.gz"] and counts.present == ["good.warc.gz"]


@pytest.mark.slow
def test_a_crawl_uploads_every_closed_warc_file_and_the_next_resumes(
    tmp_path: Path, endpoint: str, bucket: str, site_server: Any
) -> None:
    archive = tmp_path / "archive"
    store = ["-s", f"ARCHIVE_STORE=s3://{bucket}/pfx", "-s", f"ARCHIVE_S3_ENDPOINT={endpoint}"]
    # small WARC files: several rollovers during the crawl
    run = run_crawl(archive, site_server.base_url, *store, "-s", "ARCHIVE_WARC_MAX_SIZE=20000")
    assert run.returncode == 0, run.stderr[-3000:]
    files = closed_warc_files(archive / "warc")
    assert len(files) > 2
    assert not list((archive / "warc").glob("*.open"))
    for path in files:
        body, meta = stored(endpoint, bucket, f"pfx/{path.name}") or (b"", {})
        assert sha256(body) == sha256(path.read_bytes()) == meta["sha256"], path.name
    assert f"{len(files)} WARC files uploaded, 0 there already" in run.stderr
    record = archive / "store-checked.sqlite3"
    assert record.exists()
    # the next crawl takes the files checked as there already on the upload record's
    # word: an object deleted behind the archive's back is not noticed (store sync does)
    s3_client(endpoint).delete_object(Bucket=bucket, Key=f"pfx/{files[0].name}")
    run = run_crawl(archive, site_server.base_url, *store)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"{len(files)} WARC files taken as there already on the upload record" in run.stderr
    assert f"uploaded, {len(files)} there already" in run.stderr
    assert stored(endpoint, bucket, f"pfx/{files[0].name}") is None
    # without the record (a crash before the upload leaves no row; or deleted to force a
    # full check) the next crawl hashes every file and uploads the one missing
    record.unlink()
    closed = len(closed_warc_files(archive / "warc"))  # and the second crawl's
    run = run_crawl(archive, site_server.base_url, *store)
    assert run.returncode == 0, run.stderr[-3000:]
    body, _ = stored(endpoint, bucket, f"pfx/{files[0].name}") or (b"", {})
    assert sha256(body) == sha256(files[0].read_bytes())
    assert f"uploaded, {closed - 1} there already" in run.stderr
    assert "taken as there already on the upload record" not in run.stderr
