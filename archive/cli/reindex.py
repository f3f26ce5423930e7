"""``reindex``: the index rebuilt from the WARC files."""

from __future__ import annotations

import argparse
import sys

from archive.cli.common import CommandError, warc_bytes
from archive.cli.progressbar import progress
from archive.integrity.reindex import reindex_archive
from archive.layout import ArchiveLayout
from archive.lock import exclusive


def cmd_reindex(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    if not layout.warc_files() and not layout.stored_names() and layout.index_path.exists():
        raise CommandError(
            f"no WARC files in {layout.warc_dir}: refusing to replace the index with an empty one"
        )
    with (
        exclusive(layout, alone=False) as lock,
        progress("reindexing", warc_bytes(layout, stored=True)) as advance,
    ):
        report = reindex_archive(layout, lock=lock, on_bytes=advance)
    for skipped in report.skipped:
        print(f"warning: skipped {skipped}", file=sys.stderr)
    print(f"reindex: {report.summary()}", file=sys.stderr)
    return 1 if report.skipped else 0
