"""Where things live in an archive directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ARCHIVE_DIR = "archive-data"
INDEX_NAME = "index.sqlite3"
CDXJ_NAME = "index.cdxj"
WARC_SUBDIR = "warc"
WORKERS_SUBDIR = "workers"
# a WARC file being written is NAME.warc.gz.open; closed, it is renamed NAME.warc.gz
OPEN_SUFFIX = ".open"
# a WARC file uploaded to object storage and then removed from warc/ leaves
# NAME.warc.gz.stored behind: where its object is, its size and SHA-256 (archive/store/)
STORED_SUFFIX = ".stored"
# which closed WARC files were found whole in which store (size, mtime, inode, SHA-256):
# a cache that spares a crawl's start hashing them again (archive/store/record.py)
STORE_RECORD_NAME = "store-checked.sqlite3"


def default_archive_dir() -> Path:
    """``$ARCHIVE_DIR`` if set, else ``archive-data`` in the current directory."""
    return Path(os.environ.get("ARCHIVE_DIR") or DEFAULT_ARCHIVE_DIR)


@dataclass(frozen=True)
class ArchiveLayout:
    """An archive directory. With a ``worker`` name (distributed crawls), the index, the
    CDXJ and the lock are that worker's own, under ``workers/NAME/``; the WARC files
    stay shared."""

    root: Path
    worker: str | None = None

    @property
    def warc_dir(self) -> Path:
        return self.root / WARC_SUBDIR

    @property
    def home(self) -> Path:
        """Where this layout's index and lock live."""
        return self.root / WORKERS_SUBDIR / self.worker if self.worker else self.root

    @property
    def index_path(self) -> Path:
        return self.home / INDEX_NAME

    @property
    def cdxj_path(self) -> Path:
        return self.home / CDXJ_NAME

    @property
    def store_record_path(self) -> Path:
        """The upload record of ``warc/``: beside it, shared by the workers as it is."""
        return self.root / STORE_RECORD_NAME

    def worker_layouts(self) -> list[ArchiveLayout]:
        """The per-worker indexes found under ``workers/``."""
        base = self.root / WORKERS_SUBDIR
        if not base.is_dir():
            return []
        return [ArchiveLayout(self.root, p.name) for p in sorted(base.iterdir()) if p.is_dir()]

    def warc_path(self, filename: str) -> Path:
        """The file a record's ``warc_filename`` names: closed, or still ``.open``."""
        path = self.warc_dir / filename
        if not path.exists():
            open_path = self.warc_dir / (filename + OPEN_SUFFIX)
            if open_path.exists():
                return open_path
        return path

    def stored_path(self, filename: str) -> Path:
        """The note a WARC file kept in object storage only leaves in ``warc/``."""
        return self.warc_dir / (filename + STORED_SUFFIX)

    def stored_names(self) -> list[str]:
        """The WARC files in object storage only: a ``.stored`` note, no local file."""
        if not self.warc_dir.is_dir():
            return []
        return sorted(
            name
            for p in self.warc_dir.glob("*.warc.gz" + STORED_SUFFIX)
            if not (self.warc_dir / (name := p.name.removesuffix(STORED_SUFFIX))).exists()
        )

    def warc_files(self, include_open: bool = True) -> list[Path]:
        if not self.warc_dir.is_dir():
            return []
        files = sorted(self.warc_dir.glob("*.warc.gz"))
        if include_open:
            files += sorted(self.warc_dir.glob("*.warc.gz" + OPEN_SUFFIX))
        return files


def fsync_path(path: Path) -> None:
    """fsync a file or a directory (after a rename: the directory entry) by its path."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def index_layouts(root: Path) -> list[ArchiveLayout]:
    """The archive's own index first, then the indexes of workers not merged yet."""
    main = ArchiveLayout(Path(root))
    return [main, *main.worker_layouts()]
