"""``news-archive`` / ``python -m archive``: the archive's command line.

A thin argparse layer: each command is a module of :mod:`archive.cli` (``cmd_NAME``). Every
failure ends as one ``error: ...`` line on stderr and an exit status (see
:data:`EXIT_CODES`), never a traceback (set ``NEWS_ARCHIVE_DEBUG=1`` to get one).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from archive.access import IndexLocked, NotAnArchive, archive_layout, index_error
from archive.cli import (
    export,
    keygen,
    merge,
    reextract,
    reindex,
    replay,
    runs,
    search,
    show,
    stats,
    store,
    verify,
    wacz,
)
from archive.cli.common import CommandError, UsageError
from archive.cli.export import FORMATS
from archive.cli.show import NotFound
from archive.extract.decode import MAX_BODY_ENV, Undecodable, parse_size
from archive.index.search import QuerySyntaxError
from archive.index.sqlite import IndexUnavailable
from archive.layout import ArchiveLayout, default_archive_dir
from archive.lock import EXIT_LOCKED, ArchiveLocked
from archive.store.s3 import StoreError
from archive.warc.reader import WarcReadError

EXIT_OK = 0
EXIT_FAILED = 1  # problems found (verify), or the command could not do its work
EXIT_USAGE = 2  # a wrong argument, a malformed search query
EXIT_INTERRUPTED = 130
EXIT_CODES = {
    EXIT_OK: "success (verify: no problem found)",
    EXIT_FAILED: "verify found problems, or the command failed",
    EXIT_USAGE: "wrong arguments or a malformed search query",
    EXIT_LOCKED: "the archive or its index is locked by another process: try again later",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {value!r}")
    return int(value)


def _timestamp(value: str) -> str:
    if not value.isdigit() or not 1 <= len(value) <= 14:
        raise argparse.ArgumentTypeError(f"not a timestamp or a prefix of one: {value!r}")
    return value


def _size(value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {value!r}")
    return int(value)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 1e6:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}")
    return seconds


def _regex(value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error as exc:
        raise argparse.ArgumentTypeError(f"not a regular expression: {value!r} ({exc})") from None


def build_parser() -> argparse.ArgumentParser:
    # --archive-dir is accepted before or after the command
    dir_help = "the archive directory (default: $ARCHIVE_DIR, else ./archive-data)"
    timeout_help = "seconds to wait for a locked index (default: 5)"
    max_body_help = (
        "stop decoding a stored body (gzip, deflate, br, zstd) past SIZE bytes, e.g. 32M "
        f"(default: ${MAX_BODY_ENV}, else 16M, the crawl's DOWNLOAD_MAXSIZE)"
    )
    common = _Parser(add_help=False)
    common.add_argument(
        "--archive-dir", type=Path, default=argparse.SUPPRESS, metavar="DIR", help=dir_help
    )
    common.add_argument(
        "--timeout", type=float, default=argparse.SUPPRESS, metavar="SECONDS", help=timeout_help
    )

    parser = _Parser(
        prog="news-archive",
        description="Verify, rebuild, search, show and export a news web archive.",
        epilog="exit status: "
        + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()),
    )
    parser.add_argument("--archive-dir", type=Path, default=None, metavar="DIR", help=dir_help)
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help=timeout_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("verify", parents=[common], help="check WARC files and index")
    p.add_argument(
        "--repair",
        action="store_true",
        help="cut torn .open files back and close them, fix the index (takes the lock)",
    )
    p.add_argument(
        "--fetch",
        action="store_true",
        help="download the WARC files kept in object storage only and check their records "
        "too (default: their objects' size and SHA-256 only)",
    )
    p.add_argument(
        "--wacz",
        metavar="FILE.wacz",
        help="check a WACZ package instead: every file's hash and its signature, if any",
    )
    p.add_argument(
        "--public-key",
        metavar="KEY",
        help="with --wacz: the package must be signed by this key (a PEM file, or the "
        "base64 that keygen prints)",
    )
    p.add_argument(
        "--timestamp-roots",
        metavar="PEM",
        help="with --wacz: the package must be timestamped, by an authority whose "
        "certificate chains to one of these root certificates (a PEM file)",
    )
    p.add_argument(
        "--domain-roots",
        metavar="PEM",
        help="with --wacz: the package must be signed by a domain certificate that chains "
        "to one of these root certificates (a PEM file)",
    )

    sub.add_parser("reindex", parents=[common], help="rebuild the index from the WARC files")

    p = sub.add_parser("search", parents=[common], help="full-text search (FTS5 syntax)")
    p.add_argument(
        "query", help='FTS5 query: words, "a phrase", AND/OR/NOT, prefix*; else plain words'
    )
    p.add_argument(
        "--since", type=_iso_date, metavar="DATE", help="published on or after (YYYY-MM-DD)"
    )
    p.add_argument(
        "--until", type=_iso_date, metavar="DATE", help="published on or before (YYYY-MM-DD)"
    )
    p.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="has this tag (repeatable)"
    )
    p.add_argument(
        "--site", metavar="HOST", help="host of the URL (a domain matches its subdomains)"
    )
    p.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="at most N articles (20)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("show", parents=[common], help="a capture and its article")
    p.add_argument("target", metavar="URL|RECORD_ID")
    p.add_argument(
        "--capture",
        type=_timestamp,
        metavar="TIMESTAMP",
        help="the latest capture whose 14-digit timestamp starts with this",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--raw", action="store_true", help="the archived HTML, decoded")
    mode.add_argument("--history", action="store_true", help="every capture of the URL")
    mode.add_argument("--json", action="store_true", help="capture and article as JSON")
    mode.add_argument(
        "--changes",
        action="store_true",
        help="what changed in the article's text since its version before",
    )
    p.add_argument("--max-body-size", type=_size, metavar="SIZE", help=max_body_help)

    p = sub.add_parser("export", parents=[common], help="every article as jsonl, csv or txt")
    p.add_argument("--format", choices=FORMATS, default="jsonl", help="(default: jsonl)")
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file for jsonl/csv ('-' or none: stdout); directory for txt (required)",
    )

    p = sub.add_parser("stats", parents=[common], help="what the archive holds")
    p.add_argument("--json", action="store_true", help="one JSON object")

    p = sub.add_parser("runs", parents=[common], help="the crawl runs and how they ended")
    p.add_argument("--limit", type=_positive, default=50, help="newest N runs (default 50)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    sub.add_parser(
        "merge", parents=[common], help="fold the indexes of finished workers into the index"
    )

    p = sub.add_parser(
        "reextract",
        parents=[common],
        help="extract the archived articles again (new versions, in a new WARC file)",
    )
    p.add_argument(
        "--all-html",
        action="store_true",
        help="also status-200 HTML captures of article URLs (those of the index's articles, "
        "or matching --url-pattern) that have no article",
    )
    p.add_argument(
        "--url-pattern",
        type=_regex,
        metavar="REGEX",
        help=r"an article's URL path, in full (e.g. '/english/\d+'); implies --all-html",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="also pages whose latest extraction is by the current extractor already",
    )
    p.add_argument(
        "--workers", type=_positive, metavar="N", help="extraction processes (default: CPUs)"
    )
    p.add_argument(
        "--page-timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="time limit per page (default: 60)",
    )
    p.add_argument("--max-body-size", type=_size, metavar="SIZE", help=max_body_help)
    # tests: record the extraction under another name than the current extractor's
    p.add_argument("--extractor-label", help=argparse.SUPPRESS)

    p = sub.add_parser("wacz", parents=[common], help="package the archive as a WACZ file")
    p.add_argument(
        "output",
        metavar="OUT.wacz",
        help="the package to write (replaced): a file, or s3://BUCKET/[PREFIX/]NAME.wacz to "
        "upload it to object storage, checked by its SHA-256",
    )
    p.add_argument(
        "--endpoint",
        metavar="URL",
        help="with s3://: the S3-compatible server (default: $ARCHIVE_S3_ENDPOINT, else AWS)",
    )
    p.add_argument("--title", help="the collection's title (default: from the directory)")
    p.add_argument(
        "--sign",
        metavar="KEY.pem",
        help="sign the package with this private key (made by `keygen`; it stays outside)",
    )
    p.add_argument(
        "--timestamp-url",
        metavar="URL",
        help="with --sign: an RFC 3161 timestamp of the signature from this server",
    )

    p = sub.add_parser(
        "store",
        parents=[common],
        help="the WARC files in object storage: status, sync (upload), fetch (bring back)",
    )
    p.add_argument(
        "action",
        choices=store.ACTIONS,
        help="status: local only, store only, both, differing; sync: upload what the store "
        "lacks; fetch: bring store-only files back into warc/",
    )
    p.add_argument(
        "names", nargs="*", metavar="NAME", help="with fetch: these WARC files (default: all)"
    )
    p.add_argument(
        "--store",
        metavar="s3://BUCKET/PREFIX",
        help="the store (default: $ARCHIVE_STORE, else the one the archive's notes name)",
    )
    p.add_argument(
        "--endpoint",
        metavar="URL",
        help="the S3-compatible server (default: $ARCHIVE_S3_ENDPOINT, else the notes', else AWS)",
    )
    p.add_argument(
        "--remove-local",
        action="store_true",
        help="with sync: remove each local file once its object is checked (a .stored note "
        "stays in warc/)",
    )

    p = sub.add_parser("keygen", parents=[common], help="make a key pair for signing WACZ packages")
    p.add_argument("output", metavar="OUT.pem", help="the private key to write (a new file)")

    p = sub.add_parser(
        "replay", parents=[common], help="serve the archive in a browser (search, read, replay)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument(
        "--port", type=_port, default=8080, help="port of the application (8080; 0: any free)"
    )
    p.add_argument(
        "--replay-port",
        type=_port,
        default=None,
        metavar="PORT",
        help="port of pywb, which replays the archived pages (default: PORT + 1; 0: any free)",
    )
    p.add_argument(
        "--metrics-port",
        type=_port,
        default=None,
        metavar="PORT",
        help="serve Prometheus metrics on 127.0.0.1:PORT/metrics (default: "
        "$ARCHIVE_METRICS_PORT, else none; 0: none)",
    )
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace, ArchiveLayout], int]] = {
    "verify": verify.cmd_verify,
    "reindex": reindex.cmd_reindex,
    "search": search.cmd_search,
    "show": show.cmd_show,
    "export": export.cmd_export,
    "stats": stats.cmd_stats,
    "runs": runs.cmd_runs,
    "merge": merge.cmd_merge,
    "reextract": reextract.cmd_reextract,
    "wacz": wacz.cmd_wacz,
    "keygen": keygen.cmd_keygen,
    "store": store.cmd_store,
    "replay": replay.cmd_replay,
}


def _needs_archive(command: str, args: argparse.Namespace) -> bool:
    """keygen and ``verify --wacz`` work without an archive."""
    return command != "keygen" and not (command == "verify" and getattr(args, "wacz", None))


def run(command: str, args: argparse.Namespace, root: Path) -> int:
    """Run *command* on the archive at *root* (which must exist, if the command reads it)."""
    layout = archive_layout(root) if _needs_archive(command, args) else ArchiveLayout(root)
    return COMMANDS[command](args, layout)


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_stdout()
    layout: ArchiveLayout | None = None
    try:
        args = build_parser().parse_args(argv)
        root = args.archive_dir if args.archive_dir is not None else default_archive_dir()
        layout = ArchiveLayout(root)
        return int(run(args.command, args, root))
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_FAILED
    except Exception as exc:
        if os.environ.get("NEWS_ARCHIVE_DEBUG"):
            raise
        return _report(exc, layout)


def _report(exc: Exception, layout: ArchiveLayout | None) -> int:
    if isinstance(exc, UsageError | QuerySyntaxError):
        return _fail(str(exc), EXIT_USAGE)
    if isinstance(exc, ArchiveLocked | IndexLocked):
        return _fail(str(exc), EXIT_LOCKED)
    if isinstance(exc, sqlite3.Error) and layout is not None:
        error = index_error(exc, layout.index_path)
        return _fail(str(error), EXIT_LOCKED if isinstance(error, IndexLocked) else EXIT_FAILED)
    if isinstance(exc, WarcReadError):
        hint = "; run `news-archive verify --repair`" if exc.torn else ""
        return _fail(f"{exc.path}: offset {exc.offset}: {exc.reason}{hint}", EXIT_FAILED)
    if isinstance(
        exc, NotAnArchive | IndexUnavailable | NotFound | Undecodable | CommandError | StoreError
    ):
        return _fail(str(exc), EXIT_FAILED)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}", EXIT_FAILED)
    return _fail(f"unexpected {type(exc).__name__}: {exc}", EXIT_FAILED)


def _fail(message: str, code: int) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return code


def _utf8_stdout() -> None:
    """Articles keep every character: write them as UTF-8 whatever the locale."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if encoding != "utf8" and reconfigure is not None:
        reconfigure(encoding="utf-8")


def _silence_stdout() -> None:
    """After a closed pipe, keep Python from complaining again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
