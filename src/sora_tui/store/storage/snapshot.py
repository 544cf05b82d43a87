"""The snapshot: the history's tables in TinyDB's JSON layout, one document per line, written whole and atomically,
and read back document by document from the open file (a document kept as its place there, not its bytes)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import orjson

from ...core.i18n import _
from .files import write_all


class CorruptHistory(Exception):
    """The history file exists but does not parse (truncated, overwritten, not JSON)."""


SNAPSHOT_HEAD = b'{"jobs": {'


def write_snapshot(fd: int, tables: dict[str, Docs]) -> tuple[dict[str, dict[str, int]], int]:
    """Write TinyDB's JSON layout, one document per line (so loading can go line by line), a few megabytes at a
    time (never the whole history in memory at once). Returns each document's place in it (see Docs) and the size."""
    names = ["jobs", *sorted(n for n in tables if n != "jobs")]
    places: dict[str, dict[str, int]] = {}
    pending: list[bytes] = []
    buffered = pos = 0

    def put(data: bytes) -> None:
        nonlocal buffered, pos
        pending.append(data)
        buffered += len(data)
        pos += len(data)
        if buffered >= 1 << 22:
            write_all(fd, b"".join(pending))
            pending.clear()
            buffered = 0

    put(b"{")
    for t, name in enumerate(names):
        at = places[name] = {}
        put(orjson.dumps(name) + b": {\n")
        for n, (doc_id, raw) in enumerate(tables.get(name, Docs()).items()):
            put((b",\n" if n else b"") + orjson.dumps(doc_id) + b": ")
            at[doc_id] = pos << 32 | len(raw)
            put(raw)
        put(b"\n}" + (b",\n" if t < len(names) - 1 else b""))
    put(b"}\n")
    write_all(fd, b"".join(pending))
    return places, pos


def parse_snapshot(raw: bytes, path: Path) -> dict[str, Docs]:
    if not raw.strip():
        raise CorruptHistory(_("{path} is empty").format(path=path))
    try:  # a file written by plain TinyDB (or an older sora-tui): one JSON document
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CorruptHistory(_("{path} is damaged ({error})").format(path=path, error=exc)) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CorruptHistory(_("{path} does not hold a history (top level is not an object of tables)").format(
            path=path))
    if not data:
        raise CorruptHistory(_("{path} holds no tables (it is {start})").format(path=path,
                                                                                start=repr(raw.strip()[:20])))
    return {str(name): Docs.of({str(k): orjson.dumps(v) for k, v in docs.items()}) for name, docs in data.items()}


def parse_lines(lines: Iterable[bytes], snapshot: SnapshotFile | None) -> dict[str, Docs] | None:
    """The one-document-per-line layout that compact() writes, each document kept as its place in `snapshot`
    (the same file, open); None if the file is laid out otherwise."""
    tables: dict[str, Docs] = {}
    current: dict[str, bytes | int] | None = None
    pos = 0
    for line in lines:
        start, pos = pos, pos + len(line)
        line = line.rstrip(b"\n")
        if not line:
            continue
        if current is None:
            head = line.lstrip(b"{")
            if not head.endswith(b": {") or not head.startswith(b'"'):
                return None
            try:
                name = orjson.loads(head[:-3])
            except orjson.JSONDecodeError:
                return None
            if name not in tables:
                tables[name] = Docs(snapshot, {})
            current = tables[name].places
            continue
        if line in (b"}", b"},", b"}}"):
            current = None
            continue
        key_end = line.find(b'": ')
        if not line.startswith(b'"') or key_end < 0:
            return None
        size = len(line) - key_end - 3 - (1 if line.endswith(b",") else 0)
        # Documents are decoded (and so checked) by whoever reads them; a cut file never gets here
        # because it lacks its closing lines.
        current[line[1:key_end].decode("utf-8", "replace")] = (start + key_end + 3) << 32 | size
    return tables if current is None else None


class SnapshotFile:
    """The snapshot file that documents were loaded from, held open to read them back. A snapshot is never written
    in place, only replaced by a rename, so this open file keeps the very bytes their places point into, even after
    another process has compacted the history. Closed when the last table using it is gone."""

    __slots__ = ("fd", "name")

    def __init__(self, fd: int, name: str = "history.json") -> None:
        self.fd, self.name = fd, name

    def read(self, place: int) -> bytes:
        at, size = place >> 32, place & 0xFFFFFFFF
        data = os.pread(self.fd, size, at)
        if len(data) != size:
            raise CorruptHistory(_("{name} was cut short while open (a document at byte {at} is gone): something "
                                   "other than sora-tui changed it in place. Restart sora-tui: it keeps the damaged "
                                   "file aside and restores the history from its backup (.bak) where there is "
                                   "one.").format(name=self.name, at=at))
        return data

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


class Docs(MutableMapping[str, bytes]):
    """One table's documents by id, as JSON bytes. A document as the snapshot holds it is kept as its place there
    (offset << 32 | length: 32 bytes where its JSON is ~1.2 kB) and read back when asked for; a document written since
    (from the journal) is kept as its bytes. At 100,000 jobs this is the difference between ~120 MB of documents held by every
    process that opens the history and ~5 MB."""

    __slots__ = ("_file", "places")

    def __init__(self, snapshot: SnapshotFile | None = None, places: dict[str, Any] | None = None) -> None:
        self.places: dict[str, bytes | int] = {} if places is None else places
        self._file = snapshot

    @classmethod
    def of(cls, docs: dict[str, bytes]) -> Docs:
        return cls(None, dict(docs))

    def copy(self) -> Docs:
        return Docs(self._file, dict(self.places))

    def __getitem__(self, doc_id: str) -> bytes:
        value = self.places[doc_id]
        return value if type(value) is bytes else self._file.read(value)  # type: ignore[union-attr,arg-type]

    def __setitem__(self, doc_id: str, raw: bytes) -> None:
        self.places[doc_id] = raw

    def __delitem__(self, doc_id: str) -> None:
        del self.places[doc_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.places

    def keys(self) -> Any:
        return self.places.keys()

    def items(self) -> Any:
        read = self._file.read if self._file is not None else None
        return ((k, v if type(v) is bytes else read(v)) for k, v in self.places.items())  # type: ignore[misc,arg-type]

    def values(self) -> Any:
        return (v for _, v in self.items())
