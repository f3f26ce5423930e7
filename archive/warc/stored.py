"""The WARC files of an archive wherever they are: in ``warc/``, or in object storage only.

A WARC file uploaded and then removed (``ARCHIVE_STORE_KEEP_LOCAL=false``) leaves its
note ``warc/NAME.warc.gz.stored`` (:class:`archive.store.s3.StoredNote`). The commands
read such a file through :class:`WarcSource`:

* one record at an index row's offset and length: one ranged GET (``show``, the
  conversion records of ``show --history``, the run reports a crawl learns from);
* a whole file (``reindex``, ``reextract``, ``verify --fetch``): downloaded into a
  temporary directory (``$TMPDIR``), its size and SHA-256 checked against the note, one
  file at a time, removed when the next is needed or the command ends.

A file that is neither in ``warc/`` nor noted reads as before (``FileNotFoundError``).
"""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from archive.layout import ArchiveLayout
from archive.warc.members import read_member
from archive.warc.reader import ArchivedRecord, WarcReadError, parse_record, read_record

if TYPE_CHECKING:
    from archive.store.s3 import Clients, ObjectReader, StoredNote

#: bytes asked for a record whose length the index does not give (a run report); more
#: (four times as many, again) when its gzip member goes on past them
FIRST_READ = 256 * 1024
#: the attempts of each request when a command reads the store
READ_ATTEMPTS = 3

# archive.store.s3 is imported when a file in the store only is first read, not with
# this module: a crawl reads its own files from warc/ (8 ms of every crawl's start-up)
_clients: Clients | None = None
_clients_lock = threading.Lock()


def _store_clients() -> Clients:
    """The store's clients of every reader in this process, made when first needed."""
    global _clients
    with _clients_lock:
        if _clients is None:
            from archive.store.s3 import Clients

            _clients = Clients(READ_ATTEMPTS)
        return _clients


# the parsed notes of store-only files, by the note's path, with the (mtime, size, inode)
# they were read at: a replay or `show --history` reads many records of one file, and
# each read checks the note is still there and unchanged (a stat) rather than parse it
_notes: dict[str, tuple[tuple[int, int, int], StoredNote]] = {}
_notes_lock = threading.Lock()


def stored_note(layout: ArchiveLayout, filename: str) -> StoredNote | None:
    """The note of *filename* when it is in the store only (no file in ``warc/``).

    Parsed once per note and kept while the note stays as it was (its modification
    time, size and inode): a note rewritten is read again, a note gone (``store fetch``
    brought the file back) is forgotten. The local file is looked for first, at every
    call: once it is back it is what is read. Safe from several threads (the replay
    application's)."""
    if layout.warc_path(filename).exists():
        return None
    path = layout.stored_path(filename)
    key = str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        with _notes_lock:
            _notes.pop(key, None)
        return None
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    with _notes_lock:
        cached = _notes.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        from archive.store.s3 import StoredNote, StoreError

        try:
            note = StoredNote.read(path)
        except StoreError:
            _notes.pop(key, None)
            if not path.exists() and layout.warc_path(filename).exists():
                return None  # fetched back between the stat and the read
            raise
        _notes[key] = (stamp, note)
        return note


def read_at(
    layout: ArchiveLayout, filename: str, offset: int, length: int | None = None
) -> ArchivedRecord:
    """The record at *offset* of the WARC file *filename*: read from ``warc/``, or, for
    a file in the store only, by a ranged GET of *length* bytes (the index's; ``None``:
    as many as its gzip member takes). Raises :class:`WarcReadError`,
    :class:`~archive.store.s3.StoreError`, ``OSError``."""
    note = stored_note(layout, filename)
    if note is None:
        return read_record(layout.warc_path(filename), offset)
    from archive.store.s3 import read_range

    client = _store_clients().of(note)
    want = length if length else FIRST_READ
    while True:
        data = read_range(client, note, offset, want)
        member = read_member(io.BytesIO(data), 0)
        if member.complete or length or len(data) < want:
            break
        want *= 4
    where = Path(note.name)
    if member.data is None:
        reason = member.reason or "damaged"
        raise WarcReadError(where, offset, f"{reason} (read from {note.url})", member.salvaged_id)
    try:
        return parse_record(member.data, filename, offset, member.length)
    except ValueError as exc:
        raise WarcReadError(where, offset, f"{exc} (read from {note.url})") from None


class WarcSource:
    """Whole WARC files for a command that reads them through: the local file, or the
    object of a file in the store only, fetched (hash-checked) into a temporary
    directory. One fetched file at a time; :meth:`close` removes the last."""

    def __init__(self, layout: ArchiveLayout) -> None:
        self.layout = layout
        self._tmpdir: Path | None = None
        self._fetched: Path | None = None
        self.fetched: list[str] = []  # names fetched, in order

    def names(self) -> list[str]:
        """The closed WARC files of the archive, local and in the store only, by name."""
        local = [p.name for p in self.layout.warc_files(include_open=False)]
        return sorted({*local, *self.layout.stored_names()})

    def path(self, filename: str) -> Path:
        """A local path holding the bytes of *filename* (fetched when in the store only).
        Raises :class:`~archive.store.s3.StoreError` when the fetch fails or the object
        differs from the file uploaded."""
        note = stored_note(self.layout, filename)
        if note is None:
            return self.layout.warc_path(filename)
        self._drop()
        if self._tmpdir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="news-archive-fetch-"))
        dest = self._tmpdir / filename
        from archive.store.s3 import fetch

        fetch(_store_clients().of(note), note, dest)
        self._fetched = dest
        self.fetched.append(filename)
        return dest

    def _drop(self) -> None:
        if self._fetched is not None:
            self._fetched.unlink(missing_ok=True)
            self._fetched = None

    def close(self) -> None:
        self._drop()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> WarcSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_stored(layout: ArchiveLayout, filename: str) -> tuple[StoredNote, ObjectReader]:
    """The note of the store-only file *filename* and its object, to be read as a
    stream (the caller checks the bytes against the note, and closes it)."""
    from archive.store.s3 import StoredNote, open_object

    note = StoredNote.read(layout.stored_path(filename))
    return note, open_object(_store_clients().of(note), note)


def check_stored(layout: ArchiveLayout, filename: str) -> str | None:
    """``None`` when the object of the store-only file *filename* is there with the
    size and SHA-256 of its note, else what is wrong (one phrase). Raises
    :class:`~archive.store.s3.StoreError` when the store cannot be asked."""
    from archive.store.s3 import StoredNote, check_note

    note = StoredNote.read(layout.stored_path(filename))
    return check_note(_store_clients().of(note), note)


__all__ = ["WarcSource", "check_stored", "open_stored", "read_at", "stored_note"]
