"""Assembling takes into one film: frame counts, cuts and dissolves in picture and sound, the stream copy, other
sizes, rates and sound, damaged takes and the atomic write. Inputs are tiny renders of the local engine's own
procedural renderer, and a few clips written here with PyAV where a property of the input matters (no sound,
another sample rate or frame rate, a plain colour)."""

from __future__ import annotations

import os
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import orjson
import pytest

from sora_tui.engine.render import RenderSpec, render
from sora_tui.service.film import FilmError, Segment, assemble

W, H = 160, 96
AUDIO_FRAME = 1024  # samples in one AAC frame: how far the sound's length may differ from the picture's


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two 1 s takes that look different (a warm and a cold palette) and a 0.5 s take of another size."""
    base = tmp_path_factory.mktemp("takes")
    return {
        "warm": render(RenderSpec("a red sunset over hills", W, H, 1.0, seed=1), base / "warm").video,
        "cold": render(RenderSpec("a blue night over hills", W, H, 1.0, seed=2), base / "cold").video,
        "narrow": render(RenderSpec("snow at night, zoom in", 96, 96, 0.5, seed=3), base / "narrow").video,
    }


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24").astype(np.float32) for f in c.decode(c.streams.video[0])]


def sound(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        rate = stream.rate
        chunks = [f.to_ndarray().mean(axis=0) for f in c.decode(stream)]
    return np.concatenate(chunks), rate


def seconds_of(path: Path) -> tuple[float, float]:
    """How long the picture and the sound last, as the file says."""
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert v.duration and v.time_base and a.duration and a.time_base
        return float(v.duration * v.time_base), float(a.duration * a.time_base)


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def plain_clip(path: Path, rgb: tuple[int, int, int], n: int, *, fps: int = 24, size: tuple[int, int] = (W, H),
               tone: float | None = None, rate: int = 48_000, phase: float = 0.0) -> Path:
    """A clip of one colour, with a sine tone of `tone` Hz at half scale (or no sound at all)."""
    with av.open(str(path), mode="w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        a = None
        if tone is not None:
            a = c.add_stream("aac", rate=rate)
            a.layout = "mono"
        picture = np.empty((size[1], size[0], 3), np.uint8)
        picture[:] = rgb
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = i
            c.mux(v.encode(frame))
        c.mux(v.encode(None))
        if a is not None and tone is not None:
            total = round(n / fps * rate)
            wave = (0.5 * np.sin(2 * np.pi * tone * np.arange(total) / rate + phase)).astype(np.float32)
            for start in range(0, total, AUDIO_FRAME):
                af = av.AudioFrame.from_ndarray(wave[None, start:start + AUDIO_FRAME], format="fltp", layout="mono")
                af.sample_rate, af.pts = rate, start
                c.mux(a.encode(af))
            c.mux(a.encode(None))
    return path


def test_cuts_between_like_takes_copy_the_picture(clips: dict[str, Path], tmp_path: Path) -> None:
    warm, cold = frames(clips["warm"]), frames(clips["cold"])
    film = assemble([Segment(clips["warm"]), Segment(clips["cold"], "cut")], tmp_path / "film.mp4")

    assert film.copied and film.reencoded_joins == ()
    assert (film.frames, film.width, film.height, film.fps) == (48, W, H, Fraction(24))
    got = frames(film.path)
    assert len(got) == len(warm) + len(cold) == 48
    # either side of the cut is the takes' own frame: the same (copied, so nearly nothing apart), not the other
    assert mad(got[23], warm[23]) < 1 and mad(got[24], cold[0]) < 1
    assert mad(got[24], warm[23]) > 10 * (mad(got[24], cold[0]) + 1)
    video, audio = seconds_of(film.path)
    assert video == pytest.approx(2.0)
    assert abs(audio - video) <= AUDIO_FRAME / 48_000


def test_a_dissolve_blends_picture_and_shortens_the_film(clips: dict[str, Path], tmp_path: Path) -> None:
    warm, cold = frames(clips["warm"]), frames(clips["cold"])
    n = 6
    film = assemble([Segment(clips["warm"]), Segment(clips["cold"], "dissolve", n, label="night")],
                    tmp_path / "film.mp4")

    assert not film.copied and film.reencoded_joins == (1,)
    got = frames(film.path)
    assert len(got) == film.frames == 48 - n
    start = 24 - n  # the dissolve's first frame in the film
    # outside the dissolve each take is itself (re-encoded: close, and far from the other take)
    assert mad(got[start - 1], warm[start - 1]) < 6 < mad(got[start - 1], cold[0])
    assert mad(got[start + n], cold[n]) < 6 < mad(got[start + n], warm[-1])
    # its middle frame is a mix: its mean colour lies between the two takes' frames at that moment
    middle = got[start + n // 2]
    a, b = warm[start + n // 2].mean(axis=(0, 1)), cold[n // 2].mean(axis=(0, 1))
    m = middle.mean(axis=(0, 1))
    assert np.all(m >= np.minimum(a, b) - 2) and np.all(m <= np.maximum(a, b) + 2)
    assert mad(middle, warm[start + n // 2]) > 3 and mad(middle, cold[n // 2]) > 3
    video, audio = seconds_of(film.path)
    assert video == pytest.approx((48 - n) / 24)
    assert abs(audio - video) <= AUDIO_FRAME / 48_000


def test_a_dissolve_crossfades_the_sound_and_a_cut_has_no_gap(tmp_path: Path) -> None:
    low = plain_clip(tmp_path / "low.mp4", (200, 40, 40), 24, tone=300)
    high = plain_clip(tmp_path / "high.mp4", (40, 40, 200), 24, tone=1200)
    quiet = plain_clip(tmp_path / "quiet.mp4", (40, 200, 40), 24)  # no sound at all
    film = assemble([Segment(low), Segment(high, "dissolve", 12), Segment(quiet, "cut"), Segment(low, "cut")],
                    tmp_path / "film.mp4")

    assert film.frames == 24 * 4 - 12
    wave, rate = sound(film.path)
    spf = rate // 24  # samples per frame

    def level(frame: int) -> float:  # RMS over one film frame
        return float(np.sqrt(np.mean(wave[frame * spf:(frame + 1) * spf] ** 2)))

    def share(frame: int, hz: float) -> float:  # how much of that frame's sound is the tone of `hz`
        chunk = wave[frame * spf:(frame + 1) * spf] * np.hanning(spf)
        spectrum = np.abs(np.fft.rfft(chunk))
        freqs = np.fft.rfftfreq(spf, 1 / rate)
        return float(spectrum[np.abs(freqs - hz) < 60].sum() / spectrum.sum())

    tone = 0.5 / np.sqrt(2)
    # before the dissolve only the low tone, in its middle both, after it only the high one
    assert share(6, 300) > 0.8 and share(6, 1200) < 0.1
    assert share(18, 300) > 0.3 and share(18, 1200) > 0.3
    assert share(30, 1200) > 0.8 and share(30, 300) < 0.1
    # never a gap where sound is: every frame up to the silent take has the tone's level, near enough
    assert all(level(f) > 0.5 * tone for f in range(1, 35))
    # the take without sound is silence, and the sound comes back right at the next cut
    assert all(level(f) < 0.01 for f in range(37, 59))
    assert level(61) > 0.8 * tone
    video, audio = seconds_of(film.path)
    assert abs(audio - video) <= AUDIO_FRAME / rate


def test_a_cut_between_sounds_has_no_gap_and_no_click(tmp_path: Path) -> None:
    low = plain_clip(tmp_path / "low.mp4", (200, 40, 40), 24, tone=300)
    # the high tone starts at its peak: joined as they are, the waveform would jump by half the scale
    high = plain_clip(tmp_path / "high.mp4", (40, 40, 200), 24, tone=1200, phase=np.pi / 2)
    film = assemble([Segment(low), Segment(high, "cut")], tmp_path / "film.mp4")

    wave, rate = sound(film.path)
    cut = rate  # the cut is at 1 s
    window = wave[cut - rate // 50:cut + rate // 50]  # 20 ms either side
    assert np.sqrt(np.mean(window ** 2)) > 0.25  # sound all through, no hole at the cut
    steady = np.abs(np.diff(wave[cut + rate // 10:cut + rate // 2])).max()  # the high tone's own steepest step
    assert np.abs(np.diff(window)).max() < 1.5 * steady  # the waveform does not jump at the cut


def test_other_sizes_rates_and_sample_rates_are_conformed(clips: dict[str, Path], tmp_path: Path) -> None:
    slow = plain_clip(tmp_path / "slow.mp4", (250, 250, 250), 6, fps=12, tone=440, rate=22_050)
    film = assemble([Segment(clips["warm"]), Segment(clips["narrow"]), Segment(slow)], tmp_path / "film.mp4")

    assert not film.copied and film.reencoded_joins == (1, 2)
    # 24 + 12 frames, and the 12 fps half second is still half a second (each frame shown twice)
    assert (film.frames, film.width, film.height) == (24 + 12 + 12, W, H)
    got = frames(film.path)
    assert len(got) == 48
    # the square take is letterboxed: black bars left and right, its picture in the middle
    bar = (W - 96) // 2
    narrow = got[30]
    assert narrow[:, :bar - 2].mean() < 8 and narrow[:, -(bar - 2):].mean() < 8
    assert narrow[:, bar + 4:W - bar - 4].mean() > 20
    assert got[40].mean() > 200  # the white clip, at full size
    wave, rate = sound(film.path)
    assert rate == 48_000  # the first take's rate; the 22.05 kHz tone was resampled to it
    video, audio = seconds_of(film.path)
    assert abs(audio - video) <= AUDIO_FRAME / rate
    assert np.sqrt(np.mean(wave[round(1.6 * rate):round(1.9 * rate)] ** 2)) > 0.25


def test_sidecar_and_progress(clips: dict[str, Path], tmp_path: Path) -> None:
    seen: list[float] = []
    out = tmp_path / "boards" / "night.mp4"
    film = assemble([Segment(clips["warm"], label="day"), Segment(clips["cold"], "dissolve", 4, label="night")],
                    out, sidecar={"board": "kite", "takes": 2}, progress=seen.append)

    assert film.path == out and film.sidecar == out.with_name("night.json")
    doc = orjson.loads(film.sidecar.read_bytes())
    assert doc["board"] == "kite" and doc["takes"] == 2
    facts = doc["film"]
    assert (facts["frames"], facts["width"], facts["height"], facts["fps"]) == (44, W, H, "24")
    assert [t["label"] for t in facts["takes"]] == ["day", "night"]
    assert [t["start_frame"] for t in facts["takes"]] == [0, 20]
    assert seen and seen == sorted(seen) and seen[-1] == 1.0
    assert sorted(p.name for p in out.parent.iterdir()) == ["night.json", "night.mp4"]  # no leftovers


def test_a_take_between_two_dissolves(clips: dict[str, Path], tmp_path: Path) -> None:
    warm, cold = frames(clips["warm"]), frames(clips["cold"])
    film = assemble([Segment(clips["warm"]), Segment(clips["cold"], "dissolve", 4), Segment(clips["warm"], "dissolve", 8)],
                    tmp_path / "film.mp4")

    got = frames(film.path)
    assert len(got) == film.frames == 72 - 4 - 8
    # the middle take shows on its own between its two dissolves: frames 4..15 of it, at film frames 24..35
    assert mad(got[20 + 4], cold[4]) < 6 and mad(got[20 + 15], cold[15]) < 6
    assert mad(got[-1], warm[-1]) < 6
    video, audio = seconds_of(film.path)
    assert abs(audio - video) <= AUDIO_FRAME / 48_000


def test_damaged_missing_and_pictureless_takes_are_named(clips: dict[str, Path], tmp_path: Path) -> None:
    data = clips["cold"].read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    sound_only = tmp_path / "sound.m4a"
    with av.open(str(sound_only), mode="w", format="mp4") as c:
        a = c.add_stream("aac", rate=48_000)
        a.layout = "mono"
        af = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        af.sample_rate, af.pts = 48_000, 0
        c.mux(a.encode(af))
        c.mux(a.encode(None))

    for bad, words in [(truncated, "damaged"), (text, "damaged"), (tmp_path / "gone.mp4", "Cannot find"),
                       (sound_only, "no picture")]:
        with pytest.raises(FilmError) as caught:
            assemble([Segment(clips["warm"]), Segment(bad)], tmp_path / "film.mp4")
        assert bad.name in str(caught.value) and words in str(caught.value)
        assert caught.value.path == bad
    with pytest.raises(FilmError, match="longer than the takes"):
        assemble([Segment(clips["warm"]), Segment(clips["narrow"], "dissolve", 13)], tmp_path / "film.mp4")
    with pytest.raises(FilmError) as caught:
        assemble([Segment(clips["warm"]), Segment(clips["narrow"], "dissolve", 8), Segment(clips["cold"], "dissolve", 8)],
                 tmp_path / "film.mp4")
    assert "overlap" in str(caught.value) and caught.value.path == clips["narrow"]  # the take in between
    with pytest.raises(FilmError):
        assemble([], tmp_path / "film.mp4")
    assert sorted(os.listdir(tmp_path)) == ["notes.mp4", "sound.m4a", "truncated.mp4"]


def test_a_failure_midway_leaves_no_film_and_keeps_the_old_one(clips: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "film.mp4"
    out.write_bytes(b"the film from before")

    def stop(done: float) -> None:
        if done > 0.3:
            raise KeyboardInterrupt  # the user stops it while frames are being encoded

    with pytest.raises(KeyboardInterrupt):
        assemble([Segment(clips["warm"]), Segment(clips["cold"], "dissolve", 4)], out, progress=stop)
    assert out.read_bytes() == b"the film from before"
    assert sorted(os.listdir(tmp_path)) == ["film.mp4"]  # no temporary film or sidecar left behind

    data = clips["cold"].read_bytes()
    (tmp_path / "bad.mp4").write_bytes(data[: len(data) // 3])
    with pytest.raises(FilmError):
        assemble([Segment(clips["warm"]), Segment(tmp_path / "bad.mp4")], out)
    assert out.read_bytes() == b"the film from before"
    assert sorted(os.listdir(tmp_path)) == ["bad.mp4", "film.mp4"]


def test_errors_are_in_the_interface_language(ja: None, tmp_path: Path) -> None:
    with pytest.raises(FilmError) as caught:
        assemble([Segment(tmp_path / "gone.mp4")], tmp_path / "film.mp4")
    assert "gone.mp4" in caught.value.message and "見つかりません" in caught.value.message


def test_what_a_killed_assembly_left_is_cleared_by_the_next(clips: dict[str, Path], tmp_path: Path) -> None:
    """A run killed while it assembled leaves its temporary files; the next assembly of that film removes them,
    and leaves alone one a live writer holds."""
    from sora_tui.store.storage import TMP_MARK

    out = tmp_path / "film.mp4"
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = [tmp_path / f"film.mp4{TMP_MARK}{dead.pid}-0000abcd", tmp_path / f"film.json{TMP_MARK}{dead.pid}-0000abcd"]
    alive = tmp_path / f"film.mp4{TMP_MARK}{os.getppid()}-0000beef"
    for path in (*left, alive):
        path.write_bytes(b"half a film")
    assemble([Segment(clips["warm"]), Segment(clips["cold"])], out)
    assert out.is_file() and not any(path.exists() for path in left) and alive.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if TMP_MARK in p.name) == [alive.name]
