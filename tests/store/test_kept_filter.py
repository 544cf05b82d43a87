"""The history's kept filter: the take chosen of its group (extra.choice "kept") found from the index without
decoding a job, following every change (this process's, another's, through the index cache), and a cache saved
before the index knew it rebuilt rather than misread."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from index_helpers import index_of, true_index

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.store import HistoryStore
from sora_tui.store.history import INDEX_CACHE_FORMAT


def _jobs(n: int) -> list[Job]:
    """Groups of three takes: the first of each group kept, the others passed; every fourth group undecided."""
    jobs = []
    for i in range(n):
        job = Job.new(GenerationParams(f"a kite over the dunes {i}"), group_id=f"grp_{i // 3}", starred=i % 2 == 0)
        if (i // 3) % 4 != 3:
            job.extra = {"choice": "kept" if i % 3 == 0 else "passed"}
        job.created_at = 1_700_000_000 + i
        jobs.append(job)
    return jobs


def _ids(jobs: list[Job]) -> list[str]:
    return [j.local_id for j in jobs]


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The local ids of the jobs a call decoded, in order."""
    seen: list[str] = []
    real = HistoryStore._job
    monkeypatch.setattr(HistoryStore, "_job", lambda self, e: (seen.append(e.local_id), real(self, e))[1])
    return seen


def test_kept_finds_the_chosen_takes_deciding_nothing_else(tmp_path: Path, decodes: list[str]) -> None:
    store = HistoryStore(tmp_path / "history.json")
    jobs = _jobs(24)
    store.add_many(jobs)
    newest_first = sorted(jobs, key=lambda j: j.created_at, reverse=True)
    kept = [j for j in newest_first if j.extra.get("choice") == "kept"]
    assert len(kept) == 6
    decodes.clear()
    found = store.search(kept=True)
    assert _ids(found.jobs) == _ids(kept) and found.matched == 6
    assert decodes == _ids(kept)  # only the jobs returned were decoded
    decodes.clear()
    page = store.search(kept=True, decode=0)
    assert page.jobs == [] and list(page.later) == _ids(kept) and decodes == []
    assert _ids(store.search(kept=False).jobs) == [j.local_id for j in newest_first if j not in kept]
    # with the other filters, in the other order, and through query (what `jobs --kept` asks)
    assert _ids(store.search(kept=True, starred=True, descending=False).jobs) == [
        j.local_id for j in reversed(kept) if j.starred]
    assert _ids(store.query(kept=True, limit=2)) == _ids(kept[:2])
    assert _ids(store.query(kept=True, group_id="grp_3")) == []  # an undecided group
    assert _ids(store.query(kept=True, sort="cost")) and store.search(kept=True, limit=2).matched is None
    store.close()


def test_kept_follows_changes_here_and_in_another_process(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    jobs = _jobs(6)
    store.add_many(jobs)
    other = HistoryStore(path)  # another process's view of the same history
    assert {j.local_id for j in other.query(kept=True)} == {jobs[0].local_id, jobs[3].local_id}
    # the first group's choice moves to its second take, in one write
    store.update_many({jobs[0].local_id: {"extra": {"choice": "passed"}},
                       jobs[1].local_id: {"extra": {"choice": "kept"}}})
    assert {j.local_id for j in store.query(kept=True)} == {jobs[1].local_id, jobs[3].local_id}
    assert {j.local_id for j in other.query(kept=True)} == {jobs[1].local_id, jobs[3].local_id}
    other.update(jobs[3].local_id, extra={})  # undecided again
    assert _ids(store.query(kept=True)) == [jobs[1].local_id]
    assert index_of(store) == index_of(other)
    other.close()
    store.close()


def test_the_index_cache_keeps_what_is_kept(tmp_path: Path, decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    jobs = _jobs(30)
    store.add_many(jobs)
    store.compact()
    store.update(jobs[1].local_id, extra={"choice": "kept"})  # after the cache: read from the journal on top
    store.close()
    head = orjson.loads(path.with_name(path.name + ".index").read_bytes().splitlines()[0])
    assert head["format"] == INDEX_CACHE_FORMAT >= 5 and "kept" in head["slots"]
    decoded.clear()
    reopened = HistoryStore(path)
    assert decoded == []  # opened from the cache
    assert index_of(reopened) == true_index(path)
    assert jobs[1].local_id in _ids(reopened.query(kept=True)) and len(reopened.query(kept=True)) == 9
    reopened.close()


def _rewrite_cache(path: Path, head_fields: dict[str, object], row: object) -> None:
    cache = path.with_name(path.name + ".index")
    head, *rows = cache.read_bytes().splitlines()
    header = orjson.loads(head)
    new_rows = [orjson.dumps(row(orjson.loads(r), header["slots"])) for r in rows]  # type: ignore[operator]
    cache.write_bytes(b"\n".join([orjson.dumps({**header, **head_fields}), *new_rows]) + b"\n")


def _cached(path: Path, n: int) -> list[Job]:
    store = HistoryStore(path)
    jobs = _jobs(n)
    store.add_many(jobs)
    store.compact()
    store.close()
    return jobs


def test_a_cache_from_before_the_kept_filter_is_rebuilt(tmp_path: Path, decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    _cached(path, 12)
    header = orjson.loads(path.with_name(path.name + ".index").read_bytes().splitlines()[0])
    column = header["slots"].index("kept")
    # as the previous format wrote it: no kept column
    _rewrite_cache(path, {"format": 4, "slots": [s for s in header["slots"] if s != "kept"]},
                   lambda values, slots: [v for k, v in enumerate(values) if k != column])
    decoded.clear()
    reopened = HistoryStore(path)
    assert decoded == [12]  # every job decoded instead of the old rows misread
    assert index_of(reopened) == true_index(path) and len(reopened.query(kept=True)) == 3
    reopened.close()


def test_a_cache_whose_kept_is_not_a_flag_is_not_used(tmp_path: Path, decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    _cached(path, 9)
    header = orjson.loads(path.with_name(path.name + ".index").read_bytes().splitlines()[0])
    column = header["slots"].index("kept")
    _rewrite_cache(path, {}, lambda values, slots: [("kept" if v else "") if k == column else v
                                                    for k, v in enumerate(values)])
    decoded.clear()
    reopened = HistoryStore(path)
    assert decoded == [9]
    assert len(reopened.query(kept=True)) == 3 and index_of(reopened) == true_index(path)
    reopened.close()

