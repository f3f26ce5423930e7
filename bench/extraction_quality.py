"""Extraction-quality benchmark for :func:`archive.extract.article.extract_article`.

Usage::

    python bench/extraction_quality.py DIR [--workers N] [--worst K] [--baseline]
    python bench/extraction_quality.py DIR --speed ROUNDS

DIR holds ``html/<id>.html.gz`` (gzip, UTF-8 pages) and ``ground_truth.json`` mapping each id
to ``{"url": ..., "articleBody": ...}``. Score: overlapping runs of 4 ``\\w+`` tokens (case
kept) compared as multisets per page; precision is averaged over pages with a non-empty
prediction, recall over pages with a non-empty truth, F1 = 2PR/(P+R) of the two means.
``--baseline`` scores plain ``trafilatura.extract(html, url=url)`` with its defaults instead.

``--speed ROUNDS`` measures CPU time instead (one process, ``time.process_time``): each
round runs ``extract_article`` over every page, then ``trafilatura.extract`` with
``with_metadata=True`` and with ``with_metadata=False`` (on the page decoded as UTF-8), in
alternating order (every other round reversed, so a slow minute falls alike on all), after
one warm-up round; prints each round's ms/page, the medians and the ratios of the medians
(issue 21's target: extract_article <= 0.75 x trafilatura.extract(with_metadata=True)).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_TOKEN_RE = re.compile(r"\w+")
_SEP_RE = re.compile(r"\s+(?:[|·•»«~/:]|-{1,2}|–|—|::)\s+")
_NOT_A_NAME_RE = re.compile(r"^(?:@|[a-z]+://|www\.)|^[\w.-]+:\d+$", re.IGNORECASE)
_SITE_META_RE = re.compile(
    r"<meta[^>]+(?:og:site_name|application-name)[^>]+>|\"publisher\"[^}]*?\"name\"\s*:\s*\"[^\"]*\"",
    re.IGNORECASE,
)
_CONTENT_RE = re.compile(r"(?:content|\"name\")\s*[=:]\s*\"([^\"]*)\"", re.IGNORECASE)
SHINGLE = 4


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of the overlapping runs of 4 consecutive tokens of ``text``."""
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


@dataclass
class PageScore:
    page_id: str
    url: str
    tp: int
    fp: int
    fn: int
    ms: float
    has_title: bool
    has_date: bool
    error: str | None
    title_has_site: bool = False
    title_matches: bool | None = None  # None: the ground truth has no title
    bad_sitename: bool = False  # missing, or a URL, host:port or @handle

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def _key(value: str) -> str:
    return "".join(ch for ch in value.casefold() if ch.isalnum())


def title_has_site(title: str, sitename: str | None, html: str, url: str) -> bool:
    """Whether ``title`` still ends (or starts) with a separated site-name part: one that
    is the page's og:site_name / application-name / JSON-LD publisher name, the extracted
    site name or a label of the host (a part that only the ``<title>`` shows, the same on
    all of a site's pages, is not detected)."""
    parts = _SEP_RE.split(title)
    if len(parts) < 2:
        return False
    names = [sitename or ""]
    for tag in _SITE_META_RE.findall(html):
        names += [m.group(1) for m in _CONTENT_RE.finditer(tag)]
    names += (urlsplit(url).hostname or "").split(".")
    keys = {_key(n) for n in names if len(_key(n)) > 1}
    return _key(parts[-1]) in keys or _key(parts[0]) in keys


def score_text(prediction: str, truth: str) -> tuple[int, int, int]:
    pred, gold = shingles(prediction), shingles(truth)
    tp = sum((pred & gold).values())
    return tp, sum(pred.values()) - tp, sum(gold.values()) - tp


def _run_page(job: tuple[str, str, str, str, str | None, bool]) -> PageScore:
    page_id, path, url, truth, truth_title, baseline = job
    body = gzip.decompress(Path(path).read_bytes())
    error = None
    site_suffix = bad_site = False
    matches = None
    if baseline:
        import trafilatura

        html = body.decode("utf-8", "replace")
        start = time.perf_counter()
        text = trafilatura.extract(html, url=url) or ""
        ms = (time.perf_counter() - start) * 1000
        meta = trafilatura.extract_metadata(html, default_url=url)
        has_title = bool(meta and meta.title)
        has_date = bool(meta and meta.date)
    else:
        from archive.extract.article import extract_article

        start = time.perf_counter()
        result = extract_article(body, url, "text/html")
        ms = (time.perf_counter() - start) * 1000
        article = result.article or {}
        text = article.get("text") or ""
        has_title = bool(article.get("title"))
        has_date = bool(article.get("published"))
        error = result.error
        site_suffix = has_title and title_has_site(
            article["title"], article.get("sitename"), body.decode("utf-8", "replace"), url
        )
        sitename = article.get("sitename") or ""
        bad_site = not sitename or bool(_NOT_A_NAME_RE.search(sitename))
        if truth_title is not None:
            matches = article.get("title") == truth_title
    tp, fp, fn = score_text(text, truth)
    return PageScore(
        page_id, url, tp, fp, fn, ms, has_title, has_date, error, site_suffix, matches, bad_site
    )


def _warm_up(baseline: bool) -> None:
    """Import and exercise the extractor once so the first timed page pays no import cost."""
    page = b"<html><body><article><p>" + b"Warm up sentence for the extractor. " * 20
    page += b"</p></article></body></html>"
    if baseline:
        import trafilatura

        trafilatura.extract(page.decode(), url="https://example.org/a")
    else:
        from archive.extract.article import extract_article

        extract_article(page, "https://example.org/a")


def speed(folder: Path, rounds: int) -> None:
    """CPU ms/page of extract_article and trafilatura.extract, alternating, medians."""
    import trafilatura

    from archive.extract.article import extract_article

    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    pages = [
        (item["url"], gzip.decompress((folder / "html" / f"{pid}.html.gz").read_bytes()))
        for pid, item in sorted(truth.items())
    ]
    texts = [(url, body.decode("utf-8", "replace")) for url, body in pages]

    def ours() -> None:
        for url, body in pages:
            extract_article(body, url, "text/html")

    def theirs(with_metadata: bool) -> None:
        for url, html in texts:
            trafilatura.extract(html, url=url, with_metadata=with_metadata)

    runs = {
        "extract_article": ours,
        "trafilatura.extract(with_metadata=True)": lambda: theirs(True),
        "trafilatura.extract(with_metadata=False)": lambda: theirs(False),
    }
    for run in runs.values():  # warm-up: imports, compiled patterns, caches
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(rounds):
        for name in list(runs) if i % 2 == 0 else list(runs)[::-1]:
            start = time.process_time()
            runs[name]()
            times[name].append((time.process_time() - start) * 1000 / len(pages))
    print(f"CPU ms/page over {len(pages)} pages, {rounds} rounds (alternating order)")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        rounds_text = " ".join(f"{v:.1f}" for v in values)
        print(f"  {name:42} median {medians[name]:5.1f}   rounds: {rounds_text}")
    ours_ms = medians["extract_article"]
    with_meta = medians["trafilatura.extract(with_metadata=True)"]
    without = medians["trafilatura.extract(with_metadata=False)"]
    print(f"extract_article / trafilatura.extract(with_metadata=True)  {ours_ms / with_meta:.3f}")
    print(f"extract_article / trafilatura.extract(with_metadata=False) {ours_ms / without:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--worst", type=int, default=10)
    parser.add_argument(
        "--baseline", action="store_true", help="score trafilatura.extract defaults"
    )
    parser.add_argument(
        "--speed",
        type=int,
        metavar="ROUNDS",
        default=0,
        help="measure CPU time per page against trafilatura.extract instead of F1",
    )
    args = parser.parse_args(argv)
    if args.speed > 0:
        speed(args.dir, args.speed)
        return 0

    truth = json.loads((args.dir / "ground_truth.json").read_text(encoding="utf-8"))
    jobs = [
        (
            pid,
            str(args.dir / "html" / f"{pid}.html.gz"),
            item["url"],
            item["articleBody"],
            item.get("headline") or item.get("title"),
            args.baseline,
        )
        for pid, item in sorted(truth.items())
    ]
    if args.workers > 1:
        with ProcessPoolExecutor(
            args.workers, initializer=_warm_up, initargs=(args.baseline,)
        ) as ex:
            scores = list(ex.map(_run_page, jobs, chunksize=4))
    else:
        _warm_up(args.baseline)
        scores = [_run_page(job) for job in jobs]

    precisions = [s.precision for s in scores if s.precision is not None]
    recalls = [s.recall for s in scores if s.recall is not None]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    n = len(scores)
    label = "trafilatura.extract defaults" if args.baseline else "archive.extract.article"
    print(f"{label} on {n} pages ({args.dir})")
    print(f"F1          {f1:.4f}")
    print(f"precision   {p:.4f}  ({len(precisions)} pages with a prediction)")
    print(f"recall      {r:.4f}")
    print(f"median ms   {statistics.median(s.ms for s in scores):.1f}")
    print(f"title found {sum(s.has_title for s in scores) / n:.1%}")
    print(f"date found  {sum(s.has_date for s in scores) / n:.1%}")
    if not args.baseline:
        judged = [s.title_matches for s in scores if s.title_matches is not None]
        share = f"{sum(judged) / len(judged):.1%}" if judged else "n/a (no titles in the truth)"
        print(f"title = ground truth  {share}")
        with_title = [s for s in scores if s.has_title]
        carried = sum(s.title_has_site for s in with_title) / max(len(with_title), 1)
        print(f"title with site name  {carried:.1%}")
        bad = sum(s.bad_sitename for s in scores) / n
        print(f"sitename URL/host/@/none  {bad:.1%}")
    errors = Counter(s.error for s in scores if s.error)
    if errors:
        print("errors      " + ", ".join(f"{e}: {c}" for e, c in errors.most_common()))
    if args.worst > 0:
        print(f"\n{args.worst} worst pages (F1, precision, recall, id, url):")
        for s in sorted(scores, key=lambda s: s.f1)[: args.worst]:
            pr = "  -  " if s.precision is None else f"{s.precision:.3f}"
            rc = "  -  " if s.recall is None else f"{s.recall:.3f}"
            print(f"  {s.f1:.3f}  {pr}  {rc}  {s.page_id[:12]}  {s.url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
