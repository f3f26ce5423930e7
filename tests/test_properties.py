"""Property-based round trips (hypothesis): articles written to an archive come back
identical through export (jsonl, csv, txt) and through an index rebuilt from the WARC
files alone."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.cli.export import iter_articles, txt_document, write_csv, write_jsonl
from archive.index.rows import ARTICLE_FIELDS
from archive.index.sqlite import ARTICLE_COLUMNS, CAPTURE_COLUMNS
from archive.integrity.reindex import reindex_archive
from archive.layout import ArchiveLayout
from archive.recorder import ArchiveRecorder
from archive.warc.exchange import HttpExchange

line = st.text(min_size=1, max_size=80).map(lambda s: " ".join(s.split())).filter(bool)
maybe = st.none() | st.text(max_size=40)
article = st.fixed_dictionaries(
    {
        "title": st.text(max_size=60),
        "author": maybe,
        "published": st.none() | st.dates().map(lambda d: d.isoformat()),
        "language": st.none() | st.sampled_from(["en", "ur", "ar", "fr"]),
        "sitename": maybe,
        "description": maybe,
        "tags": st.lists(st.text(min_size=1, max_size=20), max_size=5),
        "categories": st.lists(st.text(min_size=1, max_size=20), max_size=3),
        "paragraphs": st.lists(line, min_size=1, max_size=6),
    }
)


def build(root: Path, articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    recorder = ArchiveRecorder(ArchiveLayout(root), fsync=False)
    recorder.start()
    documents = []
    for number, fields in enumerate(articles):
        url = f"http://news.test/english/{number + 1}"
        body = f"<html><body><p>{number}</p></body></html>".encode()
        stored = recorder.record_exchange(
            HttpExchange(url, "GET", [], b"", 200, "OK", [(b"Content-Type", b"text/html")], body)
        ).result()
        document = {k: v for k, v in fields.items() if k != "paragraphs"}
        document.update(
            url=url,
            canonical_url=url,
            text="\n".join(fields["paragraphs"]),
            fetched_at=stored.warc_date,
            warc_filename=stored.filename,
            warc_record_id=stored.record_id,
            warc_offset=stored.offset,
            extractor="test/1",
        )
        recorder.record_article(document).result()
        documents.append({name: document[name] for name in ARTICLE_FIELDS})
    recorder.close()
    return documents


def rows(root: Path, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        return sorted(db.execute(f"SELECT {', '.join(columns)} FROM {table}"), key=repr)
    finally:
        db.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(article, min_size=1, max_size=4))
def test_export_and_reindex_round_trips(articles: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "archive"
        documents = build(root, articles)
        by_url = {d["url"]: d for d in documents}

        db = sqlite3.connect(root / "index.sqlite3")
        exported = list(iter_articles(db))
        out = io.StringIO()
        write_jsonl(exported, out)
        table = io.StringIO()
        write_csv(exported, table)
        db.close()

        lines = out.getvalue().splitlines()  # the strictest reader: splits on U+2028 too
        assert len(lines) == len(documents)
        jsonl = [json.loads(text) for text in lines]
        assert sorted(jsonl, key=lambda a: a["url"]) == sorted(documents, key=lambda a: a["url"])
        for record in csv.DictReader(io.StringIO(table.getvalue())):
            original = by_url[record["url"]]
            assert json.loads(record["tags"]) == original["tags"]
            assert record["text"] == original["text"]
            assert record["title"] == original["title"]
        for document in documents:
            txt = txt_document(document)
            for paragraph in document["text"].split("\n"):
                assert paragraph in txt

        rebuilt = Path(tmp) / "rebuilt"
        shutil.copytree(root / "warc", rebuilt / "warc")
        reindex_archive(ArchiveLayout(rebuilt))
        for name, columns in (("captures", CAPTURE_COLUMNS), ("articles", ARTICLE_COLUMNS)):
            assert rows(rebuilt, name, columns) == rows(root, name, columns), name
