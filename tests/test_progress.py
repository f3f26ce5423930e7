from __future__ import annotations

import pytest

from crawler.run.outcome import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    crawl_exit_status,
    error_count,
)
from crawler.run.progress import progress_line
from tests.crawling import run_crawl
from tests.fixture_site import FixtureServer


def test_progress_line_and_error_count() -> None:
    stats = {
        "archive/responses": 40,
        "archive/articles": 10,
        "archive/extraction_failed": 1,
        "log_count/ERROR": 1,
        "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 5,
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 2,
    }
    assert error_count(stats) == 3
    line = progress_line(stats, 10.0)
    assert "pages 40" in line and "articles 10" in line and "4.0 pages/s" in line
    assert "errors 3" in line


def test_exit_status() -> None:
    ok = {"finish_reason": "finished", "downloader/response_count": 3}
    assert crawl_exit_status(ok) == EXIT_OK
    assert crawl_exit_status({**ok, "finish_reason": "max_articles"}) == EXIT_OK
    assert crawl_exit_status({**ok, "finish_reason": "shutdown"}) == EXIT_INTERRUPTED
    assert crawl_exit_status({**ok, "archive/write_failed": "disk full"}) == EXIT_FAILED
    assert crawl_exit_status({"finish_reason": "finished"}) == EXIT_FAILED
    assert crawl_exit_status({**ok, "finish_reason": "memusage_exceeded"}) == EXIT_FAILED


@pytest.mark.slow
def test_live_progress_when_asked(tmp_path, site_server: FixtureServer) -> None:  # type: ignore[no-untyped-def]
    run = run_crawl(
        tmp_path / "a", site_server.base_url, "-s", "ARCHIVE_PROGRESS=on", "-a", "max_articles=2"
    )
    assert run.returncode == 0
    assert "pages/s" in run.stderr  # the live line, drawn by rich
    quiet = run_crawl(tmp_path / "b", site_server.base_url, "-a", "max_articles=2")
    assert "pages/s" not in quiet.stderr  # not a terminal: logs only
