"""The local engine's procedural renderer: a real H.264 + AAC MP4, thumbnail and spritesheet, driven by the prompt.

Honest and simple: palette from colour/time words, weather particles, the camera move the prompt names,
and a ball bouncing under gravity whose impacts are heard in the soundtrack at the right frames.
Every frame carries a "LOCAL RENDER · not AI" mark.

This module lays a render out (the parts, the ball's path, the stills) and writes its files; render_scene.py
reads the prompt, render_frames.py draws the frames, render_audio.py makes the soundtrack and render_encode.py
encodes them.
"""

from __future__ import annotations

import hashlib
import math
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .render_audio import soundtrack
from .render_encode import FrameFeed, encode
from .render_frames import Overlay, Part, ball_rgba, decode_reference, frame_planes, mark_overlay
from .render_scene import read_prompt

FPS = 24
GRAVITY = 9.81
RESTITUTION = 0.78
SPRITE_COLS = 5
SPRITE_FRAMES = 10
SPRITE_TILE = 160  # long side of a spritesheet tile, px
THUMB_LONG_SIDE = 640


@dataclass(frozen=True)
class RenderSpec:
    prompt: str
    width: int
    height: int
    seconds: float
    seed: int = 0
    model: str = "sora-2"
    segments: tuple[str, ...] = ()
    segment_seconds: tuple[float, ...] = ()
    reference_image: bytes | None = None

    def digest(self) -> int:
        h = hashlib.sha256()
        for part in (self.prompt, self.width, self.height, self.seconds, self.seed, self.model,
                     "\x1f".join(self.segments), self.segment_seconds):
            h.update(repr(part).encode("utf-8"))
            h.update(b"\x1e")
        if self.reference_image:
            h.update(hashlib.sha256(self.reference_image).digest())
        return int.from_bytes(h.digest()[:8], "big")

    def parts(self) -> list[tuple[str, float]]:
        prompts = [self.prompt, *self.segments]
        if self.segment_seconds and len(self.segment_seconds) == len(prompts):
            return list(zip(prompts, self.segment_seconds))
        return [(p, self.seconds / len(prompts)) for p in prompts]


@dataclass
class RenderResult:
    video: Path
    thumbnail: Path
    spritesheet: Path
    impacts: list[float]
    fps: int
    frames: int
    spritesheet_layout: dict[str, int] = field(default_factory=dict)


def bounce_path(seconds: float, height: float = 1.0) -> tuple[Callable[[np.ndarray], np.ndarray], list[float]]:
    """Height above ground over time for a ball dropped from `height` (scene units), and its impact times."""
    v0 = math.sqrt(2 * GRAVITY * height)
    t = math.sqrt(2 * height / GRAVITY)
    impacts = [t]
    starts = [0.0]
    speeds = [0.0]  # launch speed of each arc; the first arc is the drop
    v = v0
    while t < seconds:
        v *= RESTITUTION
        if v < 0.6:  # at rest: the ball stops bouncing (and the sound stops)
            break
        starts.append(t)
        speeds.append(v)
        t += 2 * v / GRAVITY
        impacts.append(t)
    impacts = [x for x in impacts if x < seconds - 1.0 / FPS]

    def height_at(times: np.ndarray) -> np.ndarray:
        out = np.zeros_like(times)
        idx = np.searchsorted(np.array(starts), times, side="right") - 1
        for i, (s, sp) in enumerate(zip(starts, speeds)):
            m = idx == i
            dt = times[m] - s
            if i == 0:
                out[m] = np.maximum(0.0, height - 0.5 * GRAVITY * dt**2)
            else:
                out[m] = np.maximum(0.0, sp * dt - 0.5 * GRAVITY * dt**2)
        if len(starts) and impacts and times.size:
            rest = times > (impacts[-1] if len(impacts) == len(starts) else 1e9)
            out[rest] = 0.0
        return out

    return height_at, impacts


def render(spec: RenderSpec, out_dir: Path, progress: Callable[[float], None] | None = None) -> RenderResult:
    import av
    from PIL import Image

    w, h = int(spec.width), int(spec.height)
    if w % 2 or h % 2 or w < 16 or h < 16:
        raise ValueError(f"render size must be even and at least 16x16, not {w}x{h}")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.digest())
    parts_spec = spec.parts()
    total = sum(s for _, s in parts_spec)
    n_frames = max(1, round(total * FPS))
    reference = decode_reference(spec.reference_image)
    parts = [(Part(read_prompt(p), w, h, rng, reference if i == 0 else None), secs) for i, (p, secs) in enumerate(parts_spec)]
    bounds = np.cumsum([0.0] + [s for _, s in parts])

    height_at, impacts = bounce_path(total)
    radius = max(6, min(w, h) // 22)
    accent = parts[0][0].scene.accent
    sprite = Overlay(*ball_rgba(radius, accent))
    ground_y = int(h * 0.62) + int((h - int(h * 0.62)) * 0.35)
    drop_px = ground_y - radius - int(h * 0.08)
    mark = mark_overlay(w, h, spec.prompt, parts[0][0].scene)
    times = np.arange(n_frames, dtype=np.float64) / FPS
    heights = height_at(times)
    xs = (w * 0.15 + (w * 0.7) * times / max(total, 1e-6)).astype(np.int32)

    sprite_idx = sorted({round(i * (n_frames - 1) / (SPRITE_FRAMES - 1)) for i in range(SPRITE_FRAMES)})
    thumb_idx = min(n_frames - 1, n_frames // 3)
    # the stills are made from their frames in the drawing thread, which has time to spare beside libx264
    scale = THUMB_LONG_SIDE / max(w, h)
    thumb_size = (max(2, int(w * scale)), max(2, int(h * scale)))
    tscale = SPRITE_TILE / max(w, h)
    tw, th = max(2, int(w * tscale)), max(2, int(h * tscale))
    stills: dict[int, Image.Image] = {}

    _discard_leftovers(out_dir)
    token = uuid.uuid4().hex[:8]
    video_tmp = out_dir / f".video-{token}.mp4"

    def make_frame(i: int) -> av.VideoFrame:
        """Frame i, drawn straight into the yuv420p picture the encoder takes (no RGB frame, no swscale)."""
        t = times[i]
        k = min(int(np.searchsorted(bounds, t, side="right")) - 1, len(parts) - 1)
        part, secs = parts[k]
        u = (t - bounds[k]) / secs if secs else 0.0
        vf = av.VideoFrame(w, h, "yuv420p")
        planes = frame_planes(vf)
        part.view(float(u), planes)
        part.draw_particles(planes, float(t))
        by = ground_y - radius - int(heights[i] * drop_px)
        sprite.blend(planes, int(xs[i]) - radius, by - radius)
        mark[2].blend(planes, mark[0], mark[1])
        if i in sprite_idx or i == thumb_idx:
            rgb = Image.fromarray(vf.to_ndarray(format="rgb24"))
            if i == thumb_idx:
                stills[-1] = rgb.resize(thumb_size, Image.Resampling.BILINEAR)
            if i in sprite_idx:
                stills[i] = rgb.resize((tw, th), Image.Resampling.BILINEAR)
        vf.pts = i
        return vf

    frames = FrameFeed(n_frames, make_frame)  # drawing starts now, beside the soundtrack and the encoder
    try:
        audio = soundtrack(spec, total, impacts, [(read_prompt(p).ambience, s) for p, s in parts_spec], spec.digest())
        encode(video_tmp, frames, audio, fps=FPS, width=w, height=h, count=n_frames, progress=progress)
    except BaseException:
        video_tmp.unlink(missing_ok=True)  # a failed or cancelled render leaves nothing half-written behind
        raise
    finally:
        frames.close()
    video = out_dir / "video.mp4"
    os.replace(video_tmp, video)

    thumbnail = _atomic_image(stills[-1], out_dir / "thumbnail.webp", "WEBP", quality=82)
    rows = math.ceil(len(sprite_idx) / SPRITE_COLS)
    sheet = Image.new("RGB", (tw * SPRITE_COLS, th * rows))
    for n, idx in enumerate(sprite_idx):
        sheet.paste(stills[idx], ((n % SPRITE_COLS) * tw, (n // SPRITE_COLS) * th))
    spritesheet = _atomic_image(sheet, out_dir / "spritesheet.jpg", "JPEG", quality=80)
    if progress is not None:
        progress(1.0)
    return RenderResult(
        video, thumbnail, spritesheet, impacts, FPS, n_frames,
        {"columns": SPRITE_COLS, "rows": rows, "tiles": len(sprite_idx), "tile_width": tw, "tile_height": th},
    )


# The half-written files a render leaves when it dies with its process (SIGKILL, power cut): no except clause runs
# then, so the next render of the same directory clears them. Only these names: meta.json's are not the renderer's.
_LEFTOVERS = (".video-*.mp4", ".thumbnail.webp-*", ".spritesheet.jpg-*")


def _discard_leftovers(out_dir: Path) -> None:
    for pattern in _LEFTOVERS:
        for path in out_dir.glob(pattern):
            path.unlink(missing_ok=True)


def _atomic_image(img: object, path: Path, fmt: str, **kw: object) -> Path:
    tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex[:8]}")
    img.save(tmp, fmt, **kw)  # type: ignore[attr-defined]
    os.replace(tmp, path)
    return path
