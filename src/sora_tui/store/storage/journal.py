"""The journaled storage: the TinyDB storage that loads the snapshot, replays the journal of changes since on top,
appends each change as one fsynced line, and folds the journal into a new snapshot (compaction)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from ...durable import fsync_dir
from .files import TMP_MARK, read_all, stat_key, write_all
from .snapshot import SNAPSHOT_HEAD, Docs, SnapshotFile, parse_lines, parse_snapshot, write_snapshot


class JournaledStorage(Storage):
    """A TinyDB storage that stays fast and crash-safe at 100,000 jobs: a snapshot plus an append-only journal.

    - `history.json` is a TinyDB-format snapshot ({"jobs": {"1": {...}}, "meta": {...}}), written one
      document per line so it can be loaded without building one giant object, and replaced atomically
      (temp file + fsync + rename + directory fsync) when compacted.
    - `history.json.journal` holds one JSON line per change since the snapshot; a change is durable once
      its line is fsynced (well under a millisecond here), whatever the size of the history.
    - Documents are JSON bytes that callers decode when they need them. A document as the snapshot holds it
      stays in the file (read back by its place there, see `Docs`); only those changed since, from the
      journal, are held in memory. `changes` lists (table, doc_id, bytes or None) applied since the caller
      last asked.
    - A torn last line (a writer killed mid-append) is ignored by readers and cut off by the next
      writer; the snapshot is always whole.

    TinyDB's own read()/write() work too (used for the small `meta` table): read() returns the tables
    with `jobs` as a lazily decoded mapping; write() compacts. Every call must hold the HistoryLock.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.journal = path.with_name(path.name + ".journal")
        self.tables: dict[str, Docs] = {}
        self.writes = 0
        self.changes: list[tuple[str, str, bytes | None]] | None = None  # None: reloaded whole since last asked
        # (table, doc_id) -> the journal position just after the last line that changed it, since the snapshot
        # was loaded: what an index saved at some journal position has to take again (HistoryStore's index cache)
        self.touched: dict[tuple[str, str], int] = {}
        # Whole journal lines that do not parse (a disk's damage, not a writer killed mid-line), skipped as they are
        # read: (byte offset, the line). The history keeps them aside and folds the journal (HistoryStore._repair).
        self.damaged: list[tuple[int, bytes]] = []
        self._snap_key: tuple[int, int, int] | None = ("unread",)  # type: ignore[assignment]
        self._journal_ino: int | None = None
        self._journal_pos = 0
        self._journal_lines = 0
        self._snap_size = 0

    # --- reading ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring the in-memory tables up to date with the files (another process may have written)."""
        if stat_key(self.path) != self._snap_key:
            self._load_snapshot()
        self._read_journal()

    def _load_snapshot(self) -> None:
        self.tables, self._journal_ino, self._journal_pos, self._journal_lines = {}, None, 0, 0
        self.changes, self.touched = None, {}
        # Until the file has been read whole, it has not been read: a damaged file fails every call that looks at it,
        # not only the first (the next would have found the file "unchanged" and the history empty).
        self._snap_key, self._snap_size = ("unread",), 0  # type: ignore[assignment]
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 (closed by the with below; only opening may find no file)
        except FileNotFoundError:
            self._snap_key = None
            return
        with fh:
            st = os.fstat(fh.fileno())  # the file as opened, whatever replaces it meanwhile
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
            if fh.read(len(SNAPSHOT_HEAD)) == SNAPSHOT_HEAD:
                fh.seek(0)
                # Line by line straight from the file, keeping each document's place, not its bytes.
                fast = parse_lines(fh, SnapshotFile(os.dup(fh.fileno()), str(self.path)))
                if fast is not None:
                    self.tables, self._snap_key, self._snap_size = fast, key, st.st_size
                    return
            fh.seek(0)
            raw = fh.read()
        # Never written by sora-tui (a new history is created whole, with its tables, by a rename): an empty file or
        # one without tables is damage, and taking it for a new history would let the next write bury the backup.
        self.tables = parse_snapshot(raw, self.path)
        self._snap_key, self._snap_size = key, st.st_size

    def _read_journal(self) -> None:
        try:
            fd = os.open(self.journal, os.O_RDONLY)
        except FileNotFoundError:
            self._journal_ino, self._journal_pos = None, 0
            return
        try:
            st = os.fstat(fd)
            if st.st_ino != self._journal_ino or st.st_size < self._journal_pos:
                if self._journal_ino is not None and self._journal_pos:
                    self._load_snapshot()  # replaced under us: replay it whole
                self._journal_ino, self._journal_pos, self._journal_lines = st.st_ino, 0, 0
            if st.st_size == self._journal_pos:
                return
            os.lseek(fd, self._journal_pos, os.SEEK_SET)
            chunk = read_all(fd, st.st_size - self._journal_pos)
        finally:
            os.close(fd)
        end = chunk.rfind(b"\n") + 1  # a torn last line stays unread until it is whole (or cut off)
        pos = self._journal_pos
        for line in chunk[:end].split(b"\n")[:-1]:
            pos += len(line) + 1
            if line:
                self._apply_line(line, pos)
        self._journal_pos += end

    def _apply_line(self, line: bytes, end: int) -> None:
        try:
            entry = orjson.loads(line)
            table, doc_id = str(entry["t"]), str(entry["id"])
            doc = None if entry.get("del") else orjson.dumps(entry["doc"])
            if doc is not None and not doc.startswith(b"{"):
                raise TypeError("the document is not an object")
        except (orjson.JSONDecodeError, KeyError, TypeError):
            # One damaged line costs that one change, never the lines around it (where recent work is).
            self.damaged.append((end - len(line) - 1, line))
            return
        self._set(table, doc_id, doc)
        self.touched[(table, doc_id)] = end
        self._journal_lines += 1

    def _set(self, table: str, doc_id: str, doc: bytes | None) -> None:
        docs = self.tables.get(table)
        if docs is None:
            docs = self.tables[table] = Docs()
        if doc is None:
            docs.pop(doc_id, None)
        else:
            docs[doc_id] = doc
        if self.changes is not None:
            self.changes.append((table, doc_id, doc))

    def take_changes(self) -> list[tuple[str, str, bytes | None]] | None:
        """What changed since the last call, or None when the tables were reloaded whole."""
        changes, self.changes = self.changes, []
        return changes

    # --- writing ------------------------------------------------------------------------------------
    def append(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Make one document change durable: one fsynced journal line, O(1) in the size of the history."""
        self.append_many(table, [(doc_id, doc)])

    def append_many(self, table: str, changes: list[tuple[str, dict[str, Any] | None]]) -> None:
        """Make several document changes durable with one write and one fsync (a tracker round's transitions).

        Each is a whole line of its own: a writer killed part way leaves complete changes and at most one torn
        last line, which the next reader drops — never half a document."""
        raws = [(doc_id, None if doc is None else orjson.dumps(doc)) for doc_id, doc in changes]
        lines = []
        for doc_id, raw in raws:
            head = orjson.dumps({"t": table, "id": doc_id})[:-1]
            lines.append(head + (b',"del":1}\n' if raw is None else b',"doc":' + raw + b"}\n"))
        data = b"".join(lines)
        fd = os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            st = os.fstat(fd)
            if st.st_ino != self._journal_ino:
                self.refresh()  # the journal was replaced (compacted) since we last read: catch up first
                st = os.fstat(fd)
            if st.st_size > self._journal_pos:
                os.ftruncate(fd, self._journal_pos)  # a torn line from a writer that was killed
            os.lseek(fd, self._journal_pos, os.SEEK_SET)
            try:
                write_all(fd, data)
                os.fdatasync(fd)
            except OSError:
                # A full disk took part of the batch: none of it counts, and none is left for a reader to apply.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, self._journal_pos)
                raise
            new_journal = self._journal_ino is None
            self._journal_ino = st.st_ino
        finally:
            os.close(fd)
        if new_journal:
            fsync_dir(self.path.parent)
        pos = self._journal_pos
        self._journal_pos += len(data)
        self._journal_lines += len(lines)
        for (doc_id, raw), line in zip(raws, lines):
            pos += len(line)
            self._set(table, doc_id, raw)
            self.touched[(table, doc_id)] = pos
        self.writes += 1

    def needs_compaction(self) -> bool:
        return self._journal_pos > max(1 << 20, self._snap_size // 2)

    def compact(self) -> None:
        """Write everything as a new snapshot (atomically), then start an empty journal."""
        snapshot, places, size = self.replace_snapshot(self.tables)
        # A kill here leaves the old journal beside the new snapshot: replaying it is harmless (same docs).
        empty = self.journal.with_name(f"{self.journal.name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        os.close(os.open(empty, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(empty, self.journal)
        fsync_dir(self.path.parent)
        # What was held in memory (the journal's documents) is now in the file: hold only its places.
        self.tables = {name: Docs(snapshot, at) for name, at in places.items()}
        st = os.fstat(snapshot.fd)
        self._snap_key, self._snap_size = (st.st_ino, st.st_mtime_ns, st.st_size), size
        self._journal_ino, self._journal_pos, self._journal_lines = os.stat(self.journal).st_ino, 0, 0
        self.touched = {}
        self.damaged = []  # folded away with the journal that held them
        self.writes += 1

    def replace_snapshot(self, tables: dict[str, Docs]) -> tuple[SnapshotFile, dict[str, dict[str, int]], int]:
        """Write `tables` as the snapshot, atomically (temp file, fsync, rename, directory fsync); the journal is
        left as it is. Returns the new file (open, for reading documents back), their places in it and its size."""
        tmp = self.path.with_name(f"{self.path.name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            places, size = write_snapshot(fd, tables)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        snapshot = SnapshotFile(fd, str(self.path))  # the new file, renamed below: its documents are read back from here
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)
        return snapshot, places, size

    def position(self) -> tuple[tuple[int, int, int] | None, int | None, int]:
        """Where the tables stand: the snapshot's (inode, mtime, size), the journal's inode and how far it is read."""
        return self._snap_key, self._journal_ino, self._journal_pos

    # --- TinyDB's Storage interface (the meta table) ----------------------------------------------------
    def read(self) -> dict[str, Any] | None:
        self.refresh()
        if not self.tables:
            return None
        return {name: _LazyTable(docs) for name, docs in self.tables.items()}

    def write(self, data: dict[str, Any]) -> None:
        tables: dict[str, Docs] = {}
        for name, docs in data.items():
            if isinstance(docs, _LazyTable):
                tables[name] = docs.raw.copy()
            else:
                tables[name] = Docs.of({str(k): orjson.dumps(v) for k, v in docs.items()})
        self.tables = tables
        self.changes = None
        self.compact()

    def close(self) -> None:
        """Let go of the tables (and with them the open snapshot file); a later read loads them again."""
        self.tables, self.changes, self._snap_key = {}, None, ("closed",)  # type: ignore[assignment]


class _LazyTable(dict):  # type: ignore[type-arg]
    """A table as TinyDB sees it, decoding a document only when TinyDB asks for it."""

    def __init__(self, raw: Docs) -> None:
        super().__init__()
        self.raw = raw

    def __getitem__(self, key: str) -> Any:
        return orjson.loads(self.raw[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def keys(self) -> Any:
        return self.raw.keys()

    def items(self) -> Any:
        return ((k, orjson.loads(v)) for k, v in self.raw.items())

    def values(self) -> Any:
        return (orjson.loads(v) for v in self.raw.values())

    def get(self, key: str, default: Any = None) -> Any:
        return orjson.loads(self.raw[key]) if key in self.raw else default
