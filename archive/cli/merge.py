"""``merge``: the indexes of a distributed crawl's workers folded into the archive's."""

from __future__ import annotations

import argparse
import sys

from archive.index.merge import merge_workers
from archive.layout import ArchiveLayout
from archive.plural import counted


def cmd_merge(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    report = merge_workers(layout)
    for name in report.busy:
        print(f"merge: worker {name} is still crawling: left for later", file=sys.stderr)
    print(
        f"merge: {counted(len(report.merged), 'worker index', 'worker indexes')} merged: "
        f"{counted(report.captures, 'capture')}, {counted(report.articles, 'article')}",
        file=sys.stderr,
    )
    return 0
