"""A corrected article fetched again (its sitemap <lastmod> says it changed) is counted as
updated, not new: in the crawl's summary, its run report, ``runs`` and ``stats``."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.warc.reader import read_record
from tests.cli_support import cli_process
from tests.crawling import run_crawl
from tests.fixture_site import FixtureArticle, FixtureServer, NewsSite, default_articles

pytestmark = pytest.mark.slow


def added_article() -> FixtureArticle:
    return dataclasses.replace(
        default_articles()[0],
        id=23801,
        title="Canal Repairs Begin in the North",
        published="2021-09-11T09:00:00+00:00",
        paragraphs=[
            "Engineers began work on the northern canal on Tuesday morning, officials said.",
            "The repairs are expected to take three weeks to finish.",
        ],
    )


def test_a_correction_is_updated_not_new(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    with FixtureServer(NewsSite(default_articles(), session_ids=False)) as server:
        first = run_crawl(root, server.base_url)
        assert first.returncode == 0, first.stderr[-2000:]
        line = re.search(r"crawl finished \(finished\): .*", first.stderr)
        assert line is not None and " fetched, 12 articles archived, 0 extraction " in line[0]
        site = server.site
        original = site.article(23602)
        site.replace_article(
            dataclasses.replace(
                original,
                paragraphs=[*original.paragraphs, "Correction: the dam is 40 metres high."],
                modified=datetime.now(UTC).isoformat(),
            )
        )
        site.add_article(added_article())
        second = run_crawl(root, server.base_url)
    assert second.returncode == 0, second.stderr[-2000:]
    summary = re.search(r"crawl finished \(finished\): .*", second.stderr)
    assert summary is not None, second.stderr[-2000:]
    assert " fetched, 1 article archived, 1 article updated, 0 extraction failures, " in (
        summary.group(0)
    )
    assert "'archive/articles_updated': 1" in second.stderr

    db = sqlite3.connect(root / "index.sqlite3")
    try:
        versions = db.execute(
            "SELECT count(*) FROM articles WHERE url LIKE '%/english/23602'"
        ).fetchone()[0]
        runs = db.execute(
            "SELECT new_articles, warc_filename, warc_offset FROM runs ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    assert versions == 2
    assert [new for new, _, _ in runs] == [12, 1]
    _, filename, offset = runs[1]
    report = json.loads(read_record(root / "warc" / filename, offset).block)
    assert (report["new_articles"], report["updated_articles"]) == (1, 1)

    stats = cli_process("--archive-dir", root, "stats", "--json")
    assert stats.code == 0, stats.err
    last = json.loads(stats.out)["last_run"]
    assert (last["new_articles"], last["updated_articles"]) == (1, 1)
    text = cli_process("--archive-dir", root, "stats")
    assert "  new_articles: 1\n  updated_articles: 1\n" in text.out
