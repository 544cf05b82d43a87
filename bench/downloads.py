"""Downloads: a 1 GB file from the engine over loopback against curl on the same file in the same run, the
memory a download adds, and whether five concurrent downloads stall the event loop the UI runs on."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx2

from .tracking import _engine_process

GB = 1 << 30
# One run of either side moves by 2x on this machine (curl: 449-1,053 MB/s within one bench). While the engine
# streamed bodies through Python it held a core and the median of 7 rounds moved by a third between benches
# (0.62-0.95x, the same code); with sendfile the engine is out of the way, and 15 alternating rounds keep the
# median steady.
ROUNDS = 15
KEY = {"Authorization": "Bearer k"}


def _mp4_shaped(path: Path, size: int, real: bytes) -> None:
    """A file of `size` bytes laid out like an MP4 (ftyp, one huge mdat, moov), mostly sparse: what the
    client's container check expects, without rendering a gigabyte."""
    ftyp_len = struct.unpack(">I", real[:4])[0]
    ftyp = real[:ftyp_len]
    moov = b"\x00\x00\x00\x10moov" + b"\x00" * 8
    mdat_len = size - len(ftyp) - len(moov)
    with open(path, "wb") as fh:
        fh.write(ftyp)
        fh.write(struct.pack(">I4s", 1, b"mdat") + struct.pack(">Q", mdat_len))
        fh.seek(len(ftyp) + mdat_len)
        fh.write(moov)


def _make_video(base: str, state: Path, size: int) -> str:
    vid = httpx2.post(f"{base}/videos", json={"prompt": "a bench clip", "size": "1280x720"}, headers=KEY).json()["id"]
    deadline = time.time() + 60
    while httpx2.get(f"{base}/videos/{vid}", headers=KEY).json()["status"] != "completed":
        if time.time() > deadline:
            raise RuntimeError("the engine did not complete the bench clip")
        time.sleep(0.05)
    asset = state / "videos" / vid / "video.mp4"
    _mp4_shaped(asset, size, asset.read_bytes())
    return vid


CHILD = textwrap.dedent("""
    import asyncio, json, resource, sys, time
    from pathlib import Path
    from sora_tui.backend import VideosBackend
    from sora_tui.backend.downloads import settle

    def status_kb(field):
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])

    async def main():
        backend = VideosBackend(sys.argv[1], "k")
        await backend.list_page(limit=1)  # warm: imports and the connection pool, as in a running app
        # ru_maxrss survives exec (it would report the parent's peak): reset the high-water mark instead
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before = status_kb("VmRSS")
        t = time.perf_counter()
        result = await backend.download(sys.argv[2], Path(sys.argv[3]))
        took = time.perf_counter() - t
        await backend.aclose()
        peak = status_kb("VmHWM")
        t = time.perf_counter()
        settle(Path(sys.argv[3]))  # what the job service does next, once the file is saved and shown: sha256, fsync
        digest = time.perf_counter() - t
        print(json.dumps({"seconds": took, "digest": digest, "bytes": result.bytes, "growth_kb": max(0, peak - before)}))

    asyncio.run(main())
""")


def _ours(base: str, vid: str, dest: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", CHILD, base, vid, str(dest)], capture_output=True, text=True, check=True)
    dest.unlink(missing_ok=True)
    return json.loads(out.stdout)


def _curl(base: str, vid: str, dest: Path) -> float:
    t = time.perf_counter()
    subprocess.run(["curl", "-sS", "-f", "-o", str(dest), "-H", "Authorization: Bearer k", f"{base}/videos/{vid}/content"], check=True)
    took = time.perf_counter() - t
    dest.unlink(missing_ok=True)
    return took


def _warm(base: str, vid: str) -> None:
    """The server's first read of a file (into the page cache), paid by neither side: fetched and discarded."""
    subprocess.run(["curl", "-sS", "-f", "-o", os.devnull, "-H", "Authorization: Bearer k", f"{base}/videos/{vid}/content"],
                   check=True)


def _rates(seconds: Any) -> str:
    return ", ".join(f"{GB / s / 1e6:.0f}" for s in seconds)


def _settled() -> None:
    """Each transfer starts with no other file's dirty pages still going to disk (the previous run's, deleted):
    without this the one after a run pays for its writeback, curl or ours alike."""
    os.sync()
    time.sleep(0.2)


async def _loop_stall(base: str, vids: list[str], tmp: Path, how: str = "ours") -> tuple[float, float]:
    """Largest event-loop delay while five downloads run concurrently: ours on this loop (the TUI draws on it), or,
    for the baseline, five curl processes while this loop does nothing else but tick."""
    from sora_tui.backend import VideosBackend

    backend = VideosBackend(base, "k")
    lags: list[float] = []
    running = True

    async def monitor() -> None:
        while running:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - t - 0.01)

    async def curls() -> None:
        procs = [await asyncio.create_subprocess_exec("curl", "-sS", "-f", "-o", str(tmp / f"k{i}.mp4"), "-H",
                                                      "Authorization: Bearer k", f"{base}/videos/{v}/content")
                 for i, v in enumerate(vids)]
        for proc in procs:
            await proc.wait()

    watcher = asyncio.create_task(monitor())
    t = time.perf_counter()
    if how == "curl":
        await curls()
    else:
        await asyncio.gather(*(backend.download(v, tmp / f"c{i}.mp4") for i, v in enumerate(vids)))
    took = time.perf_counter() - t
    running = False
    await watcher
    await backend.aclose()
    for f in [*tmp.glob("c*.mp4"), *tmp.glob("k*.mp4")]:
        f.unlink()
    return max(lags), took


def _loop_stall_in_child(base: str, vids: list[str], tmp: Path, how: str = "ours") -> tuple[float, float]:
    """In a fresh process, so the benchmark's own heap (a 100,000-job history built just before) does not add
    garbage-collector pauses that the app would not have. The baseline ("curl") runs the same way: what its loop
    still waits is the machine's own share of the stall (2 cores, the server sending five files, the kernel
    copying and writing them back), which no client code can take away."""
    code = ("import asyncio, json, sys; from pathlib import Path; from bench.downloads import _loop_stall; "
            "from sora_tui.runtime import responsive_gc, responsive_threads; responsive_threads(); responsive_gc(); "  # as the TUI sets itself up
            "print(json.dumps(asyncio.run(_loop_stall(sys.argv[1], sys.argv[2].split(','), Path(sys.argv[3]), sys.argv[4]))))")
    out = subprocess.run([sys.executable, "-c", code, base, ",".join(vids), str(tmp), how], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    stall, took = json.loads(out.stdout)
    return stall, took


def run() -> list[dict[str, Any]]:
    if shutil.which("curl") is None:
        return [{"area": "downloads", "what": "1 GB download vs curl", "ours": None, "base": None, "unit": "",
                 "target": None, "note": "curl is not installed here: not measured"}]
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmpdir:
        tmp = Path(tmpdir)
        proc, base = _engine_process(tmp / "engine")
        try:
            vid = _make_video(base, tmp / "engine", GB)
            _warm(base, vid)
            ours, theirs = [], []
            for _ in range(ROUNDS):  # alternate, so neither always gets the warmer page cache
                _settled()
                theirs.append(_curl(base, vid, tmp / "curl.mp4"))
                _settled()
                ours.append(_ours(base, vid, tmp / "ours.mp4"))
            small = [_make_video(base, tmp / "engine", 256 << 20) for _ in range(5)]
            for v in small:
                _warm(base, v)
            stalls, floors = [], []
            for _ in range(3):  # alternate with the baseline
                _settled()
                floors.append(_loop_stall_in_child(base, small, tmp, "curl"))
                _settled()
                stalls.append(_loop_stall_in_child(base, small, tmp))
        finally:
            proc.terminate()
            proc.wait(30)
    stall, floor = statistics.median(s for s, _ in stalls), statistics.median(s for s, _ in floors)
    ours_s = statistics.median(r["seconds"] for r in ours)
    curl_s = statistics.median(theirs)
    growth_mb = max(r["growth_kb"] for r in ours) / 1024
    return [
        {"area": "downloads", "what": "1 GB over loopback: throughput", "ours": GB / ours_s / 1e6, "base": GB / curl_s / 1e6,
         "unit": "MB/s", "target": None, "higher_is_better": True, "min_ratio": 0.8, "baseline_label": "curl, same file",
         "note": f"ours also checks the container; the sha256 and the fsync of the file that the job service does after it is "
                 f"saved and shown as downloaded took {statistics.median(r['digest'] for r in ours):.2f} s more; median of {ROUNDS}, alternating with curl, "
                 f"each after a sync (runs: ours {_rates(r['seconds'] for r in ours)}; "
                 f"curl {_rates(theirs)} MB/s)"},
        {"area": "downloads", "what": "1 GB download: peak memory growth", "ours": growth_mb, "base": None, "unit": "MB",
         "target": 32.0, "note": "peak RSS after minus RSS before, in a separate process"},
        {"area": "downloads", "what": "five concurrent 256 MB downloads: longest event-loop stall", "ours": stall * 1000,
         "base": floor * 1000, "unit": "ms", "target": 50.0, "baseline_label": "five curl processes beside an idle loop",
         "note": f"the longest stall of each run, median of 3 runs each, alternating (worst: ours "
                 f"{max(s for s, _ in stalls) * 1000:.0f} ms, curl's {max(s for s, _ in floors) * 1000:.0f} ms); "
                 f"all five done in {statistics.median(t for _, t in stalls):.1f} s "
                 f"(curl: {statistics.median(t for _, t in floors):.1f} s); a 10 ms ticker on the loop the downloads run from "
                 f"(baseline: on a loop in its own process, set up the same way, doing nothing else)"},
    ]
