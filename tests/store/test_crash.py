"""Crash safety: SIGKILL mid-write, damaged files, stale temp files, two writer processes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sora_tui.store import HistoryStore

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.core.status import JobStatus
    from sora_tui.store import HistoryStore

    store = HistoryStore(Path(sys.argv[1]))
    tag = sys.argv[2]
    count = int(sys.argv[3])
    for i in range(count):
        job = Job.new(GenerationParams(f"{tag} prompt {i}"))
        store.add(job)
        store.update(job.local_id, status=JobStatus.QUEUED, video_id=f"video_{tag}_{i}")
        print(job.local_id, flush=True)
    """
)


def _spawn(path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, str(count)],
                            stdout=subprocess.PIPE, text=True)


def test_sigkill_at_random_moments_never_loses_a_returned_write(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    rng = random.Random(7)
    confirmed: set[str] = set()
    for round_no in range(25):
        child = _spawn(path, f"r{round_no}", 10_000)
        time.sleep(rng.uniform(0.25, 0.8))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        confirmed.update(line.strip() for line in out.splitlines() if line.strip())
        store = HistoryStore(path)  # must open, and must not need recovery
        assert store.recovery_note is None
        ids = {j.local_id for j in store.all()}
        missing = confirmed - ids
        assert not missing, f"round {round_no}: {len(missing)} confirmed jobs lost"
        store.close()
    assert len(confirmed) > 25
    assert not list(tmp_path.glob("history.json.tmp-*"))  # cleaned on open


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    HistoryStore(path).close()
    a, b = _spawn(path, "a", 40), _spawn(path, "b", 40)
    assert a.wait(120) == 0 and b.wait(120) == 0
    jobs = HistoryStore(path).all()
    assert len(jobs) == 80
    assert all(j.video_id for j in jobs)
    json.loads(path.read_text())


def test_truncated_file_restored_from_backup(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams

    job = Job.new(GenerationParams("kept"))
    store.add(job)
    store.close()
    HistoryStore(path).close()  # a new process start refreshes the .bak
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # a write interrupted mid-way (stock TinyDB's failure)
    again = HistoryStore(path)
    assert again.recovery_note and "restored" in again.recovery_note
    assert again.get(job.local_id) is not None
    kept = list(tmp_path.glob("history.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == good[: len(good) // 2]


def test_garbage_file_without_backup_starts_empty_and_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_bytes(b"\x00\x00{not json")
    store = HistoryStore(path)
    assert store.all() == []
    assert store.recovery_note and "no usable backup" in store.recovery_note
    assert list(tmp_path.glob("history.json.corrupt-*"))


def test_stale_temp_files_removed(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    HistoryStore(path).close()
    dead = tmp_path / "history.json.tmp-999999-deadbeef"
    dead.write_text("{half")
    HistoryStore(path).close()
    assert not dead.exists()
    os.stat(path)
