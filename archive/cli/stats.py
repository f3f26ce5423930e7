"""``stats``: what the archive holds."""

from __future__ import annotations

import argparse
import json

from archive.cli.common import open_index
from archive.index.stats import archive_stats
from archive.layout import ArchiveLayout


def cmd_stats(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    with open_index(args, layout) as db:
        s = archive_stats(layout, db)
    if args.json:
        print(json.dumps(s.to_json(), ensure_ascii=False))
        return 0
    print(f"captures: {s.captures}")
    print("  by status: " + (", ".join(f"{k}: {n}" for k, n in s.by_status) or "-"))
    print("  by MIME type:")
    for mime, n in s.by_mime:
        print(f"    {n:>8}  {mime}")
    print(f"articles: {s.articles}")
    print("  per day (published):")
    for day, n in s.articles_per_day:
        print(f"    {day}  {n}")
    print(
        f"HTML pages (status 200): {s.html_pages}, with an article: {s.html_pages_with_article}, "
        f"without: {s.html_pages_without_article} (listings, or extraction failed)"
    )
    stored = (
        f"; {s.stored_files} in object storage only ({s.stored_bytes:,} bytes)"
        if s.stored_files
        else ""
    )
    print(f"WARC files: {s.warc_files} ({s.open_files} open), {s.warc_bytes:,} bytes{stored}")
    print(f"runs: {s.runs}")
    print("last run:" + ("" if s.last_run else " -"))
    for key, value in s.last_run:
        print(f"  {key}: {'-' if value is None else value}")
    return 0
