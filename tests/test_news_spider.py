"""The generic news spider end to end: ``scrapy crawl news`` in a subprocess against the
anysite fixture sites (tests/anysite), judged by what it emitted, what it archived and
what the sites' servers were asked for.

- one site per kind (``-a url=``): every true article once, nothing else, robots.txt
  obeyed, titles and texts right; a second run on the same archive fetches no article
  again and emits nothing;
- three sites from one sites file (YAML, then plain text): each site's own headers,
  cookies, article_pattern, sections and max_articles; per-site counts in the run report
  and the summary;
- wrong arguments: exit status 2 and one ``error:`` line;
- a site's own ``delay`` holds with AutoThrottle on, and only for that site.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.anysite import KINDS, AnySite, build_site
from tests.fixture_site.server import FixtureServer, RequestLogEntry
from tests.fixture_site.site import Response
from tests.newscrawl import (
    NewsRun,
    last_run_report,
    match_items,
    run_news,
    truth_index,
    url_key,
)

# every test runs `scrapy crawl news` in a subprocess
pytestmark = pytest.mark.slow

N_ARTICLES = 12
# templates whose extracted text does not start with the article's first paragraph (see
# test_text_starts_with_the_first_paragraph_on_every_template)
TEXT_DEFECT_TEMPLATES = ("table_layout", "custom_dateless")


# -- helpers ------------------------------------------------------------------------------


def disallowed_requests(site: AnySite, log: list[RequestLogEntry]) -> list[str]:
    """Requests under a robots.txt Disallow rule of *site* (the query's order aside)."""
    hits = []
    for entry in log:
        target = entry.path_with_query
        for rule in site.disallowed:
            path, _, query = rule.partition("?")
            wanted = set(parse_qsl(query, keep_blank_values=True))
            if target.startswith(rule) or (
                query
                and entry.path == path
                and wanted <= set(parse_qsl(entry.query, keep_blank_values=True))
            ):
                hits.append(target)
    return hits


def article_requests(site: AnySite, base: str, log: list[RequestLogEntry]) -> list[str]:
    """Requests for a page serving a true article (under any of its URLs)."""
    index = truth_index(site, base)
    return [e.path_with_query for e in log if url_key(base + e.path_with_query) in index]


def templates(site: AnySite, base: str) -> dict[str, str]:
    """canonical URL of each article -> the real template its page is made from."""
    return {site.story_url(story, base): story.template for story in site.stories}


def index_rows(root: Path, table: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(root / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return db.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - a test's own name
    finally:
        db.close()


def check_exit(run: NewsRun) -> None:
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


# -- one site of each kind, crawled twice ---------------------------------------------------


@dataclass
class TwoRuns:
    site: AnySite
    server: FixtureServer
    base: str
    root: Path
    first: NewsRun
    first_log: list[RequestLogEntry]
    first_report: dict[str, Any]
    first_articles: list[sqlite3.Row]  # the index after the first run
    first_captures: list[sqlite3.Row]
    second: NewsRun
    second_log: list[RequestLogEntry]
    second_report: dict[str, Any]


@pytest.fixture(scope="module")
def crawled_kind(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], TwoRuns]]:
    """kind -> its site crawled twice into one archive (crawled once per module)."""
    done: dict[str, TwoRuns] = {}
    servers: list[FixtureServer] = []

    def crawl(kind: str) -> TwoRuns:
        if kind in done:
            return done[kind]
        site = build_site(kind, N_ARTICLES)
        server = FixtureServer(site).start()  # type: ignore[arg-type]
        servers.append(server)
        base = server.base_url
        tmp = tmp_path_factory.mktemp(f"news-{kind}")
        root = tmp / "archive"
        first = run_news(root, "-a", f"url={base}/", items_path=tmp / "first.jsonl")
        first_log = server.requests
        first_report = last_run_report(root) if first.returncode == 0 else {}
        ok = first.returncode == 0
        first_articles = index_rows(root, "articles") if ok else []
        first_captures = index_rows(root, "captures") if ok else []
        server.clear_log()
        second = run_news(root, "-a", f"url={base}/", items_path=tmp / "second.jsonl")
        second_report = last_run_report(root) if second.returncode == 0 else {}
        done[kind] = TwoRuns(
            site,
            server,
            base,
            root,
            first,
            first_log,
            first_report,
            first_articles,
            first_captures,
            second,
            server.requests,
            second_report,
        )
        return done[kind]

    yield crawl
    for server in servers:
        server.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_one_site_every_article_once_and_nothing_else(
    kind: str, crawled_kind: Callable[[str], TwoRuns]
) -> None:
    runs = crawled_kind(kind)
    check_exit(runs.first)
    truth = runs.site.articles(runs.base)
    matched, strays = match_items(runs.site, runs.base, runs.first.items)
    assert [item["url"] for item in strays] == []  # precision 1.0
    assert sorted(matched) == sorted(truth)  # coverage 1.0
    assert {url: len(items) for url, items in matched.items() if len(items) > 1} == {}
    assert disallowed_requests(runs.site, runs.first_log) == []
    assert runs.server.errors == []
    # archived: an index row per article, pointing at the response it came from
    rows = runs.first_articles
    captures = {row["record_id"]: row for row in runs.first_captures}
    assert len(rows) == N_ARTICLES
    assert {row["warc_record_id"] for row in rows} == {
        item["warc_record_id"] for item in runs.first.items
    }
    for item in runs.first.items:
        capture = captures[item["warc_record_id"]]
        assert (capture["url"], capture["status"]) == (item["url"], 200)
        assert (runs.root / "warc" / item["warc_filename"]).is_file()
    netloc = runs.base.removeprefix("http://")
    assert runs.first_report["sites"][netloc]["articles"] == N_ARTICLES
    assert runs.first_report["new_articles"] == N_ARTICLES


@pytest.mark.parametrize("kind", KINDS)
def test_one_site_titles_and_texts(kind: str, crawled_kind: Callable[[str], TwoRuns]) -> None:
    runs = crawled_kind(kind)
    check_exit(runs.first)
    truth = runs.site.articles(runs.base)
    template_of = templates(runs.site, runs.base)
    matched, _ = match_items(runs.site, runs.base, runs.first.items)
    assert matched
    for url, (item, *_) in matched.items():
        expected = truth[url]
        assert item["title"] == expected.headline, url
        assert runs.site.site_name not in item["title"], url
        assert expected.first_paragraph in item["text"], url
        if template_of[url] in TEXT_DEFECT_TEMPLATES:
            continue  # test_text_starts_with_the_first_paragraph_on_every_template
        assert item["text"].startswith(expected.first_paragraph), (url, item["text"][:200])
        assert not item["text"].startswith(expected.headline), url


def test_text_starts_with_the_first_paragraph_on_every_template(
    crawled_kind: Callable[[str], TwoRuns],
) -> None:
    runs = crawled_kind("wordpress")
    truth = runs.site.articles(runs.base)
    template_of = templates(runs.site, runs.base)
    matched, _ = match_items(runs.site, runs.base, runs.first.items)
    checked = [url for url in matched if template_of[url] in TEXT_DEFECT_TEMPLATES]
    assert len(checked) == len(TEXT_DEFECT_TEMPLATES)
    for url in checked:
        assert matched[url][0]["text"].startswith(truth[url].first_paragraph), url


@pytest.mark.parametrize("kind", list(KINDS))
def test_second_run_fetches_no_article_again(
    kind: str, crawled_kind: Callable[[str], TwoRuns]
) -> None:
    runs = crawled_kind(kind)
    check_exit(runs.first)
    check_exit(runs.second)
    assert runs.second_log, "the second run asked the site for nothing"
    assert article_requests(runs.site, runs.base, runs.second_log) == []
    assert runs.second.items == []
    stats = runs.second_report["stats"]
    assert stats.get("archive/articles_known") == N_ARTICLES
    assert runs.second_report["new_articles"] == 0
    assert len(index_rows(runs.root, "articles")) == N_ARTICLES


# -- three sites in one crawl -------------------------------------------------------------------

# site A's real article paths (/YYYY/MM/DD/slug/), forced as its article_pattern
WORDPRESS_PATTERN = r"/\d{4}/\d{2}/\d{2}/[^/]+/?"
B_SECTIONS = ("/latest/", "/story/")


@dataclass
class ThreeSites:
    sites: dict[str, AnySite]  # "a", "b", "c"
    servers: dict[str, FixtureServer]
    yaml_run: NewsRun
    yaml_logs: dict[str, list[RequestLogEntry]]
    yaml_report: dict[str, Any]
    text_run: NewsRun
    text_report: dict[str, Any]

    def base(self, key: str) -> str:
        return self.servers[key].base_url

    def items_of(self, run: NewsRun, key: str) -> list[dict[str, Any]]:
        return [item for item in run.items if item["url"].startswith(self.base(key) + "/")]


@pytest.fixture(scope="module")
def three_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreeSites]:
    """A wordpress (A), a listings (B) and a newssitemap (C) site on three loopback
    addresses (host-only cookies and download slots are per host, not per port), crawled
    from a YAML sites file with per-site options, then from a plain-text one."""
    tmp = tmp_path_factory.mktemp("three-sites")
    sites = {
        "a": build_site("wordpress", N_ARTICLES),
        "b": build_site("listings", N_ARTICLES),
        "c": build_site("newssitemap", N_ARTICLES),
    }
    hosts = {"a": "127.0.0.1", "b": "127.0.0.2", "c": "127.0.0.3"}
    servers = {k: FixtureServer(sites[k], host=hosts[k]).start() for k in sites}  # type: ignore[arg-type]
    try:
        (tmp / "b-cookies.txt").write_text(
            "# Netscape HTTP Cookie File\n127.0.0.2\tFALSE\t/\tFALSE\t0\tsession\tbravo-secret\n"
        )
        yaml_file = tmp / "sites.yaml"
        yaml_file.write_text(
            "sites:\n"
            f"  - url: {servers['a'].base_url}/\n"
            "    name: alpha\n"
            f"    article_pattern: '{WORDPRESS_PATTERN}'\n"
            f"  - url: {servers['b'].base_url}/\n"
            "    name: bravo\n"
            "    headers: {X-Archive-Test: site-b}\n"
            "    cookies: b-cookies.txt\n"
            f"    sections: [{', '.join(B_SECTIONS)}]\n"
            f"  - url: {servers['c'].base_url}/\n"
            "    max_articles: 3\n"
        )
        yaml_run = run_news(tmp / "yaml", "-a", f"sites={yaml_file}", items_path=tmp / "y.jsonl")
        yaml_logs = {k: s.requests for k, s in servers.items()}
        yaml_report = last_run_report(tmp / "yaml") if yaml_run.returncode == 0 else {}
        for server in servers.values():
            server.clear_log()
        text_file = tmp / "sites.txt"
        text_file.write_text(
            "# the same three sites, no options\n"
            f"{servers['a'].base_url}/\n"
            "\n"
            f"{servers['b'].base_url}/   # the listings site\n"
            f"   {servers['c'].base_url}/\n"
        )
        text_run = run_news(tmp / "text", "-a", f"sites={text_file}", items_path=tmp / "t.jsonl")
        text_report = last_run_report(tmp / "text") if text_run.returncode == 0 else {}
        yield ThreeSites(sites, servers, yaml_run, yaml_logs, yaml_report, text_run, text_report)
    finally:
        for server in servers.values():
            server.stop()


def test_sites_file_headers_and_cookies_go_to_their_site_only(three_sites: ThreeSites) -> None:
    check_exit(three_sites.yaml_run)
    logs = three_sites.yaml_logs
    pages_b = [e for e in logs["b"] if not e.path.startswith("/static/")]
    assert len(pages_b) > N_ARTICLES
    for entry in pages_b:
        assert entry.headers.get("X-Archive-Test") == "site-b", entry.path_with_query
        assert "session=bravo-secret" in entry.headers.get("Cookie", ""), entry.path_with_query
    for key in ("a", "c"):
        assert logs[key]
        for entry in logs[key]:
            assert "X-Archive-Test" not in entry.headers, (key, entry.path_with_query)
            assert "bravo-secret" not in entry.headers.get("Cookie", ""), (key, entry.path)


def test_sites_file_headers_also_go_with_page_assets(three_sites: ThreeSites) -> None:
    assets = [e for e in three_sites.yaml_logs["b"] if e.path.startswith("/static/")]
    assert assets
    for entry in assets:
        assert entry.headers.get("X-Archive-Test") == "site-b", entry.path


def test_sites_file_pattern_and_sections(three_sites: ThreeSites) -> None:
    run = three_sites.yaml_run
    check_exit(run)
    for key in ("a", "b"):
        site, base = three_sites.sites[key], three_sites.base(key)
        matched, strays = match_items(site, base, three_sites.items_of(run, key))
        assert strays == []
        assert sorted(matched) == sorted(site.articles(base)), key
        assert all(len(items) == 1 for items in matched.values()), key
        assert disallowed_requests(site, three_sites.yaml_logs[key]) == []
    # the forced pattern decides alone: no page of A is judged (the generic run judges some)
    assert three_sites.yaml_report["sites"]["alpha"]["not_articles"] == 0
    netloc_a = three_sites.base("a").removeprefix("http://")
    assert three_sites.text_report["sites"][netloc_a]["not_articles"] > 0
    # B's sections: its start page, robots.txt, the sitemaps guessed and page assets aside,
    # nothing outside /latest/ and /story/ is requested
    outside = [
        e.path_with_query
        for e in three_sites.yaml_logs["b"]
        if e.path not in ("/", "/robots.txt")
        and "sitemap" not in e.path
        and not e.path.startswith(("/static/", *B_SECTIONS))
    ]
    assert outside == []
    assert any(e.path.startswith("/latest/") for e in three_sites.yaml_logs["b"])
    # while the text run, without sections, goes into B's section pages
    assert any(e.path.startswith("/section/") for e in three_sites.servers["b"].requests)


def test_sites_file_max_articles_per_site(three_sites: ThreeSites) -> None:
    run = three_sites.yaml_run
    check_exit(run)
    site, base = three_sites.sites["c"], three_sites.base("c")
    items = three_sites.items_of(run, "c")
    matched, strays = match_items(site, base, items)
    assert strays == []
    assert len(items) == len(matched) == 3


def test_run_report_and_summary_count_each_site(three_sites: ThreeSites) -> None:
    run = three_sites.yaml_run
    check_exit(run)
    netloc_c = three_sites.base("c").removeprefix("http://")
    sites = three_sites.yaml_report["sites"]
    assert sorted(sites) == sorted(["alpha", "bravo", netloc_c])
    emitted = {
        "alpha": len(three_sites.items_of(run, "a")),
        "bravo": len(three_sites.items_of(run, "b")),
        netloc_c: len(three_sites.items_of(run, "c")),
    }
    assert emitted["alpha"] == emitted["bravo"] == N_ARTICLES
    for name, counts in sites.items():
        assert counts["articles"] == emitted[name], name
        assert counts["pages"] >= counts["articles"], name
    assert three_sites.yaml_report["new_articles"] == sum(emitted.values())
    for name, counts in sites.items():
        line = f"  {name}: {counts['pages']} pages, {counts['articles']} articles"
        assert line in run.stderr, line


def test_plain_text_sites_file_gives_the_same_articles(three_sites: ThreeSites) -> None:
    check_exit(three_sites.text_run)
    for key in ("a", "b", "c"):
        site, base = three_sites.sites[key], three_sites.base(key)
        matched, strays = match_items(site, base, three_sites.items_of(three_sites.text_run, key))
        assert strays == [], key
        assert sorted(matched) == sorted(site.articles(base)), key
        assert all(len(items) == 1 for items in matched.values()), key
        from_yaml, _ = match_items(site, base, three_sites.items_of(three_sites.yaml_run, key))
        assert set(from_yaml) <= set(matched), key
        if key != "c":  # C had max_articles in the YAML file
            assert set(from_yaml) == set(matched), key
    assert len(three_sites.text_run.items) == 3 * N_ARTICLES


# -- wrong arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give the site to archive: -a url="),
        (("-a", "url=https://outlet.example/", "-a", "sites={bad}"), "-a url="),
        (("-a", "url=ftp://x"), "http(s) URL"),
        (("-a", "sites={missing}"), "{missing}: cannot read the sites file"),
        (("-a", "sites={bad}"), "{bad}:3: "),
        (("-a", "site={bad}"), "did you mean sites?"),
    ],
    ids=["none", "both", "ftp", "missing-file", "bad-line", "misspelled"],
)
def test_wrong_arguments_exit_2_with_one_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    bad = tmp_path / "sites.txt"
    bad.write_text("https://one.example/\n# fine so far\nhttps://two.example/ not-a-comment\n")
    names = {"bad": str(bad), "missing": str(tmp_path / "absent.txt")}
    root = tmp_path / "archive"
    run = run_news(root, *(a.format(**names) for a in args), timeout=60)
    assert run.returncode == 2, run.stderr[-2000:]
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr[-2000:]
    assert lines[0].startswith("error: ")
    assert message.format(**names) in lines[0]
    assert "Traceback" not in run.stderr
    assert not root.exists()  # nothing started


# -- a site's own delay --------------------------------------------------------------------------


class TinySite:
    """Six requests: robots.txt (naming one sitemap), the sitemap, the home page, its
    stylesheet, two articles (the second linked from the first). The time of each request
    is noted as it is answered (the FixtureServer's log has no times)."""

    def __init__(self) -> None:
        self.times: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def render(self, path: str, query: str, base_url: str) -> Response:
        with self._lock:
            self.times.append((time.monotonic(), path))
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            text = f"User-agent: *\nDisallow: /private/\nSitemap: {base_url}/sitemap.xml\n"
            return Response(200, text.encode(), "text/plain")
        if path == "/sitemap.xml":
            xml = (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9"><url><loc>{base_url}/news/first-story</loc></url></urlset>'
            )
            return Response(200, xml.encode(), "application/xml")
        if path == "/":
            page = (
                f'<html><head><title>Tiny</title><link rel="stylesheet" href="{base_url}'
                '/static/site.css"></head><body><a href="/news/first-story">One</a></body></html>'
            )
            return Response(200, page.encode(), html)
        if path in ("/news/first-story", "/news/second-story"):
            para = "<p>" + "The council met on Tuesday to discuss the bridge plan. " * 10 + "</p>"
            page = (
                f"<html><head><title>{path}</title></head><body><article><h1>Story {path}</h1>"
                f'<time datetime="2024-03-01T10:00:00Z">1 March 2024</time>{para * 4}'
                '<a href="/news/second-story">Next</a></article></body></html>'
            )
            return Response(200, page.encode(), html)
        if path == "/static/site.css":
            return Response(200, b"body { margin: 0 }\n", "text/css")
        return Response(404, b"not found\n", html)


def test_page_assets_come_with_their_page_not_after_every_article(tmp_path: Path) -> None:
    """A sitemap queues forty articles at once; one at a time, 0.1 s apart, the stylesheet
    the first article names is fetched as soon as that page is read (its links come from
    the extraction), not after the forty (a replay shows a page with the stylesheet of its
    day; a crawl cut short leaves none of its pages without it)."""
    site = build_site("newssitemap", 40)
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        run = run_news(
            tmp_path / "archive",
            "-a",
            f"url={server.base_url}/",
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            "-s",
            "DOWNLOAD_DELAY=0.1",
            "-s",
            "DOWNLOAD_DELAY_JITTER=0",
            items_path=tmp_path / "items.jsonl",
        )
        log = server.requests
    check_exit(run)
    assert len(run.items) == 40
    paths = [e.path_with_query for e in log]
    articles = article_requests(site, server.base_url, log)
    assert len(articles) == 40
    assert paths.count("/static/site.css") == 1
    # before the thirtieth article: 2.9 s after the first, whatever the machine's load
    assert paths.index("/static/site.css") < paths.index(articles[29]), paths


def gaps(times: list[tuple[float, str]]) -> list[float]:
    moments = sorted(t for t, _ in times)
    return [b - a for a, b in zip(moments, moments[1:], strict=False)]


def test_site_delay_holds_with_autothrottle(tmp_path: Path) -> None:
    slow, fast = TinySite(), TinySite()
    with (
        FixtureServer(fast, host="127.0.0.1") as fast_server,  # type: ignore[arg-type]
        FixtureServer(slow, host="127.0.0.2") as slow_server,  # type: ignore[arg-type]
    ):
        sites = tmp_path / "sites.yaml"
        sites.write_text(
            f"- {fast_server.base_url}/\n- url: {slow_server.base_url}/\n  delay: 1.0\n"
        )
        run = run_news(
            tmp_path / "archive",
            "-a",
            f"sites={sites}",
            "-s",
            "AUTOTHROTTLE_ENABLED=True",
            # Scrapy varies a delay by +-50% by default: the delay as given, to measure it
            "-s",
            "DOWNLOAD_DELAY_JITTER=0",
            items_path=tmp_path / "items.jsonl",
        )
    check_exit(run)
    assert len(run.items) == 4
    slow_paths = sorted(path for _, path in slow.times)
    assert slow_paths == sorted(
        ["/robots.txt", "/sitemap.xml", "/", "/static/site.css"]
        + ["/news/first-story", "/news/second-story"]
    )
    assert min(gaps(slow.times)) >= 0.8, gaps(slow.times)
    assert len(fast.times) == len(slow.times)
    assert min(gaps(fast.times)) < 0.8, gaps(fast.times)
