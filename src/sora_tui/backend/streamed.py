"""The streamed path of a download: a body that comes through httpx2 (TLS, compressed, chunked) is written onto
the .part by a thread beside the one receiving it, in batches of one writev each."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .stopping import _Stop, _Stopped

if TYPE_CHECKING:
    from .downloads import _Throttled

WRITE_BATCH = 1 << 20  # pieces are written together, about this much at a time (one writev)
SNIFF = 1024  # a body's first bytes, looked at for text before any of them is written


def _lower_priority() -> None:
    """This thread's priority niced to 10 (Linux: a thread's own): background work waits for a CPU, not the event
    loop the TUI draws on."""
    setpriority = getattr(os, "setpriority", None)
    if setpriority is not None:
        with contextlib.suppress(OSError):
            setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only (Linux)


def _head(chunks: Iterator[bytes], stop: _Stop) -> tuple[list[bytes], bool]:
    """The body's first SNIFF bytes (all of it when shorter), received before any is written, and whether more
    follows. A body cut before that many arrived leaves nothing in the file: too little to tell from text."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        if stop.is_set():
            raise _Stopped()
        head.append(chunk)
        size += len(chunk)
        if size >= SNIFF:
            return head, True
    return head, False


def _write_through(chunks: Iterator[bytes], head: list[bytes], more: bool, fd: int, received: int,
                   total: int | None, progress: _Throttled | None, stop: _Stop) -> int:
    """The rest of a body that comes through httpx2, onto the .part by the writer thread."""
    writer = _Writer(fd, received)
    try:
        for chunk in head:
            writer.add(chunk)
            received += len(chunk)
        if progress is not None and head:
            progress(received, total)
        if more:
            for chunk in chunks:  # as they arrive (up to 64 KB each): no re-slicing
                if stop.is_set():
                    raise _Stopped()
                writer.add(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, total)
        writer.close()
    finally:
        with contextlib.suppress(OSError):
            writer.close()  # what arrived before an error is kept for the resume
    return received


class _Writer:
    """Pieces of a body that came through httpx2 onto the .part, in a thread of its own beside the one receiving them (on 2 cores, with the
    server sending on one, writing a gigabyte into the page cache costs as much as receiving it: done in turn, the
    transfer ran at half curl's rate; bench/downloads.py). Written about WRITE_BATCH at a time in one writev, with
    at most QUEUED batches waiting (memory stays flat). Bytes reach the file in the order they arrived, so a .part
    is always a whole prefix of the body, ready for a Range resume."""

    QUEUED = 4

    def __init__(self, fd: int, offset: int) -> None:
        self.pending: list[bytes] = []
        self.fd, self.size = fd, 0
        self.written = offset
        self.error: Exception | None = None
        self.closed = False
        self.batches: queue.Queue[tuple[list[bytes], int] | None] = queue.Queue(self.QUEUED)
        self.thread = threading.Thread(target=self._run, name="download-write", daemon=True)
        self.thread.start()

    def add(self, chunk: bytes) -> None:
        self.pending.append(chunk)
        self.size += len(chunk)
        if self.size >= WRITE_BATCH:
            self._hand_over()

    def close(self) -> None:
        """Write what is left and wait until every byte is in the file; raises what writing raised."""
        if not self.closed:
            self.closed = True
            try:
                self._hand_over()
            finally:
                self.batches.put(None)
                self.thread.join()
        if self.error is not None:
            raise self.error

    def _hand_over(self) -> None:
        if self.error is not None:
            raise self.error  # the disk refused (full, gone): stop receiving
        if self.pending:
            batch, self.pending, self.size = (self.pending, self.size), [], 0
            self.batches.put(batch)

    def _run(self) -> None:
        _lower_priority()
        while (batch := self.batches.get()) is not None:
            if self.error is not None:
                continue  # after a failed write nothing more is written (the file stays a prefix)
            pieces, size = batch
            try:
                _writev_all(self.fd, pieces, size)
                self.written += size
            except Exception as exc:  # noqa: BLE001 - kept for the receiving thread to raise; this one drains on
                self.error = exc


def _writev_all(fd: int, pieces: list[bytes], size: int) -> None:
    done = os.writev(fd, pieces)
    if done == size:
        return
    rest = memoryview(b"".join(pieces))[done:]  # a short write (a full disk, a signal): the rest one by one
    while rest:
        rest = rest[os.write(fd, rest):]
