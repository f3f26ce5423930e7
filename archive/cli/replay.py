"""``replay``: the archive in a browser (search, articles, pywb)."""

from __future__ import annotations

import argparse

from archive.cli.common import CommandError
from archive.layout import ArchiveLayout


def cmd_replay(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    from archive.web.serve import ReplayError, serve  # Flask only for this command

    try:
        return serve(
            layout,
            host=args.host,
            port=args.port,
            replay_port=args.replay_port,
            timeout=args.timeout,
            metrics_port=getattr(args, "metrics_port", None),
        )
    except ReplayError as exc:
        raise CommandError(str(exc)) from None
