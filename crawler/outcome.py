"""How a crawl went, in one number: the exit status cron and systemd act on."""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 3
OK_REASONS = {"finished", "max_articles"}


def crawl_exit_status(stats: dict[str, Any], reason: str | None = None) -> int:
    """0 finished; 1 failed (archive write failed, robots.txt unavailable, nothing
    fetched, an unexpected stop); 3 stopped by SIGINT/SIGTERM."""
    reason = reason or stats.get("finish_reason")
    if stats.get("archive/write_failed") or stats.get("archive/errors"):
        return EXIT_FAILED
    if stats.get("archive/robots_unavailable"):
        return EXIT_FAILED
    if reason == "shutdown":
        return EXIT_INTERRUPTED
    if reason not in OK_REASONS:
        return EXIT_FAILED
    if not stats.get("downloader/response_count"):
        return EXIT_FAILED
    return EXIT_OK


def error_count(stats: dict[str, Any]) -> int:
    """Errors worth a look: logged errors, failed archive writes and downloads that
    failed (not requests deliberately dropped, such as robots.txt refusals)."""
    failed_downloads = sum(
        int(value)
        for key, value in stats.items()
        if key.startswith("downloader/exception_type_count/") and not key.endswith("IgnoreRequest")
    )
    return (
        int(stats.get("log_count/ERROR", 0))
        + int(stats.get("archive/errors", 0))
        + failed_downloads
    )
