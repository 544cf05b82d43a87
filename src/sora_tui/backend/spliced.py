"""The spliced path of a download: a plain-HTTP body of known length (the local engine, a server on the LAN)
moves from the socket to the file inside the kernel with splice(2), with no copy through Python."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import socket
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..core.i18n import _
from .stopping import _Stop, _Stopped
from .streamed import SNIFF, _writev_all

if TYPE_CHECKING:
    from .downloads import _Throttled

SPLICE_PIECE = 1 << 20  # the pipe between the socket and the file holds this much (the most Linux allows unprivileged)
STOP_CHECK = 0.25  # seconds: how often a wait for a quiet socket looks whether the download was stopped


def _spliceable(http: Any, total: int | None) -> socket.socket | None:
    """The socket under a plain-HTTP/1.1 response of known length and no encoding, whose body splice(2) can move
    from the socket to the file inside the kernel; None where it has to come through httpx2 (TLS, HTTP/2, a
    compressed or chunked body, not Linux). httpcore2 hands the connection out as the response's documented
    `network_stream` extension."""
    if not hasattr(os, "splice") or total is None or http.http_version != "HTTP/1.1":
        return None
    headers = http.headers
    if headers.get("content-encoding", "identity").strip().lower() != "identity" or "transfer-encoding" in headers:
        return None
    stream = http.extensions.get("network_stream")
    if stream is None or stream.get_extra_info("ssl_object") is not None:
        return None
    sock = stream.get_extra_info("socket")
    return sock if isinstance(sock, socket.socket) and sock.type == socket.SOCK_STREAM else None


def _splice_head(chunks: Iterator[bytes], sock: socket.socket, received: int, total: int,
                 stop: _Stop) -> tuple[list[bytes], bool]:
    """The first SNIFF bytes of a body that will be spliced (all of it when shorter), received before any is
    written, and whether more follows. What arrived with the headers is in h11's buffer: it comes through httpx2
    first (the iterator is kept: dropping it closes the connection), the rest of the head from the socket. The
    connection then goes at the end, since h11 never saw the bytes taken past it, unless that first piece was
    the whole body. A body cut before SNIFF bytes leaves nothing in the file: too little to tell from text."""
    leading = next(chunks, b"")
    if received + len(leading) >= total:
        return [leading, *chunks], False  # h11 sees the end of the body: the connection can be reused
    want = min(SNIFF, total - received) - len(leading)
    if want <= 0:
        return [leading], True
    rest = _read_up_to(sock, want, stop)
    return ([leading, rest], True) if len(rest) == want else ([], False)


def _read_up_to(sock: socket.socket, count: int, stop: _Stop) -> bytes:
    """Up to `count` bytes from the socket (fewer only when the server closes first), waiting as _splice_body."""
    import httpx2

    timeout = sock.gettimeout()
    readable = select.poll()
    readable.register(sock.fileno(), select.POLLIN)
    got = bytearray()
    while len(got) < count:
        try:
            piece = os.read(sock.fileno(), count - len(got))
        except BlockingIOError:
            _wait_readable(readable, stop, timeout)
            continue
        except OSError as exc:
            raise httpx2.ReadError(str(exc)) from exc
        if not piece:
            break
        got += piece
    return bytes(got)


def _wait_readable(readable: select.poll, stop: _Stop, timeout: float | None) -> None:
    """Wait for the (non-blocking) socket to have bytes, looking every STOP_CHECK whether the download was
    stopped; httpx2's ReadTimeout after `timeout` (the client's read timeout) without any."""
    import httpx2

    quiet_since = time.monotonic()
    while not readable.poll(STOP_CHECK * 1000):
        if stop.is_set():
            raise _Stopped() from None
        if timeout is not None and time.monotonic() - quiet_since >= timeout:
            raise httpx2.ReadTimeout(f"no data for {timeout:g} s") from None


def _write_head(fd: int, head: list[bytes], received: int, total: int | None, progress: _Throttled | None) -> int:
    pieces = [piece for piece in head if piece]
    if pieces:
        size = sum(map(len, pieces))
        _writev_all(fd, pieces, size)
        received += size
        if progress is not None:
            progress(received, total)
    return received


def _splice_body(sock: socket.socket, fd: int, received: int, total: int, progress: _Throttled | None,
                 stop: _Stop) -> int:
    """Receive the rest of the body socket -> pipe -> file with splice(2), a megabyte at a time: no copy through
    Python, no Python object per piece. On 2 cores with the server on one, receiving through httpx2 (a bytes object
    every 64 KB, copied into h11's buffer and out again, then written) took 0.5 CPU-s per GB in Python and ran at
    0.75-0.85x curl's rate; this takes 0.03. Against the engine sending with sendfile it runs at 1.5-3 GB/s onto
    this disk, 1.3-3x curl (bench/downloads.py). Errors keep their meaning: the socket's as httpx2's
    ReadError/ReadTimeout, the file's (a full disk) as OSError. A stop (the download cancelled) is seen within
    STOP_CHECK even while the server sends nothing."""
    import httpx2

    timeout = sock.gettimeout()  # httpcore2 set the client's read timeout on it for the headers
    r, w = os.pipe()
    try:
        with contextlib.suppress(OSError):
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, SPLICE_PIECE)
        readable = select.poll()
        readable.register(sock.fileno(), select.POLLIN)
        into_file = True  # the file takes splice(2) (until it refuses once)
        while received < total:
            if stop.is_set():
                raise _Stopped()
            try:
                got = os.splice(sock.fileno(), w, min(SPLICE_PIECE, total - received))
            except BlockingIOError:  # the socket is non-blocking (it has a timeout): wait for it
                _wait_readable(readable, stop, timeout)
                continue
            except OSError as exc:
                raise httpx2.ReadError(str(exc)) from exc
            if got == 0:
                break  # the server closed early: the caller reports the short body
            if into_file:
                into_file = _splice_all(r, fd, got)
            else:  # the file refused splice before: the rest goes through the buffer, without asking again
                _drain_pipe(r, fd, got)
            received += got
            if progress is not None:
                progress(received, total)
    finally:
        os.close(r)
        os.close(w)
    return received


# splice(2) into a file the filesystem cannot splice into (ecryptfs, as Ubuntu's encrypted homes use; a file opened
# O_APPEND): nothing moves, the bytes stay in the pipe.
_NO_SPLICE = frozenset({errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS})


def _splice_all(pipe: int, fd: int, count: int) -> bool:
    """Move `count` bytes from the pipe to the file (a full disk raises OSError; what was moved stays in the file).
    Where the file's filesystem refuses splice, the bytes go through a buffer instead: False says so, for the rest."""
    left = count
    while left:
        try:
            moved = os.splice(pipe, fd, left)
        except OSError as exc:
            if exc.errno not in _NO_SPLICE:
                raise
            _drain_pipe(pipe, fd, left)
            return False
        if moved <= 0:
            raise OSError(errno.EIO, _("the download pipe ran dry"))
        left -= moved
    return True


def _drain_pipe(pipe: int, fd: int, count: int) -> None:
    while count:
        piece = os.read(pipe, count)
        if not piece:
            raise OSError(errno.EIO, _("the download pipe ran dry"))
        _writev_all(fd, [piece], len(piece))
        count -= len(piece)
