"""Tracking 100 jobs in flight: requests per poll interval, and how soon a completion is shown.

Ours (the service's Tracker: one list page for every active job, at the server's openai-poll-after-ms)
and the baseline (a typical client: one GET per active job per interval) track the same 100 jobs on the
same engine at the same time, each counting its own requests; the baseline runs in a process of its own, as
two separate clients would.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N_JOBS = 100


async def _baseline(backend: Any, ids: list[str], interval: float, done: dict[str, float]) -> tuple[int, int]:
    requests = rounds = 0
    pending = set(ids)
    while pending:
        rounds += 1
        for vid in list(pending):
            info, _ = await backend.retrieve(vid)
            requests += 1
            if info.status.value in ("completed", "failed"):
                pending.discard(vid)
                done[vid] = time.time()
        await asyncio.sleep(interval)
    return requests, rounds


BASELINE = """
import asyncio, json, sys
from sora_tui.backend import VideosBackend
from bench.tracking import _baseline

async def main():
    backend = VideosBackend(sys.argv[1], "k")
    try:
        print(json.dumps(await _baseline(backend, sys.argv[3].split(","), float(sys.argv[2]), {})))
    finally:
        await backend.aclose()

asyncio.run(main())
"""


async def _baseline_process(base_url: str, ids: list[str], interval: float) -> tuple[int, int]:
    """The typical client in a process of its own, as it would run: on the same engine at the same time, but
    not on our event loop, where its hundred GETs a round would delay our own answers."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BASELINE, base_url, str(interval), ",".join(ids),
        stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError("the baseline client failed")
    requests, rounds = json.loads(out)
    return requests, rounds


async def _run(tmp: Path) -> dict[str, Any]:
    from sora_tui.backend import VideosBackend
    from sora_tui.core.params import GenerationParams
    from sora_tui.engine.state import POLL_AFTER_MS
    from sora_tui.service import JobCompleted, JobService
    from sora_tui.store import HistoryStore

    engine, base_url = _engine_process(tmp / "engine")  # its own process, as the app runs it
    store = HistoryStore(tmp / "history.json")
    backend = VideosBackend(base_url, "k")
    service = JobService(store, backend, download_dir=tmp / "dl", local_engine=True)
    shown: dict[str, float] = {}
    service.subscribe(lambda e: shown.setdefault(e.job.video_id, time.time()) if isinstance(e, JobCompleted) else None)
    try:
        interval = POLL_AFTER_MS["fast"] / 1000
        gaps: list[float] = []
        last = [time.monotonic()]
        real_poll = service.tracker.poll_once

        async def timed_poll() -> float:
            now = time.monotonic()
            gaps.append(now - last[0])
            last[0] = now
            return await real_poll()

        service.tracker.poll_once = timed_poll  # type: ignore[method-assign]
        tracking = asyncio.create_task(service.track_forever())  # running all along, as in the TUI
        began = time.monotonic()
        jobs = []
        for i in range(N_JOBS):  # 4 s clips at the smallest size the model takes: the engine renders them for real
            jobs += await service.generate(GenerationParams(f"job {i}: a kite over the sea, slow pan left", size="1280x720"))
        ids = [j.video_id for j in jobs]
        base_requests, base_rounds = await _baseline_process(base_url, ids, interval)
        while len(shown) < len(ids):  # ours has been tracking all along; let it see the last ones
            await asyncio.sleep(0.05)
        tracked_for = time.monotonic() - began
        tracking.cancel()
        server_done = {vid: _completed_at(tmp / "engine", vid) for vid in ids}
    finally:
        await backend.aclose()
        store.close()
        engine.terminate()
        engine.wait(30)
    lag = [shown[v] - server_done[v] for v in ids if v in shown and server_done[v]]
    return {
        "interval": interval, "ours_per_round": service.tracker.requests / (tracked_for / interval),
        "base_per_round": base_requests / max(1, base_rounds), "lag_p50": statistics.median(lag),
        "lag_p95": sorted(lag)[int(0.95 * (len(lag) - 1))], "lag_max": max(lag),
        "gap_median": statistics.median(gaps[2:]) if len(gaps) > 3 else float("nan"), "rounds": service.tracker.rounds,
    }


def _engine_process(state_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "sora_tui", "engine", "--port", "0", "--speed", "fast",
                             "--state-dir", str(state_dir)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    banner = proc.stderr.readline() if proc.stderr else ""
    match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", banner)
    if not match:
        proc.kill()
        raise RuntimeError(f"the engine did not start: {banner!r}")
    return proc, match.group(1)


def _completed_at(state_dir: Path, video_id: str) -> float | None:
    """When the engine considers the video completed (its lifecycle: after the render and the set duration)."""
    meta = json.loads((state_dir / "videos" / video_id / "meta.json").read_text())
    if meta.get("render_done_at") is None:
        return None
    return max(meta["created_at"] + meta["queue_delay"] + meta["duration"], meta["render_done_at"])


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        r = asyncio.run(_run(Path(tmp)))
    ms = r["interval"] * 1000
    return [
        {"area": "tracking", "what": f"requests per poll interval, {N_JOBS} jobs in flight", "ours": r["ours_per_round"],
         "base": r["base_per_round"], "unit": "req", "target": 2.0,
         "note": f"ours: all its requests over the whole run / intervals elapsed ({r['rounds']} rounds); "
                 "baseline: one GET per active job per round, averaged over its rounds"},
        {"area": "tracking", "what": "completion on the server to shown by the client, p95", "ours": r["lag_p95"] * 1000,
         "base": ms, "unit": "ms", "target": ms, "baseline_label": "one poll interval",
         "note": f"p50 {r['lag_p50'] * 1000:.0f} ms, worst {r['lag_max'] * 1000:.0f} ms; poll interval = the engine's openai-poll-after-ms ({ms:.0f} ms)"},
        {"area": "tracking", "what": "time between polls (follows openai-poll-after-ms)", "ours": r["gap_median"] * 1000,
         "base": ms, "unit": "ms", "target": None, "baseline_label": "openai-poll-after-ms",
         "note": "median gap between tracker rounds against the header's value"},
    ]
