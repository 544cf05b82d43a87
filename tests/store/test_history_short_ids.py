"""Short ids in the history: one per job, unique in the history (whichever process added the job), the same in
every process that reads it (jobs written before short ids included), kept in the index and its cache, and
accepted wherever a job is looked up, whole or as a prefix, as quickly as a server id."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import orjson
import pytest
from index_helpers import index_of, true_index

from sora_tui.core.job import SHORT_ID_LENGTH, Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine.modes import DEPLOYMENT_TAG
from sora_tui.store import AmbiguousJob, HistoryStore, JobNotFound
from sora_tui.store.history import INDEX_CACHE_FORMAT


def _job(local_id: str, video_id: str | None = None, prompt: str = "a red kite", created_at: float = 0.0) -> Job:
    job = Job.new(GenerationParams(prompt), status=JobStatus.COMPLETED, video_id=video_id)
    job.local_id = local_id
    if created_at:
        job.created_at = job.updated_at = created_at
    return job


def _proxy_id(i: int) -> str:
    """An id the way a LiteLLM proxy makes them: its own part, then the deployment encoded, the same for all."""
    return f"video_{i:012x}_{DEPLOYMENT_TAG}"


def test_jobs_whose_ids_share_their_ending_and_their_start_get_distinct_short_ids(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.json")
    # local ids whose first hex digits are the same: the later ones are lengthened until they differ
    jobs = [_job(f"job_4e11ba13{i:08x}", _proxy_id(i), f"take {i}", 1_700_000_000 + i) for i in range(4)]
    for job in jobs:
        store.add(job)
    shown = [job.short_id for job in jobs]
    assert shown == ["4e11ba13", "4e11ba130", "4e11ba1300", "4e11ba13000"]
    assert [j.short_id for j in store.all()] == shown[::-1]  # what the history gives back is what add chose
    for job in jobs:
        assert store.resolve(job.short_id).local_id == job.local_id  # whole: exact wins over a longer one
        assert store.resolve(job.video_id).local_id == job.local_id
        assert store.resolve(job.local_id).local_id == job.local_id
    # a prefix of the server id, and of a short id, each unambiguous
    assert store.resolve(_proxy_id(2)[:18]).local_id == jobs[2].local_id
    other = _job("job_77aa00000000beef", _proxy_id(99), "another", 1_700_000_100)
    store.add(other)
    assert other.short_id == "77aa0000"
    assert store.resolve("77a").local_id == other.local_id
    # ambiguous prefixes (of the short ids; of the server ids) name the candidates by their short ids
    for ref in ("4e11ba1", "video_" + "0" * 11):
        with pytest.raises(AmbiguousJob) as amb:
            store.resolve(ref)
        lines = str(amb.value).splitlines()[1:]
        assert [line.split()[0] for line in lines] == shown[::-1], str(amb.value)
        assert DEPLOYMENT_TAG not in str(amb.value)
    with pytest.raises(JobNotFound):
        store.resolve("4e11ba14")
    store.close()


def _legacy_history(path: Path, docs: list[dict]) -> None:
    """A history as an older sora-tui wrote it: no job has a short id."""
    for doc in docs:
        doc.pop("short_id", None)
    path.write_text(json.dumps({"jobs": {str(i + 1): d for i, d in enumerate(docs)},
                                "meta": {"1": {"schema": 1, "created": 1.7e9}}}))


def test_jobs_stored_without_a_short_id_get_one_every_process_agrees_on_and_keep_it(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    jobs = [_job("job_c0ffee0000000001", _proxy_id(1), created_at=1_700_000_001),
            _job("job_c0ffee00aaaaaaaa", _proxy_id(2), created_at=1_700_000_002),  # shares its first 8 with the first
            _job("job_5eed000000000003", _proxy_id(3), created_at=1_700_000_003),
            _job("job_imported-by-hand", _proxy_id(4), created_at=1_700_000_004)]  # a local id not of our making
    _legacy_history(path, [j.to_doc() for j in jobs])
    before = path.read_bytes()

    def named(store: HistoryStore) -> dict[str, str]:
        return {j.local_id: j.short_id for j in store.all()}

    first = HistoryStore(path)  # no cache: every job decoded
    names = named(first)
    assert len(set(names.values())) == len(jobs) and all(len(s) >= SHORT_ID_LENGTH for s in names.values())
    assert names["job_5eed000000000003"] == "5eed0000"
    # the two that share their first digits: the older keeps them, the later is lengthened
    assert names["job_c0ffee0000000001"] == "c0ffee00" and names["job_c0ffee00aaaaaaaa"] == "c0ffee00a"
    assert names["job_imported-by-hand"].isalnum()
    first.close()  # saves the index cache
    assert path.read_bytes() == before  # naming them wrote nothing: reading a history never changes it
    second = HistoryStore(path)  # from the cache
    assert named(second) == names
    assert second.resolve(names["job_c0ffee00aaaaaaaa"]).local_id == "job_c0ffee00aaaaaaaa"
    # a change to one of them stores the short id it was shown with
    second.update("job_c0ffee00aaaaaaaa", starred=True)
    stored = [orjson.loads(raw) for raw in second._storage.tables["jobs"].values()]
    assert {d["local_id"]: d.get("short_id") for d in stored}["job_c0ffee00aaaaaaaa"] == "c0ffee00a"
    # a new job whose local id starts the same way is lengthened past both
    new = _job("job_c0ffee00abcdef12", _proxy_id(5), created_at=1_700_000_005)
    second.add(new)
    assert new.short_id == "c0ffee00ab"
    second.close()
    path.with_name(path.name + ".index").unlink()
    third = HistoryStore(path)  # and without the cache again
    assert named(third) == {**names, new.local_id: "c0ffee00ab"}
    third.close()


def test_the_index_cache_keeps_the_short_ids(tmp_path: Path, decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    jobs = [_job(f"job_ab{i:014x}", _proxy_id(i), created_at=1_700_000_000 + i) for i in range(30)]
    for job in jobs:
        store.add(job)
    store.compact()
    store.close()
    cache = path.with_name(path.name + ".index")
    head, *rows = cache.read_bytes().splitlines()
    header = orjson.loads(head)
    assert header["format"] == INDEX_CACHE_FORMAT >= 3 and "short_id" in header["slots"]
    column = header["slots"].index("short_id")
    assert sorted(orjson.loads(row)[column] for row in rows) == sorted(j.short_id for j in jobs)
    decoded.clear()
    reopened = HistoryStore(path)
    assert decoded == []  # opened from the cache
    assert index_of(reopened) == true_index(path)
    assert {e.short_id for e in reopened._entries.values()} == {j.short_id for j in jobs}
    assert reopened.resolve(jobs[7].short_id).local_id == jobs[7].local_id
    reopened.close()


def test_a_cache_from_before_short_ids_is_not_used(tmp_path: Path, decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    for i in range(10):
        store.add(_job(f"job_cd{i:014x}", _proxy_id(i)))
    store.compact()
    store.close()
    cache = path.with_name(path.name + ".index")
    head, *rows = cache.read_bytes().splitlines()
    header = orjson.loads(head)
    column = header["slots"].index("short_id")
    old_rows = [orjson.dumps([v for k, v in enumerate(orjson.loads(r)) if k != column]) for r in rows]
    old_head = orjson.dumps({**header, "format": 2, "slots": [s for s in header["slots"] if s != "short_id"]})
    cache.write_bytes(b"\n".join([old_head, *old_rows]) + b"\n")
    decoded.clear()
    reopened = HistoryStore(path)
    assert decoded == [10]  # every job decoded instead
    assert all(e.short_id for e in reopened._entries.values()) and index_of(reopened) == true_index(path)
    reopened.close()


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.store import HistoryStore

    store = HistoryStore(Path(sys.argv[1]))
    tag, count = sys.argv[2], int(sys.argv[3])
    for i in range(count):
        job = Job.new(GenerationParams(f"{tag} prompt {i}"))
        job.local_id = f"job_{i:08x}{tag}0000000"  # the other process's job i starts with the same 8 digits
        store.add(job)
        print(job.local_id, job.short_id, flush=True)
    store.close()
    """
)


def test_two_processes_adding_at_once_never_give_two_jobs_one_short_id(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    HistoryStore(path).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, "40"], stdout=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    said = {}
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        said.update(line.split() for line in out.splitlines())
    store = HistoryStore(path)
    jobs = store.all()
    assert len(jobs) == 80
    assert {j.local_id: j.short_id for j in jobs} == said  # what each process was told is what the history holds
    assert len(set(said.values())) == 80
    for i in range(40):  # of each pair that starts alike, one has the 8 digits, the other one more
        pair = sorted(said[f"job_{i:08x}{tag}0000000"] for tag in "ab")
        assert pair[0] == f"{i:08x}" and len(pair[1]) == SHORT_ID_LENGTH + 1
    for job in jobs:
        assert store.resolve(job.short_id).local_id == job.local_id
    store.close()


def test_resolving_a_short_id_at_100000_jobs_is_as_quick_as_a_server_id(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole ids are looked up in the index's maps: nothing decoded but the job found."""
    path = tmp_path / "history.json"
    docs = {str(i + 1): {"local_id": f"job_{i:016x}", "params": {"prompt": f"kite {i}"}, "status": "completed",
                         "video_id": _proxy_id(i), "created_at": 1.7e9 + i, "short_id": f"{i:016x}"[-8:] + "f"}
            for i in range(100_000)}
    path.write_bytes(orjson.dumps({"jobs": docs, "meta": {"1": {"schema": 1}}}))
    store = HistoryStore(path)
    target = docs["76544"]
    decodes = []
    real = Job.from_doc
    monkeypatch.setattr(Job, "from_doc", classmethod(lambda cls, doc: (decodes.append(1), real(doc))[1]))

    def timed(ref: str) -> float:
        runs = []
        for _ in range(30):
            started = time.perf_counter()
            assert store.resolve(ref).local_id == target["local_id"]
            runs.append(time.perf_counter() - started)
        return statistics.median(runs)

    by_server, by_short = timed(target["video_id"]), timed(target["short_id"])
    assert len(decodes) == 60  # the one job found, each time
    assert by_short < max(2 * by_server, 0.001), (by_short, by_server)
    store.close()

