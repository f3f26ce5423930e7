"""Running the real ``scrapy crawl`` in a subprocess, as a user does."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass
class CrawlRun:
    returncode: int
    stdout: str
    stderr: str
    items: list[dict[str, Any]] = field(default_factory=list)


def crawl_command(
    archive_dir: Path, base_url: str, *extra: str, spider: str = "ansarpress"
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        spider,
        "-a",
        f"base_url={base_url}",
        "-s",
        f"ARCHIVE_DIR={archive_dir}",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "ARCHIVE_EXTRACT_WORKERS=2",
        *extra,
    ]


def crawl_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ARCHIVE_DIR", None)
    env["ARCHIVE_PROGRESS"] = "off"
    env["PYTHONPATH"] = str(REPO)
    return env


def run_crawl(
    archive_dir: Path,
    base_url: str,
    *extra: str,
    items_path: Path | None = None,
    timeout: float = 180,
    env: dict[str, str] | None = None,
) -> CrawlRun:
    args = list(extra)
    if items_path is not None:
        args += ["-O", str(items_path)]
    proc = subprocess.run(
        crawl_command(archive_dir, base_url, *args),
        cwd=REPO,
        env={**crawl_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    items: list[dict[str, Any]] = []
    if items_path is not None and items_path.exists():
        with open(items_path, encoding="utf-8") as fh:
            items = [json.loads(line) for line in fh if line.strip()]
    return CrawlRun(proc.returncode, proc.stdout, proc.stderr, items)


def free_port() -> int:
    """A port nothing listens on (bound for a moment, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alive(pid: int) -> bool:
    """True while *pid* exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(check: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False
