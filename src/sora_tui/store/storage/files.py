"""The file handling the storage is built from: whole reads and writes of a descriptor, a file's identity (to see
that another process wrote), and the temp files an atomic replace leaves behind when its writer is killed."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

TMP_MARK = ".tmp-"  # what marks a file being written beside the one it will replace: name{TMP_MARK}pid-random


def stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read_all(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        block = os.read(fd, min(left, 1 << 24))
        if not block:
            break
        chunks.append(block)
        left -= len(block)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


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
