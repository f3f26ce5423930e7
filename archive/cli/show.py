"""``show``: one capture of a URL (or a record) with its article, its raw HTML, or the
list of every capture of the URL."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import dataclass
from typing import Any

from archive.cli.common import CommandError, max_body, open_index
from archive.extract.decode import (
    DEFAULT_MAX_BODY,
    BodyTooLarge,
    Undecodable,
    decode_content,
)
from archive.extract.textdiff import changes_text, text_changes
from archive.index.rows import mime_of
from archive.index.urlvariants import url_variants
from archive.layout import ArchiveLayout
from archive.store.s3 import StoreError
from archive.warc.reader import ArchivedRecord, WarcReadError
from archive.warc.stored import read_at


class NotFound(LookupError):
    """No capture or article matches."""


@dataclass(frozen=True)
class Shown:
    """A capture (``captures`` row) and the article extracted from it; either may be
    missing, not both."""

    capture: dict[str, Any] | None
    article: dict[str, Any] | None

    @property
    def url(self) -> str:
        source = self.capture or self.article or {}
        return str(source.get("url") or "")


def is_record_id(target: str) -> bool:
    return target.startswith(("<urn:", "urn:"))


def _one(db: sqlite3.Connection, sql: str, *params: Any) -> dict[str, Any] | None:
    row = db.execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def _article(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is not None:
        row.pop("id", None)
        row["tags"] = json.loads(row.get("tags") or "[]")
        row["categories"] = json.loads(row.get("categories") or "[]")
    return row


def _article_of(db: sqlite3.Connection, capture: dict[str, Any]) -> dict[str, Any] | None:
    """The article extracted from a capture; for a revisit (same payload as an earlier
    capture, not extracted again), the article of that earlier capture."""
    article = _one(
        db,
        "SELECT * FROM articles WHERE warc_record_id = ? ORDER BY fetched_at DESC, id DESC",
        capture["record_id"],
    )
    if article is None and capture["record_type"] == "revisit" and capture["payload_digest"]:
        article = _one(
            db,
            "SELECT a.* FROM articles a JOIN captures c ON c.record_id = a.warc_record_id "
            "WHERE c.url = ? AND c.payload_digest = ? AND c.timestamp <= ? "
            "ORDER BY c.timestamp DESC, a.fetched_at DESC, a.id DESC",
            capture["url"],
            capture["payload_digest"],
            capture["timestamp"],
        )
    return _article(article)


def _capture_by_id(db: sqlite3.Connection, record_id: str) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM captures WHERE record_id = ?", record_id)


def find(db: sqlite3.Connection, target: str, capture: str | None = None) -> Shown:
    """The capture a URL or record id names: for a URL the latest capture, or the latest
    whose 14-digit timestamp starts with *capture*. A URL is looked up as typed, then as
    the crawler would have spelled it (:func:`archive.index.urlvariants.url_variants`: with a
    scheme, with or without a trailing slash)."""
    if is_record_id(target):
        if capture is not None:
            raise NotFound("--capture picks a capture of a URL, not of a record id")
        try:
            return _find_record(db, target if target.startswith("<") else f"<{target}>")
        except NotFound:
            # urn:screenshot:URL, urn:text:URL: a rendered page's resource, named by its URI
            shown = _find_url(db, target.strip("<>"), None)
            if shown is None:
                raise
            return shown
    for url in url_variants(target):
        shown = _find_url(db, url, capture)
        if shown is not None:
            return shown
    when = f" at {capture}" if capture is not None else ""
    raise NotFound(f"no capture of {target}{when} in the index")


def _find_url(db: sqlite3.Connection, url: str, capture: str | None) -> Shown | None:
    sql = "SELECT * FROM captures WHERE url = ?"
    params: list[Any] = [url]
    if capture is not None:
        sql += " AND substr(timestamp, 1, ?) = ?"
        params += [len(capture), capture]
    found = _one(db, sql + " ORDER BY timestamp DESC, warc_date DESC, id DESC", *params)
    if found is not None:
        return Shown(found, _article_of(db, found))
    # a canonical URL, or an article whose capture is not indexed
    article_sql = "SELECT * FROM articles WHERE (url = ? OR canonical_url = ?)"
    article_params: list[Any] = [url, url]
    if capture is not None:
        article_sql += (
            " AND warc_record_id IN (SELECT record_id FROM captures "
            "WHERE substr(timestamp, 1, ?) = ?)"
        )
        article_params += [len(capture), capture]
    article = _article(
        _one(db, article_sql + " ORDER BY fetched_at DESC, id DESC", *article_params)
    )
    if article is not None:
        return Shown(_capture_by_id(db, article["warc_record_id"]), article)
    return None


def _find_record(db: sqlite3.Connection, record_id: str) -> Shown:
    capture = _capture_by_id(db, record_id) or _one(
        db, "SELECT * FROM captures WHERE request_record_id = ?", record_id
    )
    if capture is not None:
        return Shown(capture, _article_of(db, capture))
    article = _article(_one(db, "SELECT * FROM articles WHERE conversion_record_id = ?", record_id))
    if article is not None:
        return Shown(_capture_by_id(db, article["warc_record_id"]), article)
    raise NotFound(f"no record {record_id} in the index")


def history(db: sqlite3.Connection, url: str) -> list[dict[str, Any]]:
    """Every capture of *url*, oldest first, each with ``article`` (0/1)."""
    rows = db.execute(
        "SELECT c.*, EXISTS (SELECT 1 FROM articles a WHERE a.warc_record_id = c.record_id) "
        "AS article FROM captures c WHERE c.url = ? ORDER BY c.timestamp, c.warc_date, c.id",
        (url,),
    ).fetchall()
    if not rows:
        raise NotFound(f"no capture of {url} in the index")
    return [dict(r) for r in rows]


def article_versions(
    layout: ArchiveLayout, db: sqlite3.Connection, url: str
) -> dict[str, list[dict[str, Any]]]:
    """The article versions extracted from the captures of *url* (the crawl's, then each
    ``reextract``'s), by response record id, oldest first: ``date`` (of the conversion
    record, read from its WARC file; ``None`` when it cannot be read), ``extractor``,
    ``title``, ``conversion_record_id``."""
    rows = db.execute(
        "SELECT a.warc_record_id, a.extractor, a.title, a.conversion_record_id, "
        "a.conversion_filename, a.conversion_offset, a.conversion_length FROM articles a "
        "JOIN captures c ON c.record_id = a.warc_record_id WHERE c.url = ? ORDER BY a.id",
        (url,),
    ).fetchall()
    out: dict[str, list[dict[str, Any]]] = {}
    for response_id, extractor, title, conversion_id, filename, offset, length in rows:
        out.setdefault(response_id, []).append(
            {
                "date": _record_date(layout, filename, offset, length, conversion_id),
                "extractor": extractor,
                "title": title,
                "conversion_record_id": conversion_id,
            }
        )
    return out


def _record_date(
    layout: ArchiveLayout, filename: str, offset: int, length: int | None, record_id: str
) -> str | None:
    try:
        record = read_at(layout, filename, offset, length)
    except (WarcReadError, OSError, StoreError):
        return None
    return record.header("WARC-Date") if record.record_id == record_id else None


def describe(shown: Shown) -> list[tuple[str, str]]:
    """(label, value) lines of metadata."""
    out: list[tuple[str, str]] = []

    def add(label: str, value: Any) -> None:
        if value not in (None, "", []):
            out.append((label, ", ".join(value) if isinstance(value, list) else str(value)))

    c, a = shown.capture, shown.article
    add("URL", shown.url)
    if c is not None:
        add("Captured", f"{c['warc_date']} ({c['timestamp']})")
        add("Status", c["status"])
        add("MIME", c["mime"])
        add("Record", f"{c['record_id']} ({c['record_type']})")
        add("WARC", f"{c['warc_filename']} offset {c['warc_offset']} length {c['warc_length']}")
        add("Digest", c["payload_digest"])
        add("Truncated", c["truncated"])
    if a is not None:
        add("Title", a["title"])
        add("Author", a["author"])
        add("Published", a["published"])
        add("Language", a["language"])
        add("Site", a["sitename"])
        add("Canonical", a["canonical_url"])
        add("Description", a["description"])
        add("Tags", a["tags"])
        add("Categories", a["categories"])
        add("Extracted", f"{a['extractor'] or '?'} as {a['conversion_record_id']}")
        if c is not None and a["warc_record_id"] != c["record_id"]:
            add("From", f"{a['warc_record_id']} (an earlier capture with the same payload)")
    return out


def raw_html(
    layout: ArchiveLayout,
    db: sqlite3.Connection,
    capture: dict[str, Any],
    max_body: int = DEFAULT_MAX_BODY,
) -> tuple[str, str]:
    """The archived document of a capture, content-encoding removed and decoded with its
    real charset: ``(text, encoding)``. A revisit shows the payload it repeats. Raises
    :class:`Undecodable` when the body cannot be decoded or inflates past *max_body*."""
    record = _record_of(layout, capture)
    if record.warc_type == "revisit":
        original_id = record.header("WARC-Refers-To")
        original = _capture_by_id(db, original_id) if original_id else None
        if original is None:
            raise NotFound(f"the revisit {record.record_id} repeats a capture not in the index")
        record = _record_of(layout, original)
    if record.warc_type != "response":
        raise NotFound(f"{capture['record_id']} is a {record.warc_type} record: no document")
    try:
        body = decode_content(record.payload, record.http_header("Content-Encoding"), max_body)
    except BodyTooLarge as exc:
        raise Undecodable(
            f"the body of {capture['url']}: {exc}; --max-body-size SIZE raises the limit"
        ) from None
    from archive.extract.article import decode_html  # trafilatura is slow to import

    return decode_html(body, record.http_header("Content-Type"))


def _record_of(layout: ArchiveLayout, capture: dict[str, Any]) -> ArchivedRecord:
    path = layout.warc_path(capture["warc_filename"])
    # a WARC file in object storage only: the record's bytes by one ranged GET
    record = read_at(
        layout, capture["warc_filename"], capture["warc_offset"], capture["warc_length"]
    )
    if record.record_id != capture["record_id"]:
        raise WarcReadError(
            path,
            capture["warc_offset"],
            f"the index names {capture['record_id']}, the file holds {record.record_id} "
            "there (run `verify`)",
        )
    return record


def cmd_show(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    with open_index(args, layout) as db:
        shown = find(db, args.target, args.capture)
        rows = history(db, shown.url) if args.history else []
        versions = article_versions(layout, db, shown.url) if args.history else {}
        if args.changes:
            return _print_changes(db, shown.url)
        if args.raw:
            if shown.capture is None:
                raise CommandError(f"the capture of {shown.url} is not in the index")
            if shown.capture["record_type"] == "resource":
                return _write_resource(_record_of(layout, shown.capture), shown.url)
            text, _encoding = raw_html(layout, db, shown.capture, max_body(args))
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
    lines = describe(shown)
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label + ':':<{width + 1}} {value}")
    print()
    if shown.article is not None:
        print(shown.article["text"])
    elif shown.capture is not None and shown.capture["record_type"] == "resource":
        _print_resource(layout, shown.capture)
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


def _is_text(mime: str | None) -> bool:
    return (mime_of(mime) or "").startswith("text/")


def _write_resource(record: ArchivedRecord, uri: str) -> int:
    """``show --raw`` of a resource record (a screenshot, a rendered page's text): its
    bytes as stored, to stdout; an image is not written to a terminal."""
    mime = record.header("Content-Type")
    if not _is_text(mime) and sys.stdout.isatty():
        raise CommandError(
            f"{uri} is {mime or 'binary'}: redirect it to a file (show --raw TARGET > FILE)"
        )
    sys.stdout.flush()
    sys.stdout.buffer.write(record.payload)
    sys.stdout.buffer.flush()
    return 0


def _print_resource(layout: ArchiveLayout, capture: dict[str, Any]) -> None:
    """The text of a text resource; for an image, how to get its bytes."""
    if _is_text(capture["mime"]):
        record = _record_of(layout, capture)
        print(record.payload.decode("utf-8", "replace"))
    else:
        print(
            f"(a {capture['mime'] or 'binary'} resource of {capture['warc_length']} bytes "
            f"in the WARC: show --raw {capture['url']} > FILE)"
        )
