"""What a file is by its first bytes, told by the tests independently of the code under test."""

from __future__ import annotations

from pathlib import Path


def kind_of(path: Path) -> str | None:
    """"video" (an MP4), "picture" (WEBP, JPEG or PNG), or None."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head[4:8] == b"ftyp":
        return "video"
    if (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[:3] == b"\xff\xd8\xff" \
            or head[:8] == b"\x89PNG\r\n\x1a\n":
        return "picture"
    return None
