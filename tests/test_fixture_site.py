"""Fast tests of the fixture news site itself (tests/fixture_site)."""

from __future__ import annotations

import gzip
import html
import http.client
import re
import socket
import struct
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest

from tests.fixture_site import FixtureArticle, FixtureServer, NewsSite, default_articles

OFFSITE = "http://127.0.0.9:9"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def site() -> NewsSite:
    return NewsSite(default_articles(), offsite_url=OFFSITE)


@pytest.fixture
def server(site: NewsSite) -> Iterator[FixtureServer]:
    with FixtureServer(site) as running:
        yield running
        assert running.errors == []


@dataclass
class Fetched:
    status: int
    reason: str
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, **headers: str) -> Fetched:
    request = urllib.request.Request(
        url, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return Fetched(response.status, response.reason, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(error.code, error.reason, error.headers, error.read())


def connect(base_url: str) -> http.client.HTTPConnection:
    parts = urlsplit(base_url)
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)


def raw_get(base_url: str, target: str, extra: str = "") -> tuple[list[str], bytes]:
    """One GET over a fresh socket; returns (status line + header lines, raw body bytes)."""
    parts = urlsplit(base_url)
    request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n{extra}\r\n"
    data = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(request.encode())
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode("latin-1").split("\r\n"), body


def dechunk(raw: bytes) -> list[bytes]:
    chunks: list[bytes] = []
    while True:
        size_line, _, raw = raw.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert raw == b"\r\n"
            return chunks
        chunks.append(raw[:size])
        assert raw[size : size + 2] == b"\r\n"
        raw = raw[size + 2 :]


def hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


def locs(xml: bytes) -> dict[str, str | None]:
    root = ET.fromstring(xml)
    return {
        node.findtext(f"{SITEMAP_NS}loc", ""): node.findtext(f"{SITEMAP_NS}lastmod")
        for node in root
    }


def article_urls(base: str, articles: list[FixtureArticle]) -> set[str]:
    return {base + a.path for a in articles}


# ------------------------------------------------------------------------- data
def test_default_articles_are_varied_and_realistic() -> None:
    articles = default_articles()
    assert len(articles) == 12
    assert len({a.id for a in articles}) == 12
    assert {a.category for a in articles} == {"politics", "world", "economy"}
    assert len({a.author for a in articles}) == 12
    assert len({a.published_at for a in articles}) == 12
    paragraphs = [p for a in articles for p in a.paragraphs]
    assert len(set(paragraphs)) == len(paragraphs)
    for article in articles:
        assert 3 <= len(article.paragraphs) <= 6
        assert all(25 <= len(p.split()) <= 80 for p in article.paragraphs)
        assert article.path == f"/english/{article.id}"
        assert article.text == "\n".join(article.paragraphs)
        article.text.encode(article.encoding)  # every article is encodable as served
        assert article.published_at.utcoffset() is not None
    by_kind = {(a.encoding, a.charset_in_header, a.lang) for a in articles}
    assert ("windows-1252", True, "en") in by_kind
    assert ("windows-1252", False, "en") in by_kind
    assert ("utf-8", True, "ur") in by_kind
    fancy = [a for a in articles if a.encoding == "utf-8" and a.lang == "en"]
    assert any(all(c in a.title and c in a.text for c in "’“”—…") for a in fancy)


def test_special_discovery_ids(site: NewsSite) -> None:
    special = {site.sitemap_only_id, site.feed_only_id, site.tag_only_id}
    assert None not in special and len(special) == 3
    assert len(site.visible("all")) == 9


# ------------------------------------------------------------ robots / sitemaps
def test_robots_txt(server: FixtureServer) -> None:
    page = fetch(server.base_url + "/robots.txt")
    assert page.status == 200
    assert page.text.splitlines()[:3] == [
        "User-agent: *",
        "Disallow: /english/private/",
        "Disallow: /english/search",
    ]
    assert f"Sitemap: {server.base_url}/sitemap.xml" in page.text.splitlines()


def test_sitemaps_list_every_sitemap_article(server: FixtureServer, site: NewsSite) -> None:
    base = server.base_url
    index = fetch(base + "/sitemap.xml")
    assert index.headers["Content-Type"].startswith("application/xml")
    assert set(locs(index.body)) == {f"{base}/sitemap-articles.xml", f"{base}/sitemap-news.xml.gz"}

    plain = fetch(base + "/sitemap-articles.xml")
    packed = fetch(base + "/sitemap-news.xml.gz", Accept_Encoding="gzip")
    assert packed.headers["Content-Type"] == "application/x-gzip"
    assert packed.headers["Content-Encoding"] is None
    assert packed.body[:2] == b"\x1f\x8b"
    entries = locs(plain.body) | locs(gzip.decompress(packed.body))
    assert set(entries) == article_urls(base, site.visible("sitemap"))
    assert all(entries.values())  # every <url> has a <lastmod>
    assert f"{base}/english/{site.sitemap_only_id}" in locs(gzip.decompress(packed.body))
    assert f"{base}/english/{site.feed_only_id}" not in entries


def test_feed_is_rss_with_absolute_links(server: FixtureServer, site: NewsSite) -> None:
    feed = fetch(server.base_url + "/english/feed")
    assert feed.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    items = ET.fromstring(feed.body).findall("./channel/item")
    links = {item.findtext("link") for item in items}
    assert links == article_urls(server.base_url, site.visible("feed"))
    assert f"{server.base_url}/english/{site.feed_only_id}" in links
    assert all(item.findtext("guid") == item.findtext("link") for item in items)
    dates = [item.findtext("pubDate", "") for item in items]
    assert all(re.search(r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}$", date) for date in dates)


# -------------------------------------------------------------- transport details
def test_gzip_only_when_accepted(server: FixtureServer) -> None:
    plain = fetch(server.base_url + "/english")
    assert plain.headers["Content-Encoding"] is None
    assert plain.headers["Vary"] == "Accept-Encoding"
    packed = fetch(server.base_url + "/english", Accept_Encoding="br, gzip;q=0.8")
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert "Fixture Press" in gzip.decompress(packed.body).decode()
    refused = fetch(server.base_url + "/english", Accept_Encoding="gzip;q=0")
    assert refused.headers["Content-Encoding"] is None


def test_category_pages_are_chunked(server: FixtureServer) -> None:
    for extra in ("", "Accept-Encoding: gzip\r\n"):
        head, raw = raw_get(server.base_url, "/english/category/politics", extra)
        assert head[0] == "HTTP/1.1 200 OK"
        names = [line.split(":", 1)[0].lower() for line in head[1:]]
        assert "transfer-encoding: chunked" in [line.lower() for line in head]
        assert "content-length" not in names
        chunks = dechunk(raw)
        assert len(chunks) >= 2
        body = b"".join(chunks)
        if extra:
            body = gzip.decompress(body)
        assert b'rel="next" href="/english/category/politics?page=2"' in body


def test_category_pagination(server: FixtureServer, site: NewsSite) -> None:
    politics = [a for a in site.visible("all") if a.category == "politics"]
    assert len(politics) == 4
    first = fetch(server.base_url + "/english/category/politics?sessionid=abc123")
    second = fetch(server.base_url + "/english/category/politics?page=2")
    for article in politics[:3]:
        assert f'href="{article.path}"' in first.text
    assert f'href="{politics[3].path}"' in second.text
    assert 'rel="next"' not in second.text
    assert fetch(server.base_url + "/english/category/politics?page=3").status == 404
    assert fetch(server.base_url + "/english/category/politics?page=0").status == 404
    assert fetch(server.base_url + "/english/category/sports").status == 404


def test_common_response_headers(server: FixtureServer) -> None:
    head, body = raw_get(server.base_url, "/english/23601")
    assert head[0] == "HTTP/1.1 200 OK"
    headers = [line.split(": ", 1) for line in head[1:]]
    cookies = [value for name, value in headers if name == "Set-Cookie"]
    assert len(cookies) == 2 and "consent=no; Path=/" in cookies
    assert ["Server", "FixtureHTTP/1.0"] in headers
    assert any(name == "Date" for name, _ in headers)
    assert ["Content-Length", str(len(body))] in headers


def test_not_found_has_custom_reason(server: FixtureServer) -> None:
    head, body = raw_get(server.base_url, "/english/99999")
    assert head[0] == "HTTP/1.1 404 Not Here"
    assert b"Page not found" in body
    for path in ("/english/no-such-page", "/", "/english/023601", "/english/tag/nothing"):
        page = fetch(server.base_url + path)
        assert (page.status, page.reason) == (404, "Not Here")


def test_old_url_redirects(server: FixtureServer) -> None:
    connection = connect(server.base_url)
    connection.request("GET", "/english/old/23601")
    response = connection.getresponse()
    response.read()
    connection.close()
    assert (response.status, response.getheader("Location")) == (301, "/english/23601")
    assert fetch(server.base_url + "/english/old/1").status == 404
    assert server.paths()[-1] == "/english/old/1"


def test_keep_alive_and_unknown_method(server: FixtureServer) -> None:
    connection = connect(server.base_url)
    for path in ("/english/23601", "/english/feed"):
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200 and response.read()
    first_socket = connection.sock
    connection.request("GET", "/robots.txt")
    connection.getresponse().read()
    assert connection.sock is first_socket  # still the same TCP connection
    connection.request("POST", "/english", body=b"x=1")
    response = connection.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "GET"
    response.read()
    connection.close()


def test_disconnecting_client_is_quiet(
    server: FixtureServer, site: NewsSite, capfd: pytest.CaptureFixture
) -> None:
    huge = ["A very long paragraph for a very large page. " * 4000] * 10  # about 2 MB
    site.add_article(FixtureArticle(1, "Huge", "A", "2020-01-01T00:00:00+00:00", "world", [], huge))
    parts = urlsplit(server.base_url)
    for target in ("/english/1", "/english/category/world", "/english/1"):
        sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # reset the connection while the response is still being sent
    assert fetch(server.base_url + "/english").status == 200
    assert capfd.readouterr().err == ""


# --------------------------------------------------------------------- articles
def test_article_page(server: FixtureServer, site: NewsSite) -> None:
    article = site.article(23603)
    assert article is not None
    page = fetch(server.base_url + article.path)
    assert (page.status, page.reason) == (200, "OK")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    text = page.text
    assert f"<title>{html.escape(article.title, quote=False)} | Fixture Press</title>" in text
    assert f'<link rel="canonical" href="{server.base_url}{article.path}" />' in text
    assert f'<meta property="article:published_time" content="{article.published}" />' in text
    assert text.count('<meta property="article:tag"') == len(article.tags)
    assert f'<meta name="author" content="{article.author}" />' in text
    for paragraph in article.paragraphs:
        assert f"<p>{html.escape(paragraph, quote=False)}</p>" in text
    assert '<a rel="tag" href="/english/tag/taliban">Taliban</a>' in text
    assert "Share this article" in text and "Related articles" in text and "Most read" in text


@pytest.mark.parametrize("in_header", [True, False])
def test_windows_1252_articles(server: FixtureServer, site: NewsSite, in_header: bool) -> None:
    article = next(
        a
        for a in site.articles
        if a.encoding == "windows-1252" and a.charset_in_header is in_header
    )
    page = fetch(server.base_url + article.path)
    expected_type = "text/html; charset=windows-1252" if in_header else "text/html"
    assert page.headers["Content-Type"] == expected_type
    assert b'<meta charset="windows-1252" />' in page.body
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    assert b"\x80" in page.body and (b"\x92" in page.body or b"\x93" in page.body)
    for paragraph in article.paragraphs:
        assert f"<p>{html.escape(paragraph, quote=False)}</p>".encode("cp1252") in page.body


def test_urdu_article(server: FixtureServer, site: NewsSite) -> None:
    article = next(a for a in site.articles if a.lang == "ur")
    page = fetch(server.base_url + article.path)
    assert '<html lang="ur" dir="rtl">' in page.text
    assert article.paragraphs[0] in page.text


# ----------------------------------------------------------------- request log
def test_request_log(server: FixtureServer) -> None:
    fetch(server.base_url + "/english/search?q=news", User_Agent="fixture-test/1.0")
    fetch(server.base_url + "/english/private/secret")
    [search, private] = server.requests
    assert (search.method, search.path, search.query) == ("GET", "/english/search", "q=news")
    assert search.user_agent == "fixture-test/1.0"
    assert search.headers["User-Agent"] == "fixture-test/1.0"
    assert search.path_with_query == "/english/search?q=news"
    assert server.paths() == ["/english/search?q=news", "/english/private/secret"]
    server.clear_log()
    assert server.paths() == []


# ------------------------------------------------------------------------ traps
@pytest.mark.parametrize(
    ("start", "pattern"),
    [
        ("/english/calendar/2021/08", r'rel="next" href="(/english/calendar/\d{4}/\d\d)"'),
        ("/english/archive", r'rel="next" href="(/english/archive\?page=\d+)"'),
    ],
)
def test_traps_are_endless(server: FixtureServer, start: str, pattern: str) -> None:
    seen = [start]
    for _ in range(30):
        page = fetch(server.base_url + seen[-1])
        assert page.status == 200
        seen.append(re.findall(pattern, page.text)[0])
    assert len(set(seen)) == len(seen)


def test_session_ids_are_new_on_every_render(server: FixtureServer) -> None:
    def session_links() -> set[str]:
        page = fetch(server.base_url + "/english").text
        return {h for h in hrefs(page) if "sessionid=" in h}

    first, second = session_links(), session_links()
    assert len(first) == 6 and first.isdisjoint(second)


# -------------------------------------------------------------------- coverage
BASE = "http://fixture.test"
TRAPS = ("/english/calendar/", "/english/archive")


def _follow_html_links(site: NewsSite) -> dict[str, list[str]]:
    """Map every HTML page reachable from /english by <a>/<link> hrefs to its outgoing links.

    Session ids and utm_* parameters are dropped, fragments removed, robots.txt and the traps
    respected; the feed and sitemaps are not followed.
    """
    graph: dict[str, list[str]] = {}
    queue = ["/english"]
    while queue:
        target = queue.pop()
        if target in graph:
            continue
        path, _, query = target.partition("?")
        response = site.render(path, query, BASE)
        links: list[str] = []
        if response.status == 301:
            links = [dict(response.headers)["Location"]]
        elif response.status == 200 and response.content_type.startswith("text/html"):
            charset = re.findall(rb'<meta charset="([^"]+)"', response.body)[0].decode()
            page = response.body.decode(charset)
            ET.fromstring(page)  # every page is well-formed
            for href in hrefs(page):
                url = urlsplit(urljoin(BASE + target, href))
                if f"{url.scheme}://{url.netloc}" != BASE:
                    continue
                params = [
                    (k, v)
                    for k, v in parse_qsl(url.query)
                    if k != "sessionid" and not k.startswith("utm_")
                ]
                links.append(url.path + (f"?{urlencode(params)}" if params else ""))
        graph[target] = links
        queue += [
            link
            for link in links
            if not link.startswith((*NewsSite.DISALLOWED_PREFIXES, *TRAPS, "/english/feed"))
        ]
    return graph


def test_discovery_paths(site: NewsSite) -> None:
    graph = _follow_html_links(site)
    reached = {int(p.rsplit("/", 1)[1]) for p in graph if re.fullmatch(r"/english/\d+", p)}
    assert reached - {99999} == {a.id for a in site.visible("all")} | {site.tag_only_id}
    assert site.render("/english/99999", "", BASE).status == 404

    def linked_from(article_id: int | None) -> set[str]:
        path = f"/english/{article_id}"
        return {page for page, links in graph.items() if path in links and page != path}

    assert linked_from(site.sitemap_only_id) == set()
    assert linked_from(site.feed_only_id) == set()
    tag_pages = linked_from(site.tag_only_id)
    assert tag_pages and all(page.startswith("/english/tag/") for page in tag_pages)

    home = graph["/english"]
    assert "/english/private/secret" in home and "/english/search?q=news" in home
    assert "/english/calendar/2021/08" in home and "/english/archive" in home
    assert site.render("/english/private/secret", "", BASE).status == 200
    assert site.render("/english/search", "q=news", BASE).status == 200


def test_offsite_link_only_when_configured(site: NewsSite) -> None:
    assert f'href="{OFFSITE}/english/777"' in site.render("/english", "", BASE).body.decode()
    plain = NewsSite(default_articles()).render("/english", "", BASE).body.decode()
    assert "/english/777" not in plain


def test_add_article_appears_everywhere(server: FixtureServer, site: NewsSite) -> None:
    fresh = FixtureArticle(
        id=23650,
        title="Breaking Story Added During the Crawl",
        author="Late Reporter",
        published="2021-09-01T12:00:00+00:00",
        category="world",
        tags=["Kabul"],
        paragraphs=["A paragraph written for the test. " * 5] * 3,
    )
    site.add_article(fresh)
    base = server.base_url
    assert 'href="/english/23650"' in fetch(base + "/english").text
    assert f"<link>{base}/english/23650</link>" in fetch(base + "/english/feed").text
    news = gzip.decompress(fetch(base + "/sitemap-news.xml.gz").body)
    assert f"{base}/english/23650" in locs(news)
    assert 'href="/english/23650"' in fetch(base + "/english/tag/kabul").text
    with pytest.raises(ValueError):
        site.add_article(fresh)
