"""Drawing the renderer's frames, straight into yuv420p planes: the backdrop canvas (sky, hills, ground, or the
reference image), the camera's view of it, weather particles, the ball, and the "local render" mark."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from .render_scene import Scene

MARK_TEXT = "LOCAL RENDER \u00b7 not AI \u00b7 sora-tui engine"

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


def frame_planes(frame: object) -> Planes:
    """Writable views of a yuv420p VideoFrame's planes, without their row padding."""
    views = []
    for plane in frame.planes:  # type: ignore[attr-defined]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        views.append(rows[:, :plane.width])
    return views[0], views[1], views[2]


class Part:
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


def decode_reference(data: bytes | None) -> np.ndarray | None:
    if not data:
        return None
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


class Overlay:
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


def mark_overlay(w: int, h: int, prompt: str, scene: Scene) -> tuple[int, int, Overlay]:
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
    return 4, 4, Overlay(arr[:, :, :3] * alpha, 1.0 - alpha)


def ball_rgba(radius: int, colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
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
