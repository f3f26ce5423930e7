"""What the commands share: their errors, the index opened read-only, the body bound."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from archive.access import connect_readonly
from archive.extract.decode import max_body_from_env
from archive.layout import ArchiveLayout
from archive.store.s3 import noted_size


class CommandError(Exception):
    """The command cannot do what was asked (a message for the user)."""


class UsageError(Exception):
    """A wrong command line."""


@contextmanager
def open_index(args: argparse.Namespace, layout: ArchiveLayout) -> Iterator[sqlite3.Connection]:
    """The archive's index, read-only, for the block (``--timeout`` for a locked one)."""
    db = connect_readonly(layout.index_path, args.timeout)
    try:
        yield db
    finally:
        db.close()


def max_body(args: argparse.Namespace) -> int:
    """The bound on a decoded body: ``--max-body-size``, else ``$NEWS_ARCHIVE_MAX_BODY``,
    else the crawl's DOWNLOAD_MAXSIZE."""
    if args.max_body_size is not None:
        return int(args.max_body_size)
    try:
        return max_body_from_env()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def warc_bytes(layout: ArchiveLayout, *, stored: bool = False) -> int:
    """The bytes of the local WARC files; *stored*: and of those in object storage only
    (their notes' sizes: for a command that reads them through)."""
    local = sum(p.stat().st_size for p in layout.warc_files())
    if not stored:
        return local
    return local + sum(noted_size(layout, name) for name in layout.stored_names())
