"""Crash-safe TinyDB storage: temp file + fsync + os.replace + directory fsync, under a cross-process lock."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any, Iterator

from tinydb.storages import Storage

from ..durable import fsync_dir

TMP_MARK = ".tmp-"


class CorruptHistory(Exception):
    """The history file exists but does not parse (truncated, overwritten, not JSON)."""


class HistoryLock:
    """Re-entrant across threads of one process, exclusive across processes (flock on a sibling file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                    os.close(self._fd)
                    self._fd = None


def stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class AtomicJSONStorage(Storage):
    """Every write replaces the whole file atomically; a reader never sees half a file.

    Reads re-open the path (another process may have replaced it) but skip parsing when the file's
    (inode, mtime, size) is what we last read or wrote — every write makes a new inode.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None
        self.writes = 0

    def read(self) -> dict[str, Any] | None:
        key = stat_key(self.path)
        if key is None:
            return None
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorruptHistory(f"{self.path} is damaged ({exc})") from None
        if not isinstance(data, dict):
            raise CorruptHistory(f"{self.path} does not hold a history (top level is not an object)")
        self._cache = (key, data)
        return data

    def write(self, data: dict[str, Any]) -> None:
        self._cache = None
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        tmp = self.path.with_name(f"{self.path.name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        os.close(fd)
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)
        self.writes += 1
        key = stat_key(self.path)
        if key is not None:
            self._cache = (key, data)

    def close(self) -> None:
        self._cache = None


def remove_stale_temps(path: Path) -> int:
    """Temp files left by a writer killed before its rename are garbage: the real file is intact."""
    removed = 0
    for leftover in path.parent.glob(f"{path.name}{TMP_MARK}*"):
        pid_part = leftover.name[len(path.name) + len(TMP_MARK):].split("-", 1)[0]
        if pid_part.isdigit() and int(pid_part) != os.getpid() and _pid_alive(int(pid_part)):
            continue  # another live process is mid-write
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed += 1
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True
