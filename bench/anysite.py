"""Generic-crawl benchmark on the anysite fixture sites (tests/anysite), 127.0.0.1 only.

Usage::

    python bench/anysite.py [--kinds wordpress,amp,...] [--articles 24] [--timeout 600]
                            [--trafilatura-seen 80] [--no-trafilatura] [--no-eval]

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
* the same coverage/precision for ``trafilatura.spider.focused_crawler`` (discovery only:
  its to-visit + known links; "content" = the links courlan does not call navigation pages).

Then, when /work/shared/eval/aeb-public exists, the extraction F1 on those real pages
(bench/extraction_quality.py). Always exits 0; a missing or failing ``news`` spider is
reported in the table, not raised.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from extraction_quality import score_text  # noqa: E402

from tests.anysite import KINDS, AnySite, build_site  # noqa: E402
from tests.fixture_site.server import FixtureServer  # noqa: E402

EVAL_DIR = Path("/work/shared/eval/aeb-public")
IGNORED_PARAMS = {"sid", "replytocom", "itemid", "catid"}


def url_key(url: str) -> str:
    """A URL with fragment, session/comment/menu parameters and query order normalised away."""
    parts = urlsplit(url.strip())
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in IGNORED_PARAMS and not k.lower().startswith("utm_")
    )
    path = parts.path or "/"
    return f"{parts.netloc.lower()}{path}" + (f"?{urlencode(query)}" if query else "")


def truth_index(site: AnySite, base: str) -> dict[str, str]:
    """url_key of every URL of every true article -> its canonical URL."""
    index: dict[str, str] = {}
    for canonical, truth in site.articles(base).items():
        for url in (canonical, *truth.aliases):
            index[url_key(url)] = canonical
    return index


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


def score_items(row: Row, site: AnySite, base: str, items: list[dict[str, object]]) -> None:
    index = truth_index(site, base)
    truth = site.articles(base)
    matched: dict[str, int] = {}
    pairs: list[tuple[str, str]] = []
    for item in items:
        urls = [str(item.get(k) or "") for k in ("url", "canonical_url")]
        canonical = next((index[url_key(u)] for u in urls if u and url_key(u) in index), None)
        if canonical is None:
            continue
        matched[canonical] = matched.get(canonical, 0) + 1
        if matched[canonical] == 1:
            pairs.append((str(item.get("text") or ""), truth[canonical].text))
    row.items = len(items)
    row.coverage = len(matched) / len(truth) if truth else None
    row.precision = sum(matched.values()) / len(items) if items else None
    row.duplicates = sum(n - 1 for n in matched.values())
    row.text_f1 = text_f1(pairs)


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
        f"{'disal':>5} {'reqs':>5} {'textF1':>6} {'t.cov':>6} {'t.prec':>6} {'t.urls':>6} {'s':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        f1 = "  -  " if r.text_f1 is None else f"{r.text_f1:6.3f}"
        print(
            f"{r.kind:12} {r.status[:24]:24} {r.items:5d} {_pct(r.coverage):>6} "
            f"{_pct(r.precision):>6} {r.duplicates:4d} {r.disallowed:5d} {r.requests:5d} "
            f"{f1:>6} {_pct(r.traf_coverage):>6} {_pct(r.traf_precision):>6} "
            f"{r.traf_found:6d} {r.seconds:5.0f}"
        )
        for note in r.notes:
            print(f"    {note}")
    print(
        "cover/prec/dups/disal/textF1: `scrapy crawl news`; t.cov/t.prec/t.urls: trafilatura "
        "focused_crawler discovery (coverage of true articles among the URLs it found; share "
        "of true articles among the found URLs courlan does not call navigation pages)."
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
    args = parser.parse_args(argv)
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
