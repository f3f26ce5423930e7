"""Bot challenges met by a crawl (docs/reliability.md): archived as received,
counted, not emitted as articles, and asked again by the next run."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.challenge_pages import CAPTCHA_ARTICLE_TITLE, CLOUDFLARE_CHALLENGE, JS_SHELL_200
from tests.crawling import CrawlRun, run_crawl
from tests.hostile_site import CHALLENGE_CASES, HostileServer
from tests.warcs import check_record_digests, read_record_at, read_warc

pytestmark = pytest.mark.slow

CHALLENGE_403, CHALLENGE_200, CAPTCHA_ARTICLE = CHALLENGE_CASES


def last_run_stats(root: Path) -> dict[str, Any]:
    db = sqlite3.connect(root / "index.sqlite3")
    name, offset = db.execute(
        "SELECT warc_filename, warc_offset FROM runs ORDER BY started DESC LIMIT 1"
    ).fetchone()
    db.close()
    report = json.loads(read_record_at(root / "warc" / name, offset, 10**9).payload)
    return dict(report["stats"])


def test_challenges_are_archived_counted_not_articles_and_asked_again(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    with HostileServer(cases=CHALLENGE_CASES) as server:
        host = server.base_url.removeprefix("http://")
        first = run_crawl(root, server.base_url, items_path=tmp_path / "first.jsonl", timeout=90)
        first_log = list(server.log)
        first_stats = last_run_stats(root)
        second = run_crawl(root, server.base_url, items_path=tmp_path / "second.jsonl", timeout=90)
        second_log = server.log[len(first_log) :]
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]

    # the real article that talks about captchas is an article; the challenges are not

    def url(path: str) -> str:
        return server.base_url + path

    assert [item["url"] for item in first.items] == [url(CAPTCHA_ARTICLE)]
    assert first.items[0]["title"] == CAPTCHA_ARTICLE_TITLE
    assert "verify you are human" in first.items[0]["text"]
    assert first_stats["archive/challenges"] == 2
    assert first_stats[f"archive/challenges/{host}"] == 2
    assert f"{host} answered 2 bot challenges (archived as received" in first.stderr
    warnings = re.findall(r"answered \S+ with a bot challenge", first.stderr)
    assert len(warnings) == 1, warnings  # once per host

    # archived byte for byte as sent, status line and repeated headers included; no
    # conversion record and no article row for them
    records = [r for warc in sorted((root / "warc").glob("*.warc.gz")) for r in read_warc(warc)]
    for rec in records:
        check_record_digests(rec)
    responses = {
        r.h("WARC-Target-URI"): r for r in records if r.type == "response" and r.http is not None
    }
    cloudflare = responses[url(CHALLENGE_403)]
    assert cloudflare.http is not None
    assert cloudflare.http.statusline == "403 Forbidden"
    assert cloudflare.http.get_header("cf-mitigated") == "challenge"
    assert len([v for k, v in cloudflare.http.headers if k.lower() == "set-cookie"]) == 2
    assert cloudflare.payload == CLOUDFLARE_CHALLENGE
    shell = responses[url(CHALLENGE_200)]
    assert shell.http is not None and shell.http.statusline == "200 OK"
    assert shell.payload == JS_SHELL_200
    converted = {r.h("WARC-Target-URI") for r in records if r.type == "conversion"}
    assert converted == {url(CAPTCHA_ARTICLE)}
    db = sqlite3.connect(root / "index.sqlite3")
    articles = [row[0] for row in db.execute("SELECT url FROM articles")]
    db.close()
    assert articles == [url(CAPTCHA_ARTICLE)]

    # the next run asks for the challenged pages again, not for the archived article
    assert first_log.count(CHALLENGE_403) == first_log.count(CHALLENGE_200) == 1
    assert second_log.count(CHALLENGE_403) == 1
    assert second_log.count(CHALLENGE_200) == 1
    assert CAPTCHA_ARTICLE in first_log and CAPTCHA_ARTICLE not in second_log
    assert second.items == []
    assert last_run_stats(root)["archive/challenges"] == 2


def test_a_site_answering_only_challenges_blocks_the_crawler(tmp_path: Path) -> None:
    with HostileServer(cases=CHALLENGE_CASES, blocked=True) as server:
        host = server.base_url.removeprefix("http://")
        run: CrawlRun = run_crawl(tmp_path / "archive", server.base_url, timeout=90)
    assert f"{host} answered 1 bot challenge: the site blocks this crawler" in run.stderr
    # a crawl that got nothing but challenges failed, so that cron and systemd alert
    assert run.returncode == 1, run.stderr[-2000:]
    assert f"crawl FAILED: {host} blocks this crawler (1 bot challenge)" in run.stderr
    assert last_run_stats(tmp_path / "archive")["archive/challenges"] == 1
