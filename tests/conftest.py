from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixture_site import FixtureServer, NewsSite, default_articles


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
