"""``reextract``: extract archived article pages again with the current extraction code,
and archive the results as new versions of the articles.

Which responses (:class:`Selection`):

* by default, every ``response`` record that has an article row: every page an article
  was extracted from before (by the crawl or an earlier ``reextract``);
* with ``all_html``, also every other status-200 HTML response (``text/html``,
  ``application/xhtml+xml``) whose URL is the URL of an article in the index (another
  capture of an article page, say one whose extraction failed) or, given
  ``url_pattern``, whose URL path the pattern matches in full, as a spider's
  ``article_path`` does (``/english/\\d+``; a trailing slash is ignored).

Revisits are never selected (they repeat a payload whose response is). A response whose
latest extraction was made by this very extractor (name and version,
:data:`archive.extract.article.EXTRACTOR`) is skipped unless ``force``: the same code gives
the same article.

Each article is written as a new ``conversion`` record (JSON, the fields the crawl writes,
``WARC-Refers-To`` the response, same ``WARC-Target-URI``) into a new WARC file named
``reextract-…`` (existing files are never touched), with its ``articles`` row (so the
full-text index follows) through :class:`archive.recorder.ArchiveRecorder`, exactly as
the crawl writes them: ``reindex`` rebuilds the same rows. A page that fails extraction,
or whose record cannot be read, is counted and reported; it stops nothing.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from archive.access import connect_readonly
from archive.extract.decode import DEFAULT_MAX_BODY, Undecodable, decode_content
from archive.extract.pool import ExtractJob, ExtractPool, default_workers
from archive.index.rows import ARTICLE_FIELDS, HTML_MIMES
from archive.layout import ArchiveLayout
from archive.lock import ArchiveLock, exclusive
from archive.plural import counted
from archive.recorder import ArchiveRecorder
from archive.store.s3 import StoreError
from archive.warc.members import read_member
from archive.warc.reader import ArchivedRecord, WarcReadError, record_of
from archive.warc.stored import read_at
from archive.warc.warcinfo import warcinfo_fields

PREFIX = "reextract"  # the WARC files reextract writes


@dataclass(frozen=True)
class Selection:
    all_html: bool = False
    url_pattern: re.Pattern[str] | None = None
    force: bool = False


@dataclass(frozen=True)
class Target:
    """A response record to extract, from its ``captures`` row."""

    record_id: str
    url: str
    warc_filename: str
    warc_offset: int
    warc_date: str


@dataclass(frozen=True)
class Failure:
    url: str
    record_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.url} ({self.record_id}): {self.reason}"


@dataclass
class ReextractReport:
    extractor: str
    selected: int = 0  # pages extracted (or tried)
    written: int = 0  # new article versions
    up_to_date: int = 0  # skipped: their latest extraction is by this extractor
    failed: list[Failure] = field(default_factory=list)  # extraction failed
    unreadable: list[Failure] = field(default_factory=list)  # record damaged or missing
    files: list[str] = field(default_factory=list)  # the WARC files written

    def summary(self) -> str:
        text = f"{counted(self.written, 'new article version')} by {self.extractor}"
        text += f" from {counted(self.selected, 'archived page')}"
        if self.files:
            text += f", in {', '.join(self.files)}"
        text += f"; {counted(len(self.failed), 'extraction failure')}"
        if self.unreadable:
            text += f"; {counted(len(self.unreadable), 'unreadable record')}"
        if self.up_to_date:
            text += (
                f"; {counted(self.up_to_date, 'page')} already extracted by it, skipped "
                "(--force extracts them again)"
            )
        return text


def current_extractor() -> str:
    """The name and version of the extraction code (imports trafilatura)."""
    from archive.extract.article import EXTRACTOR

    return EXTRACTOR


# -- which responses -----------------------------------------------------------------------
_LATEST_EXTRACTOR = (
    "coalesce((SELECT a.extractor FROM articles a WHERE a.warc_record_id = c.record_id "
    "ORDER BY a.id DESC LIMIT 1), '')"
)


def _selected(db: sqlite3.Connection, selection: Selection) -> tuple[str, list[Any]]:
    """The SQL condition on a ``captures`` row ``c`` and its parameters."""
    extracted = "EXISTS (SELECT 1 FROM articles a WHERE a.warc_record_id = c.record_id)"
    if not selection.all_html:
        return f"c.record_type = 'response' AND {extracted}", []
    article_url = ["EXISTS (SELECT 1 FROM articles a WHERE a.url = c.url)"]
    if selection.url_pattern is not None:
        db.create_function(
            "article_path", 1, _path_matcher(selection.url_pattern), deterministic=True
        )
        article_url.append("article_path(c.url)")
    marks = ", ".join("?" for _ in HTML_MIMES)
    condition = (
        f"c.record_type = 'response' AND ({extracted} OR (c.status = 200 "
        f"AND c.mime IN ({marks}) AND ({' OR '.join(article_url)})))"
    )
    return condition, list(HTML_MIMES)


def _path_matcher(pattern: re.Pattern[str]) -> Callable[[str | None], int]:
    def matches(url: str | None) -> int:
        try:
            path = urlsplit(url or "").path
        except ValueError:
            return 0
        return int(bool(pattern.fullmatch(path) or pattern.fullmatch(path.rstrip("/"))))

    return matches


def count_targets(db: sqlite3.Connection, selection: Selection, extractor: str) -> tuple[int, int]:
    """``(to extract, skipped as extracted by *extractor* already)``."""
    condition, params = _selected(db, selection)
    total, current = db.execute(
        f"SELECT count(*), coalesce(sum({_LATEST_EXTRACTOR} = ?), 0) "
        f"FROM captures c WHERE {condition}",
        [extractor, *params],
    ).fetchone()
    if selection.force:
        return int(total), 0
    return int(total) - int(current), int(current)


def iter_targets(db: sqlite3.Connection, selection: Selection, extractor: str) -> Iterator[Target]:
    """The responses to extract, oldest capture first (so that, per URL, the versions of
    later captures get the higher ids)."""
    condition, params = _selected(db, selection)
    if not selection.force:
        condition += f" AND {_LATEST_EXTRACTOR} != ?"
        params.append(extractor)
    cursor = db.execute(
        "SELECT c.record_id, c.url, c.warc_filename, c.warc_offset, c.warc_date "
        f"FROM captures c WHERE {condition} ORDER BY c.warc_date, c.id",
        params,
    )
    for row in cursor:
        yield Target(*row)


# -- the work ------------------------------------------------------------------------------
def reextract_archive(
    layout: ArchiveLayout,
    selection: Selection | None = None,
    *,
    lock: ArchiveLock | None = None,
    extractor: str | None = None,
    workers: int = 0,
    page_timeout: float = 60.0,
    timeout: float = 5.0,
    on_page: Callable[[], None] | None = None,
    max_body: int = DEFAULT_MAX_BODY,
) -> ReextractReport:
    """Extract the selected responses again (``workers`` processes, 0: one per CPU) and
    archive the articles. Takes the archive lock (or uses *lock*, held by the caller):
    raises :class:`~archive.lock.ArchiveLocked` when a crawl holds it. ``extractor``
    names the extraction in the records (default: the current one); ``timeout`` is how
    long to wait for a locked index; ``on_page`` is called once per page done; a body
    whose content-encoding inflates past ``max_body`` bytes fails (a compression bomb)."""
    selection = selection or Selection()
    label = extractor or current_extractor()
    with exclusive(layout, lock):
        db = connect_readonly(layout.index_path, timeout)
        try:
            return _reextract(
                layout, db, selection, label, workers, page_timeout, on_page, max_body
            )
        finally:
            db.close()


def _reextract(
    layout: ArchiveLayout,
    db: sqlite3.Connection,
    selection: Selection,
    label: str,
    workers: int,
    page_timeout: float,
    on_page: Callable[[], None] | None,
    max_body: int = DEFAULT_MAX_BODY,
) -> ReextractReport:
    report = ReextractReport(label)
    report.selected, report.up_to_date = count_targets(db, selection, label)
    if report.selected == 0:
        return report
    done = on_page or (lambda: None)
    recorder = ArchiveRecorder(layout, prefix=PREFIX, info_fields=lambda: info_fields(label))
    recorder.start()
    reader = _RecordReader(layout)
    try:
        jobs = _jobs(iter_targets(db, selection, label), reader, report, done, max_body)
        with ExtractPool(min(workers or default_workers(), report.selected), page_timeout) as pool:
            for target, result in pool.results(jobs):
                article = result.article
                if article is None or not str(article.get("text") or "").strip():
                    reason = result.error or "no main text"
                    report.failed.append(Failure(target.url, target.record_id, reason))
                else:
                    recorder.record_article(article_document(target, article, label)).result()
                    report.written += 1
                done()
    finally:
        reader.close()
        report.files = recorder.close().files
    if recorder.error is not None:
        raise recorder.error
    return report


def _jobs(
    targets: Iterator[Target],
    reader: _RecordReader,
    report: ReextractReport,
    done: Callable[[], None],
    max_body: int = DEFAULT_MAX_BODY,
) -> Iterator[tuple[Target, ExtractJob]]:
    for target in targets:
        try:
            record = reader.read(target.warc_filename, target.warc_offset)
        except (WarcReadError, OSError, StoreError) as exc:
            report.unreadable.append(Failure(target.url, target.record_id, str(exc)))
            done()
            continue
        if record.record_id != target.record_id or record.warc_type != "response":
            reason = (
                f"{target.warc_filename}:{target.warc_offset} holds {record.record_id} "
                f"({record.warc_type}), not this response (run `verify`)"
            )
            report.unreadable.append(Failure(target.url, target.record_id, reason))
            done()
            continue
        # undone here, within the bound: a compression bomb fails alone, in little memory
        try:
            body = decode_content(record.payload, record.http_header("Content-Encoding"), max_body)
        except Undecodable as exc:
            report.failed.append(Failure(target.url, target.record_id, str(exc)))
            done()
            continue
        yield target, ExtractJob(target.url, body, record.http_header("Content-Type"))


def article_document(target: Target, article: dict[str, Any], extractor: str) -> dict[str, Any]:
    """The JSON document of the conversion record: the fields the crawl writes."""
    document = {name: article.get(name) for name in ARTICLE_FIELDS}
    document.update(
        url=target.url,
        tags=list(article.get("tags") or []),
        categories=list(article.get("categories") or []),
        fetched_at=target.warc_date,
        warc_filename=target.warc_filename,
        warc_record_id=target.record_id,
        warc_offset=target.warc_offset,
        extractor=extractor,
    )
    return document


def info_fields(extractor: str) -> list[tuple[str, str]]:
    """The warcinfo of a reextract WARC file."""
    return warcinfo_fields(
        is_part_of=PREFIX,
        extra=[("description", f"articles extracted again from archived responses by {extractor}")],
    )


class _RecordReader:
    """Reads records at offsets, keeping the last file open."""

    def __init__(self, layout: ArchiveLayout) -> None:
        self.layout = layout
        self._name: str | None = None
        self._fh: BinaryIO | None = None

    def read(self, filename: str, offset: int) -> ArchivedRecord:
        path = self.layout.warc_path(filename)
        if not path.exists() and self.layout.stored_path(filename).exists():
            return read_at(self.layout, filename, offset)  # in object storage only
        if self._fh is None or self._name != filename:
            self.close()
            self._fh = open(path, "rb")  # noqa: SIM115
            self._name = filename
        return record_of(read_member(self._fh, offset), path)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self._name = None
