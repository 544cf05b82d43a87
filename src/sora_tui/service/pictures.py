"""A thumbnail or spritesheet made from a downloaded video, for a server that cannot give it: a proxy that
drops the `?variant=` query and sends the MP4 instead, or a server without the variants (404/405).

Both are laid out as the local engine lays out its own (engine/render.py), since the flipbook reads every
spritesheet the same way (tui/widgets/frames.py infers the grid from the sheet's size and the video's
aspect): SPRITE_FRAMES frames evenly from the first to the last, SPRITE_COLS tiles a row, each tile the
video's aspect with a SPRITE_TILE px long side, black after the last tile; the thumbnail is the frame a third
of the way in, THUMB_LONG_SIDE px on its long side, as WEBP (the spritesheet as JPEG).

Only the frames needed are decoded, so the cost stays bounded for a long 1080p clip: the container's index
says where the keyframes are, a frame near one takes it (it decodes alone), a seek goes to the keyframe before
each other frame wanted, and frames between two wanted ones of the same group of pictures are decoded once,
going on from the first instead of seeking back. Each frame kept is scaled down as it is converted (swscale),
so memory holds the decoder's few frames and the small tiles. A file that would take longer than DEADLINE
(a broken index, a long video without keyframes) is given up on.
"""

from __future__ import annotations

import bisect
import math
import os
import time
import uuid
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from ..core.i18n import _

if TYPE_CHECKING:
    from PIL.Image import Image

SPRITE_COLS = 5
SPRITE_FRAMES = 10
SPRITE_TILE = 160
THUMB_LONG_SIDE = 640
THUMB_AT = 1 / 3  # of the frames
DEADLINE = 60.0  # seconds of decoding, at most
# A frame of the spritesheet or the thumbnail may be this fraction of the clip's length off its even place
# (a quarter of the spacing between tiles) when a keyframe is there: it decodes alone, instead of after every
# frame since the keyframe before it (up to 10 s of frames, with x264's defaults).
SNAP = 1 / 40
SEEK_GAP = 2.0  # seconds: without an index, a frame further on than this is sought rather than decoded to
FORMATS = {"thumbnail": ("WEBP", {"quality": 82}), "spritesheet": ("JPEG", {"quality": 80})}


class PictureError(Exception):
    """A picture that cannot be made from this file; the message says why, in the user's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def make_picture(video: Path, dest: Path, variant: str, deadline: float = DEADLINE) -> Path:
    """Make the `variant` ("thumbnail" or "spritesheet") of `video` and save it at `dest`, or at a numbered
    name beside it when that is taken (the downloads' rule: nothing already there is replaced). Returns where
    it went. Blocking (decoding): run it in a worker thread."""
    from ..backend.downloads import place_file

    image = thumbnail(video, deadline) if variant == "thumbnail" else spritesheet(video, deadline)
    fmt, options = FORMATS[variant]
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
    # O_EXCL | O_NOFOLLOW: whatever was planted at the temporary name is never written through
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, fmt, **options)
        return place_file(tmp, dest)[0]
    finally:
        tmp.unlink(missing_ok=True)


def thumbnail(video: Path, deadline: float = DEADLINE) -> Image:
    """The frame a third of the way into the video, THUMB_LONG_SIDE px on its long side."""
    with _Reader(video, deadline) as reader:
        size = reader.scaled(THUMB_LONG_SIDE)
        [frame] = reader.frames([reader.frame_time(THUMB_AT)], size)
        return frame


def spritesheet(video: Path, deadline: float = DEADLINE) -> Image:
    """SPRITE_FRAMES frames from the first to the last, SPRITE_COLS a row (the engine's layout)."""
    from PIL import Image as PILImage

    with _Reader(video, deadline) as reader:
        tw, th = reader.scaled(SPRITE_TILE)
        times = [reader.frame_time(i / (SPRITE_FRAMES - 1)) for i in range(SPRITE_FRAMES)]
        tiles = reader.frames(times, (tw, th))  # fewer for a clip of fewer frames, as the engine's
    rows = math.ceil(len(tiles) / SPRITE_COLS)
    sheet = PILImage.new("RGB", (tw * SPRITE_COLS, th * rows))
    for n, tile in enumerate(tiles):
        sheet.paste(tile, ((n % SPRITE_COLS) * tw, (n // SPRITE_COLS) * th))
    return sheet


class _Reader:
    """The video track of one file, read for a few frames."""

    def __init__(self, video: Path, deadline: float) -> None:
        import av

        self.name = video.name
        self.ends = time.monotonic() + deadline
        self.deadline = deadline
        try:
            self.container = av.open(str(video))
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise PictureError(_("{name} cannot be read as a video ({reason})").format(
                name=self.name, reason=_reason(exc))) from None
        try:
            if not self.container.streams.video:
                raise PictureError(_("{name} has no video track").format(name=self.name))
            self.stream = stream = self.container.streams.video[0]
            # not frame threads: each seek flushes them, and on a busy machine (2 cores) they bought nothing
            stream.thread_type = "SLICE"
            self.width, self.height = stream.codec_context.width, stream.codec_context.height
            if self.width < 1 or self.height < 1:
                raise PictureError(_("{name} has a video track without a picture size").format(name=self.name))
            self.base = stream.time_base or Fraction(1, 90000)
            self.start = stream.start_time or 0
            rate = stream.average_rate or stream.guessed_rate or Fraction(24)
            self.step = max(1, round(1 / (rate * self.base)))  # one frame, in the stream's time base
            # The index gives decode timestamps; a keyframe is shown later by the B-frames' delay, which the
            # first keyframe (shown at the stream's start) tells.
            entries = _index(stream)
            keyframes = sorted(e.timestamp for e in entries if e.is_keyframe) if entries else []
            delay = max(0, self.start - keyframes[0]) if keyframes else 0
            self.keyframes = [k + delay for k in keyframes]
            count = stream.frames  # 0 where the container does not say
            if count:
                self.last = self.start + (count - 1) * self.step
            else:
                seconds = (stream.duration * self.base if stream.duration
                           else Fraction(self.container.duration or 0, 1_000_000))
                self.last = self.start + max(0, round(seconds / self.base) - self.step)
        except BaseException:
            self.container.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.container.close()

    def scaled(self, long_side: int) -> tuple[int, int]:
        """The video's size scaled to `long_side` px on its long side (as the engine scales its stills)."""
        scale = long_side / max(self.width, self.height)
        return max(2, int(self.width * scale)), max(2, int(self.height * scale))

    def frame_time(self, fraction: float) -> int:
        """The timestamp of the frame `fraction` of the way from the first frame to the last."""
        frames = round((self.last - self.start) / self.step)
        return self.start + round(fraction * frames) * self.step

    def frames(self, times: list[int], size: tuple[int, int]) -> list[Image]:
        """The frames at these timestamps (in order, each once), scaled to `size`. A time within SNAP of the
        clip's length of a keyframe takes the keyframe, which decodes alone. A seek is made only where it
        skips decoding: to a keyframe after the last frame decoded (no index: to a frame far ahead)."""
        times = list(dict.fromkeys(self._snapped(t) for t in times))
        got: list[Image] = []
        decoded: Iterator[Any] | None = None
        at: int | None = None  # the timestamp of the last frame decoded
        last = None
        for target in times:
            if decoded is None or at is None or self._worth_seeking(at, target):
                decoded = self._decoded(target)
            frame = None
            for candidate in decoded:
                last = candidate
                at = candidate.pts if candidate.pts is not None else (at or 0) + self.step
                if at >= target - self.step // 2:
                    frame = candidate
                    break
            if frame is None:  # the stream ended before this time (a duration longer than its frames)
                if last is None:
                    raise PictureError(_("{name} has no frame that can be decoded").format(name=self.name))
                frame = last
            got.append(_image(frame, size, self.name))
        return got

    def _snapped(self, target: int) -> int:
        if not self.keyframes:
            return target
        near = bisect.bisect_left(self.keyframes, target)
        nearest = min(self.keyframes[max(0, near - 1):near + 1], key=lambda k: abs(k - target))
        return nearest if abs(nearest - target) <= SNAP * (self.last - self.start) else target

    def _worth_seeking(self, at: int, target: int) -> bool:
        if target <= at:
            return False
        if self.keyframes:
            before = bisect.bisect_right(self.keyframes, target)
            return before > 0 and self.keyframes[before - 1] > at
        return (target - at) * self.base > SEEK_GAP

    def _decoded(self, target: int) -> Iterator[Any]:
        """The frames from the keyframe at or before `target` on."""
        import av

        try:
            self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
            for packet in self.container.demux(self.stream):
                if time.monotonic() > self.ends:
                    raise PictureError(_("decoding {name} took longer than {seconds} s; it was given up").format(
                        name=self.name, seconds=f"{self.deadline:g}"))
                try:
                    yield from packet.decode()
                except av.InvalidDataError:
                    continue  # a damaged packet: the frames after the next keyframe still decode
        except av.FFmpegError as exc:
            raise PictureError(_("{name} cannot be decoded ({reason})").format(name=self.name,
                                                                                 reason=_reason(exc))) from None


def _index(stream: Any) -> Any:
    """The stream's index (every sample of an MP4, a WebM's cues); empty where PyAV does not expose it."""
    try:
        return stream.index_entries
    except AttributeError:
        return []


def _image(frame: Any, size: tuple[int, int], name: str) -> Image:
    try:
        picture: Image = frame.to_image(width=size[0], height=size[1], interpolation="AREA")
        return picture
    except (ValueError, OSError) as exc:
        raise PictureError(_("a frame of {name} cannot be converted ({reason})").format(
            name=name, reason=_reason(exc))) from None


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc).strip() or type(exc).__name__
