"""What past runs learned about each site, read back from their run reports (WARC
metadata records, so an archive rebuilt from its WARC files keeps it too).

Today one thing: a site's decoration parameters, the query parameters its rel=canonical
showed to identify nothing (Joomla's ``Itemid`` and ``catid``). A run that knows them
from the start does not fetch an archived article again under another of its URLs.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from archive.layout import ArchiveLayout
from archive.warc.stored import read_at

logger = logging.getLogger(__name__)

#: the latest run reports read
RECENT_RUNS = 20


def site_memory(layout: ArchiveLayout, runs: int = RECENT_RUNS) -> dict[str, set[str]]:
    """Site name -> the decoration parameters its latest run reports name. Anything
    unreadable (no index yet, a report missing or damaged) is skipped: this only saves
    requests."""
    try:
        db = sqlite3.connect(f"file:{layout.index_path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return {}
    try:
        rows = db.execute(
            "SELECT warc_filename, warc_offset FROM runs"
            " WHERE warc_filename IS NOT NULL ORDER BY id DESC LIMIT ?",
            (runs,),
        ).fetchall()
    except sqlite3.Error:
        return {}
    finally:
        db.close()
    found: dict[str, set[str]] = {}
    for filename, offset in rows:
        for name, learned in _sites(layout, filename, offset).items():
            decoration = learned.get("decoration") if isinstance(learned, dict) else None
            if isinstance(decoration, list):
                found.setdefault(name, set()).update(str(d) for d in decoration if d)
    return found


def _sites(layout: ArchiveLayout, filename: str, offset: int) -> dict[str, Any]:
    try:
        # a WARC file in object storage only: the report by a ranged GET
        report = json.loads(read_at(layout, filename, offset).block)
    except Exception as exc:  # a missing file, a damaged record: nothing learned from it
        logger.debug("no run report at %s:%s: %s", filename, offset, exc)
        return {}
    sites = report.get("sites") if isinstance(report, dict) else None
    return sites if isinstance(sites, dict) else {}
