"""``export``: every article as JSON Lines, CSV, or one text file per article.

JSON Lines and CSV carry :data:`archive.index.rows.ARTICLE_FIELDS`, in that order. In JSON
Lines ``tags`` and ``categories`` are JSON lists; in CSV (RFC 4180: comma, double
quotes, CRLF line ends, UTF-8 without BOM, a header row) they are the same JSON lists
as text, e.g. ``["Kabul", "Transport"]``, so that a tag holding a comma survives.

The text layout (:func:`txt_document`) is the one of the reference sample: the text,
one paragraph per line, then ``LINK: <url>``, then ``TAGS:`` directly followed by the
tags joined with ``,`` (nothing after ``TAGS:`` when there are none), and no newline
at the end of the file. Files are named ``NNN_<first 16 hex digits of sha1(url)>.txt``
with NNN the article's running number (001, 002, …; more digits past 999).
Articles come in the order they were fetched.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from archive.cli.common import UsageError, open_index
from archive.cli.progressbar import progress, wanted
from archive.index.rows import ARTICLE_FIELDS
from archive.index.sqlite import CURRENT_ARTICLE
from archive.layout import ArchiveLayout
from archive.plural import counted

FORMATS = ("jsonl", "csv", "txt")
_ORDER = "ORDER BY fetched_at, url, conversion_record_id"


def count_articles(db: sqlite3.Connection) -> int:
    return int(db.execute(f"SELECT count(*) FROM articles a WHERE {CURRENT_ARTICLE}").fetchone()[0])


def iter_articles(db: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Every article (the current version of each: see :data:`CURRENT_ARTICLE`), its
    fields in export order, tags and categories as lists."""
    columns = ", ".join(ARTICLE_FIELDS)
    for row in db.execute(f"SELECT {columns} FROM articles a WHERE {CURRENT_ARTICLE} {_ORDER}"):
        article = dict(zip(ARTICLE_FIELDS, row, strict=True))
        article["tags"] = json.loads(article["tags"] or "[]")
        article["categories"] = json.loads(article["categories"] or "[]")
        yield article


def _counted(
    articles: Iterable[dict[str, Any]], on_article: Callable[[], None] | None
) -> Iterator[dict[str, Any]]:
    for article in articles:
        yield article
        if on_article is not None:
            on_article()


def write_jsonl(
    articles: Iterable[dict[str, Any]], out: TextIO, on_article: Callable[[], None] | None = None
) -> int:
    count = 0
    for article in _counted(articles, on_article):
        out.write(json_line(article))
        count += 1
    return count


# characters some readers take for line ends (str.splitlines, JavaScript), kept
# inside the JSON strings as escapes so that one line is always one article
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(value: Any) -> str:
    """*value* as one JSON Lines line, every character kept (no ASCII escaping)."""
    text = json.dumps(value, ensure_ascii=False)
    for char, escape in _LINE_BREAKS.items():
        text = text.replace(char, escape)
    return text + "\n"


def write_csv(
    articles: Iterable[dict[str, Any]], out: TextIO, on_article: Callable[[], None] | None = None
) -> int:
    writer = csv.writer(out)
    writer.writerow(ARTICLE_FIELDS)
    count = 0
    for article in _counted(articles, on_article):
        writer.writerow([_csv_value(article[name]) for name in ARTICLE_FIELDS])
        count += 1
    return count


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def txt_name(number: int, url: str) -> str:
    return f"{number:03d}_{hashlib.sha1(url.encode('utf-8')).hexdigest()[:16]}.txt"


def txt_document(article: dict[str, Any]) -> str:
    """The text file of one article (see the module docstring)."""
    paragraphs = [line for line in (article.get("text") or "").split("\n") if line.strip()]
    tags = ",".join(article.get("tags") or [])
    return "\n".join([*paragraphs, f"LINK: {article['url']}", f"TAGS:{tags}"])


def write_txt(
    articles: Iterable[dict[str, Any]],
    directory: Path,
    on_article: Callable[[], None] | None = None,
) -> int:
    """One UTF-8 file per article in *directory* (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for count, article in enumerate(_counted(articles, on_article), 1):
        path = directory / txt_name(count, article["url"])
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(txt_document(article))
    return count


def cmd_export(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    to_stdout = args.output in (None, "-")
    if args.format == "txt" and to_stdout:
        raise UsageError("export --format txt writes one file per article: give -o DIRECTORY")
    with open_index(args, layout) as db:
        total = count_articles(db)
        articles = iter_articles(db)
        show_bar = wanted() and not (to_stdout and sys.stdout.isatty())
        with progress("exporting", total, enabled=show_bar, unit="articles") as advance:
            on_article = lambda: advance(1)  # noqa: E731
            if args.format == "txt":
                count = write_txt(articles, Path(args.output), on_article)
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
        return write_csv(articles, out, on_article)
    return write_jsonl(articles, out, on_article)
