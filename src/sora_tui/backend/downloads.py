"""Streaming downloads straight to disk: resumable (.part + Range), size-checked, atomic, sha256 recorded."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..durable import fsync_dir
from .errors import BackendError, map_error
from .integrity import incomplete_reason

if TYPE_CHECKING:
    from .videos import DownloadResult, ProgressFn, VideosBackend

CHUNK = 1 << 20
_NOT_MEDIA = {"application/json", "text/html", "text/plain", "application/problem+json"}


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _hash_existing(path: Path) -> tuple[hashlib._Hash, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest, size


def _open_part(path: Path, append: bool) -> int:
    # O_NOFOLLOW: a symlink planted at the .part name must not redirect our write elsewhere.
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if append else os.O_TRUNC)
    return os.open(path, flags, 0o644)


def _total_from_headers(status: int, headers: object, offset: int) -> int | None:
    get = getattr(headers, "get")
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
    try:
        return await _stream(backend, video_id, dest, variant, progress)
    except OSError as exc:  # the directory cannot be made or written (read-only, full, not a directory)
        if exc.filename is None:
            exc.filename = str(dest.parent)
        raise map_error(exc, backend.base_url) from exc


async def _stream(
    backend: VideosBackend, video_id: str, dest: Path, variant: str, progress: ProgressFn | None
) -> DownloadResult:
    from .videos import DownloadResult

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    offset = 0
    digest = hashlib.sha256()
    validator_file = part.with_name(part.name + ".validator")
    if part.exists() and not part.is_symlink():
        digest, offset = _hash_existing(part)
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    validator = _read_validator(validator_file) if offset else None
    if validator:  # resume only if the file is still the one we began with; otherwise the server sends it whole
        headers["If-Range"] = validator
    received = offset
    resumed = False
    content_type: str | None = None
    try:
        async with backend._stream_content(video_id, variant, headers) as response:
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
                digest, offset, received = hashlib.sha256(), 0, 0
            total = _total_from_headers(status, response.headers, offset)
            if not resumed:
                _write_validator(validator_file, response.headers)
            fd = _open_part(part, append=resumed)
            try:
                # No chunk size: bytes are written as they arrive, so a cut-off keeps them for a Range resume
                # (a 1 MB chunk size buffered them, and a drop lost the buffer).
                async for chunk in response.iter_bytes():
                    _write_all(fd, chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(received, total)
                os.fsync(fd)
            finally:
                os.close(fd)
    except BackendError:
        raise
    except Exception as exc:
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(dest.parent)
        raise map_error(exc, backend.base_url) from exc
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
    os.replace(part, dest)
    validator_file.unlink(missing_ok=True)
    fsync_dir(dest.parent)
    return DownloadResult(dest, received, digest.hexdigest(), content_type, resumed)


def _read_validator(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if text and len(text) < 200 and text.isprintable() else None


def _write_validator(path: Path, headers: object) -> None:
    """Keep the ETag (or Last-Modified) of a download in progress, for If-Range when it is resumed."""
    get = getattr(headers, "get")
    value = get("etag") or get("last-modified")
    try:
        if value and not str(value).startswith("W/"):  # a weak ETag cannot guard a byte range
            path.write_text(str(value), encoding="ascii")
        else:
            path.unlink(missing_ok=True)
    except (OSError, UnicodeEncodeError):
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
