"""Article-or-not benchmark for :func:`archive.extract.articleness.article_signals`.

Usage::

    python bench/articleness.py [DIR] [--rounds N] [--show]

DIR (default ``/work/shared/eval/aeb-public``) holds ``html/<id>.html.gz`` and
``ground_truth.json`` (id -> ``{"url": ...}``); every one of its pages is an article, so
the share judged articles is the recall (target >= 0.98). The pages are read at run
time, never copied. Then the fixture site's (``tests/fixture_site``) pages are rendered
in memory, no server: its articles must be judged articles, and its home, categories,
tag pages, calendar, archive, about, contact and its 404 page must not (the share judged
not articles). Prints ms/page: the median of ``--rounds`` runs over every page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.extract.articleness import article_signals  # noqa: E402
from tests.fixture_site import NewsSite, default_articles  # noqa: E402

BASE = "http://127.0.0.1:8000"


def eval_pages(folder: Path) -> list[tuple[str, str, bytes]]:
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        path = folder / "html" / f"{page_id}.html.gz"
        if path.exists():
            pages.append((page_id, item["url"], gzip.decompress(path.read_bytes())))
    return pages


def fixture_pages() -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """(articles, non-articles) of the fixture site as (url, body) pairs."""
    site = NewsSite(default_articles(), session_ids=False)

    def render(path: str, query: str = "") -> tuple[str, bytes]:
        url = BASE + path + (f"?{query}" if query else "")
        return url, site.render(path, query, BASE).body

    articles = [render(a.path) for a in site.articles]
    listing = [render("/english"), render("/english/archive", "page=1")]
    listing += [render(f"/english/category/{slug}", "page=1") for slug in site.categories]
    listing += [render(f"/english/tag/{slug}") for slug in site.tag_names()]
    listing += [render("/english/calendar/2021/08"), render("/english/about")]
    listing += [render("/english/contact"), render("/english/no-such-page")]
    return articles, listing


def timed(pages: list[tuple[str, bytes]], rounds: int) -> tuple[list[bool], float]:
    results: list[bool] = []
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        results = [article_signals(body, url).is_article for url, body in pages]
        times.append((time.perf_counter() - start) / max(1, len(pages)))
    return results, statistics.median(times) * 1000


def slowest(pages: list[tuple[str, str, bytes]]) -> str:
    times = []
    for _, url, body in pages:
        start = time.perf_counter()
        article_signals(body, url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return f"p95 {times[int(0.95 * (len(times) - 1))]:.2f} ms, slowest {times[-1]:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", nargs="?", default="/work/shared/eval/aeb-public")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--show", action="store_true", help="print every page's verdict")
    args = parser.parse_args()

    folder = Path(args.dir)
    if (folder / "ground_truth.json").exists():
        pages = eval_pages(folder)
        judged, ms = timed([(url, body) for _, url, body in pages], args.rounds)
        sizes = statistics.median(len(body) for _, _, body in pages) / 1024
        print(f"eval pages (all articles): {len(pages)}, median {sizes:.0f} KiB")
        print(f"  judged articles: {sum(judged)}/{len(pages)} = {sum(judged) / len(pages):.3f}")
        print(f"  {ms:.2f} ms/page (median of {args.rounds} rounds), {slowest(pages)}")
        for (page_id, url, body), ok in zip(pages, judged, strict=True):
            if args.show or not ok:
                why = article_signals(body, url).explain()
                print(f"  {'  ' if ok else 'NO'} {page_id[:10]} {why}")
                print(f"     {url}")
    else:
        print(f"{folder}: no ground_truth.json, eval pages skipped")

    articles, others = fixture_pages()
    judged, ms = timed(articles, args.rounds)
    print(f"fixture site articles: judged articles {sum(judged)}/{len(articles)}, {ms:.2f} ms/page")
    judged, ms = timed(others, args.rounds)
    rejected = len(judged) - sum(judged)
    print(
        f"fixture site non-articles: judged not articles {rejected}/{len(others)} = "
        f"{rejected / len(others):.3f}, {ms:.2f} ms/page"
    )
    for (url, body), ok in zip(others, judged, strict=True):
        if args.show or ok:
            why = article_signals(body, url).explain()
            print(f"  {'ARTICLE' if ok else '       '} {url} {why}")


if __name__ == "__main__":
    main()
