"""Where the crawl process cuts Scrapy's per-request costs, the outcome stays Scrapy's:
the log formatter (crawler/run/overhead.py) gives the same DEBUG lines; and the crawl
process does not import what only other processes or other modes need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpErrorMiddleware
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.run.overhead import GC_THRESHOLD, QuietLogFormatter
from crawler.spiders.ansarpress import AnsarpressSpider
from tests.crawling import REPO, crawl_command, crawl_env

# modules the crawl process needs only in other processes or other modes
UNUSED = (
    "trafilatura",
    "scrapy_redis",
    "aiohttp",
    "prometheus_client",
    "crawler.capture.rendering",
    "archive.store.s3",
    "yaml",
)


@pytest.mark.slow
def test_crawl_process_imports_only_what_it_uses() -> None:
    """trafilatura (the workers') and scrapy-redis (the Redis mode's) cost ~0.4 s at
    every start when imported; aiohttp, which Scrapy's remote control imports even when
    it is off, 0.1 s (the crawl command leaves it out: drop_idle_extensions); the
    metrics', the browser's, the object store's and the sites file's modules ~10 ms
    each, for crawls that use them."""
    code = f"""
import sys
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from crawler.run.overhead import drop_idle_extensions
settings = get_project_settings()
drop_idle_extensions(settings)
for name in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES"):
    for path in build_component_list(settings.get_component_priority_dict_with_base(name)):
        load_object(path)
import crawler.spiders.ansarpress, crawler.spiders.news, crawler.commands.crawl
print(",".join(m for m in {UNUSED!r} if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


@pytest.mark.slow
def test_the_crawl_command_itself_imports_only_what_it_uses_and_freezes_its_start(
    tmp_path: Path,
) -> None:
    """The same, through `scrapy crawl` as a user runs it (a site that refuses every
    connection: the crawl opens, fails at robots.txt, exits): the command wires
    drop_idle_extensions, pause_gc and gc_for_crawl."""
    report = tmp_path / "modules.txt"
    code = f"""
import atexit, gc, runpy, sys
UNUSED = {UNUSED!r}
def report():
    with open({str(report)!r}, "w") as fh:
        found = ",".join(m for m in UNUSED if m in sys.modules)
        fh.write(f"{{found}}|{{gc.get_threshold()[0]}}|{{gc.isenabled()}}")
atexit.register(report)
sys.argv = {crawl_command(tmp_path / "archive", "http://127.0.0.1:9")[2:]!r}
runpy.run_module("scrapy", run_name="__main__")
"""
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=crawl_env(), capture_output=True, text=True
    )
    assert run.returncode == 1, run.stderr[-2000:]  # the site is unreachable
    imported, threshold, enabled = report.read_text().split("|")
    assert imported == ""
    # the collector back on once the engine ran, at the crawl's threshold
    assert (int(threshold), enabled) == (GC_THRESHOLD, "True")


REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"
TELNET = "scrapy.extensions.telnet.TelnetConsole"


@pytest.mark.parametrize(
    ("settings", "left_out"),
    [
        ({}, {REMOTE_CONTROL, TELNET}),  # the project's: both off
        ({"REMOTE_CONTROL_ENABLED": True}, {TELNET}),
        ({"REMOTE_CONTROL_ENABLED": "True", "TELNETCONSOLE_ENABLED": True}, set()),
        # named in EXTENSIONS: Scrapy's to build (and to leave out if it is off)
        ({"EXTENSIONS": {REMOTE_CONTROL: 5, TELNET: None}}, set()),
    ],
)
def test_idle_extensions_left_out(settings: dict[str, object], left_out: set[str]) -> None:
    """An extension whose setting is off is left out of the crawl's extensions, as
    Scrapy's NotConfigured left it; the others are as Scrapy builds them."""
    from scrapy.settings import Settings

    from crawler.run.overhead import drop_idle_extensions

    project = Settings()
    project.setmodule(project_settings, priority="project")
    project.setdict(settings, priority="cmdline")
    before = dict(project.get_component_priority_dict_with_base("EXTENSIONS"))
    drop_idle_extensions(project)
    after = dict(project.get_component_priority_dict_with_base("EXTENSIONS"))
    assert after == {k: v for k, v in before.items() if k not in left_out}
    assert set(before) - set(after) == left_out


def test_gc_paused_for_the_start_and_frozen_for_the_crawl() -> None:
    import gc

    from crawler.run.overhead import gc_for_crawl, pause_gc

    threshold, enabled = gc.get_threshold(), gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        pause_gc()
        assert not gc.isenabled()
        made_at_start = [[] for _ in range(10)]  # lists: objects the collector tracks
        gc_for_crawl()
        assert gc.isenabled()
        assert gc.get_threshold() == (GC_THRESHOLD, *threshold[1:])
        assert gc.get_freeze_count() >= frozen + len(made_at_start)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        if not enabled:
            gc.disable()


@pytest.mark.parametrize(
    ("settings", "logged"),
    [
        ({"LOG_LEVEL": "INFO"}, False),
        ({"LOG_LEVEL": "WARNING"}, False),
        ({"LOG_LEVEL": "DEBUG"}, True),
        ({"LOG_LEVEL": 10}, True),
        ({"LOG_LEVEL": "DEBUG", "LOG_ENABLED": False}, False),
    ],
)
def test_per_page_debug_lines_only_when_shown(settings: dict[str, object], logged: bool) -> None:
    formatter = QuietLogFormatter.from_crawler(get_crawler(settings_dict=settings))
    request = Request("http://news.test/english/1")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    crawled = formatter.crawled(request, response, None)
    scraped = formatter.scraped({"title": "t"}, response, None)
    if logged:
        assert crawled is not None and scraped is not None
        assert (crawled["msg"] % crawled["args"]).startswith("Crawled (200) <GET http")
        assert (scraped["msg"] % scraped["args"]).startswith("Scraped from <200 http")
    else:
        assert crawled is None and scraped is None


def test_a_missing_page_asset_takes_the_plain_callback(tmp_path: Path) -> None:
    """A 404 asset reaches parse_asset (no HttpError, no Failure, no errback) and is
    counted; a redirected asset is still followed."""
    project = {n: getattr(project_settings, n) for n in dir(project_settings) if n.isupper()}
    # its own archive: the archive extension, built with the crawler, takes its lock
    project.update(ARCHIVE_DIR=str(tmp_path / "a"), ARCHIVE_EXTRACT_ENABLED=False)
    crawler = get_crawler(AnsarpressSpider, settings_dict=project)
    spider = AnsarpressSpider.from_crawler(crawler, base_url="http://news.test/english")
    crawler.spider = spider
    page = HtmlResponse("http://news.test/english/1", body=b"<html></html>")
    (asset,) = spider.asset_requests(page, ["/static/missing.css"])
    missing = HtmlResponse(asset.url, status=404, body=b"not here", request=asset)
    HttpErrorMiddleware.from_crawler(crawler).process_spider_input(missing)  # no raise
    spider.parse_asset(missing)
    assert crawler.stats is not None
    assert crawler.stats.get_value("archive/page_assets_missing") == 1
    assert crawler.stats.get_value("archive/page_assets") is None
    moved = HtmlResponse(
        asset.url, status=301, headers={"Location": "/static/v2/site.css"}, request=asset
    )
    followed = RedirectMiddleware.from_crawler(crawler).process_response(asset, moved)
    assert isinstance(followed, Request)
    assert followed.url == "http://news.test/static/v2/site.css"


@pytest.mark.slow
def test_crawl_process_yields_the_cpus_to_its_workers() -> None:
    """With extraction on, the crawl command's threads run under SCHED_BATCH and the
    forkserver (so every worker) under the normal policy."""
    code = """
import argparse, os, time
import multiprocessing.forkserver as forkserver
from scrapy.utils.project import get_project_settings
from crawler.commands.crawl import Command
command = Command()
command.settings = get_project_settings()
parser = argparse.ArgumentParser()
command.add_options(parser)
command.process_options(["ansarpress"], parser.parse_args([]))
for _ in range(200):
    pid = forkserver._forkserver._forkserver_pid
    if pid:
        break
    time.sleep(0.05)
import sys
print(os.sched_getscheduler(0) == os.SCHED_BATCH, os.sched_getscheduler(pid) == os.SCHED_OTHER)
# the forkserver was started before the spider's imports (Scrapy's HTTP client), which
# then overlap its import of trafilatura
print("scrapy.core.downloader.handlers.http11" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["True", "True", "False"], out.stderr[-2000:]


@pytest.mark.slow
def test_workers_start_warm() -> None:
    """The workers fork from a forkserver that has extracted a page already: a worker's
    first page finds the regular expressions compiled and both public-suffix lists loaded
    (courlan's, for a host with a port as the fixture sites have; ours, for the site name
    of a page that names none)."""
    code = """
from crawler.archiving.extraction import ExtractionPool
pool = ExtractionPool(workers=1)
probe = (
    "(__import__('sys').modules.get('archive.extract.preload') is not None,"
    " bool(__import__('tld.utils').utils.tld_names),"
    " __import__('archive.extract.titles').extract.titles._extractor.cache_info().currsize == 1)"
)
print(*pool._current().submit(eval, probe).result(timeout=60))
pool.close()
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=90
    )
    assert out.stdout.split() == ["True", "True", "True"], out.stderr[-2000:]


def test_warm_up_page_is_an_article() -> None:
    from archive.extract.preload import warm_up

    assert warm_up() is True
