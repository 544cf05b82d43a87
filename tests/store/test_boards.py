"""Boards kept in the history, on real files: saved, read, listed and deleted; kept across a reopen, a compaction and
a torn journal line; a board's jobs found without a job that only mentions it; no key stored; one run of a board at
a time, across processes; and the export still holds jobs only."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_tui.core.board import Board, Shot
from sora_tui.core.board_run import link
from sora_tui.core.board_toml import board_doc, board_from_doc
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryError, HistoryStore
from sora_tui.store.history.boards import BoardBusy

KEY = "sk-live-board0123456789abcdefXYZ"


def board(board_id: str = "brd_000000000001", title: str = "Shiba at dusk") -> Board:
    return Board(title=title, style="35 mm film, warm light", size="1280x720", takes=2, board_id=board_id, shots=(
        Shot("A shiba inu trots along the beach at dusk", 8, shot_id="sht_00000001"),
        Shot("It sniffs a wave and hops back", 4, "continue", shot_id="sht_00000002"),
        Shot("Close-up of its face in the low sun", 8, "dissolve", 12, shot_id="sht_00000003"),
    ))


def made_for(b: Board, number: int, at: float, status: JobStatus = JobStatus.COMPLETED) -> Job:
    """A real job linked to shot `number` of `b`, as the service writes one."""
    shot = b.shots[number - 1]
    return Job.new(GenerationParams(shot.prompt), status=status, created_at=at, extra=dict(link(b, shot)))


def journal_of(store: HistoryStore) -> Path:
    return store.path.with_name(store.path.name + ".journal")


def on_disk(store: HistoryStore) -> bytes:
    return b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    s = HistoryStore(tmp_path / "history.json")
    yield s
    s.close()


# --- saved, read, listed, deleted -----------------------------------------------------------------------
def test_a_saved_board_reads_back_stamped_and_whole(store: HistoryStore) -> None:
    before = time.time()
    returned = store.save_board({**board_doc(board()), "profile": "local", "source": "/boards/shiba.toml"})
    stored = store.board("brd_000000000001")
    assert stored == returned
    assert before <= stored["created_at"] == stored["updated_at"] <= time.time()
    assert stored["profile"] == "local" and stored["source"] == "/boards/shiba.toml"
    assert board_from_doc(stored) == board()
    assert store.board("brd_nothing") is None


def test_boards_are_listed_the_one_changed_last_first_and_a_deleted_one_is_gone(store: HistoryStore) -> None:
    ids = [f"brd_00000000000{n}" for n in (1, 2, 3)]
    for board_id in ids:
        store.save_board(board_doc(board(board_id, f"board {board_id[-1]}")))
    assert [d["board_id"] for d in store.boards()] == ids[::-1]
    store.save_board(board_doc(board(ids[0], "board 1, retitled")))
    assert [d["title"] for d in store.boards()] == ["board 1, retitled", "board 3", "board 2"]
    store.delete_board(ids[2])
    assert store.board(ids[2]) is None and [d["board_id"] for d in store.boards()] == [ids[0], ids[1]]
    size = journal_of(store).stat().st_size
    store.delete_board("brd_never_saved")  # nothing to forget: nothing written
    assert journal_of(store).stat().st_size == size
    store.close()
    assert [d["board_id"] for d in HistoryStore(store.path).boards()] == [ids[0], ids[1]]


def test_a_second_save_keeps_what_it_does_not_give_and_when_the_board_was_made(store: HistoryStore) -> None:
    first = store.save_board({**board_doc(board()), "run": {"pick": "first", "again": False}, "profile": "local"})
    time.sleep(0.01)
    changed = board_doc(board().choose("sht_00000001", "job_0123456789abcdef"))
    second = store.save_board({**changed, "created_at": 1.0})  # a made-up date does not replace the real one
    assert second["run"] == {"pick": "first", "again": False} and second["profile"] == "local"
    assert second["created_at"] == first["created_at"] and second["updated_at"] > first["updated_at"]
    assert board_from_doc(second).shots[0].chosen == "job_0123456789abcdef"
    assert store.board("brd_000000000001") == second


def test_a_board_saved_by_another_store_is_read_by_this_one(tmp_path: Path) -> None:
    ours, theirs = HistoryStore(tmp_path / "history.json"), HistoryStore(tmp_path / "history.json")
    assert ours.boards() == []
    theirs.save_board(board_doc(board()))
    assert board_from_doc(ours.board("brd_000000000001")) == board()
    theirs.delete_board("brd_000000000001")
    assert ours.boards() == []


# --- kept across reopen, compaction and a torn journal line ----------------------------------------------
def test_a_board_survives_close_reopen_and_compaction(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    job = made_for(board(), 1, 10.0)
    store.add(job)
    saved = store.save_board({**board_doc(board()), "run": {"pick": "first"}})
    store.close()
    again = HistoryStore(path)
    assert again.board("brd_000000000001") == saved
    again.compact()
    assert journal_of(again).stat().st_size == 0
    assert again.board("brd_000000000001") == saved  # now read back from the new snapshot
    again.close()
    reopened = HistoryStore(path)
    assert reopened.board("brd_000000000001") == saved and [j.local_id for j in reopened.all()] == [job.local_id]
    assert [j.local_id for j in reopened.board_jobs("brd_000000000001")] == [job.local_id]
    # and plain TinyDB sees the board in its own table beside the jobs
    tables = json.loads(path.read_text(encoding="utf-8"))
    assert set(tables["boards"]) == {"brd_000000000001"} and len(tables["jobs"]) == 1


def test_a_torn_journal_line_after_a_board_is_ignored_then_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    saved = store.save_board(board_doc(board()))
    store.close()
    journal = path.with_name("history.json.journal")
    whole = journal.read_bytes()
    journal.write_bytes(whole + b'{"t":"boards","id":"brd_half","doc":{"board_id":"brd_half","title":"cut sh')
    again = HistoryStore(path)
    assert again.recovery_note is None
    assert again.board("brd_000000000001") == saved and again.board("brd_half") is None
    assert [d["board_id"] for d in again.boards()] == ["brd_000000000001"]
    other = again.save_board(board_doc(board("brd_000000000002", "after the tear")))
    assert b"brd_half" not in journal.read_bytes()
    assert {d["board_id"] for d in HistoryStore(path).boards()} == {"brd_000000000001", other["board_id"]}


def test_a_save_torn_mid_line_leaves_the_board_as_it_was_before(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    first = store.save_board(board_doc(board()))
    store.save_board(board_doc(board(title="retitled, then the power went")))
    store.close()
    journal = path.with_name("history.json.journal")
    journal.write_bytes(journal.read_bytes()[:-25])  # the last save killed part way through its line
    again = HistoryStore(path)
    assert again.recovery_note is None and again.board("brd_000000000001") == first


def test_a_damaged_snapshot_restored_from_the_backup_keeps_its_boards(tmp_path: Path) -> None:
    """Cut in half: the boards come back from the backup and the journal, as the jobs do."""
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    for n in range(5):
        store.add(made_for(board(), 1, float(n)))
    kept = store.save_board(board_doc(board()))
    store.compact()
    store.close()
    store = HistoryStore(path)  # a new start refreshes the backup
    since = store.save_board(board_doc(board("brd_000000000002", "saved since, in the journal")))
    store.close()
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    again = HistoryStore(path)
    assert again.recovery_note and "backup" in again.recovery_note
    assert again.board(kept["board_id"]) == kept and again.board(since["board_id"]) == since
    assert len(again.board_jobs(kept["board_id"])) == 5


# --- a board's jobs --------------------------------------------------------------------------------------
def test_board_jobs_are_that_boards_own_oldest_first_not_a_job_that_only_mentions_it(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    mine, other = board("brd_000000000001"), board("brd_000000000002")
    near = board("brd_0000000000011")  # an id that starts like mine
    own = [made_for(mine, 2, 30.0), made_for(mine, 1, 10.0, JobStatus.FAILED), made_for(mine, 3, 20.0)]
    strangers = [
        made_for(other, 1, 5.0),
        made_for(near, 1, 6.0),
        Job.new(GenerationParams('a storyboard titled "board_id":"brd_000000000001", in the prompt'), created_at=1.0),
        Job.new(GenerationParams("the id brd_000000000001 in a prompt"), created_at=2.0,
                extra={"note": {"board_id": "brd_000000000001"}}),  # the id, nested: not the job's link
        Job.new(GenerationParams("notes only"), created_at=3.0, notes='"board_id":"brd_000000000001"',
                tags=["brd_000000000001"]),
    ]
    for job in [*strangers, *own]:
        store.add(job)
    deleted = made_for(mine, 1, 40.0)
    store.add(deleted)
    store.delete(deleted.local_id)
    expected = [own[1].local_id, own[2].local_id, own[0].local_id]
    assert [j.local_id for j in store.board_jobs(mine.board_id)] == expected
    assert [j.local_id for j in store.board_jobs(near.board_id)] == [strangers[1].local_id]
    assert store.board_jobs("brd_none") == []
    store.compact()
    store.close()
    reopened = HistoryStore(path)
    found = reopened.board_jobs(mine.board_id)
    assert [j.local_id for j in found] == expected
    assert [j.status for j in found] == [JobStatus.FAILED, JobStatus.COMPLETED, JobStatus.COMPLETED]


def test_board_jobs_are_found_in_a_history_written_by_plain_tinydb(tmp_path: Path) -> None:
    """Spaced JSON, as TinyDB (or an older sora-tui) writes it: the job is found all the same."""
    from tinydb import TinyDB

    path = tmp_path / "history.json"
    job = made_for(board(), 1, 10.0)
    db = TinyDB(path, indent=2)
    db.table("jobs").insert(job.to_doc())
    db.table("meta").insert({"schema": 1})
    db.close()
    assert b'"board_id": "brd_000000000001"' in path.read_bytes()
    assert [j.local_id for j in HistoryStore(path).board_jobs("brd_000000000001")] == [job.local_id]


# --- no keys ---------------------------------------------------------------------------------------------
def test_a_key_in_a_board_is_redacted_before_it_is_stored(store: HistoryStore) -> None:
    doc = {**board_doc(board(title=f"Launch film {KEY}")), "run": {"api_key": "value-of-a-field-named-like-a-key"}}
    doc["shots"][0]["prompt"] = f"A kite over the sea, key {KEY}"
    returned = store.save_board(doc)
    stored = store.board("brd_000000000001")
    assert stored == returned
    assert stored["title"] == "Launch film [redacted]"
    assert stored["shots"][0]["prompt"] == "A kite over the sea, key [redacted]"
    assert stored["run"] == {"api_key": "[redacted]"}
    assert stored["shots"][1]["prompt"] == "It sniffs a wave and hops back"  # the rest as it was
    store.compact()
    raw = on_disk(store)
    assert KEY.encode() not in raw and b"value-of-a-field-named" not in raw and b"Launch film [redacted]" in raw


def test_a_title_that_only_says_secret_is_kept(store: HistoryStore) -> None:
    stored = store.save_board(board_doc(board(title='The "secret" garden, api key scene')))
    assert stored["title"] == 'The "secret" garden, api key scene'


# --- one run of a board at a time ------------------------------------------------------------------------
def test_a_board_run_twice_at_once_is_busy_and_the_message_names_it(store: HistoryStore, tmp_path: Path) -> None:
    with store.board_run_lock("brd_000000000001", "Shiba at dusk"):
        with pytest.raises(BoardBusy, match="Shiba at dusk") as busy, \
                store.board_run_lock("brd_000000000001", "Shiba at dusk"):
            pytest.fail("a second holder got the lock")
        assert isinstance(busy.value, HistoryError)
        with pytest.raises(BoardBusy, match="brd_000000000001"), store.board_run_lock("brd_000000000001"):
            pass  # no title: the id names it
        twin = HistoryStore(tmp_path / "history.json")  # another store of the same history, in this process
        with pytest.raises(BoardBusy), twin.board_run_lock("brd_000000000001", "again"):
            pass
        twin.close()


def test_two_boards_run_at_once_and_the_lock_is_let_go_after_the_block(store: HistoryStore) -> None:
    with store.board_run_lock("brd_000000000001", "one"), store.board_run_lock("brd_000000000002", "two"):
        pass
    with store.board_run_lock("brd_000000000001", "one"):  # let go after the block
        pass
    with pytest.raises(RuntimeError), store.board_run_lock("brd_000000000001", "one"):
        raise RuntimeError("the run failed")
    with store.board_run_lock("brd_000000000001", "one"):  # and after a block that raised
        pass


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from sora_tui.store import HistoryStore

    store = HistoryStore(Path(sys.argv[1]))
    with store.board_run_lock(sys.argv[2], "held elsewhere"):
        print("held", flush=True)
        time.sleep(60)
    """
)


def test_a_board_run_by_another_process_is_busy_until_that_process_ends(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    HistoryStore(path).close()
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "brd_000000000001"], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        store = HistoryStore(path)
        with pytest.raises(BoardBusy, match="Shiba at dusk"), store.board_run_lock("brd_000000000001", "Shiba at dusk"):
            pass
        with store.board_run_lock("brd_000000000002", "another board"):  # only that board is taken
            pass
    finally:
        child.kill()  # killed, not let out of its block: the lock goes with the process
        child.wait(30)
        if child.stdout is not None:
            child.stdout.close()
    with store.board_run_lock("brd_000000000001", "Shiba at dusk"):
        pass


# --- the export and the job queries see jobs only --------------------------------------------------------
def test_the_export_and_the_job_queries_hold_jobs_only(store: HistoryStore) -> None:
    jobs = [made_for(board(), 1, 10.0), Job.new(GenerationParams("a loose job"), created_at=20.0)]
    for job in jobs:
        store.add(job)
    store.save_board({**board_doc(board()), "run": {"pick": "first"}})
    store.save_board(board_doc(board("brd_000000000002", "Another board")))
    lines = [json.loads(line) for line in store.export("jsonl")]
    assert sorted(d["local_id"] for d in lines) == sorted(j.local_id for j in jobs)
    assert all("shots" not in d and "params" in d for d in lines)
    rows = list(csv.reader(io.StringIO("".join(store.export("csv")))))
    assert rows[0][0] == "local_id" and sorted(r[0] for r in rows[1:]) == sorted(j.local_id for j in jobs)
    assert {j.local_id for j in store.all()} == {j.local_id for j in jobs}
    assert store.query(text="Another board") == []


def _doc(**fields: Any) -> dict[str, Any]:
    return {**board_doc(board()), **fields}


def test_a_board_document_from_a_newer_version_keeps_its_unknown_fields(store: HistoryStore) -> None:
    """A newer sora-tui may store more; this one reads the board it knows and saves without losing the rest."""
    doc = _doc(colour_grade="teal and orange")
    doc["shots"][0]["camera"] = "dolly"
    store.save_board(doc)
    assert board_from_doc(store.board("brd_000000000001")) == board()
    store.save_board(board_doc(board(title="retitled by an older version")))
    stored = store.board("brd_000000000001")
    assert stored["colour_grade"] == "teal and orange" and stored["title"] == "retitled by an older version"
