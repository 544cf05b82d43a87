"""Fault harness: a batch of jobs through an engine that faults a large share of requests still completes,
downloads intact, creates nothing twice, and waits as long as the server says after a 429."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path

from harness import server_videos, sha256, write_section

from sora_tui.backend import VideosBackend
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.service import JobService
from sora_tui.store import HistoryStore

FAULTS = "429:0.15,500:0.06,503:0.04,reset:0.05,slow:0.05,truncate:0.10,lost:0.03"
SEED = 11
PROMPTS = ("a paper boat on a rainy street, slow pan left, rain hiss",
           "a lighthouse at dusk, steady zoom-in, waves and gulls",
           "a red kite over a windy beach, dolly right, gulls crying")
VARIANTS = ("video", "thumbnail", "spritesheet")


async def test_a_batch_survives_a_faulty_server(tmp_path: Path) -> None:
    started = time.monotonic()
    engine = start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "engine", faults=FAULTS, seed=SEED))
    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(engine.base_url, "k", timeout=20)
    service = JobService(store, backend, download_dir=tmp_path / "downloads", local_engine=True)
    try:
        jobs = []
        for prompt in PROMPTS:
            jobs += await service.generate(GenerationParams(prompt, size="1280x720", seconds="4"), variations=4,
                                           auto_download=list(VARIANTS))
        done = await asyncio.wait_for(service.wait(jobs), 300)
    finally:
        await backend.aclose()
    plan = engine.faults
    log = list(plan.log)
    plan.rates = []  # the truth is read without faults
    try:
        videos = {v.id: v for v in server_videos(engine.base_url)}
        truth = {vid: {var: sha256(engine.engine.state.asset(vid, var)) for var in VARIANTS} for vid in videos}
        engine_sizes = {(vid, var): engine.engine.state.asset(vid, var).stat().st_size for vid in videos for var in VARIANTS}
    finally:
        engine.stop()
        store.close()
    elapsed = time.monotonic() - started

    # how clients behaved after each fault: the gap to the next identical request
    after: dict[str, list[float]] = defaultdict(list)
    last: dict[str, tuple[float, str | None]] = {}
    for t, request, fault in log:
        if request.startswith("POST"):
            continue  # creates are never retried as such; the next POST is another job's
        if request in last and last[request][1] is not None:
            after[last[request][1]].append(t - last[request][0])
        last[request] = (t, fault)
    gap_429 = min(after["429"]) if after["429"] else None
    # Videos cut at half their length have more than one 64 KB piece on disk and must resume with Range;
    # a thumbnail cut at 5 KB has nothing to resume from and starts over, which is also right.
    cut_downloads = sum(1 for _, request, fault in log if fault == "truncate" and "/content" in request)
    cut_videos = sum(1 for _, request, fault in log if fault == "truncate" and "/content?variant=video" in request)
    gap_5xx = min(after["500"] + after["503"]) if after["500"] or after["503"] else None

    completed = [j for j in done if j.status == JobStatus.DOWNLOADED]
    # A create whose every attempt (the first and MAX_RESUBMITS more) was faulted before the server handled it is
    # given up and said so, with nothing billed: the designed answer, and at this fault rate a rare draw (seen once
    # in a CI run, when load reordered the seeded faults). Anything else unfinished is a failure of the harness.
    gave_up = [j for j in done if j.status == JobStatus.FAILED and j.error is not None
               and j.error.code == "not_submitted" and not j.video_id]
    corrupt, bad = 0, []
    for job in completed:
        for variant in VARIANTS:
            record = job.file(variant)
            if record is None or sha256(Path(record.path)) != truth[job.video_id][variant] or record.sha256 != truth[job.video_id][variant]:
                corrupt += 1
                bad.append((job.short_id, variant, record.bytes if record else None, engine_sizes[(job.video_id, variant)]))
    partials = list((tmp_path / "downloads").glob("*.part"))
    injected = {k: v for k, v in plan.injected.items() if v}
    faulted = sum(injected.values())

    write_section("faults", "Fault harness (429, 5xx, resets, stalls, truncation, lost answers)", [
        ("engine faults", f"`{FAULTS}` (seed {SEED})"),
        ("requests the engine answered", plan.requests),
        ("requests faulted", f"{faulted} ({100 * faulted / max(1, plan.requests):.0f} %): "
         + ", ".join(f"{k} {v}" for k, v in sorted(injected.items()))),
        ("jobs submitted / completed and downloaded", f"{len(jobs)} / {len(completed)}"),
        ("videos created on the server (duplicates = extra)", f"{len(videos)} (duplicates: {len(videos) - len({j.video_id for j in done if j.video_id})})"),
        ("create requests sent", service.stats["creates_sent"]),
        ("creates answered 429 and sent again after Retry-After", service.stats["creates_rate_limited"]),
        ("creates with an uncertain outcome, settled from the list", service.stats["creates_uncertain"]),
        ("creates proven absent and sent again", service.stats["creates_resent_after_list_check"]),
        ("download attempts / files", f"{service.stats['download_attempts']} / {len(jobs) * len(VARIANTS)}"),
        ("downloads cut mid-body by the engine / resumed with a Range request",
         f"{cut_downloads} / {service.stats['downloads_resumed_with_range']}"),
        ("shortest wait after a 429 (Retry-After: 1 s) before the same request", f"{gap_429:.2f} s" if gap_429 is not None else "n/a"),
        ("shortest wait after a 5xx before the same request", f"{gap_5xx:.2f} s" if gap_5xx is not None else "n/a"),
        ("jobs lost", len(jobs) - len(done)),
        ("jobs given up, their creates never reaching the server (nothing billed)", len(gave_up)),
        ("corrupt or truncated files reported done", corrupt),
        ("wall time", f"{elapsed:.0f} s"),
    ])

    assert faulted >= plan.requests * 0.3, "the harness must fault a large share of requests"
    assert len(completed) + len(gave_up) == len(jobs) == 4 * len(PROMPTS), [(j.short_id, j.status.value, j.error) for j in done]
    assert len(gave_up) <= 1, [(j.short_id, j.error) for j in gave_up]
    assert len(videos) == len(completed) and {j.video_id for j in completed} == set(videos), "a create was billed twice or lost"
    assert corrupt == 0 and not partials, (bad, partials)
    assert gap_429 is not None and gap_429 >= 0.95, f"a 429's Retry-After was not honoured ({gap_429})"
    assert gap_5xx is not None and gap_5xx >= 0.3, f"no back-off after a 5xx ({gap_5xx})"
    assert cut_videos == 0 or service.stats["downloads_resumed_with_range"] >= 1, (cut_videos, cut_downloads)
