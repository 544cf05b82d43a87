"""What every room of the history store stands on: its files, and the names of the tables in them.

HistoryStore (store.py) opens them; every room reads and writes through them, holding the lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from tinydb import TinyDB
    from tinydb.table import Table

    from ..storage import HistoryLock, JournaledStorage

JOBS = "jobs"
META = "meta"
BOARDS = "boards"  # storyboards, one document each, keyed by the board id


class HistoryBase:
    """The history's files, as HistoryStore opens them (reload opens the storage and TinyDB anew)."""

    path: Path  # the snapshot, history.json; the journal, lock, backup and index cache are named after it
    _lock: HistoryLock  # held by every call that reads or writes the files
    _storage: JournaledStorage  # the snapshot and the journal: the job documents, as JSON bytes
    _db: TinyDB  # TinyDB over the same storage, for the small meta table
    _meta: Table  # the meta table: the schema the history was written with
