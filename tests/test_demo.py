"""``make demo`` (scripts/demo.py): crawls the fixture site into an archive and ends with
the command that opens the replay app on it."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crawling import REPO, crawl_env

pytestmark = pytest.mark.slow


def test_demo_ends_with_the_replay_command(tmp_path: Path) -> None:
    archive = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "scripts/demo.py", str(archive)],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (archive / "index.sqlite3").is_file()
    lines = proc.stdout.rstrip("\n").splitlines()
    assert lines[-2] == "read it in a browser (search, articles, archived pages):"
    command = shlex.split(lines[-1])
    assert command[-3:] == ["--archive-dir", str(archive), "replay"]
    assert Path(command[0]).name == "news-archive" or command[1:3] == ["-m", "archive"]
    # the command typed from the project root works (stats instead of replay: no server)
    stats = subprocess.run(
        [*command[:-1], "stats"], cwd=REPO, env=crawl_env(), capture_output=True, text=True
    )
    assert stats.returncode == 0, stats.stderr
    assert "articles: 12" in stats.stdout
