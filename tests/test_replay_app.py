"""The ``replay`` web application in-process (Flask's test client): its pages, and its
defences: escaping, security headers, refused Host headers, path traversal and malformed
input answered with 4xx, never 500."""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from archive.layout import ArchiveLayout
from archive.web.app import WebConfig, create_app
from archive.web.chart import MAX_DAYS, day_chart
from tests.cli_support import Crawled, copy_archive, exchange, utc, write_archive

REPLAY_PORT = 18765
ROUTES = (
    "/",
    "/search",
    "/article/1",
    "/article/1/changes",
    "/history",
    "/view",
    "/static/app.css",
)
TRAVERSALS = (
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..%5c..%5c..%5cetc%5cpasswd",
    "/....//....//etc/passwd",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/etc/passwd",
    "/%252e%252e/%252e%252e/etc/passwd",
)


def make_client(root: Path, bind_host: str = "127.0.0.1") -> FlaskClient:
    app = create_app(WebConfig(ArchiveLayout(root), bind_host, REPLAY_PORT))
    return app.test_client()


@pytest.fixture(scope="module")
def client(crawled: Crawled) -> FlaskClient:
    return make_client(crawled.root)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def article_row_id(crawled: Crawled, path: str) -> int:
    db = sqlite3.connect(crawled.root / "index.sqlite3")
    try:
        row = db.execute(
            "SELECT max(id) FROM articles WHERE url = ?", (crawled.url(path),)
        ).fetchone()
    finally:
        db.close()
    return int(row[0])


def check_headers(headers: object) -> None:
    get = headers.get  # type: ignore[attr-defined]
    csp = get("Content-Security-Policy")
    assert csp is not None
    for part in (
        "default-src 'self'",
        "script-src 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ):
        assert part in csp
    assert re.search(r"frame-src (http://[a-z0-9.\[\]:]+:\d+|'none');", csp)
    assert f":{REPLAY_PORT}" in csp or "frame-src 'none'" in csp
    assert get("X-Content-Type-Options") == "nosniff"
    assert get("X-Frame-Options") == "DENY"
    assert get("Referrer-Policy") == "no-referrer"
    assert get("Cross-Origin-Opener-Policy") == "same-origin"


# -- pages --------------------------------------------------------------------------------
def test_home_counts_chart_latest_and_tags(client: FlaskClient, crawled: Crawled) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    check_headers(resp.headers)
    db = sqlite3.connect(crawled.root / "index.sqlite3")
    captures, articles = db.execute(
        "SELECT (SELECT count(*) FROM captures), (SELECT count(*) FROM articles)"
    ).fetchone()
    db.close()
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", page))
    assert counts["captures"] == f"{captures:,}"
    assert counts["articles"] == f"{articles:,}"
    assert int(counts["WARC files"].split()[0]) == len(list((crawled.root / "warc").iterdir()))
    assert "<svg" in page and page.count('<rect class="bar"') == 13  # 2021-08-02 .. 08-14
    assert "2021-08-03: 1 article" in page and "2021-08-04: 0 articles" in page
    latest = re.findall(r'<h3 dir="auto"><a href="/article/(\d+)">', page)
    assert len(latest) == 12
    newest = max(crawled.site.articles, key=lambda a: a.published_at)
    assert html.escape(newest.title, quote=False) in page.split("Latest articles")[1][:2000]
    assert "/search?tag=Helmand" in page
    assert "<script" not in page


def test_search_highlights_matches(client: FlaskClient, crawled: Crawled) -> None:
    resp = client.get("/search?q=irrigation")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "1 article<" in page
    assert "<mark>irrigation</mark>" in page
    assert f'href="/article/{article_row_id(crawled, "/english/23601")}"' in page
    # the query stays in the form, escaped
    assert 'value="irrigation"' in page
    check_headers(resp.headers)


def test_search_filters(client: FlaskClient, crawled: Crawled) -> None:
    def found(query: str) -> set[int]:
        resp = client.get("/search?" + query)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        urls = re.findall(r'class="url">([^<]+)<', resp.get_data(as_text=True))
        return {int(u.rsplit("/", 1)[1]) for u in urls}

    assert found("q=kabul&since=2021-08-10&until=2021-08-12") == {23610}
    assert found("q=kabul&tag=Education") == {23612}
    assert found("q=kabul&tag=education&tag=kabul") == {23612}
    assert found("tag=Helmand") == {23601}  # filters alone list articles
    assert found("since=2021-08-13") == {23611, 23612}
    assert found("q=irrigation&since=2021-08-03") == set()
    assert found("q=") == set()  # an empty form: nothing searched


def test_article_reader_view(client: FlaskClient, crawled: Crawled) -> None:
    fixture = crawled.site.article(23601)
    assert fixture is not None
    resp = client.get(f"/article/{article_row_id(crawled, '/english/23601')}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    body = page.split('<div class="text" dir="auto">')[1].split("</div>")[0]
    paragraphs = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", body, re.S)]
    assert paragraphs == fixture.paragraphs
    assert html.escape(fixture.title, quote=False) in page
    assert fixture.author in text_of(page)
    for tag in fixture.tags:
        assert f'href="/search?tag={tag}"' in page
    assert f'href="{crawled.url("/english/23601")}"' in page  # the original URL
    view = re.search(r'class="archived" href="([^"]+)"', page)
    assert view is not None
    assert html.unescape(view.group(1)).startswith("/view?url=")
    check_headers(resp.headers)


def test_history_timeline(client: FlaskClient, crawled: Crawled) -> None:
    url = crawled.url("/english/23602")
    resp = client.get("/history", query_string={"url": url})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    captures = re.findall(r'<li class="capture status-(\d)xx">(.*?)</li>', page, re.S)
    assert len(captures) == 2  # the crawl and the refresh
    types = [re.search(r'class="type">(\w+)<', c).group(1) for _, c in captures]  # type: ignore[union-attr]
    assert types == ["response", "revisit"]
    stamps = re.findall(r"ts=(\d{14})", page)
    assert len(stamps) == 2 and stamps == sorted(stamps)
    assert all(status == "2" for status, _ in captures)


def test_view_frames_the_replay_origin(client: FlaskClient, crawled: Crawled) -> None:
    url = crawled.url("/english/23601")
    resp = client.get("/view", query_string={"url": url, "ts": "20"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    frame = re.search(r'<iframe class="replay" src="([^"]+)"', page)
    assert frame is not None
    src = html.unescape(frame.group(1))
    assert re.fullmatch(
        rf"http://localhost:{REPLAY_PORT}/archive/\d{{14}}mp_/{re.escape(url)}", src
    )
    assert 'sandbox="allow-scripts allow-same-origin"' in page  # no top navigation
    csp = resp.headers["Content-Security-Policy"]
    assert f"frame-src http://localhost:{REPLAY_PORT};" in csp
    # the replay is on another origin than the application
    assert "localhost:" + str(REPLAY_PORT) != "localhost"
    resp = client.get("/view", query_string={"url": url}, headers={"Host": "127.0.0.1:8080"})
    assert f"http://127.0.0.1:{REPLAY_PORT}/archive/" in resp.get_data(as_text=True)


def test_stylesheet(client: FlaskClient) -> None:
    resp = client.get("/static/app.css")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/css")
    assert b"url(" not in resp.data and b"@import" not in resp.data  # loads nothing
    check_headers(resp.headers)


# -- untrusted content --------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "archive"
    url = 'http://news.example/a?x="><script>alert(1)</script>'
    fields = {
        "title": "<script>alert('title')</script> & <b>bold</b>",
        "author": '"><img src=x onerror=alert(1)>',
        "published": "2021-08-01T10:00:00+00:00",
        "tags": ['"><script>alert(2)</script>', "<i>tag</i>"],
        "text": "<iframe src=javascript:alert(3)></iframe>\nSecond </p><p> paragraph",
    }
    write_archive(root, [(exchange(url, b"<p>hi</p>", date=utc(2021, 8, 1, 10)), fields)])
    db = sqlite3.connect(root / "index.sqlite3")
    db.execute("UPDATE articles SET canonical_url = 'javascript:alert(4)'")
    db.execute(
        "INSERT INTO articles (url, text, fetched_at, warc_filename, warc_record_id, "
        "warc_offset, conversion_record_id, conversion_filename, conversion_offset, "
        "conversion_length, title, tags) VALUES ('javascript:alert(5)', 'evil irrigation', "
        "'2021-08-02T00:00:00Z', 'x', 'x', 0, 'c', 'x', 0, 0, 'javascript link', '[]')"
    )
    db.commit()
    db.close()
    return root


def test_archived_content_is_escaped(hostile: Path) -> None:
    client = make_client(hostile)
    pages = [
        client.get("/"),
        client.get("/search?q=alert"),
        client.get("/search?q=irrigation"),
        client.get("/article/1"),
        client.get("/article/2"),
        client.get(
            "/history",
            query_string={"url": 'http://news.example/a?x="><script>alert(1)</script>'},
        ),
    ]
    for resp in pages:
        assert resp.status_code == 200, resp.get_data(as_text=True)
        page = resp.get_data(as_text=True)
        assert "<script" not in page and "<img" not in page and "<iframe" not in page
        assert "<b>" not in page and "<i>" not in page
        assert 'href="javascript:' not in page
        check_headers(resp.headers)
    article = pages[3].get_data(as_text=True)
    assert (
        "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        in article
    )
    assert "<p>Second &lt;/p&gt;&lt;p&gt; paragraph</p>" in article
    # a URL that is not http(s) is shown, never linked
    assert "javascript:alert(5)" in pages[4].get_data(as_text=True)
    assert 'class="original"' not in pages[4].get_data(as_text=True)


# -- defences -----------------------------------------------------------------------------
def test_foreign_host_headers_are_refused(client: FlaskClient) -> None:
    """DNS rebinding: a page of evil.example whose name points at 127.0.0.1 gets nothing."""
    for host in ("evil.example", "evil.example:8080", "127.0.0.1.evil.example", "10.0.0.1"):
        resp = client.get("/", headers={"Host": host})
        assert resp.status_code == 400, host
        assert b"Host header refused" in resp.data
        check_headers(resp.headers)
    for host in ("127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_a_server_bound_elsewhere_answers_its_names(crawled: Crawled) -> None:
    client = make_client(crawled.root, bind_host="0.0.0.0")
    resp = client.get("/view?url=" + crawled.url("/english") + "&ts=2", headers={"Host": "box:80"})
    assert resp.status_code == 200
    assert f"http://box:{REPLAY_PORT}/archive/" in resp.get_data(as_text=True)


@pytest.mark.parametrize("route", ROUTES)
def test_path_traversal_is_404(client: FlaskClient, route: str) -> None:
    base = route.rstrip("/")
    for suffix in TRAVERSALS:
        if (base + suffix).startswith("//"):
            continue  # the test client takes it for a host name: see test_replay_command
        resp = client.get(base + suffix)
        assert resp.status_code == 404, base + suffix
        assert b"root:" not in resp.data
        check_headers(resp.headers)
    for target in (
        "/static/app.css/..%2f..%2f..%2fetc%2fpasswd",
        "/static/..%2fapp.css",
        "/static/%2e%2e/web/static/app.css",
        "/article/..%2f1",
        "/article/%2e%2e",
        "/article/1/../../etc/passwd",
    ):
        assert client.get(target).status_code == 404, target


def test_paths_in_parameters_are_404(client: FlaskClient) -> None:
    for url in ("/etc/passwd", "../../../etc/passwd", "file:///etc/passwd", "%2e%2e%2fetc"):
        for route in ("/history", "/view"):
            resp = client.get(route, query_string={"url": url, "ts": "2"})
            assert resp.status_code == 404, (route, url)
            assert b"root:" not in resp.data


MALFORMED = (
    # queries FTS5 refuses are searched as plain words: tests/test_search_lenient.py
    ("/search?q=AND", 400),  # no word to search for
    ("/search?q=%25", 400),
    ("/search?q=kabul&since=2021-13-01", 400),
    ("/search?q=kabul&until=2021-02-30", 400),
    ("/search?q=kabul&since=yesterday", 400),
    ("/search?q=kabul&since=99999-01-01", 400),
    ("/search?q=kabul&since=2021-8-1", 400),
    ("/search?q=kabul&limit=0", 400),
    ("/search?q=kabul&limit=-1", 400),
    ("/search?q=kabul&limit=1e3", 400),
    ("/search?q=kabul&limit=" + "9" * 400, 400),
    ("/search?q=kabul&limit=%EF%BC%91", 400),  # a full-width digit
    ("/search?q=" + "a" * 5000, 400),
    ("/search?q=%ff", 400),  # not UTF-8
    ("/search?q=%c3%28", 400),
    ("/search?q=%ed%a0%80", 400),  # a UTF-16 surrogate in UTF-8
    ("/search?%ff=kabul", 400),
    ("/search?q=kabul%00", 400),
    ("/search?q=%1b[31m", 400),
    ("/history?url=%ff", 400),
    ("/history", 400),
    ("/history?url=" + "x" * 9000, 400),
    ("/view?url=http://x/&ts=abc", 400),
    ("/view?url=http://x/&ts=" + "9" * 15, 400),
    ("/view?url=http://x/&ts=%EF%BC%91", 400),
    ("/view?ts=2021", 400),
    ("/article/" + "9" * 30, 404),
    ("/article/9223372036854775808", 404),
    ("/article/0", 404),
    ("/article/-1", 404),
    ("/article/1.5", 404),
    ("/article/%ff", 404),
    ("/%ff%fe", 404),
    ("/search/", 404),
    ("/" + "a" * 5000, 404),
)


@pytest.mark.parametrize(("target", "status"), MALFORMED)
def test_malformed_requests_are_4xx(client: FlaskClient, target: str, status: int) -> None:
    resp = client.get(target)
    assert resp.status_code == status, (target, resp.get_data(as_text=True)[:500])
    check_headers(resp.headers)
    assert b"Traceback" not in resp.data


def test_only_get_and_head(client: FlaskClient) -> None:
    assert client.head("/").status_code == 200
    for method in ("post", "put", "delete", "patch"):
        resp = getattr(client, method)("/search?q=kabul")
        assert resp.status_code == 405, method
        check_headers(resp.headers)


@pytest.fixture
def broken(crawled: Crawled, tmp_path: Path) -> Iterator[Path]:
    root = copy_archive(crawled.root, tmp_path / "archive")
    yield root


def test_an_unreadable_index_is_503(broken: Path) -> None:
    client = make_client(broken)
    (broken / "index.sqlite3").write_bytes(b"this is not a database" * 100)
    for target in ("/", "/search?q=kabul", "/article/1", "/history?url=http://x/"):
        resp = client.get(target)
        assert resp.status_code == 503, target
        assert b"reindex" in resp.data
        check_headers(resp.headers)
    (broken / "index.sqlite3").unlink()
    assert client.get("/").status_code == 503
    assert client.get("/static/app.css").status_code == 200


# -- the chart ----------------------------------------------------------------------------
def test_chart_fills_gaps_and_keeps_the_last_year() -> None:
    assert day_chart([]) is None
    assert day_chart([("unknown", 3)]) is None
    chart = day_chart([("2021-08-01", 2), ("unknown", 5), ("2021-08-04", 4), ("bad", 1)])
    assert chart is not None
    assert [(b.day, b.count) for b in chart.bars] == [
        ("2021-08-01", 2),
        ("2021-08-02", 0),
        ("2021-08-03", 0),
        ("2021-08-04", 4),
    ]
    assert chart.peak == 4 and chart.total == 6 and not chart.cut
    tallest = chart.bars[3]
    assert tallest.y + tallest.height == pytest.approx(chart.baseline)
    assert chart.bars[0].height == pytest.approx(tallest.height / 2)
    long = day_chart([("2015-01-01", 1), ("2021-08-01", 1)])
    assert long is not None and long.cut
    assert len(long.bars) == MAX_DAYS and long.last == "2021-08-01"


def test_what_changed_between_two_versions(tmp_path: Path) -> None:
    """An article corrected after publication: its later version links to what changed,
    the words removed and added, with the archive's text escaped like everywhere."""
    url = "http://news.example/english/7"
    first = "The dam is 400 metres high.\nIt was built in 1961.\nReaders wrote <script>x</script>."
    second = "The dam is 40 metres high.\nReaders wrote <script>x</script>.\nRepairs start in May."
    root = write_archive(
        tmp_path / "a",
        [
            (exchange(url, b"<p>1</p>", date=utc(2026, 3, 1)), {"title": "Dam", "text": first}),
            (
                exchange(url, b"<p>2</p>", date=utc(2026, 3, 2)),
                {"title": "Dam, corrected", "text": second},
            ),
        ],
    )
    client = make_client(root)
    db = sqlite3.connect(root / "index.sqlite3")
    old_id, new_id = (r[0] for r in db.execute("SELECT id FROM articles ORDER BY id"))
    db.close()
    page = client.get(f"/article/{new_id}").get_data(as_text=True)
    assert f'href="/article/{new_id}/changes"' in page
    resp = client.get(f"/article/{new_id}/changes")
    assert resp.status_code == 200
    check_headers(resp.headers)
    page = resp.get_data(as_text=True)
    assert "<del>400 </del><ins>40 </ins>metres high." in page
    assert '<p class="removed"><del>It was built in 1961.</del></p>' in page
    assert '<p class="added"><ins>Repairs start in May.</ins></p>' in page
    assert '<p class="same">Readers wrote &lt;script&gt;x&lt;/script&gt;.</p>' in page
    assert "<script>" not in page
    assert "<del>Dam</del> <ins>Dam, corrected</ins>" in page
    assert f'href="/article/{old_id}"' in page
    # the first version has nothing before it; no such article: 404 either way
    assert client.get(f"/article/{old_id}/changes").status_code == 404
    assert client.get("/article/999999/changes").status_code == 404
