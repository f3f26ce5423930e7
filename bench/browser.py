"""What rendering pages in headless Chromium costs (ARCHIVE_BROWSER, docs/browser.md).
Not a test.

    .venv/bin/python bench/browser.py [--pages 300] [--rounds 3] [--js-pages 40]
                                      [--always-pages 40] [--source DIR | --synthetic]

Two local sites, each in a process of its own, on 127.0.0.1:

- the real-page site (bench/bench_site.py: the AEB evaluation pages, or synthetic ones),
  no JavaScript shell on it: ``scrapy crawl ansarpress`` with ARCHIVE_BROWSER ``off`` and
  ``auto``, alternately, ``--rounds`` times each (the medians, and their ratio: ``auto``
  must cost less than 10 % over ``off``); then ``always`` over ``--always-pages`` articles,
  and again with ARCHIVE_BROWSER_SCROLL=0 (what scrolling the rendered pages costs);
- a site of ``--js-pages`` JavaScript-shell articles (tests/js_site.py: each fetches its
  text from ``/api/...json`` after load), crawled by ``scrapy crawl news`` with ``off``
  (shells archived, nothing extracted), ``auto`` and ``always``.

pages/s = distinct article pages the site served / wall time of the crawl process (start
and end included); rendered = pages rendered in Chromium; articles = articles extracted
(articles/s: per second of wall time); peak RSS and PSS = the highest sum over
the crawl's whole process tree (crawl process, extraction workers, Playwright's driver,
Chromium's processes), sampled every 0.2 s (bench/crawl_speed.py's sampler). Last, the
shell test alone (archive/extract/shell.py: what ``auto`` adds to a page that is no shell)
timed over the real pages: the crawl-to-crawl noise on a shared machine is larger than
what it costs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import timeit
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))

from bench_site import EVAL_DIR  # noqa: E402
from crawl_speed import Result, Site, cpu_seconds, run, scrapy_cmd, scrapy_env  # noqa: E402

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/\d+/[^/]+"


# -- the JavaScript site, in a process of its own -------------------------------------------
def serve(pages: int) -> None:
    """``--serve N``: the JS-shell site of N articles; ``READY <port>`` once it listens."""
    from tests.fixture_site import FixtureServer
    from tests.fixture_site.site import Response
    from tests.js_site import JsArticle, JsSite

    articles = [
        JsArticle(n, f"story-{n}", f"Story number {n} of the harbour") for n in range(1, pages + 1)
    ]
    site = JsSite(articles)
    counts = {"requests": 0, "articles": set()}
    lock = threading.Lock()
    render = site.render

    def counted(path: str, query: str, base_url: str) -> Response:
        if path.startswith("/__bench/"):
            with lock:
                body = json.dumps(
                    {"requests": counts["requests"], "articles": len(counts["articles"])}
                )
                if path == "/__bench/reset":
                    counts["requests"], counts["articles"] = 0, set()
            return Response(200, body.encode(), "application/json", compressible=False)
        response = render(path, query, base_url)
        with lock:
            counts["requests"] += 1
            if path.startswith("/news/") and response.status == 200:
                counts["articles"].add(path)
        return response

    site.render = counted  # type: ignore[method-assign]
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        print(f"READY {server.port} {pages} JavaScript-shell articles", flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin


class JsSiteProcess(Site):
    def __init__(self, pages: int) -> None:  # noqa: D107 - Site's, another server
        self.pages = pages
        cmd = [sys.executable, __file__, "--serve", str(pages)]
        self._start(cmd, "the JavaScript site", stdin=subprocess.PIPE)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait()


# -- the runs -----------------------------------------------------------------------------------
def crawl_static(
    site: Site, workdir: Path, mode: str, max_articles: int = 0, key: str = "", *settings: str
) -> Result:
    archive = workdir / f"archive-{key or mode}"
    shutil.rmtree(archive, ignore_errors=True)
    cmd = scrapy_cmd(site, archive, f"ARCHIVE_BROWSER={mode}", *settings)
    if max_articles:
        cmd += ["-a", f"max_articles={max_articles}"]
    result = run(key or f"static-{mode}", cmd, site, workdir, cwd=REPO, env=scrapy_env())
    result.label = f"real-page site, {mode}" + "".join(f", {s}" for s in settings)
    rendered_count(result, workdir / f"{key or f'static-{mode}'}.stderr")
    shutil.rmtree(archive, ignore_errors=True)
    return result


def crawl_js(site: JsSiteProcess, workdir: Path, mode: str) -> Result:
    archive = workdir / f"archive-js-{mode}"
    shutil.rmtree(archive, ignore_errors=True)
    sites = workdir / "js-sites.yaml"
    sites.write_text(
        f"sites:\n  - url: {site.base}/\n    article_pattern: '{ARTICLE_PATTERN}'\n",
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites}"]
    for setting in (
        f"ARCHIVE_DIR={archive}",
        "AUTOTHROTTLE_ENABLED=False",
        "DOWNLOAD_DELAY=0",
        f"ARCHIVE_BROWSER={mode}",
    ):
        cmd += ["-s", setting]
    result = run(f"js-{mode}", cmd, site, workdir, cwd=REPO, env=scrapy_env())
    result.label = f"JavaScript site, {mode}"
    rendered_count(result, workdir / f"js-{mode}.stderr")
    shutil.rmtree(archive, ignore_errors=True)
    return result


def rendered_count(result: Result, stderr: Path) -> None:
    """Pages rendered in the browser, from the stats the crawl dumped."""
    found = re.search(r"'archive/browser/pages': (\d+)", stderr.read_text(errors="replace"))
    result.extra["rendered"] = int(found.group(1)) if found else 0


def shell_test_cost(source: Path | None) -> str:
    """The shell test alone (what ``auto`` adds to a page that is no shell), per page."""
    from archive.extract.shell import shell_reason

    pages = [gzip.decompress(p.read_bytes()) for p in sorted((source or Path()).glob("html/*.gz"))]
    if not pages:
        return "shell test: no pages (--source)"
    shells = sum(shell_reason(page) is not None for page in pages)
    best = min(timeit.repeat(lambda: [shell_reason(p) for p in pages], number=5, repeat=5))
    per_page = best / 5 / len(pages)
    size = statistics.mean(len(p) for p in pages) / 1024
    return (
        f"shell test: {per_page * 1e6:.0f} us/page over {len(pages)} real pages "
        f"(mean {size:.0f} KiB), {shells} judged shells"
    )


def articles(result: Result) -> int:
    return int(result.extra.get("archive/articles", 0))


def line(result: Result) -> str:
    return (
        f"| {result.label} | {result.pages} | {result.extra.get('rendered', 0)} | "
        f"{articles(result)} | {result.wall:.1f} | {result.rate:.2f} | "
        f"{articles(result) / result.wall if result.wall else 0:.2f} | "
        f"{result.peak_rss / 2**20:.0f} | {result.peak_pss / 2**20:.0f} |"
        + (f" {result.note}" if result.note else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300, help="articles of the real-page site")
    parser.add_argument("--rounds", type=int, default=3, help="off/auto pairs on it")
    parser.add_argument(
        "--always-pages", type=int, default=40, help="articles rendered with always"
    )
    parser.add_argument("--js-pages", type=int, default=40, help="articles of the JavaScript site")
    parser.add_argument("--source", type=Path, default=EVAL_DIR)
    parser.add_argument("--synthetic", action="store_true", help="synthetic pages, not DIR's")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    if shutil.which("chromium") is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    source = None if args.synthetic or not args.source.exists() else args.source
    workdir = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    results: list[Result] = []
    try:
        site = Site(args.pages, source)
        print(f"real-page site: {site.base} ({site.description})", flush=True)
        try:
            offs, autos = [], []
            for n in range(args.rounds):
                offs.append(crawl_static(site, workdir, "off", key=f"static-off-{n + 1}"))
                autos.append(crawl_static(site, workdir, "auto", key=f"static-auto-{n + 1}"))
            always = crawl_static(site, workdir, "always", args.always_pages)
            unscrolled = crawl_static(
                site,
                workdir,
                "always",
                args.always_pages,
                "static-always-noscroll",
                "ARCHIVE_BROWSER_SCROLL=0",
            )
        finally:
            site.close()
        js = JsSiteProcess(args.js_pages)
        print(f"JavaScript site: {js.base} ({js.description})", flush=True)
        try:
            js_results = [crawl_js(js, workdir, mode) for mode in ("off", "auto", "always")]
        finally:
            js.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results = [*offs, *autos, always, unscrolled, *js_results]
    print()
    print(
        "| run | article pages served | rendered | articles | wall s | pages/s | articles/s "
        "| peak RSS MB | peak PSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for result in results:
        print(line(result))
    off_rate = statistics.median(r.rate for r in offs)
    auto_rate = statistics.median(r.rate for r in autos)
    print()
    print(
        f"real-page site, median of {args.rounds}: off {off_rate:.2f} pages/s, auto "
        f"{auto_rate:.2f} pages/s: auto costs {100 * (off_rate / auto_rate - 1):+.1f} % of "
        f"time per page over off (target < 10 %); peak PSS off "
        f"{statistics.median(r.peak_pss for r in offs) / 2**20:.0f} MB, auto "
        f"{statistics.median(r.peak_pss for r in autos) / 2**20:.0f} MB"
    )
    rendered = always.extra.get("rendered", 0)
    rendered_rate = rendered / always.wall if always.wall else 0.0
    print(
        f"always on the real-page site: {rendered_rate:.2f} pages rendered/s, peak PSS "
        f"{always.peak_pss / 2**20:.0f} MB"
    )
    if rendered and unscrolled.extra.get("rendered", 0):
        cost = always.wall / rendered - unscrolled.wall / unscrolled.extra["rendered"]
        print(
            f"scrolling (ARCHIVE_BROWSER_SCROLL default against 0): {cost:+.2f} s of wall time "
            f"per rendered page ({always.wall:.1f} s against {unscrolled.wall:.1f} s for "
            f"{rendered} pages)"
        )
    print(shell_test_cost(source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
