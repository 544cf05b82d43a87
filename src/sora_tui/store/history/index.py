"""The in-memory index: what queries need from each job (an _Entry), by local id, server id and short id, kept in
step with the files by _sync; a job itself is decoded only when asked for (_job).

State owned here: _entries, _by_video, _by_short, _next_id, _damaged_docs (documents that did not decode, for
recovery.py's _repair), and the newest-first order with the views built on it (_order, and _haystack and
_grouped, which haystack.py and queries.py build and a change of an entry here drops)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from ...core.cost import doc_cost
from ...core.job import SHORT_ID_LENGTH, Job, is_short_id, short_id_for
from ...runtime import pause_gc, resume_gc
from .base import JOBS, HistoryBase


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the history is read. Opening 100,000 jobs allocates a few hundred
    thousand objects that live on (the index), and each collection they set off walks everything the process
    holds: in a process with a large heap already (bench/history.py's, which holds the documents it wrote) that
    was a fifth of the time (1,114 -> 910 ms of CPU); in a fresh process it changes little. What is read makes no
    cycles (the parsed documents are freed as soon as indexed), so nothing waits for the collector meanwhile."""
    paused = pause_gc()  # False: someone else paused it, theirs to resume
    try:
        yield
    finally:
        if paused:
            resume_gc(freeze=False)  # what was read is the index and its documents: collected as usual later


class _Entry:
    """What queries need from one job, kept in memory; the job itself stays as JSON bytes until asked for."""

    __slots__ = (
        "amount",
        "billed",
        "created_at",
        "doc_id",
        "group_id",
        "hay",
        "kept",
        "local_id",
        "model",
        "parent_id",
        "profile",
        "short_id",
        "starred",
        "status",
        "updated_at",
        "video_id",
    )
    amount: float | None
    billed: bool
    created_at: float
    doc_id: str
    group_id: str | None
    hay: str
    kept: bool  # the take chosen of its group (extra.choice "kept"): the history's kept filter, nothing decoded
    local_id: str
    model: str
    parent_id: str | None
    profile: str
    short_id: str
    starred: bool
    status: str
    updated_at: float
    video_id: str | None

    def __init__(self, doc_id: str, doc: dict[str, Any]) -> None:
        get = doc.get  # built 100,000 times when a large history opens: kept lean
        params = get("params") or {}
        self.doc_id = doc_id
        self.local_id = str(get("local_id") or "")
        self.video_id = get("video_id") or None
        self.created_at = float(get("created_at") or 0.0)
        self.updated_at = float(get("updated_at") or 0.0)
        self.status = str(get("status") or "")
        self.model = str(params.get("model") or "")
        self.profile = str(get("profile") or "")
        self.group_id = get("group_id") or None
        self.parent_id = get("parent_id") or None
        self.starred = bool(get("starred"))
        extra = get("extra")
        self.kept = type(extra) is dict and extra.get("choice") == "kept"
        short_id = get("short_id")  # "" until the index names it: a job written before short ids, or a clash
        self.short_id = short_id if is_short_id(short_id) else ""
        hay = str(params.get("prompt") or "")
        tags, notes = get("tags"), get("notes")
        if tags:
            hay += " " + " ".join(map(str, tags))
        if notes:
            hay += " " + str(notes)
        self.hay = hay.casefold()
        cost = doc_cost(doc)  # what the ledger and the budgets add up, without decoding the job again
        self.amount = cost.amount
        self.billed = cost.billed


class Index(HistoryBase):
    """The index and how it follows the files: a whole table indexed at once, or only what the journal changed."""

    _entries: dict[str, _Entry]  # local_id -> entry
    _by_video: dict[str, str]  # video_id -> local_id
    _by_short: dict[str, str]  # short_id -> local_id
    _order: list[_Entry] | None  # newest first, rebuilt after adds and deletes
    # the order's texts joined, for text searches: (the order it was built for, [(bytes, each entry's start)])
    _haystack: tuple[list[_Entry], list[tuple[bytes, list[int]]]] | None
    _grouped: tuple[list[_Entry], dict[str, tuple[int, ...]]] | None  # likewise, each group's places in the order
    _next_id: int  # the table's next document id
    _damaged_docs: dict[str, bytes]  # job documents that did not decode, skipped until _repair

    if TYPE_CHECKING:  # the rooms built on this one, which a catch-up calls on
        def _index_from_cache(self, docs: Mapping[str, bytes]) -> bool: ...  # index_cache.py
        def _repair(self) -> None: ...  # recovery.py

    def _reset_index(self) -> None:
        self._entries, self._by_video, self._by_short, self._order, self._next_id = {}, {}, {}, None, 1

    def _sync(self) -> None:
        """Catch up with the files (ours and other processes' writes). Must hold the lock."""
        with _collector_paused():
            self._catch_up()

    def _catch_up(self) -> None:
        self._storage.refresh()
        changes = self._storage.take_changes()
        if changes is None:
            self._reset_index()
            docs: Mapping[str, bytes] = self._storage.tables.get(JOBS, {})
            if not self._index_from_cache(docs):
                self._reset_index()
                self._index_all(docs)
        else:
            for table, doc_id, raw in changes:
                if table == JOBS:
                    self._index(doc_id, raw)
        if self._storage.damaged or self._damaged_docs:
            self._repair()

    def _index_all(self, docs: Mapping[str, bytes]) -> None:
        """Index a whole table into an empty index: _index's work without what only a change needs (an entry to
        replace, the next id worked out per document). Opening 100,000 jobs is this loop: ~10 µs a job."""
        entries, by_video, by_short, loads = self._entries, self._by_video, self._by_short, orjson.loads
        highest = 0
        unnamed: list[_Entry] = []
        for doc_id, raw in docs.items():
            try:
                doc = loads(raw)
                entry = _Entry(doc_id, doc)
            except (orjson.JSONDecodeError, TypeError, ValueError, AttributeError):
                self._damaged_docs[doc_id] = raw  # this one job, not the history: _repair keeps it aside
                continue
            if entry.local_id in entries:  # the same job twice (a damaged or hand-edited file): as a change would
                self._index(doc_id, raw)
                continue
            entries[entry.local_id] = entry
            if entry.video_id:
                by_video[str(entry.video_id)] = entry.local_id
            if entry.short_id and entry.short_id not in by_short:
                by_short[entry.short_id] = entry.local_id
            else:
                entry.short_id = ""
                unnamed.append(entry)
            if doc_id.isdigit() and int(doc_id) > highest:
                highest = int(doc_id)
        self._order = None
        self._next_id = max(self._next_id, highest + 1)
        if unnamed:
            self._name(unnamed)

    # --- short ids -------------------------------------------------------------------------------------
    def _free_short_id(self, local_id: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
        """The shortest short id of this local id that no other job has, nor any job's server id, nor one of
        `taken` (the names of jobs being added with it). Must hold the lock, synced: two processes adding at once
        each see the other's job."""
        by_short, by_video = self._by_short, self._by_video
        length = SHORT_ID_LENGTH
        while True:
            candidate = short_id_for(local_id, length)
            if by_short.get(candidate, local_id) == local_id and candidate not in by_video and candidate not in taken:
                return candidate
            if len(candidate) < length:  # the digest is used up: only a copy of this very local id gets here
                return candidate
            length += 1

    def _name(self, unnamed: list[_Entry]) -> None:
        """Short ids for jobs stored without one (written before short ids existed, or by such a version) or
        whose stored one another job holds: the same in every process that reads the same history. Each gets
        the local id's first SHORT_ID_LENGTH hex digits when no other job has them; those that share them are
        lengthened one at a time, oldest first."""
        by_short, by_video, entries = self._by_short, self._by_video, self._entries
        firsts: dict[str, _Entry] = {}
        shared: dict[str, list[_Entry]] = {}  # a list per job made opening 100,000 of them 50 ms slower
        for e in unnamed:
            if entries.get(e.local_id) is e and not e.short_id:  # not named meanwhile by a later copy of the job
                first = short_id_for(e.local_id)
                other = firsts.setdefault(first, e)
                if other is not e:
                    shared.setdefault(first, [other]).append(e)
        for first, e in firsts.items():
            if first in by_short or first in by_video:
                shared.setdefault(first, [e])
            elif first not in shared:
                e.short_id = first
                by_short[first] = e.local_id
        for group in shared.values():
            for e in sorted(group, key=lambda e: (e.created_at, e.local_id)):
                e.short_id = self._free_short_id(e.local_id)
                by_short[e.short_id] = e.local_id

    def _index(self, doc_id: str, raw: bytes | None) -> None:
        if raw is None:
            gone = next((e for e in self._entries.values() if e.doc_id == doc_id), None)
            if gone is not None:
                self._forget(gone)
            return
        try:
            entry = _Entry(doc_id, orjson.loads(raw))
        except (orjson.JSONDecodeError, TypeError, ValueError, AttributeError):
            self._damaged_docs[doc_id] = raw
            return
        old = self._entries.get(entry.local_id)
        if not entry.short_id or self._by_short.get(entry.short_id, entry.local_id) != entry.local_id:
            # an older sora-tui rewrote the job without its short id (it keeps the one it had), or a copied
            # document brought another job's
            entry.short_id = old.short_id if old is not None and old.short_id else self._free_short_id(entry.local_id)
        if old is not None and old.short_id != entry.short_id and self._by_short.get(old.short_id) == old.local_id:
            del self._by_short[old.short_id]
        if old is not None and old.created_at == entry.created_at:
            if old.video_id and old.video_id != entry.video_id:
                self._by_video.pop(old.video_id, None)
            if old.hay != entry.hay:
                self._haystack = None
            if old.group_id != entry.group_id:
                self._grouped = None
            for name in _Entry.__slots__:  # in place: the newest-first order stays valid
                setattr(old, name, getattr(entry, name))
            entry = old
        else:
            if old is not None:
                self._forget(old)
            self._entries[entry.local_id] = entry
            self._order = None
        if entry.video_id:
            self._by_video[str(entry.video_id)] = entry.local_id
        self._by_short[entry.short_id] = entry.local_id
        if doc_id.isdigit():
            self._next_id = max(self._next_id, int(doc_id) + 1)

    def _forget(self, entry: _Entry) -> None:
        self._entries.pop(entry.local_id, None)
        if entry.video_id and self._by_video.get(entry.video_id) == entry.local_id:
            self._by_video.pop(entry.video_id, None)
        if self._by_short.get(entry.short_id) == entry.local_id:
            del self._by_short[entry.short_id]
        self._order = None

    def _newest_first(self) -> list[_Entry]:
        if self._order is None:
            self._order = sorted(self._entries.values(), key=lambda e: e.created_at, reverse=True)
        return self._order

    def _job(self, entry: _Entry) -> Job:
        job = Job.from_doc(orjson.loads(self._storage.tables[JOBS][entry.doc_id]))
        job.short_id = entry.short_id  # the index's, for a job stored without one: the next write keeps it
        return job
