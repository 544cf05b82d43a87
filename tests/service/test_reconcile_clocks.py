"""A create whose answer was lost is found in the server's list whatever the server's clock says: never sent (and
billed) a second time because the server runs behind, never matched to an older video with the same prompt."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sora_tui.backend import VideosBackend
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.service import JobService
from sora_tui.store import HistoryStore

PROMPT = "a paper lantern drifting over a night river, slow push in, water lapping"


async def _server_count(backend: VideosBackend, prompt: str) -> int:
    return [v.prompt for v in (await backend.list_page()).videos].count(prompt)


@pytest.mark.parametrize("mode", ["clock-behind", "clock-ahead"])
@pytest.mark.parametrize("history_has_answered_jobs", [True, False], ids=["with-anchors", "fresh-history"])
async def test_a_lost_create_is_found_whatever_the_servers_clock(mode: str, history_has_answered_jobs: bool,
                                                                 tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.json")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "s", modes=mode)) as engine:
        backend = VideosBackend(engine.base_url, "k")
        svc = JobService(store, backend, download_dir=tmp_path / "dl")
        try:
            if history_has_answered_jobs:  # earlier jobs of ours, answered: the order of the list says the rest
                await svc.generate(GenerationParams("an earlier kite, answered", size="1280x720"), variations=2)
            lost = Job.new(GenerationParams(PROMPT, size="1280x720"), status=JobStatus.UNCERTAIN)
            store.add(lost)
            info = await backend.create(GenerationParams(PROMPT, size="1280x720"))  # arrived; its answer did not
            await svc.tracker.reconcile()
            found = store.get(lost.local_id)
            assert found is not None and found.video_id == info.id
            assert found.extra.get("reconciled") is True and found.submitted_at is None
            assert await _server_count(backend, PROMPT) == 1  # not sent again: nothing billed twice
        finally:
            await backend.aclose()
    store.close()


async def test_an_older_video_with_the_same_prompt_is_not_taken_for_a_lost_create(tmp_path: Path) -> None:
    """Made with another tool, before this create was sent: the server's own clock (its Date header, 15 minutes
    behind ours) says so."""
    store = HistoryStore(tmp_path / "h.json")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "s", modes="clock-behind")) as engine:
        backend = VideosBackend(engine.base_url, "k")
        svc = JobService(store, backend, download_dir=tmp_path / "dl")
        try:
            elsewhere = await backend.create(GenerationParams(PROMPT, size="1280x720"))
            later = Job.new(GenerationParams(PROMPT, size="1280x720"), status=JobStatus.UNCERTAIN)
            later.created_at = time.time() + 200  # sent well after the other video was made
            later.extra["sent_at"] = later.created_at
            store.add(later)
            await svc.tracker.reconcile()
            assert store.get(later.local_id).video_id != elsewhere.id  # type: ignore[union-attr]
        finally:
            await backend.aclose()
    store.close()


async def test_of_two_lost_creates_with_one_prompt_each_gets_its_own_video(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.json")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "s", modes="clock-behind")) as engine:
        backend = VideosBackend(engine.base_url, "k")
        svc = JobService(store, backend, download_dir=tmp_path / "dl")
        try:
            await svc.generate(GenerationParams("an anchor", size="1280x720"))
            jobs = []
            for _ in range(2):
                job = Job.new(GenerationParams(PROMPT, size="1280x720"), status=JobStatus.UNCERTAIN)
                store.add(job)
                jobs.append((job, await backend.create(GenerationParams(PROMPT, size="1280x720"))))
            await svc.tracker.reconcile()
            assert [store.get(j.local_id).video_id for j, _ in jobs] == [i.id for _, i in jobs]  # type: ignore[union-attr]
            assert await _server_count(backend, PROMPT) == 2
        finally:
            await backend.aclose()
    store.close()
