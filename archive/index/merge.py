"""Folding the indexes of distributed workers into the archive's index.

Each worker of a distributed crawl keeps its own index in ``workers/NAME/``. Merging
copies their captures, articles and runs into ``index.sqlite3`` (rows already there
are kept, so merging twice changes nothing), rewrites ``index.cdxj`` and removes the
merged worker folders. A worker still running (its lock held) is left for later.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from archive.index.cdxj import write_cdxj
from archive.index.sqlite import ARTICLE_COLUMNS, CAPTURE_COLUMNS, RUN_COLUMNS, ArchiveIndex
from archive.layout import ArchiveLayout
from archive.lock import exclusive, is_locked


@dataclass
class MergeReport:
    merged: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    captures: int = 0
    articles: int = 0


def merge_workers(layout: ArchiveLayout) -> MergeReport:
    """Merge every finished worker index into the archive's index. Takes the archive's
    lock (raises archive.lock.ArchiveLocked when a crawl holds it)."""
    report = MergeReport()
    with exclusive(layout, alone=False):  # a busy worker is left for a later merge
        index = ArchiveIndex(layout.index_path)
        try:
            for worker in layout.worker_layouts():
                if is_locked(worker.home):
                    report.busy.append(str(worker.worker))
                    continue
                if worker.index_path.exists():
                    _copy_rows(index, worker, report)
                report.merged.append(str(worker.worker))
            index.commit()
            write_cdxj(index.db, layout.cdxj_path)
        finally:
            index.close()
        for name in report.merged:
            shutil.rmtree(ArchiveLayout(layout.root, name).home)
    return report


def _copy_rows(index: ArchiveIndex, worker: ArchiveLayout, report: MergeReport) -> None:
    db = index.db
    db.execute("ATTACH DATABASE ? AS w", (str(worker.index_path),))
    try:
        for table, columns in (
            ("captures", CAPTURE_COLUMNS),
            ("articles", ARTICLE_COLUMNS),
            ("runs", RUN_COLUMNS),
        ):
            cols = ", ".join(columns)
            cur = db.execute(
                f"INSERT OR IGNORE INTO main.{table} ({cols}) SELECT {cols} FROM w.{table}"
            )
            added = max(cur.rowcount, 0)
            if table == "captures":
                report.captures += added
            elif table == "articles":
                report.articles += added
        db.commit()
    finally:
        db.execute("DETACH DATABASE w")
