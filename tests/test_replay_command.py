"""``news-archive replay`` as a process: it starts pywb, prints both URLs, serves the
application and the replay on two origins bound to 127.0.0.1, refuses traversal and
foreign Host headers over real sockets, and stops pywb on Ctrl-C, SIGTERM, or its own
death (no orphan)."""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from archive.web import serve
from tests.cli_support import cli, exchange, utc, write_archive
from tests.crawling import alive, wait_until
from tests.replay_support import Replay, needs_pywb, port_open, raw_get, start_replay

PAGE_URL = "http://news.example/world/1"
CSS_URL = "http://news.example/site.css"
PAGE = (
    b'<!DOCTYPE html><html><head><link rel="stylesheet" href="/site.css"></head>'
    b"<body><article><h1>Dam talks</h1><p>The irrigation canals ran dry.</p></article>"
    b"</body></html>"
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("replay-cmd") / "archive"
    page = exchange(
        PAGE_URL,
        gzip.compress(PAGE),
        date=utc(2021, 8, 2, 9, 30),
        headers=((b"Content-Encoding", b"gzip"),),
    )
    css = exchange(
        CSS_URL, b"body { color: #123456; }", date=utc(2021, 8, 2, 9, 31), content_type="text/css"
    )
    # a day later the page came too slowly and was cut after its first bytes
    cut = dataclasses.replace(
        exchange(PAGE_URL, PAGE[:30], date=utc(2021, 8, 3, 10)), truncated="time"
    )
    # a week later the stylesheet was the same: a revisit of the first capture
    css_again = dataclasses.replace(
        exchange(
            CSS_URL, b"body { color: #123456; }", date=utc(2021, 8, 9), content_type="text/css"
        ),
        dedupe=True,
    )
    fields = {"title": "Dam talks", "text": "The irrigation canals ran dry.", "tags": ["Water"]}
    return write_archive(root, [(page, fields), (css, None), (cut, None), (css_again, None)])


@pytest.fixture(scope="module")
def replay(archive: Path) -> Iterator[Replay]:
    running = start_replay(archive)
    yield running
    running.stop()


@pytest.mark.slow
@needs_pywb
def test_prints_both_urls_on_two_origins(replay: Replay) -> None:
    assert replay.lines[0] == f"replay: the archive on http://127.0.0.1:{replay.port}/"
    assert replay.lines[1] == (
        f"replay: archived pages (pywb) on http://127.0.0.1:{replay.replay_port}/archive/"
    )
    assert replay.port != replay.replay_port
    status, headers, body = raw_get(replay.port, "/search?q=irrigation")
    assert status == 200 and b"<mark>irrigation</mark>" in body
    assert f"frame-src http://127.0.0.1:{replay.replay_port};" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.slow
@needs_pywb
def test_listens_on_loopback_only(replay: Replay) -> None:
    for port in (replay.port, replay.replay_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= {"127.0.0.1"}, addresses


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on *port* (Linux /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # LISTEN
                if len(address) == 8:
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(address)
    return found


@pytest.mark.slow
@needs_pywb
def test_pywb_replays_from_the_archive_with_a_csp(replay: Replay) -> None:
    status, headers, body = raw_get(replay.replay_port, f"/archive/20210802093000id_/{PAGE_URL}")
    assert status == 200
    assert gzip.decompress(body) == PAGE if body[:2] == b"\x1f\x8b" else body == PAGE
    status, headers, body = raw_get(replay.replay_port, f"/archive/20210802093000mp_/{PAGE_URL}")
    assert status == 200
    csp = headers["content-security-policy"]
    assert "default-src 'unsafe-eval' 'unsafe-inline' 'self' data: blob:;" in csp
    assert "ws:" not in csp
    assert f"frame-ancestors 'self' http://127.0.0.1:{replay.port} " in csp
    # links are rewritten to stay inside the archive
    page = body.decode("utf-8")
    assert re.search(r'href="/archive/20210802093000cs_/http://news\.example/site\.css"', page)
    status, _, css = raw_get(replay.replay_port, f"/archive/20210802093000cs_/{CSS_URL}")
    assert status == 200 and b"#123456" in css
    # nothing live: a URL the archive does not hold is a 404, not a fetch
    status, _, _ = raw_get(replay.replay_port, "/archive/2021id_/http://news.example/other")
    assert status == 404


def _replayed(replay: Replay, timestamp: str) -> bytes:
    """The payload pywb replays for PAGE_URL at *timestamp*, after its redirect to the
    capture it chose."""
    target = f"/archive/{timestamp}id_/{PAGE_URL}"
    for _ in range(3):
        status, headers, body = raw_get(replay.replay_port, target)
        if status not in (301, 302, 307):
            assert status == 200, (status, target)
            return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
        target = urlsplit(headers["location"])._replace(scheme="", netloc="").geturl()
    raise AssertionError(f"redirected too often: {target}")


@pytest.mark.slow
@needs_pywb
def test_a_cut_capture_is_not_replayed_over_a_whole_one(replay: Replay) -> None:
    """The page's latest capture holds its first 30 bytes (WARC-Truncated: time): pywb
    replays the whole capture, asked for the latest or for the cut one's own time, and
    the history marks the cut capture instead of offering it."""
    assert _replayed(replay, "20210803100000") == PAGE
    assert _replayed(replay, "2022") == PAGE
    status, _, body = raw_get(replay.port, f"/history?url={quote(PAGE_URL, safe='')}")
    assert status == 200
    captures = re.findall(r'<li class="capture[^"]*">(.*?)</li>', body.decode(), re.S)
    assert len(captures) == 2
    assert 'class="replay"' in captures[0] and "cut (" not in captures[0]
    assert 'class="replay"' not in captures[1]
    assert "cut (time)" in captures[1] and "not replayed" in captures[1]
    status, _, _ = raw_get(replay.port, f"/view?url={quote(PAGE_URL, safe='')}&ts=20210803")
    assert status == 404  # no capture pywb would replay at that time


@pytest.mark.slow
@needs_pywb
def test_pywb_replays_a_revisit_with_the_payload_it_refers_to(replay: Replay) -> None:
    status, headers, body = raw_get(replay.replay_port, f"/archive/20210809000000id_/{CSS_URL}")
    assert status == 200 and body == b"body { color: #123456; }"
    assert headers.get("memento-datetime", "").endswith("09 Aug 2021 00:00:00 GMT")
    status, _, page = raw_get(replay.port, f"/history?url={quote(CSS_URL, safe='')}")
    assert status == 200
    assert re.findall(r'class="type">(\w+)<', page.decode()) == ["response", "revisit"]


TRAVERSALS = (
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..%5c..%5cetc%5cpasswd",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/etc/passwd",
)


@pytest.mark.slow
@needs_pywb
def test_path_traversal_over_the_wire_is_404(replay: Replay) -> None:
    for route in ("", "/search", "/article/1", "/history", "/view", "/static", "/static/app.css"):
        for suffix in TRAVERSALS:
            status, headers, body = raw_get(replay.port, route + suffix)
            assert status == 404, route + suffix
            assert b"root:" not in body
            assert "content-security-policy" in headers
    for route in ("/static", "/static/_/archive", "/archive", "/archive/2021id_", "/_", ""):
        for suffix in TRAVERSALS:
            target = route + suffix
            status, headers, body = raw_get(replay.replay_port, target)
            if status in (301, 302, 307, 308):  # pywb merges slashes, then 404s
                location = headers["location"]
                assert location.startswith(("/", replay.pywb + "/")), target
                status, _, body = raw_get(replay.replay_port, urlsplit(location).path)
            assert status == 404, ("pywb", target)
            assert b"root:" not in body


@pytest.mark.slow
@needs_pywb
def test_foreign_hosts_and_malformed_requests_over_the_wire(replay: Replay) -> None:
    for host in ("evil.example", "evil.example:80", "", "[", "a b", "127.0.0.1.nip.io"):
        status, headers, _ = raw_get(replay.port, "/", host=host)
        assert status == 400, host
    for target in ("/search?q=%ff%fe", "/search?q=%22", "/search?since=2021-99-01", "/view?ts=x"):
        status, _, body = raw_get(replay.port, target)
        assert status == 400, target
        assert b"Traceback" not in body
    assert raw_get(replay.port, "/article/" + "9" * 40)[0] == 404
    assert raw_get(replay.port, "http://evil.example/etc/passwd", host="evil.example")[0] == 400


@pytest.mark.slow
@needs_pywb
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_both_servers(archive: Path, sig: signal.Signals) -> None:
    running = start_replay(archive)
    wayback = running.wayback_pid()
    workdir = Path(os.readlink(f"/proc/{wayback}/cwd"))
    assert (workdir / "config.yaml").is_file()
    assert port_open(running.port) and port_open(running.replay_port)
    assert running.stop(sig) == 0
    assert running.proc.stderr is not None and running.proc.stderr.read() == ""
    assert wait_until(lambda: not alive(wayback), 5), "pywb outlived the command"
    assert not port_open(running.port) and not port_open(running.replay_port)
    assert not workdir.exists()


@pytest.mark.slow
@needs_pywb
def test_pywb_dies_with_a_killed_command(archive: Path) -> None:
    running = start_replay(archive)
    wayback = running.wayback_pid()
    running.stop(signal.SIGKILL)
    assert wait_until(lambda: not alive(wayback), 10), "pywb orphaned"


@pytest.mark.slow
@needs_pywb
def test_pywb_dying_stops_the_command(archive: Path) -> None:
    running = start_replay(archive)
    os.kill(running.wayback_pid(), signal.SIGKILL)
    assert running.proc.wait(10) == 1
    assert running.proc.stderr is not None
    err = running.proc.stderr.read().strip()
    assert err.startswith("error: pywb's wayback exited unexpectedly") and "\n" not in err
    assert not port_open(running.port)


# -- failures: one line, exit 1 -----------------------------------------------------------
def test_without_pywb(
    archive: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "pywb_program", lambda name: None)
    result = cli(capsys, "--archive-dir", archive, "replay", "--port", "0")
    assert result.code == 1
    line = result.error_line()
    assert "pywb is not installed" in line and "make setup" in line


@pytest.mark.slow
@needs_pywb
def test_a_busy_port(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli(capsys, "--archive-dir", archive, "replay", "--port", str(port))
        assert result.code == 1
        assert f"cannot listen on 127.0.0.1 port {port}" in result.error_line()
        result = cli(
            capsys, "--archive-dir", archive, "replay", "--port", "0", "--replay-port", str(port)
        )
        assert result.code == 1
        assert "pywb's wayback" in result.error_line()


def test_no_index_and_bad_ports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "warc").mkdir()
    result = cli(capsys, "--archive-dir", tmp_path, "replay", "--port", "0")
    assert result.code == 1 and "no index" in result.error_line()
    for bad in ("65536", "-1", "http"):
        result = cli(capsys, "--archive-dir", tmp_path, "replay", "--port", bad)
        assert result.code == 2 and "port" in result.error_line()
