"""Streaming downloads straight to disk: resumable (.part + Range), size-checked, container-checked, atomic.

A plain-HTTP body of known length (the local engine, a server on the LAN) moves from the socket to the file inside
the kernel (splice); anything else (TLS, compressed, chunked) comes through httpx2 and is written by a thread beside
the one receiving it.

A download is done when every byte is in the file and the file is at its name: as curl, it does not wait for the
disk. Hashing the bytes as they came cost a third of the transfer rate on 2 cores (the server sending on one), and
waiting for the disk (writeback started every 8 MB, an fsync before the rename) 0.55x curl's rate against 0.87x
without (bench/downloads.py): `settle` does both after the transfer, and the job service records the sha256 once
the file is on disk (service/jobs.py), so a file without one has not been checked and is not trusted as whole.

What is in the .part is always a whole prefix of the server's file: a resumed piece must start where it was asked
to and belong to a file of the size the first answer announced (kept with its ETag in `.part.validator`), and no
body's first bytes are written before they are seen not to be text (an error page a gateway sent as the video)
nor another kind of file than the one asked for (the MP4 for a thumbnail: a proxy that drops `?variant=`).
The finished file never replaces anything: a name already taken gets `name (2).mp4`. Side files are opened with
O_NOFOLLOW (and O_EXCL when new), so a symlink planted at their names is never written through.

A stop (the download cancelled) reaches the transfer within a fraction of a second wherever it waits: between
pieces through a flag, and on a socket that sends nothing (no headers yet, a quiet body, a connect in progress)
by shutting the socket down from the cancelling thread (_Stop, _StoppableBackend)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import functools
import hashlib
import logging
import os
import queue
import re
import select
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import httpcore2

from ..core.files import numbered_path, place_new, sibling_paths
from ..core.i18n import _
from ..core.job import asset_name
from ..core.text import middle
from ..durable import fsync_dir
from .errors import BackendError, map_error
from .integrity import incomplete_reason, looks_like_text, wrong_kind

if TYPE_CHECKING:
    from .videos import DownloadResult, ProgressFn, VideosBackend

try:  # the stream httpcore2's own SyncBackend returns, for the connect made here (_connect)
    from httpcore2._backends.sync import SyncStream as _SyncStream
except ImportError:  # moved in a later httpcore2: connects are then its own (bounded by the connect timeout)
    _SyncStream = None

log = logging.getLogger(__name__)

CHUNK = 1 << 20
WRITE_BATCH = 1 << 20  # pieces are written together, about this much at a time (one writev)
_NOT_MEDIA = {"application/json", "text/html", "text/plain", "application/problem+json"}
SNIFF = 1024  # a body's first bytes, looked at for text before any of them is written
MAX_NUMBERED = 999  # `name (2)` ... `name (999)`: past that the folder is not one to guess a name in
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+)")


def _ref(video_id: str) -> str:
    """A server id as a message names it: whole when short, else cut in the middle. A gateway's ids run to
    hundreds of characters, which buried every notice saying what went wrong with one download."""
    return middle(video_id, 40)


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def validator_path(part: Path) -> Path:
    """Beside a .part: the ETag (or Last-Modified) and the total size of the file it is a prefix of."""
    return part.with_name(part.name + ".validator")


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
    stop = _Stop()
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
        stop.set()  # the thread stops at once, even blocked on a quiet socket; its .part stays for a resume
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


class _Stop:
    """A download's stop. The transfer looks at the flag between pieces; a read blocked on a socket that sends
    nothing (a server that never answers: the read timeout is the profile's, a minute by default) cannot look
    at anything, so `set` also shuts down every socket the download noted here, from the cancelling thread: the
    blocked read (or connect) returns at once. Each socket is kept as a descriptor of our own (a dup), which a
    shutdown reaches whatever became of httpcore2's object for it (TLS wraps it into a new one)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._fds: list[int] = []
        self._released = False

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        with self._lock:
            self._event.set()
            fds, self._fds = self._fds, []
        for fd in fds:
            _shut_down(fd)

    def watch(self, sock: socket.socket) -> None:
        """Note a socket this download is about to wait on (from the download's own thread)."""
        try:
            fd = os.dup(sock.fileno())
        except OSError:
            return  # already closed: nothing to wait on
        with self._lock:
            if not self._event.is_set() and not self._released:
                self._fds.append(fd)
                return
        if self._event.is_set():
            _shut_down(fd)  # stopped already: the wait about to begin ends at once
        else:
            os.close(fd)

    def release(self) -> None:
        """The download is over: its sockets are no longer its own (the pool may lend them to another)."""
        with self._lock:
            self._released = True
            fds, self._fds = self._fds, []
        for fd in fds:
            os.close(fd)


def _shut_down(fd: int) -> None:
    """shutdown(2) the socket under `fd` (ours, a dup) and close `fd`; a blocked recv or connect on it returns."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        os.close(fd)
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


_this_thread = threading.local()  # .stop: the _Stop of the download this worker thread is running


class _StoppableStream(httpcore2.NetworkStream):
    """A connection whose socket the download using it notes in its _Stop before it reads or writes (once per
    download: after that one attribute compare a read), so that a stop can shut it down."""

    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner
        self._sock = inner.get_extra_info("socket")
        self._watched: _Stop | None = None

    def _watch(self) -> None:
        stop = getattr(_this_thread, "stop", None)
        if stop is not self._watched and stop is not None and self._sock is not None:
            self._watched = stop
            stop.watch(self._sock)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._watch()
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._watch()
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore2.NetworkStream:
        return _StoppableStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _StoppableBackend(httpcore2.NetworkBackend):
    """The download client's network backend: httpcore2's own, with streams a _Stop can reach, and (in a
    download's thread) a connect whose socket is noted in its _Stop before it starts (shutdown(2) aborts a
    connect in progress)."""

    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        stop = getattr(_this_thread, "stop", None)
        if stop is not None and _SyncStream is not None and type(self._inner) is httpcore2.SyncBackend:
            stream = _StoppableStream(_connect(host, port, timeout, local_address, socket_options, stop))
            stream._watched = stop  # noted while it connected
            return stream
        return _StoppableStream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        return _StoppableStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _connect(host: str, port: int, timeout: float | None, local_address: str | None,
             socket_options: Iterable[Any] | None, stop: _Stop) -> httpcore2.NetworkStream:
    """What httpcore2's SyncBackend.connect_tcp does (socket.create_connection, then TCP_NODELAY), with each
    socket noted in `stop` before it connects. The name lookup before it cannot be cut short."""
    try:
        addresses = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except OSError as exc:
        raise httpcore2.ConnectError(str(exc)) from exc
    last: OSError | None = None
    for family, kind, proto, _canonname, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            if local_address is not None:
                sock.bind((local_address, 0))
            stop.watch(sock)
            sock.connect(address)
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            sock.close()
            last = exc
            if stop.is_set():
                break
            continue
        return _SyncStream(sock)  # type: ignore[misc]
    if isinstance(last, TimeoutError):
        raise httpcore2.ConnectTimeout(str(last)) from last
    raise httpcore2.ConnectError(str(last or f"no address for {host}")) from last


def stoppable(client: Any) -> Any:
    """`client` (an httpx2.Client, for downloads) with each of its connection pools (direct, and through the
    environment's proxies) on a _StoppableBackend. httpx2 takes no network backend as an argument; its pools keep
    theirs in `_network_backend`, used for every new connection. Where that is missing (another httpx2), downloads
    still stop between pieces, not while blocked on a quiet socket."""
    for transport in (getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()):
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if isinstance(inner, httpcore2.NetworkBackend) and not isinstance(inner, _StoppableBackend):
            pool._network_backend = _StoppableBackend(inner)  # type: ignore[union-attr]
    return client


def _transfer(backend: VideosBackend, video_id: str, dest: Path, variant: str,
              progress: _Throttled | None, stop: _Stop) -> DownloadResult:
    _this_thread.stop = stop
    try:
        return _stream(backend, video_id, dest, variant, progress, stop)
    except Exception as exc:
        if stop.is_set() or isinstance(exc, _Stopped):  # whatever the cut-short read raised
            raise BackendError("network", _("The download of {id} ({variant}) was stopped").format(
                id=_ref(video_id), variant=asset_name(variant))) from None
        if isinstance(exc, BackendError):
            raise
        if isinstance(exc, OSError) and exc.filename is None:  # the directory cannot take the file
            exc.filename = str(dest.parent)
        raise map_error(exc, backend.base_url) from exc
    finally:
        _this_thread.stop = None
        stop.release()


class _Resume(NamedTuple):
    """Where a download starts: after the .part's `offset` bytes, of a file with this validator and total."""

    offset: int = 0
    validator: str | None = None
    total: int | None = None


class _Got(NamedTuple):
    received: int
    total: int | None
    content_type: str | None
    resumed: bool


def _stream(backend: VideosBackend, video_id: str, dest: Path, variant: str,
            progress: _Throttled | None, stop: _Stop) -> DownloadResult:
    from .videos import DownloadResult

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    side = validator_path(part)
    what = f"the {variant} of {_ref(video_id)}"  # for the log
    about = {"variant": asset_name(variant), "id": _ref(video_id)}
    resume = _resume_point(part, side)
    try:
        got = _receive(backend, video_id, variant, part, side, resume, progress, stop)
    except Exception as exc:
        if _status(exc) != 416:
            raise
        size = _unsatisfiable_size(exc)
        if resume.offset and size == resume.offset and resume.total in (None, size):
            # The .part already holds every byte: a run was stopped (SIGKILL, power) between the last byte and the
            # rename. The server answers 416 with the size it has; the file is checked below like any other.
            got = _Got(resume.offset, size, None, True)
        elif resume.offset:
            # This .part cannot be resumed (longer than the file, or the server will not say what it has): start
            # over once, now. Sending the same Range again would get the same 416 on every retry.
            log.info("%s: HTTP 416 to a resume at byte %d (server size %s); starting over", what, resume.offset, size)
            _discard(part, side)
            try:
                got = _receive(backend, video_id, variant, part, side, _Resume(), progress, stop)
            except Exception as again:
                if _status(again) == 416:
                    raise _refused(about) from None
                raise
        else:
            raise _refused(about) from None
    if progress is not None:
        progress(got.received, got.total, final=True)
    if got.total is not None and got.received != got.total:
        raise BackendError("truncated", _("Download of {id} ({variant}) stopped at {received} of {total} bytes").format(
            received=f"{got.received:,}", total=f"{got.total:,}", **about))
    if got.received == 0:
        _discard(part, side)
        raise BackendError("protocol", _("The server sent an empty {variant} for {id}").format(**about))
    problem = incomplete_reason(part, variant)
    if problem is not None:
        # Without Content-Length a short body ends like a whole one: the container tells. Start over next time.
        _discard(part, side)
        raise BackendError("truncated", _("Download of {id} ({variant}) is incomplete: {problem}").format(
            problem=problem, **about))
    saved = _finish(part, dest, side)
    return DownloadResult(saved, got.received, got.content_type, got.resumed)


def _receive(backend: VideosBackend, video_id: str, variant: str, part: Path, side: Path, resume: _Resume,
             progress: _Throttled | None, stop: _Stop) -> _Got:
    """Receive the body into the .part (appending after `resume.offset` when the server resumes there)."""
    offset = resume.offset
    headers: dict[str, str] = {}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if resume.validator:  # resume only if the file is still the one we began with; otherwise it comes whole
            headers["If-Range"] = resume.validator
    about = {"variant": asset_name(variant), "id": _ref(video_id)}
    with backend._stream_content_sync(video_id, variant, headers) as response:
        http = response.http_response
        content_type = response.headers.get("content-type")
        media = (content_type or "").split(";")[0].strip().lower()
        if media in _NOT_MEDIA:
            # An error page or JSON with a success status (a dropped gateway answer): never written into the file.
            raise _refuse(part, side, offset, _("The server sent {media} instead of the {variant} of {id}").format(
                media=media, **about))
        if (wrong := wrong_kind(variant, content_type, None)) is not None:
            raise _refuse(part, side, offset, _("The server sent {wrong} instead of the {variant} of {id}").format(
                wrong=wrong, **about), "wrong_asset")
        if response.status_code == 206:
            total = _checked_range(response.headers, offset, resume.total)
            if total is None:
                got_range = repr(response.headers.get("content-range"))
                raise _refuse(part, side, offset, (
                    _("The server sent a different piece of the {variant} of {id} than the one asked for "
                      "(Content-Range {range}, asked from byte {offset} to the end)") if offset else
                    _("The server sent a different piece of the {variant} of {id} than the one asked for "
                      "(Content-Range {range}, asked for the whole file)")).format(
                          range=got_range, offset=f"{offset:,}", **about))
            resumed = offset > 0
        else:
            # 200 to a Range request: the server ignored it (or the file changed); start over rather than append
            # a second copy.
            total = _content_length(response.headers)
            resumed = False
        received = offset if resumed else 0
        sock = _spliceable(http, total)
        chunks = http.iter_raw() if sock is not None else response.iter_bytes()
        try:
            if sock is not None:
                head, more = _splice_head(chunks, sock, received, total, stop)  # type: ignore[arg-type]
            else:
                head, more = _head(chunks, stop)
            if looks_like_text(b"".join(head)[:SNIFF]):
                raise _refuse(part, side, offset, _("The server sent text (an error page?) instead of the {variant} "
                                                    "of {id}").format(**about))
            # Its first bytes say what it is (a resumed piece's are not the file's first: those were checked;
            # a body cut before a few arrived is reported as cut, below)
            first = b"".join(head)[:16]
            wrong = wrong_kind(variant, content_type, first) if not resumed and len(first) >= 12 else None
            if wrong is not None:
                raise _refuse(part, side, offset, _("The server sent {wrong} instead of the {variant} of {id}").format(
                    wrong=wrong, **about), "wrong_asset")
            if not resumed:
                _write_validator(side, response.headers, total)
            fd = _open_part(part, append=resumed)
            try:
                if sock is not None:
                    received = _write_head(fd, head, received, total, progress)
                    if more:
                        received = _splice_body(sock, fd, received, total, progress, stop)  # type: ignore[arg-type]
                else:
                    received = _write_through(chunks, head, more, fd, received, total, progress, stop)
            finally:
                os.close(fd)
        finally:
            if sock is not None:
                chunks.close()  # type: ignore[attr-defined]
    return _Got(received, total, content_type, resumed)


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


def _checked_range(headers: Any, offset: int, known_total: int | None) -> int | None:
    """The file's total size from a 206 answer's Content-Range, if it is exactly the piece asked for: from
    `offset` to the end of a file of `known_total` bytes (when the first answer said), with a Content-Length
    that agrees; None for anything else (a piece elsewhere, of another file, a Content-Range missing or unread)."""
    match = _CONTENT_RANGE.fullmatch(str(headers.get("content-range") or "").strip())
    if match is None:
        return None
    start, end, total = (int(n) for n in match.groups())
    if start != offset or end != total - 1 or (known_total is not None and total != known_total):
        return None
    length = headers.get("content-length")
    if length is not None and length.strip() != str(end - start + 1):
        return None
    return total


def _content_length(headers: Any) -> int | None:
    length = str(headers.get("content-length") or "").strip()
    return int(length) if length.isdigit() else None


def _refuse(part: Path, side: Path, offset: int, message: str, kind: str = "server") -> BackendError:
    """The error for an answer that is not the file asked for. After a resume request the .part is dropped:
    the next try asks for the whole file, which such servers (a CDN answering ranges with an error page) send."""
    if offset:
        _discard(part, side)
        message = _("{message}; the partial download was discarded and the next try starts from the "
                    "beginning").format(message=message)
    return BackendError(kind, message)


def _refused(about: dict[str, str]) -> BackendError:
    return BackendError("server", _("The server refused to send the {variant} of {id}: it answered \"range not "
                                    "satisfiable\" to a request for the whole file").format(**about), 416)


def _status(exc: BaseException) -> int | None:
    return getattr(getattr(exc, "response", None), "status_code", None)


def _unsatisfiable_size(exc: Exception) -> int | None:
    """The file's size from a 416 answer (Content-Range: bytes */SIZE), else None."""
    response = getattr(exc, "response", None)
    size = str(response.headers.get("content-range", "")).rpartition("/")[2].strip()  # type: ignore[union-attr]
    return int(size) if size.isdigit() else None


def _resume_point(part: Path, side: Path) -> _Resume:
    """What a .part left by an earlier try offers. Anything at its name that is not a plain file of our own (a
    symlink, a hard link to some other file, a fifo) is removed, never read or written through; so is a .part
    longer than the file it was a prefix of."""
    try:
        info = os.lstat(part)
    except FileNotFoundError:
        return _Resume()
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_size == 0:
        _discard(part, side)
        return _Resume()
    validator, total = _read_validator(side)
    if total is not None and info.st_size > total:
        _discard(part, side)
        return _Resume()
    return _Resume(info.st_size, validator, total)


def _discard(part: Path, side: Path) -> None:
    part.unlink(missing_ok=True)
    side.unlink(missing_ok=True)


def _open_part(path: Path, append: bool) -> int:
    """The .part, to append to (it must be there, a plain file of its own) or new. O_NOFOLLOW: a symlink planted
    at its name never redirects the write; a new one is created with O_EXCL after whatever had its name is
    removed (a hard link to another file would be written through otherwise). Appending is a seek to the end, not
    O_APPEND, which splice(2) refuses."""
    if not append:
        path.unlink(missing_ok=True)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise OSError(errno.EEXIST, _("the partial download was replaced by another file"), str(path))
    os.lseek(fd, 0, os.SEEK_END)
    return fd


def place_file(path: Path, dest: Path) -> tuple[Path, bool]:
    """A finished file of ours (in `dest`'s folder) given `dest`'s name by the rule downloads follow
    (_finish): nothing there is replaced, a taken name gives `name (2)`, and a file there with the same bytes
    is kept as it is. Returns where it is now and whether it is new there (False: the same file was there
    already); `path` itself is gone."""
    return _place(path, dest, validator_path(part_path(path)))


def _finish(part: Path, dest: Path, side: Path) -> Path:
    return _place(part, dest, side)[0]


def _place(part: Path, dest: Path, side: Path) -> tuple[Path, bool]:
    """Give the finished .part its name, or `name (2)`, `name (3)`... when that is taken: whatever is there (the
    user's own file, a symlink) is never replaced (core.files.place_new). A numbered name is taken only when its
    pictures' and sidecar's names are free too, so the job's files keep one stem. A file already there with
    exactly these bytes is this download, finished by a run stopped before it recorded it: it is kept as it is,
    rather than saved a second time (and False says so)."""
    for n in range(1, MAX_NUMBERED + 1):
        candidate = numbered_path(dest, n)
        if os.path.lexists(candidate):
            if not _same_bytes(part, candidate):
                continue
        elif n > 1 and any(os.path.lexists(p) for p in sibling_paths(candidate)):
            continue
        elif not place_new(part, candidate) and not _same_bytes(part, candidate):
            continue  # taken meanwhile
        new = not os.path.lexists(part)
        part.unlink(missing_ok=True)  # still there if the file at the name was kept instead
        side.unlink(missing_ok=True)
        if candidate != dest:
            log.info("%s is taken; the download was saved as %s", dest, candidate.name)
        return candidate, new
    raise BackendError("disk", _("{name} and {count} numbered names after it are taken in {folder}").format(
        name=dest.name, count=MAX_NUMBERED - 1, folder=dest.parent))


def _same_bytes(part: Path, other: Path) -> bool:
    """Whether `other` is a plain file (not a symlink) holding exactly the bytes of `part`."""
    try:
        mine, theirs = os.stat(part), os.lstat(other)
        if os.path.samestat(mine, theirs):
            return True
        if not stat.S_ISREG(theirs.st_mode) or theirs.st_size != mine.st_size:
            return False
        with open(part, "rb") as a, open(os.open(other, os.O_RDONLY | os.O_NOFOLLOW), "rb") as b:
            while block := a.read(CHUNK):
                if b.read(len(block)) != block:
                    return False
            return True
    except OSError:
        return False


def _read_validator(path: Path) -> tuple[str | None, int | None]:
    """(ETag or Last-Modified, total size) kept beside a .part; None for what it does not hold. The first line
    alone is the format older versions wrote."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None, None
    try:
        data = os.read(fd, 512) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        data = b""
    finally:
        os.close(fd)
    try:
        lines = data.decode("ascii").split("\n")
    except UnicodeDecodeError:
        return None, None
    validator = lines[0].strip()
    total = lines[1].strip() if len(lines) > 1 else ""
    return (validator if validator and len(validator) < 200 and validator.isprintable() else None,
            int(total) if total.isdigit() else None)


def _write_validator(path: Path, headers: Any, total: int | None) -> None:
    """Keep the ETag (or Last-Modified) of a download in progress, for If-Range when it is resumed, and the total
    size its first answer announced, which every resumed piece must belong to. Written new (O_EXCL | O_NOFOLLOW,
    after removing what had the name): a symlink planted there is never followed."""
    value = str(headers.get("etag") or headers.get("last-modified") or "")
    if value.startswith("W/") or not value.isprintable() or len(value) >= 200:
        value = ""  # a weak ETag cannot guard a byte range
    try:
        data = f"{value}\n{'' if total is None else total}\n".encode("ascii")
        path.unlink(missing_ok=True)
        if not value and total is None:
            return
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    except (OSError, UnicodeEncodeError):
        pass  # without it a resume starts over


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
            except Exception as exc:  # noqa: BLE001 - kept for the receiving thread to raise; this one drains on
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
