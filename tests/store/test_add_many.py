"""Jobs added together: one write, after a check that sees every job in the history (the budget's), whichever
store wrote it; a refused check writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryStore


def _job(prompt: str = "a kite", model: str = "sora-2") -> Job:
    """A job being sent: sora-2 at its published price ($0.40 for 4 s), another model at an unknown one."""
    return Job.new(GenerationParams(prompt, model=model, seconds="4"), status=JobStatus.SUBMITTING, profile="lab")


class Refused(Exception):
    pass


def test_the_check_sees_what_another_store_on_the_file_added_and_a_refusal_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    one, other = HistoryStore(path), HistoryStore(path)
    try:
        one.add(_job("written by the other process"))
        seen: list[list[tuple[str, float | None, bool]]] = []

        def admit(rows) -> None:
            seen.append([(r.status, r.amount, r.billed) for r in rows])
            if len(rows) >= 1:
                raise Refused

        with pytest.raises(Refused):
            other.add_many([_job("a"), _job("b")], admit)
        assert seen == [[("submitting", 0.4, True)]]  # the other store's job, priced from the index
        assert len(other) == 1 and len(HistoryStore(path)) == 1
    finally:
        one.close()
        other.close()


def test_jobs_added_together_get_their_own_short_ids_and_are_read_back_priced(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.json")
    try:
        jobs = [_job(f"take {n}", model="mystery" if n == 2 else "sora-2") for n in range(3)]
        store.add_many(jobs, lambda rows: None)
        assert len({j.short_id for j in jobs}) == 3
        assert [store.get(j.local_id).short_id for j in jobs] == [j.short_id for j in jobs]
        rows = {r.local_id: r for r in store.spending()}
        assert [rows[j.local_id].amount for j in jobs] == [0.4, 0.4, None]
    finally:
        store.close()
    again = HistoryStore(tmp_path / "history.json")  # from the index cache, or the jobs again: the same prices
    try:
        assert sorted((r.amount is None, r.billed) for r in again.spending()) == [(False, True), (False, True),
                                                                                  (True, True)]
    finally:
        again.close()
