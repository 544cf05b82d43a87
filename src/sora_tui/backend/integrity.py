"""Is a downloaded file whole? Cheap structural checks by container, for bodies that came without a length.

A server that closes the connection early without having sent Content-Length leaves a short file that
looks like a success (PITFALLS.md). These checks read only headers and box boundaries, never the whole file.
"""

from __future__ import annotations

import struct
from pathlib import Path


def incomplete_reason(path: Path, variant: str) -> str | None:
    """None when the file is structurally complete for its kind; otherwise what is wrong with it."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(16)
            if head[4:8] == b"ftyp":
                return _mp4(fh, size)
            if head[:4] == b"\x1a\x45\xdf\xa3":
                return None  # WebM/Matroska (some gateways): no cheap end check, the byte count must do
            if variant == "video":
                return f"it does not start like a video file (first bytes {head[:8]!r})"
            if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
                declared = struct.unpack("<I", head[4:8])[0] + 8
                return None if declared == size else f"WEBP declares {declared:,} bytes, file has {size:,}"
            if head[:2] == b"\xff\xd8":
                fh.seek(max(0, size - 2))
                return None if fh.read(2) == b"\xff\xd9" else "JPEG without its end marker"
            if head[:8] == b"\x89PNG\r\n\x1a\n":
                fh.seek(max(0, size - 12))
                return None if fh.read(12)[4:8] == b"IEND" else "PNG without its IEND chunk"
            if head[:4] == b"GIF8":
                fh.seek(max(0, size - 1))
                return None if fh.read(1) == b";" else "GIF without its trailer"
    except OSError as exc:
        return f"cannot read it back: {exc.strerror}"
    return f"it does not start like an image file (first bytes {head[:8]!r})"


def _mp4(fh: object, size: int) -> str | None:
    """Walk the top-level boxes: they must tile the file exactly, and hold moov and mdat."""
    seen: set[bytes] = set()
    offset = 0
    while offset < size:
        fh.seek(offset)  # type: ignore[attr-defined]
        header = fh.read(16)  # type: ignore[attr-defined]
        if len(header) < 8:
            return f"MP4 box header cut at byte {offset:,}"
        box_size, kind = struct.unpack(">I4s", header[:8])
        if box_size == 1:
            if len(header) < 16:
                return f"MP4 box header cut at byte {offset:,}"
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0:
            box_size = size - offset  # "to the end of the file"
        if box_size < 8:
            return f"MP4 box {kind!r} has an impossible size at byte {offset:,}"
        if offset + box_size > size:
            return f"MP4 box {kind.decode('latin-1')!r} runs past the end of the file ({size:,} bytes)"
        seen.add(kind)
        offset += box_size
    missing = [k.decode() for k in (b"moov", b"mdat") if k not in seen]
    return f"MP4 without {' and '.join(missing)}" if missing else None
