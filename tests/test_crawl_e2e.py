"""End to end: the real ``scrapy crawl ansarpress`` against the fixture news site."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler import settings
from tests.crawling import CrawlRun, run_crawl
from tests.fixture_site import FixtureServer, NewsSite
from tests.warcs import Rec, check_record_digests, read_record_at, read_warc


class Crawl:
    def __init__(self, run: CrawlRun, root: Path, server: FixtureServer) -> None:
        self.run = run
        self.root = root
        self.server = server
        self.site: NewsSite = server.site
        self.files = sorted((root / "warc").glob("*.warc.gz"))
        self.records: dict[str, list[Rec]] = {f.name: read_warc(f) for f in self.files}
        self.db = sqlite3.connect(root / "index.sqlite3")
        self.db.row_factory = sqlite3.Row

    def all_records(self) -> list[Rec]:
        return [r for recs in self.records.values() for r in recs]

    def by_id(self) -> dict[str, Rec]:
        return {r.id: r for r in self.all_records()}

    def responses(self, path: str) -> list[Rec]:
        url = self.server.base_url + path
        return [
            r for r in self.all_records() if r.type == "response" and r.h("WARC-Target-URI") == url
        ]


@pytest.fixture(scope="module")
def crawl(
    site_server: FixtureServer,
    offsite_server: FixtureServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Crawl:
    tmp = tmp_path_factory.mktemp("e2e")
    run = run_crawl(tmp / "archive", site_server.base_url, items_path=tmp / "items.jsonl")
    assert run.returncode == 0, run.stderr[-3000:]
    return Crawl(run, tmp / "archive", site_server)


def article_id(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[1])


def test_summary_and_exit_status(crawl: Crawl) -> None:
    assert "12 articles archived" in crawl.run.stderr
    assert "0 extraction failures" in crawl.run.stderr
    assert str(crawl.root.resolve()) in crawl.run.stderr
    assert "Traceback" not in crawl.run.stderr
    assert "ERROR" not in crawl.run.stderr


def test_every_article_archived_once_with_exact_fields(crawl: Crawl) -> None:
    items = crawl.run.items
    assert sorted(article_id(i["url"]) for i in items) == [a.id for a in crawl.site.articles]
    rows = crawl.db.execute("SELECT * FROM articles").fetchall()
    assert sorted(article_id(r["url"]) for r in rows) == [a.id for a in crawl.site.articles]
    for item in items:
        expected = crawl.site.article(article_id(item["url"]))
        assert expected is not None
        assert item["text"] == expected.text, item["url"]
        assert item["title"] == expected.title
        assert item["published"] == expected.published
        assert item["author"] == expected.author
        assert item["tags"] == expected.tags
        assert item["canonical_url"] == crawl.server.base_url + expected.path
        assert item["warc_record_id"].startswith("<urn:uuid:")
        assert item["fetched_at"].endswith("Z")


def test_hard_characters_survive(crawl: Crawl) -> None:
    texts = {article_id(i["url"]): i for i in crawl.run.items}
    curly = texts[23603]
    assert "—" in curly["text"] and "’" in curly["text"] and "…" in curly["text"]
    for cp1252 in (23604, 23605):  # charset in the header / only in <meta>
        assert texts[cp1252]["text"] == crawl.site.article(cp1252).text
    assert texts[23604]["author"] == "Renée Müller"
    assert texts[23606]["language"] == "ur"


def test_robots_obeyed_and_site_kept(crawl: Crawl, offsite_server: FixtureServer) -> None:
    paths = crawl.server.paths()
    assert paths[0] == "/robots.txt"
    assert paths.count("/robots.txt") == 1
    assert not [p for p in paths if p.startswith(NewsSite.DISALLOWED_PREFIXES)]
    assert offsite_server.requests == []
    # every request says who is crawling
    assert {e.user_agent for e in crawl.server.requests} == {settings.USER_AGENT}


def test_traps_end(crawl: Crawl) -> None:
    paths = crawl.server.paths()
    assert len([p for p in paths if p.startswith("/english/archive")]) <= 4
    assert len([p for p in paths if p.startswith("/english/calendar")]) <= 8
    assert not [p for p in paths if "sessionid" in p or "utm_" in p]
    articles = [p for p in paths if p.rstrip("/").rsplit("/", 1)[-1].isdigit()]
    assert len(articles) == len(set(articles)), "an article was fetched twice"
    assert len(paths) < 80


def test_page_assets_are_captured_once(crawl: Crawl) -> None:
    paths = crawl.server.paths()
    for asset, mime in (("/static/site.css", "text/css"), ("/static/logo.png", "image/png")):
        assert paths.count(asset) == 1
        (rec,) = crawl.responses(asset)
        assert rec.http.get_header("Content-Type").startswith(mime)


def test_warc_files_are_valid(crawl: Crawl) -> None:
    assert crawl.files, "no WARC file"
    assert not list((crawl.root / "warc").glob("*.open"))
    for path in crawl.files:
        subprocess.run(["gzip", "-t", str(path)], check=True)
        check = subprocess.run(
            [sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True
        )
        assert check.returncode == 0, check.stdout
        recs = crawl.records[path.name]
        assert recs[0].type == "warcinfo"
        assert recs[0].h("WARC-Filename") == path.name
        assert b"news-web-archiver" in recs[0].block
        for rec in recs:
            assert rec.headers.protocol == "WARC/1.1"
            assert rec.h("WARC-Date").endswith("Z")
            assert rec.id.startswith("<urn:uuid:")
            check_record_digests(rec)


def test_requests_pair_with_responses(crawl: Crawl) -> None:
    by_id = crawl.by_id()
    requests = [r for r in crawl.all_records() if r.type == "request"]
    responses = [r for r in crawl.all_records() if r.type == "response"]
    assert len(requests) == len(responses) == len(crawl.server.requests)
    for req in requests:
        resp = by_id[req.h("WARC-Concurrent-To")]
        assert resp.type == "response"
        assert resp.h("WARC-Date") == req.h("WARC-Date")
        assert resp.h("WARC-Target-URI") == req.h("WARC-Target-URI")
        assert resp.h("WARC-IP-Address") == "127.0.0.1"


def test_payload_is_what_the_server_sent(crawl: Crawl) -> None:
    sent: dict[str, list[bytes]] = {}
    for target, _status, body in crawl.server.sent:
        sent.setdefault(target, []).append(body)
    for rec in crawl.all_records():
        if rec.type != "response":
            continue
        target = rec.h("WARC-Target-URI").removeprefix(crawl.server.base_url)
        assert rec.payload in sent[target], target


def test_http_messages_are_faithful(crawl: Crawl) -> None:
    (missing,) = crawl.responses("/english/99999")
    assert missing.http.statusline == "404 Not Here"
    (home,) = crawl.responses("/english")
    cookies = [v for k, v in home.http.headers if k.lower() == "set-cookie"]
    assert len(cookies) == 2 and "consent=no; Path=/" in cookies
    assert home.http.get_header("Content-Encoding") == "gzip"
    assert home.payload[:2] == b"\x1f\x8b"
    assert gzip.decompress(home.payload).startswith(b"<!DOCTYPE html>")
    assert int(home.http.get_header("Content-Length")) == len(home.payload)
    # a chunked response is stored de-chunked, with headers that say so
    (page2,) = crawl.responses("/english/category/politics?page=2")
    assert page2.http.get_header("Transfer-Encoding") is None
    length = page2.http.get_header("Content-Length")
    assert length is None or int(length) == len(page2.payload)
    request = next(
        r
        for r in crawl.all_records()
        if r.type == "request" and r.h("WARC-Concurrent-To") == page2.id
    )
    assert request.block.startswith(b"GET /english/category/politics?page=2 HTTP/1.1\r\n")
    # each redirect hop is archived
    (hop,) = crawl.responses("/english/old/23601")
    assert hop.http.statusline.startswith("301")
    assert hop.http.get_header("Location") == "/english/23601"


def test_index_rows_seek_back_to_their_records(crawl: Crawl) -> None:
    rows = crawl.db.execute("SELECT * FROM captures").fetchall()
    assert len(rows) == len([r for r in crawl.all_records() if r.type == "response"])
    for row in rows:
        rec = read_record_at(
            crawl.root / "warc" / row["warc_filename"], row["warc_offset"], row["warc_length"]
        )
        assert rec.id == row["record_id"]
        assert rec.h("WARC-Target-URI") == row["url"]
        assert rec.h("WARC-Payload-Digest") == row["payload_digest"]
    lines = (crawl.root / "index.cdxj").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(rows)
    assert lines == sorted(lines)
    first = json.loads(lines[0].split(" ", 2)[2])
    assert {"url", "mime", "status", "digest", "offset", "length", "filename"} <= set(first)


def test_conversion_records_refer_to_their_responses(crawl: Crawl) -> None:
    by_id = crawl.by_id()
    rows = crawl.db.execute("SELECT * FROM articles").fetchall()
    for row in rows:
        path = crawl.root / "warc" / row["conversion_filename"]
        conv = read_record_at(path, row["conversion_offset"], row["conversion_length"])
        assert conv.type == "conversion"
        assert conv.h("WARC-Concurrent-To") is None
        assert conv.h("WARC-Refers-To") == row["warc_record_id"]
        response = by_id[row["warc_record_id"]]
        assert response.type == "response"
        assert response.h("WARC-Target-URI") == conv.h("WARC-Target-URI") == row["url"]
        document: dict[str, Any] = json.loads(conv.payload)
        assert document["text"] == row["text"]
        assert document["warc_offset"] == response.offset == row["warc_offset"]


def test_full_text_search(crawl: Crawl) -> None:
    hits = crawl.db.execute(
        "SELECT a.url FROM articles_fts f JOIN articles a ON a.id = f.rowid "
        "WHERE articles_fts MATCH ?",
        ("irrigation",),
    ).fetchall()
    assert [article_id(h["url"]) for h in hits] == [23601]
