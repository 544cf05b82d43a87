"""The encoder's side of a render: the frame feed that draws ahead in a thread of its own, and the MP4 written
from its frames and the soundtrack (H.264 + AAC, with PyAV)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from .render_audio import SAMPLE_RATE

T = TypeVar("T")  # what a frame feed hands the encoder


class FrameFeed(Generic[T]):
    """Builds the frames (and the stills taken from them) in a thread of its own, a few ahead of the encoder.

    Both sides spend their time in numpy and libx264 with the GIL released, so a single render uses both
    cores: drawing frame n+1 overlaps encoding frame n. Frames come out in order; an error in the drawing
    thread is raised in the encoder's."""

    def __init__(self, count: int, make: Callable[[int], T], ahead: int = 6) -> None:
        self._queue: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._count, self._make = count, make
        self._thread = threading.Thread(target=self._run, name="render-frames", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for i in range(self._count):
                if not self._put((True, self._make(i))):
                    return
        except Exception as exc:  # noqa: BLE001 - handed to the encoder's thread, which raises it
            self._put((False, exc))
            return
        self._put((False, None))

    def _put(self, item: tuple[bool, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            ok, item = self._queue.get()
            if not ok:
                if item is not None:
                    raise item  # type: ignore[misc]
                return
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def encode(path: Path, frames: Iterable[Any], audio: np.ndarray, *, fps: int, width: int, height: int,
           count: int, progress: Callable[[float], None] | None = None) -> None:
    """Writes `path` as an MP4 of the `count` frames and the mono soundtrack; `progress` goes to 0.95 with the
    frames (the stills and the rest of the render take the last part)."""
    import av

    container = av.open(str(path), mode="w", format="mp4")
    try:
        vstream = container.add_stream("libx264", rate=fps)
        vstream.width, vstream.height = width, height
        vstream.pix_fmt = "yuv420p"
        vstream.options = {"preset": "ultrafast", "crf": "26", "tune": "fastdecode"}
        vstream.thread_count = 2
        astream = container.add_stream("aac", rate=SAMPLE_RATE)
        astream.layout = "mono"
        astream.options = {"aac_coder": "fast"}  # a third of the default coder's time; fine for these sounds
        for i, vf in enumerate(frames):
            for packet in vstream.encode(vf):
                container.mux(packet)
            if progress is not None and i % 6 == 0:
                progress(0.95 * (i + 1) / count)
        for packet in vstream.encode():
            container.mux(packet)
        _encode_audio(container, astream, audio)
    finally:
        container.close()


def _encode_audio(container: object, stream: object, audio: np.ndarray) -> None:
    import av

    frame_size = 1024
    pts = 0
    for start in range(0, len(audio), frame_size):
        chunk = audio[start:start + frame_size]
        frame = av.AudioFrame.from_ndarray(chunk[None, :].astype(np.float32), format="fltp", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = pts
        pts += len(chunk)
        for packet in stream.encode(frame):  # type: ignore[attr-defined]
            container.mux(packet)  # type: ignore[attr-defined]
    for packet in stream.encode(None):  # type: ignore[attr-defined]
        container.mux(packet)  # type: ignore[attr-defined]
