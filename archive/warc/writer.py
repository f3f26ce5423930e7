"""Writing WARC files: one gzip member per record, ``.open`` while written, rollover.

A file is created as ``NAME.warc.gz.open`` with a ``warcinfo`` record first, flushed
after every record, and fsynced and renamed to ``NAME.warc.gz`` when it is closed,
either at the end of the crawl or when it grows past ``max_size``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from archive import faults
from archive.layout import OPEN_SUFFIX, fsync_path
from archive.warc.records import WarcRecord, gzip_member, warc_date, warc_fields


@dataclass(frozen=True)
class RecordLocation:
    filename: str
    offset: int
    length: int


def warc_name(prefix: str, serial: int, moment: datetime | None = None) -> str:
    """PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz"""
    moment = moment or datetime.now(UTC)
    stamp = moment.strftime("%Y%m%d%H%M%S%f")[:17]
    host = socket.gethostname().split(".")[0].replace("-", "_") or "host"
    return f"{prefix}-{stamp}-{serial:05d}-{host}-{os.getpid()}.warc.gz"


class WarcFileWriter:
    """Appends records to a series of WARC files in *directory*.

    ``info_fields`` returns the fields of the warcinfo record that starts each file.
    Not thread-safe: one thread owns a writer.
    """

    def __init__(
        self,
        directory: Path,
        prefix: str = "archive",
        max_size: int = 1_000_000_000,
        info_fields: Callable[[], Sequence[tuple[str, str]]] = lambda: (),
        compress_level: int = 6,
        fsync: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.info_fields = info_fields
        self.compress_level = compress_level
        self.fsync = fsync
        self.serial = 0
        self.filename: str | None = None
        self.closed_files: list[str] = []
        self.bytes_written = 0
        self._fh: BinaryIO | None = None
        #: called (on the writer's thread) with the path of each file once it is closed
        self.on_close: Callable[[Path], None] | None = None

    @property
    def current_path(self) -> Path | None:
        if self.filename is None:
            return None
        return self.directory / (self.filename + OPEN_SUFFIX)

    def _open_new(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        name = warc_name(self.prefix, self.serial)
        while (self.directory / name).exists() or (self.directory / (name + OPEN_SUFFIX)).exists():
            self.serial += 1
            name = warc_name(self.prefix, self.serial)
        self.filename = name
        self._fh = open(self.directory / (name + OPEN_SUFFIX), "xb")  # noqa: SIM115
        info = WarcRecord(
            "warcinfo",
            [("WARC-Date", warc_date()), ("WARC-Filename", name)],
            payload=warc_fields(self.info_fields()),
            content_type="application/warc-fields",
            payload_digest=False,
        )
        self._append(info)

    def _append(self, record: WarcRecord) -> RecordLocation:
        assert self._fh is not None and self.filename is not None
        # a payload compressed already is stored: level 0 costs a thirtieth of level 6
        # and the member comes out larger by its undeflated headers only
        level = 0 if record.compressed_payload else self.compress_level
        data = gzip_member(record.to_bytes(), level)
        offset = self._fh.tell()
        faults.checkpoint("warc_record")
        if faults.reached("warc_torn"):
            self._fh.write(data[: len(data) // 2])
            self._fh.flush()
            faults.die()
        self._fh.write(data)
        self._fh.flush()
        self.bytes_written += len(data)
        return RecordLocation(self.filename, offset, len(data))

    def write(self, records: Sequence[WarcRecord]) -> list[RecordLocation]:
        """Write *records* together in the current file (a request/response pair stays in
        one file) and return where each landed. Rolls over before them when the file is
        full."""
        if self._fh is not None and self._fh.tell() >= self.max_size:
            self.close()
            faults.checkpoint("rollover")
        if self._fh is None:
            self._open_new()
        return [self._append(r) for r in records]

    def close(self) -> None:
        """Flush, fsync and rename the current file to its final name."""
        if self._fh is None or self.filename is None:
            return
        fh, name = self._fh, self.filename
        self._fh = None
        fh.flush()
        if self.fsync:
            os.fsync(fh.fileno())
        fh.close()
        os.replace(self.directory / (name + OPEN_SUFFIX), self.directory / name)
        if self.fsync:
            fsync_path(self.directory)
        self.closed_files.append(name)
        self.filename = None
        if self.on_close is not None:
            self.on_close(self.directory / name)
