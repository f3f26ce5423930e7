from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import Crawled, copy_archive, crawled_archive
from tests.fixture_site import FixtureServer, NewsSite, default_articles


@pytest.fixture(scope="session")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """An archive of two crawls of the fixture site (the second with revisits), made once
    for every test that reads one."""
    return crawled_archive(tmp_path_factory)


@pytest.fixture
def archive(crawled: Crawled, tmp_path: Path) -> Path:
    """A copy of that archive, for a test that changes it."""
    return copy_archive(crawled.root, tmp_path / "archive")


@pytest.fixture(scope="module")
def offsite_server() -> Iterator[FixtureServer]:
    """Another origin on 127.0.0.1: the crawl must never reach it."""
    with FixtureServer(NewsSite(default_articles())) as server:
        yield server


@pytest.fixture(scope="module")
def site_server(offsite_server: FixtureServer) -> Iterator[FixtureServer]:
    site = NewsSite(default_articles(), offsite_url=offsite_server.base_url)
    with FixtureServer(site) as server:
        yield server
