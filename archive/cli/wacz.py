"""``wacz``: the whole archive as one WACZ 1.1.1 package (a ZIP file).

The package (https://specs.webrecorder.net/wacz/1.1.1/) holds:

* ``archive/NAME.warc.gz``: every closed WARC file, byte for byte, stored (not compressed
  again: a reader seeks into them);
* ``indexes/index.cdxj``: the CDXJ of the captures, the lines of ``index.cdxj``, written
  from the index (plain CDXJ, as the spec allows);
* ``pages/pages.jsonl``: a ``json-pages-1.0`` header, then one page per HTML page URL
  (articles, home and section pages; each once, however often captured): ``id``, ``url``,
  ``ts`` (its latest capture's date), and for an article ``title`` and ``text`` (its
  current version) for full-text search;
* ``datapackage.json`` (Frictionless Data Package: ``profile``, ``wacz_version``,
  ``title``, ``created``, ``software``, and every file with its ``sha256:`` hash and
  size) and ``datapackage-digest.json`` (the hash of ``datapackage.json``; with
  ``--sign KEY``, its ECDSA signature too: :mod:`archive.integrity.wacz_sign`).

Everything is streamed: WARC files are copied in chunks into the ZIP entry while their
hash is computed, the CDXJ and the pages come from the index row by row, spooled through a
temporary file (in memory up to a few MB) so their size is known before they enter the
ZIP. The package is written under a temporary name beside the output, fsynced, and
renamed over it: a reader never sees half a package.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from archive.cli.common import CommandError, UsageError, open_index, warc_bytes
from archive.cli.progressbar import progress
from archive.index.cdxj import cdxj_lines, replayed
from archive.index.readonly import on_readonly_storage
from archive.index.rows import HTML_MIMES
from archive.integrity.wacz_sign import (
    Signer,
    SignError,
    load_private_key,
    package_hash,
    sign_digest,
)
from archive.layout import OPEN_SUFFIX, ArchiveLayout, fsync_path
from archive.lock import LOCK_NAME, ArchiveLocked, busy_writers, exclusive, shared_lock
from archive.plural import counted
from archive.store.s3 import (
    ObjectReader,
    StoreError,
    StoreURL,
    check_bucket,
    s3_client,
    upload,
)
from archive.warc.stored import open_stored
from archive.warc.warcinfo import package_version

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages", "hasText": True}
CHUNK = 1 << 20
SPOOL_IN_MEMORY = 8 << 20  # a spooled entry goes to a temporary file past this size
_NAME_CHARS = re.compile(r"[^-a-z0-9._/]")  # a Data Package resource name


class WaczError(Exception):
    """The archive cannot be packaged (a message for the user)."""


@dataclass(frozen=True)
class Resource:
    """One file of the package, as ``datapackage.json`` lists it."""

    path: str
    hash: str  # "sha256:<hex>"
    bytes: int

    def to_json(self, name: str) -> dict[str, Any]:
        return {"name": name, "path": self.path, "hash": self.hash, "bytes": self.bytes}


@dataclass
class WaczReport:
    path: Path
    warc_files: int = 0
    warc_bytes: int = 0
    captures: int = 0
    pages: int = 0
    size: int = 0  # of the package
    resources: list[Resource] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"wrote {self.path} ({self.size:,} bytes): {counted(self.warc_files, 'WARC file')} "
            f"({self.warc_bytes:,} bytes), {counted(self.captures, 'capture')}, "
            f"{counted(self.pages, 'page')}"
        )


def write_wacz(
    layout: ArchiveLayout,
    db: sqlite3.Connection,
    out: Path,
    *,
    title: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
    signer: Signer | None = None,
) -> WaczReport:
    """Package the archive of *layout* (its index open as *db*) as *out*; *signer* makes
    the ``signedData`` of ``datapackage-digest.json`` from the hash of
    ``datapackage.json``. The caller keeps crawls away (holds the archive lock). Raises
    :class:`WaczError`, ``OSError``, :class:`SignError`."""
    out = Path(out)
    if layout.warc_dir.is_dir() and any(layout.warc_dir.glob("*.warc.gz" + OPEN_SUFFIX)):
        raise WaczError(
            f"{layout.warc_dir} holds .open WARC files left by an interrupted crawl: "
            "run `news-archive verify --repair` first"
        )
    warcs: list[tuple[str, Path | None]] = [
        (p.name, p) for p in layout.warc_files(include_open=False)
    ]
    warcs += [(name, None) for name in layout.stored_names()]  # in object storage only
    if not warcs:
        raise WaczError(f"no WARC files in {layout.warc_dir}: nothing to package")
    report = WaczReport(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "x", allowZip64=True) as zf:
            for name, path in sorted(warcs, key=lambda w: w[0]):
                if path is None:
                    resource = _copy_stored(zf, layout, name, on_bytes)
                else:
                    resource = _copy_file(zf, path, "archive/" + name, on_bytes)
                report.resources.append(resource)
                report.warc_files += 1
                report.warc_bytes += resource.bytes
            cdxj = _Counter(cdxj_lines(db))
            report.resources.append(_write_lines(zf, "indexes/index.cdxj", cdxj, out.parent))
            report.captures = cdxj.count
            pages = _Counter(page_lines(db))
            report.resources.append(_write_lines(zf, "pages/pages.jsonl", pages, out.parent))
            report.pages = pages.count - 1  # the header line
            package = _json_bytes(datapackage(report.resources, title or _title(layout)))
            _write_bytes(zf, "datapackage.json", package)
            digest: dict[str, Any] = {"path": "datapackage.json", "hash": package_hash(package)}
            if signer is not None:
                digest["signedData"] = signer(digest["hash"])
            _write_bytes(zf, "datapackage-digest.json", _json_bytes(digest))
        fsync_path(tmp)
        os.replace(tmp, out)
        fsync_path(out.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    report.size = out.stat().st_size
    return report


# -- the contents ----------------------------------------------------------------------------
def page_lines(db: sqlite3.Connection) -> Iterator[str]:
    """The lines of ``pages.jsonl``: the header, then one page per URL captured as an HTML
    page with status 200 (articles, the home page, section and listing pages; not
    robots.txt, sitemaps, feeds, stylesheets, scripts or images), however many times it
    was captured: its latest capture (a whole one if it has one, as the CDXJ), with the
    title and text of its article's current version when it has one. In the order of
    those captures."""
    yield json.dumps(PAGES_HEADER)
    for record_id, url, warc_date, title, text in db.execute(_PAGES_SQL, HTML_MIMES):
        page: dict[str, Any] = {"id": page_id(record_id), "url": url, "ts": warc_date}
        if title:
            page["title"] = title
        if text is not None:
            page["text"] = text
        yield json.dumps(page, ensure_ascii=False)


# the latest capture of each page URL (window function: streamed, sorted by SQLite), and
# the latest article extracted from that URL
_PAGES_SQL = f"""
    SELECT p.record_id, p.url, p.warc_date, a.title, a.text FROM (
        SELECT c.record_id, c.url, c.warc_date, c.timestamp, c.id, row_number() OVER (
            PARTITION BY c.url ORDER BY c.timestamp DESC, c.id DESC) AS latest
        FROM captures c
        WHERE c.status = 200 AND c.record_type IN ('response', 'revisit')
          AND c.mime IN ({", ".join("?" for _ in HTML_MIMES)}) AND {replayed("c")}
    ) p
    LEFT JOIN articles a ON a.id = (
        SELECT x.id FROM articles x WHERE x.url = p.url ORDER BY x.fetched_at DESC, x.id DESC
        LIMIT 1)
    WHERE p.latest = 1
    ORDER BY p.warc_date, p.id
"""


def page_id(record_id: str) -> str:
    """A page's id: the hex digits of its response's record id (``<urn:uuid:…>``)."""
    match = re.fullmatch(r"<?urn:uuid:([0-9a-fA-F-]{36})>?", record_id or "")
    if match:
        return match.group(1).replace("-", "").lower()
    return hashlib.sha1((record_id or "").encode("utf-8")).hexdigest()[:32]


def datapackage(resources: list[Resource], title: str) -> dict[str, Any]:
    names: set[str] = set()
    listed = []
    for resource in resources:
        name = resource_name(resource.path, names)
        names.add(name)
        listed.append(resource.to_json(name))
    return {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": f"news-web-archiver {package_version('news-web-archiver')}",
        "resources": listed,
    }


def resource_name(path: str, taken: Iterable[str] = ()) -> str:
    """A Data Package resource name for *path* (lower case letters, digits, ``-._/``),
    unique among *taken*."""
    base = _NAME_CHARS.sub("-", path.rsplit("/", 1)[-1].lower()) or "file"
    taken = set(taken)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


# -- writing entries ---------------------------------------------------------------------------
def _entry(name: str, compress: int, mtime: float | None = None) -> zipfile.ZipInfo:
    t = time.localtime(mtime if mtime is not None else time.time())
    moment = (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    info = zipfile.ZipInfo(name, date_time=max((1980, 1, 1, 0, 0, 0), moment))
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def _copy_file(
    zf: zipfile.ZipFile, path: Path, name: str, on_bytes: Callable[[int], None] | None
) -> Resource:
    """Copy a file into a stored (uncompressed) entry, chunk by chunk."""
    with open(path, "rb") as src:
        stat = os.fstat(src.fileno())
        info = _entry(name, zipfile.ZIP_STORED, stat.st_mtime)
        return _copy(src, zf, info, stat.st_size, on_bytes)


def _copy_stored(
    zf: zipfile.ZipFile, layout: ArchiveLayout, name: str, on_bytes: Callable[[int], None] | None
) -> Resource:
    """Stream the object of a WARC file kept in the store only into a stored entry; its
    size and SHA-256 must be those of the file uploaded."""
    try:
        note, body = open_stored(layout, name)
        try:
            resource = _copy(
                body, zf, _entry("archive/" + name, zipfile.ZIP_STORED), note.size, on_bytes
            )
        finally:
            body.close()
    except StoreError as exc:
        raise WaczError(f"{exc}; `news-archive store fetch {name}` retries") from None
    if resource.bytes != note.size or resource.hash != "sha256:" + note.sha256:
        raise WaczError(
            f"{name}: the object {note.url} differs from the file uploaded "
            f"({resource.bytes} bytes, {resource.hash[:23]}…; expected {note.size} bytes, "
            f"sha256:{note.sha256[:16]}…): not packaged (`news-archive verify`)"
        )
    return resource


def _copy(
    src: IO[bytes] | ObjectReader,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    size: int,
    on_bytes: Callable[[int], None] | None = None,
) -> Resource:
    sha = hashlib.sha256()
    total = 0
    with zf.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as dst:
        while chunk := src.read(CHUNK):
            sha.update(chunk)
            dst.write(chunk)
            total += len(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return Resource(info.filename, "sha256:" + sha.hexdigest(), total)


def _write_lines(zf: zipfile.ZipFile, name: str, lines: Iterable[str], spool_dir: Path) -> Resource:
    """Lines into a compressed entry, through a spool file (so its size is known)."""
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY, dir=str(spool_dir)) as spool:
        for line in lines:
            spool.write(line.encode("utf-8") + b"\n")
        size = spool.tell()
        spool.seek(0)
        return _copy(spool, zf, _entry(name, zipfile.ZIP_DEFLATED), size)


def _write_bytes(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zf.writestr(_entry(name, zipfile.ZIP_DEFLATED), data)


class _Counter:
    """An iterable that counts what passes through it."""

    def __init__(self, items: Iterable[str]) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for item in self.items:
            self.count += 1
            yield item


def _json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def _title(layout: ArchiveLayout) -> str:
    return f"News web archive {layout.root.resolve().name}"


def cmd_wacz(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    if str(args.output).startswith("s3://"):
        return _wacz_to_store(args, layout)
    out = Path(args.output)
    if args.output == "-" or out.suffix != ".wacz" or out.name == ".wacz":
        raise UsageError(f"the package must be a file named NAME.wacz, not {args.output!r}")
    report = _write_package(args, layout, out)
    signed = ", signed" if getattr(args, "sign", None) else ""
    print(f"wacz: {report.summary()}{signed}", file=sys.stderr)
    return 0


def _wacz_to_store(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    """``wacz s3://BUCKET/KEY.wacz``: the package written in a temporary directory, then
    uploaded and checked by its SHA-256 as the WARC files are (an object that differs is
    deleted; an upload cut off leaves no object); the temporary copy is removed."""
    parts = urlsplit(str(args.output))
    key = parts.path.lstrip("/")
    if not parts.netloc or not key.endswith(".wacz") or key.rsplit("/", 1)[-1] == ".wacz":
        raise UsageError(f"the package must be s3://BUCKET/[PREFIX/]NAME.wacz, not {args.output!r}")
    store = StoreURL(parts.netloc, "")
    endpoint = getattr(args, "endpoint", None) or os.environ.get("ARCHIVE_S3_ENDPOINT") or None
    try:
        client = s3_client(endpoint)
        check_bucket(client, store)  # before the packaging, which takes its time
    except (StoreError, ImportError) as exc:
        raise CommandError(f"wacz: {exc}") from None
    workdir = Path(tempfile.mkdtemp(prefix="news-archive-wacz-"))
    try:
        local = workdir / key.rsplit("/", 1)[-1]
        report = _write_package(args, layout, local)
        try:
            done = upload(local, store, client=client, key=key)
        except StoreError as exc:
            raise CommandError(f"wacz: the package was not stored: {exc}") from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    signed = ", signed" if getattr(args, "sign", None) else ""
    summary = report.summary().replace(str(local), f"s3://{store.bucket}/{key}", 1)
    print(f"wacz: {summary}{signed}, SHA-256 {done.sha256} checked", file=sys.stderr)
    return 0


def _write_package(args: argparse.Namespace, layout: ArchiveLayout, out: Path) -> WaczReport:
    if out.is_dir():
        raise CommandError(f"cannot write {out}: it is a directory")
    if not out.parent.is_dir():
        raise CommandError(f"cannot write {out}: no directory {out.parent}")
    signer = _signer(args)
    with _snapshot(layout) as mine:
        busy = busy_writers(layout.root, mine=mine)
        if busy:
            raise ArchiveLocked(
                f"another crawl ({', '.join(busy)}) is writing to {layout.root}; try again later"
            )
        with (
            open_index(args, layout) as db,
            progress("packaging", warc_bytes(layout, stored=True)) as advance,
        ):
            try:
                report = write_wacz(
                    layout, db, out, title=args.title, on_bytes=advance, signer=signer
                )
            except (WaczError, SignError) as exc:
                raise CommandError(str(exc)) from None
    return report


def _signer(args: argparse.Namespace) -> Signer | None:
    """What signs the package (``--sign KEY``, ``--timestamp-url URL``), or None."""
    key_path = getattr(args, "sign", None)
    timestamp_url = getattr(args, "timestamp_url", None)
    if key_path is None:
        if timestamp_url:
            raise UsageError("--timestamp-url needs --sign KEY")
        return None
    try:
        key = load_private_key(Path(key_path))
    except SignError as exc:
        raise CommandError(str(exc)) from None
    version = package_version("news-web-archiver")

    def sign(digest: str) -> dict[str, Any]:
        return sign_digest(
            key,
            digest,
            software="news-web-archiver",
            version=version,
            timestamp_url=timestamp_url,
        )

    return sign


@contextmanager
def _snapshot(layout: ArchiveLayout) -> Iterator[Path | None]:
    """Keeps crawls away while the block reads the archive; yields the lock file held
    exclusively, if any. An archive on read-only storage gets no write lock (it cannot
    be written, nor can a crawl write there): only a shared one, if it has a lock file."""
    if on_readonly_storage(layout.root / LOCK_NAME):
        with shared_lock(layout.root):
            yield None
    else:
        with exclusive(layout, alone=False) as lock:
            yield lock.path


__all__ = ["WACZ_VERSION", "WaczError", "WaczReport", "cmd_wacz", "write_wacz"]
