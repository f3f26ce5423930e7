"""``verify [--repair]``: the archive checked against its WARC files (and repaired);
``verify --wacz FILE [--public-key KEY] [--timestamp-roots PEM] [--domain-roots PEM]``: a
WACZ package checked against its hashes, its signature and its timestamp
(:mod:`archive.integrity.wacz_sign`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.cli.common import CommandError, UsageError, warc_bytes
from archive.cli.progressbar import progress
from archive.integrity.repair import repair_archive
from archive.integrity.verify import verify_archive
from archive.integrity.wacz_sign import (
    SignError,
    load_certificates,
    load_public_key,
    verify_wacz,
)
from archive.layout import ArchiveLayout
from archive.lock import exclusive


def cmd_verify(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    if getattr(args, "wacz", None):
        return _verify_wacz(args)
    for option in ("public_key", "timestamp_roots", "domain_roots"):
        if getattr(args, option, None):
            raise UsageError(f"--{option.replace('_', '-')} goes with --wacz FILE")
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
                    layout,
                    timeout=args.timeout,
                    on_bytes=advance,
                    crawl_running=False,
                    fetch_stored=getattr(args, "fetch", False),
                )
    else:
        total = warc_bytes(layout, stored=getattr(args, "fetch", False))
        with progress("verifying", total) as advance:
            report = verify_archive(
                layout,
                timeout=args.timeout,
                on_bytes=advance,
                fetch_stored=getattr(args, "fetch", False),
            )
    for problem in report.problems:
        print(problem)
    print(f"verify: {report.summary()}", file=sys.stderr)
    return 0 if report.clean else 1


def _verify_wacz(args: argparse.Namespace) -> int:
    if args.repair:
        raise UsageError("--repair does not go with --wacz: a package is not repaired")
    path = Path(args.wacz)
    if not path.is_file():
        raise CommandError(f"no WACZ file {path}")
    try:
        expected = load_public_key(args.public_key) if args.public_key else None
        roots = load_certificates(args.timestamp_roots) if args.timestamp_roots else None
        domain_roots = load_certificates(args.domain_roots) if args.domain_roots else None
    except SignError as exc:
        raise UsageError(str(exc)) from None
    check = verify_wacz(path, public_key=expected, timestamp_roots=roots, domain_roots=domain_roots)
    if check.problem is not None:
        print(f"verify: {check.problem}")
        return 1
    print(f"verify: {check.summary()}", file=sys.stderr)
    return 0
