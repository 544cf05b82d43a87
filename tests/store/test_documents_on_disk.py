"""The history's documents stay in the snapshot file: a process holds the index and reads a job back from the file
when asked for it. Memory follows the index, not the file; reads stay right across compactions, ours and other
processes'; no file handle is left behind."""

from __future__ import annotations

import gc
import os
import tracemalloc
from pathlib import Path

from sora_tui.core.job import FileRecord, Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryStore


def _job(i: int) -> Job:
    job = Job.new(GenerationParams(f"job {i}: a red kite over the dunes, slow pan left"), status=JobStatus.DOWNLOADED,
                  video_id=f"video_{i:032x}")
    job.created_at = 1_700_000_000 + i
    # what makes a real document large and the index small: files, provenance, the server's answers
    job.files = [FileRecord(v, f"/home/u/videos/{i}/{v}.bin", 2_400_000 + i, f"{i:064x}", 1.0)
                 for v in ("video", "thumbnail", "spritesheet")]
    job.extra = {"submitter": {"host": "box", "pid": 4242}, "server_said": "x" * 2_000}
    return job


def _fill(path: Path, n: int) -> list[Job]:
    store = HistoryStore(path)
    jobs = [_job(i) for i in range(n)]
    for job in jobs:
        store.add(job)
    store.compact()
    store.close()
    return jobs


def _open_handles(path: Path) -> int:
    """How many of this process's file descriptors point at the history's snapshot (whatever its name now)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)) and ".journal" not in target and ".lock" not in target and ".index" not in target:
            count += 1
    return count


def test_opening_holds_the_index_not_the_documents(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    jobs = _fill(path, 2_000)
    size = path.stat().st_size
    gc.collect()
    tracemalloc.start()
    try:
        store = HistoryStore(path)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the index (its texts, ids and short ids, and the maps from each id to its job) and the documents' places:
    # holding the documents themselves was more than the file
    assert held < size * 0.3, f"opening a {size / 1e6:.1f} MB history holds {held / 1e6:.1f} MB"
    assert store.get(jobs[1234].local_id) == jobs[1234]  # and every job reads back whole
    assert [j.local_id for j in store.query(text="job 1999:")] == [jobs[1999].local_id]
    store.close()


def test_jobs_read_back_right_after_compactions_ours_and_another_process(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    jobs = _fill(path, 300)
    ours = HistoryStore(path)
    ours.update(jobs[5].local_id, notes="changed after the snapshot")  # this one from the journal
    theirs = HistoryStore(path)
    late = _job(1_000)
    theirs.add(late)
    theirs.update(jobs[7].local_id, tags=["theirs"])
    theirs.compact()  # the snapshot we read from is replaced under us
    theirs.close()
    assert ours.get(jobs[5].local_id).notes == "changed after the snapshot"
    assert ours.get(jobs[7].local_id).tags == ["theirs"]
    assert ours.get(late.local_id) == late
    assert ours.get(jobs[200].local_id) == jobs[200]
    ours.compact()  # and ours: what was in the journal is now read from the new file
    expected = {j.local_id: j for j in HistoryStore(path).all()}
    assert {j.local_id: j for j in ours.all()} == expected and len(expected) == 301
    ours.close()


def test_no_file_handle_is_left_behind(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    jobs = _fill(path, 50)
    gc.collect()
    before = _open_handles(path)
    store = HistoryStore(path)
    for n in range(5):
        store.update(jobs[n].local_id, notes=f"round {n}")
        store.compact()
        store.get(jobs[0].local_id)
        assert _open_handles(path) <= before + 1  # the current snapshot only, not one per compaction
    store.close()
    gc.collect()
    assert _open_handles(path) == before


def test_a_snapshot_cut_short_under_an_open_history_says_so_and_a_restart_restores_it(tmp_path: Path) -> None:
    """Something other than sora-tui truncates history.json in place while a process has it open: reading a job
    whose bytes are gone says what happened and what to do (never returns a cut document); the next open keeps the
    damaged file aside and restores every job from the backup."""
    from sora_tui.store import CorruptHistory
    from sora_tui.store.history import JOBS

    path = tmp_path / "history.json"
    jobs = _fill(path, 40)
    store = HistoryStore(path)
    docs = store._storage.tables[JOBS]  # what the open process holds: places in the file
    os.truncate(path, path.stat().st_size // 2)
    last = max(docs, key=int)
    try:
        docs[last]  # read by its place, as a search decodes it, before anything looked at the file again
    except CorruptHistory as exc:
        assert "cut short" in str(exc) and "Restart sora-tui" in str(exc) and str(path) in str(exc)
    else:
        raise AssertionError("a document past the end of the file was read")
    try:
        store.get(jobs[-1].local_id)  # a public call looks at the file first: it finds it damaged
    except CorruptHistory as exc:
        assert str(path) in str(exc)
    else:
        raise AssertionError("a damaged history was read as if whole")
    again = HistoryStore(path)
    assert again.recovery_note and "backup" in again.recovery_note
    assert {j.local_id for j in again.all()} == {j.local_id for j in jobs}
    again.close()
