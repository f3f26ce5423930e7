"""Crawl-speed and memory benchmark of the archiver (GitHub issue 6). Not a test.

    .venv/bin/python bench/crawl_speed.py [--pages 1000] [--configs a,b,c,t,d,e]
                                          [--memory-check] [--no-peers]

Serves an in-memory news site (bench/bench_site.py, in a process of its own) and runs, one
after the other, each configuration as a subprocess while sampling the memory of its whole
process tree (crawl process, forkserver, extraction workers):

  a  full archive crawl: ``scrapy crawl ansarpress`` (WARC capture + extraction + index)
  b  plain Scrapy: the same spider with ARCHIVE_ENABLED=False ARCHIVE_EXTRACT_ENABLED=False
  c  extraction alone over the same HTML, same number of worker processes
  t  bare trafilatura in a pool: ``trafilatura.extract(body, url=..., with_metadata=True)``
     over the same bytes the crawl receives, no network, in a ProcessPoolExecutor of as
     many processes as CPUs (``os.sched_getaffinity(0)``), forkserver with trafilatura
     preloaded, every worker warmed up on one page before timing starts (issue 21)
  d  capture only: ARCHIVE_EXTRACT_ENABLED=False
  e  peers, each in a venv of its own under --peers-dir (created with pip when missing):
     trafilatura's command line downloading and extracting the same articles (compare with
     a), and a minimal Scrapy project capturing with scrapy-webarchive (compare with d)

Pages per second = distinct article pages the site served during the run (for c: pages
extracted) / wall time of the subprocess, start-up and shut-down included; for t, pages
extracted / the time from the first submit to the last result (start-up, imports and
warm-up excluded: the bare library at its best). Peak memory =
highest sum of the RSS (and of the PSS, which counts pages shared after fork once) of
every process of the tree, sampled every 0.2 s from /proc.

The report gives every configuration's CPU ms/page (all processes of its tree) and, with
``--rounds``, their medians and (a)/(t) by CPU (CPU(t)/CPU(a) a page, per round): unlike the
pages/s ratio, it does not depend on what else used the machine's cores in that minute.

``--memory-check`` runs (a) on a 1,000-page and a 10,000-page site and compares their peaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PROJECT = REPO  # the checkout the crawls run from (--project: a scratch copy to compare)
LOAD: str | None = None  # --load: bench/co_load.py runs next to every configuration
sys.path.insert(0, str(BENCH))

from bench_site import EVAL_DIR  # noqa: E402

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 0.2
TARGETS = {
    "a/c": 0.85,
    "a/t": 1.0,
    "d/b": 0.85,
    "memory": 1.3,
}
CONFIG_NAMES = {
    "a": "archive crawl (capture+extract)",
    "b": "plain Scrapy",
    "c": "extraction alone",
    "t": "bare trafilatura pool",
    "d": "capture only",
    "e-traf": "trafilatura CLI",
    "e-swa": "scrapy-webarchive",
}


# -- memory of a process tree --------------------------------------------------------------
def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(children(p))
    return pids


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class TreeSampler(threading.Thread):
    """Samples the RSS and PSS sums of a process tree until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_main = 0
        self.peak_procs = 0
        self.cpu: dict[int, float] = {}  # last CPU seconds seen of every process of the tree
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(SAMPLE_EVERY)

    def sample(self) -> None:
        pids = tree(self.pid)
        self.peak_procs = max(self.peak_procs, len(pids))
        self.peak_rss = max(self.peak_rss, sum(rss(p) for p in pids))
        self.peak_pss = max(self.peak_pss, sum(pss(p) for p in pids))
        self.peak_main = max(self.peak_main, rss(self.pid))
        for p in pids:
            self.cpu[p] = max(self.cpu.get(p, 0.0), cpu_seconds(p))

    @property
    def cpu_main(self) -> float:
        return self.cpu.get(self.pid, 0.0)

    @property
    def cpu_total(self) -> float:
        return sum(self.cpu.values())

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


# -- the site --------------------------------------------------------------------------------
class Site:
    """bench_site.py in a subprocess."""

    def __init__(self, pages: int, source: Path | None) -> None:
        cmd = [sys.executable, str(BENCH / "bench_site.py"), "--pages", str(pages)]
        cmd += ["--source", str(source)] if source else ["--synthetic"]
        self.pages = pages
        self._start(cmd, "the benchmark site")

    def _start(self, cmd: list[str], what: str, **popen: Any) -> None:
        """Run *cmd* (a server that prints ``READY PORT [DESCRIPTION]``) and wait for it."""
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, **popen)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split(maxsplit=2)
        if not line or line[0] != "READY":
            self.proc.kill()
            raise RuntimeError(f"{what} did not start")
        self.port = int(line[1])
        self.description = line[2].strip() if len(line) > 2 else ""
        self.base = f"http://127.0.0.1:{self.port}"

    def stats(self, reset: bool = False) -> dict[str, Any]:
        url = f"{self.base}/__bench/{'reset' if reset else 'stats'}"
        with urllib.request.urlopen(url, timeout=10) as resp:
            return json.loads(resp.read())

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# -- one run -------------------------------------------------------------------------------
@dataclass
class Result:
    key: str
    label: str
    pages: int = 0  # article pages (served, or extracted for c)
    requests: int = 0  # every request the site answered
    wall: float = 0.0
    peak_rss: int = 0
    peak_pss: int = 0
    peak_main: int = 0
    procs: int = 0
    server_cpu: float = 0.0
    cpu_main: float = 0.0  # CPU seconds of the process started (its threads included)
    cpu_total: float = 0.0  # ... and of every process under it
    returncode: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: str = ""
    round: int = 1

    @property
    def rate(self) -> float:
        return self.pages / self.wall if self.wall else 0.0


def run(
    key: str,
    cmd: list[str],
    site: Site | None,
    workdir: Path,
    *,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    timeout: float = 1800,
    pages: Callable[[str, str], int] | None = None,
) -> Result:
    """Run ``cmd`` once; the article count comes from the site (or ``pages(stdout, stderr)``)."""
    result = Result(key, CONFIG_NAMES.get(key, key))
    if site is not None:
        site.stats(reset=True)
        cpu_before = site.cpu()
    out_path, err_path = workdir / f"{key}.stdout", workdir / f"{key}.stderr"
    print(f"  [{key}] {result.label}: {' '.join(cmd[:6])} ...", flush=True)
    load = None
    if LOAD:
        load = subprocess.Popen([sys.executable, str(Path(__file__).with_name("co_load.py")), LOAD])
    with open(out_path, "w") as out, open(err_path, "w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        last_report = started
        while True:
            try:
                proc.wait(1.0)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.perf_counter()
            if now - started > timeout:
                proc.kill()
                proc.wait()
                result.note = f"killed after {timeout:.0f} s"
                break
            if now - last_report >= 15 and site is not None:
                last_report = now
                done = site.stats()["articles"]
                print(
                    f"      {now - started:5.0f} s  {done} article pages served  "
                    f"{sampler.peak_rss / 2**20:.0f} MB peak RSS so far",
                    flush=True,
                )
        result.wall = time.perf_counter() - started
        sampler.stop()
    if load is not None:
        load.kill()
        load.wait()
    result.returncode = proc.returncode
    result.peak_rss, result.peak_pss = sampler.peak_rss, sampler.peak_pss
    result.peak_main, result.procs = sampler.peak_main, sampler.peak_procs
    result.cpu_main, result.cpu_total = sampler.cpu_main, sampler.cpu_total
    stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    if site is not None:
        stats = site.stats()
        result.pages, result.requests = stats["articles"], stats["requests"]
        result.server_cpu = site.cpu() - cpu_before
    if pages is not None:
        result.pages = pages(stdout, stderr)
    result.extra = scrapy_stats(stderr)
    if proc.returncode and not result.note:
        result.note = f"exit {proc.returncode}: {last_line(stderr)}"
    if load is not None:
        result.note = (result.note + "; " if result.note else "") + f"next to --load {LOAD}"
    print(
        f"      {result.pages} pages in {result.wall:.1f} s = {result.rate:.1f} pages/s, "
        f"peak RSS {result.peak_rss / 2**20:.0f} MB (PSS {result.peak_pss / 2**20:.0f} MB)"
        + (f"  [{result.note}]" if result.note else ""),
        flush=True,
    )
    return result


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


STAT_KEYS = (
    "elapsed_time_seconds",
    "item_scraped_count",
    "archive/articles",
    "archive/responses",
    "archive/extraction_failed",
    "downloader/response_count",
    "memusage/max",
    "finish_reason",
    "webarchive/exporter/response_written",
)


def scrapy_stats(log: str) -> dict[str, Any]:
    """A few values of the stats Scrapy dumps at the end of a crawl."""
    found: dict[str, Any] = {}
    for key in STAT_KEYS:
        match = re.search(rf"'{re.escape(key)}': ('[^']*'|[\d.]+)", log)
        if match:
            value = match.group(1)
            found[key] = value.strip("'") if value.startswith("'") else float(value)
    return found


# -- the configurations ----------------------------------------------------------------------
def scrapy_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ARCHIVE_DIR", None)
    env["ARCHIVE_PROGRESS"] = "off"
    env["PYTHONPATH"] = str(PROJECT)
    return env


def scrapy_cmd(site: Site, archive_dir: Path, *settings: str) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "ansarpress",
        "-a",
        f"base_url={site.base}",
        "-s",
        f"ARCHIVE_DIR={archive_dir}",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "DOWNLOAD_DELAY=0",
    ]
    for setting in settings:
        cmd += ["-s", setting]
    return cmd


def run_archive(key: str, site: Site, workdir: Path, *settings: str) -> Result:
    archive_dir = workdir / f"archive-{key}"
    shutil.rmtree(archive_dir, ignore_errors=True)
    cmd = scrapy_cmd(site, archive_dir, *settings)
    result = run(key, cmd, site, workdir, cwd=PROJECT, env=scrapy_env())
    shutil.rmtree(archive_dir, ignore_errors=True)
    return result


def run_extract_only(site: Site, workdir: Path, workers: int, source: Path | None) -> Result:
    cmd = [sys.executable, str(BENCH / "extract_only.py"), "--pages", str(site.pages)]
    cmd += ["--workers", str(workers), "--base", site.base]
    cmd += ["--source", str(source)] if source else ["--synthetic"]

    def extracted(stdout: str, stderr: str) -> int:
        try:
            data = json.loads(stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            return 0
        return int(data["extracted"]) + int(data["failed"])

    result = run("c", cmd, None, workdir, env=scrapy_env(), pages=extracted)
    with contextlib.suppress(IndexError, ValueError):
        result.extra = json.loads((workdir / "c.stdout").read_text().strip().splitlines()[-1])
    return result


# -- (t) bare trafilatura in a pool of as many processes as CPUs ------------------------------
def _bare_extract(body: bytes, url: str) -> bool:
    """One page of (t), in a worker: what a user of the bare library would call."""
    import trafilatura  # preloaded by the forkserver: a look-up in sys.modules

    return trafilatura.extract(body, url=url, with_metadata=True) is not None


def _bare_warm_up(body: bytes, url: str) -> None:
    """Initializer of every worker of (t): one page extracted before it takes any job."""
    _bare_extract(body, url)


def _bare_pid() -> int:
    time.sleep(0.05)  # long enough that every worker takes one
    return os.getpid()


def bare_pool(pages: int, base: str, source: Path | None) -> int:
    """Configuration (t), run in a subprocess of its own (``--bare-pool``): prints one JSON
    line (pages, workers, extracted, failed, seconds from the first submit to the last
    result)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from bench_site import article_pages, article_url

    # the bytes the crawl receives (the site's body, gzip undone): trafilatura decodes them
    items = [(body, article_url(base, i)) for i, body in article_pages(pages, source)]
    workers = len(os.sched_getaffinity(0))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["trafilatura"])
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_bare_warm_up, initargs=items[0]
    ) as pool:
        seen: set[int] = set()
        for _ in range(50):  # every worker started (and so warmed up) before timing
            seen.update(job.result() for job in [pool.submit(_bare_pid) for _ in range(workers)])
            if len(seen) >= workers:
                break
        started = time.perf_counter()
        jobs = [pool.submit(_bare_extract, body, url) for body, url in items]
        extracted = sum(job.result() for job in as_completed(jobs))
        seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "pages": len(items),
                "workers": workers,
                "warm_workers": len(seen),
                "extracted": extracted,
                "failed": len(items) - extracted,
                "seconds": round(seconds, 3),
            }
        )
    )
    return 0


def run_bare_pool(site: Site, workdir: Path, source: Path | None) -> Result:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--bare-pool"]
    cmd += ["--pages", str(site.pages), "--base", site.base]
    cmd += ["--source", str(source)] if source else ["--synthetic"]
    result = run("t", cmd, None, workdir, env=scrapy_env())
    with contextlib.suppress(IndexError, ValueError, KeyError):
        data = json.loads((workdir / "t.stdout").read_text().strip().splitlines()[-1])
        result.extra = data | {"process_wall": round(result.wall, 2)}
        result.pages = int(data["extracted"]) + int(data["failed"])
        result.wall = float(data["seconds"])  # pages/s over the timed pool run only
        result.note = (result.note + "; " if result.note else "") + (
            f"wall = pool time; process {result.extra['process_wall']:.1f} s"
        )
        print(f"      timed: {result.pages} pages in {result.wall:.1f} s = {result.rate:.1f}/s")
    return result


# -- peers, each in a venv of its own --------------------------------------------------------
def peer_venv(peers_dir: Path, name: str, packages: list[str]) -> tuple[Path | None, str]:
    """The python of a venv with ``packages`` (created when missing), or (None, the error)."""
    venv = peers_dir / f"{name}-venv"
    python = venv / "bin" / "python"
    marker = venv / ".bench-installed"
    if marker.exists():
        return python, ""
    print(f"  installing {' '.join(packages)} into {venv} ...", flush=True)
    proc = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if proc.returncode == 0:
        proc = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *packages],
            capture_output=True,
            text=True,
            timeout=900,
        )
    if proc.returncode != 0:
        errors = [
            line
            for line in (proc.stderr + proc.stdout).splitlines()
            if "ERROR" in line or "error" in line.lower()
        ]
        return None, " | ".join(errors[-3:]) or last_line(proc.stderr)
    marker.write_text(" ".join(packages))
    return python, ""


def run_trafilatura(site: Site, workdir: Path, workers: int, peers_dir: Path) -> Result:
    python, error = peer_venv(peers_dir, "trafilatura", ["trafilatura==2.3.1", "lxml_html_clean"])
    if python is None:
        return Result("e-traf", CONFIG_NAMES["e-traf"], skipped=f"install failed: {error}")
    # no politeness delay (as AUTOTHROTTLE/DOWNLOAD_DELAY are off for Scrapy), and
    # 127.0.0.1 allowed (trafilatura blocks non-public addresses by default)
    config = workdir / "trafilatura.cfg"
    config.write_text("[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\n")
    # `--sitemap URL` rejects a URL on 127.0.0.1 ("invalid URL": courlan finds no domain),
    # so the article URLs of the sitemap are given with -i
    urls = workdir / "urls.txt"
    urls.write_text("".join(f"{site.base}/english/{i}\n" for i in range(1, site.pages + 1)))
    out = workdir / "trafilatura-out"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        str(python.parent / "trafilatura"),
        "-i",
        str(urls),
        "--parallel",
        str(workers),
        "-o",
        str(out),
        "--config-file",
        str(config),
        "--no-comments",
        "--precision",
        "--with-metadata",
        "--json",
    ]
    result = run("e-traf", cmd, site, workdir, cwd=workdir)
    result.extra["files"] = len(list(out.glob("*"))) if out.exists() else 0
    shutil.rmtree(out, ignore_errors=True)
    return result


SWA_SPIDER = '''
from __future__ import annotations

import re

from scrapy import Request
from scrapy.spiders import SitemapSpider

ARTICLE = re.compile(r"/english/\\d+$")


class BenchSpider(SitemapSpider):
    """robots.txt -> sitemaps -> articles, plus the home page, following article links
    on every page: the crawl the ansarpress spider makes, capture only."""

    name = "bench"
    sitemap_rules = [(r"/english/\\d+$", "parse_page")]

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.sitemap_urls = [base_url + "/robots.txt"]
        self.base_url = base_url

    async def start(self):
        async for request in super().start():
            yield request
        yield Request(self.base_url + "/english", callback=self.parse_page)

    def start_requests(self):  # Scrapy < 2.13
        yield from super().start_requests()
        yield Request(self.base_url + "/english", callback=self.parse_page)

    def parse_page(self, response):
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href)
            if url.startswith(self.base_url) and ARTICLE.search(url):
                yield Request(url, callback=self.parse_page)
'''

SWA_SETTINGS = """
BOT_NAME = "swabench"
SPIDER_MODULES = ["swabench.spiders"]
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
EXTENSIONS = {"scrapy_webarchive.extensions.WaczExporter": 543}
SW_EXPORT_URI = "file://%s/"
"""


def run_webarchive(site: Site, workdir: Path, peers_dir: Path) -> Result:
    # scrapy-webarchive 0.5.3 requires Scrapy<2.12 (pip refuses it next to Scrapy 2.19), and
    # its Scrapy 2.11 fails at import with today's w3lib ("cannot import name '_safe_chars'
    # from 'w3lib.url'") and Twisted ("cannot import name '_setAcceptableProtocols' from
    # 'twisted.internet._sslverify'"): both pinned below so that it runs
    python, error = peer_venv(
        peers_dir, "scrapy-webarchive", ["scrapy-webarchive", "w3lib<2.2", "Twisted<24.7"]
    )
    if python is None:
        return Result("e-swa", CONFIG_NAMES["e-swa"], skipped=f"install failed: {error}")
    project = workdir / "swa-project"
    shutil.rmtree(project, ignore_errors=True)
    (project / "swabench" / "spiders").mkdir(parents=True)
    (project / "scrapy.cfg").write_text("[settings]\ndefault = swabench.settings\n")
    (project / "swabench" / "__init__.py").write_text("")
    (project / "swabench" / "settings.py").write_text(SWA_SETTINGS % (project / "export"))
    (project / "swabench" / "spiders" / "__init__.py").write_text("")
    (project / "swabench" / "spiders" / "bench.py").write_text(SWA_SPIDER)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    cmd = [str(python), "-m", "scrapy", "crawl", "bench", "-a", f"base_url={site.base}"]
    result = run("e-swa", cmd, site, workdir, cwd=project, env=env)
    version = subprocess.run(
        [str(python), "-c", "import scrapy; print(scrapy.__version__)"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    result.extra["scrapy"] = version
    shutil.rmtree(project, ignore_errors=True)
    return result


# -- report --------------------------------------------------------------------------------
def mb(value: int) -> str:
    return f"{value / 2**20:.0f}"


def table(results: list[Result], numbered: bool = False) -> str:
    rows = [
        "| config | pages | requests | wall s | pages/s | peak RSS MB | peak PSS MB "
        "| main RSS MB | procs | CPU s main/all | CPU ms/page | site CPU s | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        key = f"{r.key} (round {r.round})" if numbered else r.key
        if r.skipped:
            rows.append(f"| {key} {r.label} |" + " - |" * 11 + f" {r.skipped} |")
            continue
        rows.append(
            f"| {key} {r.label} | {r.pages} | {r.requests or '-'} | {r.wall:.1f} "
            f"| {r.rate:.1f} | {mb(r.peak_rss)} | {mb(r.peak_pss)} | {mb(r.peak_main)} "
            f"| {r.procs} | {r.cpu_main:.1f}/{r.cpu_total:.1f} "
            f"| {1000 * r.cpu_total / r.pages if r.pages else 0:.1f} "
            f"| {r.server_cpu:.1f} | {r.note} |"
        )
    return "\n".join(rows)


RATIOS = [
    ("(a)/(c) archive crawl vs extraction alone", "a", "c", ">= 0.85"),
    ("(a)/(t) archive crawl vs bare trafilatura pool", "a", "t", ">= 1.0"),
    ("(d)/(b) capture only vs plain Scrapy", "d", "b", ">= 0.85"),
    ("(a) vs trafilatura CLI", "a", "e-traf", "> 1"),
    ("(d) vs scrapy-webarchive", "d", "e-swa", "> 1"),
]


def ratio_value(by: dict[str, Result], num_key: str, den_key: str) -> float | None:
    num, den = by.get(num_key), by.get(den_key)
    if num is None or den is None or num.skipped or den.skipped or not den.rate:
        return None
    return num.rate / den.rate


def ratios(rounds: list[list[Result]]) -> list[str]:
    """Each ratio from the results of one round (configurations run one after the other);
    with several rounds, every round's value and their median."""
    lines = []
    for name, num_key, den_key, target in RATIOS:
        values = []
        for results in rounds:
            by = {r.key: r for r in results}
            value = ratio_value(by, num_key, den_key)
            if value is not None:
                values.append((value, by[num_key].rate, by[den_key].rate))
        if not values:
            lines.append(f"{name}: n/a")
        elif len(values) == 1:
            value, num, den = values[0]
            lines.append(f"{name}: {num:.1f} / {den:.1f} = {value:.2f}  (target {target})")
        else:
            each = ", ".join(f"{v:.2f}" for v, _, _ in values)
            of_medians = statistics.median(n for _, n, _ in values) / statistics.median(
                d for _, _, d in values
            )
            lines.append(
                f"{name}: {each}; median {statistics.median(v for v, _, _ in values):.2f}; "
                f"ratio of the median rates {of_medians:.2f}  (target {target})"
            )
    return lines + cpu_ratios(rounds) + ceilings(rounds)


def cpu_ratios(rounds: list[list[Result]]) -> list[str]:
    """(a)/(t) by CPU accounting, per round: CPU(t) / CPU(a) per page, all processes. When
    both runs keep every core busy, the pages/s ratio comes to about that; unlike the
    pages/s ratio it does not depend on what else ran on the machine in that minute."""
    values = []
    for results in rounds:
        by = {r.key: r for r in results}
        crawl, bare = cpu_per_page(by.get("a")), cpu_per_page(by.get("t"))
        if crawl and bare:
            values.append(bare / crawl)
    if not values:
        return []
    each = ", ".join(f"{v:.2f}" for v in values)
    return [
        "(a)/(t) by CPU, CPU(t)/CPU(a) a page: "
        + each
        + (f"; median {statistics.median(values):.2f}" if len(values) > 1 else "")
    ]


def cpu_per_page(result: Result | None) -> float | None:
    if result is None or result.skipped or not result.pages or not result.cpu_total:
        return None
    return result.cpu_total / result.pages


def ceilings(rounds: list[list[Result]]) -> list[str]:
    """The most (a)/(c) can be in a round by CPU accounting alone. (c) keeps every core
    busy extracting; (a) must extract the same pages with the same workers *and* crawl
    them, and crawling costs at least what plain Scrapy (b) costs on the same site (and
    capture (d), what (d) costs). With every core busy in both runs, rate(a)/rate(c) is at
    most CPU(c) / (CPU(c) + CPU(b)) per page, before the workers lose anything to sharing
    their cores with a third busy process."""
    lines = []
    for name, crawl_key in (("plain Scrapy (b)", "b"), ("capture only (d)", "d")):
        values = []
        for results in rounds:
            by = {r.key: r for r in results}
            extract, crawl = cpu_per_page(by.get("c")), cpu_per_page(by.get(crawl_key))
            if extract and crawl:
                values.append(extract / (extract + crawl))
        if values:
            each = ", ".join(f"{v:.2f}" for v in values)
            lines.append(
                f"(a)/(c) ceiling by CPU, extraction + the CPU of {name}: {each}"
                + (f"; median {statistics.median(values):.2f}" if len(values) > 1 else "")
            )
    return lines


# -- main ----------------------------------------------------------------------------------
def run_round(
    args: argparse.Namespace,
    configs: list[str],
    site: Site,
    workdir: Path,
    workers: int,
    source: Path | None,
    extra: list[str],
) -> list[Result]:
    """Every configuration once, one after the other."""
    results: list[Result] = []
    for key in configs:
        if key == "a":
            results.append(run_archive("a", site, workdir, *extra))
        elif key == "b":
            results.append(
                run_archive(
                    "b",
                    site,
                    workdir,
                    "ARCHIVE_ENABLED=False",
                    "ARCHIVE_EXTRACT_ENABLED=False",
                    *extra,
                )
            )
        elif key == "c":
            results.append(run_extract_only(site, workdir, workers, source))
        elif key == "t":
            results.append(run_bare_pool(site, workdir, source))
        elif key == "d":
            results.append(run_archive("d", site, workdir, "ARCHIVE_EXTRACT_ENABLED=False", *extra))
        elif key == "e" and not args.no_peers:
            results.append(run_trafilatura(site, workdir, workers, args.peers_dir))
            results.append(run_webarchive(site, workdir, args.peers_dir))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=1000, help="article pages (default 1000)")
    parser.add_argument(
        "--configs", default="a,b,c,t,d,e", help="comma-separated subset of a,b,c,t,d,e"
    )
    parser.add_argument("--memory-check", action="store_true", help="(a) at 1,000 and 10,000")
    parser.add_argument("--memory-pages", default="1000,10000", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=0, help="extraction workers (0: CPUs)")
    parser.add_argument("--source", type=Path, default=EVAL_DIR, help="real pages (AEB dir)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic pages only")
    parser.add_argument("--no-peers", action="store_true", help="skip (e)")
    parser.add_argument("--peers-dir", type=Path, default=Path("/tmp/bench-peers"))
    parser.add_argument("--workdir", type=Path, help="keep logs here (default: a temp dir)")
    parser.add_argument(
        "--project",
        type=Path,
        default=REPO,
        help="run the crawls and the extraction from this checkout (a modified copy)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the configurations this many times, every other round in reverse order "
        "(ratios per round, their median, and the ratio of the median rates)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--bare-pool", action="store_true", help=argparse.SUPPRESS)  # (t)
    parser.add_argument("--base", default="http://127.0.0.1:8000", help=argparse.SUPPRESS)
    parser.add_argument(
        "--setting",
        "-s",
        action="append",
        default=[],
        help="extra -s NAME=VALUE for the Scrapy runs (a, b, d)",
    )
    parser.add_argument(
        "--load",
        metavar="SPIN,NAP",
        help="run bench/co_load.py next to every configuration: CPU bursts of SPIN ms, "
        "NAP ms apart (0.3,0.8 uses about what the crawl process does)",
    )
    args = parser.parse_args(argv)
    source = None if args.synthetic or not (args.source / "html").is_dir() else args.source
    if args.bare_pool:
        return bare_pool(args.pages, args.base, source)
    global PROJECT, LOAD
    PROJECT = args.project.resolve()
    LOAD = args.load
    workers = args.workers or os.cpu_count() or 1
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = sorted(set(configs) - set("abcdet"))
    if unknown:
        parser.error(f"unknown configuration {unknown[0]!r}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="crawl-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    extra = list(args.setting)
    if args.workers:
        extra.append(f"ARCHIVE_EXTRACT_WORKERS={args.workers}")
    print(
        f"crawl benchmark: {args.pages} article pages, {workers} extraction workers, "
        f"{os.cpu_count()} CPUs, project {PROJECT}, logs in {workdir}",
        flush=True,
    )
    results: list[Result] = []
    rounds: list[list[Result]] = []
    overall = time.perf_counter()
    if configs:
        site = Site(args.pages, source)
        print(f"site on {site.base}: {site.description}", flush=True)
        try:
            for number in range(1, max(1, args.rounds) + 1):
                if args.rounds > 1:
                    print(f"round {number} of {args.rounds}", flush=True)
                # every other round in reverse order (a c, c a, a c ...): the machine's
                # speed drifts over minutes, and this way it drifts alike for both sides
                order = configs if number % 2 else configs[::-1]
                done = run_round(args, order, site, workdir, workers, source, extra)
                for r in done:
                    r.round = number
                rounds.append(done)
                results += done
        finally:
            site.close()
        print()
        print(table(results, numbered=args.rounds > 1))
        print()
        if len(rounds) > 1:
            for key in dict.fromkeys(r.key for r in results if not r.skipped):
                rates = [r.rate for r in results if r.key == key and not r.skipped]
                print(
                    f"{key} {CONFIG_NAMES.get(key, key)}: median {statistics.median(rates):.1f} "
                    f"pages/s ({', '.join(f'{v:.1f}' for v in rates)})"
                )
            for key in dict.fromkeys(r.key for r in results if not r.skipped):
                done = [r for r in results if r.key == key and not r.skipped and r.pages]
                if not done:
                    continue
                total = [1000 * r.cpu_total / r.pages for r in done]
                main_ = [1000 * r.cpu_main / r.pages for r in done]
                print(
                    f"{key} CPU ms/page, all processes: median {statistics.median(total):.1f} "
                    f"({', '.join(f'{v:.1f}' for v in total)}); the process started: "
                    f"median {statistics.median(main_):.1f}"
                )
        for line in ratios(rounds):
            print(line)
        for r in results:
            if r.extra:
                print(f"  {r.key}: {json.dumps(r.extra)}")
    memory: list[Result] = []
    if args.memory_check:
        print("\nmemory check: (a) at " + " and ".join(args.memory_pages.split(",")) + " pages")
        for pages in (int(p) for p in args.memory_pages.split(",")):
            site = Site(pages, source)
            try:
                result = run_archive("a", site, workdir, *extra)
            finally:
                site.close()
            result.key = f"a@{pages}"
            memory.append(result)
        print()
        print(table(memory))
        small, large = memory[0], memory[-1]
        if small.peak_rss and small.peak_pss:
            print(
                f"\npeak memory {large.key} / {small.key}: "
                f"RSS {large.peak_rss / small.peak_rss:.2f}"
                f", PSS {large.peak_pss / small.peak_pss:.2f}, crawl process alone "
                f"{large.peak_main / small.peak_main:.2f}  (target <= {TARGETS['memory']})"
            )
    print(f"\ntotal benchmark time {time.perf_counter() - overall:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                [r.__dict__ | {"rate": r.rate} for r in results + memory], indent=1, default=str
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
