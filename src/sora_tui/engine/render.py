"""The local engine's procedural renderer: a real H.264 + AAC MP4, thumbnail and spritesheet, driven by the prompt.

Honest and simple: palette from colour/time words, weather particles, the camera move the prompt names,
and a ball bouncing under gravity whose impacts are heard in the soundtrack at the right frames.
Every frame carries a "LOCAL RENDER · not AI" mark.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from .render_audio import SAMPLE_RATE, soundtrack
from .render_scene import Scene, read_prompt

T = TypeVar("T")  # what a frame feed hands the encoder

FPS = 24
GRAVITY = 9.81
RESTITUTION = 0.78
SPRITE_COLS = 5
SPRITE_FRAMES = 10
SPRITE_TILE = 160  # long side of a spritesheet tile, px
THUMB_LONG_SIDE = 640
MARK_TEXT = "LOCAL RENDER \u00b7 not AI \u00b7 sora-tui engine"


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


Planes = tuple[np.ndarray, np.ndarray, np.ndarray]  # Y (h x w), U and V (h/2 x w/2): a yuv420p picture

# RGB -> limited-range BT.601 YUV, as swscale converts by default (the backdrops go through swscale)
_YUV_MATRIX = np.array([[0.256788, 0.504129, 0.097906],
                        [-0.148223, -0.290993, 0.439216],
                        [0.439216, -0.367788, -0.071427]], np.float32)
_YUV_OFFSET = np.array([16.0, 128.0, 128.0], np.float32)


def _yuv(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    y, u, v = _YUV_MATRIX @ np.array(colour, np.float32) + _YUV_OFFSET
    return round(y), round(u), round(v)


def _planes_of(rgb: np.ndarray) -> Planes:
    """An RGB picture of even size as yuv420p planes (swscale: chroma averaged over each 2x2 block)."""
    import av

    h, w = rgb.shape[:2]
    flat = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(format="yuv420p").to_ndarray()
    flat = flat.reshape(-1)
    q = (h // 2) * (w // 2)
    return (flat[:h * w].reshape(h, w).copy(), flat[h * w:h * w + q].reshape(h // 2, w // 2).copy(),
            flat[h * w + q:h * w + 2 * q].reshape(h // 2, w // 2).copy())


def _frame_planes(frame: object) -> Planes:
    """Writable views of a yuv420p VideoFrame's planes, without their row padding."""
    views = []
    for plane in frame.planes:  # type: ignore[attr-defined]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        views.append(rows[:, :plane.width])
    return views[0], views[1], views[2]


class _Part:
    """One prompt's look: a pre-rendered canvas larger than the frame (kept as yuv420p planes, so a frame is
    cropped from it ready for the encoder), the camera path and particles."""

    def __init__(self, scene: Scene, w: int, h: int, rng: np.random.Generator, reference: np.ndarray | None) -> None:
        self.scene = scene
        self.w, self.h = w, h
        cam = scene.camera
        self.mx = int(abs(cam.dx) * w) + 2
        self.my = int(abs(cam.dy) * h) + 2
        cw, ch = w + 2 * self.mx, h + 2 * self.my  # even: w and h are
        self.canvas = _planes_of(_backdrop(scene, cw, ch, rng, reference))
        self.horizon = int(ch * 0.62)
        n = {"rain": 420, "snow": 260, "petals": 140, "leaves": 110, "sparks": 90, "stars": 160}.get(scene.particles or "", 0)
        self.px = rng.uniform(0, w, n).astype(np.float32)
        self.py = rng.uniform(0, h, n).astype(np.float32)
        self.pv = rng.uniform(0.6, 1.4, n).astype(np.float32)

    def view(self, u: float, out: Planes) -> None:
        """Draws the camera's view at clip fraction u (0..1) of this part into `out` (w x h)."""
        cam = self.scene.camera
        ox = round(self.mx + cam.dx * self.w * (u - 0.5))
        ox = min(max(ox, 0), 2 * self.mx)
        oy = min(max(round(self.my + cam.dy * self.h * (u - 0.5)), 0), 2 * self.my)
        luma, cu, cv = self.canvas
        if cam.zoom == 1.0:
            # chroma from the 2x2 block the luma offset falls in: at most half a chroma sample off
            np.copyto(out[0], luma[oy:oy + self.h, ox:ox + self.w])
            cy, cx, hh, hw = oy // 2, ox // 2, self.h // 2, self.w // 2
            np.copyto(out[1], cu[cy:cy + hh, cx:cx + hw])
            np.copyto(out[2], cv[cy:cy + hh, cx:cx + hw])
            return
        scale = 1.0 + (cam.zoom - 1.0) * u
        cw, ch = int(self.w / scale), int(self.h / scale)
        cx, cy = ox + self.w // 2, oy + self.h // 2
        x0 = min(max(cx - cw // 2, 0), luma.shape[1] - cw)
        y0 = min(max(cy - ch // 2, 0), luma.shape[0] - ch)
        # nearest-neighbour resample with index vectors into the canvas: fast and deterministic
        ys = y0 + (np.arange(self.h) * ch // self.h).clip(0, ch - 1)
        xs = x0 + (np.arange(self.w) * cw // self.w).clip(0, cw - 1)
        np.copyto(out[0], luma[ys[:, None], xs[None, :]])
        cys, cxs = (ys[::2] // 2)[:, None], (xs[::2] // 2)[None, :]
        np.copyto(out[1], cu[cys, cxs])
        np.copyto(out[2], cv[cys, cxs])

    def draw_particles(self, frame: Planes, t: float) -> None:
        kind = self.scene.particles
        if not kind:
            return
        w, h = self.w, self.h
        speed = {"rain": 1.6, "snow": 0.18, "petals": 0.22, "leaves": 0.3, "sparks": -0.12, "stars": 0.0}[kind]
        y = (self.py + self.pv * speed * h * t) % h
        sway = {"snow": 0.03, "petals": 0.05, "leaves": 0.06}.get(kind, 0.0)
        x = (self.px + np.sin(t * 2.0 + self.px) * sway * w) % w
        xi, yi = x.astype(np.int32), y.astype(np.int32)
        colour = {"rain": (170, 190, 230), "snow": (250, 250, 255), "petals": (255, 170, 200),
                  "leaves": (210, 120, 40), "sparks": (255, 210, 90), "stars": (255, 255, 230)}[kind]
        cy, cu, cv = _yuv(colour)
        luma, u_plane, v_plane = frame
        cxi = xi // 2
        size = max(1, w // 400)
        if kind == "rain":
            length = max(4, h // 40)
            for k in range(length):
                rows = (yi + k) % h
                luma[rows, xi] = cy
                if k % 2 == 0:
                    u_plane[rows // 2, cxi] = cu
                    v_plane[rows // 2, cxi] = cv
        else:
            for dx in range(size + 1):
                for dy in range(size + 1):
                    rows, cols = (yi + dy) % h, (xi + dx) % w
                    luma[rows, cols] = cy
                    u_plane[rows // 2, cols // 2] = cu
                    v_plane[rows // 2, cols // 2] = cv


def _backdrop(scene: Scene, w: int, h: int, rng: np.random.Generator, reference: np.ndarray | None) -> np.ndarray:
    if reference is not None:
        return _cover(reference, w, h)
    horizon = int(h * 0.62)
    t = np.linspace(0.0, 1.0, horizon, dtype=np.float32)[:, None]
    top = np.array(scene.sky_top, np.float32)
    hor = np.array(scene.sky_horizon, np.float32)
    sky = top + (hor - top) * t
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:horizon] = sky[:, None, :].astype(np.uint8)
    # distant hills: a seeded ridge line, a shade between horizon and ground
    xs = np.arange(w, dtype=np.float32)
    phase = rng.uniform(0, 6.28, 3)
    ridge = (horizon - h * (0.06 + 0.04 * np.sin(xs / w * 7 + phase[0]) + 0.025 * np.sin(xs / w * 19 + phase[1])
                             + 0.012 * np.sin(xs / w * 41 + phase[2]))).astype(np.int32)
    hill = (np.array(scene.ground, np.float32) * 0.6 + hor * 0.4).astype(np.uint8)
    rows = np.arange(h)[:, None]
    mask = (rows >= ridge[None, :]) & (rows < horizon)
    canvas[mask] = hill
    # ground with stripes so camera movement is visible
    ground = np.array(scene.ground, np.float32)
    g = np.empty((h - horizon, w, 3), np.float32)
    depth = np.linspace(0.75, 1.15, h - horizon, dtype=np.float32)[:, None, None]
    stripes = (((xs // max(8, w // 40)) % 2) * 14.0 - 7.0).astype(np.float32)[None, :, None]
    g[:] = ground[None, None, :] * depth + stripes
    canvas[horizon:] = np.clip(g, 0, 255).astype(np.uint8)
    return canvas


def _cover(image: np.ndarray, w: int, h: int) -> np.ndarray:
    from PIL import Image

    img = Image.fromarray(image)
    scale = max(w / img.width, h / img.height)
    size = (max(w, math.ceil(img.width * scale)), max(h, math.ceil(img.height * scale)))
    img = img.resize(size, Image.Resampling.BILINEAR)
    left, top = (img.width - w) // 2, (img.height - h) // 2
    return np.asarray(img.crop((left, top, left + w, top + h)).convert("RGB"), dtype=np.uint8).copy()


def _decode_reference(data: bytes | None) -> np.ndarray | None:
    if not data:
        return None
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


class _Overlay:
    """A premultiplied RGBA sprite, kept as yuv420p planes so it is blended straight into a frame.

    Blending is linear and RGB -> YUV is affine, so `premul + inv_alpha * background` carries over to YUV as
    `M premul + (1 - inv_alpha) offset + inv_alpha * background`; chroma takes each 2x2 block's means."""

    def __init__(self, premul: np.ndarray, inv_alpha: np.ndarray) -> None:
        h, w = premul.shape[:2]
        eh, ew = h + h % 2, w + w % 2
        pm = np.zeros((eh, ew, 3), np.float32)
        ia = np.ones((eh, ew), np.float32)
        pm[:h, :w], ia[:h, :w] = premul, inv_alpha[:, :, 0]
        yuv = pm @ _YUV_MATRIX.T + (1.0 - ia)[:, :, None] * _YUV_OFFSET
        half = lambda a: a.reshape(eh // 2, 2, ew // 2, 2, *a.shape[2:]).mean(axis=(1, 3))
        self.luma = (yuv[:, :, 0], ia)
        chroma, cia = half(yuv[:, :, 1:]), half(ia)
        self.u, self.v = (chroma[:, :, 0], cia), (chroma[:, :, 1], cia)

    def blend(self, frame: Planes, x: int, y: int) -> None:
        _blend(frame[0], x, y, *self.luma)
        _blend(frame[1], x // 2, y // 2, *self.u)
        _blend(frame[2], x // 2, y // 2, *self.v)


def _printable(font: Any, text: str) -> str | None:
    """The text as the font can draw it: accents dropped (café: cafe), other marks it lacks as "-"; None when it
    lacks letters (a Japanese prompt). A character without a glyph would be drawn as an empty box."""
    import unicodedata

    from PIL import Image, ImageDraw

    def picture(ch: str) -> bytes:
        img = Image.new("L", (64, 64))
        ImageDraw.Draw(img).text((0, 0), ch, font=font, fill=255)
        return img.tobytes()

    if text.isascii():
        return text
    missing = picture("\U0010fffd")  # a private-use character no font draws
    out = []
    for ch in text:
        if ch.isascii() or picture(ch) != missing:
            out.append(ch)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if plain and plain.isascii():
            out.append(plain)
        elif unicodedata.category(ch)[0] in "LN":
            return None
        else:
            out.append("-")
    return "".join(out)


def _cues(scene: Scene) -> str:
    """What the renderer read from a prompt, in the mark's English: "sunset · red · rain · pan left"."""
    words = [scene.time_word, *scene.colours, scene.particles,
             None if scene.camera.name == "static" else scene.camera.name,
             f"sound: {scene.ambience}" if scene.ambience else None]
    return " \u00b7 ".join(w for w in words if w) or "no cues: daylight, static camera"


def _mark_overlay(w: int, h: int, prompt: str, scene: Scene) -> tuple[int, int, _Overlay]:
    """The "local render" label, drawn once with Pillow, blended into every frame."""
    from PIL import Image, ImageDraw, ImageFont

    size = max(10, h // 30)
    font = ImageFont.load_default(size=size)
    small = ImageFont.load_default(size=max(9, int(size * 0.75)))
    excerpt = _printable(small, " ".join(prompt.split())[:70])
    if excerpt is None:
        # the built-in font has no Japanese glyphs: rows of boxes would say nothing, the cues read say what was drawn
        excerpt = ("read: " + _cues(scene))[:70]
    bw, bh = min(w - 8, int(size * 26)), int(size * 2.9)
    img = Image.new("RGBA", (bw, bh), (0, 0, 0, 150))
    draw = ImageDraw.Draw(img)
    draw.text((size // 2, size // 4), MARK_TEXT, font=font, fill=(255, 255, 255, 255))
    draw.text((size // 2, int(size * 1.6)), excerpt, font=small, fill=(220, 220, 220, 255))
    arr = np.asarray(img, dtype=np.float32)
    alpha = arr[:, :, 3:4] / 255.0
    return 4, 4, _Overlay(arr[:, :, :3] * alpha, 1.0 - alpha)


def _ball_rgba(radius: int, colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The shaded ball as premultiplied RGB and 1 - alpha."""
    d = 2 * radius + 1
    yy, xx = np.mgrid[0:d, 0:d].astype(np.float32)
    dist = np.sqrt((xx - radius) ** 2 + (yy - radius) ** 2)
    alpha = np.clip(radius + 0.5 - dist, 0, 1)[:, :, None]
    shade = np.clip(1.15 - 0.5 * np.sqrt((xx - radius * 0.6) ** 2 + (yy - radius * 0.6) ** 2) / radius, 0.55, 1.15)
    rgb = np.clip(np.array(colour, np.float32)[None, None, :] * shade[:, :, None], 0, 255)
    return rgb * alpha, 1.0 - alpha


def _blend(plane: np.ndarray, x: int, y: int, premul: np.ndarray, inv_alpha: np.ndarray) -> None:
    """plane = premul + plane * inv_alpha over the sprite's rectangle at (x, y), clipped to the plane."""
    h, w = premul.shape[:2]
    fh, fw = plane.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, fw), min(y + h, fh)
    if x0 >= x1 or y0 >= y1:
        return
    px, py = x0 - x, y0 - y
    sub = premul[py:py + y1 - y0, px:px + x1 - x0] + plane[y0:y1, x0:x1] * inv_alpha[py:py + y1 - y0, px:px + x1 - x0]
    np.clip(sub, 0, 255, out=sub)
    plane[y0:y1, x0:x1] = sub.astype(np.uint8)


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
    reference = _decode_reference(spec.reference_image)
    parts = [(_Part(read_prompt(p), w, h, rng, reference if i == 0 else None), secs) for i, (p, secs) in enumerate(parts_spec)]
    bounds = np.cumsum([0.0] + [s for _, s in parts])

    height_at, impacts = bounce_path(total)
    radius = max(6, min(w, h) // 22)
    accent = parts[0][0].scene.accent
    sprite = _Overlay(*_ball_rgba(radius, accent))
    ground_y = int(h * 0.62) + int((h - int(h * 0.62)) * 0.35)
    drop_px = ground_y - radius - int(h * 0.08)
    mark = _mark_overlay(w, h, spec.prompt, parts[0][0].scene)
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
        planes = _frame_planes(vf)
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

    frames = _FrameFeed(n_frames, make_frame)  # drawing starts now, beside the soundtrack and the encoder
    try:
        audio = soundtrack(spec, total, impacts, [(read_prompt(p).ambience, s) for p, s in parts_spec], spec.digest())
        container = av.open(str(video_tmp), mode="w", format="mp4")
        try:
            vstream = container.add_stream("libx264", rate=FPS)
            vstream.width, vstream.height = w, h
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
                    progress(0.95 * (i + 1) / n_frames)
            for packet in vstream.encode():
                container.mux(packet)
            _encode_audio(container, astream, audio)
        finally:
            container.close()
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


class _FrameFeed(Generic[T]):
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
