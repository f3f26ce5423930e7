"""Running ``python -m archive replay`` as a user does, for the replay tests: start it on
free ports, read the URLs it prints, find pywb among its children, stop it."""

from __future__ import annotations

import http.client
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from archive.web.pywbtool import pywb_program
from tests.crawling import REPO, crawl_env, free_port

needs_pywb = pytest.mark.skipif(
    pywb_program("wayback") is None and not os.environ.get("CI"),
    reason="pywb is not installed (make setup installs it; CI requires it)",
)
# headless Chromium as the browser tests launch it: nothing of its own on the network
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install chromium; CI requires it)",
)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def children_of(pid: int) -> list[int]:
    """The processes whose parent is *pid* (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def raw_get(port: int, target: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET *target* exactly as written (no normalisation of ``..`` or escapes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", f"127.0.0.1:{port}" if host is None else host)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@dataclass
class Replay:
    """A running ``python -m archive replay``."""

    proc: subprocess.Popen[str]
    port: int
    replay_port: int
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)

    @property
    def app(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pywb(self) -> str:
        return f"http://127.0.0.1:{self.replay_port}"

    def wayback_pid(self) -> int:
        children = children_of(self.proc.pid)
        assert len(children) == 1, children
        return children[0]

    def read_until(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.lines):
            try:
                line = self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} in {self.lines}") from None
            if line is None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"replay exited: {self.lines} {err}")
            self.lines.append(line)

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


def start_replay(archive: Path, *extra: str) -> Replay:
    port, replay_port = free_port(), free_port()
    while replay_port == port:
        replay_port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive",
            "--archive-dir",
            str(archive),
            "replay",
            "--port",
            str(port),
            "--replay-port",
            str(replay_port),
            *extra,
        ],
        cwd=REPO,
        env=crawl_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    replay = Replay(proc, port, replay_port)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            replay._queue.put(line.rstrip("\n"))
        replay._queue.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        replay.read_until("Ctrl-C")
    except BaseException:
        replay.stop(signal.SIGKILL)
        raise
    return replay
