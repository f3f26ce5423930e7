"""The anysite fixture sites serve what their ground truth says (tests/anysite)."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.anysite import KINDS, AnySite, build_site
from tests.anysite.pages import xml_locs
from tests.fixture_site.server import FixtureServer

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_CANONICAL_RE = re.compile(r'<link rel="canonical" href="([^"]+)"')


def _get(url: str) -> tuple[int, bytes]:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module", params=KINDS)
def served(request: pytest.FixtureRequest) -> Iterator[tuple[AnySite, str]]:
    site = build_site(request.param)
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        yield site, server.base_url
        assert server.errors == []


def _canonical(body: bytes) -> str:
    match = _CANONICAL_RE.search(body.decode("utf-8"))
    assert match, "no rel=canonical"
    return html.unescape(match.group(1))


def test_robots_txt_lists_the_disallowed_traps(served: tuple[AnySite, str]) -> None:
    site, base = served
    status, body = _get(base + "/robots.txt")
    assert status == 200
    text = body.decode()
    assert site.disallowed
    for prefix in site.disallowed:
        assert f"Disallow: {prefix}\n" in text
    if site.kind in ("wordpress", "querycms", "amp", "listings"):
        assert "Sitemap:" not in text
    else:
        assert "Sitemap:" in text


def test_every_article_and_alias_serves_the_headline_and_canonical(
    served: tuple[AnySite, str],
) -> None:
    site, base = served
    articles = site.articles(base)
    assert len(articles) == 24
    for url, truth in articles.items():
        assert truth.url == url
        assert len(truth.text.split()) >= 70
        assert truth.first_paragraph in truth.text
        for variant in (url, *truth.aliases):
            status, body = _get(variant)
            assert status == 200, variant
            assert truth.headline in html.unescape(body.decode("utf-8")), variant
            if not variant.endswith("/amp"):
                assert _canonical(body) == url, variant
    long_ones = [a for a in articles.values() if len(a.text.split()) >= 150]
    assert len(long_ones) >= len(articles) // 2


def test_non_articles_exist_and_are_not_articles(served: tuple[AnySite, str]) -> None:
    site, base = served
    non_articles = site.non_articles(base)
    assert non_articles
    assert not non_articles & set(site.articles(base))
    for url in non_articles:
        status, _ = _get(url)
        assert status == 200, url


def test_sitemaps_and_feeds_list_exactly_what_they_should(served: tuple[AnySite, str]) -> None:
    site, base = served
    for url, expected in site.discovery_files(base).items():
        status, body = _get(url)
        assert status == 200, url
        assert set(xml_locs(body)) == expected, url
    listed = (
        set().union(*site.discovery_files(base).values()) if site.discovery_files(base) else set()
    )
    if site.kind in ("wordpress", "newssitemap", "longpages"):
        # the sitemaps (not only the feed) reach every article
        assert set(site.articles(base)) <= listed
    if site.kind == "listings":
        for path in ("/sitemap.xml", "/feed", "/rss.xml"):
            assert _get(base + path)[0] == 404


def test_newssitemap_home_has_no_article_link() -> None:
    site = build_site("newssitemap", 6)
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        base = server.base_url
        _, body = _get(base + "/")
        for story_url in site.articles(base):
            assert story_url[len(base) :] not in body.decode()
        assert "/sitemaps/news.xml" in _get(base + "/robots.txt")[1].decode()


def test_amp_articles_point_to_their_amp_page() -> None:
    site = build_site("amp", 6)
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        _check_amp(site, server.base_url)


def _check_amp(site: AnySite, base: str) -> None:
    for url in site.articles(base):
        _, body = _get(url)
        assert f'<link rel="amphtml" href="{url}/amp">' in body.decode()
        _, amp = _get(url + "/amp")
        assert _canonical(amp) == url
