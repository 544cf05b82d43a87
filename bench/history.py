"""History at scale: durable status writes, opening, incremental search, at 10,000 and 100,000 jobs.

Baseline in the same run: stock TinyDB (JSONStorage, the default) on the same documents. Ours: the
HistoryStore (TinyDB-format snapshot + fsynced journal + in-memory index).
"""

from __future__ import annotations

import contextlib
import gc
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus

WORDS = ["neon", "city", "street", "at", "night", "rain", "reflections", "slow", "dolly", "left", "cinematic", "35mm", "anamorphic", "warm", "tungsten", "lighthouse", "dusk", "waves", "gulls", "paper", "boat", "puddle", "kite", "beach", "wind", "orbit", "drone", "aerial", "forest", "fog", "sunrise", "snow", "petals", "market", "crowd", "chatter", "ambience", "footsteps", "dialogue", "close-up", "wide", "shot", "handheld"]
TYPED = "lighthouse at dusk"


def synthetic_doc(i: int, rng: random.Random) -> dict[str, Any]:
    """A realistic job document: a 20-40 word prompt, lineage, a downloaded file with its sha256, timestamps."""
    prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 40)))
    job = Job.new(GenerationParams(prompt, size=rng.choice(["1280x720", "720x1280"]), seconds=rng.choice(["4", "8", "12"])),
                  status=rng.choice([JobStatus.DOWNLOADED, JobStatus.DOWNLOADED, JobStatus.FAILED, JobStatus.COMPLETED]),
                  video_id=f"video_{rng.getrandbits(128):032x}", server="http://127.0.0.1:8089/v1",
                  group_id=f"grp_{i // 3:012x}" if i % 4 == 0 else None)
    job.created_at = 1.7e9 + i * 60
    job.updated_at = job.created_at + 90
    job.progress = 100
    job.tags = ["keep"] if i % 10 == 0 else []
    job.extra = {"submitter": {"host": "box", "pid": 4242}, "sent_at": job.created_at}
    doc = job.to_doc()
    doc["files"] = [{"variant": "video", "path": f"/home/u/.local/share/sora-tui/downloads/20260101_{prompt[:40].replace(' ', '-')}_{i}.mp4",
                     "bytes": 2_400_000 + i, "sha256": f"{rng.getrandbits(256):064x}", "downloaded_at": job.created_at + 95}]
    return doc


def write_tinydb_file(path: Path, docs: list[dict[str, Any]]) -> None:
    """Exactly what stock TinyDB's JSONStorage writes."""
    data = {"jobs": {str(i + 1): d for i, d in enumerate(docs)}, "meta": {"1": {"schema": 1, "created": 1.7e9}}}
    path.write_text(json.dumps(data), encoding="utf-8")


@contextlib.contextmanager
def tui_homes(n: int) -> Iterator[tuple[Path, Path]]:
    """Two data dirs for a benchmark of the TUI: one with no history, one with `n` synthetic jobs (compacted,
    as a long-used history is), on the disk the benchmark runs from."""
    from sora_tui.store import HistoryStore

    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        empty, full = Path(tmp) / "empty", Path(tmp) / "full"
        empty.mkdir()
        full.mkdir()
        rng = random.Random(n)
        write_tinydb_file(full / "history.json", [synthetic_doc(i, rng) for i in range(n)])
        HistoryStore(full / "history.json").compact()
        yield empty, full


def _ms(seconds: float) -> float:
    return seconds * 1000


def measure_ours(path: Path, docs: list[dict[str, Any]], writes: int, rng: random.Random) -> dict[str, float]:
    from sora_tui.store import HistoryStore
    from sora_tui.tui.screens.history import SHOWN, Filters, HistoryTable

    HistoryStore(path).compact()  # our own layout, as a history that has lived a while has
    opens = []
    for _ in range(3):
        gc.collect()
        t = time.perf_counter()
        store = HistoryStore(path)
        opens.append(time.perf_counter() - t)
        if _ < 2:
            store.close()
    gc.freeze()  # as the app does once the history is open (tui/app.py): its index lives as long as the process
    try:
        ids = [d["local_id"] for d in docs]
        lat = []
        for _ in range(writes):
            local_id = rng.choice(ids)
            t = time.perf_counter()
            store.update(local_id, status=JobStatus.COMPLETED, progress=100)
            lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        store.prepare_search()  # what the history browser does when it opens, before the first keystroke
        prepare = time.perf_counter() - t
        search, found = [], []
        for n in range(1, len(TYPED) + 1):  # each keystroke's search, exactly as the history browser makes it
            args = Filters(text=TYPED[:n]).query_args(time.time())
            t = time.perf_counter()
            page = store.search(**args, limit=SHOWN, decode=HistoryTable.ROWS_AHEAD)
            search.append(time.perf_counter() - t)
            found.append(len(page.jobs) + len(page.later))
        store.close()
    finally:
        gc.unfreeze()
    return {"open": _ms(statistics.median(opens)), "write_p50": _ms(statistics.median(lat)),
            "write_p95": _ms(sorted(lat)[int(0.95 * (len(lat) - 1))]), "prepare": _ms(prepare), "found": found,
            "search_p50": _ms(statistics.median(search)), "search_max": _ms(max(search))}


def measure_stock(path: Path, docs: list[dict[str, Any]], writes: int, searches: int, rng: random.Random) -> dict[str, float]:
    from tinydb import Query, TinyDB

    gc.collect()
    t = time.perf_counter()
    db = TinyDB(path)
    jobs = db.table("jobs")
    len(jobs)  # TinyDB reads lazily: the first access parses the file
    opened = time.perf_counter() - t
    ids = list(range(1, len(docs) + 1))
    lat = []
    for _ in range(writes):
        doc_id = rng.choice(ids)
        t = time.perf_counter()
        jobs.update({"status": "completed", "progress": 100}, doc_ids=[doc_id])
        lat.append(time.perf_counter() - t)
    search = []
    q = Query()
    for n in range(1, searches + 1):
        needle = TYPED[:n]
        t = time.perf_counter()
        jobs.search(q.params.prompt.test(lambda p, s=needle: s in p.casefold()))
        search.append(time.perf_counter() - t)
    db.close()
    return {"open": _ms(opened), "write_p50": _ms(statistics.median(lat)), "search_p50": _ms(statistics.median(search))}


def run(sizes: tuple[int, ...] = (10_000, 100_000)) -> list[dict[str, Any]]:
    from sora_tui.tui.screens.history import SHOWN, HistoryTable

    rows: list[dict[str, Any]] = []
    for n in sizes:
        rng = random.Random(n)
        docs = [synthetic_doc(i, rng) for i in range(n)]
        with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:  # the working disk, not a RAM disk
            ours_path, stock_path = Path(tmp) / "ours" / "history.json", Path(tmp) / "stock.json"
            ours_path.parent.mkdir()
            write_tinydb_file(ours_path, docs)
            write_tinydb_file(stock_path, docs)
            size_mb = stock_path.stat().st_size / 1e6
            ours = measure_ours(ours_path, docs, writes=300, rng=rng)
            stock = measure_stock(stock_path, docs, writes=20 if n <= 10_000 else 5, searches=4, rng=rng)
        label = f"{n:,} jobs ({size_mb:.0f} MB)"
        rows += [
            {"area": "history", "what": f"durable status write p50, {label}", "ours": ours["write_p50"], "base": stock["write_p50"],
             "unit": "ms", "target": 10.0 if n == 100_000 else None,
             "note": f"p95 {ours['write_p95']:.1f} ms; stock TinyDB rewrites the whole file (and is not crash-safe)"},
            {"area": "history", "what": f"open the history, {label}", "ours": ours["open"], "base": stock["open"], "unit": "ms",
             "target": 1000.0 if n == 100_000 else None, "note": "stock: TinyDB(path) + first read"},
            {"area": "history", "what": f"incremental prompt search, slowest keystroke, {label}", "ours": ours["search_max"],
             "base": stock["search_p50"], "unit": "ms", "target": 20.0 if n == 100_000 else None,
             "note": f"typing '{TYPED}' in the history browser: each keystroke's search as the browser makes it, the "
                     f"{SHOWN} newest matches listed and the first {HistoryTable.ROWS_AHEAD} decoded (p50 {ours['search_p50']:.1f} ms; matches listed per keystroke "
                     f"{ours['found'][0]}…{ours['found'][-1]}; the browser builds the search's text index when it opens: "
                     f"{ours['prepare']:.0f} ms, in a thread); stock: Query.test over the table, p50"},
        ]
    return rows
