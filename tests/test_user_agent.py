"""The User-Agent: the project's name by default, with no contact URL the operator does
not own; ``-s USER_AGENT=...`` gives the operator's own, on every request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler import settings
from tests.crawling import run_crawl
from tests.fixture_site import FixtureServer, NewsSite, default_articles
from tests.warcs import read_warc


def test_the_default_names_the_project_and_no_one_elses_url() -> None:
    agent = settings.USER_AGENT
    assert re.fullmatch(r"news-web-archiver/\d+\.\d+ \([^()]+\)", agent), agent
    assert "http" not in agent and "@" not in agent  # no contact that is not the operator's
    assert "contact not set" in agent


@pytest.mark.slow
def test_the_operator_sets_a_contact(tmp_path: Path) -> None:
    agent = "news-web-archiver/0.1 (+mailto:archivist@example.org)"
    with FixtureServer(NewsSite(default_articles())) as server:
        extra = ("-s", f"USER_AGENT={agent}", "-a", "max_articles=1")
        run = run_crawl(tmp_path / "archive", server.base_url, *extra)
        assert run.returncode == 0, run.stderr[-2000:]
        seen = {entry.user_agent for entry in server.requests}
    assert seen == {agent}
    (warc,) = sorted((tmp_path / "archive" / "warc").glob("*.warc.gz"))
    info = read_warc(warc)[0]
    assert info.type == "warcinfo"
    assert f"http-header-user-agent: {agent}" in info.payload.decode("utf-8")
