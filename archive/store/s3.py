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
crawl: a failure is logged in one line and counted, and the uploads go on. It trusts the
archive's upload record (``store-checked.sqlite3``, :mod:`archive.store.record`): a file
the record says was found whole in this very object, and that has not changed since
(size, mtime, inode), is neither hashed nor asked about again. :func:`upload` itself
never trusts the record, only writes to it what it checked.

Credentials are boto3's usual ones: ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
(``AWS_SESSION_TOKEN``), ``AWS_PROFILE`` and ``~/.aws/credentials``, ``~/.aws/config``,
an instance role.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.layout import OPEN_SUFFIX, STORED_SUFFIX, WARC_SUBDIR, ArchiveLayout, fsync_path
from archive.plural import counted
from archive.store.record import FileState, UploadRecord, is_sha256

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
    # a session of its own: credentials as the environment says now, not as a session
    # made earlier in the process found them
    return boto3.session.Session().client("s3", endpoint_url=endpoint or None, config=config)


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
    checksum: str | None = None  # the server's ChecksumSHA256 of the object, if it keeps one
    recorded: bool = False  # skipped on the upload record's word: not hashed, not asked


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


@dataclass(frozen=True)
class Expected:
    """The bytes an object should hold: their size, SHA-256 (hex), and the checksums
    known to stand for them besides the whole-object one (the composite the file's own
    parts give, ``BASE64-N``; the server's checksum a note recorded after a checked
    upload)."""

    size: int
    sha256: str
    composites: tuple[str, ...] = ()

    @classmethod
    def of_file(cls, size: int, d: Digests) -> Expected:
        return cls(size, d.sha256, (f"{d.composite}-{d.parts}",))

    @classmethod
    def of_note(cls, note: StoredNote) -> Expected:
        return cls(note.size, note.sha256, (note.checksum,) if note.checksum else ())


def _composite_parts(head: dict[str, Any]) -> str | None:
    """The number of parts (as text) when the object's checksum is a composite one,
    ``""`` when a composite of an unknown number of parts, None when of the whole object.

    S3 says which in ``ChecksumType`` and writes a composite as ``BASE64-N``; a server
    that does neither (moto's HEAD writes a composite bare) still gives a multipart
    object the ETag ``"MD5-N"``: a bare checksum of such an object is a composite one."""
    kind = head.get("ChecksumType")
    _, dash, parts = str(head.get("ChecksumSHA256") or "").partition("-")
    if kind == "FULL_OBJECT":
        return None
    if dash:
        return parts
    _, etag_dash, etag_parts = str(head.get("ETag") or "").strip('"').rpartition("-")
    if etag_dash and etag_parts.isdigit():
        return etag_parts
    return "" if kind == "COMPOSITE" else None


def _checksum_says(head: dict[str, Any], want: Expected) -> bool | None:
    """What the server's ``ChecksumSHA256`` says of the object: True (these bytes),
    False (other bytes), None (nothing: none kept, or a composite of parts this archive
    cannot compute, which only the bytes read back can settle). A whole-object checksum
    is compared with the SHA-256 only, a composite one with the composites known to
    stand for these bytes only."""
    checksum = head.get("ChecksumSHA256")
    if not checksum:
        return None
    value = str(checksum).partition("-")[0]
    parts = _composite_parts(head)
    if parts is None:
        return value == base64.b64encode(bytes.fromhex(want.sha256)).decode()
    for known in want.composites:
        known_value, _, known_parts = known.partition("-")
        if known_value == value and (not parts or not known_parts or known_parts == parts):
            return True
    return None


def object_differs(
    client: Any, bucket: str, key: str, head: dict[str, Any] | None, want: Expected
) -> str | None:
    """``None`` when the object *head* describes holds the bytes *want* describes, else
    what is wrong with it (one phrase). The one rule of every check (upload, ``store
    status``, ``verify``, the upload record's removal check):

    1. there, with the size;
    2. the SHA-256 its uploader put in its metadata (``x-amz-meta-sha256``): another
       says other bytes; none (another tool uploaded it) says nothing, the bytes decide
       as they do for ``store fetch``, ``reindex`` and ``wacz``, which hash them;
    3. the server's own ``ChecksumSHA256``: a whole-object one settles it (the SHA-256,
       or other bytes); a composite one known to stand for these bytes (of the file's
       own parts, or the one the note recorded) says these bytes;
    4. else (no checksum kept, a composite of other part sizes) the object read back
       and hashed.

    Raises what boto3 raises when the store cannot be asked."""
    where = f"s3://{bucket}/{key}"
    if head is None:
        return f"its object {where} is missing"
    size = head.get("ContentLength")
    if size != want.size:
        return f"its object {where} differs: {size} bytes, not {want.size}"
    meta = head.get("Metadata", {}).get("sha256")
    if meta and meta != want.sha256:
        return f"its object {where} differs: another SHA-256 in its metadata"
    said = _checksum_says(head, want)
    if said is True:
        return None
    if said is False:
        return f"its object {where} differs: the server's SHA-256 is another"
    if _read_back(client, bucket, key) != want.sha256:
        return f"its object {where} differs: its bytes have another SHA-256"
    return None


def _matches(
    client: Any, bucket: str, key: str, head: dict[str, Any], size: int, d: Digests
) -> bool:
    """Whether the object *head* describes holds the file's bytes (:func:`object_differs`
    with the file's size, SHA-256 and composite checksum)."""
    return object_differs(client, bucket, key, head, Expected.of_file(size, d)) is None


def upload(
    path: Path,
    store_url: str | StoreURL,
    endpoint: str | None = None,
    *,
    client: Any = None,
    multipart_threshold: int = MULTIPART_THRESHOLD,
    multipart_chunksize: int = MULTIPART_CHUNKSIZE,
    key: str | None = None,
    record: UploadRecord | None = None,
) -> Uploaded:
    """Upload the closed WARC file *path* to the store (as *key*, default the store's
    prefix + its name), unless it is there already; raise :class:`StoreError` when it
    could not be, or came out different. An upload cut off leaves no object (a multipart
    one is aborted; a new object replaces an old one of its name only once complete).

    The file is always hashed and the object always asked for: *record* is not read,
    only told the outcome (the file found whole in the object, or not)."""
    path = Path(path)
    if path.name.endswith(OPEN_SUFFIX):
        raise StoreError(f"{path.name}: an .open WARC file is being written, not uploaded")
    store = store_url if isinstance(store_url, StoreURL) else StoreURL.parse(store_url)
    client = client or s3_client(endpoint)
    key = key or store.key(path.name)
    where = (store.bucket, key, endpoint_of(client))
    try:
        done = _upload(path, store, key, client, multipart_threshold, multipart_chunksize)
    except Exception:
        if record is not None:
            record.forget(path.name, *where)
        raise
    if record is not None:
        record.remember(path, done.state, *where, done.uploaded.sha256, done.uploaded.checksum)
    return done.uploaded


@dataclass(frozen=True)
class _Done:
    uploaded: Uploaded
    state: FileState  # the file's when it was hashed


def _upload(
    path: Path, store: StoreURL, key: str, client: Any, threshold: int, chunksize: int
) -> _Done:
    try:
        state = FileState.of(path.stat())
        size = state.size
        digests = file_digests(path, _part_size(size, chunksize))
        head = _head(client, store.bucket, key)
        if head is not None and _matches(client, store.bucket, key, head, size, digests):
            there = Uploaded(path, key, size, digests.sha256, True, head.get("ChecksumSHA256"))
            return _Done(there, state)
        client.upload_file(
            str(path),
            store.bucket,
            key,
            ExtraArgs={"Metadata": {"sha256": digests.sha256}, "ChecksumAlgorithm": "SHA256"},
            Config=_transfer_config(threshold, chunksize),
        )
        head = _head(client, store.bucket, key)
        if head is None or not _matches(client, store.bucket, key, head, size, digests):
            client.delete_object(Bucket=store.bucket, Key=key)
            raise StoreError(
                f"{path.name}: the object s3://{store.bucket}/{key} differs from the file "
                "after the upload (deleted)"
            )
    except _boto_errors(OSError) as exc:
        raise StoreError(
            f"{path.name}: upload to s3://{store.bucket}/{key} failed: "
            f"{describe(exc, store.bucket, endpoint_of(client))}"
        ) from exc
    sent = Uploaded(path, key, size, digests.sha256, False, head.get("ChecksumSHA256"))
    return _Done(sent, state)


def record_of(warc_dir: Path) -> UploadRecord | None:
    """The upload record of the archive whose ``warc/`` is *warc_dir* (None for a
    directory that is not an archive's ``warc/``)."""
    warc_dir = Path(warc_dir)
    if warc_dir.name != WARC_SUBDIR:
        return None
    return UploadRecord(ArchiveLayout(warc_dir.parent).store_record_path)


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
    removed: list[str] = field(default_factory=list)  # local copies replaced by notes
    # of ``present``: those the upload record vouched for (not hashed, not asked about)
    recorded: list[str] = field(default_factory=list)


class Uploader:
    """Uploads files handed to :meth:`submit` (from any thread) on a thread of its own;
    :meth:`close` waits for the last one. A failure is logged and counted, never
    raised: the file stays on disk, and the next crawl or ``store sync`` uploads it.

    Without ``keep_local`` each file whose object is checked is replaced by its note:
    at once, or, for a file submitted with ``later=True`` (one a crawl may still read:
    a file of an earlier run, whose responses a recovery reads back), in :meth:`close`.

    With ``use_record`` (the default) a file of an archive's ``warc/`` that its upload
    record says was found whole in this object, unchanged since, counts as there already
    without being hashed or asked about; the record is told of every file checked. A file
    to be replaced by its note is still asked about (one ``HEAD``, not hashed): a local
    copy goes only once the store has just been seen to hold it."""

    def __init__(
        self,
        store_url: str,
        endpoint: str | None = None,
        *,
        client: Any = None,
        keep_local: bool = True,
        use_record: bool = True,
        **kw: Any,
    ) -> None:
        self.store = StoreURL.parse(store_url)
        self.endpoint = endpoint or None
        # False: a file whose object is checked is replaced by its NAME.stored note
        self.keep_local = keep_local
        self.use_record = use_record
        self._records: dict[Path, UploadRecord | None] = {}  # by warc/ (uploader thread's)
        self._client = client
        self._kw = kw
        self.counts = UploadCounts()
        self._queue: queue.SimpleQueue[tuple[Path, bool] | None] = queue.SimpleQueue()
        self._later: list[Uploaded] = []  # checked, to be removed in close()
        self._thread = threading.Thread(target=self._run, name="archive-uploader", daemon=True)
        self._thread.start()

    def submit(self, path: Path, *, later: bool = False) -> None:
        """Upload *path*; *later*: remove it (without ``keep_local``) only in close()."""
        self._queue.put((Path(path), later))

    def close(self, timeout: float | None = None) -> UploadCounts:
        self._queue.put(None)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            for done in self._later:
                self._remove(done)
            self._later.clear()
            self._close_records()
        if self.counts.recorded:
            logger.info(
                "store: %s taken as there already on the upload record's word "
                "(not hashed; `news-archive store sync` checks them all)",
                counted(len(self.counts.recorded), "WARC file"),
            )
        return self.counts

    def _remove(self, done: Uploaded) -> None:
        try:
            remove_local(done, self.store, self.endpoint)
        except OSError as exc:
            logger.warning("store: %s: the local copy stays: %s", done.path.name, exc)
            return
        self.counts.removed.append(done.path.name)
        record = self._records.get(done.path.parent)
        if record is not None:
            record.forget(done.path.name, self.store.bucket, done.key, endpoint_of(self._client))

    def _record_for(self, path: Path) -> UploadRecord | None:
        if not self.use_record:
            return None
        if path.parent not in self._records:
            self._records[path.parent] = record_of(path.parent)
        return self._records[path.parent]

    def _recorded(self, path: Path, record: UploadRecord | None) -> Uploaded | None:
        """The file as the upload record vouches for it (None: to be checked in full).
        Without ``keep_local`` the object is asked for first (a ``HEAD``): a local copy
        is not removed on the record's word alone."""
        if record is None or path.name.endswith(OPEN_SUFFIX):
            return None
        key = self.store.key(path.name)
        endpoint = endpoint_of(self._client)
        seen = record.verified(path, self.store.bucket, key, endpoint)
        if seen is None:
            return None
        done = Uploaded(path, key, seen.state.size, seen.sha256, True, seen.checksum, recorded=True)
        if not self.keep_local:
            note = note_of(done, self.store, endpoint)
            if check_note(self._client, note) is not None:  # gone, or changed: in full
                record.forget(path.name, self.store.bucket, key, endpoint)
                return None
        return done

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                self._one(*item)
        finally:
            self._close_records()

    def _close_records(self) -> None:
        for record in self._records.values():
            if record is not None:
                record.close()

    def _one(self, path: Path, later: bool) -> None:
        try:
            if self._client is None:
                self._client = s3_client(self.endpoint)
            record = self._record_for(path)
            done = self._recorded(path, record) or upload(
                path, self.store, client=self._client, record=record, **self._kw
            )
        except Exception as exc:  # noqa: BLE001 - a failed upload never stops a crawl
            self.counts.failed.append(path.name)
            logger.warning("store: %s", exc if isinstance(exc, StoreError) else repr(exc))
            return
        if done.recorded:
            self.counts.recorded.append(path.name)
        (self.counts.present if done.skipped else self.counts.uploaded).append(path.name)
        if not done.skipped:
            logger.info(
                "store: uploaded %s as %s", path.name, f"s3://{self.store.bucket}/{done.key}"
            )
        if not self.keep_local:
            if later:
                self._later.append(done)
            else:
                self._remove(done)


# -- WARC files kept in the store only ---------------------------------------------------------
def _boto_errors(*more: type[Exception]) -> tuple[type[Exception], ...]:
    """What boto3 raises, and *more* (imported when a failure is being matched: boto3
    loads slowly)."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError, Boto3Error, *more)


NOTE_VERSION = 1


@dataclass(frozen=True)
class StoredNote:
    """What ``warc/NAME.warc.gz.stored`` says of a WARC file removed after its upload:
    where its object is and what its bytes were (the object is checked against these)."""

    name: str
    bucket: str
    key: str
    endpoint: str | None  # where it was uploaded to (None: AWS S3)
    size: int
    sha256: str  # hex
    checksum: str | None = None  # the server's ChecksumSHA256 after the upload, if any
    uploaded: str = ""  # UTC, ISO 8601

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def to_json(self) -> str:
        data = {"version": NOTE_VERSION, **self.__dict__}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> StoredNote:
        """The note at *path*; :class:`StoreError` for one that cannot be read."""
        try:
            data = json.loads(Path(path).read_text("utf-8"))
            sha = str(data["sha256"])
            if not is_sha256(sha):
                raise ValueError(f"its sha256 is not 64 hex digits: {sha[:80]!r}")
            return cls(
                name=str(data["name"]),
                bucket=str(data["bucket"]),
                key=str(data["key"]),
                endpoint=data.get("endpoint") or None,
                size=int(data["size"]),
                sha256=sha,
                checksum=data.get("checksum") or None,
                uploaded=str(data.get("uploaded") or ""),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{Path(path).name}: unreadable note of a stored file: {exc}") from exc


def noted_size(layout: ArchiveLayout, name: str) -> int:
    """The size of the store-only WARC file *name* as its note says (0: unreadable)."""
    try:
        return StoredNote.read(layout.stored_path(name)).size
    except StoreError:
        return 0


def note_path(path: Path) -> Path:
    """The note that stands for the WARC file *path* once it is in the store only."""
    return path.with_name(path.name + STORED_SUFFIX)


def write_note(path: Path, note: StoredNote) -> None:
    """Write *note* to *path* whole or not at all (a temporary file, fsynced, renamed)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(note.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(path.parent)


def note_of(
    done: Uploaded, store: StoreURL, endpoint: str | None, uploaded: str = ""
) -> StoredNote:
    """The note that says where the checked file of *done* is in *store*, and what its
    bytes are."""
    return StoredNote(
        name=done.path.name,
        bucket=store.bucket,
        key=done.key,
        endpoint=endpoint or None,
        size=done.size,
        sha256=done.sha256,
        checksum=done.checksum,
        uploaded=uploaded,
    )


def remove_local(done: Uploaded, store: StoreURL, endpoint: str | None) -> Path:
    """Replace the uploaded (checked) file of *done* by its note; returns the note's path.
    The note is on disk before the file goes."""
    path = done.path
    uploaded = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    write_note(note_path(path), note_of(done, store, endpoint, uploaded))
    path.unlink()
    fsync_path(path.parent)
    return note_path(path)


def endpoint_for(note: StoredNote) -> str | None:
    """Where to read a note's object: ``$ARCHIVE_S3_ENDPOINT`` when set (the server
    moved), else the endpoint it was uploaded to."""
    return os.environ.get("ARCHIVE_S3_ENDPOINT") or note.endpoint


class Clients:
    """One boto3 client per endpoint, made when first needed."""

    def __init__(self, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.max_attempts = max_attempts
        self._clients: dict[str | None, Any] = {}
        self._lock = threading.Lock()

    def get(self, endpoint: str | None) -> Any:
        with self._lock:
            if endpoint not in self._clients:
                self._clients[endpoint] = s3_client(endpoint, self.max_attempts)
            return self._clients[endpoint]

    def of(self, note: StoredNote) -> Any:
        return self.get(endpoint_for(note))


def check_note(client: Any, note: StoredNote) -> str | None:
    """``None`` when the object of *note* holds the bytes the note describes (the rule of
    :func:`object_differs`, as for a local file), else what is wrong with it (one
    phrase). Raises :class:`StoreError` when the store cannot be asked."""
    try:
        head = _head(client, note.bucket, note.key)
        return object_differs(client, note.bucket, note.key, head, Expected.of_note(note))
    except _boto_errors() as exc:
        raise _failed("read", note, client, exc) from exc


def fetch(client: Any, note: StoredNote, dest: Path) -> None:
    """Download the object of *note* to *dest*, its size and SHA-256 checked on the way;
    *dest* appears whole (renamed from a temporary file beside it) or not at all."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.fetching")
    try:
        body = client.get_object(Bucket=note.bucket, Key=note.key)["Body"]
        digest, size = hashlib.sha256(), 0
        with open(tmp, "wb") as fh:
            for chunk in iter(lambda: body.read(_READ), b""):
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        if size != note.size or digest.hexdigest() != note.sha256:
            raise StoreError(
                f"{note.name}: the object {note.url} differs from the file uploaded "
                f"({size} bytes, SHA-256 {digest.hexdigest()[:16]}…; expected {note.size} "
                f"bytes, {note.sha256[:16]}…)"
            )
        os.replace(tmp, dest)
        fsync_path(dest.parent)
    except StoreError:
        raise
    except _boto_errors(OSError, ValueError) as exc:
        raise _failed("fetch", note, client, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)


def read_range(client: Any, note: StoredNote, offset: int, length: int) -> bytes:
    """*length* bytes of the object of *note* from *offset* (one ranged GET; fewer at the
    object's end)."""
    try:
        body = client.get_object(
            Bucket=note.bucket, Key=note.key, Range=f"bytes={offset}-{offset + length - 1}"
        )["Body"]
        return bytes(body.read())
    except _boto_errors(ValueError) as exc:
        raise _failed("read", note, client, exc) from exc


class ObjectReader:
    """The bytes of a note's object as a stream (``read(n)``); a failure on the way is a
    :class:`StoreError`."""

    def __init__(self, client: Any, note: StoredNote) -> None:
        self.note = note
        self._endpoint = endpoint_of(client)
        try:
            self._body = client.get_object(Bucket=note.bucket, Key=note.key)["Body"]
        except _boto_errors() as exc:
            raise self._error(exc) from exc

    def read(self, size: int = -1) -> bytes:
        try:
            return bytes(self._body.read(size if size >= 0 else None))
        except _boto_errors(OSError, ValueError) as exc:
            raise self._error(exc) from exc

    def close(self) -> None:
        self._body.close()

    def _error(self, exc: BaseException) -> StoreError:
        note = self.note
        return StoreError(
            f"{note.name}: cannot read {note.url}: {describe(exc, note.bucket, self._endpoint)}"
        )


def open_object(client: Any, note: StoredNote) -> ObjectReader:
    """The object of *note*, to be read as a stream."""
    return ObjectReader(client, note)


@dataclass(frozen=True)
class StoreObject:
    name: str
    key: str
    size: int


def check_bucket(client: Any, store: StoreURL) -> None:
    """:class:`StoreError` (one line: no such bucket, credentials refused, endpoint
    unreachable) unless the store's bucket can be used."""
    try:
        client.head_bucket(Bucket=store.bucket)
    except _boto_errors() as exc:
        raise _store_failed(store, client, exc) from exc


def list_objects(client: Any, store: StoreURL) -> list[StoreObject]:
    """The WARC files directly under the store's prefix."""
    out: list[StoreObject] = []
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=store.bucket, Prefix=store.prefix
        )
        for page in pages:
            for obj in page.get("Contents", []):
                name = str(obj["Key"])[len(store.prefix) :]
                if "/" not in name and name.endswith(".warc.gz"):
                    out.append(StoreObject(name, str(obj["Key"]), int(obj["Size"])))
    except _boto_errors() as exc:
        raise _store_failed(store, client, exc) from exc
    return sorted(out, key=lambda o: o.name)


def note_of_object(client: Any, store: StoreURL, name: str) -> StoredNote:
    """A note for the object NAME of the store as its metadata describes it (for a file
    this archive never had a note of): its size and the SHA-256 its uploader recorded."""
    key = store.key(name)
    try:
        head = _head(client, store.bucket, key)
    except _boto_errors() as exc:
        raise _store_failed(store, client, exc) from exc
    if head is None:
        raise StoreError(f"{name}: no object s3://{store.bucket}/{key}")
    sha = head.get("Metadata", {}).get("sha256")
    if not sha:
        raise StoreError(f"{name}: s3://{store.bucket}/{key} carries no SHA-256 to check it by")
    return StoredNote(
        name,
        store.bucket,
        key,
        endpoint_of(client),
        int(head["ContentLength"]),
        str(sha),
        head.get("ChecksumSHA256"),
    )


def local_state(
    client: Any, store: StoreURL, path: Path, record: UploadRecord | None = None
) -> str:
    """How the store holds the local file *path*: ``both`` (same size and SHA-256),
    ``differs`` or ``missing``. Always hashed and asked for; *record* (not read) is told
    the outcome."""
    key = store.key(path.name)
    where = (store.bucket, key, endpoint_of(client))
    try:
        state = FileState.of(path.stat())
        digests = file_digests(path, _part_size(state.size, MULTIPART_CHUNKSIZE))
        head = _head(client, store.bucket, key)
        whole = head is not None and _matches(client, store.bucket, key, head, state.size, digests)
    except _boto_errors() as exc:
        raise _store_failed(store, client, exc) from exc
    except OSError as exc:  # the local file, unreadable
        raise StoreError(f"{path.name}: cannot read it: {exc.strerror or exc}") from exc
    if record is not None:
        if whole and head is not None:
            checksum = head.get("ChecksumSHA256")
            record.remember(path, state, *where, digests.sha256, checksum)
        else:
            record.forget(path.name, *where)
    if head is None:
        return "missing"
    return "both" if whole else "differs"


def _failed(verb: str, note: StoredNote, client: Any, exc: BaseException) -> StoreError:
    reason = describe(exc, note.bucket, endpoint_of(client))
    return StoreError(f"{note.name}: cannot {verb} {note.url}: {reason}")


def _store_failed(store: StoreURL, client: Any, exc: BaseException) -> StoreError:
    return StoreError(f"store {store}: {describe(exc, store.bucket, endpoint_of(client))}")


def endpoint_of(client: Any) -> str | None:
    url = getattr(getattr(client, "meta", None), "endpoint_url", None)
    return str(url) if url else None


_DENIED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
    "403",
}


def describe(exc: BaseException, bucket: str | None = None, endpoint: str | None = None) -> str:
    """One phrase a user can act on for a failure of boto3: a missing bucket, refused
    credentials, no credentials, an endpoint that does not answer."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    where = endpoint or "the S3 endpoint"
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return (
            "no credentials for the store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "or AWS_PROFILE (docs/storage.md)"
        )
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return f"cannot reach {where} ({exc}); check ARCHIVE_S3_ENDPOINT and the network"
    if isinstance(exc, ConnectionClosedError):
        return f"the connection to {where} was cut ({exc})"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "")
        if code == "NoSuchBucket" or (code == "404" and exc.operation_name == "HeadBucket"):
            return f"the bucket {bucket or '?'} does not exist at {where}"
        if code in _DENIED:
            return (
                f"{where} refused the credentials ({code}): check AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and the bucket's permissions"
            )
        return f"{code or 'error'}: {error.get('Message') or exc}"
    return str(exc) or type(exc).__name__


__all__ = [
    "Clients",
    "Expected",
    "ObjectReader",
    "StoreError",
    "StoreObject",
    "StoredNote",
    "StoreURL",
    "UploadCounts",
    "Uploaded",
    "Uploader",
    "check_bucket",
    "check_note",
    "closed_warc_files",
    "describe",
    "endpoint_for",
    "fetch",
    "list_objects",
    "local_state",
    "note_of",
    "note_of_object",
    "object_differs",
    "note_path",
    "noted_size",
    "open_object",
    "read_range",
    "record_of",
    "remove_local",
    "write_note",
    "file_digests",
    "s3_client",
    "upload",
]
