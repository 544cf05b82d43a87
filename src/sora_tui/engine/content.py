"""Serving a video's files: ETags, Range requests (206 and 416), sendfile(2) when the server offers it and
chunks read in a thread when not, and the lying-content mode's answers."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .errors import ENGINE_HEADER, error_response
from .zerocopy import ZERO_COPY_SEND

CHUNK = 256 * 1024


def file_response(request: Request, path: Path, *, video_id: str, variant: str, modes: frozenset[str]) -> Response:
    """`path` (the video's `variant`, which exists) as the answer to `request`: whole, or the range it asks for."""
    ctype = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}[variant]
    if "lying-content" in modes:
        ctype = "application/octet-stream"
    size = path.stat().st_size
    # from a hash: ids are opaque (any length, any characters), an ETag must stay a short ASCII token
    etag = f'"{hashlib.sha256(video_id.encode()).hexdigest()[:12]}-{variant}-{size}"'
    headers = {**ENGINE_HEADER, "Accept-Ranges": "bytes", "ETag": etag}
    start, end, status_code = 0, size - 1, 200
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header and "range-416" in modes:  # refused, and no Content-Range to say what is there
        return error_response(416, "Requested range not satisfiable.", "range_not_satisfiable")
    if range_header and (not if_range or if_range == etag):
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
        if not m or (not m.group(1) and not m.group(2)):
            return error_response(416, "Invalid Range header.", "range_not_satisfiable", headers={"Content-Range": f"bytes */{size}"})
        if m.group(1):
            start = int(m.group(1))
            end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
        else:  # suffix range: the last N bytes
            start = max(0, size - int(m.group(2)))
        if start >= size or start > end:
            return error_response(416, "Requested range not satisfiable.", "range_not_satisfiable", headers={"Content-Range": f"bytes */{size}"})
        status_code = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    if status_code == 206 and "lying-content" in modes:
        # the promised bytes, exactly as many, but an HTML page (a CDN's error page) and no type
        return Response(_html_page(end - start + 1), status_code=206, headers=headers)
    if ZERO_COPY_SEND in request.scope.get("extensions", {}):
        return _ZeroCopyFileResponse(path, start, end, status_code=status_code, media_type=ctype, headers=headers)
    return StreamingResponse(_file_chunks(path, start, end), status_code=status_code, media_type=ctype, headers=headers)


def _html_page(length: int) -> bytes:
    page = (b"<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
            b"<p>The upstream server did not answer.</p>")
    tail = b"</body></html>"
    if length <= len(tail):
        return tail[-length:] if length else b""
    body = page[: length - len(tail)]
    return body + b" " * (length - len(tail) - len(body)) + tail


class _ZeroCopyFileResponse(Response):
    """A file's bytes start..end (inclusive), moved by the server with sendfile(2) (zerocopy.py)."""

    def __init__(self, path: Path, start: int, end: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path, self.start, self.count = path, start, end - start + 1

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Opening a local file takes microseconds; the body goes by sendfile(2), outside the event loop.
        with open(self.path, "rb") as fh:  # noqa: ASYNC230
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": ZERO_COPY_SEND, "file": fh, "offset": self.start, "count": self.count, "more_body": False})


async def _file_chunks(path: Path, start: int, end: int):  # type: ignore[no-untyped-def]
    remaining = end - start + 1
    with open(path, "rb") as fh:  # noqa: ASYNC230 - the open is microseconds; the reads go to a thread
        fh.seek(start)
        while remaining > 0:
            block = await asyncio.to_thread(fh.read, min(CHUNK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
