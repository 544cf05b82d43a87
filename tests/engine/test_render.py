"""The procedural renderer: real files, and picture and sound that honestly follow the prompt."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from sora_tui.engine.render import FPS, RenderSpec, render
from sora_tui.engine.render_audio import SAMPLE_RATE
from sora_tui.engine.video_probe import probe


def frames(path: Path, indices: list[int] | None = None) -> list[np.ndarray]:
    out = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if indices is None or i in indices:
                out.append(f.to_ndarray(format="rgb24"))
    return out


def audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        chunks = [f.to_ndarray().reshape(-1) for f in c.decode(audio=0)]
    return np.concatenate(chunks)


def test_files_are_real_and_sized(tmp_path: Path) -> None:
    r = render(RenderSpec("a red kite over the sea", 320, 180, 2.0), tmp_path)
    info = probe(r.video)
    assert (info["width"], info["height"], info["video_codec"], info["audio_codec"]) == (320, 180, "h264", "aac")
    assert abs(info["duration"] - 2.0) <= 1.0 / FPS + 0.03
    assert r.frames == 48 and r.fps == FPS
    with Image.open(r.thumbnail) as t:
        assert t.format == "WEBP" and max(t.size) == 640
    with Image.open(r.spritesheet) as s:
        layout = r.spritesheet_layout
        assert s.format == "JPEG"
        assert s.size == (layout["columns"] * layout["tile_width"], layout["rows"] * layout["tile_height"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_deterministic_and_seeded(tmp_path: Path) -> None:
    spec = RenderSpec("snow at night, zoom in", 160, 96, 1.0, seed=5)
    a = render(spec, tmp_path / "a")
    b = render(spec, tmp_path / "b")
    c = render(RenderSpec("snow at night, zoom in", 160, 96, 1.0, seed=6), tmp_path / "c")
    digest = lambda fs: [hashlib.sha256(f.tobytes()).hexdigest() for f in fs]
    assert digest(frames(a.video)) == digest(frames(b.video))
    assert np.array_equal(audio(a.video), audio(b.video))
    assert a.video.read_bytes() == b.video.read_bytes()
    assert digest(frames(c.video)) != digest(frames(a.video))


def mean_rgb(path: Path, index: int = 0) -> np.ndarray:
    f = frames(path, [index])[0]
    return f[f.shape[0] // 4: f.shape[0] // 2].reshape(-1, 3).mean(axis=0)  # the sky band


def test_palette_follows_words(tmp_path: Path) -> None:
    warm = mean_rgb(render(RenderSpec("a red sunset over hills", 160, 96, 0.5), tmp_path / "w").video)
    cold = mean_rgb(render(RenderSpec("a blue night over hills", 160, 96, 0.5), tmp_path / "c").video)
    assert warm[0] - warm[2] > cold[0] - cold[2] + 40
    assert warm.sum() > cold.sum()


def _shift(a: np.ndarray, b: np.ndarray) -> int:
    """How far the picture moved right from a to b (the hills' ridge band, which does not repeat)."""
    band = slice(int(a.shape[0] * 0.40), int(a.shape[0] * 0.60))
    row_a = a[band].astype(float).mean(axis=(0, 2))
    row_b = b[band].astype(float).mean(axis=(0, 2))
    best, best_err = 0, float("inf")
    for s in range(-40, 41):
        x = row_a[max(0, s): len(row_a) + min(0, s)]
        y = row_b[max(0, -s): len(row_b) + min(0, -s)]
        e = float(np.mean((x - y) ** 2))
        if e < best_err:
            best, best_err = s, e
    return -best


def test_camera_moves_as_named(tmp_path: Path) -> None:
    left = frames(render(RenderSpec("a field, slow pan left", 320, 180, 1.0), tmp_path / "l").video, [0, 3])
    right = frames(render(RenderSpec("a field, pan right", 320, 180, 1.0), tmp_path / "r").video, [0, 3])
    static = frames(render(RenderSpec("a field", 320, 180, 1.0), tmp_path / "s").video, [0, 3])
    # content moves right on screen when the camera pans left, and the other way round
    assert _shift(left[0], left[1]) > 2
    assert _shift(right[0], right[1]) < -2
    assert _shift(static[0], static[1]) == 0


def test_particles_for_weather_words(tmp_path: Path) -> None:
    dry = frames(render(RenderSpec("a field at noon", 160, 96, 0.5), tmp_path / "d").video, [6])[0]
    wet = frames(render(RenderSpec("a field at noon, rain", 160, 96, 0.5), tmp_path / "r").video, [6])[0]
    assert np.abs(dry.astype(int) - wet.astype(int)).mean() > 1.0


def test_impacts_are_heard_at_their_frames(tmp_path: Path) -> None:
    r = render(RenderSpec("a quiet field, static", 160, 96, 4.0), tmp_path)
    assert len(r.impacts) >= 3
    samples = audio(r.video)
    window = int(0.01 * SAMPLE_RATE)
    energy = np.array([np.abs(samples[i:i + window]).max() for i in range(0, len(samples) - window, window)])
    onsets = [i * 0.01 for i in range(1, len(energy)) if energy[i] > 0.08 and energy[i - 1] < 0.05]
    # AAC adds a small priming delay; every impact has an onset within ~1 frame, and there are no extra ones
    for t in r.impacts:
        assert any(abs(o - t) <= 1.0 / FPS + 0.03 for o in onsets), (t, onsets)
    assert len(onsets) == len(r.impacts)


def test_local_render_mark_on_every_frame(tmp_path: Path) -> None:
    r = render(RenderSpec("a dark night", 320, 180, 0.5), tmp_path)
    for f in frames(r.video):
        corner = f[4:20, 8:120].astype(int)
        assert corner.max() > 200  # white text over the dark label box


def test_reference_image_is_the_first_frame_backdrop(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (320, 180), (20, 200, 40)).save(buf, "PNG")
    r = render(RenderSpec("continue the scene", 320, 180, 0.5, reference_image=buf.getvalue()), tmp_path)
    first = frames(r.video, [0])[0]
    g = first[90:170, 200:300].reshape(-1, 3).mean(axis=0)
    assert g[1] > 150 and g[0] < 80


def test_segments_change_the_scene(tmp_path: Path) -> None:
    spec = RenderSpec("a snowy night", 160, 96, 2.0, segments=("a red sunset",), segment_seconds=(1.0, 1.0))
    r = render(spec, tmp_path)
    assert r.frames == 48
    early, late = mean_rgb(r.video, 5), mean_rgb(r.video, 40)
    assert late[0] > early[0] + 60


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (1920, 1080), (1024, 1792)])
def test_protocol_sizes(tmp_path: Path, size: tuple[int, int]) -> None:
    r = render(RenderSpec("a kite", size[0], size[1], 0.25), tmp_path)
    info = probe(r.video)
    assert (info["width"], info["height"]) == size


def test_frame_feed_keeps_order_and_hands_errors_to_the_encoder() -> None:
    import threading

    from sora_tui.engine.render_encode import FrameFeed

    assert list(FrameFeed(20, lambda i: i * i)) == [i * i for i in range(20)]

    def broken(i: int) -> int:
        if i == 3:
            raise ValueError("frame 3 could not be drawn")
        return i

    feed = FrameFeed(10, broken)
    got: list[int] = []
    with pytest.raises(ValueError, match="frame 3"):
        got.extend(feed)  # type: ignore[arg-type]
    feed.close()
    assert got == [0, 1, 2]

    # An encoder that gives up early (cancelled job) stops the drawing thread instead of leaving it blocked.
    feed = FrameFeed(10_000, lambda i: i, ahead=2)
    next(iter(feed))
    feed.close()
    assert not any(t.name == "render-frames" and t.is_alive() for t in threading.enumerate())


def test_yuv_drawing_matches_rgb_converted_by_swscale() -> None:
    """The frames are drawn in YUV: a colour, and the ball blended over a sky, come out as swscale converts
    the same picture drawn in RGB."""
    from sora_tui.engine.render_frames import Overlay, _planes_of, _yuv, ball_rgba, frame_planes

    colour = (170, 190, 230)
    solid = _planes_of(np.full((8, 8, 3), colour, np.uint8))
    assert [int(p[0, 0]) for p in solid] == pytest.approx(list(_yuv(colour)), abs=1)

    ramp = np.linspace(0.0, 1.0, 64, dtype=np.float32)[:, None, None]
    sky = np.broadcast_to(np.array([40, 60, 160], np.float32) + ramp * np.array([200, 90, -100], np.float32),
                          (64, 96, 3))
    premul, inv = ball_rgba(14, (200, 40, 30))
    background = _planes_of(sky.astype(np.uint8))
    for x, chroma_max in ((30, 6), (31, 32)):  # odd x: the chroma lands half a sample beside the luma
        drawn = sky.copy()
        drawn[20:49, x:x + 29] = premul + drawn[20:49, x:x + 29] * inv
        expected = _planes_of(drawn.astype(np.uint8))
        planes = frame_planes(av.VideoFrame(96, 64, "yuv420p"))
        for out, src in zip(planes, background):
            out[:] = src
        Overlay(premul, inv).blend(planes, x, 20)
        diffs = [np.abs(got.astype(int) - want.astype(int)) for got, want in zip(planes, expected)]
        assert diffs[0].max() <= 2
        assert max(d.max() for d in diffs[1:]) <= chroma_max and max(d.mean() for d in diffs[1:]) < 0.5
        assert np.abs(planes[1].astype(int) - background[1].astype(int)).max() > 20  # it did draw


def test_a_render_that_fails_midway_leaves_no_partial_file(tmp_path: Path) -> None:
    calls = []

    def progress(fraction: float) -> None:
        calls.append(fraction)
        if len(calls) == 3:  # some frames are already in the container
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        render(RenderSpec("a kite over the sea", 320, 180, 2.0, seed=1), tmp_path, progress)
    assert list(tmp_path.iterdir()) == []


def test_a_render_killed_with_its_process_is_cleared_by_the_next_render(tmp_path: Path) -> None:
    script = ("import sys; from pathlib import Path; from sora_tui.engine.render import RenderSpec, render; "
              "render(RenderSpec('a kite over the sea', 1280, 720, 12.0, seed=1), Path(sys.argv[1]))")
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in tmp_path.glob(".video-*.mp4")):
            assert proc.poll() is None and time.monotonic() < deadline, "the render never started writing"
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    assert list(tmp_path.glob(".video-*.mp4"))  # SIGKILL ran no cleanup: the half-written file is there
    meta_tmp = tmp_path / ".meta.json.0123abcd"  # the engine's own temp file is not the renderer's to remove
    meta_tmp.write_text("{}")

    render(RenderSpec("a kite over the sea", 320, 180, 1.0, seed=1), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".meta.json.0123abcd", "spritesheet.jpg", "thumbnail.webp", "video.mp4"]
