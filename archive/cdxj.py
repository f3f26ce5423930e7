"""The CDXJ index that pywb reads, written from the SQLite index."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from archive.rows import cdxj_line

if TYPE_CHECKING:
    from archive.index import ArchiveIndex


def write_cdxj(index: ArchiveIndex, path: Path) -> int:
    """Write every capture, sorted by SURT and timestamp, atomically. Returns the line count."""
    tmp = path.with_name(path.name + ".tmp")
    lines = sorted(cdxj_line(dict(row)) for row in index.captures())
    with open(tmp, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return len(lines)
