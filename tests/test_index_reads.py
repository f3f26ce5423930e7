"""What an incremental crawl reads from the index before it starts: the archived
articles (with or without their texts' hashes) and the URLs that answered 404 or 410."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from archive.index.sqlite import ArchiveIndex
from archive.warc.exchange import PreviousCapture
from tests.cli_support import exchange, utc, write_archive

SITE = "http://news.example"


def test_known_articles_read_texts_only_when_asked(tmp_path: Path) -> None:
    text = "The canal will reopen in May, the water board said."
    root = write_archive(
        tmp_path / "a",
        [(exchange(f"{SITE}/english/1", b"<p>x</p>", date=utc(2026, 1, 2)), {"text": text})],
    )
    index = ArchiveIndex(root / "index.sqlite3", readonly=True)
    try:
        (hashed,) = index.known_articles()
        (bare,) = index.known_articles(refresh=False)
    finally:
        index.close()
    assert hashed.text_sha1 == hashlib.sha1(text.encode()).hexdigest()
    assert bare.text_sha1 == ""
    assert (bare.url, bare.warc_date, bare.record_id) == (
        hashed.url,
        hashed.warc_date,
        hashed.record_id,
    )
    assert bare.url == f"{SITE}/english/1" and bare.warc_date.startswith("2026-01-02")


def test_gone_pages_are_those_whose_latest_answer_is_404_or_410(tmp_path: Path) -> None:
    answers = {
        "/english/1": [404, 200],  # came back: not gone
        "/english/2": [200, 404],  # removed
        "/english/3": [410],
        "/english/4": [200],
        "/english/5": [500],  # a server error says nothing about the page
    }
    pages = [
        (exchange(SITE + path, b"...", date=utc(2026, 1, day + 1), status=status), None)
        for path, statuses in answers.items()
        for day, status in enumerate(statuses)
    ]
    root = write_archive(tmp_path / "a", pages)
    index = ArchiveIndex(root / "index.sqlite3", readonly=True)
    try:
        gone = dict(index.gone_pages())
    finally:
        index.close()
    assert sorted(gone) == [f"{SITE}/english/2", f"{SITE}/english/3"]
    assert gone[f"{SITE}/english/2"].startswith("2026-01-02")


def test_known_articles_were_last_seen_at_their_latest_capture(tmp_path: Path) -> None:
    """A refresh that found the page unchanged (a revisit) or changed around the same
    text (a new response, no new version) still looked at the article: the next run
    counts its age from there, and a refresh compares with the latest whole response."""
    url = f"{SITE}/english/1"
    page = b"<p>The canal will reopen.</p>"
    recorder_pages = [
        (exchange(url, page, date=utc(2026, 1, 1)), {"text": "The canal will reopen."}),
    ]
    root = write_archive(tmp_path / "a", recorder_pages)
    index = ArchiveIndex(root / "index.sqlite3", readonly=True)
    try:
        (first,) = index.known_articles()
    finally:
        index.close()
    previous = PreviousCapture(first.record_id, url, first.warc_date, first.payload_digest or "")
    later = [
        # day 10: unchanged, a revisit; day 20: new bytes (a sidebar), the same text, so
        # no new version; day 25: a server error, which does not count as seen
        (dataclasses.replace(exchange(url, page, date=utc(2026, 1, 10)), previous=previous), None),
        (exchange(url, page + b"<aside>Most read</aside>", date=utc(2026, 1, 20)), None),
        (exchange(url, b"oops", date=utc(2026, 1, 25), status=500), None),
    ]
    write_archive(root, later)
    index = ArchiveIndex(root / "index.sqlite3", readonly=True)
    try:
        (known,) = index.known_articles()
        day20 = index.db.execute(
            "SELECT record_id, payload_digest FROM captures WHERE timestamp LIKE '20260120%'"
        ).fetchone()
    finally:
        index.close()
    assert known.seen.startswith("2026-01-20")
    assert known.warc_date.startswith("2026-01-20")  # the payload a refresh compares with
    assert (known.record_id, known.payload_digest) == tuple(day20)
    assert known.text_sha1 == hashlib.sha1(b"The canal will reopen.").hexdigest()
