"""Streaming downloads straight to disk: resumable (.part + Range), size-checked, container-checked, atomic.

A plain-HTTP body of known length (the local engine, a server on the LAN) moves from the socket to the file inside
the kernel (splice); anything else (TLS, compressed, chunked) comes through httpx2 and is written by a thread beside
the one receiving it.

A download is done when every byte is in the file and the file is at its name: as curl, it does not wait for the
disk. Hashing the bytes as they came cost a third of the transfer rate on 2 cores (the server sending on one), and
waiting for the disk (writeback started every 8 MB, an fsync before the rename) 0.55x curl's rate against 0.87x
without (bench/downloads.py): `settle` does both after the transfer, and the job service records the sha256 once
the file is on disk (service/jobs.py), so a file without one has not been checked and is not trusted as whole."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import functools
import hashlib
import os
import queue
import select
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..durable import fsync_dir
from .errors import BackendError, map_error
from .integrity import incomplete_reason

if TYPE_CHECKING:
    from .videos import DownloadResult, ProgressFn, VideosBackend

CHUNK = 1 << 20
WRITE_BATCH = 1 << 20  # pieces are written together, about this much at a time (one writev)
_NOT_MEDIA = {"application/json", "text/html", "text/plain", "application/problem+json"}


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def file_sha256(path: Path) -> str:
    """The sha256 of a file on disk, read a megabyte at a time (hashlib releases the GIL while it hashes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def settle(path: Path) -> str:
    """What follows a download: its sha256, then the file and its name made durable (fsync of both). Its caller
    records the sha256 only after this returns, so a recorded one means hashed and on disk."""
    digest = file_sha256(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)
    return digest


def _open_part(path: Path, append: bool) -> int:
    # O_NOFOLLOW: a symlink planted at the .part name must not redirect our write elsewhere. Appending is a
    # seek to the end, not O_APPEND, which splice(2) refuses.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (0 if append else os.O_TRUNC), 0o644)
    if append:
        os.lseek(fd, 0, os.SEEK_END)
    return fd


def _total_from_headers(status: int, headers: object, offset: int) -> int | None:
    get = headers.get
    content_range = get("content-range")
    if status == 206 and content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        if total.isdigit():
            return int(total)
    length = get("content-length")
    if length and length.isdigit():
        return int(length) + (offset if status == 206 else 0)
    return None


async def stream_to_file(
    backend: VideosBackend,
    video_id: str,
    dest: Path,
    variant: str = "video",
    progress: ProgressFn | None = None,
) -> DownloadResult:
    """The whole transfer runs in a worker thread on the SDK's sync client: the event loop (which the TUI
    draws on) only receives progress, and the body moves at close to curl's speed instead of paying for
    an async hop every 64 KB (measured in bench/downloads.py)."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    report = None
    if progress is not None:
        report = _Throttled(lambda got, total: loop.call_soon_threadsafe(progress, got, total))
    # Plain HTTP is (almost always) spliced, moving its bytes in the kernel: at normal priority. Over TLS the bytes
    # come through Python: below the event loop's (transfer_threads).
    pool = transfer_threads(niced=not backend.base_url.lower().startswith("http://"))
    worker = asyncio.ensure_future(loop.run_in_executor(
        pool, functools.partial(_transfer, backend, video_id, dest, variant, report, stop)))
    try:
        return await asyncio.shield(worker)
    except asyncio.CancelledError:
        stop.set()  # the thread stops at its next piece; its .part stays for a resume
        with contextlib.suppress(BaseException):
            await worker
        raise


@functools.cache
def transfer_threads(niced: bool = True) -> ThreadPoolExecutor:
    """The threads that move download bytes (and hash them after): their own pool, niced to 10 where the OS allows
    it. With the bytes going through Python (TLS, and the sha256 after every download), on a busy machine (2 cores,
    the engine rendering, five transfers) the event loop the TUI draws on waited up to 70 ms for a CPU and the GIL
    behind them; background work should wait instead. A spliced transfer hardly runs Python: niced, it only lost
    the CPU to the server and the kernel's writeback (1 GB: 698 against 810 MB/s, same runs) and the loop waited
    as long either way (7-58 ms over 5 runs each): `niced=False` is its pool."""
    return ThreadPoolExecutor(max_workers=16, thread_name_prefix="download" if niced else "download-plain",
                              initializer=_lower_priority if niced else None)


def _lower_priority() -> None:
    setpriority = getattr(os, "setpriority", None)
    if setpriority is not None:
        with contextlib.suppress(OSError):
            setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only (Linux)


class _Throttled:
    """Progress from the worker thread, at most every 100 ms (and always the last one)."""

    def __init__(self, send: Callable[[int, int | None], Any]) -> None:
        self.send, self.last = send, 0.0

    def __call__(self, got: int, total: int | None, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self.last >= 0.1:
            self.last = now
            self.send(got, total)


class _Stopped(Exception):
    pass


def _transfer(backend: VideosBackend, video_id: str, dest: Path, variant: str,
              progress: _Throttled | None, stop: threading.Event) -> DownloadResult:
    try:
        return _stream(backend, video_id, dest, variant, progress, stop)
    except BackendError:
        raise
    except _Stopped:
        raise BackendError("network", f"The download of {video_id} ({variant}) was stopped") from None
    except Exception as exc:
        if isinstance(exc, OSError) and exc.filename is None:  # the directory cannot take the file
            exc.filename = str(dest.parent)
        raise map_error(exc, backend.base_url) from exc


def _stream(backend: VideosBackend, video_id: str, dest: Path, variant: str,
            progress: _Throttled | None, stop: threading.Event) -> DownloadResult:
    from .videos import DownloadResult

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    offset = 0
    validator_file = part.with_name(part.name + ".validator")
    if part.exists() and not part.is_symlink():
        offset = part.stat().st_size
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    validator = _read_validator(validator_file) if offset else None
    if validator:  # resume only if the file is still the one we began with; otherwise the server sends it whole
        headers["If-Range"] = validator
    try:
        received, total, content_type, resumed = _receive(
            backend, video_id, variant, headers, part, validator_file, offset, progress, stop)
    except Exception as exc:
        size = _size_if_unsatisfiable(exc) if offset else None
        if size is None:
            raise
        if size == offset:
            # The .part already holds every byte: a run was stopped (SIGKILL, power) between the last byte and the
            # rename. The server answers 416 with the size it has; the file is checked below like any other.
            received, total, content_type, resumed = offset, offset, None, True
        else:  # a .part longer than the file cannot be resumed: start over (else every retry gets this 416)
            part.unlink(missing_ok=True)
            validator_file.unlink(missing_ok=True)
            received, total, content_type, resumed = _receive(
                backend, video_id, variant, {}, part, validator_file, 0, progress, stop)
    if progress is not None:
        progress(received, total, final=True)
    if total is not None and received != total:
        raise BackendError(
            "truncated", f"Download of {video_id} ({variant}) stopped at {received:,} of {total:,} bytes"
        )
    if received == 0:
        part.unlink(missing_ok=True)
        raise BackendError("protocol", f"The server sent an empty {variant} for {video_id}")
    problem = incomplete_reason(part, variant)
    if problem is not None:
        # Without Content-Length a short body ends like a whole one: the container tells. Start over next time.
        part.unlink(missing_ok=True)
        raise BackendError("truncated", f"Download of {video_id} ({variant}) is incomplete: {problem}")
    _finish(part, dest, validator_file)
    return DownloadResult(dest, received, content_type, resumed)


def _receive(backend: VideosBackend, video_id: str, variant: str, headers: dict[str, str], part: Path,
             validator_file: Path, offset: int, progress: _Throttled | None,
             stop: threading.Event) -> tuple[int, int | None, str | None, bool]:
    """Receive the body into the .part (appending after `offset` when the server resumes there)."""
    received = offset
    resumed = False
    with backend._stream_content_sync(video_id, variant, headers) as response:
        status = response.status_code
        content_type = response.headers.get("content-type")
        if content_type and content_type.split(";")[0].strip().lower() in _NOT_MEDIA:
            # An error page or JSON with a success status (a dropped gateway answer): never write it into
            # the file, where a later Range request would build on it.
            raise BackendError("network", f"The server sent {content_type.split(';')[0]} instead of the {variant} of {video_id}")
        if status == 206 and offset:
            content_range = response.headers.get("content-range", "")
            if not content_range.startswith(f"bytes {offset}-"):
                raise BackendError("protocol", f"The server resumed at the wrong place ({content_range!r})")
            resumed = True
        elif offset:
            # 200 to a Range request: the server ignored it; start over rather than append a second copy.
            offset, received = 0, 0
        total = _total_from_headers(status, response.headers, offset)
        if not resumed:
            _write_validator(validator_file, response.headers)
        fd = _open_part(part, append=resumed)
        try:
            sock = _spliceable(response.http_response, total)
            if sock is not None:
                received = _splice_body(response.http_response, sock, fd, received, total, progress, stop)  # type: ignore[arg-type]
                return received, total, content_type, resumed
            writer = _Writer(fd, offset)
            try:
                for chunk in response.iter_bytes():  # as they arrive (up to 64 KB each): no re-slicing
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
        finally:
            os.close(fd)
    return received, total, content_type, resumed


def _size_if_unsatisfiable(exc: Exception) -> int | None:
    """The file's size from a 416 answer to a Range request (Content-Range: bytes */SIZE), else None."""
    response = getattr(exc, "response", None)
    if getattr(response, "status_code", None) != 416:
        return None
    size = str(response.headers.get("content-range", "")).rpartition("/")[2].strip()  # type: ignore[union-attr]
    return int(size) if size.isdigit() else None


def _finish(part: Path, dest: Path, validator_file: Path) -> None:
    os.replace(part, dest)  # made durable by settle(), with the file's bytes
    validator_file.unlink(missing_ok=True)


def _read_validator(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if text and len(text) < 200 and text.isprintable() else None


def _write_validator(path: Path, headers: object) -> None:
    """Keep the ETag (or Last-Modified) of a download in progress, for If-Range when it is resumed."""
    get = headers.get
    value = get("etag") or get("last-modified")
    try:
        if value and not str(value).startswith("W/"):  # a weak ETag cannot guard a byte range
            path.write_text(str(value), encoding="ascii")
        else:
            path.unlink(missing_ok=True)
    except (OSError, UnicodeEncodeError):
        pass


class _Writer:
    """Pieces of a body that came through httpx2 onto the .part, in a thread of its own beside the one receiving them (on 2 cores, with the
    server sending on one, writing a gigabyte into the page cache costs as much as receiving it: done in turn, the
    transfer ran at half curl's rate; bench/downloads.py). Written about WRITE_BATCH at a time in one writev, with
    at most QUEUED batches waiting (memory stays flat). Bytes reach the file in the order they arrived, so a .part
    is always a whole prefix of the body, ready for a Range resume."""

    QUEUED = 4

    def __init__(self, fd: int, offset: int) -> None:
        self.fd, self.pending, self.size = fd, [], 0
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
            except Exception as exc:  # kept for the receiving thread to raise; this thread must go on draining
                self.error = exc


def _writev_all(fd: int, pieces: list[bytes], size: int) -> None:
    done = os.writev(fd, pieces)
    if done == size:
        return
    rest = memoryview(b"".join(pieces))[done:]  # a short write (a full disk, a signal): the rest one by one
    while rest:
        rest = rest[os.write(fd, rest):]


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


def _splice_body(http: Any, sock: socket.socket, fd: int, received: int, total: int, progress: _Throttled | None,
                 stop: threading.Event) -> int:
    """Receive the rest of the body socket -> pipe -> file with splice(2), a megabyte at a time: no copy through
    Python, no Python object per piece. On 2 cores with the server on one, receiving through httpx2 (a bytes object
    every 64 KB, copied into h11's buffer and out again, then written) took 0.5 CPU-s per GB in Python and ran at
    0.75-0.85x curl's rate; this takes 0.03. Against the engine sending with sendfile it runs at 1.5-3 GB/s onto
    this disk, 1.3-3x curl (bench/downloads.py). Errors keep their meaning: the socket's as httpx2's
    ReadError/ReadTimeout, the file's (a full disk) as OSError. A stop (the download cancelled) is seen within
    STOP_CHECK even while the server sends nothing."""
    import httpx2

    timeout = sock.gettimeout()  # httpcore2 set the client's read timeout on it for the headers
    # What arrived with the headers is in h11's buffer: it comes through httpx2 first, the rest from the socket.
    # The iterator is kept (dropping it closes the connection) and closed at the end: the connection then goes,
    # since h11 never saw the spliced bytes, unless that first piece was the whole body.
    chunks = http.iter_raw()
    try:
        leading = next(chunks, b"")
        if leading:
            _writev_all(fd, [leading], len(leading))
            received += len(leading)
        if received >= total:
            for extra in chunks:  # h11 sees the end of the body: the connection can be reused
                _writev_all(fd, [extra], len(extra))
                received += len(extra)
            return received
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
                    quiet_since = time.monotonic()
                    while not readable.poll(STOP_CHECK * 1000):
                        if stop.is_set():
                            raise _Stopped() from None
                        if timeout is not None and time.monotonic() - quiet_since >= timeout:
                            raise httpx2.ReadTimeout(f"no data for {timeout:g} s") from None
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
    finally:
        chunks.close()
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
            raise OSError(errno.EIO, "the download pipe ran dry")
        left -= moved
    return True


def _drain_pipe(pipe: int, fd: int, count: int) -> None:
    while count:
        piece = os.read(pipe, count)
        if not piece:
            raise OSError(errno.EIO, "the download pipe ran dry")
        _writev_all(fd, [piece], len(piece))
        count -= len(piece)
