"""The WARC writer on its own: records, digests, files, rollover."""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.index.sqlite import ARTICLES_PER_INSERT, ArchiveIndex
from archive.layout import OPEN_SUFFIX, ArchiveLayout
from archive.recorder import ArchiveRecorder
from archive.warc.exchange import HttpExchange, agreeing_headers, exchange_records
from archive.warc.records import WarcRecord
from archive.warc.writer import WarcFileWriter
from tests.warcs import check_record_digests, read_warc


def exchange(body: bytes = b"hello", **kw: object) -> HttpExchange:
    args: dict[str, object] = dict(
        url="http://example.test/a/b?q=1&r=2",
        method="GET",
        request_headers=[(b"User-Agent", b"t"), (b"Accept", b"*/*")],
        request_body=b"",
        status=200,
        reason="OK",
        response_headers=[
            (b"Content-Type", b"text/html"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
            (b"Content-Length", b"999"),
            (b"Transfer-Encoding", b"chunked"),
        ],
        body=body,
        ip_address="127.0.0.1",
    )
    args.update(kw)
    return HttpExchange(**args)  # type: ignore[arg-type]


def test_headers_agree_with_the_stored_body() -> None:
    headers = agreeing_headers(exchange().response_headers, 5)
    assert (b"Content-Length", b"5") in headers
    assert not [k for k, _ in headers if k.lower() == b"transfer-encoding"]
    assert [v for k, v in headers if k == b"Set-Cookie"] == [b"a=1", b"b=2"]


def test_file_lifecycle_and_records(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, prefix="t", info_fields=lambda: [("software", "x")])
    response, request = exchange_records(exchange())
    locs = writer.write([response, request])
    assert writer.current_path is not None and writer.current_path.name.endswith(OPEN_SUFFIX)
    assert list(tmp_path.glob("*.warc.gz")) == []
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    assert path.name == locs[0].filename
    assert path.name.startswith("t-") and path.name.count("-") == 4
    recs = read_warc(path)
    assert [r.type for r in recs] == ["warcinfo", "response", "request"]
    assert (recs[1].offset, recs[1].length) == (locs[0].offset, locs[0].length)
    for rec in recs:
        check_record_digests(rec)
    assert recs[2].block.startswith(b"GET /a/b?q=1&r=2 HTTP/1.1\r\nHost: example.test\r\n")
    assert recs[1].http.statusline == "200 OK"
    assert recs[1].h("WARC-Truncated") is None
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)])
    assert check.returncode == 0


def test_compressed_payloads_are_stored_not_deflated_again(tmp_path: Path) -> None:
    """A gzip-encoded body (or a JPEG) goes into a level-0 gzip member: as large as the
    body itself, readable on its own from its offset, digests and bytes intact."""
    text = b"<html><body>" + b"<p>the same words over and over</p>" * 400 + b"</body></html>"
    encoded = gzip.compress(text)
    gz_headers = [(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")]
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
    webp = b"RIFF\x00\x10\x00\x00WEBPVP8 " + bytes(range(256)) * 8
    wav = b"RIFF\x00\x10\x00\x00WAVEfmt " + b"\x00\x01" * 2048  # plain PCM: deflates
    cases = [
        exchange(encoded, response_headers=gz_headers),
        exchange(jpeg, response_headers=[(b"Content-Type", b"image/jpeg")]),
        exchange(text, response_headers=[(b"Content-Type", b"text/html")]),
        exchange(webp, response_headers=[(b"Content-Type", b"image/webp")]),
        exchange(wav, response_headers=[(b"Content-Type", b"audio/wav")]),
    ]
    writer = WarcFileWriter(tmp_path)
    locations = [writer.write(list(exchange_records(ex)))[0] for ex in cases]
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    stored_gz, stored_jpeg, deflated, stored_webp, deflated_wav = (loc.length for loc in locations)
    assert len(encoded) < stored_gz < len(encoded) + 1500  # stored: body + headers
    assert len(jpeg) < stored_jpeg < len(jpeg) + 1500
    assert len(webp) < stored_webp < len(webp) + 1500
    assert deflated < len(text) // 10  # a plain page is still deflated
    assert deflated_wav < len(wav) // 10
    data = path.read_bytes()
    for loc, ex in zip(locations, cases, strict=True):
        member = data[loc.offset : loc.offset + loc.length]
        assert gzip.decompress(member).split(b"\r\n\r\n", 2)[2].startswith(ex.body)
    responses = [r for r in read_warc(path) if r.type == "response"]
    assert [r.payload for r in responses] == [encoded, jpeg, text, webp, wav]
    for record in responses:
        check_record_digests(record)


def test_rollover_starts_each_file_with_warcinfo(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, max_size=2000)
    for i in range(6):
        writer.write(list(exchange_records(exchange(body=bytes(range(256)) * 8 + bytes([i])))))
    writer.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) >= 3
    for path in files:
        recs = read_warc(path)
        assert recs[0].type == "warcinfo"
        assert recs[0].h("WARC-Filename") == path.name
        assert [r.type for r in recs[1:]] == ["response", "request"] * ((len(recs) - 1) // 2)


def test_header_values_cannot_break_the_record() -> None:
    rec = WarcRecord("resource", [("WARC-Target-URI", "http://x/\r\nWARC-Type: evil")])
    data = rec.to_bytes()
    assert b"\r\nWARC-Type: evil" not in data
    assert data.count(b"\r\nWARC-Type: ") == 1


@settings(max_examples=40, deadline=None)
@given(
    body=st.binary(max_size=3000),
    headers=st.lists(
        st.tuples(
            st.from_regex(rb"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True),
            st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
        ),
        max_size=8,
    ),
    status=st.integers(100, 599),
)
def test_round_trip(tmp_path_factory, body: bytes, headers: list, status: int) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("rt")
    writer = WarcFileWriter(tmp)
    ex = exchange(body=body, response_headers=headers, status=status, reason="Whatever")
    writer.write(list(exchange_records(ex)))
    writer.close()
    (path,) = tmp.glob("*.warc.gz")
    recs = read_warc(path)
    assert recs[1].payload == body
    assert recs[1].http.get_statuscode() == str(status)
    for rec in recs:
        check_record_digests(rec)


def test_recorder_indexes_articles_in_batches(tmp_path: Path) -> None:
    """Article rows wait for the commit and go in many to a statement: every one of
    them reaches the table and the full-text index, duplicates once."""
    count = 3 * ARTICLES_PER_INSERT + 5
    recorder = ArchiveRecorder(ArchiveLayout(tmp_path), fsync=False)
    recorder.start()
    futures = []
    for number in range(count):
        url = f"http://news.test/english/{number}"
        stored = recorder.record_exchange(exchange(url=url)).result()
        document = {
            "url": url,
            "title": f"Title {number}",
            "text": f"Paragraph word{number} of article {number}.",
            "tags": ["a", f"t{number}"],
            "categories": [],
            "fetched_at": stored.warc_date,
            "warc_filename": stored.filename,
            "warc_record_id": stored.record_id,
            "warc_offset": stored.offset,
        }
        futures.append(recorder.record_article(document))
    for future in futures:
        future.result()
    assert recorder.close().conversions == count
    index = ArchiveIndex(tmp_path / "index.sqlite3", readonly=True)
    try:
        rows = index.db.execute("SELECT url, tags FROM articles ORDER BY id").fetchall()
        assert [r["url"] for r in rows] == [f"http://news.test/english/{n}" for n in range(count)]
        assert rows[7]["tags"] == '["a", "t7"]'
        for number in (0, ARTICLES_PER_INSERT, count - 1):
            found = index.db.execute(
                "SELECT a.url FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
                "WHERE articles_fts MATCH ?",
                (f"word{number}",),
            ).fetchall()
            assert [r["url"] for r in found] == [f"http://news.test/english/{number}"]
    finally:
        index.close()


def test_recorder_counts_the_bytes_waiting_for_it(tmp_path: Path) -> None:
    """backlog_bytes is what was handed over and not yet written: it grows while the
    writer is held, falls back to 0 once it catches up, and a failed write (the writer
    stops) leaves nothing counted as waiting."""
    recorder = ArchiveRecorder(ArchiveLayout(tmp_path), fsync=False)
    recorder.start()
    held = threading.Event()
    release = threading.Event()
    real_write = recorder.writer.write

    def slow_write(records: Any) -> Any:
        held.set()
        release.wait(10)
        return real_write(records)

    recorder.writer.write = slow_write  # type: ignore[method-assign]
    bodies = [b"x" * 1000, b"y" * 3000, b"z" * 5000]
    futures = [recorder.record_exchange(exchange(body=body)) for body in bodies]
    assert held.wait(10)
    assert recorder.backlog_bytes == 9000  # the first is being written: not done yet
    assert recorder.peak_backlog_bytes == 9000
    release.set()
    for future in futures:
        future.result(10)
    assert recorder.backlog_bytes == 0

    def broken_write(records: Any) -> Any:
        raise OSError("disk gone")

    recorder.writer.write = broken_write  # type: ignore[method-assign]
    failed = [recorder.record_exchange(exchange(body=b"w" * 700)) for _ in range(2)]
    for future in failed:
        with pytest.raises((OSError, RuntimeError)):  # the first, then "failed earlier"
            future.result(10)
    assert recorder.backlog_bytes == 0
    assert recorder.peak_backlog_bytes == 9000
    recorder.close()
