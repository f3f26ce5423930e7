"""``verify [--repair]``: the archive checked against its WARC files (and repaired)."""

from __future__ import annotations

import argparse
import sys

from archive.cli.common import warc_bytes
from archive.cli.progressbar import progress
from archive.integrity.repair import repair_archive
from archive.integrity.verify import verify_archive
from archive.layout import ArchiveLayout
from archive.lock import exclusive


def cmd_verify(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    if args.repair:
        with exclusive(layout, alone=False) as lock:
            with progress("repairing", warc_bytes(layout)) as advance:
                repaired = repair_archive(
                    layout, lock=lock, full_scan=True, timeout=args.timeout, on_bytes=advance
                )
            for line in repaired.lines():
                print(f"repair: {line}")
            if not repaired.changed:
                print("repair: nothing to repair", file=sys.stderr)
            with progress("verifying", warc_bytes(layout)) as advance:
                report = verify_archive(
                    layout, timeout=args.timeout, on_bytes=advance, crawl_running=False
                )
    else:
        with progress("verifying", warc_bytes(layout)) as advance:
            report = verify_archive(layout, timeout=args.timeout, on_bytes=advance)
    for problem in report.problems:
        print(problem)
    print(f"verify: {report.summary()}", file=sys.stderr)
    return 0 if report.clean else 1
