"""``runs``: the crawls recorded in the archive."""

from __future__ import annotations

import argparse
import json

from archive.cli.common import open_index
from archive.layout import ArchiveLayout

RUN_FIELDS = (
    "started",
    "finished",
    "spider",
    "pages",
    "new_articles",
    "revisits",
    "errors",
    "finish_reason",
    "exit_status",
)


def cmd_runs(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    with open_index(args, layout) as db:
        rows = db.execute(
            f"SELECT run_id, {', '.join(RUN_FIELDS)} FROM runs ORDER BY started DESC LIMIT ?",
            (args.limit,),
        ).fetchall()
    if args.json:
        for row in rows:
            print(json.dumps(dict(zip(("run_id", *RUN_FIELDS), row, strict=True))))
        return 0
    if not rows:
        print("no runs recorded")
        return 0
    print(f"{'started':<27} {'pages':>6} {'new':>5} {'revisits':>8} {'errors':>6}  end (exit)")
    for row in rows:
        # a killed run's report (archive/integrity/killedruns.py) knows no errors or exit status
        run = {
            k: "-" if v is None else v for k, v in zip(("run_id", *RUN_FIELDS), row, strict=True)
        }
        print(
            f"{run['started']:<27} {run['pages']:>6} {run['new_articles']:>5} "
            f"{run['revisits']:>8} {run['errors']:>6}  {run['finish_reason']} "
            f"({run['exit_status']})"
        )
    return 0
