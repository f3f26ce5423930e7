"""The commands of :mod:`archive.cli.parser`: call the modules that do the work, print results.

Results go to stdout; summaries, warnings and progress bars go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from archive.access import archive_layout, connect_readonly
from archive.cli import export, show
from archive.cli.progressbar import progress, wanted
from archive.cli.wacz import WaczError, write_wacz
from archive.extract.decode import max_body_from_env
from archive.extract.reextract import Selection, count_targets, current_extractor, reextract_archive
from archive.extract.textdiff import changes_text, text_changes
from archive.index.merge import merge_workers
from archive.index.readonly import on_readonly_storage
from archive.index.search import MARK_END, MARK_START, SearchFilters, search_articles
from archive.index.stats import archive_stats
from archive.integrity.reindex import reindex_archive
from archive.integrity.repair import repair_archive
from archive.integrity.verify import verify_archive
from archive.layout import ArchiveLayout
from archive.lock import LOCK_NAME, ArchiveLocked, busy_writers, exclusive, shared_lock
from archive.plural import counted


class CommandError(Exception):
    """The command cannot do what was asked (a message for the user)."""


class UsageError(Exception):
    """A wrong command line."""


def run(command: str, args: argparse.Namespace, root: Path) -> int:
    handler: Callable[[argparse.Namespace, ArchiveLayout], int] = _COMMANDS[command]
    return handler(args, archive_layout(root))


@contextmanager
def _index(args: argparse.Namespace, layout: ArchiveLayout) -> Iterator[sqlite3.Connection]:
    db = connect_readonly(layout.index_path, args.timeout)
    try:
        yield db
    finally:
        db.close()


def _max_body(args: argparse.Namespace) -> int:
    """The bound on a decoded body: ``--max-body-size``, else ``$NEWS_ARCHIVE_MAX_BODY``,
    else the crawl's DOWNLOAD_MAXSIZE."""
    if args.max_body_size is not None:
        return int(args.max_body_size)
    try:
        return max_body_from_env()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _warc_bytes(layout: ArchiveLayout) -> int:
    return sum(p.stat().st_size for p in layout.warc_files())


# -- verify / reindex ---------------------------------------------------------------------
def cmd_verify(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    if args.repair:
        with exclusive(layout, alone=False) as lock:
            with progress("repairing", _warc_bytes(layout)) as advance:
                repaired = repair_archive(
                    layout, lock=lock, full_scan=True, timeout=args.timeout, on_bytes=advance
                )
            for line in repaired.lines():
                print(f"repair: {line}")
            if not repaired.changed:
                print("repair: nothing to repair", file=sys.stderr)
            with progress("verifying", _warc_bytes(layout)) as advance:
                report = verify_archive(
                    layout, timeout=args.timeout, on_bytes=advance, crawl_running=False
                )
    else:
        with progress("verifying", _warc_bytes(layout)) as advance:
            report = verify_archive(layout, timeout=args.timeout, on_bytes=advance)
    for problem in report.problems:
        print(problem)
    print(f"verify: {report.summary()}", file=sys.stderr)
    return 0 if report.clean else 1


def cmd_reindex(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    if not layout.warc_files() and layout.index_path.exists():
        raise CommandError(
            f"no WARC files in {layout.warc_dir}: refusing to replace the index with an empty one"
        )
    with (
        exclusive(layout, alone=False) as lock,
        progress("reindexing", _warc_bytes(layout)) as advance,
    ):
        report = reindex_archive(layout, lock=lock, on_bytes=advance)
    for skipped in report.skipped:
        print(f"warning: skipped {skipped}", file=sys.stderr)
    print(f"reindex: {report.summary()}", file=sys.stderr)
    return 1 if report.skipped else 0


# -- search -------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    filters = SearchFilters(args.since, args.until, tuple(args.tag), args.site, args.limit)
    with _index(args, layout) as db:
        found = search_articles(db, args.query, filters)
    hits = found.hits
    if found.note is not None:
        print(f"note: {found.note}", file=sys.stderr)
    if args.json:
        for hit in hits:
            print(json.dumps(hit.to_json(), ensure_ascii=False))
        return 0
    if not hits:
        print("no article matches", file=sys.stderr)
        return 0
    console = _console()
    for hit in hits:
        a = hit.article
        when = (a.get("published") or "")[:10] or "undated"
        if console is not None:
            from rich.text import Text

            console.print(Text(f"{hit.rank:>2}. ") + Text(a.get("title") or a["url"], "bold"))
            console.print(Text(f"    {when} · {a['url']}", "dim"))
            console.print(_highlighted("    " + hit.snippet))
        else:
            print(f"{hit.rank:>2}. {a.get('title') or a['url']}")
            print(f"    {when} · {a['url']}")
            print("    " + hit.snippet_with("**", "**"))
    return 0


def _console() -> Any:
    """A rich console for a terminal, ``None`` for a pipe."""
    if not sys.stdout.isatty():
        return None
    from rich.console import Console

    return Console(highlight=False)


def _highlighted(snippet: str) -> Any:
    from rich.text import Text

    text = Text()
    for i, part in enumerate(snippet.replace(MARK_END, MARK_START).split(MARK_START)):
        text.append(part, "bold yellow" if i % 2 else "")
    return text


# -- show ---------------------------------------------------------------------------------
def cmd_show(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    with _index(args, layout) as db:
        shown = show.find(db, args.target, args.capture)
        rows = show.history(db, shown.url) if args.history else []
        versions = show.article_versions(layout, db, shown.url) if args.history else {}
        if args.changes:
            return _print_changes(db, shown.url)
        if args.raw:
            if shown.capture is None:
                raise CommandError(f"the capture of {shown.url} is not in the index")
            text, _encoding = show.raw_html(layout, db, shown.capture, _max_body(args))
            sys.stdout.write(text)
            return 0
    if args.history:
        # with more than one version of the article, each capture lists those made from it
        several = sum(len(v) for v in versions.values()) > 1
        for r in rows:
            print(
                f"{r['timestamp']}  {r['status'] if r['status'] is not None else '-':>3}  "
                f"{r['record_type']:<8}  {r['mime'] or '-':<24}  "
                f"{r['warc_filename']}:{r['warc_offset']}"
                f"{'  article' if r['article'] else ''}"
            )
            for v in versions.get(r["record_id"], []) if several else []:
                print(
                    f"    article  {v['date'] or '?'}  {v['extractor'] or '?'}  {v['title'] or '-'}"
                )
        return 0
    if args.json:
        print(json.dumps({"capture": shown.capture, "article": shown.article}, ensure_ascii=False))
        return 0
    lines = show.describe(shown)
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label + ':':<{width + 1}} {value}")
    print()
    if shown.article is not None:
        print(shown.article["text"])
    else:
        print("(no article was extracted from this capture)")
    return 0


def _print_changes(db: sqlite3.Connection, url: str) -> int:
    """What changed between the last two versions of the article of *url*."""
    rows = db.execute(
        "SELECT title, text, fetched_at FROM articles WHERE url = ? ORDER BY fetched_at, id",
        (url,),
    ).fetchall()
    if len(rows) < 2:
        many = "no article" if not rows else "one version of its article"
        raise CommandError(f"{url} has {many}: nothing to compare")
    before, after = rows[-2], rows[-1]
    print(f"before: {before['fetched_at']}  {before['title'] or '-'}")
    print(f"after:  {after['fetched_at']}  {after['title'] or '-'}")
    print()
    for line in changes_text(text_changes(before["text"] or "", after["text"] or "")):
        print(line)
    return 0


# -- export -------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    to_stdout = args.output in (None, "-")
    if args.format == "txt" and to_stdout:
        raise UsageError("export --format txt writes one file per article: give -o DIRECTORY")
    with _index(args, layout) as db:
        total = export.count_articles(db)
        articles = export.iter_articles(db)
        show_bar = wanted() and not (to_stdout and sys.stdout.isatty())
        with progress("exporting", total, enabled=show_bar, unit="articles") as advance:
            on_article = lambda: advance(1)  # noqa: E731
            if args.format == "txt":
                count = export.write_txt(articles, Path(args.output), on_article)
            elif to_stdout:
                count = _write(args.format, articles, sys.stdout, on_article)
                sys.stdout.flush()
            else:
                Path(args.output).parent.mkdir(parents=True, exist_ok=True)
                with open(args.output, "w", encoding="utf-8", newline="") as out:
                    count = _write(args.format, articles, out, on_article)
    where = "stdout" if to_stdout else args.output
    print(f"export: {counted(count, 'article')} as {args.format} to {where}", file=sys.stderr)
    return 0


def _write(
    fmt: str, articles: Iterator[dict[str, Any]], out: TextIO, on_article: Callable[[], None]
) -> int:
    if fmt == "csv":
        return export.write_csv(articles, out, on_article)
    return export.write_jsonl(articles, out, on_article)


# -- stats --------------------------------------------------------------------------------
def cmd_stats(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    with _index(args, layout) as db:
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
    print(f"WARC files: {s.warc_files} ({s.open_files} open), {s.warc_bytes:,} bytes")
    print(f"runs: {s.runs}")
    print("last run:" + ("" if s.last_run else " -"))
    for key, value in s.last_run:
        print(f"  {key}: {'-' if value is None else value}")
    return 0


# -- runs ---------------------------------------------------------------------------------
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
    with _index(args, layout) as db:
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


# -- merge --------------------------------------------------------------------------------
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


# -- reextract ----------------------------------------------------------------------------
def cmd_reextract(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    pattern = args.url_pattern
    selection = Selection(args.all_html or pattern is not None, pattern, args.force)
    label = args.extractor_label or current_extractor()
    with exclusive(layout, alone=False) as lock:
        with _index(args, layout) as db:
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
                max_body=_max_body(args),
            )
    for failure in report.failed:
        print(f"reextract: extraction failed: {failure}", file=sys.stderr)
    for failure in report.unreadable:
        print(f"warning: skipped {failure}", file=sys.stderr)
    print(f"reextract: {report.summary()}", file=sys.stderr)
    return 1 if report.unreadable else 0


# -- wacz ---------------------------------------------------------------------------------
def cmd_wacz(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    out = Path(args.output)
    if args.output == "-" or out.suffix != ".wacz" or out.name == ".wacz":
        raise UsageError(f"the package must be a file named NAME.wacz, not {args.output!r}")
    if out.is_dir():
        raise CommandError(f"cannot write {out}: it is a directory")
    if not out.parent.is_dir():
        raise CommandError(f"cannot write {out}: no directory {out.parent}")
    with _snapshot(layout) as mine:
        busy = busy_writers(layout.root, mine=mine)
        if busy:
            raise ArchiveLocked(
                f"another crawl ({', '.join(busy)}) is writing to {layout.root}; try again later"
            )
        with _index(args, layout) as db, progress("packaging", _warc_bytes(layout)) as advance:
            try:
                report = write_wacz(layout, db, out, title=args.title, on_bytes=advance)
            except WaczError as exc:
                raise CommandError(str(exc)) from None
    print(f"wacz: {report.summary()}", file=sys.stderr)
    return 0


@contextmanager
def _snapshot(layout: ArchiveLayout) -> Iterator[Path | None]:
    """Keeps crawls away while the block reads the archive; yields the lock file held
    exclusively, if any. An archive on read-only storage gets no write lock (it cannot
    be written, nor can a crawl write there): only a shared one, if it has a lock file."""
    if on_readonly_storage(layout.root / LOCK_NAME):
        with shared_lock(layout.root):
            yield None
    else:
        with exclusive(layout, alone=False) as lock:
            yield lock.path


# -- replay -------------------------------------------------------------------------------
def cmd_replay(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    from archive.web.serve import ReplayError, serve  # Flask only for this command

    try:
        return serve(
            layout,
            host=args.host,
            port=args.port,
            replay_port=args.replay_port,
            timeout=args.timeout,
        )
    except ReplayError as exc:
        raise CommandError(str(exc)) from None


_COMMANDS: dict[str, Callable[[argparse.Namespace, ArchiveLayout], int]] = {
    "verify": cmd_verify,
    "reindex": cmd_reindex,
    "search": cmd_search,
    "show": cmd_show,
    "export": cmd_export,
    "stats": cmd_stats,
    "runs": cmd_runs,
    "merge": cmd_merge,
    "reextract": cmd_reextract,
    "wacz": cmd_wacz,
    "replay": cmd_replay,
}
