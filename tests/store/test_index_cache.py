"""The history's index cache (history.json.index): opening a large history from it gives exactly the index that
decoding every job gives, with whatever the journal changed since, and a cache that does not match is ignored."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from index_helpers import index_of, true_index
from tinydb import TinyDB

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryStore
from sora_tui.store.history import index_cache as index_cache_module
from sora_tui.store.history.index import _Entry


def _jobs(n: int) -> list[Job]:
    jobs = []
    for i in range(n):
        job = Job.new(GenerationParams(f"a lighthouse at dusk number {i}", model="sora-2-pro" if i % 3 else "sora-2"),
                      video_id=f"video_{i}" if i % 4 else None, group_id=f"grp_{i // 5}", starred=i % 7 == 0)
        job.tags = [f"tag{i % 3}", "Kite"] if i % 2 else []
        job.notes = "Windy ÉTÉ" if i % 5 == 0 else ""
        job.status = [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.QUEUED][i % 3]
        job.created_at = 1_700_000_000 + i
        jobs.append(job)
    return jobs








def _compacted(path: Path, n: int) -> tuple[HistoryStore, list[Job]]:
    """A history of n jobs, compacted (which writes the snapshot and the cache), still open."""
    store = HistoryStore(path)
    jobs = _jobs(n)
    for job in jobs:
        store.add(job)
    store.compact()
    assert path.with_name(path.name + ".index").is_file()
    return store, jobs


def test_a_compacted_history_opens_from_the_cache_with_the_journal_on_top(tmp_path: Path, decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    store, jobs = _compacted(path, 60)
    # changes after the cache: an update, a delete, a new job, a star
    store.update(jobs[1].local_id, status=JobStatus.DOWNLOADED, progress=100)
    store.delete(jobs[2].local_id)
    late = Job.new(GenerationParams("a late red kite"))
    store.add(late)
    store.update(jobs[3].local_id, starred=True, notes="changed after the cache")
    store._cached_at = None
    store._db.close()  # no save on close here: the cache stays at the compaction
    decoded.clear()
    again = HistoryStore(path)
    try:
        assert decoded == []  # from the cache
        assert index_of(again) == true_index(path)
        assert again.get(jobs[1].local_id).status == JobStatus.DOWNLOADED  # type: ignore[union-attr]
        assert again.get(jobs[2].local_id) is None
        assert [j.local_id for j in again.query(text="late red kite")] == [late.local_id]
        assert [j.local_id for j in again.query(text="changed after")] == [jobs[3].local_id]
        assert [j.local_id for j in again.query(text="été")] == [j.local_id for j in reversed(jobs) if j.notes and j is not jobs[3]]
        nxt = Job.new(GenerationParams("one more"))
        again.add(nxt)
        assert again.get(nxt.local_id) is not None and len({e.doc_id for e in again._entries.values()}) == len(again._entries)
    finally:
        again.close()


def test_another_processs_writes_since_the_cache_are_taken_again(tmp_path: Path, decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    first, jobs = _compacted(path, 20)
    other = HistoryStore(path)  # another process, in effect: its own storage and index
    other.update(jobs[5].local_id, status=JobStatus.FAILED)
    other._cached_at = 0
    other._db.close()
    decoded.clear()
    reopened = HistoryStore(path)
    try:
        assert decoded == [] and reopened.get(jobs[5].local_id).status == JobStatus.FAILED  # type: ignore[union-attr]
        assert index_of(reopened) == true_index(path)
    finally:
        reopened.close()
        first.close()


@pytest.mark.parametrize("damage", ["torn", "garbage", "wrong types", "a job too few", "another snapshot"])
def test_a_cache_that_does_not_match_is_ignored(damage: str, tmp_path: Path, decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    store, _ = _compacted(path, 30)
    store.close()
    cache = tmp_path / "history.json.index"
    raw = cache.read_bytes()
    if damage == "torn":
        cache.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        cache.write_bytes(b"\x00" * 100)
    elif damage == "wrong types":
        lines = raw.split(b"\n")
        row = orjson.loads(lines[4])
        row[_Entry.__slots__.index("hay")] = 42
        lines[4] = orjson.dumps(row)
        cache.write_bytes(b"\n".join(lines))
    elif damage == "a job too few":
        lines = raw.rstrip(b"\n").split(b"\n")
        head = orjson.loads(lines[0])
        head["rows"] -= 1
        cache.write_bytes(b"\n".join([orjson.dumps(head), *lines[1:-1]]) + b"\n")
    else:  # the snapshot replaced by plain TinyDB (same jobs, one changed): the cache's stat key no longer matches
        time.sleep(0.01)
        db = TinyDB(path)
        jobs = db.table("jobs")
        first = jobs.all()[0]
        jobs.update({"status": "expired"}, doc_ids=[first.doc_id])
        db.close()
    decoded.clear()
    again = HistoryStore(path)
    try:
        assert decoded == [30]  # every job decoded instead
        assert index_of(again) == true_index(path)
        if damage == "another snapshot":
            assert any(e.status == "expired" for e in again._entries.values())
    finally:
        again.close()


def test_close_saves_a_cache_when_there_is_none_and_when_the_journal_has_moved_far(tmp_path: Path, decoded: list[int],
                                                                                  monkeypatch) -> None:
    path = tmp_path / "history.json"
    db = TinyDB(path)  # a history written by plain TinyDB (or an older sora-tui): no cache
    db.table("jobs").insert_multiple([job.to_doc() for job in _jobs(12)])
    db.close()
    store = HistoryStore(path)
    assert decoded == [12]
    store.close()
    cache = tmp_path / "history.json.index"
    assert cache.is_file()
    decoded.clear()
    store = HistoryStore(path)
    assert decoded == []
    monkeypatch.setattr(index_cache_module, "INDEX_CACHE_STALE_AFTER", 3)
    saved = cache.stat().st_mtime_ns
    [a, b, c] = [Job.new(GenerationParams(f"new {i}")) for i in range(3)]
    store.add(a)
    store.add(b)
    store.close()
    assert cache.stat().st_mtime_ns == saved  # two changes: not worth a save
    store = HistoryStore(path)
    store.add(c)
    store.close()
    assert cache.stat().st_mtime_ns != saved  # three since the cache: saved again
    decoded.clear()
    store = HistoryStore(path)
    try:
        assert decoded == [] and store.get(c.local_id) is not None and index_of(store) == true_index(path)
    finally:
        store.close()
