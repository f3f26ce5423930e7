"""The recorder writes an exchange that asks for it (``dedupe``) as a revisit when the
archive holds a whole response of the same URL with the same payload."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from archive.warc.exchange import HttpExchange
from tests.cli_support import exchange, utc, write_archive
from tests.warcs import read_warc

SITE = "http://news.example"
CSS = b"body { color: #123456; }"


def ask(url: str, body: bytes, day: int, **changes: object) -> HttpExchange:
    ex = exchange(url, body, date=utc(2026, 4, day), content_type="text/css")
    return dataclasses.replace(ex, dedupe=True, **changes)  # type: ignore[arg-type]


def test_revisit_only_of_a_whole_response_of_the_same_url(tmp_path: Path) -> None:
    root = write_archive(
        tmp_path / "a",
        [
            (ask(f"{SITE}/site.css", CSS, 1), None),  # the original
            (ask(f"{SITE}/site.css", CSS, 2), None),  # a revisit of day 1
            (ask(f"{SITE}/site.css", CSS, 3), None),  # a revisit of day 1 too
            (ask(f"{SITE}/other.css", CSS, 4), None),  # another URL: stored
            (ask(f"{SITE}/site.css", CSS[:10], 5, truncated="disconnect"), None),
            (ask(f"{SITE}/site.css", CSS[:10], 6), None),  # not of a broken-off body
            (dataclasses.replace(ask(f"{SITE}/site.css", CSS, 7), dedupe=False), None),
            (ask(f"{SITE}/site.css", CSS + b" ", 8), None),  # changed
        ],
    )
    db = sqlite3.connect(root / "index.sqlite3")
    rows = db.execute(
        "SELECT substr(timestamp, 7, 2), record_type, record_id FROM captures ORDER BY timestamp"
    ).fetchall()
    db.close()
    kinds = {day: kind for day, kind, _ in rows}
    assert kinds == {
        "01": "response",
        "02": "revisit",
        "03": "revisit",
        "04": "response",
        "05": "response",
        "06": "response",
        "07": "response",
        "08": "response",
    }
    # both revisits refer to the response that holds the payload, not to each other
    original = next(rid for day, _, rid in rows if day == "01")
    revisits = [
        r
        for path in (root / "warc").glob("*.warc.gz")
        for r in read_warc(path)
        if r.type == "revisit"
    ]
    assert len(revisits) == 2
    assert {r.h("WARC-Refers-To") for r in revisits} == {original}
