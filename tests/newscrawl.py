"""Running ``scrapy crawl news`` (the generic spider) in a subprocess, and scoring what it
emitted against an anysite fixture site's ground truth (tests/anysite)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.anysite import AnySite
from tests.crawling import REPO, crawl_env
from tests.fixture_site.site import Response
from tests.warcs import read_record_at

# query parameters that only decorate a page (session, comment and menu ids)
DECORATION = {"sid", "replytocom", "itemid", "catid"}


@dataclass
class NewsRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    items: list[dict[str, Any]] = field(default_factory=list)


def news_command(archive_dir: Path, *args: str) -> list[str]:
    """``scrapy crawl news`` with the given -a/-s/-O arguments, fast settings first (a
    later ``-s`` of the same name wins)."""
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-s",
        f"ARCHIVE_DIR={archive_dir}",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "ARCHIVE_EXTRACT_WORKERS=2",
        *args,
    ]


def run_news(
    archive_dir: Path,
    *args: str,
    items_path: Path | None = None,
    timeout: float = 120,
    cwd: Path = REPO,
) -> NewsRun:
    extra = list(args)
    if items_path is not None:
        if items_path.exists():
            items_path.unlink()
        extra += ["-O", str(items_path)]
    start = time.monotonic()
    proc = subprocess.run(
        news_command(archive_dir, *extra),
        cwd=cwd,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    seconds = time.monotonic() - start
    items: list[dict[str, Any]] = []
    if items_path is not None and items_path.exists():
        with open(items_path, encoding="utf-8") as fh:
            items = [json.loads(line) for line in fh if line.strip()]
    return NewsRun(proc.returncode, proc.stdout, proc.stderr, seconds, items)


def url_key(url: str) -> str:
    """A URL with fragment, decoration parameters and query order normalised away."""
    parts = urlsplit(url.strip())
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in DECORATION and not k.lower().startswith("utm_")
    )
    path = parts.path or "/"
    return f"{parts.netloc.lower()}{path}" + (f"?{urlencode(query)}" if query else "")


def truth_index(site: AnySite, base: str) -> dict[str, str]:
    """url_key of every URL of every true article -> its canonical URL."""
    index: dict[str, str] = {}
    for canonical, truth in site.articles(base).items():
        for url in (canonical, *truth.aliases):
            index[url_key(url)] = canonical
    return index


def match_items(
    site: AnySite, base: str, items: list[dict[str, Any]]
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """(canonical URL of a true article -> the items that are it, items that are none)."""
    index = truth_index(site, base)
    matched: dict[str, list[dict[str, Any]]] = {}
    strays: list[dict[str, Any]] = []
    for item in items:
        urls = [str(item.get(k) or "") for k in ("url", "canonical_url")]
        canonical = next((index[url_key(u)] for u in urls if u and url_key(u) in index), None)
        if canonical is None:
            strays.append(item)
        else:
            matched.setdefault(canonical, []).append(item)
    return matched, strays


def article_paths(site: AnySite, base: str) -> set[str]:
    """path?query of every URL serving a true article (canonical and aliases)."""
    out = set()
    for canonical, truth in site.articles(base).items():
        for url in (canonical, *truth.aliases):
            parts = urlsplit(url)
            out.add(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    return out


def last_run_report(root: Path) -> dict[str, Any]:
    """The archive's latest run report (a metadata record the ``runs`` row points at)."""
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        name, offset = db.execute(
            "SELECT warc_filename, warc_offset FROM runs ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    report: dict[str, Any] = json.loads(read_record_at(root / "warc" / name, offset, 10**9).payload)
    return report


class TimedSite:
    """An anysite site whose render() notes the monotonic time of every request it
    answers (the FixtureServer's log has none): ``times`` is [(seconds, path)]."""

    def __init__(self, site: AnySite) -> None:
        self.site = site
        self.times: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def render(self, path: str, query: str, base_url: str) -> Response:
        with self._lock:
            self.times.append((time.monotonic(), f"{path}?{query}" if query else path))
        return self.site.render(path, query, base_url)
