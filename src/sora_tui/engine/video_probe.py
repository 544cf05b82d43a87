"""What a video file holds, read back with PyAV: its streams (probe) and its first or last frame as PNG.
The engine reads uploaded clips with them; the tests read renders."""

from __future__ import annotations

import io
from pathlib import Path


def still_frame(path: Path, last: bool = False) -> bytes:
    """The first (or last) frame of a video as PNG bytes."""
    import av
    from PIL import Image

    chosen = None
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            chosen = frame
            if not last:
                break
    if chosen is None:
        raise ValueError("no video frames")
    buf = io.BytesIO()
    Image.fromarray(chosen.to_ndarray(format="rgb24")).save(buf, "PNG")
    return buf.getvalue()


def probe(path: Path) -> dict:
    """What a file really is (PyAV): size, duration, codecs, audio presence, frame rate."""
    import av

    with av.open(str(path)) as c:
        v = next((s for s in c.streams if s.type == "video"), None)
        a = next((s for s in c.streams if s.type == "audio"), None)
        duration = float(c.duration / 1_000_000) if c.duration else 0.0
        return {
            "width": v.codec_context.width if v else 0,  # type: ignore[attr-defined]  # a video stream's context
            "height": v.codec_context.height if v else 0,  # type: ignore[attr-defined]
            "duration": duration,
            "video_codec": v.codec_context.name if v else None,
            "audio_codec": a.codec_context.name if a else None,
            "has_audio": a is not None,
            "fps": float(v.average_rate) if v and v.average_rate else 0.0,
        }
