"""HistoryStore: every job ever made, durable on disk over TinyDB, safe across threads, processes and crashes."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import operator
import os
import shutil
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from tinydb import TinyDB

from ..core.cost import doc_cost
from ..core.i18n import _, ngettext, pgettext
from ..core.job import SCHEMA_VERSION, SHORT_ID_LENGTH, Job, is_short_id, short_id_for
from ..core.redact import needs_scrub, scrub
from ..core.status import ACTIVE, JobStatus
from ..core.text import one_line
from ..runtime import pause_gc, resume_gc
from .storage import (
    TMP_MARK,
    CorruptHistory,
    Docs,
    HistoryLock,
    JournaledStorage,
    parse_lines,
    remove_stale_temps,
    stat_key,
)

log = logging.getLogger(__name__)

JOBS = "jobs"
META = "meta"


class HistoryError(Exception):
    """The history cannot be used as asked; the message says why and what to do."""


class HistoryWriteError(HistoryError):
    """The history's files could not be written (a full or read-only disk): the change was not made."""


class JobNotFound(LookupError):
    def __init__(self, ref: str) -> None:
        super().__init__(_("No job matches {ref}; `sora-tui jobs` lists the ids.").format(ref=repr(one_line(ref, 80))))
        self.ref = ref


class AmbiguousJob(LookupError):
    def __init__(self, ref: str, candidates: list[Job], count: int | None = None) -> None:
        count = len(candidates) if count is None else count
        lines = [f"  {one_line(j.short_id)}  {one_line(j.params.prompt, 50)}" for j in candidates[:5]]
        if count > 5:
            lines.append("  " + _("… and {n} more").format(n=count - 5))
        super().__init__(ngettext("{ref} matches {n} job; give more of the id, or one of these:",
                                  "{ref} matches {n} jobs; give more of the id, or one of these:", count).format(
                                      ref=repr(one_line(ref, 80)), n=count) + "\n" + "\n".join(lines))
        self.ref = ref
        self.candidates = candidates


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


INDEX_CACHE_FORMAT = 4  # 3: the entries' short ids; 4: their costs
INDEX_CACHE_STALE_AFTER = 2_000  # documents changed in the journal since the cache was saved: close() saves it anew


class HistoryStore:
    """Every job, durable on disk (a TinyDB-format snapshot plus an fsynced journal), safe across threads,
    processes and crashes, and quick at 100,000 jobs: lookups and searches run on an in-memory index, a
    status change appends one journal line instead of rewriting the file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.recovery_note: str | None = None
        self._lock = HistoryLock(self.path.with_name(self.path.name + ".lock"))
        self._storage = JournaledStorage(self.path)
        self._entries: dict[str, _Entry] = {}  # local_id -> entry
        self._by_video: dict[str, str] = {}  # video_id -> local_id
        self._by_short: dict[str, str] = {}  # short_id -> local_id
        self._order: list[_Entry] | None = None  # newest first, rebuilt after adds and deletes
        # the order's texts joined, for text searches: (the order it was built for, [(bytes, each entry's start)])
        self._haystack: tuple[list[_Entry], list[tuple[bytes, list[int]]]] | None = None
        self._grouped: tuple[list[_Entry], dict[str, list[_Entry]]] | None = None  # likewise, the entries by group
        self._next_id = 1
        self._cached_at: int | None = None  # the journal position the index cache on disk stands at, if it is ours
        self._damaged_docs: dict[str, bytes] = {}  # job documents that did not decode, skipped until _repair
        with self._lock.held():
            remove_stale_temps(self.path)
            remove_stale_temps(self._storage.journal)
            remove_stale_temps(self._cache_path)
            self._recover_if_damaged()
            self._db = TinyDB(storage=_Adapter, adapter=self._storage)
            self._meta = self._db.table(META, cache_size=0)
            self._check_schema(write=True)
            self._backup()

    # --- opening, recovery, schema --------------------------------------------------------------
    def _recover_if_damaged(self) -> None:
        """Open the history whatever state its files are in, keeping every record that can still be read. A damaged
        journal line or job document costs that one line or document (kept aside; a document's copy in the backup
        is used where it is whole: _repair). A damaged snapshot is read line by line, merged with the backup, and
        the journal replayed on top (_restore_snapshot). recovery_note says what happened and what was kept."""
        for path in (self.path, self._storage.journal):
            if path.is_dir():
                raise HistoryError(_("{path} is a directory, but sora-tui keeps its history in a file of that name. "
                                     "Move the directory away, or set SORA_TUI_HOME to another directory; nothing "
                                     "was changed.").format(path=path))
        try:
            self._sync()
        except CorruptHistory as exc:
            self._restore_snapshot(str(exc))

    def _note(self, text: str) -> None:
        """Add to what the user is told about the recovery (in the interface's language; each caller logs its own
        English line, since the log is read in English whatever the interface's language)."""
        self.recovery_note = _("{note} {more}").format(note=self.recovery_note, more=text) if self.recovery_note \
            else text

    def _restore_snapshot(self, damage: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, kept)
        salvaged, unreadable = _salvage(kept)
        backup = _read_history_file(self._backup_path)
        tables = {name: dict(docs) for name, docs in (backup or {}).items()}
        for name, docs in salvaged.items():  # the damaged file is newer than its backup: its documents win
            tables.setdefault(name, {}).update(docs)
        if tables:
            JournaledStorage(self.path).replace_snapshot({name: Docs.of(docs) for name, docs in tables.items()})
        self._storage = JournaledStorage(self.path)
        self._reset_index()
        journal_before = self._journal_jobs()
        self._sync()  # the journal (changes since the damaged file was written) replays on top
        from_file = len(salvaged.get(JOBS, {}))
        from_backup = len(backup.get(JOBS, {}).keys() - salvaged.get(JOBS, {}).keys()) if backup else 0
        log.warning("history file damaged (%s), kept as %s; %d jobs now (%d from the damaged file, %d from the "
                    "backup%s, %d changed since in the journal); %d damaged lines unreadable", damage, kept.name,
                    len(self._entries), from_file, from_backup, "" if backup else " (none usable)", journal_before,
                    unreadable)
        sources = [_("{n} read from the damaged file").format(n=from_file) if from_file else "",
                   _("{n} restored from the backup {name}").format(n=from_backup, name=self._backup_path.name)
                   if from_backup else "",
                   _("{n} changed since, from the journal").format(n=journal_before) if journal_before else ""]
        found = pgettext("list separator", ", ").join(x for x in sources if x)
        held = len(self._entries)
        fields = {"damage": damage, "kept": kept.name, "n": held, "found": found}
        if found and backup:
            note = ngettext("The history file was damaged ({damage}). It was kept as {kept}; the history now holds "
                            "{n} job ({found}).",
                            "The history file was damaged ({damage}). It was kept as {kept}; the history now holds "
                            "{n} jobs ({found}).", held)
        elif found:
            note = ngettext("The history file was damaged ({damage}). It was kept as {kept} (no usable backup "
                            "exists); the history now holds {n} job ({found}).",
                            "The history file was damaged ({damage}). It was kept as {kept} (no usable backup "
                            "exists); the history now holds {n} jobs ({found}).", held)
        elif backup:
            note = ngettext("The history file was damaged ({damage}). It was kept as {kept}; the history now holds "
                            "{n} job, a new, empty history.",
                            "The history file was damaged ({damage}). It was kept as {kept}; the history now holds "
                            "{n} jobs, a new, empty history.", held)
        else:
            note = ngettext("The history file was damaged ({damage}). It was kept as {kept} (no usable backup "
                            "exists); the history now holds {n} job, a new, empty history.",
                            "The history file was damaged ({damage}). It was kept as {kept} (no usable backup "
                            "exists); the history now holds {n} jobs, a new, empty history.", held)
        note = note.format(**fields)
        if unreadable:
            note = _("{note} {more}").format(note=note, more=ngettext(
                "{n} damaged line could not be read.", "{n} damaged lines could not be read.", unreadable).format(
                    n=unreadable))
        self._note(note)

    def _journal_jobs(self) -> int:
        """How many jobs the journal (as it is on disk) changes: for the recovery note."""
        try:
            with open(self._storage.journal, "rb") as fh:
                return len({line[:80].split(b',"doc"')[0] for line in fh if line.startswith(b'{"t":"jobs"')})
        except OSError:
            return 0

    def _repair(self) -> None:
        """Damaged journal lines and job documents found while reading (each skipped): kept aside in a file of their
        own, each document replaced by its copy in the backup where that is whole, and the journal folded into a
        new snapshot so that no process meets them again."""
        lines, docs = self._storage.damaged, self._damaged_docs
        self._storage.damaged, self._damaged_docs = [], {}
        kept = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        restored = 0
        try:
            fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "ab") as fh:
                for at, line in lines:
                    fh.write(b"journal line at byte %d: " % at + line + b"\n")
                for doc_id, raw in docs.items():
                    fh.write(b"job document %s: " % doc_id.encode() + raw + b"\n")
            if docs:
                older = (_read_history_file(self._backup_path) or {}).get(JOBS, {})
                table = self._storage.tables.get(JOBS)
                for doc_id in docs:
                    if doc_id in older and table is not None:
                        table[doc_id] = older[doc_id]
                        self._index(doc_id, older[doc_id])
                        restored += 1
                    elif table is not None:
                        table.pop(doc_id, None)
            self._storage.compact()
            self._backup()
            self._save_index_cache()
        except OSError as exc:  # a read-only or full disk: the history is read as well as it can be, and says so
            log.warning("damaged history entries could not be set aside (%s); they were skipped", exc)
            self._note(_("The history has damaged entries that could not be set aside ({reason}); they were "
                         "skipped.").format(reason=exc.strerror or exc))
            return
        what = []
        if lines:
            what.append(ngettext("{n} damaged journal line (a change each)", "{n} damaged journal lines (a change each)",
                                 len(lines)).format(n=len(lines)))
        if docs:
            what.append(ngettext("{n} damaged job document, {restored} of them restored from the backup",
                                 "{n} damaged job documents, {restored} of them restored from the backup",
                                 len(docs)).format(n=len(docs), restored=restored) if restored else
                        ngettext("{n} damaged job document", "{n} damaged job documents", len(docs)).format(n=len(docs)))
        log.warning("history: %d damaged journal lines, %d damaged job documents (%d restored from the backup) "
                    "kept in %s; %d jobs read", len(lines), len(docs), restored, kept.name, len(self._entries))
        damage = what[0] if len(what) == 1 else _("{first} and {second}").format(first=what[0], second=what[1])
        self._note(ngettext("The history had {damage}; it was kept in {kept}, and everything else was read: {jobs}.",
                            "The history had {damage}; they were kept in {kept}, and everything else was read: "
                            "{jobs}.", len(lines) + len(docs)).format(
                                damage=damage, kept=kept.name,
                                jobs=ngettext("{n} job", "{n} jobs", len(self._entries)).format(n=len(self._entries))))

    @property
    def _backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def _backup(self) -> None:
        """A copy of the snapshot as it is now (the journal replays on top of either); skipped when current, and
        never over a backup that holds more jobs than the snapshot: jobs are never removed in use, so such a
        snapshot is damaged or not ours, and the backup is what a recovery needs."""
        try:
            snap, bak = self.path.stat(), self._backup_path.stat()
            if bak.st_size == snap.st_size and bak.st_mtime_ns >= snap.st_mtime_ns:
                return  # copying 100 MB at every start for nothing would double the time to open
            held, have = _count_jobs(self._backup_path), _count_jobs(self.path)
            if held is not None and have is not None and held > have:
                log.warning("%s holds %d jobs, the history %d: the backup is kept", self._backup_path, held, have)
                return
        except FileNotFoundError:
            if not self.path.exists():
                return
        tmp = self._backup_path.with_name(self._backup_path.name + ".tmp")
        try:
            shutil.copyfile(self.path, tmp)
            os.replace(tmp, self._backup_path)
        except OSError:
            pass  # a backup is a convenience; never fail a write because of it

    @property
    def schema_version(self) -> int:
        with self._lock.held():
            docs = self._meta.all()
            return int(docs[0].get("schema", SCHEMA_VERSION)) if docs else SCHEMA_VERSION

    def _check_schema(self, write: bool) -> None:
        docs = self._meta.all()
        stored = int(docs[0].get("schema", 0)) if docs else None
        if stored is not None and stored > SCHEMA_VERSION:
            raise HistoryError(
                _("{path} was written by a newer sora-tui (history schema {stored}, this one knows {known}). Upgrade "
                  "sora-tui; the file was not changed.").format(path=self.path, stored=stored, known=SCHEMA_VERSION)
            )
        if write and stored != SCHEMA_VERSION:
            self._meta.truncate()
            self._meta.insert({"schema": SCHEMA_VERSION, "created": time.time()})

    # --- the index ----------------------------------------------------------------------------------
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
            docs = self._storage.tables.get(JOBS, {})
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

    # --- the index cache: the index as it stood at a journal position, so opening need not decode every job ---
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
                    (amount, billed, created_at, doc_id, group_id, hay, local_id, model, parent_id, profile, short_id,
                     starred, status, updated_at, video_id) = loads(line)
                    read += 1
                    if (type(doc_id) is not str or type(local_id) is not str or type(hay) is not str
                            or type(status) is not str or type(model) is not str or type(profile) is not str
                            or type(created_at) is not float or type(updated_at) is not float or type(starred) is not bool
                            or type(short_id) is not str or not short_id or type(billed) is not bool
                            or (amount is not None and type(amount) is not float)):
                        return False  # not what _Entry makes: queries would compare and search the wrong things
                    if doc_id in again:
                        continue
                    doc_id = own.get(doc_id)
                    if doc_id is None or local_id in entries or short_id in by_short:
                        return False
                    e = new(_Entry)
                    (e.amount, e.billed, e.created_at, e.doc_id, e.group_id, e.hay, e.local_id, e.model, e.parent_id,
                     e.profile, e.short_id, e.starred, e.status, e.updated_at, e.video_id) = (
                        amount, billed, created_at, doc_id, group_id, hay, local_id, model, parent_id, profile, short_id,
                        starred, status, updated_at, video_id)
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

    @staticmethod
    def _secret_free(doc: dict[str, Any]) -> dict[str, Any]:
        """The document as it may be stored: no key this process knows (a server may echo one in an error), no
        key-shaped token, no value in a field named like a secret. Redacted, never refused: a prompt that says
        "secret" or a server's "Authorization failed…" is ordinary text, and refusing it stopped tracking."""
        return scrub(doc) if needs_scrub(orjson.dumps(doc)) else doc

    def _write(self, doc_id: str, doc: dict[str, Any] | None) -> None:
        self._write_many([(doc_id, doc)])

    def _write_many(self, changes: list[tuple[str, dict[str, Any] | None]]) -> None:
        self._check_schema_unchanged()
        try:
            self._storage.append_many(JOBS, changes)
        except OSError as exc:
            raise HistoryWriteError(
                _("The history in {folder} cannot be written ({reason}); the change was not saved. Free some space "
                  "there, or set SORA_TUI_HOME to another directory.").format(folder=self.path.parent,
                                                                            reason=exc.strerror or exc)) from None
        self._sync()
        if self._storage.needs_compaction():
            try:
                self._storage.compact()
            except OSError as exc:  # the change itself is durable in the journal; folding it waits for space
                log.warning("compaction of %s put off: %s", self.path, exc)
                return
            self._backup()
            self._sync()
            self._save_index_cache()

    def _check_schema_unchanged(self) -> None:
        meta = self._storage.tables.get(META, {})
        for raw in meta.values():
            stored = int(orjson.loads(raw).get("schema", 0))
            if stored > SCHEMA_VERSION:
                raise HistoryError(_("{path} was written by a newer sora-tui (history schema {stored}); this one "
                                     "will not change it.").format(path=self.path, stored=stored))

    # --- writing ----------------------------------------------------------------------------------
    def add(self, job: Job) -> None:
        """Store a new job, naming it: its short id (set on `job` too) is chosen here, under the lock, so that
        no other job in the history, whichever process added it, has it."""
        self.add_many([job])

    def add_many(self, jobs: list[Job], admit: Callable[[list[_Entry]], None] | None = None) -> None:
        """Store new jobs together (one write), after `admit` (a budget check) has seen every job in the history,
        whichever process wrote it, and not raised. Both under the lock: two processes cannot both pass a check
        that allows only one of them, and a refused submission writes nothing."""
        docs = [self._secret_free(job.to_doc()) for job in jobs]
        with self._lock.held():
            self._sync()
            for job in jobs:
                if job.local_id in self._entries:
                    raise HistoryError(_("Job {id} is already in the history.").format(id=job.local_id))
            if admit is not None:
                admit(list(self._entries.values()))
            changes: list[tuple[str, dict[str, Any] | None]] = []
            names: set[str] = set()
            for n, (job, doc) in enumerate(zip(jobs, docs, strict=True)):
                name = self._free_short_id(job.local_id, taken=names)
                names.add(name)
                doc["short_id"] = job.short_id = name
                changes.append((str(self._next_id + n), doc))
            self._write_many(changes)

    def spending(self) -> list[_Entry]:
        """Every job as the ledger reads it (core.ledger.Row: when, profile, model, status, cost), from the index:
        nothing is decoded."""
        with self._lock.held():
            self._sync()
            return list(self._entries.values())

    def mutate(self, local_id: str, fn: Callable[[Job], None]) -> Job:
        with self._lock.held():
            self._sync()
            entry = self._entries.get(local_id)
            if entry is None:
                raise KeyError(local_id)
            job, doc = self._edited(entry, fn, time.time())
            self._write(entry.doc_id, doc)
            return job

    def update(self, local_id: str, **fields: Any) -> Job:
        updated = self.update_many({local_id: fields})
        if local_id not in updated:
            raise KeyError(local_id)
        return updated[local_id]

    def update_many(self, fields_by_job: dict[str, dict[str, Any]]) -> dict[str, Job]:
        """Several jobs' updates made durable together (one journal write, one fsync). Jobs no longer in the
        history (deleted meanwhile, by another process) are left out of the answer rather than failing the rest."""
        for fields in fields_by_job.values():
            unknown = [k for k in fields if k not in Job.__dataclass_fields__]
            if unknown:
                raise HistoryError(_("Unknown job field(s): {fields}").format(fields=", ".join(unknown)))

        def setter(fields: dict[str, Any]) -> Callable[[Job], None]:
            def apply(job: Job) -> None:
                for key, value in fields.items():
                    setattr(job, key, value)
            return apply

        with self._lock.held():
            self._sync()
            now = time.time()
            updated: dict[str, Job] = {}
            changes: list[tuple[str, dict[str, Any] | None]] = []
            for local_id, fields in fields_by_job.items():
                entry = self._entries.get(local_id)
                if entry is not None:
                    updated[local_id], doc = self._edited(entry, setter(fields), now)
                    changes.append((entry.doc_id, doc))
            if changes:
                self._write_many(changes)
            return updated

    def _edited(self, entry: _Entry, fn: Callable[[Job], None], now: float) -> tuple[Job, dict[str, Any]]:
        """The entry's job changed by fn, stamped, and the document to store (without secrets)."""
        job = self._job(entry)
        fn(job)
        job.updated_at = now
        whole = job.to_doc()
        doc = self._secret_free(whole)
        if doc is not whole:
            job = Job.from_doc(doc)  # what the caller goes on with is what was stored
        return job, doc

    def delete(self, local_id: str) -> None:
        with self._lock.held():
            self._sync()
            entry = self._entries.get(local_id)
            if entry is None:
                raise KeyError(local_id)
            self._write(entry.doc_id, None)

    # --- reading ----------------------------------------------------------------------------------
    def all(self) -> list[Job]:
        """Every job, newest first. O(n) decoding: at large sizes prefer query(limit=...) or the lookups."""
        with self._lock.held():
            self._sync()
            return [self._job(e) for e in self._newest_first()]

    def __len__(self) -> int:
        with self._lock.held():
            self._sync()
            return len(self._entries)

    def get(self, local_id: str) -> Job | None:
        with self._lock.held():
            self._sync()
            entry = self._entries.get(local_id)
            return self._job(entry) if entry is not None else None

    def by_video_id(self, video_id: str) -> Job | None:
        with self._lock.held():
            self._sync()
            local_id = self._by_video.get(video_id)
            return self._job(self._entries[local_id]) if local_id in self._entries else None

    def updated_after(self, when: float) -> list[Job]:
        """Jobs written (by any process) after `when`, oldest change first."""
        with self._lock.held():
            self._sync()
            hits = [e for e in self._entries.values() if e.updated_at > when]
            hits.sort(key=lambda e: e.updated_at)
            return [self._job(e) for e in hits]

    def facets(self) -> dict[str, list[str]]:
        """The models and profiles that occur in the history (for the history browser's filters)."""
        with self._lock.held():
            self._sync()
            models = {e.model for e in self._entries.values() if e.model}
            profiles = {e.profile for e in self._entries.values() if e.profile}
        return {"model": sorted(models), "profile": sorted(profiles)}

    def lineage(self, local_id: str) -> tuple[list[Job], list[tuple[int, Job]]]:
        """Where a job came from (oldest ancestor first) and what was made from it (depth, job), depth first."""
        with self._lock.held():
            self._sync()
            entry = self._entries.get(local_id)
            if entry is None:
                return [], []
            ancestors: list[_Entry] = []
            seen = {local_id}
            parent = self._entries.get(entry.parent_id) if entry.parent_id else None
            while parent is not None and parent.local_id not in seen:
                seen.add(parent.local_id)
                ancestors.append(parent)
                parent = self._entries.get(parent.parent_id) if parent.parent_id else None
            kids: dict[str, list[_Entry]] = {}
            for e in self._entries.values():
                if e.parent_id:
                    kids.setdefault(e.parent_id, []).append(e)
            below: list[tuple[int, _Entry]] = []

            def walk(node: str, depth: int) -> None:
                for child in sorted(kids.get(node, ()), key=lambda e: e.created_at):
                    if child.local_id in seen or len(below) >= 200:
                        continue
                    seen.add(child.local_id)
                    below.append((depth, child))
                    walk(child.local_id, depth + 1)

            walk(local_id, 1)
            return [self._job(e) for e in reversed(ancestors)], [(d, self._job(e)) for d, e in below]

    def answered_times(self, video_ids: Iterable[str]) -> dict[str, float]:
        """When the create of each of these videos was answered by the server (our clock), for those the history
        holds with such a time: not imported ones, nor those whose answer was lost and which were found later."""
        with self._lock.held():
            self._sync()
            out: dict[str, float] = {}
            for video_id in video_ids:
                local_id = self._by_video.get(video_id)
                if local_id is None or local_id not in self._entries:
                    continue
                job = self._job(self._entries[local_id])
                if job.submitted_at and not job.extra.get("reconciled"):
                    out[video_id] = job.submitted_at
            return out

    def video_ids(self) -> set[str]:
        with self._lock.held():
            self._sync()
            return set(self._by_video)

    def resolve(self, ref: str) -> Job:
        """A job by short id, server id or local id, whole or an unambiguous prefix (exact matches win). A whole
        id is looked up in the index's maps, as quick at 100,000 jobs as at ten; a prefix is a pass over the
        index (nothing decoded)."""
        ref = (ref or "").strip()
        if not ref:
            raise JobNotFound(ref)
        with self._lock.held():
            self._sync()
            entries = self._entries
            owners = {self._by_short.get(ref), self._by_video.get(ref), ref if ref in entries else None}
            exact = sorted((entries[i] for i in owners if i in entries), key=lambda e: e.created_at, reverse=True)
            found = exact or [e for e in self._newest_first() if e.short_id.startswith(ref)
                              or (e.video_id or "").startswith(ref) or e.local_id.startswith(ref)]
            jobs = [self._job(e) for e in found[:6]]
            count = len(found)
        if not jobs:
            raise JobNotFound(ref)
        if count > 1:
            raise AmbiguousJob(ref, jobs, count)
        return jobs[0]

    def active(self) -> list[Job]:
        wanted = {s.value for s in ACTIVE} | {JobStatus.UNCERTAIN.value}
        with self._lock.held():
            self._sync()
            return [self._job(e) for e in self._newest_first() if e.status in wanted]

    def children(self, local_id: str) -> list[Job]:
        with self._lock.held():
            self._sync()
            return [self._job(e) for e in self._newest_first() if e.parent_id == local_id]

    def query(self, **filters: Any) -> list[Job]:
        """The matching jobs themselves: search(...).jobs, with the same filters, sort and limit."""
        return self.search(**filters).jobs

    def search(
        self,
        *,
        status: str | Iterable[str] | None = None,
        text: str | None = None,
        model: str | None = None,
        starred: bool | None = None,
        profile: str | None = None,
        group_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        sort: str = "created_at",
        descending: bool = True,
        limit: int | None = None,
        decode: int | None = None,
    ) -> SearchResult:
        """The jobs that match every filter given (text: in the prompt, tags or notes, any case), sorted, at most
        `limit` of them. Only those returned are decoded. In date order the search stops at the limit (`matched` is
        then None, more than the limit match, unless no filter was given: then it is every job); in another order every
        match is counted and sorted. With `decode`, only that many are decoded; the ids of the rest follow in `later`
        (get_many reads them when they are wanted)."""
        statuses = {status} if isinstance(status, str) else (set(status) if status is not None else None)
        needle = text.casefold() if text else None
        by_date = sort == "created_at"
        by_index = _INDEX_SORTS.get(sort)
        if not by_date and by_index is None:
            _sort_key(sort)  # refuse an unknown field before doing any work
        checks = [(name, value) for name, value in (("model", model), ("starred", starred), ("profile", profile),
                                                   ("group_id", group_id)) if value is not None]
        with self._lock.held():
            self._sync()
            order = self._newest_first()
            oldest_first = by_date and not descending
            if needle is not None:
                candidates: Iterable[_Entry] = self._text_hits(needle, oldest_first)
            elif group_id is not None:  # a job's sibling takes, for the history's lineage pane at every move
                members = self._groups().get(group_id, [])
                candidates = reversed(members) if oldest_first else members
            else:
                candidates = reversed(order) if oldest_first else order
            picked: list[_Entry] = []
            stopped = False
            for e in candidates:
                if statuses is not None and e.status not in statuses:
                    continue
                if since is not None and e.created_at < since:
                    continue
                if until is not None and e.created_at > until:
                    continue
                if checks and any(getattr(e, name) != value for name, value in checks):
                    continue
                if by_date and limit is not None and len(picked) >= limit:
                    stopped = True  # already in order: one more than the limit says there are more
                    break
                picked.append(e)
            unfiltered = needle is None and statuses is None and since is None and until is None and not checks
            matched = len(order) if unfiltered else None if stopped else len(picked)
            if by_index is not None:
                picked.sort(key=by_index, reverse=descending)
                picked = picked[:limit] if limit is not None else picked
            if by_date or by_index is not None:  # in order already: decode only the first `decode`
                cut = len(picked) if decode is None else decode
                jobs, later = [self._job(e) for e in picked[:cut]], [e.local_id for e in picked[cut:]]
            else:
                jobs, later = [self._job(e) for e in picked], []
        if not by_date and by_index is None:
            jobs.sort(key=_sort_key(sort), reverse=descending)
            jobs = jobs[:limit] if limit is not None else jobs
            if decode is not None:
                jobs, later = jobs[:decode], [j.local_id for j in jobs[decode:]]
        return SearchResult(jobs, matched, later)

    def get_many(self, local_ids: Iterable[str]) -> list[Job]:
        """These jobs, in this order; those no longer in the history are left out."""
        with self._lock.held():
            self._sync()
            entries = self._entries
            return [self._job(entries[i]) for i in local_ids if i in entries]

    def _text_hits(self, needle: str, oldest_first: bool) -> Iterator[_Entry]:
        """The entries whose prompt, tags or notes hold `needle` (casefolded), newest first (or oldest first).

        Found with bytes.find over the entries' texts joined a few thousand at a time (C speed: ~6 ms through
        100,000 prompts when nothing matches, where `needle in e.hay` per entry took 15-40 ms), each hit mapped back
        to its entry by offset. In pieces, not one 20 MB string: a find or a join holds the GIL throughout, and
        the event loop waits behind it (one join of all of them held it 23 ms)."""
        order, pieces = self._newest_first(), self._haystack_pieces()
        want = needle.encode()
        n = len(want)
        if not n:
            yield from (reversed(order) if oldest_first else order)
            return
        for k in (range(len(pieces) - 1, -1, -1) if oldest_first else range(len(pieces))):
            joined, starts = pieces[k]
            base = k * HAYSTACK_PIECE
            if oldest_first:
                end = len(joined)
                while (pos := joined.rfind(want, 0, end)) >= 0:
                    i = bisect_right(starts, pos) - 1
                    if pos + n < starts[i + 1]:  # inside entry i (not across the separator after it)
                        yield order[base + i]
                        end = max(0, starts[i] - 1)
                    else:
                        end = pos + n - 1
                continue
            pos = joined.find(want)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                if pos + n < starts[i + 1]:
                    yield order[base + i]
                    pos = joined.find(want, starts[i + 1])
                else:
                    pos = joined.find(want, pos + 1)

    def _groups(self) -> dict[str, list[_Entry]]:
        """Each group's entries, newest first (a scan of 100,000 entries for one group took 45 ms)."""
        order = self._newest_first()
        if self._grouped is None or self._grouped[0] is not order:
            groups: dict[str, list[_Entry]] = {}
            for e in order:
                if e.group_id:
                    groups.setdefault(e.group_id, []).append(e)
            self._grouped = (order, groups)
        return self._grouped[1]

    def _haystack_pieces(self) -> list[tuple[bytes, list[int]]]:
        """The text search's haystack for the current order, built when the order or a text changed."""
        order = self._newest_first()
        if self._haystack is None or self._haystack[0] is not order:
            self._haystack = (order, _haystack(order))
        return self._haystack[1]

    def prepare_search(self) -> None:
        """Build what a text search needs now (a thread's work, before the first keystroke) rather than at it."""
        with self._lock.held():
            self._sync()
            self._haystack_pieces()

    def export(self, fmt: str = "jsonl", chunk: int = 500) -> Iterator[str]:
        """Every job, newest first: JSON lines (exactly the stored data; what a terminal would act on is
        written as JSON escapes) or CSV (controls made visible, formulas neutralised: core/text.py csv_cell),
        one line at a time. The jobs are read `chunk` at a time, so an export holds that many in memory, not
        the whole history (exporting 50,000 jobs decoded at once peaked at 240 MB; read this way, 113 MB)."""
        from ..core.text import csv_cell, json_for_terminal

        if fmt not in ("jsonl", "csv"):
            raise HistoryError(_("Unknown export format {format}; use jsonl or csv.").format(format=repr(fmt)))
        ids = self.search(decode=0).later
        chunks = (self.get_many(ids[at:at + chunk]) for at in range(0, len(ids), chunk))
        if fmt == "jsonl":
            for jobs in chunks:
                for job in jobs:
                    doc = job.to_doc()
                    doc["id"] = job.video_id
                    yield json_for_terminal(json.dumps(doc, ensure_ascii=False))
            return
        header = ["local_id", "video_id", "status", "model", "size", "seconds", "prompt", "created_at",
                  "cost_estimate", "video_path", "sha256"]
        yield _csv_line(header)
        for jobs in chunks:
            for job in jobs:
                video = job.file("video")
                yield _csv_line([csv_cell(value) for value in (
                    job.local_id, job.video_id or "", job.status.value, job.params.model, job.params.size,
                    job.params.seconds, job.params.prompt,
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(job.created_at)),
                    "" if job.cost_estimate is None else f"{job.cost_estimate:.2f}",
                    video.path if video else "", video.sha256 if video else "",
                )])

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
            since = self._cached_at
            if since is None or not self._cache_path.is_file() or sum(
                    1 for (table, _), end in self._storage.touched.items()
                    if table == JOBS and end > since) >= INDEX_CACHE_STALE_AFTER:
                self._save_index_cache()
        self._db.close()


class SearchResult(NamedTuple):
    jobs: list[Job]
    matched: int | None  # how many matched in all; None: more than the limit (the search stopped there)
    later: Sequence[str] = ()  # the local ids of the matches after `jobs`, in order, not decoded (search(decode=...))


_INDEX_SORTS: dict[str, Callable[[_Entry], Any]] = {  # sorts the index can do without decoding a job
    "status": operator.attrgetter("status"), "model": operator.attrgetter("model"),
    # what each job costs by the one rule (core.cost), as the tables show it: unknown below free and not billed
    "cost": lambda e: e.amount if e.amount is not None else -1.0,
}


HAYSTACK_PIECE = 2_048  # entries joined per piece of the text search's haystack (~400 kB of prompts)


def _haystack(order: list[_Entry]) -> list[tuple[bytes, list[int]]]:
    """The entries' texts as UTF-8 (so a prompt with one emoji does not make all of it four bytes a character),
    NUL-separated, HAYSTACK_PIECE entries a piece, with where each entry starts in its piece and one more start
    marking the piece's end."""
    pieces = []
    for at in range(0, len(order), HAYSTACK_PIECE):
        texts = [e.hay.encode() for e in order[at:at + HAYSTACK_PIECE]]
        pieces.append((b"\0".join(texts), list(accumulate((len(t) + 1 for t in texts), initial=0))))
    return pieces


def _sort_key(field: str) -> Callable[[Job], Any]:
    if field in ("model", "size", "seconds", "prompt"):
        return lambda j: getattr(j.params, field)
    if field == "status":
        return lambda j: j.status.value
    if field not in Job.__dataclass_fields__:
        raise HistoryError(_("Cannot sort by {field}.").format(field=repr(field)))
    return lambda j: (getattr(j, field) is None, getattr(j, field) or 0)


def _csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue()


def _salvage(path: Path) -> tuple[dict[str, dict[str, bytes]], int]:
    """Every whole document of a damaged snapshot written one per line (as compact() writes them), by table, and
    how many lines could not be read. A file laid out otherwise (one line, plain TinyDB) gives nothing."""
    tables: dict[str, dict[str, bytes]] = {}
    current: dict[str, bytes] | None = None
    unreadable = 0
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed below; only opening may fail)
    except OSError:
        return {}, 0
    with fh:
        for raw_line in fh:
            line = raw_line.strip()
            if not line:
                continue
            head = line.lstrip(b"{")
            if head.startswith(b'"') and head.endswith(b": {"):
                with contextlib.suppress(orjson.JSONDecodeError):
                    current = tables.setdefault(str(orjson.loads(head[:-3])), {})
                    continue
            if line in (b"}", b"},", b"}}"):
                current = None
                continue
            key_end = line.find(b'": ')
            try:
                if current is None or not line.startswith(b'"') or key_end < 0:
                    raise ValueError(line[:40])
                doc_id = orjson.loads(line[:key_end + 1])
                body = line[key_end + 3:].rstrip(b",")
                doc = orjson.loads(body)
                if not isinstance(doc, dict) or not isinstance(doc_id, str):
                    raise TypeError(doc_id)
                if current is tables.get(JOBS) and not isinstance(doc.get("local_id"), str):
                    raise TypeError(doc_id)
            except (orjson.JSONDecodeError, ValueError, TypeError):
                unreadable += 1
                continue
            current[doc_id] = body
    return tables, unreadable


def _read_history_file(path: Path) -> dict[str, dict[str, bytes]] | None:
    """The readable documents of a history snapshot (the backup), by table; None when there is no such file or
    nothing in it can be read."""
    if not path.is_file():
        return None
    tables, _unreadable = _salvage(path)
    if tables:
        return tables
    try:  # the one-document layout of plain TinyDB and older versions
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    return {str(name): {str(k): orjson.dumps(v) for k, v in docs.items() if isinstance(v, dict)}
            for name, docs in data.items() if isinstance(docs, dict)} or None


def _count_jobs(path: Path) -> int | None:
    """How many jobs a snapshot holds, from its layout alone (nothing decoded); None when it is laid out otherwise."""
    try:
        with open(path, "rb") as fh:
            tables = parse_lines(fh, None)
    except OSError:
        return None
    return None if tables is None else len(tables.get(JOBS, ()))


class _Adapter:
    """Lets TinyDB use an already-built storage instance (TinyDB wants a class and its arguments)."""

    def __new__(cls, adapter: JournaledStorage) -> JournaledStorage:  # type: ignore[misc]
        return adapter
