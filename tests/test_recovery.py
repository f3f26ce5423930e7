"""A crawl killed (SIGKILL) after some article responses reached the WARC and before
their extraction did: the next run extracts them from the archived bytes instead of
fetching them again, and records the killed run in ``runs`` (finish reason
``killed``). The kill is made deterministic by the ``article`` fault point: the
process dies as the Nth extracted article goes to the writer, its response written."""

from __future__ import annotations

import dataclasses
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from protego import Protego
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from archive.integrity.killedruns import killed_run_id, run_files
from crawler.spiders.ansarpress import AnsarpressSpider
from crawler.spiders.meta import PRIO_FEED
from tests.crawling import REPO, crawl_command, crawl_env, run_crawl
from tests.fixture_site import FixtureServer, NewsSite, default_articles
from tests.fixture_site.site import FixtureArticle
from tests.warcs import Rec, read_record_at, read_warc

# small WARC files: the killed run rolls over to several, as a long crawl does
SETTINGS = ("-s", "ARCHIVE_WARC_MAX_SIZE=20000", "-s", "ARCHIVE_EXTRACT_WORKERS=1")
KILL_AT = "article:5"


def more_articles() -> list[FixtureArticle]:
    return [
        FixtureArticle(
            id=25000 + n,
            title=f"Canal repairs, part {n}",
            author="A. Writer",
            published="2024-03-01T08:00:00+00:00",
            category="world",
            tags=["water"],
            paragraphs=[
                f"Repairs to section {n} of the canal went on through week {week} of the work."
                for week in range(1, 7)
            ],
        )
        for n in range(12)
    ]


def archive_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive", "--archive-dir", str(root), *args],
        cwd=REPO,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def records(root: Path, names: list[str] | None = None) -> list[tuple[str, Rec]]:
    """(file name, record) of every record, files in the order written."""
    paths = sorted((root / "warc").iterdir())
    if names is not None:
        paths = [p for p in paths if p.name.removesuffix(".open") in names]
    return [(p.name.removesuffix(".open"), rec) for p in paths for rec in read_warc(p)]


def run_report(root: Path, run_id: str) -> dict[str, Any]:
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        name, offset = db.execute(
            "SELECT warc_filename, warc_offset FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
    finally:
        db.close()
    report: dict[str, Any] = json.loads(read_record_at(root / "warc" / name, offset, 10**9).payload)
    return report


def runs(root: Path) -> list[dict[str, Any]]:
    out = archive_cli(root, "runs", "--json")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@dataclass
class Recovered:
    server: FixtureServer
    site: NewsSite
    root: Path
    killed_files: list[str]
    killed: list[tuple[str, Rec]]  # the killed run's records, as it left them
    articles: set[str]  # the site's article URLs
    fetched_after: list[str]  # paths the server was asked for by the run that recovered
    recovering: dict[str, Any]  # that run's runs row
    runs_after: list[dict[str, Any]]  # `runs --json` after it
    third: dict[str, Any]  # the run report of one more run

    def archived_by_killed(self) -> dict[str, str]:
        """article URL -> id of the response record the killed run wrote for it."""
        return {
            str(r.h("WARC-Target-URI")): r.id
            for _, r in self.killed
            if r.type == "response" and r.h("WARC-Target-URI") in self.articles
        }

    def dates(self) -> list[tuple[str, str]]:
        """(record id, WARC-Date) of the killed run's records."""
        return [(r.id, str(r.h("WARC-Date"))) for _, r in self.killed]

    def unextracted(self) -> set[str]:
        converted = {r.h("WARC-Refers-To") for _, r in self.killed if r.type == "conversion"}
        return {url for url, rid in self.archived_by_killed().items() if rid not in converted}


@pytest.fixture(scope="module")
def recovered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recovered]:
    root = tmp_path_factory.mktemp("recovery") / "archive"
    site = NewsSite([*default_articles(), *more_articles()])
    with FixtureServer(site) as server:
        env = crawl_env()
        env["ARCHIVE_KILL_AT"] = KILL_AT
        killed = subprocess.run(
            crawl_command(root, server.base_url, *SETTINGS),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
        killed_files = sorted(p.name.removesuffix(".open") for p in (root / "warc").iterdir())
        killed_records = records(root)
        server.clear_log()
        again = run_crawl(root, server.base_url, *SETTINGS)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "Traceback" not in again.stderr
        fetched_after = server.paths()
        runs_after = runs(root)
        recovering = runs_after[0]
        third = run_crawl(root, server.base_url, *SETTINGS)
        assert third.returncode == 0, third.stderr[-3000:]
        yield Recovered(
            server,
            site,
            root,
            killed_files,
            killed_records,
            {server.base_url + a.path for a in site.articles},
            fetched_after,
            recovering,
            runs_after,
            run_report(root, runs(root)[0]["run_id"]),
        )


@pytest.mark.slow
def test_the_kill_left_articles_archived_but_not_extracted(recovered: Recovered) -> None:
    assert len(recovered.unextracted()) >= 1  # the 5th article's, at least


@pytest.mark.slow
def test_no_archived_article_is_fetched_again(recovered: Recovered) -> None:
    base = recovered.server.base_url
    assert "/robots.txt" in recovered.fetched_after  # the server's log is the one read
    again = {base + p for p in recovered.fetched_after} & recovered.articles
    assert sorted(again & set(recovered.archived_by_killed())) == []


@pytest.mark.slow
def test_every_article_has_one_response_and_one_conversion(recovered: Recovered) -> None:
    every = [rec for _, rec in records(recovered.root)]
    responses = {}
    for rec in every:
        url = rec.h("WARC-Target-URI")
        if rec.type == "response" and url in recovered.articles:
            assert url not in responses, f"{url} archived twice"
            responses[url] = rec.id
    assert set(responses) == recovered.articles
    conversions = [r for r in every if r.type == "conversion"]
    assert sorted(str(r.h("WARC-Target-URI")) for r in conversions) == sorted(recovered.articles)
    for rec in conversions:
        # each refers to the response of its URL: the recovered ones to the killed run's
        assert rec.h("WARC-Refers-To") == responses[str(rec.h("WARC-Target-URI"))]


@pytest.mark.slow
def test_recovered_articles_are_extracted_as_a_fetch_would(recovered: Recovered) -> None:
    db = sqlite3.connect(recovered.root / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        rows = {r["url"]: r for r in db.execute("SELECT * FROM articles")}
    finally:
        db.close()
    killed_ids = recovered.archived_by_killed()
    for url in recovered.unextracted():
        assert rows[url]["warc_record_id"] == killed_ids[url]
        assert rows[url]["warc_filename"] in recovered.killed_files
        assert rows[url]["fetched_at"] == dict(recovered.dates())[killed_ids[url]]
    for url, row in rows.items():
        expected = recovered.site.article(int(url.rsplit("/", 1)[1]))
        assert expected is not None
        assert (row["title"], row["text"], row["author"]) == (
            expected.title,
            expected.text,
            expected.author,
        ), url


@pytest.mark.slow
def test_the_run_report_counts_the_recovered(recovered: Recovered) -> None:
    report = run_report(recovered.root, recovered.recovering["run_id"])
    assert report["stats"]["archive/articles_recovered"] == len(recovered.unextracted())
    assert report["stats"]["archive/killed_runs_recorded"] == 1
    # recovered articles are new articles of this run, not pages it fetched
    assert recovered.recovering["new_articles"] == len(recovered.articles) - len(
        [r for _, r in recovered.killed if r.type == "conversion"]
    )


@pytest.mark.slow
def test_the_killed_run_appears_in_runs(recovered: Recovered) -> None:
    killed = [r for r in recovered.runs_after if r["finish_reason"] == "killed"]
    assert len(killed) == 1
    (run,) = killed
    assert run["run_id"] == killed_run_id(recovered.killed_files[0])
    first, last = recovered.killed[0][1], recovered.killed[-1][1]
    assert first.type == "warcinfo"
    assert run["started"] == first.h("WARC-Date")
    assert run["finished"] == last.h("WARC-Date")  # the last record it wrote
    assert run["spider"] == "ansarpress"
    kinds = [r.type for _, r in recovered.killed]
    assert run["pages"] == kinds.count("response") + kinds.count("revisit")
    assert run["new_articles"] == kinds.count("conversion")
    assert run["errors"] is None and run["exit_status"] is None
    # newest first: the run that recovered it, then the killed one
    assert [r["finish_reason"] for r in recovered.runs_after] == ["finished", "killed"]
    table = archive_cli(recovered.root, "runs")
    assert table.returncode == 0, table.stderr
    assert "killed (-)" in table.stdout


@pytest.mark.slow
def test_recovery_happens_once(recovered: Recovered) -> None:
    reasons = [r["finish_reason"] for r in runs(recovered.root)]
    assert reasons == ["finished", "finished", "killed"]
    assert "archive/articles_recovered" not in recovered.third["stats"]
    assert "archive/killed_runs_recorded" not in recovered.third["stats"]
    assert recovered.third["new_articles"] == 0


@pytest.mark.slow
def test_the_archive_verifies_and_reindexes_to_the_same_runs(recovered: Recovered) -> None:
    check = archive_cli(recovered.root, "verify")
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]
    before = runs(recovered.root)
    rebuilt = archive_cli(recovered.root, "reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    assert runs(recovered.root) == before  # the killed run's row comes from the WARC


def test_files_are_grouped_by_the_run_that_wrote_them() -> None:
    names = [
        "news-20260101000000000-00001-vm-100.warc.gz",
        "news-20260101000001000-00002-vm-100.warc.gz",
        "news-20260101000002000-00001-vm-100.warc.gz",  # the same pid again: a new run
        "news-20260101000001500-00001-vm-200.warc.gz",
        "news-20260101000003000-00002-vm-200.warc.gz",
        "my-site-20260101000004000-00001-other_host-100.warc.gz",
        "imported.warc.gz",
    ]
    assert sorted(run_files(names)) == sorted(
        [
            (names[0], names[1]),
            (names[2],),
            (names[3], names[4]),
            (names[5],),
        ]
    )


def test_a_start_page_an_article_links_to_before_robots_txt_stays_a_start_page() -> None:
    """A killed run's article, extracted from the archive as the next run starts, can be
    parsed before robots.txt gives the entry points (the robots.txt middleware's own
    fetch released the article's request while the spider's was still on its way). Its
    link to the home page claimed the home page as a plain listing, which, bringing
    nothing new, led on to none of its tags: the article only a tag page lists was not
    archived (test_faults' rollover-4, once under load). Whoever asks first, the start
    page is requested once, as a start page."""
    spider = AnsarpressSpider(base_url="http://news.test/english")
    links = '<a href="/english">Home</a> <a href="/english/5">Related</a>'
    url = "http://news.test/english/4"
    body = f"<html><body><article><p>Text.</p></article>{links}</body></html>"
    article = HtmlResponse(url, body=body.encode(), request=Request(url))
    followed = {r.url: r for r in spider.follow(article)}
    home = followed["http://news.test/english"]
    assert home.meta.get("start_page") is True
    assert home.meta["barren"] == 0
    assert home.priority == PRIO_FEED
    robots = TextResponse("http://news.test/robots.txt", body=b"User-agent: *\n")
    entry = [r.url for r in spider.entry_points(Protego.parse("User-agent: *\n"), robots)]
    assert entry == ["http://news.test/sitemap.xml"]  # the home page is requested already


def test_where_a_start_page_refreshes_to_is_a_start_page() -> None:
    """A start page that is only a meta refresh (to the edition's home, say) hands its
    part on: the page it leads to is requested early, as a start page."""
    spider = AnsarpressSpider(base_url="http://news.test/english")
    url = "http://news.test/english"
    refresh = '<meta http-equiv="refresh" content="0; url=/english/home">'
    body = f"<html><head>{refresh}<title>News</title></head><body></body></html>"
    home = HtmlResponse(url, body=body.encode(), request=Request(url, meta={"start_page": True}))
    scope = spider.scope_of(url)
    assert scope is not None
    (req,) = spider.read_home(home, scope, spider.page_selector(home))
    assert req.url == "http://news.test/english/home"
    assert req.meta.get("start_page") is True
    assert req.meta["barren"] == 0
    assert req.priority == PRIO_FEED


@pytest.mark.slow
def test_a_refresh_killed_before_extraction_gives_the_new_version(tmp_path: Path) -> None:
    """A refresh that found an article's text changed is killed as that article goes to
    the writer (the only article of the run: the others are unchanged, revisits): the
    next run, which refreshes nothing, makes the new version from the archived
    response, without asking the server for the page."""
    root = tmp_path / "archive"
    site = NewsSite(default_articles())
    with FixtureServer(site) as server:
        assert run_crawl(root, server.base_url).returncode == 0
        original = site.article(23602)
        assert original is not None
        edited = dataclasses.replace(original, paragraphs=[*original.paragraphs, "It rained."])
        site.replace_article(edited)
        time.sleep(1.1)  # the captures are ARCHIVE_REFRESH_AFTER (1 s) old
        env = crawl_env()
        env["ARCHIVE_KILL_AT"] = "article:1"
        refresh = subprocess.run(
            crawl_command(root, server.base_url, "-s", "ARCHIVE_REFRESH_AFTER=1"),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refresh.returncode == -signal.SIGKILL, refresh.stderr[-3000:]
        server.clear_log()
        after = run_crawl(root, server.base_url)
        assert after.returncode == 0, after.stderr[-3000:]
        assert "/english/23602" not in server.paths()
    db = sqlite3.connect(root / "index.sqlite3")
    try:
        versions = db.execute(
            "SELECT a.text, c.warc_date FROM articles a "
            "JOIN captures c ON c.record_id = a.warc_record_id "
            "WHERE a.url LIKE '%/english/23602' ORDER BY a.id"
        ).fetchall()
        (latest,) = db.execute(
            "SELECT max(warc_date) FROM captures WHERE url LIKE '%/english/23602'"
        ).fetchone()
    finally:
        db.close()
    assert [text for text, _ in versions] == [original.text, edited.text]
    assert versions[1][1] == latest  # made from the refresh's response
    (recovering, killed, _first) = runs(root)
    assert killed["finish_reason"] == "killed"
    assert run_report(root, recovering["run_id"])["stats"]["archive/articles_recovered"] == 1
