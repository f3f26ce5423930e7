"""Command summaries count in words a reader expects: "1 problem", "2 problems"."""

from __future__ import annotations

from archive.extract.reextract import ReextractReport
from archive.integrity.reindex import ReindexReport
from archive.integrity.verify import VerifyReport


def test_verify_summary_counts_one_and_many() -> None:
    one = VerifyReport(files=1, records=1, bytes=1, index_rows=1, skipped_open=["a"])
    one.problems.append(object())  # type: ignore[arg-type]
    assert one.summary() == (
        "1 WARC file, 1 record, 1 byte, 1 index row checked: 1 problem, "
        "1 open file skipped (a crawl is writing them)"
    )
    many = VerifyReport(files=2, records=3, bytes=4, index_rows=5)
    assert many.summary() == "2 WARC files, 3 records, 4 bytes, 5 index rows checked: 0 problems"


def test_reindex_summary_counts_one_and_many() -> None:
    one = ReindexReport(files=1, records=1, captures=1, articles=1, runs=1, carried_over=["notes"])
    assert one.summary() == (
        "rebuilt the index from 1 WARC file, 1 record: 1 capture, 1 article, 1 run; "
        "kept table notes from the old index"
    )
    many = ReindexReport(files=2, records=0, carried_over=["notes", "tags"])
    assert "2 WARC files, 0 records: 0 captures, 0 articles, 0 runs" in many.summary()
    assert "kept tables notes, tags from the old index" in many.summary()


def test_reextract_summary_counts_one_and_many() -> None:
    one = ReextractReport(extractor="x/1", selected=1, written=1, up_to_date=1)
    assert one.summary().startswith("1 new article version by x/1 from 1 archived page;")
    assert "; 0 extraction failures; 1 page already extracted by it" in one.summary()
    many = ReextractReport(extractor="x/1", selected=2, written=2)
    assert many.summary().startswith("2 new article versions by x/1 from 2 archived pages;")
