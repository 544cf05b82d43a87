"""The compare view with four takes of a 20 s 1080p clip, playing: key press to the screen that shows it, and whether
the four flipbooks stay in step (the same frame index in every take at every frame drawn).

The takes are real: four clips rendered by the local engine (1920x1080, 20 s), recorded in a history as downloaded
with their video only (what the TUI downloads by itself), so the view decodes each flipbook's frames from the video as
it would for a user. Keys are handed to the app as the terminal driver hands them and timed until the first frame
that shows their effect has been turned into terminal output (bench/probe.py, as bench/keys.py): `.` and `,` (a step
of every take, which pauses), space (play again) and right/left (the cursor) while the takes play. Every frame drawn
meanwhile records the frame index each of the four flipbooks shows.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from .probe import run_child

PROMPT = "a red kite over a windy beach at sunset, slow pan left, gulls crying, rain"
TAKES = 4

CHILD = r"""
import asyncio, json, sys, time
from sora_tui.runtime import responsive_gc, responsive_threads
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.compare import CompareScreen
from bench.probe import Probe, wait_for

FIRST = sys.argv[1]

async def main():
    responsive_threads()
    responsive_gc()  # as the TUI sets itself up (SoraApp)
    app = SoraApp(base_url="http://127.0.0.1:9/v1")  # no server: compare reads only the history and the files
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(lambda: app.session is not None, "the history")
        await pilot.pause(0.5)
        began = time.perf_counter()
        app.run_job_action("compare", FIRST)
        await wait_for(lambda: isinstance(app.screen, CompareScreen) and app.screen.loaded, "the compare view", 120)
        screen = app.screen
        previews = screen.previews()
        if not all(p.frame_count == 10 for p in previews):
            raise RuntimeError(f"frames: {[p.frame_count for p in previews]}")
        loaded = time.perf_counter() - began
        for n in list(app._notifications):
            app._unnotify(n)
        probe = Probe(app)
        probe.start_ticker()
        await pilot.pause(1.0)
        probe.watch_frames()
        drawn = []  # the frame index of each flipbook, at every frame drawn
        shown = app._display

        def display(s, renderable):
            shown(s, renderable)
            if app.screen is screen:
                drawn.append(screen.frame_indexes())

        app._display = display
        timings, by_key = [], {}

        def timed(key, done):
            return probe.timed(key, None, done)

        probe.phase = "keys"
        cursor = 0
        for round in range(30):
            for key in ("full_stop", "comma"):
                t = await timed(key, lambda: not screen.playing)  # a step pauses every take on the next frame
                timings.append(t); by_key.setdefault(key, []).append(t)
                await asyncio.sleep(0.05)
                t = await timed("space", lambda: screen.playing)
                timings.append(t); by_key.setdefault("space", []).append(t)
                await asyncio.sleep(0.3)  # playing: the clock ticks meanwhile
            key = ("right", "right", "right", "left", "left", "left")[round % 6]  # across the four and back
            cursor += 1 if key == "right" else -1
            t = await timed(key, lambda c=cursor: screen.cursor == c
                            and screen.query_one(f"#take-{c}").has_class("-cursor"))
            timings.append(t); by_key.setdefault(key, []).append(t)
            await asyncio.sleep(0.3)
        summary = probe.summary(timings)
        out_of_step = sum(1 for row in drawn if len(set(row)) != 1)
        print(json.dumps({**summary, "keys": len(timings), "frames": len(drawn), "out_of_step": out_of_step,
                          "indexes_seen": sorted({row[0] for row in drawn}), "loaded": loaded,
                          "by_key": {k: probe.summary(v)["p95"] for k, v in by_key.items()}}))

asyncio.run(main())
"""


def _history(home: Path, clips: Path) -> str:
    """Four downloaded takes of one group, each a 20 s 1080p clip rendered by the local engine; the first's id."""
    from sora_tui.core.job import FileRecord, Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.core.status import JobStatus
    from sora_tui.engine.render import RenderSpec, render
    from sora_tui.store import HistoryStore

    store = HistoryStore(home / "history.json")
    try:
        ids = []
        for n in range(TAKES):
            out = render(RenderSpec(PROMPT, 1920, 1080, 20.0, seed=n), clips / f"take{n}")
            job = Job.new(GenerationParams(PROMPT, size="1920x1080", seconds="20"), status=JobStatus.DOWNLOADED,
                          group_id="grp_bench_compare",
                          files=[FileRecord("video", str(out.video), out.video.stat().st_size, "")])
            job.created_at = job.updated_at = time.time() - 100 + n
            store.add(job)
            ids.append(job.local_id)
    finally:
        store.close()
    return ids[0]


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        first = _history(home, Path(tmp) / "clips")
        ours = run_child(CHILD, home, first, what="the compare benchmark")
    keys = ", ".join(f"{key} {p95 * 1000:.0f}" for key, p95 in ours["by_key"].items())
    return [
        {"area": "ui", "what": "compare view, four takes of a 20 s 1080p clip playing: key press to screen, p95",
         "ours": ours["p95"] * 1000, "base": None, "unit": "ms", "target": 50.0,
         "note": f"{ours['keys']} keys ('.' and ',' step all four and pause, space plays again, right/left move the "
                 f"cursor) while the takes play at 160x45; p50 {ours['p50'] * 1000:.1f} ms; p95 by key (ms): {keys}; "
                 f"longest event-loop stall {ours['stall'] * 1000:.0f} ms; the four flipbooks' frames decoded from "
                 f"the videos in {ours['loaded']:.1f} s when the view opened"},
        {"area": "ui", "what": "compare view: frames drawn with the four flipbooks out of step",
         "ours": float(ours["out_of_step"]), "base": None, "unit": "frames", "target": 0.0,
         "note": f"the frame index of each take recorded at every one of {ours['frames']} frames drawn during "
                 f"the keys above (frame indexes seen: {ours['indexes_seen']})"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
