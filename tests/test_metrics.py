"""Prometheus metrics (issue 23): a real crawl scraped while it runs, the replay app's
metrics, a port in use, and the Grafana dashboard."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from crawler.run.metrics import metrics_port
from tests.crawling import REPO, crawl_command, crawl_env, free_port, run_crawl
from tests.fixture_site import FixtureServer

Samples = dict[str, list[tuple[dict[str, str], float]]]


def scrape(port: int) -> Samples | None:
    """Every sample at http://127.0.0.1:PORT/metrics by name; None if nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as resp:
            text = resp.read().decode()
    except OSError:
        return None
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples.setdefault(s.name, []).append((dict(s.labels), s.value))
    return samples


def total(samples: Samples, name: str) -> float:
    return sum(value for _labels, value in samples.get(name, []))


def ready(samples: Samples | None) -> bool:
    """Pages, an article of a named site, and an extraction timed."""
    return (
        samples is not None
        and total(samples, "newsarchive_pages_total") > 0
        and any(
            labels.get("site") for labels, _ in samples.get("newsarchive_site_articles_total", [])
        )
        and total(samples, "newsarchive_extraction_seconds_count") > 0
    )


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_metrics_scraped_during_a_crawl(site_server: FixtureServer, tmp_path: Path) -> None:
    port = free_port()
    # one request at a time, a tenth of a second apart: the crawl lasts a few seconds
    command = crawl_command(
        tmp_path / "archive",
        site_server.base_url,
        "-s",
        f"ARCHIVE_METRICS_PORT={port}",
        "-s",
        "DOWNLOAD_DELAY=0.1",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    )
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        env=crawl_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: Samples | None = None
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            samples = scrape(port)
            if ready(samples):
                seen = samples
                break
            time.sleep(0.05)
        running = proc.poll() is None
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-3000:]
    assert seen is not None and running, "no complete scrape while the crawl ran:\n" + err[-3000:]
    assert total(seen, "newsarchive_pages_total") > 0
    assert total(seen, "newsarchive_articles_total") > 0
    sites = {labels["site"] for labels, _ in seen["newsarchive_site_articles_total"]}
    assert all(sites) and sites
    assert total(seen, "newsarchive_extraction_seconds_count") > 0
    assert total(seen, "newsarchive_bytes_written_total") > 0
    assert "newsarchive_queue_requests" in seen
    assert "newsarchive_write_backlog_bytes" in seen
    assert {labels["kind"] for labels, _ in seen["newsarchive_errors_total"]} >= {
        "extraction_failed",
        "write_failed",
        "challenge",
    }
    assert f"metrics: http://127.0.0.1:{port}/metrics" in err
    assert not listening(port)  # stopped at the end of the crawl


@pytest.mark.slow
def test_port_in_use_the_crawl_goes_on(site_server: FixtureServer, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = run_crawl(
            tmp_path / "archive", site_server.base_url, "-s", f"ARCHIVE_METRICS_PORT={port}"
        )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [line for line in run.stderr.splitlines() if "metrics:" in line]
    assert len(lines) == 1 and "going on without metrics" in lines[0], lines
    assert "Traceback" not in run.stderr


def test_metrics_port_values() -> None:
    assert metrics_port("") == 0
    assert metrics_port(None) == 0
    assert metrics_port("0") == 0
    assert metrics_port(" 9108 ") == 9108
    assert metrics_port(9108) == 9108
    for bad in ("x", "-1", "70000"):
        with pytest.raises(ValueError, match="ARCHIVE_METRICS_PORT"):
            metrics_port(bad)


def test_dashboard_is_a_grafana_dashboard() -> None:
    dashboard = json.loads((REPO / "deploy" / "grafana-dashboard.json").read_text())
    assert dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS"
    exprs = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    )
    for name in (
        "newsarchive_pages_total",
        "newsarchive_site_articles_total",
        "newsarchive_bytes_written_total",
        "newsarchive_errors_total",
        "newsarchive_queue_requests",
        "newsarchive_write_backlog_bytes",
        "newsarchive_extraction_seconds_bucket",
    ):
        assert name in exprs, name
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}"


def test_replay_app_metrics(tmp_path: Path) -> None:
    from archive.layout import ArchiveLayout
    from archive.web.app import WebConfig, create_app

    port = free_port()
    app = create_app(WebConfig(ArchiveLayout(tmp_path), "127.0.0.1", 1, metrics_port=port))
    try:
        client = app.test_client()
        host = {"Host": "127.0.0.1:5000"}
        assert client.get("/static/app.css", headers=host).status_code == 200
        assert client.get("/static/app.css", headers=host).status_code == 200
        assert client.get("/", headers={"Host": "elsewhere.example"}).status_code == 400
        samples = scrape(port)
        assert samples is not None
        counts = {
            (labels["endpoint"], labels["status"]): value
            for labels, value in samples["newsarchive_replay_requests_total"]
        }
        assert counts[("stylesheet_route", "200")] == 2
        assert sum(v for (_e, status), v in counts.items() if status == "400") == 1
        assert total(samples, "newsarchive_replay_request_seconds_count") == 3
    finally:
        app.extensions["metrics"].stop()
    assert not listening(port)


def test_replay_app_without_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.layout import ArchiveLayout
    from archive.web.app import WebConfig, create_app

    monkeypatch.delenv("ARCHIVE_METRICS_PORT", raising=False)
    app = create_app(WebConfig(ArchiveLayout(tmp_path), "127.0.0.1", 1))
    assert "metrics" not in app.extensions
    port = free_port()
    monkeypatch.setenv("ARCHIVE_METRICS_PORT", str(port))
    app = create_app(WebConfig(ArchiveLayout(tmp_path), "127.0.0.1", 1))
    try:
        assert scrape(port) is not None
    finally:
        app.extensions["metrics"].stop()


@pytest.mark.parametrize("env", [None, "1"], ids=["no-env", "env-overridden"])
def test_replay_metrics_port_option(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: str | None,
) -> None:
    """``replay --metrics-port N`` serves the replay app's metrics on N, over (or without)
    ``ARCHIVE_METRICS_PORT``; pywb stubbed out: the app is made, then the start stops."""
    from flask import Flask

    from archive.cli.parser import main
    from archive.web import serve
    from archive.web.wayback import WaybackError
    from tests.cli_support import write_archive

    if env is None:
        monkeypatch.delenv("ARCHIVE_METRICS_PORT", raising=False)
    else:
        monkeypatch.setenv("ARCHIVE_METRICS_PORT", str(free_port()))
    write_archive(tmp_path / "a", [])
    apps: list[Flask] = []
    made = serve.create_app

    def create_app(config: object) -> Flask:
        apps.append(made(config))  # type: ignore[arg-type]
        return apps[-1]

    def no_wayback(*args: object, **kw: object) -> None:
        assert samples_at(port) is not None  # served while the application runs
        raise WaybackError("stubbed")

    port = free_port()
    monkeypatch.setattr(serve, "pywb_program", lambda name: "wayback")
    monkeypatch.setattr(serve, "create_app", create_app)
    monkeypatch.setattr(serve, "start_wayback", no_wayback)
    samples_at = scrape
    argv = ["--archive-dir", str(tmp_path / "a"), "replay", "--port", "0"]
    try:
        assert main([*argv, "--metrics-port", str(port)]) == 1
        assert "stubbed" in capsys.readouterr().err
        assert apps[0].config["WEB"].metrics_port == port
    finally:
        for app in apps:
            if "metrics" in app.extensions:
                app.extensions["metrics"].stop()
    assert main([*argv, "--metrics-port", "http"]) == 2
    assert "not a port number" in capsys.readouterr().err
