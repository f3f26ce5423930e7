"""Helpers for the ``news-archive`` command-line tests: archives to work on, and the
command run in-process (``main(argv)``) or as a user runs it (a subprocess)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archive.cli.parser import main
from archive.layout import ArchiveLayout
from archive.recorder import ArchiveRecorder, Stored
from archive.warc.exchange import HttpExchange
from tests.crawling import REPO, crawl_env, run_crawl
from tests.fixture_site import FixtureServer, NewsSite, default_articles


@dataclass(frozen=True)
class Crawled:
    """An archive written by two real crawls of the fixture site, the second refreshing
    every article (unchanged: revisit records) and the listings (new captures). Never
    modify ``root``: copy it (:func:`copy_archive`) first."""

    root: Path
    base_url: str
    site: NewsSite

    def url(self, path: str) -> str:
        return self.base_url + path


def crawled_archive(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """The archive of :class:`Crawled` (the ``crawled`` fixture makes it once a session)."""
    tmp = tmp_path_factory.mktemp("cli-crawl")
    site = NewsSite(default_articles(), session_ids=False)
    with FixtureServer(site) as server:
        first = run_crawl(tmp / "archive", server.base_url)
        assert first.returncode == 0, first.stderr[-3000:]
        time.sleep(1.1)  # a later second: other 14-digit timestamps, articles "old"
        second = run_crawl(tmp / "archive", server.base_url, "-s", "ARCHIVE_REFRESH_AFTER=1")
        assert second.returncode == 0, second.stderr[-3000:]
        return Crawled(tmp / "archive", server.base_url, site)


def copy_archive(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of an archive but SQLite's WAL companions, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def error_line(self) -> str:
        """The one ``error: ...`` line a failure prints, and nothing else on stderr."""
        assert "Traceback" not in self.err
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), self.err
        return lines[0]


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Result:
    """Run ``news-archive ARGS`` in this process."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return Result(code, out, err)


def cli_process(*args: str | Path, stdin: Any = None) -> Result:
    """Run ``python -m archive ARGS`` as a user does."""
    proc = subprocess.run(
        [sys.executable, "-m", "archive", *[str(a) for a in args]],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        stdin=stdin,
        timeout=60,
    )
    return Result(
        proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")
    )


def exchange(
    url: str,
    body: bytes,
    *,
    date: datetime,
    status: int = 200,
    content_type: str = "text/html; charset=utf-8",
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> HttpExchange:
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[(b"User-Agent", b"test")],
        request_body=b"",
        status=status,
        reason="OK" if status == 200 else "Other",
        response_headers=[(b"Content-Type", content_type.encode()), *headers],
        body=body,
        date=date,
        ip_address="127.0.0.1",
    )


def article_document(url: str, stored: Stored, **fields: Any) -> dict[str, Any]:
    """An article document as the crawler's pipeline hands it to the recorder."""
    document: dict[str, Any] = {
        "url": url,
        "canonical_url": url,
        "title": None,
        "author": None,
        "published": None,
        "language": "en",
        "sitename": None,
        "description": None,
        "tags": [],
        "categories": [],
        "text": "",
        "fetched_at": stored.warc_date,
        "warc_filename": stored.filename,
        "warc_record_id": stored.record_id,
        "warc_offset": stored.offset,
        "extractor": "test",
    }
    document.update(fields)
    return document


def write_archive(root: Path, pages: list[tuple[HttpExchange, dict[str, Any] | None]]) -> Path:
    """An archive written with the recorder, as the crawl writes it: each exchange and,
    given its fields, the article extracted from it."""
    recorder = ArchiveRecorder(ArchiveLayout(root), prefix="test", fsync=False)
    recorder.start()
    try:
        for ex, fields in pages:
            stored = recorder.record_exchange(ex).result()
            if fields is not None:
                recorder.record_article(article_document(ex.url, stored, **fields)).result()
    finally:
        recorder.close()
    return root


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)
