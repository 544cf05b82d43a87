"""HistoryStore: every job ever made, durable on disk over TinyDB, safe across threads, processes and crashes.

It is composed of rooms of one purpose each, one mixin a module, each building on the ones it calls:

- base.py, HistoryBase: the files (path, _lock, _storage, _db, _meta), opened here.
- index.py, Index: the in-memory index (_entries, _by_video, _by_short, _next_id, _damaged_docs, and the
  newest-first _order with the views on it, _haystack and _grouped), kept in step with the files; short ids.
- index_cache.py, IndexCache: the index saved beside the history and loaded at open (_cached_at).
- recovery.py, Recovery: damaged files and entries at open or while reading, the backup (recovery_note).
- writes.py, Writes: adding, changing and deleting jobs; the schema.
- boards.py, Boards: storyboards in their own table, and the jobs made for one.
- haystack.py, TextSearch: text search over the index (builds _haystack).
- queries.py, Queries: lookups, searches, lineage, facets, the ledger's rows (builds _grouped).
- export.py, Export: the history as JSON lines or CSV.

This module opens the history and holds what concerns it whole: change detection, reload, compaction, close."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from ..storage import CorruptHistory, HistoryLock, JournaledStorage, remove_stale_temps, stat_key
from .base import META
from .boards import Boards
from .errors import HistoryError
from .export import Export


class HistoryStore(Boards, Export):
    """Every job, durable on disk (a TinyDB-format snapshot plus an fsynced journal), safe across threads,
    processes and crashes, and quick at 100,000 jobs: lookups and searches run on an in-memory index, a
    status change appends one journal line instead of rewriting the file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.recovery_note = None
        self._lock = HistoryLock(self.path.with_name(self.path.name + ".lock"))
        self._storage = JournaledStorage(self.path)
        # the rooms' state, each declared (with what it holds) by the room that owns it
        self._entries, self._by_video, self._by_short = {}, {}, {}
        self._order = self._haystack = self._grouped = None
        self._next_id = 1
        self._cached_at = None
        self._damaged_docs = {}
        with self._lock.held():
            remove_stale_temps(self.path)
            remove_stale_temps(self._storage.journal)
            remove_stale_temps(self._cache_path)
            self._recover_if_damaged()
            self._db = TinyDB(storage=_Adapter, adapter=self._storage)
            self._meta = self._db.table(META, cache_size=0)
            self._check_schema(write=True)
            self._backup()

    # --- change detection (another process wrote) ---------------------------------------------------
    def token(self) -> tuple[Any, ...]:
        """Changes whenever any process writes (the snapshot is replaced or the journal grows)."""
        return (stat_key(self.path), stat_key(self._storage.journal))

    def changed_since(self, token: tuple[Any, ...] | None) -> bool:
        return self.token() != token

    def reload(self) -> None:
        with self._lock.held():
            self._storage = JournaledStorage(self.path)
            self._db = TinyDB(storage=_Adapter, adapter=self._storage)
            self._meta = self._db.table(META, cache_size=0)
            self._reset_index()
            self._sync()

    def compact(self) -> None:
        """Fold the journal into the snapshot now (it also happens by itself as the journal grows)."""
        with self._lock.held():
            self._sync()
            self._storage.compact()
            self._backup()
            self._save_index_cache()

    def close(self) -> None:
        """Save the index cache if there is none for this index (never saved, not loaded, or deleted since: it
        is safe to delete) or the journal has moved on far from it, so the next open is quick."""
        with contextlib.suppress(OSError, HistoryError, CorruptHistory), self._lock.held():
            self._sync()
            if self._index_cache_stale():
                self._save_index_cache()
        self._db.close()


class _Adapter:
    """Lets TinyDB use an already-built storage instance (TinyDB wants a class and its arguments)."""

    def __new__(cls, adapter: JournaledStorage) -> JournaledStorage:  # type: ignore[misc]
        return adapter
