"""Ctrl-C from a terminal: the signal goes to the whole foreground process group, the
extraction workers and their forkserver included, not to the crawl process alone.

Each crawl runs in a session of its own on a pseudo-terminal (its output is a tty, as in
a terminal) and is interrupted as a terminal does it, SIGINT to the process group, at
one moment of the crawl: as it starts, while articles are being extracted, and a second
time while it closes. Every time it must exit with status 3 within seconds, print no
traceback, leave no process of its group behind and an archive that ``verify`` finds
complete (nothing ``.open``, every record's digests right, the index agreeing).
"""

from __future__ import annotations

import os
import pty
import random
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli_support import cli
from tests.crawling import REPO, crawl_command, crawl_env, wait_until
from tests.fixture_site import FixtureArticle, FixtureServer, NewsSite
from tests.warcs import check_record_digests, read_warc

pytestmark = pytest.mark.slow

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STOP_BOUND = 30.0  # seconds from the signal to the exit: generous, on a shared machine
ARTICLES = 120


@pytest.fixture(scope="module")
def long_site() -> Iterator[FixtureServer]:
    """Articles of 2,000 short paragraphs (0.1 s or so to extract each), downloaded much
    faster than both workers extract them: pages are in the workers whenever the crawl
    is stopped, and more wait for them, which the graceful stop extracts first."""
    rng = random.Random(19)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(5000)]

    articles = [
        FixtureArticle(
            id=25000 + n,
            title=f"Report number {n}",
            author="A. Writer",
            published="2024-03-01T08:00:00+00:00",
            category="world",
            tags=["report"],
            paragraphs=[" ".join(rng.choices(vocabulary, k=8)) + "." for _ in range(2000)],
        )
        for n in range(ARTICLES)
    ]
    with FixtureServer(NewsSite(articles, per_page=20)) as server:
        yield server


class TerminalCrawl:
    """``scrapy crawl`` in a new session whose output is a pseudo-terminal."""

    def __init__(self, root: Path, base_url: str) -> None:
        master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            crawl_command(root, base_url),
            cwd=REPO,
            env={**crawl_env(), "PYTHONFAULTHANDLER": "1"},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,  # its own process group, as a terminal's job
        )
        os.close(slave)
        self._master = master
        self._output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: every process holding the terminal has gone
                break
            if not data:
                break
            self._output.extend(data)

    @property
    def output(self) -> str:
        """What the terminal showed, colours and cursor moves left out."""
        return ANSI.sub("", bytes(self._output).decode("utf-8", "replace"))

    def ctrl_c(self) -> float:
        """SIGINT to the whole process group, as a terminal sends it; when."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return time.monotonic()

    def wait_for(self, check: Callable[[], bool], seconds: float = 60) -> None:
        assert wait_until(lambda: check() or self.proc.poll() is not None, seconds)
        assert self.proc.poll() is None, f"the crawl ended first:\n{self.output[-3000:]}"

    def exit_status(self, since: float) -> int:
        """The exit status, once the whole group is gone; fails the test past the bound
        (after killing what is left)."""
        try:
            code = self.proc.wait(timeout=max(1.0, since + STOP_BOUND - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGABRT)  # every process: where it hangs
            time.sleep(3)
            self.kill()
            pytest.fail(f"still running {STOP_BOUND:g} s after Ctrl-C:\n{self.output[-3000:]}")
        group_gone = wait_until(lambda: not _group_alive(self.proc.pid), 10)
        self._reader.join(10)
        assert group_gone, "a worker or the forkserver outlived the crawl"
        return code

    def kill(self) -> None:
        if _group_alive(self.proc.pid):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        self._reader.join(5)
        os.close(self._master)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # zombies still count for kill(); /proc tells them apart
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


@pytest.fixture
def terminal_crawl(tmp_path: Path, long_site: FixtureServer) -> Iterator[TerminalCrawl]:
    long_site.clear_log()
    crawl = TerminalCrawl(tmp_path / "archive", long_site.base_url)
    try:
        yield crawl
    finally:
        crawl.close()


def articles_requested(server: FixtureServer) -> int:
    return sum(1 for path in server.paths() if path.startswith("/english/25"))


def assert_archive_whole(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing left open, every record's digests right, ``verify`` clean (every index row
    reads back its record, the CDXJ agrees)."""
    warc = root / "warc"
    assert not list(warc.glob("*.open")) if warc.exists() else True
    for path in sorted(warc.glob("*.warc.gz")) if warc.exists() else []:
        subprocess.run(["gzip", "-t", str(path)], check=True)
        for rec in read_warc(path):
            check_record_digests(rec)
    result = cli(capsys, "--archive-dir", root, "verify")
    assert result.code == 0, result.out + result.err


def run_row(root: Path) -> tuple[str, int]:
    import sqlite3

    db = sqlite3.connect(f"file:{root / 'index.sqlite3'}?mode=ro", uri=True)
    try:
        (row,) = db.execute("SELECT finish_reason, exit_status FROM runs").fetchall()
    finally:
        db.close()
    return row[0], row[1]


def test_ctrl_c_as_the_crawl_starts(
    tmp_path: Path, terminal_crawl: TerminalCrawl, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first line on the terminal means the command has started; the crawl is not
    running yet (the spider opens, the forkserver imports trafilatura)."""
    terminal_crawl.wait_for(lambda: bool(terminal_crawl.output.strip()))
    code = terminal_crawl.exit_status(terminal_crawl.ctrl_c())
    assert code == 3, terminal_crawl.output[-3000:]
    assert "Traceback" not in terminal_crawl.output
    assert_archive_whole(tmp_path / "archive", capsys)
    assert run_row(tmp_path / "archive") == ("shutdown", 3)


def test_ctrl_c_while_articles_are_extracted(
    tmp_path: Path,
    terminal_crawl: TerminalCrawl,
    long_site: FixtureServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before, the workers raised KeyboardInterrupt inside trafilatura, it came back
    into the crawl's event loop, and the crawl never exited (the archive writer was
    never stopped): only SIGKILL ended it, the WARC left ``.open``."""
    terminal_crawl.wait_for(lambda: articles_requested(long_site) >= 20)
    code = terminal_crawl.exit_status(terminal_crawl.ctrl_c())
    output = terminal_crawl.output
    assert code == 3, output[-3000:]
    assert "Traceback" not in output
    assert "a worker died" not in output and "restarting the extraction" not in output
    root = tmp_path / "archive"
    assert_archive_whole(root, capsys)
    assert run_row(root) == ("shutdown", 3)
    # articles were archived, not all of them: it stopped in the middle
    import sqlite3

    db = sqlite3.connect(f"file:{root / 'index.sqlite3'}?mode=ro", uri=True)
    try:
        (articles,) = db.execute("SELECT COUNT(*) FROM articles").fetchone()
    finally:
        db.close()
    assert 0 < articles < ARTICLES


def test_second_ctrl_c_stops_at_once(
    tmp_path: Path,
    terminal_crawl: TerminalCrawl,
    long_site: FixtureServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The second Ctrl-C comes while the first one's stop is closing the crawl: it stops
    at once, and what it leaves is an archive ``verify --repair`` makes whole (before,
    a second Ctrl-C was ignored like the first)."""
    terminal_crawl.wait_for(lambda: articles_requested(long_site) >= 20)
    terminal_crawl.ctrl_c()
    terminal_crawl.wait_for(lambda: "Closing spider (shutdown)" in terminal_crawl.output, 30)
    code = terminal_crawl.exit_status(terminal_crawl.ctrl_c())
    output = terminal_crawl.output
    assert code == 3, output[-3000:]
    assert "Traceback" not in output
    root = tmp_path / "archive"
    repaired = cli(capsys, "--archive-dir", root, "verify", "--repair")
    assert repaired.code == 0, repaired.out + repaired.err
    assert_archive_whole(root, capsys)
