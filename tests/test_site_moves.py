"""Sites that are not where the user said: a robots.txt that redirects (http to https, a
bare host to www, a new domain), and one site down among several."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.anysite import build_site
from tests.fixture_site.server import FixtureServer
from tests.newscrawl import match_items, run_news

pytestmark = pytest.mark.slow


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _redirector(target: str) -> type[BaseHTTPRequestHandler]:
    class Moved(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(301)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Moved


class Unavailable(BaseHTTPRequestHandler):
    """Every path, robots.txt included, answers 503."""

    def do_GET(self) -> None:
        body = b"down for maintenance"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site_server() -> Iterator[tuple[FixtureServer, object]]:
    site = build_site("wordpress", n_articles=8)
    with FixtureServer(site) as server:
        yield server, site


def test_a_site_whose_robots_txt_redirects_is_crawled_where_it_went(
    tmp_path: Path, site_server: tuple[FixtureServer, object]
) -> None:
    server, site = site_server
    # the real site answers at localhost:PORT; the user named another origin, which
    # redirects every path there (as http://outlet.example does to https://www.…)
    port = server.base_url.rsplit(":", 1)[1]
    target = f"http://localhost:{port}"
    redirector, named = _serve(_redirector(target))
    try:
        run = run_news(tmp_path / "a", "-a", f"url={named}/", items_path=tmp_path / "i.jsonl")
    finally:
        redirector.shutdown()
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"{named} moved to {target}" in run.stderr
    matched, strays = match_items(site, target, run.items)  # type: ignore[arg-type]
    assert len(matched) == 8 and not strays
    assert all(item["url"].startswith(target + "/") for item in run.items)


def test_one_site_down_among_several_is_a_summary_line_not_a_failure(
    tmp_path: Path, site_server: tuple[FixtureServer, object]
) -> None:
    server, site = site_server
    down, down_url = _serve(Unavailable)
    sites = tmp_path / "sites.txt"
    sites.write_text(f"{server.base_url}/\n{down_url}/   # down\n", encoding="utf-8")
    try:
        run = run_news(tmp_path / "a", "-a", f"sites={sites}", items_path=tmp_path / "i.jsonl")
    finally:
        down.shutdown()
    assert run.returncode == 0, run.stderr[-2000:]
    matched, _ = match_items(site, server.base_url, run.items)  # type: ignore[arg-type]
    assert len(matched) == 8
    down_name = down_url.removeprefix("http://")
    assert f"  {down_name}: 0 pages, 0 articles, robots.txt unavailable: not crawled" in (
        run.stderr
    )


def test_every_site_down_fails_the_crawl(tmp_path: Path) -> None:
    first, first_url = _serve(Unavailable)
    second, second_url = _serve(Unavailable)
    sites = tmp_path / "sites.txt"
    sites.write_text(f"{first_url}/\n{second_url}/\n", encoding="utf-8")
    try:
        run = run_news(tmp_path / "a", "-a", f"sites={sites}")
    finally:
        first.shutdown()
        second.shutdown()
    assert run.returncode == 1
    assert "crawl FAILED: robots.txt of every site unavailable (the site answered 503)" in (
        run.stderr
    )
