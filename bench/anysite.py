"""Generic-crawl benchmark on the anysite fixture sites (tests/anysite), 127.0.0.1 only.

Usage::

    python bench/anysite.py [--kinds wordpress,amp,...] [--articles 24] [--timeout 600]
                            [--trafilatura-seen 80] [--no-trafilatura] [--no-eval]
    python bench/anysite.py --many 100 [--timeout 600]

For each kind: serve the site, run ``scrapy crawl news -a url=BASE -s ARCHIVE_DIR=TMP
-s AUTOTHROTTLE_ENABLED=False -s ARCHIVE_PROGRESS=off -O items.jsonl`` in a subprocess,
then report

* coverage: true articles emitted (by item url or canonical_url, any URL of the article) /
  true articles;
* precision: items that are true articles / items;
* duplicates: items beyond one per true article;
* disallowed: requests the server received under a robots.txt Disallow prefix;
* text F1: 4-token-shingle F1 of the items' ``text`` against the truth bodies (the metric of
  /work/shared/eval/README.md, via bench/extraction_quality.score_text);
* title ok: share of the items that are true articles whose ``title`` equals the truth
  headline (whitespace normalised) and does not contain the site's name (case-insensitive);
* sitename ok: share of all items whose ``sitename`` equals the site's name (not a host,
  not ``IP:port``);
* the same coverage/precision for ``trafilatura.spider.focused_crawler`` (discovery only:
  its to-visit + known links; "content" = the links courlan does not call navigation pages).

Then, when /work/shared/eval/aeb-public exists, the extraction F1 on those real pages
(bench/extraction_quality.py). Always exits 0; a missing or failing ``news`` spider is
reported in the table, not raised.

``--many N``: N small sites (the six kinds in turn, a different seed each round, 6-8
articles each), each on a FixtureServer of its own (127.0.0.1, its own port, all in this
process), listed in ONE plain-text sites file and crawled by ONE ``scrapy crawl news -a
sites=FILE -s CONCURRENT_REQUESTS=32 -s AUTOTHROTTLE_ENABLED=False -s
ARCHIVE_PROGRESS=off``; first with N/4 of them, then with all N, to judge whether memory
grows with the number of sites. Printed per run: wall time, pages fetched (the crawl's
``downloader/response_count``), articles, overall coverage, precision, duplicates, title
ok, sitename ok, and two peak RSS figures: ``memusage/max`` of the crawl process (Scrapy's
MemoryUsage extension, sampled every second here: ``MEMUSAGE_CHECK_INTERVAL_SECONDS=1``)
and the "Maximum resident set size" of ``/usr/bin/time -v`` (the kernel's high-water mark
of the largest process of the crawl, extraction workers included), when that binary exists.
Every site is on 127.0.0.1, so Scrapy puts them all in one download slot (slots are per
host name, not per port): CONCURRENT_REQUESTS_PER_DOMAIN (8) bounds the requests in flight,
not CONCURRENT_REQUESTS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from extraction_quality import score_text  # noqa: E402

from tests.anysite import KINDS, AnySite, build_site  # noqa: E402
from tests.fixture_site.server import FixtureServer  # noqa: E402
from tests.newscrawl import truth_index, url_key  # noqa: E402  (the tests' matching)

EVAL_DIR = Path("/work/shared/eval/aeb-public")


@dataclass
class Row:
    kind: str
    status: str = "ok"
    items: int = 0
    coverage: float | None = None
    precision: float | None = None
    duplicates: int = 0
    disallowed: int = 0
    requests: int = 0
    text_f1: float | None = None
    traf_coverage: float | None = None
    traf_precision: float | None = None
    traf_found: int = 0
    title_ok: float | None = None
    sitename_ok: float | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def text_f1(pairs: list[tuple[str, str]]) -> float | None:
    precisions, recalls = [], []
    for prediction, truth in pairs:
        tp, fp, fn = score_text(prediction, truth)
        if tp + fp:
            precisions.append(tp / (tp + fp))
        if tp + fn:
            recalls.append(tp / (tp + fn))
    if not recalls:
        return None
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls)
    return 2 * p * r / (p + r) if p + r else 0.0


def run_spider(base: str, workdir: Path, timeout: float) -> tuple[str, list[dict[str, object]]]:
    out = workdir / "items.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-a",
        f"url={base}/",
        "-s",
        f"ARCHIVE_DIR={workdir / 'archive'}",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "ARCHIVE_PROGRESS=off",
        "-O",
        str(out),
    ]
    env = {**_base_env(), "PYTHONPATH": str(ROOT), "ARCHIVE_PROGRESS": "off"}
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return f"timeout after {timeout:.0f}s", _read_items(out)
    items = _read_items(out)
    if proc.returncode != 0:
        stderr = proc.stderr or ""
        if "Spider not found: news" in stderr or "KeyError: 'Spider not found" in stderr:
            return "news spider not found", items
        last = [line for line in stderr.splitlines() if line.strip()][-1:] or ["?"]
        return f"exit {proc.returncode}: {last[0][:100]}", items
    return "ok", items


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}


def _read_items(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                items.append(json.loads(line))
            except ValueError:
                continue
    return items


def _squash(text: object) -> str:
    return " ".join(str(text or "").split())


def title_ok(item: dict[str, object], site_name: str, headline: str) -> bool:
    """The item's title is the headline, without the site's name."""
    title = _squash(item.get("title"))
    return site_name.lower() not in title.lower() and title == _squash(headline)


@dataclass
class Score:
    """The counts behind a Row, to add up over many sites."""

    items: int = 0
    truth: int = 0
    covered: int = 0  # true articles with at least one item
    true_items: int = 0  # items that are true articles
    titles_ok: int = 0  # of true_items
    sitenames_ok: int = 0  # of items

    def __add__(self, other: Score) -> Score:
        return Score(*(getattr(self, k) + getattr(other, k) for k in self.__dataclass_fields__))


def score_items(row: Row, site: AnySite, base: str, items: list[dict[str, object]]) -> Score:
    index = truth_index(site, base)
    truth = site.articles(base)
    matched: dict[str, int] = {}
    pairs: list[tuple[str, str]] = []
    titles = sitenames = 0
    for item in items:
        sitenames += _squash(item.get("sitename")) == site.site_name
        urls = [str(item.get(k) or "") for k in ("url", "canonical_url")]
        canonical = next((index[url_key(u)] for u in urls if u and url_key(u) in index), None)
        if canonical is None:
            continue
        matched[canonical] = matched.get(canonical, 0) + 1
        titles += title_ok(item, site.site_name, truth[canonical].headline)
        if matched[canonical] == 1:
            pairs.append((str(item.get("text") or ""), truth[canonical].text))
    true_items = sum(matched.values())
    row.items = len(items)
    row.coverage = len(matched) / len(truth) if truth else None
    row.precision = true_items / len(items) if items else None
    row.duplicates = true_items - len(matched)
    row.text_f1 = text_f1(pairs)
    row.title_ok = titles / true_items if true_items else None
    row.sitename_ok = sitenames / len(items) if items else None
    return Score(len(items), len(truth), len(matched), true_items, titles, sitenames)


def run_trafilatura(row: Row, site: AnySite, max_seen: int) -> None:
    """trafilatura's focused crawler on the same site. Its downloader refuses non-public
    addresses and courlan rejects IP hosts, so it is fed in-process: every fetch of the
    fake public host is answered by site.render (no socket, nothing leaves the machine)."""
    from unittest import mock

    from courlan import is_navigation_page
    from trafilatura.settings import use_config
    from trafilatura.spider import focused_crawler
    from trafilatura.utils import Response as TrafResponse

    base = f"http://www.anysite-{site.kind}.com"

    def fetch_response(url: str, decode: bool = False, **_: object) -> TrafResponse | None:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != base:
            return None
        rendered = site.render(parts.path or "/", parts.query, base)
        response = TrafResponse(rendered.body, rendered.status, url)
        response.store_headers({"content-type": rendered.content_type})
        response.decode_data(decode)
        return response

    def fetch_url(url: str, **_: object) -> str | None:
        response = fetch_response(url, decode=True)
        return response.html if response is not None and response.status == 200 else None

    config = use_config()
    config.set("DEFAULT", "SLEEP_TIME", "0")
    with (
        mock.patch("trafilatura.spider.fetch_response", fetch_response),
        mock.patch("trafilatura.spider.fetch_url", fetch_url),
    ):
        to_visit, known = focused_crawler(
            base + "/", max_seen_urls=max_seen, max_known_urls=5000, config=config
        )
    found = set(to_visit) | set(known)
    index = truth_index(site, base)
    hits = {index[url_key(u)] for u in found if url_key(u) in index}
    content = [u for u in found if not is_navigation_page(u)]
    row.traf_found = len(found)
    row.traf_coverage = len(hits) / len(site.articles(base))
    row.traf_precision = (
        sum(url_key(u) in index for u in content) / len(content) if content else None
    )


def bench_kind(kind: str, args: argparse.Namespace) -> Row:
    row = Row(kind)
    site = build_site(kind, args.articles)
    with FixtureServer(site) as server:  # type: ignore[arg-type]
        base = server.base_url
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"anysite-{kind}-") as tmp:
            row.status, items = run_spider(base, Path(tmp), args.timeout)
        row.seconds = time.monotonic() - start
        requests = server.requests
        row.requests = len(requests)
        row.disallowed = sum(
            any(r.path_with_query.startswith(p) for p in site.disallowed) for r in requests
        )
        score_items(row, site, base, items)
        if not args.no_trafilatura:
            try:
                run_trafilatura(row, site, args.trafilatura_seen)
            except Exception as error:  # the baseline must not stop the bench
                row.notes.append(f"trafilatura: {type(error).__name__}: {error}")
    return row


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.1%}"


def print_table(rows: list[Row]) -> None:
    head = (
        f"{'kind':12} {'status':24} {'items':>5} {'cover':>6} {'prec':>6} {'dups':>4} "
        f"{'disal':>5} {'reqs':>5} {'textF1':>6} {'title':>6} {'sname':>6} "
        f"{'t.cov':>6} {'t.prec':>6} {'t.urls':>6} {'s':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        f1 = "  -  " if r.text_f1 is None else f"{r.text_f1:6.3f}"
        print(
            f"{r.kind:12} {r.status[:24]:24} {r.items:5d} {_pct(r.coverage):>6} "
            f"{_pct(r.precision):>6} {r.duplicates:4d} {r.disallowed:5d} {r.requests:5d} "
            f"{f1:>6} {_pct(r.title_ok):>6} {_pct(r.sitename_ok):>6} "
            f"{_pct(r.traf_coverage):>6} {_pct(r.traf_precision):>6} "
            f"{r.traf_found:6d} {r.seconds:5.0f}"
        )
        for note in r.notes:
            print(f"    {note}")
    print(
        "cover/prec/dups/disal/textF1/title/sname: `scrapy crawl news` (title: true-article "
        "items whose title is the headline, without the site name; sname: items whose "
        "sitename is the site's name); t.cov/t.prec/t.urls: trafilatura focused_crawler "
        "discovery (coverage of true articles among the URLs it found; share of true "
        "articles among the found URLs courlan does not call navigation pages)."
    )


# --------------------------------------------------------------------- --many N
TIME_BIN = Path("/usr/bin/time")
MANY_SETTINGS = (
    "CONCURRENT_REQUESTS=32",
    "AUTOTHROTTLE_ENABLED=False",
    "ARCHIVE_PROGRESS=off",
    "MEMUSAGE_CHECK_INTERVAL_SECONDS=1",
)


@dataclass
class ManyRow:
    sites: int
    status: str = "ok"
    seconds: float = 0.0
    pages: int | None = None  # downloader/response_count
    requests: int = 0  # requests the servers received
    disallowed: int = 0
    duplicates: int = 0
    score: Score = field(default_factory=Score)
    memusage_max: int | None = None  # bytes, crawl process (Scrapy's MemoryUsage)
    time_max_rss: int | None = None  # bytes, /usr/bin/time -v (largest process)


def many_sites(n: int) -> list[AnySite]:
    """n small sites: the kinds in turn, a new seed each round, 6-8 articles each."""
    return [
        build_site(KINDS[i % len(KINDS)], 6 + i % 3, seed=1 + i // len(KINDS)) for i in range(n)
    ]


def _raise_open_files(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def _stat(stderr: str, key: str) -> int | None:
    match = re.search(rf"'{re.escape(key)}': (\d+)", stderr)
    return int(match.group(1)) if match else None


def bench_many(n: int, timeout: float) -> ManyRow:
    row = ManyRow(n)
    sites = many_sites(n)
    _raise_open_files(4096 + 16 * n)
    with (
        contextlib.ExitStack() as stack,
        tempfile.TemporaryDirectory(prefix="anysite-many-") as tmp,
    ):
        servers = [stack.enter_context(FixtureServer(site)) for site in sites]  # type: ignore[arg-type]
        workdir = Path(tmp)
        sites_file = workdir / "sites.txt"
        sites_file.write_text("".join(f"{server.base_url}/\n" for server in servers))
        out = workdir / "items.jsonl"
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites_file}"]
        cmd += ["-s", f"ARCHIVE_DIR={workdir / 'archive'}"]
        for setting in MANY_SETTINGS:
            cmd += ["-s", setting]
        cmd += ["-O", str(out)]
        if TIME_BIN.exists():
            cmd = [str(TIME_BIN), "-v", *cmd]
        env = {**_base_env(), "PYTHONPATH": str(ROOT), "ARCHIVE_PROGRESS": "off"}
        start = time.monotonic()
        stderr = ""
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
            )
            stderr = proc.stderr or ""
            if proc.returncode != 0:
                last = [line for line in stderr.splitlines() if line.strip()][-1:] or ["?"]
                row.status = f"exit {proc.returncode}: {last[0][:80]}"
        except subprocess.TimeoutExpired as expired:
            row.status = f"timeout after {timeout:.0f}s"
            stderr = str(expired.stderr or "")
        row.seconds = time.monotonic() - start
        items = _read_items(out)
        row.pages = _stat(stderr, "downloader/response_count")
        memusage = _stat(stderr, "memusage/max")
        row.memusage_max = memusage
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
        row.time_max_rss = int(match.group(1)) * 1024 if match else None
        by_netloc: dict[str, list[dict[str, object]]] = {}
        for item in items:
            by_netloc.setdefault(urlsplit(str(item.get("url") or "")).netloc, []).append(item)
        for site, server in zip(sites, servers, strict=True):
            base = server.base_url
            one = Row(site.kind)
            row.score += score_items(one, site, base, by_netloc.get(urlsplit(base).netloc, []))
            row.duplicates += one.duplicates
            requests = server.requests
            row.requests += len(requests)
            row.disallowed += sum(
                any(r.path_with_query.startswith(p) for p in site.disallowed) for r in requests
            )
    return row


def _mb(value: int | None) -> str:
    return "   -  " if value is None else f"{value / 2**20:6.0f}"


def print_many(rows: list[ManyRow]) -> None:
    head = (
        f"{'sites':>5} {'status':20} {'wall s':>6} {'pages':>6} {'reqs':>6} {'items':>5} "
        f"{'arts':>5} {'cover':>6} {'prec':>6} {'dups':>4} {'disal':>5} {'title':>6} "
        f"{'sname':>6} {'memMB':>6} {'rssMB':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        s = r.score
        print(
            f"{r.sites:5d} {r.status[:20]:20} {r.seconds:6.1f} "
            f"{'-' if r.pages is None else r.pages:>6} {r.requests:6d} {s.items:5d} "
            f"{s.truth:5d} {_pct(s.covered / s.truth if s.truth else None):>6} "
            f"{_pct(s.true_items / s.items if s.items else None):>6} {r.duplicates:4d} "
            f"{r.disallowed:5d} {_pct(s.titles_ok / s.true_items if s.true_items else None):>6} "
            f"{_pct(s.sitenames_ok / s.items if s.items else None):>6} "
            f"{_mb(r.memusage_max)} {_mb(r.time_max_rss)}"
        )
    print(
        "pages: the crawl's downloader/response_count; reqs: requests the servers received; "
        "arts: true articles of all sites; memMB: memusage/max of the crawl process (sampled "
        "every 1 s); rssMB: /usr/bin/time -v maximum resident set size (largest process)."
    )
    small, large = rows[0], rows[-1]
    for label, a, b in (
        ("memusage/max", small.memusage_max, large.memusage_max),
        ("time -v max RSS", small.time_max_rss, large.time_max_rss),
    ):
        if len(rows) > 1 and a and b and large.sites > small.sites:
            per_site = (b - a) / (large.sites - small.sites) / 1024
            print(
                f"{label}: {a / 2**20:.0f} MB at {small.sites} sites -> {b / 2**20:.0f} MB at "
                f"{large.sites} sites (x{b / a:.2f} for x{large.sites / small.sites:.0f} sites; "
                f"{per_site:.0f} KB per added site)"
            )


def eval_section() -> None:
    print("\n== extraction F1 on the real pages of /work/shared/eval ==")
    if not (EVAL_DIR / "ground_truth.json").exists():
        print(f"skipped: {EVAL_DIR} is not there")
        return
    try:
        import extraction_quality

        extraction_quality.main([str(EVAL_DIR), "--worst", "0"])
    except Exception as error:
        print(f"skipped: bench/extraction_quality.py failed: {type(error).__name__}: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds")
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per crawl")
    parser.add_argument("--trafilatura-seen", type=int, default=80, help="max_seen_urls")
    parser.add_argument("--no-trafilatura", action="store_true")
    parser.add_argument("--no-eval", action="store_true")
    parser.add_argument(
        "--many",
        type=int,
        default=0,
        metavar="N",
        help="crawl N small sites (and N/4 first) in one crawl each; see the docstring",
    )
    args = parser.parse_args(argv)
    if args.many > 0:
        counts = sorted({max(1, args.many // 4), args.many})
        many_rows = []
        for count in counts:
            print(f"[many] crawling {count} sites…", file=sys.stderr, flush=True)
            many_rows.append(bench_many(count, args.timeout))
        print_many(many_rows)
        return 0
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        print(f"unknown kinds {unknown}; choose from {', '.join(KINDS)}")
        return 0
    rows = []
    for kind in kinds:
        print(f"[{kind}] crawling…", file=sys.stderr, flush=True)
        rows.append(bench_kind(kind, args))
    print_table(rows)
    if not args.no_eval:
        eval_section()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
