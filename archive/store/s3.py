"""WARC files uploaded to an S3-compatible store, each checked by its SHA-256.

:func:`upload` copies one closed file to ``s3://BUCKET/PREFIX`` + its name, unless an
object of that name with the same size and SHA-256 is there already (so a rerun after
a crash uploads only what is missing). The SHA-256 goes into the object's metadata
(``x-amz-meta-sha256``) and is asked of the server as its checksum (``ChecksumSHA256``,
composite for a multipart upload); after the upload the object is asked for again and
compared: a difference deletes it and raises :class:`StoreError`. A server that keeps no
checksum has the object read back and hashed instead. An ``.open`` file (being written)
is never uploaded.

:class:`Uploader` does the uploads on a thread of its own, in the order given, for a
crawl: a failure is logged in one line and counted, and the uploads go on.

Credentials are boto3's usual ones: ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
(``AWS_SESSION_TOKEN``), ``AWS_PROFILE`` and ``~/.aws/credentials``, ``~/.aws/config``,
an instance role.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.layout import OPEN_SUFFIX

logger = logging.getLogger(__name__)

#: parts of a multipart upload (S3 takes 5 MiB at the least); files past the threshold
#: are sent in parts, several at once, each retried on its own
MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNKSIZE = 16 * 1024 * 1024
#: attempts of each request (botocore's "standard" retry mode: back-off, then give up)
MAX_ATTEMPTS = 5
_READ = 1024 * 1024


class StoreError(Exception):
    """An upload that failed, or an object whose bytes differ from the file's."""


@dataclass(frozen=True)
class StoreURL:
    """``s3://bucket/prefix``: the object of a file NAME is ``prefix/NAME``."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> StoreURL:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://BUCKET/PREFIX address: {url!r}")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, prefix + "/" if prefix else "")

    def key(self, name: str) -> str:
        return self.prefix + name

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def s3_client(endpoint: str | None = None, max_attempts: int = MAX_ATTEMPTS) -> Any:
    """A boto3 S3 client for *endpoint* (None: AWS itself), credentials as boto3 finds
    them."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": max_attempts, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        # path-style addresses: what S3-compatible servers (MinIO, Ceph, moto) expect
        s3={"addressing_style": "path"},
    )
    return boto3.client("s3", endpoint_url=endpoint or None, config=config)


def _transfer_config(threshold: int, chunksize: int) -> Any:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(multipart_threshold=threshold, multipart_chunksize=chunksize)


def _part_size(size: int, chunksize: int) -> int:
    """The part size s3transfer uses for a file of *size* (it raises a small one to 5
    MiB, and a large one so that there are at most 10,000 parts)."""
    from s3transfer.utils import ChunksizeAdjuster

    return int(ChunksizeAdjuster().adjust_chunksize(chunksize, size))


@dataclass(frozen=True)
class Digests:
    """A file's SHA-256 (hex) and the checksum S3 would keep of it, whole or in parts."""

    sha256: str
    whole: str  # base64, as ChecksumSHA256 of a single-part upload
    composite: str  # base64 of the SHA-256 of the parts' SHA-256s (multipart)
    parts: int


def file_digests(path: Path, part_size: int) -> Digests:
    whole = hashlib.sha256()
    part_digests: list[bytes] = []
    with open(path, "rb") as fh:
        while True:
            part, done = hashlib.sha256(), 0
            while done < part_size and (chunk := fh.read(min(_READ, part_size - done))):
                whole.update(chunk)
                part.update(chunk)
                done += len(chunk)
            if not done:
                break
            part_digests.append(part.digest())
            if done < part_size:
                break
    composite = hashlib.sha256(b"".join(part_digests)).digest()
    return Digests(
        whole.hexdigest(),
        base64.b64encode(whole.digest()).decode(),
        base64.b64encode(composite).decode(),
        len(part_digests),
    )


@dataclass(frozen=True)
class Uploaded:
    path: Path
    key: str
    size: int
    sha256: str
    skipped: bool  # the object was there already, same size and SHA-256


def _head(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        return dict(client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED"))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _read_back(client: Any, bucket: str, key: str) -> str:
    body = client.get_object(Bucket=bucket, Key=key)["Body"]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(_READ), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _matches(
    client: Any, bucket: str, key: str, head: dict[str, Any], size: int, d: Digests
) -> bool:
    """Whether the object *head* describes holds the file's bytes: size, the SHA-256 of
    its metadata and the server's own checksum (or, without one, its bytes read back)."""
    if head.get("ContentLength") != size or head.get("Metadata", {}).get("sha256") != d.sha256:
        return False
    checksum = head.get("ChecksumSHA256")
    if checksum:
        # S3 writes a composite one as "BASE64-PARTS"
        return checksum.split("-")[0] in (d.whole, d.composite)
    return _read_back(client, bucket, key) == d.sha256


def upload(
    path: Path,
    store_url: str | StoreURL,
    endpoint: str | None = None,
    *,
    client: Any = None,
    multipart_threshold: int = MULTIPART_THRESHOLD,
    multipart_chunksize: int = MULTIPART_CHUNKSIZE,
) -> Uploaded:
    """Upload the closed WARC file *path* to the store, unless it is there already;
    raise :class:`StoreError` when it could not be, or came out different."""
    path = Path(path)
    if path.name.endswith(OPEN_SUFFIX):
        raise StoreError(f"{path.name}: an .open WARC file is being written, not uploaded")
    store = store_url if isinstance(store_url, StoreURL) else StoreURL.parse(store_url)
    client = client or s3_client(endpoint)
    key = store.key(path.name)
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        size = path.stat().st_size
        digests = file_digests(path, _part_size(size, multipart_chunksize))
        head = _head(client, store.bucket, key)
        if head is not None and _matches(client, store.bucket, key, head, size, digests):
            return Uploaded(path, key, size, digests.sha256, skipped=True)
        client.upload_file(
            str(path),
            store.bucket,
            key,
            ExtraArgs={"Metadata": {"sha256": digests.sha256}, "ChecksumAlgorithm": "SHA256"},
            Config=_transfer_config(multipart_threshold, multipart_chunksize),
        )
        head = _head(client, store.bucket, key)
        if head is None or not _matches(client, store.bucket, key, head, size, digests):
            client.delete_object(Bucket=store.bucket, Key=key)
            raise StoreError(
                f"{path.name}: the object s3://{store.bucket}/{key} differs from the file "
                "after the upload (deleted)"
            )
    except (BotoCoreError, ClientError, Boto3Error, OSError) as exc:
        raise StoreError(f"{path.name}: upload to s3://{store.bucket}/{key} failed: {exc}") from exc
    return Uploaded(path, key, size, digests.sha256, skipped=False)


def closed_warc_files(warc_dir: Path) -> list[Path]:
    """The closed WARC files of *warc_dir*, oldest name first (never an ``.open`` one)."""
    if not warc_dir.is_dir():
        return []
    return sorted(
        p for p in warc_dir.iterdir() if p.is_file() and p.name.endswith((".warc.gz", ".warc"))
    )


@dataclass
class UploadCounts:
    uploaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def sync(
    paths: Iterable[Path], store_url: str | StoreURL, endpoint: str | None = None, **kw: Any
) -> Iterator[Uploaded | StoreError]:
    """Upload each of *paths* that the store lacks; yields what came of each."""
    client = kw.pop("client", None) or s3_client(endpoint)
    for path in paths:
        try:
            yield upload(path, store_url, endpoint, client=client, **kw)
        except StoreError as exc:
            yield exc


class Uploader:
    """Uploads files handed to :meth:`submit` (from any thread) on a thread of its own;
    :meth:`close` waits for the last one. A failure is logged and counted, never
    raised: the file stays on disk, and the next :func:`sync` uploads it."""

    def __init__(
        self, store_url: str, endpoint: str | None = None, *, client: Any = None, **kw: Any
    ) -> None:
        self.store = StoreURL.parse(store_url)
        self.endpoint = endpoint or None
        self._client = client
        self._kw = kw
        self.counts = UploadCounts()
        self._queue: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="archive-uploader", daemon=True)
        self._thread.start()

    def submit(self, path: Path) -> None:
        self._queue.put(Path(path))

    def close(self, timeout: float | None = None) -> UploadCounts:
        self._queue.put(None)
        self._thread.join(timeout)
        return self.counts

    def _run(self) -> None:
        while (path := self._queue.get()) is not None:
            try:
                if self._client is None:
                    self._client = s3_client(self.endpoint)
                done = upload(path, self.store, client=self._client, **self._kw)
            except Exception as exc:  # noqa: BLE001 - a failed upload never stops a crawl
                self.counts.failed.append(path.name)
                logger.warning("store: %s", exc if isinstance(exc, StoreError) else repr(exc))
                continue
            (self.counts.present if done.skipped else self.counts.uploaded).append(path.name)
            if not done.skipped:
                logger.info(
                    "store: uploaded %s as %s", path.name, f"s3://{self.store.bucket}/{done.key}"
                )


__all__ = [
    "StoreError",
    "StoreURL",
    "UploadCounts",
    "Uploaded",
    "Uploader",
    "closed_warc_files",
    "file_digests",
    "s3_client",
    "sync",
    "upload",
]
