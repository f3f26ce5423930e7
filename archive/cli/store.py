"""``store status | sync | fetch``: the archive's WARC files and their copies in object
storage (docs/storage.md).

* ``status``: each closed WARC file, local only, in the store only, in both (same size
  and SHA-256), or differing; a store-only file whose object is gone or changed is
  ``lost``; an object under the prefix this archive has no trace of is ``unknown``.
* ``sync``: uploads what the store lacks, checked as the crawl's uploads are;
  ``--remove-local`` then replaces each checked local file by its ``.stored`` note.
* ``fetch [NAME...]``: brings store-only files (all, or those named) back into ``warc/``,
  each checked against the size and SHA-256 of its note, written under a temporary
  name and renamed: a failed fetch leaves no partial file.

The store is ``--store s3://BUCKET/PREFIX``, else ``$ARCHIVE_STORE``, else the one the
archive's notes name; the endpoint ``--endpoint``, else ``$ARCHIVE_S3_ENDPOINT``, else
the notes'. A missing bucket, refused or missing credentials, an endpoint that does not
answer: one line, exit 1.

``status`` and ``sync`` hash every local file and ask the store about each: they never
trust the upload record (``store-checked.sqlite3``, archive/store/record.py), they
correct it — a file found whole is noted there, one missing or different is dropped
from it, so that the next crawl uploads it again.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from typing import Any

from archive.cli.common import CommandError, UsageError
from archive.layout import OPEN_SUFFIX, ArchiveLayout
from archive.lock import exclusive
from archive.plural import counted
from archive.store.record import UploadRecord
from archive.store.s3 import (
    StoredNote,
    StoreError,
    StoreURL,
    check_bucket,
    check_note,
    endpoint_for,
    endpoint_of,
    fetch,
    list_objects,
    local_state,
    note_of_object,
    remove_local,
    s3_client,
    upload,
)

ACTIONS = ("status", "sync", "fetch")
# how `status` names each state, and whether it is a problem (exit 1)
STATES = {
    "both": False,
    "local-only": False,
    "store-only": False,
    "differs": True,
    "lost": True,
    "unknown": False,
    "open": False,
}


def _notes(layout: ArchiveLayout) -> dict[str, StoredNote]:
    return {n: StoredNote.read(layout.stored_path(n)) for n in layout.stored_names()}


def _store(args: argparse.Namespace, notes: dict[str, StoredNote]) -> StoreURL:
    url = getattr(args, "store", None) or os.environ.get("ARCHIVE_STORE")
    if not url:
        places = {(n.bucket, n.key[: -len(n.name)]) for n in notes.values()}
        if len(places) != 1:
            raise UsageError("which store? give --store s3://BUCKET/PREFIX or set ARCHIVE_STORE")
        bucket, prefix = places.pop()
        return StoreURL(bucket, prefix)
    try:
        return StoreURL.parse(url)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _endpoint(args: argparse.Namespace, notes: dict[str, StoredNote]) -> str | None:
    given = getattr(args, "endpoint", None) or os.environ.get("ARCHIVE_S3_ENDPOINT")
    if given:
        return str(given)
    endpoints = {n.endpoint for n in notes.values()}
    return endpoints.pop() if len(endpoints) == 1 else None


def _client(endpoint: str | None, store: StoreURL | None) -> Any:
    try:
        client = s3_client(endpoint)
        if store is not None:
            check_bucket(client, store)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    return client


def cmd_store(args: argparse.Namespace, layout: ArchiveLayout) -> int:
    if args.names and args.action != "fetch":
        raise UsageError(f"store {args.action} takes no file names (store fetch does)")
    if args.remove_local and args.action != "sync":
        raise UsageError("--remove-local goes with store sync")
    try:
        notes = _notes(layout)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    if args.action == "status":
        return _status(args, layout, notes)
    if args.action == "sync":
        return _sync(args, layout, notes)
    return _fetch(args, layout, notes)


def _status(args: argparse.Namespace, layout: ArchiveLayout, notes: dict[str, StoredNote]) -> int:
    store = _store(args, notes)
    client = _client(_endpoint(args, notes), store)
    states: dict[str, tuple[str, str]] = {}
    record = UploadRecord(layout.store_record_path)
    try:
        for path in layout.warc_files():
            if path.name.endswith(OPEN_SUFFIX):
                states[path.name] = ("open", "being written, or left by a crash: not uploaded")
                continue
            state = local_state(client, store, path, record)
            states[path.name] = {
                "both": ("both", ""),
                "missing": ("local-only", ""),
                "differs": ("differs", f"the object {store}{path.name} is not this file"),
            }[state]
        for name, note in notes.items():
            wrong = check_note(client, note)
            states[name] = ("store-only", note.url) if wrong is None else ("lost", wrong)
        for obj in list_objects(client, store):
            if obj.name not in states:
                states[obj.name] = ("unknown", "in the store, not in this archive")
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    finally:
        record.close()
    for name in sorted(states):
        state, detail = states[name]
        print(f"{state:<10}  {name}" + (f"  ({detail})" if detail else ""))
    tally = Counter(state for state, _ in states.values())
    summary = ", ".join(f"{tally[s]} {s}" for s in STATES if tally[s])
    print(f"store {store}: {summary or 'no WARC files'}", file=sys.stderr)
    return 1 if any(STATES[state] for state in tally) else 0


def _sync(args: argparse.Namespace, layout: ArchiveLayout, notes: dict[str, StoredNote]) -> int:
    store = _store(args, notes)
    endpoint = _endpoint(args, notes)
    client = _client(endpoint, store)
    if args.remove_local:
        # nothing may read a file while it goes: no crawl, no other command that writes
        with exclusive(layout, alone=False):
            return _upload_all(layout, store, endpoint, client, remove=True)
    return _upload_all(layout, store, endpoint, client, remove=False)


def _upload_all(
    layout: ArchiveLayout, store: StoreURL, endpoint: str | None, client: Any, *, remove: bool
) -> int:
    counts: Counter[str] = Counter()
    record = UploadRecord(layout.store_record_path)
    try:
        for path in layout.warc_files(include_open=False):
            try:
                # hashed and asked for, whatever the record says; the record is told
                done = upload(path, store, client=client, record=record)
            except StoreError as exc:
                print(f"store: {exc}", file=sys.stderr)
                counts["failed"] += 1
                continue
            counts["there already" if done.skipped else "uploaded"] += 1
            if not done.skipped:
                print(f"uploaded  {path.name}  (SHA-256 {done.sha256})")
            if remove:
                remove_local(done, store, endpoint)
                record.forget(path.name, store.bucket, done.key, endpoint_of(client))
                print(f"removed   {path.name}  (in the store only now)")
                counts["removed locally"] += 1
    finally:
        record.close()
    opened = [p for p in layout.warc_files() if p.name.endswith(OPEN_SUFFIX)]
    parts = [
        f"{counted(counts['uploaded'], 'WARC file')} uploaded",
        f"{counts['there already']} there already",
    ]
    parts += [f"{counts[k]} {k}" for k in ("removed locally", "failed") if counts[k]]
    if opened:
        parts.append(f"{counted(len(opened), 'open file')} not uploaded")
    print(f"store {store}: {', '.join(parts)}", file=sys.stderr)
    return 1 if counts["failed"] else 0


def _fetch(args: argparse.Namespace, layout: ArchiveLayout, notes: dict[str, StoredNote]) -> int:
    names = list(dict.fromkeys(args.names)) or sorted(notes)
    for name in names:
        if "/" in name or not name.endswith(".warc.gz"):
            raise UsageError(f"not the name of a WARC file of warc/: {name!r}")
    endpoint = _endpoint(args, notes)
    clients: dict[str | None, Any] = {}
    fetched = present = 0
    failures: list[StoreError] = []
    with exclusive(layout, alone=False):
        for name in names:
            path = layout.warc_dir / name
            if path.exists():
                print(f"store: {name} is in warc/ already", file=sys.stderr)
                present += 1
                continue
            try:
                note = notes.get(name) or _unnoted(args, notes, endpoint, clients, name)
                where = getattr(args, "endpoint", None) or endpoint_for(note)
                if where not in clients:
                    clients[where] = _client(where, None)
                fetch(clients[where], note, path)
            except StoreError as exc:
                failures.append(exc)
                continue
            layout.stored_path(name).unlink(missing_ok=True)
            fetched += 1
            print(f"fetched  {name}  ({note.size:,} bytes, SHA-256 checked)")
            if name not in notes:
                print(
                    f"store: {name} was not in this archive: `news-archive verify --repair` "
                    "indexes it",
                    file=sys.stderr,
                )
    if len(failures) == 1 and len(names) == 1:
        raise CommandError(str(failures[0]))  # one line: what failed, why
    for failure in failures:
        print(f"store: {failure}", file=sys.stderr)
    if failures:
        raise CommandError(
            f"{len(failures)} of {counted(len(names), 'WARC file')} not fetched "
            f"({fetched} fetched); nothing partial is left in warc/"
        )
    if not names:
        print("store: no WARC file is in the store only: nothing to fetch", file=sys.stderr)
    else:
        print(
            f"store: {counted(fetched, 'WARC file')} fetched, {present} here already",
            file=sys.stderr,
        )
    return 0


def _unnoted(
    args: argparse.Namespace,
    notes: dict[str, StoredNote],
    endpoint: str | None,
    clients: dict[str | None, Any],
    name: str,
) -> StoredNote:
    """A note for an object of the store this archive has none of (a file named on the
    command line): what the object's metadata says."""
    store = _store(args, notes)
    if endpoint not in clients:
        clients[endpoint] = _client(endpoint, store)
    return note_of_object(clients[endpoint], store, name)


__all__ = ["ACTIONS", "cmd_store"]
