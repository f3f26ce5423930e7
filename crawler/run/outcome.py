"""How a crawl went: the exit status cron and systemd act on, and, for a failed crawl,
why it failed in a few words (the first line of its summary, its run report).

A crawl failed (exit 1) when an archive write failed, robots.txt of the site was
unavailable (no answer, or 5xx; of every site, for a crawl of many), it fetched
nothing, Scrapy stopped it for another reason than the end of the work (a memory
limit, say), the site answered nothing
but bot challenges (crawler/spiders/base.py), or it logged errors and at
least as many errors as pages it archived (robots.txt and pages answering 4xx/5xx
aside): nothing archived but errors is a failure, one bad page among many is not.
A crawl stopped by SIGINT/SIGTERM exits 3.
"""

from __future__ import annotations

from typing import Any

from archive.plural import counted

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 3
OK_REASONS = {"finished", "max_articles"}

# stats keys the archive extension keeps (crawler/archiving/extensions.py)
SITE_STAT = "archive/site"  # host[:port] of the (first) site crawled
SITE_COUNT_STAT = "archive/site_count"  # sites in the crawl (a sites file has many)
PAGES_OK_STAT = "archive/pages_ok"  # pages archived that answered < 400, robots.txt aside

# downloader exceptions, by class name, in the words of a summary line
DOWNLOAD_FAILURES = {
    "CannotResolveHostError": "DNS lookup failed",
    "DNSLookupError": "DNS lookup failed",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectionRefusedError": "connection refused",
    "DownloadTimeoutError": "timed out",
    "TimeoutError": "timed out",
    "TCPTimedOutError": "timed out",
    "NoRouteError": "no route to host",
    "ConnectionLost": "connection lost",
    "ResponseNeverReceived": "no response",
    "ResponseDataLossError": "connection cut mid-response",
    "DownloadFailedError": "download failed",
}


def failure_reason(stats: dict[str, Any], reason: str | None = None) -> str | None:
    """Why the crawl failed (``"site unreachable (DNS lookup failed for
    www.example.com)"``), or None when it did not fail."""
    reason = reason or stats.get("finish_reason")
    if stats.get("archive/write_failed"):
        return f"archive write failed ({stats['archive/write_failed']})"
    if stats.get("archive/errors"):
        return f"{counted(int(stats['archive/errors']), 'response')} could not be archived"
    unavailable = int(stats.get("archive/robots_unavailable", 0))
    sites = int(stats.get(SITE_COUNT_STAT, 1))
    if unavailable and unavailable >= sites:  # one site of many: in the summary, not fatal
        if not stats.get("downloader/response_count"):
            return _unreachable(stats)
        if sites > 1:
            return f"robots.txt of every site unavailable{_server_errors(stats)}"
        return f"robots.txt of {_site(stats)} unavailable{_server_errors(stats)}"
    if reason == "shutdown":
        return None
    if reason not in OK_REASONS:
        return f"stopped early ({reason})"
    if not stats.get("downloader/response_count"):
        return _unreachable(stats)
    blocked = _blocked(stats)
    if blocked is not None:
        return blocked
    errors = int(stats.get("log_count/ERROR", 0))
    if errors and PAGES_OK_STAT in stats and errors >= int(stats[PAGES_OK_STAT]):
        pages = int(stats[PAGES_OK_STAT])
        if pages:
            return f"{counted(errors, 'error')} logged, only {counted(pages, 'page')} archived"
        return f"nothing archived{_server_errors(stats)}, {counted(errors, 'error')} logged"
    return None


def crawl_exit_status(stats: dict[str, Any], reason: str | None = None) -> int:
    """0 finished; 1 failed (see :func:`failure_reason`); 3 stopped by SIGINT/SIGTERM."""
    if failure_reason(stats, reason) is not None:
        return EXIT_FAILED
    if (reason or stats.get("finish_reason")) == "shutdown":
        return EXIT_INTERRUPTED
    return EXIT_OK


def _blocked(stats: dict[str, Any]) -> str | None:
    """The site blocks this crawler: every host crawled answered bot challenges and
    nothing else (crawler/spiders/base.py counts both), and no article came."""
    challenged = {
        key.removeprefix("archive/challenges/"): int(value)
        for key, value in stats.items()
        if key.startswith("archive/challenges/")
    }
    if not challenged or stats.get("archive/articles"):
        return None
    if any(stats.get(f"archive/pages_through/{host}") for host in challenged):
        return None
    hosts = ", ".join(sorted(challenged))
    return f"{hosts} blocks this crawler ({counted(sum(challenged.values()), 'bot challenge')})"


def _site(stats: dict[str, Any]) -> str:
    return str(stats.get(SITE_STAT) or "the site")


def _unreachable(stats: dict[str, Any]) -> str:
    counts: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("downloader/exception_type_count/"):
            name = key.rpartition(".")[2].rpartition("/")[2]
            counts[name] = counts.get(name, 0) + int(value)
    if not counts:
        return f"nothing fetched from {_site(stats)}"
    name = max(counts, key=lambda n: counts[n])
    return f"site unreachable ({DOWNLOAD_FAILURES.get(name, name)} for {_site(stats)})"


def _server_errors(stats: dict[str, Any]) -> str:
    codes = sorted(
        key.rpartition("/")[2]
        for key in stats
        if key.startswith("downloader/response_status_count/5")
    )
    return f" (the site answered {', '.join(codes)})" if codes else ""


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
