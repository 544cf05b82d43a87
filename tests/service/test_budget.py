"""Budgets in the job service, against the real local engine priced as a paid server: a submission that would pass
the profile's budget is refused before anything is written or sent, variations count as their total, running jobs
count, and takes written together with one that could not be sent are never sent later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sora_tui.backend import VideosBackend
from sora_tui.core.job import Job
from sora_tui.core.ledger import Budget
from sora_tui.core.params import LOCAL_MODELS, MODELS, GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.service import JobService
from sora_tui.service.jobs import BudgetRefused
from sora_tui.store import HistoryStore

PARAMS = GenerationParams("a red kite over a windy beach, slow pan left", size="720x1280", seconds="4")  # $0.40


@pytest.fixture
async def budgeted(local_engine, tmp_path: Path) -> AsyncIterator[JobService]:
    """sora-2 at its published price ($0.10 a second) with a daily budget of one dollar."""
    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(local_engine.base_url, "test-key")
    svc = JobService(store, backend, profile="lab", download_dir=tmp_path / "downloads", models=dict(MODELS),
                     budget=Budget(daily=1.0))
    try:
        yield svc
    finally:
        await backend.aclose()
        store.close()


async def test_what_fits_is_sent_and_what_would_pass_the_budget_is_neither_written_nor_sent(budgeted: JobService) -> None:
    first = await budgeted.generate(PARAMS, variations=2)  # $0.80 of $1.00
    assert [j.status for j in first] != [] and all(j.video_id for j in first)
    sent = budgeted.stats["creates_sent"]
    with pytest.raises(BudgetRefused) as refused:
        await budgeted.generate(PARAMS)  # $0.40 more would make $1.20
    over = refused.value.over
    assert over.period == "daily" and over.counted == pytest.approx(0.8) and over.cost == pytest.approx(0.4)
    assert "lab's daily budget of $1.00" in refused.value.message
    assert len(budgeted.store) == 2 and budgeted.stats["creates_sent"] == sent


async def test_variations_count_as_their_total(budgeted: JobService) -> None:
    with pytest.raises(BudgetRefused) as refused:
        await budgeted.generate(PARAMS, variations=3)  # $1.20 at once, though each take alone fits
    assert refused.value.over.cost == pytest.approx(1.2)
    assert len(budgeted.store) == 0 and budgeted.stats["creates_sent"] == 0


async def test_more_takes_retries_and_remixes_are_checked_too(budgeted: JobService) -> None:
    (job,) = await budgeted.generate(PARAMS)
    with pytest.raises(BudgetRefused):
        await budgeted.more_takes(job, 2)  # 0.40 + 0.80
    assert budgeted.store.get(job.local_id).group_id is None  # the refused takes changed nothing on the job
    await budgeted.retry(job)  # 0.80 of 1.00
    with pytest.raises(BudgetRefused):
        await budgeted.retry(job)
    assert len(budgeted.store) == 2


async def test_running_jobs_count_against_the_budget(fast_engine, tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(fast_engine.base_url, "test-key")
    svc = JobService(store, backend, profile="lab", download_dir=tmp_path / "d", models=dict(MODELS),
                     budget=Budget(daily=0.5))
    try:
        (job,) = await svc.generate(PARAMS)
        assert store.get(job.local_id).status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS)
        with pytest.raises(BudgetRefused) as refused:
            await svc.generate(PARAMS)
        assert refused.value.over.counted == pytest.approx(0.4)
    finally:
        await backend.aclose()
        store.close()


async def test_no_budget_and_the_free_engine_are_never_refused(service: JobService) -> None:
    service.budget = Budget(daily=0.0)  # the local engine's prices are zero: free stays free under any budget
    service.models = dict(LOCAL_MODELS)
    jobs = await service.generate(GenerationParams("a kite", seconds="4"), variations=2)
    assert len(jobs) == 2 and all(j.video_id for j in jobs)


async def test_takes_written_with_one_the_server_refused_are_marked_not_sent(tmp_path: Path) -> None:
    """The key is refused at the first take: the other two were written with it (so a budget counted them) and
    must say they were not sent, not wait as 'submitting' for a later process to send them."""
    handle = start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "engine", api_key="the-right-key"))
    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(handle.base_url, "a-wrong-key")
    svc = JobService(store, backend, profile="lab", download_dir=tmp_path / "d", models=dict(MODELS))
    try:
        with pytest.raises(Exception):  # noqa: B017 - the auth error itself is the CLI's and TUI's to say
            await svc.generate(PARAMS, variations=3)
        jobs: list[Job] = store.all()
        assert len(jobs) == 3 and all(j.status == JobStatus.FAILED for j in jobs)
        assert svc.stats["creates_sent"] == 1
        not_sent = [j for j in jobs if j.error and j.error.code == "not_submitted"]
        assert len(not_sent) == 2
        assert all("Not sent" in j.error.message and "nothing was created or billed" in j.error.message.lower()
                   for j in not_sent)
        assert len({j.short_id for j in jobs}) == 3
    finally:
        await backend.aclose()
        store.close()
        handle.stop()


async def test_a_question_can_ask_the_budget_first_and_the_write_still_checks(budgeted: JobService) -> None:
    """check_budget answers before a paid question is asked; it changes nothing, and the write checks again."""
    budgeted.check_budget(PARAMS, 2)  # $0.80 of $1.00
    with pytest.raises(BudgetRefused) as refused:
        budgeted.check_budget(PARAMS, 3)
    assert refused.value.over.cost == pytest.approx(1.2)
    with pytest.raises(BudgetRefused):  # an extension is priced by the seconds it adds: 12 s is $1.20
        budgeted.check_budget(PARAMS, kind="extend", extension_seconds="12")
    budgeted.check_budget(PARAMS, kind="extend", extension_seconds="8")
    assert len(budgeted.store) == 0 and budgeted.stats["creates_sent"] == 0
    await budgeted.generate(PARAMS, variations=2)
    with pytest.raises(BudgetRefused):
        budgeted.check_budget(PARAMS)  # what the question would have offered is now over
