"""When a crawl counts as failed, what its summary says first, and the checks made
before it starts (spider argument names, Scrapy's start-up report)."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

import crawler.settings as project_settings
from archive.warc.exchange import HttpExchange
from crawler.archiving.extensions import ArchiveExtension, summary_lines
from crawler.run.outcome import EXIT_FAILED, EXIT_OK, crawl_exit_status, failure_reason
from crawler.run.quietstart import StartupReportFilter, quiet_startup
from crawler.spiders.ansarpress import AnsarpressSpider
from crawler.spiders.base import SpiderArgumentError

FINE = {"finish_reason": "finished", "downloader/response_count": 1000}


def test_logged_errors_fail_a_run_only_when_they_outweigh_what_it_archived() -> None:
    one_bad_page = {**FINE, "log_count/ERROR": 1, "archive/pages_ok": 1000}
    assert crawl_exit_status(one_bad_page) == EXIT_OK
    assert failure_reason(one_bad_page) is None
    nothing = {
        **FINE,
        "log_count/ERROR": 2,
        "archive/pages_ok": 0,
        "downloader/response_status_count/500": 3,
    }
    assert crawl_exit_status(nothing) == EXIT_FAILED
    assert failure_reason(nothing) == "nothing archived (the site answered 500), 2 errors logged"
    few = {**FINE, "log_count/ERROR": 1, "archive/pages_ok": 1}
    assert failure_reason(few) == "1 error logged, only 1 page archived"
    # a caught-up hourly run: nothing new, no error
    assert crawl_exit_status({**FINE, "archive/pages_ok": 0}) == EXIT_OK


def test_the_reason_a_failed_run_gives() -> None:
    unreachable = {
        "finish_reason": "finished",
        "archive/robots_unavailable": 1,
        "archive/site": "www.example.com",
        "downloader/exception_type_count/scrapy.exceptions.CannotResolveHostError": 3,
    }
    assert failure_reason(unreachable) == (
        "site unreachable (DNS lookup failed for www.example.com)"
    )
    robots_500 = {
        **FINE,
        "archive/robots_unavailable": 1,
        "archive/site": "news.test",
        "downloader/response_status_count/503": 3,
    }
    assert (
        failure_reason(robots_500) == "robots.txt of news.test unavailable (the site answered 503)"
    )
    assert failure_reason({**FINE, "archive/write_failed": "disk full"}) == (
        "archive write failed (disk full)"
    )
    assert failure_reason({**FINE, "finish_reason": "memusage_exceeded"}) == (
        "stopped early (memusage_exceeded)"
    )
    lines = summary_lines(unreachable, Path("."), "finished")
    assert lines[0] == "crawl FAILED: site unreachable (DNS lookup failed for www.example.com)"
    assert summary_lines(FINE, Path("."), "finished")[0].startswith("crawl finished (finished)")


def test_a_write_failing_before_the_crawl_opens_is_not_dropped(tmp_path: Path) -> None:
    project = {n: getattr(project_settings, n) for n in dir(project_settings) if n.isupper()}
    project.update(ARCHIVE_DIR=str(tmp_path / "a"), ARCHIVE_EXTRACT_ENABLED=False)
    crawler = get_crawler(settings_dict=project)
    ext = crawler.get_extension(ArchiveExtension)
    try:
        exchange = HttpExchange(
            url="http://news.test/english/1",
            method="GET",
            request_headers=[],
            request_body=b"",
            status=200,
            reason="OK",
            response_headers=[],
            body=b"<html></html>",
        )
        assert ext.record_exchange(exchange).exception() is not None  # no writer yet

        crawler.engine = SimpleNamespace(running=False)  # type: ignore[assignment]

        async def open_crawl() -> None:
            ext.spider_opened()

        asyncio.run(open_crawl())
        assert crawler.stats is not None
        stats: dict[str, Any] = crawler.stats.get_stats()
        assert "writer is not running" in str(stats.get("archive/write_failed"))
        assert crawl_exit_status({**stats, **FINE}) == EXIT_FAILED
    finally:
        ext.recorder.close()
        ext.lock.release()


def test_misspelled_spider_arguments_are_refused() -> None:
    with pytest.raises(SpiderArgumentError) as info:
        AnsarpressSpider.check_arguments(baseurl="http://127.0.0.1:8000")
    assert str(info.value) == (
        "unknown spider argument -a baseurl: did you mean base_url? (known: base_url, max_articles)"
    )
    with pytest.raises(SpiderArgumentError, match="-a colour .known: base_url, max_articles"):
        AnsarpressSpider.check_arguments(colour="red")
    # what scrapyd adds to every crawl it starts
    AnsarpressSpider.check_arguments(base_url="http://127.0.0.1:8000", _job="1f2e", _version="3")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_startup_report_is_filtered_and_the_stats_dump_off_on_a_terminal() -> None:
    settings = Settings({"LOG_LEVEL": "INFO"})
    quiet_startup(settings, stream=io.StringIO())
    assert settings.getbool("STATS_DUMP")  # under cron the stats stay in the log
    quiet_startup(settings, stream=Terminal())
    assert not settings.getbool("STATS_DUMP")
    cmdline = Settings({"LOG_LEVEL": "INFO"})
    cmdline.set("STATS_DUMP", True, priority="cmdline")
    quiet_startup(cmdline, stream=Terminal())
    assert cmdline.getbool("STATS_DUMP")
    # the versions are not looked up for the "Versions:" line the filter drops
    assert settings.getlist("LOG_VERSIONS") == []
    debug = Settings({"LOG_LEVEL": "DEBUG"})
    quiet_startup(debug, stream=Terminal())
    assert "lxml" in debug.getlist("LOG_VERSIONS")  # shown: Scrapy's list

    def passes(name: str, level: int, msg: str) -> bool:
        record = logging.LogRecord(name, level, __file__, 1, msg, None, None)
        return all(f.filter(record) for f in logging.getLogger(name).filters)

    assert any(
        isinstance(f, StartupReportFilter) for f in logging.getLogger("scrapy.crawler").filters
    )
    assert not passes("scrapy.crawler", logging.INFO, "Overridden settings:\n%(settings)s")
    assert passes("scrapy.crawler", logging.INFO, "Received SIGTERM, shutting down gracefully")
    assert not passes("scrapy.middleware", logging.INFO, "Enabled %(componentname)ss:\n")
    assert passes("scrapy.middleware", logging.WARNING, "Disabled something")
