"""A storyboard's chosen takes assembled into one MP4, locally, with PyAV.

The takes are joined in order by cuts or dissolves. The picture is either stream-copied (every take H.264 with
the same size, pixel format, frame rate, time base and codec headers, and no dissolve: the packets are remuxed
with rebased timestamps) or decoded and encoded again with libx264 as a whole. Re-encoding only the frames around
a dissolve is not done: the engine's takes have a single keyframe (x264 keeps 250 frames apart), so nothing after
a dissolve could be copied, and spliced encodes would need codec headers equal to the takes'. The sound is always
decoded, laid on the film's time line and encoded again (AAC is cheap to encode, and copied AAC packets would
bring each take's encoder priming, a gap at every cut), so it lasts exactly as long as the picture.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson

from ..core.files import SIDECAR_SUFFIX
from ..core.i18n import _
from ..durable import fsync_dir
from ..store.storage import TMP_MARK, remove_stale_temps

Join = Literal["cut", "dissolve"]
CUT_FADE_SECONDS = 0.004  # the sound fades out and in this fast at a cut, so the jump in the waveform is no click
DEFAULT_RATE = 48_000  # the sound's rate when no take has sound


class FilmError(ValueError):
    """A film that cannot be assembled; the message names the take and says why (shown to users as it is)."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass(frozen=True)
class Segment:
    """One take in the film: `join` says how it follows the one before (ignored for the first take); a dissolve
    crossfades the last `dissolve_frames` frames before it with its first ones, picture and sound."""

    path: Path
    join: Join = "cut"
    dissolve_frames: int = 0
    label: str = ""


@dataclass(frozen=True)
class FilmResult:
    """What was written: the film, its length, picture size and rate, and the joins (by the index of the take
    that follows) whose frames were encoded again rather than copied."""

    path: Path
    sidecar: Path
    seconds: float
    frames: int
    width: int
    height: int
    fps: Fraction
    reencoded_joins: tuple[int, ...]
    copied: bool


@dataclass
class _Take:
    segment: Segment
    frames: int
    width: int
    height: int
    fps: Fraction
    time_base: Fraction
    codec: str
    pix_fmt: str
    extradata: bytes
    audio_rate: int | None
    audio_channels: int
    out_frames: int = 0  # its length in the film's frames (differs from `frames` when its rate differs)
    start: int = 0  # its first frame on the film's time line


def _fail(path: Path, message: str) -> FilmError:
    return FilmError(message.format(name=path.name), path)


def _damaged(path: Path) -> FilmError:
    return _fail(path, _("Cannot read the take {name}: the file is damaged or not a video. "
                         "Download it again or choose another take."))


def _probe(segment: Segment) -> _Take:
    import av

    path = Path(segment.path)
    if not path.is_file():
        raise _fail(path, _("Cannot find the take {name}. Download it again or choose another take."))
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise _fail(path, _("The take {name} has no picture."))
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            frames = 0
            for packet in container.demux(video):
                if packet.size:
                    frames += 1
            fps = video.average_rate or video.guessed_rate
            ctx = video.codec_context
            if not frames or not fps or not ctx.width or not ctx.height or video.time_base is None:
                raise _fail(path, _("The take {name} has no frames."))
            return _Take(segment, frames, ctx.width, ctx.height, Fraction(fps), Fraction(video.time_base),
                         ctx.name, ctx.format.name if ctx.format else "", bytes(ctx.extradata or b""),
                         audio.rate if audio is not None else None,
                         audio.codec_context.channels if audio is not None else 0)
    except FilmError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise _damaged(path) from exc


def _lay_out(takes: list[_Take]) -> tuple[int, Fraction]:
    """Places every take on the film's time line (at the first take's frame rate); returns the film's frames."""
    fps = takes[0].fps
    for take in takes:
        take.out_frames = max(1, round(take.frames * fps / take.fps))
    # each dissolve on its own first, so the message names the join that is wrong, then the two around a take
    for i, take in enumerate(takes):
        overlap = _overlap(takes, i)
        if take.segment.join not in ("cut", "dissolve") or overlap < 0:
            raise _fail(take.segment.path, _("The join into {name} must be a cut or a dissolve of 0 frames or more."))
        if i and overlap > min(take.out_frames, takes[i - 1].out_frames):
            raise _fail(take.segment.path, _("The dissolve into {name} is longer than the takes it joins; shorten it."))
    position = 0
    for i, take in enumerate(takes):
        overlap = _overlap(takes, i)
        if i + 1 < len(takes) and overlap + _overlap(takes, i + 1) > take.out_frames:
            raise _fail(take.segment.path, _("The dissolves into and out of {name} overlap; shorten them."))
        position -= overlap
        take.start = position
        position += take.out_frames
    return position, fps


def _overlap(takes: Sequence[_Take], i: int) -> int:
    seg = takes[i].segment
    return seg.dissolve_frames if i and seg.join == "dissolve" else 0


def _copyable(takes: list[_Take]) -> bool:
    first = takes[0]
    return all(t.codec == "h264" and (t.width, t.height, t.pix_fmt, t.fps, t.time_base, t.extradata)
               == (first.width, first.height, first.pix_fmt, first.fps, first.time_base, first.extradata)
               and not _overlap(takes, i) for i, t in enumerate(takes))


def assemble(segments: Sequence[Segment], out: Path, *, sidecar: Mapping[str, object] | None = None,
             progress: Callable[[float], None] | None = None) -> FilmResult:
    """Writes the takes, in order, joined as each `Segment` says, as one MP4 at `out`, and `<stem>.json` beside it
    (the `sidecar` mapping with the film's facts under "film").

    The film has the first take's size and frame rate. A take of another size is scaled to fit and letterboxed
    (its aspect kept, black bars); one of another frame rate is retimed by repeating or dropping frames, so it
    lasts as long as before. The sound is at the first sounding take's rate (others resampled), mono unless a
    take is not; a take without sound is silence. Both files are written under temporary names in the same
    directory and renamed into place, so a failure never leaves a part of a film under `out`; what a writer killed
    before its rename left there is removed by the next assembly of the same film.
    Raises FilmError (its message for users, naming the take) for a take missing, damaged or without a
    picture, and for dissolves longer than the takes they join."""
    if not segments:
        raise FilmError(_("There are no takes to assemble."))
    takes = [_probe(s) for s in segments]
    total, fps = _lay_out(takes)
    first = takes[0]
    copied = _copyable(takes)
    rates = [t.audio_rate for t in takes if t.audio_rate]
    rate = rates[0] if rates else DEFAULT_RATE
    channels = 1 if all(t.audio_channels <= 1 for t in takes) else 2
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"  # the writer's pid first: a killed writer's leftovers are known
    side = out.with_suffix(SIDECAR_SUFFIX)  # film.mp4 -> film.json, as a download's sidecar
    for name in (out, side):  # what an assembly killed before its rename left (a board's run under SIGKILL)
        remove_stale_temps(name)
    tmp_film = out.with_name(f"{out.name}{TMP_MARK}{tag}")
    tmp_side = side.with_name(f"{side.name}{TMP_MARK}{tag}")
    try:
        sound = _soundtrack(takes, total, fps, rate, channels)
        _write(tmp_film, takes, total, fps, copied, sound, rate, progress)
        result = FilmResult(out, side, float(total / fps), total, first.width, first.height, fps,
                            () if copied else tuple(range(1, len(takes))), copied)
        tmp_side.write_bytes(orjson.dumps({**(sidecar or {}), "film": _facts(result, takes)},
                                          option=orjson.OPT_INDENT_2))
        for written in (tmp_film, tmp_side):  # on disk before the names change: a crash leaves old or new
            with open(written, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp_film, out)
        os.replace(tmp_side, side)
    finally:
        for leftover in (tmp_film, tmp_side):
            leftover.unlink(missing_ok=True)
    fsync_dir(out.parent)
    if progress is not None:
        progress(1.0)
    return result


def _facts(result: FilmResult, takes: list[_Take]) -> dict[str, Any]:
    return {
        "file": result.path.name, "seconds": round(result.seconds, 3), "frames": result.frames,
        "width": result.width, "height": result.height, "fps": str(result.fps), "copied": result.copied,
        "reencoded_joins": list(result.reencoded_joins),
        "takes": [{"file": str(t.segment.path), "label": t.segment.label, "join": t.segment.join if i else None,
                   "dissolve_frames": _overlap(takes, i), "start_frame": t.start, "frames": t.out_frames}
                  for i, t in enumerate(takes)],
    }


def _write(path: Path, takes: list[_Take], total: int, fps: Fraction, copied: bool, sound: np.ndarray,
           rate: int, progress: Callable[[float], None] | None) -> None:
    import av

    first = takes[0]
    with av.open(str(path), mode="w", format="mp4") as container:
        if copied:
            with av.open(str(first.segment.path)) as source:
                vstream = container.add_stream_from_template(source.streams.video[0])
        else:
            vstream = container.add_stream("libx264", rate=fps)
            vstream.width, vstream.height, vstream.pix_fmt = first.width, first.height, "yuv420p"
            # speed over size: the film is a draft to watch, and a storyboard may hold minutes of takes
            vstream.options = {"preset": "veryfast", "crf": "20"}
            vstream.thread_count = 2
        astream = container.add_stream("aac", rate=rate)
        astream.layout = "mono" if sound.shape[0] == 1 else "stereo"
        frame_size = astream.codec_context.frame_size or 1024
        sent = 0

        def picture_done(frames: int) -> None:
            """Encodes the sound as far as the picture has gone, so the two are interleaved in the file."""
            nonlocal sent
            upto = sound.shape[1] if frames >= total else round(frames * rate / fps) // frame_size * frame_size
            while sent < upto:
                chunk = np.ascontiguousarray(sound[:, sent:min(sent + frame_size, upto)])
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=astream.layout.name)
                frame.sample_rate, frame.pts = rate, sent
                container.mux(astream.encode(frame))
                sent += chunk.shape[1]
            if progress is not None:
                progress(0.99 * frames / total)

        if copied:
            _copy_picture(container, vstream, takes, picture_done)
        else:
            _encode_picture(container, vstream, takes, fps, picture_done)
        picture_done(total)
        container.mux(astream.encode(None))


def _copy_picture(container: Any, vstream: Any, takes: list[_Take], picture_done: Callable[[int], None]) -> None:
    import av

    done = 0
    for take in takes:
        path = take.segment.path
        offset = round(take.start / take.fps / take.time_base)  # the take's start, in its (shared) time base
        first: int | None = None
        try:
            with av.open(str(path)) as source:
                for packet in source.demux(source.streams.video[0]):
                    if packet.dts is None:  # the demuxer's flush packet
                        continue
                    if first is None:  # a take's time line need not start at 0; the film's takes follow on
                        first = packet.pts if packet.pts is not None else packet.dts
                        offset -= first
                    packet.pts = None if packet.pts is None else packet.pts + offset
                    packet.dts += offset
                    packet.stream = vstream
                    container.mux(packet)
                    done += 1
                    if done % 24 == 0:
                        picture_done(done)
        except av.FFmpegError as exc:
            raise _damaged(path) from exc


def _encode_picture(container: Any, vstream: Any, takes: list[_Take], fps: Fraction,
                    picture_done: Callable[[int], None]) -> None:
    import av

    first = takes[0]
    held: list[np.ndarray] = []  # the last frames of the take before, waiting to be dissolved into this one
    index = 0
    for i, take in enumerate(takes):
        overlap = _overlap(takes, i)
        tail = _overlap(takes, i + 1) if i + 1 < len(takes) else 0
        for n, planes in enumerate(_frames(take, first.width, first.height, fps)):
            if n < overlap:
                w = (n + 1) / (overlap + 1)  # the mix never repeats either side's frame at the ends
                planes = (held[n] * (1 - w) + planes * w).round().astype(np.uint8)
            if n >= take.out_frames - tail:
                held.append(planes)
                continue
            frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
            frame.pts = index
            frame.time_base = 1 / fps
            container.mux(vstream.encode(frame))
            index += 1
            if index % 12 == 0:
                picture_done(index)
        held = held[overlap:]
    container.mux(vstream.encode(None))


def _frames(take: _Take, width: int, height: int, fps: Fraction) -> Iterator[np.ndarray]:
    """The take's frames as yuv420p planes at the film's size, retimed to the film's rate (`out_frames` of them;
    a take that decodes short repeats its last frame)."""
    import av

    path = take.segment.path
    emitted = 0
    last: np.ndarray | None = None
    try:
        with av.open(str(path)) as source:
            stream = source.streams.video[0]
            stream.thread_type = "AUTO"
            for n, frame in enumerate(source.decode(stream)):
                last = _fit(frame, width, height)
                # film frame j shows the take's frame j * take.fps / fps
                while emitted < take.out_frames and emitted * take.fps / fps < n + 1:
                    yield last
                    emitted += 1
    except av.FFmpegError as exc:
        raise _damaged(path) from exc
    if last is None:
        raise _fail(path, _("The take {name} has no frames."))
    while emitted < take.out_frames:
        yield last
        emitted += 1


def _fit(frame: Any, width: int, height: int) -> np.ndarray:
    """The frame as yuv420p planes (the (h*3/2, w) array PyAV uses) of `width`x`height`, letterboxed if need be."""
    if (frame.width, frame.height) == (width, height):
        return frame.to_ndarray(format="yuv420p")  # type: ignore[no-any-return]
    scale = min(width / frame.width, height / frame.height)
    fw, fh = max(2, int(frame.width * scale) // 2 * 2), max(2, int(frame.height * scale) // 2 * 2)
    inner = frame.reformat(width=fw, height=fh, format="yuv420p").to_ndarray()
    out = np.empty((height * 3 // 2, width), np.uint8)
    out[:height] = 16  # black in limited-range luma
    out[height:] = 128  # no colour
    x, y = (width - fw) // 2 // 2 * 2, (height - fh) // 2 // 2 * 2
    out[y:y + fh, x:x + fw] = inner[:fh]
    # the chroma planes are stored as rows of two half-width lines each; copy them line by line
    for plane in range(2):
        src = inner[fh + plane * fh // 4: fh + (plane + 1) * fh // 4].reshape(fh // 2, fw // 2)
        dst = out[height + plane * height // 4: height + (plane + 1) * height // 4].reshape(height // 2, width // 2)
        dst[y // 2:y // 2 + fh // 2, x // 2:x // 2 + fw // 2] = src
    return out


def _soundtrack(takes: list[_Take], total: int, fps: Fraction, rate: int, channels: int) -> np.ndarray:
    """The film's sound, (channels, samples) float32, exactly as long as its picture: each take's sound padded
    with silence or trimmed to its picture, crossfaded linearly over a dissolve, faded briefly at a cut."""

    def at(frame: int) -> int:  # samples are placed from frame positions, so no rounding drift builds up
        return round(frame * rate / fps)

    out = np.zeros((channels, at(total)), np.float32)
    fade = max(1, round(CUT_FADE_SECONDS * rate))
    for i, take in enumerate(takes):
        start, end = at(take.start), at(take.start + take.out_frames)
        clip = np.zeros((channels, end - start), np.float32)
        sound = _decode_sound(take, rate, channels)
        clip[:, :min(sound.shape[1], clip.shape[1])] = sound[:, :clip.shape[1]]
        into = _overlap(takes, i)
        outof = _overlap(takes, i + 1) if i + 1 < len(takes) else 0
        ramp_in = at(take.start + into) - start if into else (fade if i else 0)
        ramp_out = end - at(take.start + take.out_frames - outof) if outof else (fade if i + 1 < len(takes) else 0)
        if ramp_in:
            clip[:, :ramp_in] *= np.linspace(0, 1, ramp_in, endpoint=False, dtype=np.float32) + (0.5 / ramp_in if into else 0)
        if ramp_out:
            clip[:, clip.shape[1] - ramp_out:] *= np.linspace(1, 0, ramp_out, endpoint=False, dtype=np.float32) - (0.5 / ramp_out if outof else 0)
        out[:, start:end] += clip
    return out


def _decode_sound(take: _Take, rate: int, channels: int) -> np.ndarray:
    import av

    if not take.audio_rate:
        return np.zeros((channels, 0), np.float32)
    path = take.segment.path
    resampler = av.AudioResampler(format="fltp", layout="mono" if channels == 1 else "stereo", rate=rate)
    chunks: list[np.ndarray] = []
    try:
        with av.open(str(path)) as source:
            for frame in source.decode(source.streams.audio[0]):
                chunks += [f.to_ndarray() for f in resampler.resample(frame)]
            chunks += [f.to_ndarray() for f in resampler.resample(None)]
    except av.FFmpegError as exc:
        raise _damaged(path) from exc
    return np.concatenate(chunks, axis=1).astype(np.float32) if chunks else np.zeros((channels, 0), np.float32)
