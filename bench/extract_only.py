"""Configuration (c) of the crawl benchmark: extraction alone, no network, no Scrapy.

    python bench/extract_only.py --pages N [--workers W] [--base URL] [--source DIR]

Runs :func:`archive.extract.article.extract_article` over the HTML of the benchmark site's N
article pages in a ProcessPoolExecutor of W workers (0: one per CPU, as
ARCHIVE_EXTRACT_WORKERS=0 does), started like the crawler's pool (forkserver with
archive.extract.preload preloaded: trafilatura imported and one page extracted before the workers
fork), every page submitted at once so no worker ever waits. Prints
one JSON line: pages, extracted, failed and the seconds from the first submit to the last
result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH

from bench_site import EVAL_DIR, article_pages, article_url  # noqa: E402

from archive.extract.article import extract_article  # noqa: E402
from archive.extract.pool import warm_forkserver  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--source", type=Path, default=EVAL_DIR)
    parser.add_argument("--synthetic", action="store_true")
    args = parser.parse_args(argv)
    workers = args.workers or os.cpu_count() or 1
    pages = list(article_pages(args.pages, None if args.synthetic else args.source))
    extracted = failed = 0
    with ProcessPoolExecutor(workers, mp_context=warm_forkserver()) as pool:  # as the crawler's
        started = time.perf_counter()
        jobs = [
            pool.submit(
                extract_article, body, article_url(args.base, i), "text/html; charset=utf-8"
            )
            for i, body in pages
        ]
        for job in as_completed(jobs):
            if job.result().article is not None:
                extracted += 1
            else:
                failed += 1
        seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "pages": len(pages),
                "workers": workers,
                "extracted": extracted,
                "failed": failed,
                "seconds": round(seconds, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
