"""pywb's ``wayback`` as a child process that replays the archive, and nothing else.

It runs in a private temporary directory holding a ``config.yaml`` with one collection,
``archive``, whose index is the archive's captures (a CDXJ written from
``index.sqlite3`` at start) and whose WARC files are read where they are: the archive's
``warc/`` directory, then a folder of symbolic links giving files still being written
(``NAME.warc.gz.open``) the name the index knows them by. No live collection, no proxy,
no recording: pywb only serves what the archive holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from archive.index.cdxj import dump_cdxj
from archive.layout import OPEN_SUFFIX, ArchiveLayout

COLLECTION = "archive"
STOP_SECONDS = 10.0
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
_URL_SAFE = ":/?&=%;@+,!$'()*~[]"  # a URL in pywb's path: kept as is, but for '#', spaces...


class WaybackError(Exception):
    """pywb could not be started."""


def write_collection(layout: ArchiveLayout, db: sqlite3.Connection, workdir: Path) -> int:
    """The CDXJ index and the links to open WARC files in *workdir*; returns the number of
    captures indexed."""
    # captures in WARC files kept in object storage only are left out: pywb reads
    # warc/ (it answers "not archived" for them, or replays another capture)
    remote = set(layout.stored_names())
    with open(workdir / "index.cdxj", "w", encoding="utf-8") as fh:
        count = dump_cdxj(
            db,
            fh,
            lambda row: (
                _plain_name(str(row["warc_filename"])) and row["warc_filename"] not in remote
            ),
        )
    links = workdir / "open"
    links.mkdir(exist_ok=True)
    for path in layout.warc_files():
        if path.name.endswith(OPEN_SUFFIX):
            (links / path.name.removesuffix(OPEN_SUFFIX)).symlink_to(path.resolve())
    return count


def _plain_name(name: str) -> bool:
    """A file name pywb may look up: nothing that leaves the directory or globs."""
    return bool(name) and not any(ch in name for ch in "/\\*?[") and name not in (".", "..")


def write_config(layout: ArchiveLayout, workdir: Path, csp: str) -> Path:
    config = {
        "collections": {
            COLLECTION: {
                "index": str(workdir / "index.cdxj"),
                "archive_paths": [
                    str(layout.warc_dir.resolve()) + os.sep,
                    str(workdir / "open") + os.sep,
                ],
            }
        },
        "framed_replay": True,
        "enable_memento": True,
        "csp-header": csp,
    }
    path = workdir / "config.yaml"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    return path


def replay_url(origin: str, timestamp: str, url: str, *, frame: bool = False) -> str:
    """The replay of *url* at *timestamp* on *origin* (``http://host:port``): pywb's page
    with its banner, or (``frame``) the archived page alone, for an iframe."""
    mod = "mp_" if frame else ""
    return f"{origin}/{COLLECTION}/{timestamp}{mod}/{quote(url, safe=_URL_SAFE)}"


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: pywb gets SIGTERM if the command is killed without a chance to stop it."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Wayback:
    """A running ``wayback``; :meth:`stop` ends it (and its process group)."""

    process: subprocess.Popen[bytes]
    workdir: Path
    host: str  # where it listens
    port: int

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = (self.workdir / "wayback.log").read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to pywb's process group, SIGKILL after :data:`STOP_SECONDS`; then its
        directory is removed."""
        try:
            if self.process.poll() is None:
                self._signal(signal.SIGTERM)
                try:
                    self.process.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    self._signal(signal.SIGKILL)
                    self.process.wait(STOP_SECONDS)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)


def start_wayback(
    program: Path,
    layout: ArchiveLayout,
    db: sqlite3.Connection,
    *,
    host: str,
    port: int,
    csp: str,
    timeout: float = 60.0,
    cancelled: Callable[[], bool] = lambda: False,
) -> Wayback:
    """Start ``wayback -b HOST -p PORT`` on the archive and wait until it answers
    (:class:`KeyboardInterrupt` if *cancelled* says so meanwhile: pywb is stopped)."""
    workdir = Path(tempfile.mkdtemp(prefix="news-archive-replay-"))
    try:
        write_collection(layout, db, workdir)
        write_config(layout, workdir, csp)
        env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARIABLES}
        with open(workdir / "wayback.log", "wb") as log:
            process = subprocess.Popen(
                [str(program), "-b", host, "-p", str(port)],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the command, which stops pywb
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - no thread runs yet
            )
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    wayback = Wayback(process, workdir, host, port)
    try:
        _wait_ready(wayback, timeout, cancelled)
    except BaseException:
        wayback.stop()
        raise
    return wayback


def _wait_ready(wayback: Wayback, timeout: float, cancelled: Callable[[], bool]) -> None:
    probe = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(wayback.host, wayback.host)
    host = f"[{probe}]" if ":" in probe else probe
    url = f"http://{host}:{wayback.port}/{COLLECTION}/"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cancelled():
            raise KeyboardInterrupt
        if not wayback.running():
            tail = wayback.log_tail()
            raise WaybackError(
                f"pywb's wayback exited at start (status {wayback.process.returncode})"
                + (f": {tail.splitlines()[-1]}" if tail else "")
            )
        try:
            with opener.open(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise WaybackError(f"pywb's wayback did not answer on {url} within {timeout:.0f} s")
