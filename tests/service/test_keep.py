"""Keeping a take: the chosen take starred and kept, the other takes of its group passed, one at a time kept, all
in one write to a real history file; without a server too (nothing is sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from service_helpers import service_on

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.service import JobService, ServiceError
from sora_tui.service.keep import KEPT, PASSED, choice_of, keep_take
from sora_tui.store import HistoryStore


@pytest.fixture
async def offline(tmp_path: Path) -> AsyncIterator[JobService]:
    """A service whose server is not there (a port nothing listens on): a history browsed offline."""
    async with service_on("http://127.0.0.1:9", tmp_path / "history.json", timeout=2) as svc:
        yield svc


@pytest.fixture
def writes(offline: JobService, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The history's journal writes (one append and fsync each), by how many documents each held."""
    storage = offline.store._storage
    real = storage.append_many
    seen: list[int] = []

    def counted(table: str, changes: list[tuple[str, dict[str, Any] | None]]) -> None:
        seen.append(len(changes))
        real(table, changes)

    monkeypatch.setattr(storage, "append_many", counted)
    return seen


def _group(store: HistoryStore, n: int, group: str | None = "grp_kites") -> list[Job]:
    takes = []
    for i in range(n):
        take = Job.new(GenerationParams(f"a red kite over the dunes, take {i}"), group_id=group)
        take.created_at = 1_700_000_000 + i
        takes.append(take)
    store.add_many(takes)
    return takes


def _choices(store: HistoryStore, jobs: list[Job]) -> list[str | None]:
    return [choice_of(store.get(j.local_id)) for j in jobs]  # type: ignore[arg-type]


async def test_keep_one_take_passes_the_others_in_one_write(offline: JobService, writes: list[int]) -> None:
    store = offline.store
    first, second, third = _group(store, 3)
    lone = _group(store, 1, group=None)[0]
    other_group = _group(store, 2, group="grp_other")
    writes.clear()
    changed = await offline.keep(second)
    # the kept one first, then the passed ones newest first; one journal write of three documents
    assert [j.local_id for j in changed] == [second.local_id, third.local_id, first.local_id]
    assert writes == [3]
    assert changed[0].starred and choice_of(changed[0]) == KEPT
    assert [choice_of(j) for j in changed[1:]] == [PASSED, PASSED] and not any(j.starred for j in changed[1:])
    assert _choices(store, [first, second, third]) == [PASSED, KEPT, PASSED]
    assert _choices(store, [lone, *other_group]) == [None, None, None]  # no other job touched
    assert all(offline._own_writes[j.local_id] == j.updated_at for j in changed)  # not reported as another's
    # durable: another process (a fresh open of the file) sees the same, and finds it with the kept filter
    again = HistoryStore(store.path)
    assert [j.local_id for j in again.query(kept=True)] == [second.local_id]
    assert again.get(second.local_id).starred  # type: ignore[union-attr]
    again.close()


async def test_keeping_another_take_passes_the_one_kept_before(offline: JobService, writes: list[int]) -> None:
    store = offline.store
    first, second, third = _group(store, 3)
    await offline.keep(second)
    writes.clear()
    changed = await offline.keep(first)  # a passed take kept later
    # third was passed already: neither written nor returned
    assert [j.local_id for j in changed] == [first.local_id, second.local_id] and writes == [2]
    assert _choices(store, [first, second, third]) == [KEPT, PASSED, PASSED]
    assert store.get(second.local_id).starred  # type: ignore[union-attr]  # the star stays: it may be the user's
    assert [j.local_id for j in store.query(kept=True)] == [first.local_id]
    writes.clear()
    assert await offline.keep(first) == [] and writes == []  # as chosen already: nothing written


async def test_keep_reads_each_take_as_it_stands(offline: JobService) -> None:
    """A take changed since the caller read it (a note, a download, another process's keep) is changed, not
    overwritten with the caller's old copy."""
    store = offline.store
    first, second = _group(store, 2)
    store.update(second.local_id, notes="the gull at 0:03", extra={"retry_at": 5.0})
    stale = first  # as read before anything was decided
    await offline.keep(second)
    await offline.keep(stale)
    now = store.get(second.local_id)
    assert now is not None and now.notes == "the gull at 0:03" and now.extra == {"retry_at": 5.0, "choice": PASSED}


async def test_a_job_without_a_group_is_kept_alone(offline: JobService, writes: list[int]) -> None:
    store = offline.store
    lone = _group(store, 1, group=None)[0]
    others = _group(store, 2)
    writes.clear()
    [kept] = await offline.keep(lone)
    assert kept.local_id == lone.local_id and kept.starred and choice_of(kept) == KEPT and writes == [1]
    assert _choices(store, others) == [None, None]
    # starred already: kept all the same
    starred = _group(store, 1, group="grp_alone")[0]
    store.update(starred.local_id, starred=True)
    [kept] = await offline.keep(store.get(starred.local_id))  # type: ignore[arg-type]
    assert choice_of(kept) == KEPT


async def test_a_job_no_longer_in_the_history_is_refused(offline: JobService, writes: list[int]) -> None:
    store = offline.store
    first, second = _group(store, 2)
    store.delete(first.local_id)
    writes.clear()
    with pytest.raises(ServiceError, match="no longer in the history"):
        await offline.keep(first)
    assert writes == [] and _choices(store, [second]) == [None]  # nothing passed for a take that is gone


def test_keep_take_needs_no_service(tmp_path: Path) -> None:
    """What an interface without a server calls: the history alone."""
    store = HistoryStore(tmp_path / "history.json")
    first, second = _group(store, 2)
    assert [j.local_id for j in keep_take(store, first)] == [first.local_id, second.local_id]
    assert _choices(store, [first, second]) == [KEPT, PASSED]
    store.close()


def test_the_refusal_in_japanese(tmp_path: Path, ja: None) -> None:
    store = HistoryStore(tmp_path / "history.json")
    [gone] = _group(store, 1)
    store.delete(gone.local_id)
    with pytest.raises(ServiceError) as refused:
        keep_take(store, gone)
    assert "履歴" in refused.value.message and gone.short_id in refused.value.message
    store.close()


async def test_keep_a_take_made_by_the_engine(service: JobService) -> None:
    takes = await service.generate(GenerationParams("a lighthouse at dusk, waves below"), variations=3)
    [done, *_rest] = await service.wait(takes, timeout=60)
    changed = await service.keep(done)
    assert {j.local_id for j in changed} == {t.local_id for t in takes}
    kept = service.store.query(kept=True)
    assert [j.local_id for j in kept] == [done.local_id] and kept[0].status == done.status
    assert sorted(choice_of(j) or "" for j in service.store.query(group_id=done.group_id)) == [KEPT, PASSED, PASSED]


async def test_a_session_keeps_a_take_on_its_history_alone_before_any_server(home: Path) -> None:
    """The TUI keeps a take through its session: a session that opened its history but reached no server (the
    history browsed offline) still keeps it, on the history alone."""
    from sora_tui.session import prepare

    session = prepare()
    try:
        assert session.service is None  # prepared, never connected
        takes = _group(session.store, 3)
        changed = await session.keep(takes[1])
        assert changed[0].local_id == takes[1].local_id
        assert _choices(session.store, takes) == [PASSED, KEPT, PASSED]
    finally:
        await session.aclose()
