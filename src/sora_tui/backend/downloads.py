"""Streaming downloads straight to disk: resumable (.part + Range), size-checked, container-checked, atomic.

This room receives an answer and decides what it is: whether a resumed piece is the one asked for, whether the
body is the file at all, when the download is whole. How the bytes move is the transfer paths': a plain-HTTP body
of known length moves from the socket to the file inside the kernel (backend/spliced.py); anything else (TLS,
compressed, chunked) comes through httpx2 and is written by a thread beside the one receiving it
(backend/streamed.py). The .part, its validator and the finished file's name are backend/download_files.py's.

A download is done when every byte is in the file and the file is at its name: as curl, it does not wait for the
disk. Hashing the bytes as they came cost a third of the transfer rate on 2 cores (the server sending on one), and
waiting for the disk (writeback started every 8 MB, an fsync before the rename) 0.55x curl's rate against 0.87x
without (bench/downloads.py): `settle` does both after the transfer, and the job service records the sha256 once
the file is on disk (service/downloads.py), so a file without one has not been checked and is not trusted as whole.

What is in the .part is always a whole prefix of the server's file: a resumed piece must start where it was asked
to and belong to a file of the size the first answer announced (kept with its ETag in `.part.validator`), and no
body's first bytes are written before they are seen not to be text (an error page a gateway sent as the video)
nor another kind of file than the one asked for (the MP4 for a thumbnail: a proxy that drops `?variant=`).

A stop (the download cancelled) reaches the transfer within a fraction of a second wherever it waits
(backend/stopping.py)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..core.i18n import _
from ..core.job import asset_name
from ..core.text import middle
from .download_files import (
    CHUNK,
    _discard,
    _finish,
    _open_part,
    _Resume,
    _resume_point,
    _write_validator,
    file_sha256,
    part_path,
    place_file,
    settle,
    validator_path,
)
from .errors import BackendError, map_error
from .integrity import incomplete_reason, looks_like_text, wrong_kind
from .spliced import _splice_body, _splice_head, _spliceable, _write_head
from .stopping import _Stop, _Stopped, _this_thread, stoppable
from .streamed import SNIFF, _head, _lower_priority, _write_through

if TYPE_CHECKING:
    from .videos import DownloadResult, ProgressFn, VideosBackend

# What the rest of the code imports from here: the .part's and the finished file's names live in
# backend/download_files.py, the stop's in backend/stopping.py, and are re-exported.
__all__ = ["CHUNK", "file_sha256", "part_path", "place_file", "settle", "stoppable", "stream_to_file",
           "transfer_threads", "validator_path"]

log = logging.getLogger(__name__)

_NOT_MEDIA = {"application/json", "text/html", "text/plain", "application/problem+json"}
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+)")


def _ref(video_id: str) -> str:
    """A server id as a message names it: whole when short, else cut in the middle. A gateway's ids run to
    hundreds of characters, which buried every notice saying what went wrong with one download."""
    return middle(video_id, 40)


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


class _Throttled:
    """Progress from the worker thread, at most every 100 ms (and always the last one)."""

    def __init__(self, send: Callable[[int, int | None], Any]) -> None:
        self.send, self.last = send, 0.0

    def __call__(self, got: int, total: int | None, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self.last >= 0.1:
            self.last = now
            self.send(got, total)


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
                chunks.close()
    return _Got(received, total, content_type, resumed)


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
