"""The index cache: the index as it stood at a journal position, saved beside the history (history.json.index), so
that opening need not decode every job, only those the journal changed after that position.

State owned here: _cached_at, the journal position the cache on disk stands at (None when no cache on disk is
this index's)."""

from __future__ import annotations

import contextlib
import operator
import os
import uuid
from collections.abc import Mapping
from pathlib import Path

import orjson

from ..storage import TMP_MARK
from .base import JOBS
from .index import Index, _Entry

INDEX_CACHE_FORMAT = 5  # 3: the entries' short ids; 4: their costs; 5: whether each is the kept take
INDEX_CACHE_STALE_AFTER = 2_000  # documents changed in the journal since the cache was saved: close() saves it anew


class IndexCache(Index):
    """Loading the index from its cache, and saving it."""

    _cached_at: int | None  # the journal position the index cache on disk stands at, if it is ours

    @property
    def _cache_path(self) -> Path:
        return self.path.with_name(self.path.name + ".index")

    def _index_from_cache(self, docs: Mapping[str, bytes]) -> bool:
        """Load the index saved at a known place in the snapshot and journal, then index again only the jobs the
        journal changed after it. False when the cache is missing, from another snapshot or journal, damaged, or
        does not hold exactly the jobs on disk: the caller resets the index and decodes every job.

        The cache is JSON lines, a header then one entry per line in __slots__ order, read line by line: each
        line's list is freed as the next is read, so loading leaves no large garbage behind (12 columns of 100,000
        values parsed at once left ~10 MB the allocator kept)."""
        # Until this load succeeds no cache on disk stands for the index being built (the one read at open
        # was for a snapshot another process has since replaced): if it fails, close() saves one.
        self._cached_at = None
        snap, journal_ino, journal_pos = self._storage.position()
        entries, by_video, by_short, new, loads = self._entries, self._by_video, self._by_short, object.__new__, orjson.loads
        try:
            with open(self._cache_path, "rb") as fh:
                head = loads(fh.readline())
                if (head["format"] != INDEX_CACHE_FORMAT or head["slots"] != list(_Entry.__slots__) or snap is None
                        or head["snapshot"] != list(snap) or head["journal"][0] not in (None, journal_ino)
                        or not 0 <= head["journal"][1] <= journal_pos):
                    return False
                since, next_id, rows = head["journal"][1], int(head["next_id"]), int(head["rows"])
                again = {doc_id for (table, doc_id), end in self._storage.touched.items() if table == JOBS and end > since}
                # each id as the very string the table holds it under: a copy per job would cost 5 MB at 100,000
                own = {doc_id: doc_id for doc_id in docs}
                read = 0
                for line in fh:
                    (amount, billed, created_at, doc_id, group_id, hay, kept, local_id, model, parent_id, profile,
                     short_id, starred, status, updated_at, video_id) = loads(line)
                    read += 1
                    if (type(doc_id) is not str or type(local_id) is not str or type(hay) is not str
                            or type(status) is not str or type(model) is not str or type(profile) is not str
                            or type(created_at) is not float or type(updated_at) is not float or type(starred) is not bool
                            or type(kept) is not bool
                            or type(short_id) is not str or not short_id or type(billed) is not bool
                            or (amount is not None and type(amount) is not float)):
                        return False  # not what _Entry makes: queries would compare and search the wrong things
                    if doc_id in again:
                        continue
                    doc_id = own.get(doc_id)
                    if doc_id is None or local_id in entries or short_id in by_short:
                        return False
                    e = new(_Entry)
                    (e.amount, e.billed, e.created_at, e.doc_id, e.group_id, e.hay, e.kept, e.local_id, e.model,
                     e.parent_id, e.profile, e.short_id, e.starred, e.status, e.updated_at, e.video_id) = (
                        amount, billed, created_at, doc_id, group_id, hay, kept, local_id, model, parent_id, profile,
                        short_id, starred, status, updated_at, video_id)
                    entries[local_id] = e
                    by_short[short_id] = local_id
                    if video_id:
                        by_video[str(video_id)] = local_id
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, IndexError, ValueError):
            return False  # unreadable, torn, or a line of the wrong shape
        if read != rows or len(entries) + sum(1 for doc_id in again if doc_id in docs) != len(docs):
            return False
        self._order = None
        self._next_id = max(self._next_id, next_id)
        for doc_id in again:
            self._index(doc_id, docs.get(doc_id))
        self._cached_at = since
        return True

    def _save_index_cache(self) -> None:
        """Save the index with where it stands (after a compaction, and on close when the journal has moved on far
        enough). A cache: written atomically but not fsynced; a torn or stale one is only ignored."""
        snap, journal_ino, journal_pos = self._storage.position()
        if snap is None:
            return
        row, dumps = operator.attrgetter(*_Entry.__slots__), orjson.dumps
        head = dumps({"format": INDEX_CACHE_FORMAT, "slots": list(_Entry.__slots__), "snapshot": list(snap),
                      "journal": [journal_ino, journal_pos], "next_id": self._next_id, "rows": len(self._entries)})
        tmp = self._cache_path.with_name(f"{self._cache_path.name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            with open(tmp, "xb") as fh:
                fh.write(head + b"\n")
                # row by row through the file's buffer: every row's bytes held at once, then joined, raised
                # the peak of a process closing 50,000 jobs by 210 MB (for a 17 MB file) and took 3-6x as long
                fh.writelines(dumps(row(e), option=orjson.OPT_APPEND_NEWLINE) for e in self._entries.values())
            os.replace(tmp, self._cache_path)
            self._cached_at = journal_pos
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _index_cache_stale(self) -> bool:
        """Whether the cache is to be saved on close: there is none for this index (never saved, not loaded, or
        deleted since: it is safe to delete), or the journal has moved on far from it."""
        since = self._cached_at
        return since is None or not self._cache_path.is_file() or sum(
            1 for (table, _), end in self._storage.touched.items()
            if table == JOBS and end > since) >= INDEX_CACHE_STALE_AFTER
