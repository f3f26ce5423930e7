"""Where things live in an archive directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from archive.index import INDEX_NAME
from archive.warcfile import OPEN_SUFFIX

DEFAULT_ARCHIVE_DIR = "archive-data"
CDXJ_NAME = "index.cdxj"
WARC_SUBDIR = "warc"


def default_archive_dir() -> Path:
    """``$ARCHIVE_DIR`` if set, else ``archive-data`` in the current directory."""
    return Path(os.environ.get("ARCHIVE_DIR") or DEFAULT_ARCHIVE_DIR)


@dataclass(frozen=True)
class ArchiveLayout:
    root: Path

    @property
    def warc_dir(self) -> Path:
        return self.root / WARC_SUBDIR

    @property
    def index_path(self) -> Path:
        return self.root / INDEX_NAME

    @property
    def cdxj_path(self) -> Path:
        return self.root / CDXJ_NAME

    def warc_path(self, filename: str) -> Path:
        """The file a record's ``warc_filename`` names: closed, or still ``.open``."""
        path = self.warc_dir / filename
        if not path.exists():
            open_path = self.warc_dir / (filename + OPEN_SUFFIX)
            if open_path.exists():
                return open_path
        return path

    def warc_files(self, include_open: bool = True) -> list[Path]:
        if not self.warc_dir.is_dir():
            return []
        files = sorted(self.warc_dir.glob("*.warc.gz"))
        if include_open:
            files += sorted(self.warc_dir.glob("*.warc.gz" + OPEN_SUFFIX))
        return files
