"""Assembling a storyboard's film: six 8 s 720p takes joined by three cuts and two dissolves of 12 frames, picture and
sound, by sora-tui (service/film.py, PyAV) and, side by side, by ffmpeg's concat + xfade / acrossfade filters with
the same encoder settings (libx264 veryfast, CRF 20, AAC). The takes are rendered by the local engine first (not
timed). ffmpeg is the system's (`apt-get install ffmpeg` on Debian); without one the row has no baseline and is not
counted as met.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

TAKES = 6
SECONDS = 8.0
DISSOLVES = {2: 12, 4: 12}  # the take (from 0) that dissolves in over the one before, and the frames it takes
FPS = 24  # the engine's rate, which the dissolves' seconds are worked out from
PROMPTS = ["a red kite over dunes at dusk", "a lighthouse in fog at night", "waves on a pebble beach, slow pan",
           "a market street in rain, neon reflections", "a shiba inu runs on the sand", "gulls over a harbour"]
ROUNDS = 3  # each side this many times, alternating; the median is shown


def _takes(folder: Path) -> list[Path]:
    from sora_tui.engine.render import RenderSpec, render

    return [render(RenderSpec(PROMPTS[n], 1280, 720, SECONDS, seed=n), folder / f"take{n}").video
            for n in range(TAKES)]


def _ours(takes: list[Path], out: Path) -> float:
    from sora_tui.service.film import Segment, assemble

    segments = [Segment(path, "dissolve" if n in DISSOLVES else "cut", DISSOLVES.get(n, 0))
                for n, path in enumerate(takes)]
    began = time.perf_counter()
    assemble(segments, out)
    return time.perf_counter() - began


def _ffmpeg_graph() -> str:
    """One filter graph: the takes in order, a concat at each cut and an xfade (picture) and acrossfade (sound) at
    each dissolve, each starting where the film so far ends less the dissolve."""
    # every picture on one time base first: xfade refuses inputs whose time bases differ (concat's output has its own)
    parts = [f"[{n}:v]fps={FPS},settb=AVTB[s{n}]" for n in range(TAKES)]
    video, audio, length = "[s0]", "[0:a]", SECONDS
    for n in range(1, TAKES):
        v, a = f"[v{n}]", f"[a{n}]"
        if n in DISSOLVES:
            d = DISSOLVES[n] / FPS
            parts.append(f"{video}[s{n}]xfade=transition=fade:duration={d}:offset={length - d}{v}")
            parts.append(f"{audio}[{n}:a]acrossfade=d={d}{a}")
            length += SECONDS - d
        else:
            parts.append(f"{video}[s{n}]concat=n=2:v=1:a=0{v}")
            parts.append(f"{audio}[{n}:a]concat=n=2:v=0:a=1{a}")
            length += SECONDS
        video, audio = v, a
    return ";".join(parts) + f";{video}format=yuv420p[vout]"


def _ffmpeg(ffmpeg: str, takes: list[Path], out: Path) -> float:
    command = [ffmpeg, "-v", "error", "-y"]
    for path in takes:
        command += ["-i", str(path)]
    command += ["-filter_complex", _ffmpeg_graph(), "-map", "[vout]", "-map", f"[a{TAKES - 1}]",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-c:a", "aac", str(out)]
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - began


def _frames(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def run() -> list[dict[str, Any]]:
    ffmpeg = shutil.which("ffmpeg")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        takes = _takes(folder)
        ours, base = [], []
        for _round in range(ROUNDS):
            ours.append(_ours(takes, folder / "ours.mp4"))
            if ffmpeg:
                base.append(_ffmpeg(ffmpeg, takes, folder / "ffmpeg.mp4"))
        frames = _frames(folder / "ours.mp4")
        theirs = _frames(folder / "ffmpeg.mp4") if ffmpeg else None
    expected = TAKES * int(SECONDS * FPS) - sum(DISSOLVES.values())
    said = (f"ffmpeg's: {theirs}" if theirs is not None else "no ffmpeg found: no baseline (apt-get install ffmpeg)")
    return [{
        "area": "storyboard", "what": f"assembling a board's film: {TAKES} × {SECONDS:g} s 720p takes, 3 cuts and 2 dissolves",
        "ours": statistics.median(ours), "base": statistics.median(base) if base else None, "unit": "s",
        "min_ratio": round(1 / 1.5, 2), "baseline_label": "ffmpeg: concat + xfade/acrossfade, the same encoder settings",
        "note": f"median of {ROUNDS} each, alternating; picture re-encoded with libx264 veryfast CRF 20 and the sound "
                f"as AAC on both sides; frames in the film: {frames} (expected {expected}), {said}; ours each run: "
                + ", ".join(f"{t:.2f}" for t in ours) + " s",
    }]
