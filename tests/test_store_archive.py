"""An archive whose WARC files live in object storage (issue 23, item 2): ``wacz`` to the
store, local copies removed (``ARCHIVE_STORE_KEEP_LOCAL=false``) and every command still
right, ``verify`` catching an object that differs, ``store status | sync | fetch``, and
one-line failures. Against moto's S3 server on 127.0.0.1 (the fixtures of
tests/test_store_s3.py)."""

# ruff: noqa: F811 - the fixtures endpoint and bucket, imported, are parameters

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import io
import json
import logging
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.layout import ArchiveLayout
from archive.store.s3 import StoredNote, Uploader, s3_client
from tests.cli_support import Result, cli, exchange, utc, write_archive
from tests.crawling import free_port, run_crawl
from tests.test_store_s3 import (  # noqa: F401 - the fixtures
    CuttingProxy,
    bucket,
    endpoint,
    sha256,
    stored,
)

OLD_URL = "http://news.example/english/1"
NEW_URL = "http://news.example/english/2"
OLD_HTML = (
    "<html><head><title>Dam talks</title></head><body><article><h1>Dam talks</h1>"
    "<p>The irrigation canals ran dry \u2014 \u201cagain\u201d.</p></article></body></html>"
)
NEW_HTML = (
    "<html><body><article><h1>Wheat prices</h1><p>Bread costs more.</p></article></body></html>"
)
OLD_TEXT = "The irrigation canals ran dry \u2014 \u201cagain\u201d."


def make_archive(root: Path) -> Path:
    """Two WARC files (two sessions of the recorder), one article in each; the first's
    body gzip-encoded as sites send it."""
    first = exchange(
        OLD_URL,
        gzip.compress(OLD_HTML.encode()),
        date=utc(2024, 5, 1, 9),
        headers=((b"Content-Encoding", b"gzip"),),
    )
    write_archive(root, [(first, {"title": "Dam talks", "text": OLD_TEXT, "tags": ["Water"]})])
    second = exchange(NEW_URL, NEW_HTML.encode(), date=utc(2024, 5, 2, 9))
    write_archive(root, [(second, {"title": "Wheat prices", "text": "Bread costs more."})])
    return root


def index_rows(root: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        return {
            "captures": db.execute(
                "SELECT record_id, url, warc_filename, warc_offset, warc_length, payload_digest "
                "FROM captures ORDER BY record_id"
            ).fetchall(),
            "articles": db.execute(
                "SELECT conversion_record_id, url, title, text, conversion_filename, "
                "conversion_offset FROM articles ORDER BY conversion_record_id"
            ).fetchall(),
        }
    finally:
        db.close()


def move_to_store(root: Path, store: str, endpoint: str) -> dict[str, bytes]:
    """Upload every closed WARC file and remove it (the crawl's uploader, keep_local
    off); returns the bytes each had."""
    layout = ArchiveLayout(root)
    files = {p.name: p.read_bytes() for p in layout.warc_files(include_open=False)}
    uploader = Uploader(store, endpoint, keep_local=False)
    for path in layout.warc_files(include_open=False):
        uploader.submit(path)
    counts = uploader.close(timeout=60)
    assert sorted(counts.removed) == sorted(files) and not counts.failed
    assert layout.warc_files() == []
    assert layout.stored_names() == sorted(files)
    return files


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> Result:
    return cli(capsys, "--archive-dir", root, *args)


@pytest.fixture(autouse=True)
def _quiet_server() -> Iterator[None]:
    """moto's server logs each request (werkzeug): not into the commands' stderr."""
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path / "archive")


def test_the_uploader_removes_earlier_files_only_when_it_closes(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    """A crawl's own files leave warc/ once checked; an earlier run's (which a recovery
    may read during the crawl) at the crawl's end."""
    warc = tmp_path / "warc"
    warc.mkdir()
    old, new = warc / "old-1.warc.gz", warc / "new-2.warc.gz"
    old.write_bytes(b"old" * 1000)
    new.write_bytes(b"new" * 1000)
    uploader = Uploader(f"s3://{bucket}/u", endpoint, keep_local=False)
    uploader.submit(old, later=True)
    uploader.submit(new)
    for _ in range(300):
        if not new.exists():
            break
        threading.Event().wait(0.05)
    assert not new.exists() and (warc / "new-2.warc.gz.stored").exists()
    assert old.exists() and not (warc / "old-1.warc.gz.stored").exists()
    counts = uploader.close(timeout=60)
    assert not old.exists() and StoredNote.read(warc / "old-1.warc.gz.stored").size == 3000
    assert sorted(counts.removed) == ["new-2.warc.gz", "old-1.warc.gz"]


# -- wacz to the store -----------------------------------------------------------------------
def test_wacz_to_the_store_is_uploaded_and_checked_by_sha256(
    capsys: pytest.CaptureFixture[str], archive: Path, endpoint: str, bucket: str
) -> None:
    local = archive.parent / "local.wacz"
    assert run(capsys, archive, "wacz", str(local)).code == 0
    url = f"s3://{bucket}/packages/2024/news.wacz"
    result = run(capsys, archive, "wacz", url, "--endpoint", endpoint)
    assert result.code == 0, result.err
    body, meta = stored(endpoint, bucket, "packages/2024/news.wacz") or (b"", {})
    assert sha256(body) == meta["sha256"]
    assert f"wrote {url}" in result.err and meta["sha256"] in result.err
    with zipfile.ZipFile(io.BytesIO(body)) as package, zipfile.ZipFile(local) as expected:
        warcs = sorted(n for n in package.namelist() if n.startswith("archive/"))
        assert warcs == sorted(n for n in expected.namelist() if n.startswith("archive/"))
        assert len(warcs) == 2
        for name in warcs:
            assert package.read(name) == expected.read(name)
    assert not list(archive.parent.glob("*.tmp")) and not list(archive.glob(".*.tmp"))


def test_wacz_to_the_store_fails_in_one_line_and_leaves_no_object(
    capsys: pytest.CaptureFixture[str], archive: Path, endpoint: str, bucket: str
) -> None:
    result = run(capsys, archive, "wacz", "s3://no-such-bucket/news.wacz", "--endpoint", endpoint)
    assert result.code == 1
    assert "the bucket no-such-bucket does not exist" in result.error_line()
    assert run(capsys, archive, "wacz", f"s3://{bucket}/news.zip").code == 2
    # the connection cut in the middle of the upload
    host, port = endpoint.removeprefix("http://").split(":")
    size = sum(p.stat().st_size for p in ArchiveLayout(archive).warc_files())
    proxy = CuttingProxy((host, int(port)), budget=None)
    try:
        via = f"http://127.0.0.1:{proxy.port}"
        s3_client(via).head_bucket(Bucket=bucket)  # the bucket check goes through
        proxy.budget = proxy.sent + size // 2
        result = run(capsys, archive, "wacz", f"s3://{bucket}/cut.wacz", "--endpoint", via)
    finally:
        proxy.close()
    assert result.code == 1
    line = result.error_line()
    assert "the package was not stored" in line and "cut.wacz" in line
    assert stored(endpoint, bucket, "cut.wacz") is None


# -- local copies removed: every command still right -----------------------------------------
def test_commands_read_through_when_the_local_copies_are_removed(
    capsys: pytest.CaptureFixture[str], archive: Path, endpoint: str, bucket: str
) -> None:
    before = index_rows(archive)
    export_before = run(capsys, archive, "export").out
    raw_before = run(capsys, archive, "show", OLD_URL, "--raw").out
    assert raw_before == OLD_HTML
    files = move_to_store(archive, f"s3://{bucket}/warcs", endpoint)
    for name, data in files.items():
        body, meta = stored(endpoint, bucket, f"warcs/{name}") or (b"", {})
        assert body == data and meta["sha256"] == sha256(data)
        note = json.loads((archive / "warc" / f"{name}.stored").read_text())
        assert note["sha256"] == sha256(data) and note["size"] == len(data)
        assert note["key"] == f"warcs/{name}" and note["endpoint"] == endpoint

    # show: the index; --raw: the record by a ranged GET, decoded as before
    shown = run(capsys, archive, "show", OLD_URL)
    assert shown.code == 0 and OLD_TEXT in shown.out and "Dam talks" in shown.out
    raw = run(capsys, archive, "show", OLD_URL, "--raw")
    assert raw.code == 0 and raw.out == raw_before
    assert run(capsys, archive, "show", NEW_URL, "--raw").out == NEW_HTML
    # stats: the index, and the notes' sizes
    stats = json.loads(run(capsys, archive, "stats", "--json").out)
    assert (stats["captures"], stats["articles"], stats["warc_files"]) == (2, 2, 0)
    assert stats["stored_warc_files"] == 2
    assert stats["stored_warc_bytes"] == sum(len(d) for d in files.values())
    # export: the index alone
    export = run(capsys, archive, "export")
    assert export.code == 0 and export.out == export_before
    assert json.loads(export.out.splitlines()[0])["text"] == OLD_TEXT
    # verify: the objects checked by their SHA-256
    verify = run(capsys, archive, "verify")
    assert verify.code == 0, verify.out + verify.err
    assert "(2 of the WARC files in the store only: checked by SHA-256, not read)" in verify.err
    fetched = run(capsys, archive, "verify", "--fetch")
    assert fetched.code == 0, fetched.out + fetched.err
    assert "store only: fetched and read)" in fetched.err and ", 8 records" in fetched.err
    # a repair (as at a crawl's start) keeps the rows of store-only files
    assert run(capsys, archive, "verify", "--repair").code == 0
    assert index_rows(archive) == before
    # reindex: the WARC files fetched, the same rows rebuilt
    (archive / "index.sqlite3").unlink()
    (archive / "index.cdxj").unlink()
    reindex = run(capsys, archive, "reindex")
    assert reindex.code == 0, reindex.err
    assert "2 of the files fetched from the store" in reindex.err
    assert index_rows(archive) == before
    assert run(capsys, archive, "show", OLD_URL, "--raw").out == raw_before
    # wacz: the WARC files streamed from the store into the package, byte for byte
    out = archive.parent / "from-store.wacz"
    assert run(capsys, archive, "wacz", str(out)).code == 0
    with zipfile.ZipFile(out) as package:
        for name, data in files.items():
            assert package.read(f"archive/{name}") == data
    # nothing fetched was left behind
    assert sorted(p.name for p in (archive / "warc").iterdir()) == sorted(
        f"{n}.stored" for n in files
    )


def test_verify_catches_an_object_that_differs_or_is_gone(
    capsys: pytest.CaptureFixture[str], archive: Path, endpoint: str, bucket: str
) -> None:
    files = move_to_store(archive, f"s3://{bucket}/w", endpoint)
    first, second = sorted(files)
    client = s3_client(endpoint)
    # the same size and the same SHA-256 in its metadata, one byte flipped
    changed = bytearray(files[first])
    changed[100] ^= 1
    client.put_object(
        Bucket=bucket,
        Key=f"w/{first}",
        Body=bytes(changed),
        Metadata={"sha256": sha256(files[first])},
    )
    result = run(capsys, archive, "verify")
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{first}.stored:-: -: in the store only, and its object s3://{bucket}/w/{first} "
        "differs: its bytes have another SHA-256: the file is lost"
    ]
    # the same, with the server's checksum of the new bytes: HEAD alone tells
    client.put_object(
        Bucket=bucket,
        Key=f"w/{first}",
        Body=bytes(changed),
        Metadata={"sha256": sha256(files[first])},
        ChecksumAlgorithm="SHA256",
    )
    result = run(capsys, archive, "verify")
    assert result.code == 1 and "differs: the server's SHA-256 is another" in result.out
    fetched = run(capsys, archive, "verify", "--fetch")
    assert (
        fetched.code == 1 and f"{first}: the object s3://{bucket}/w/{first} differs" in fetched.out
    )
    # a package is not made of it
    out = archive.parent / "changed.wacz"
    wacz = run(capsys, archive, "wacz", str(out))
    assert (
        wacz.code == 1
        and f"{first}: the object s3://{bucket}/w/{first} differs" in wacz.error_line()
    )
    assert not out.exists() and not list(archive.parent.glob(".*.tmp"))
    # the object gone
    client.delete_object(Bucket=bucket, Key=f"w/{second}")
    result = run(capsys, archive, "verify")
    assert result.code == 1
    gone = f"{second}.stored:-: -: in the store only, and its object s3://{bucket}/w/{second}"
    assert f"{gone} is missing" in result.out
    # show --raw names the file it cannot read
    raw = run(capsys, archive, "show", NEW_URL, "--raw")
    assert raw.code == 1
    assert raw.error_line().startswith(f"error: {second}: cannot read s3://{bucket}/w/{second}")


def test_pywb_is_given_the_captures_of_local_files_only(
    archive: Path, endpoint: str, bucket: str, tmp_path: Path
) -> None:
    from archive.web.wayback import write_collection

    layout = ArchiveLayout(archive)
    first = layout.warc_files()[0]
    uploader = Uploader(f"s3://{bucket}/p", endpoint, keep_local=False)
    uploader.submit(first)
    assert uploader.close(timeout=60).removed == [first.name]
    workdir = tmp_path / "pywb"
    workdir.mkdir()
    db = sqlite3.connect(archive / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        assert write_collection(layout, db, workdir) == 1
    finally:
        db.close()
    lines = (workdir / "index.cdxj").read_text().splitlines()
    assert len(lines) == 1 and "english/2" in lines[0] and first.name not in lines[0]


def test_an_unreachable_store_is_one_line_naming_the_file(
    capsys: pytest.CaptureFixture[str],
    archive: Path,
    endpoint: str,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = move_to_store(archive, f"s3://{bucket}/x", endpoint)
    before = index_rows(archive)
    closed = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("ARCHIVE_S3_ENDPOINT", closed)  # the server moved: the notes' is not used
    first = sorted(files)[0]
    raw = run(capsys, archive, "show", OLD_URL, "--raw")
    assert raw.code == 1
    assert raw.error_line().startswith(f"error: {first}: cannot read s3://{bucket}/x/{first}")
    assert f"cannot reach {closed}" in raw.error_line()
    reindex = run(capsys, archive, "reindex")
    assert reindex.code == 1 and f"{first}: cannot fetch" in reindex.error_line()
    assert index_rows(archive) == before  # the old index kept
    assert not list(archive.glob("index.sqlite3.tmp*"))
    verify = run(capsys, archive, "verify")
    assert verify.code == 1 and "in the store only, and not checked" in verify.out
    assert len(verify.out.splitlines()) == 2  # one line per file
    # the search and the articles need no WARC file
    assert run(capsys, archive, "export").code == 0
    assert OLD_TEXT in run(capsys, archive, "show", OLD_URL).out


def test_the_replay_app_reads_a_screenshot_from_the_store(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    from archive.recorder import ArchiveRecorder
    from archive.web.app import WebConfig, create_app
    from archive.web.data import SCREENSHOT_PREFIX

    root = make_archive(tmp_path / "archive")
    png = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(b"pixels").digest() * 50
    recorder = ArchiveRecorder(ArchiveLayout(root), prefix="test", fsync=False)
    recorder.start()
    try:
        recorder.record_resource(SCREENSHOT_PREFIX + OLD_URL, "image/png", png).result()
    finally:
        recorder.close()
    move_to_store(root, f"s3://{bucket}/app", endpoint)
    db = sqlite3.connect(root / "index.sqlite3")
    (article_id,) = db.execute("SELECT id FROM articles WHERE url = ?", (OLD_URL,)).fetchone()
    db.close()
    app = create_app(WebConfig(ArchiveLayout(root), "127.0.0.1", 1, metrics_port=0))
    client = app.test_client()
    host = {"Host": "127.0.0.1:5000"}
    page = client.get(f"/article/{article_id}", headers=host)
    assert page.status_code == 200 and "again" in page.get_data(as_text=True)
    shot = client.get(f"/article/{article_id}/screenshot.png", headers=host)
    assert shot.status_code == 200 and shot.data == png


# -- store status | sync | fetch -------------------------------------------------------------
def states(result: Result) -> dict[str, str]:
    return {line.split()[1]: line.split()[0] for line in result.out.splitlines()}


def test_store_status_sync_and_fetch(
    capsys: pytest.CaptureFixture[str], archive: Path, endpoint: str, bucket: str
) -> None:
    store = ["--store", f"s3://{bucket}/s", "--endpoint", endpoint]
    names = [p.name for p in ArchiveLayout(archive).warc_files()]
    data = {n: (archive / "warc" / n).read_bytes() for n in names}
    status = run(capsys, archive, "store", "status", *store)
    assert status.code == 0 and states(status) == dict.fromkeys(names, "local-only")
    sync = run(capsys, archive, "store", "sync", *store)
    assert sync.code == 0 and "2 WARC files uploaded, 0 there already" in sync.err
    for name in names:
        body, meta = stored(endpoint, bucket, f"s/{name}") or (b"", {})
        assert body == data[name] and meta["sha256"] == sha256(data[name])
    assert states(run(capsys, archive, "store", "status", *store)) == dict.fromkeys(names, "both")
    # an object changed behind the archive's back: differs (exit 1); sync puts it right
    s3_client(endpoint).put_object(Bucket=bucket, Key=f"s/{names[0]}", Body=b"not a WARC file")
    s3_client(endpoint).put_object(Bucket=bucket, Key="s/other-1.warc.gz", Body=b"x")
    status = run(capsys, archive, "store", "status", *store)
    assert status.code == 1
    assert states(status) == {names[0]: "differs", names[1]: "both", "other-1.warc.gz": "unknown"}
    sync = run(capsys, archive, "store", "sync", "--remove-local", *store)
    assert sync.code == 0 and "1 WARC file uploaded, 1 there already, 2 removed locally" in sync.err
    assert ArchiveLayout(archive).warc_files() == []
    # the store and endpoint now come from the notes
    status = run(capsys, archive, "store", "status")
    assert states(status) == {**dict.fromkeys(names, "store-only"), "other-1.warc.gz": "unknown"}
    fetch = run(capsys, archive, "store", "fetch", names[1])
    assert fetch.code == 0, fetch.err
    assert (archive / "warc" / names[1]).read_bytes() == data[names[1]]
    assert not (archive / "warc" / f"{names[1]}.stored").exists()
    assert states(run(capsys, archive, "store", "status"))[names[1]] == "both"
    fetch = run(capsys, archive, "store", "fetch")  # the rest
    assert fetch.code == 0 and "1 WARC file fetched" in fetch.err
    assert {p.name: p.read_bytes() for p in ArchiveLayout(archive).warc_files()} == data
    assert sorted(p.name for p in (archive / "warc").iterdir()) == sorted(names)
    assert run(capsys, archive, "verify").code == 0


def test_a_cut_connection_during_fetch_leaves_no_partial_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, endpoint: str, bucket: str
) -> None:
    root = tmp_path / "big"
    # a WARC file of some size: one capture of a large body that does not compress
    body = hashlib.shake_256(b"seed").digest(3_000_000)
    ex = exchange(
        "http://news.example/big.bin",
        body,
        date=utc(2024, 5, 3),
        content_type="application/octet-stream",
    )
    write_archive(root, [(ex, None)])
    files = move_to_store(root, f"s3://{bucket}/big", endpoint)
    (name,) = files
    host, port = endpoint.removeprefix("http://").split(":")
    proxy = CuttingProxy((host, int(port)), budget=None)
    try:
        via = f"http://127.0.0.1:{proxy.port}"
        # the proxy counts what goes upstream: cut the download by cutting what comes back
        proxy_down = _cut_downstream(proxy, after=len(files[name]) // 2)
        result = run(capsys, root, "store", "fetch", name, "--endpoint", via)
        assert result.code == 1
        assert f"{name}: cannot fetch" in result.error_line()
        assert proxy_down.cut
        assert sorted(p.name for p in (root / "warc").iterdir()) == [f"{name}.stored"]
        proxy_down.heal()
        result = run(capsys, root, "store", "fetch", "--endpoint", via)
        assert result.code == 0, result.err
    finally:
        proxy.close()
    assert (root / "warc" / name).read_bytes() == files[name]
    assert sorted(p.name for p in (root / "warc").iterdir()) == [name]


class _Downstream:
    def __init__(self, after: int) -> None:
        self.after = after
        self.received = 0
        self.cut = False
        self.healed = False

    def heal(self) -> None:
        self.healed = True


def _cut_downstream(proxy: CuttingProxy, after: int) -> _Downstream:
    """Make *proxy* cut each connection once *after* bytes in all came back from the
    server (until healed)."""
    state = _Downstream(after)
    original = proxy._pipe

    def pipe(src: Any, dst: Any, counted: bool) -> None:
        if counted:
            return original(src, dst, counted)
        try:
            while data := src.recv(65536):
                if not state.healed:
                    state.received += len(data)
                    if state.received > state.after:
                        state.cut = True
                        break
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(2)
            sock.close()

    proxy._pipe = pipe  # type: ignore[method-assign]
    return state


# -- one-line failures -----------------------------------------------------------------------
class _Refusing(http.server.BaseHTTPRequestHandler):
    """An S3 endpoint that refuses every request's credentials."""

    def _refuse(self) -> None:
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code>'
            b"<Message>The AWS Access Key Id you provided does not exist.</Message></Error>"
        )
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_HEAD = do_POST = _refuse

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_store_failures_are_one_line(
    capsys: pytest.CaptureFixture[str],
    archive: Path,
    endpoint: str,
    refusing: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = run(
        capsys, archive, "store", "status", "--store", "s3://nope/x", "--endpoint", endpoint
    )
    assert missing.code == 1
    assert "the bucket nope does not exist" in missing.error_line()
    refused = run(capsys, archive, "store", "sync", "--store", "s3://b/x", "--endpoint", refusing)
    assert refused.code == 1
    assert f"{refusing} refused the credentials" in refused.error_line()
    closed = f"http://127.0.0.1:{free_port()}"
    unreachable = run(
        capsys, archive, "store", "status", "--store", "s3://b/x", "--endpoint", closed
    )
    assert unreachable.code == 1
    assert f"cannot reach {closed}" in unreachable.error_line()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(archive / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(archive / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    none = run(capsys, archive, "store", "status", "--store", "s3://b/x", "--endpoint", endpoint)
    assert none.code == 1 and "no credentials for the store" in none.error_line()
    assert run(capsys, archive, "store", "status").code == 2  # which store?
    assert run(capsys, archive, "store", "sync", "a.warc.gz").code == 2


# -- a crawl that keeps no local copy --------------------------------------------------------
@pytest.mark.slow
def test_a_crawl_without_local_copies_stays_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, endpoint: str, bucket: str, site_server: Any
) -> None:
    archive = tmp_path / "archive"
    crawl = run_crawl(
        archive,
        site_server.base_url,
        "-s",
        f"ARCHIVE_STORE=s3://{bucket}/crawl",
        "-s",
        f"ARCHIVE_S3_ENDPOINT={endpoint}",
        "-s",
        "ARCHIVE_STORE_KEEP_LOCAL=false",
        "-s",
        "ARCHIVE_WARC_MAX_SIZE=20000",
    )
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    layout = ArchiveLayout(archive)
    names = layout.stored_names()
    assert len(names) > 2 and layout.warc_files() == []
    assert f"{len(names)} removed locally (in the store only)" in crawl.stderr
    for name in names:
        note = StoredNote.read(layout.stored_path(name))
        body, meta = stored(endpoint, bucket, f"crawl/{name}") or (b"", {})
        assert sha256(body) == note.sha256 == meta["sha256"] and len(body) == note.size
    rows = index_rows(archive)
    article = next(
        a
        for a in site_server.site.articles
        if a.title.isalnum() or a.title.replace(" ", "").isalnum()
    )
    url = site_server.base_url + article.path
    shown = run(capsys, archive, "show", url)
    assert shown.code == 0 and article.paragraphs[0] in shown.out
    raw = run(capsys, archive, "show", url, "--raw")
    assert raw.code == 0 and article.title in raw.out
    export = [json.loads(line) for line in run(capsys, archive, "export").out.splitlines()]
    assert {a["url"] for a in export} >= {url}
    assert run(capsys, archive, "verify").code == 0
    (archive / "index.sqlite3").unlink()
    assert run(capsys, archive, "reindex").code == 0
    assert index_rows(archive) == rows
    # the next crawl (its repair, its site memory) keeps every row of the stored files
    again = run_crawl(
        archive,
        site_server.base_url,
        "-s",
        f"ARCHIVE_STORE=s3://{bucket}/crawl",
        "-s",
        f"ARCHIVE_S3_ENDPOINT={endpoint}",
        "-s",
        "ARCHIVE_STORE_KEEP_LOCAL=false",
    )
    assert again.returncode == 0, again.stderr[-3000:]
    after = index_rows(archive)
    assert set(rows["captures"]) <= set(after["captures"])
    assert set(rows["articles"]) <= set(after["articles"])
    assert run(capsys, archive, "verify").code == 0
    # a re-crawl from the archive (ARCHIVE_REPLAY) reads every page from the store
    replay = run_crawl(
        archive, site_server.base_url, "-s", "ARCHIVE_REPLAY=1", items_path=tmp_path / "r.jsonl"
    )
    assert replay.returncode == 0, replay.stderr[-3000:]
    assert "archive_replay/missing" not in replay.stderr
    assert {item["url"] for item in replay.items} >= {url}
