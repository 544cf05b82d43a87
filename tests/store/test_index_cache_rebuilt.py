"""The index cache (history.json.index) is safe to delete: whoever closes the history next saves it again, and
the open after that reads it instead of decoding every job, whether the deletion happened before a command or
while the history was open (the TUI, a `generate --wait`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from index_helpers import index_of, true_index
from tinydb import TinyDB

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryStore


def _jobs(n: int) -> list[Job]:
    jobs = []
    for i in range(n):
        job = Job.new(GenerationParams(f"a red kite over the dunes, take {i}"), video_id=f"video_{i:04d}",
                      status=[JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.DOWNLOADED][i % 3])
        job.created_at = job.updated_at = 1_765_000_000.0 + i
        job.notes = "windy" if i % 4 == 0 else ""
        jobs.append(job)
    return jobs


def _build(path: Path, layout: str, n: int = 60) -> list[Job]:
    jobs = _jobs(n)
    if layout == "stock TinyDB file":  # an older sora-tui's or plain TinyDB's: no journal, no cache
        db = TinyDB(path)
        db.table("jobs").insert_multiple([job.to_doc() for job in jobs])
        db.table("meta").insert({"schema": 1})
        db.close()
        HistoryStore(path).close()
        return jobs
    store = HistoryStore(path)
    for job in jobs:
        store.add(job)
    if layout == "compacted":
        store.compact()
    store.close()  # "journal only": every job is still in the journal, the snapshot holds the schema alone
    return jobs


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SORA_TUI_"))}
    env["SORA_TUI_HOME"] = str(home)
    proc = subprocess.run([sys.executable, "-m", "sora_tui", *args], check=False, capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.mark.parametrize("layout", ["compacted", "journal only", "stock TinyDB file"])
@pytest.mark.parametrize("command", [["jobs"], ["jobs", "--search", "kite", "--json"], ["export"]])
def test_one_command_after_the_cache_is_deleted_saves_it_and_the_next_open_reads_it(
        layout: str, command: list[str], tmp_path: Path, decoded: list[int]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    path = home / "history.json"
    jobs = _build(path, layout)
    cache = home / "history.json.index"
    assert cache.is_file()
    cache.unlink()
    _cli(home, *command)
    assert cache.is_file()
    head = json.loads(cache.read_bytes().split(b"\n", 1)[0])
    assert head["rows"] == len(jobs)
    decoded.clear()
    store = HistoryStore(path)
    try:
        assert decoded == []  # read from the cache the command saved
        assert index_of(store) == true_index(path)
    finally:
        store.close()


def test_a_cache_deleted_while_the_history_is_open_is_saved_again_when_it_closes(tmp_path: Path,
                                                                                decoded: list[int]) -> None:
    path = tmp_path / "history.json"
    jobs = _build(path, "compacted")
    decoded.clear()
    store = HistoryStore(path)  # a long-lived process (the TUI): opened from the cache
    assert decoded == []
    (tmp_path / "history.json.index").unlink()
    store.update(jobs[3].local_id, status=JobStatus.DOWNLOADED)
    assert [j.local_id for j in store.query(text="take 5", limit=1)] == [jobs[59].local_id]
    store.close()
    assert (tmp_path / "history.json.index").is_file()
    decoded.clear()
    again = HistoryStore(path)
    try:
        assert decoded == [] and index_of(again) == true_index(path)
        assert again.get(jobs[3].local_id).status == JobStatus.DOWNLOADED  # type: ignore[union-attr]
    finally:
        again.close()


def test_an_index_rebuilt_whole_after_another_process_compacted_saves_its_cache_when_it_closes(
        tmp_path: Path, decoded: list[int]) -> None:
    """Another process compacts (a new snapshot and journal) and the cache it leaves cannot be used (damaged
    here; a full disk would leave none): this process decodes every job again and, at close, saves the cache
    for it, rather than taking the cache it had loaded at its own open for the one still on disk."""
    path = tmp_path / "history.json"
    jobs = _build(path, "compacted")
    decoded.clear()
    store = HistoryStore(path)
    assert decoded == []
    store.update(jobs[1].local_id, notes="changed before the other process compacted")
    other = HistoryStore(path)
    other.update(jobs[2].local_id, status=JobStatus.FAILED)
    other.compact()
    other._db.close()
    cache = tmp_path / "history.json.index"
    raw = cache.read_bytes()
    cache.write_bytes(raw[: len(raw) // 2])
    assert store.get(jobs[2].local_id).status == JobStatus.FAILED  # type: ignore[union-attr]
    assert decoded == [len(jobs)]  # the new snapshot, decoded whole
    store.close()
    decoded.clear()
    again = HistoryStore(path)
    try:
        assert decoded == [] and index_of(again) == true_index(path)
    finally:
        again.close()
