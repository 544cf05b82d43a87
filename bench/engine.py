"""The built-in engine: render speed against real time, and one instant-speed job end to end."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

PROMPT = "a red kite over a windy beach at sunset, slow pan left, gulls crying, rain"


def _render_seconds(tmp: Path) -> float:
    from sora_tui.engine.render import RenderSpec, render

    times = []
    for i in range(3):
        t = time.perf_counter()
        render(RenderSpec(PROMPT, 1280, 720, 4.0, seed=i), tmp / f"r{i}")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


async def _end_to_end(tmp: Path) -> float:
    from sora_tui.backend import VideosBackend
    from sora_tui.core.params import GenerationParams
    from sora_tui.engine import EngineConfig, start_engine_thread
    from sora_tui.service import JobService
    from sora_tui.store import HistoryStore

    runs = []
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp / "engine")) as engine:
        store = HistoryStore(tmp / "history.json")
        backend = VideosBackend(engine.base_url, "k")
        service = JobService(store, backend, download_dir=tmp / "dl", local_engine=True)
        try:
            for i in range(3):
                t = time.perf_counter()
                jobs = await service.generate(GenerationParams(f"{PROMPT} {i}", size="1280x720"), auto_download=["video"])
                [done] = await service.wait(jobs, timeout=60)
                runs.append(time.perf_counter() - t)
                assert done.file("video") is not None
        finally:
            await backend.aclose()
            store.close()
    return statistics.median(runs)


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        render_s = _render_seconds(Path(tmp))
        e2e = asyncio.run(_end_to_end(Path(tmp)))
    return [
        {"area": "engine", "what": "render a 4 s 1280x720 clip with audio (H.264 + AAC)", "ours": render_s * 1000,
         "base": 4000.0, "unit": "ms", "target": 4000.0 / 3, "baseline_label": "real time (4 s)",
         "note": f"{4.0 / render_s:.1f}x real time on {os.cpu_count()} cores (median of 3)"},
        {"area": "engine", "what": "'--speed instant' job end to end: create, poll, download", "ours": e2e * 1000,
         "base": render_s * 1000, "unit": "ms", "target": 1000.0, "baseline_label": "the render alone",
         "note": "JobService.generate + wait with the video auto-downloaded, against an in-process engine (median of 3)"},
    ]
