"""``reextract``: articles extracted again from the archived responses."""

from __future__ import annotations

import argparse
import sys

from archive.cli.common import max_body, open_index
from archive.cli.progressbar import progress
from archive.extract.reextract import Selection, count_targets, current_extractor, reextract_archive
from archive.layout import ArchiveLayout
from archive.lock import exclusive


def cmd_reextract(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    pattern = args.url_pattern
    selection = Selection(args.all_html or pattern is not None, pattern, args.force)
    label = args.extractor_label or current_extractor()
    with exclusive(layout, alone=False) as lock:
        with open_index(args, layout) as db:
            todo, _ = count_targets(db, selection, label)
        with progress("re-extracting", todo, unit="articles") as advance:
            report = reextract_archive(
                layout,
                selection,
                lock=lock,
                extractor=label,
                workers=args.workers or 0,
                page_timeout=args.page_timeout,
                timeout=args.timeout,
                on_page=lambda: advance(1),
                max_body=max_body(args),
            )
    for failure in report.failed:
        print(f"reextract: extraction failed: {failure}", file=sys.stderr)
    for failure in report.unreadable:
        print(f"warning: skipped {failure}", file=sys.stderr)
    print(f"reextract: {report.summary()}", file=sys.stderr)
    return 1 if report.unreadable else 0
