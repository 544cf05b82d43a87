"""A damaged history keeps every record that can still be read: damaged lines and documents cost themselves alone,
an empty or cut snapshot is merged from what is left and the backup, and the backup is never replaced by less."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.store import HistoryError, HistoryStore


def _history(path: Path, n: int, compact_after: int | None = None) -> list[str]:
    """n jobs, each added with one journal line (and compacted after the first `compact_after`)."""
    store = HistoryStore(path)
    ids = []
    for i in range(n):
        job = Job.new(GenerationParams(f"kite number {i} over the dunes"))
        store.add(job)
        ids.append(job.local_id)
        if compact_after is not None and i + 1 == compact_after:
            store.compact()
    store.close()
    return ids


def _ids(store: HistoryStore) -> set[str]:
    return {j.local_id for j in store.all()}


@pytest.mark.parametrize("content", [b"", b"{}", b"  \n", b"{}\n"], ids=["empty", "braces", "blank", "braces-nl"])
def test_an_empty_snapshot_beside_a_good_backup_loses_nothing(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    ids = _history(path, 40, compact_after=30)  # 30 in the snapshot (and its backup), 10 in the journal
    bak = path.with_name("history.json.bak")
    backup_before = bak.read_bytes()
    path.write_bytes(content)
    store = HistoryStore(path)
    assert _ids(store) == set(ids)
    note = store.recovery_note or ""
    assert "damaged" in note and "40 jobs" in note and "30 restored from the backup" in note, note
    store.add(Job.new(GenerationParams("one more after the recovery")))  # the next write buries nothing
    store.close()
    assert bak.read_bytes() == backup_before or len(HistoryStore(path).all()) == 41
    assert len(HistoryStore(bak).all()) >= 30  # the backup still holds at least what it held
    assert [p.read_bytes() for p in tmp_path.glob("history.json.corrupt-*")] == [content]


def test_one_damaged_journal_line_costs_one_change(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    ids = _history(path, 40)  # every job still in the journal (it is folded at 1 MB)
    journal = path.with_name("history.json.journal")
    lines = journal.read_bytes().split(b"\n")
    assert len([x for x in lines if x]) == 40
    lines[17] = b"\0" * len(lines[17])  # a disk's damage: zeroed bytes, the line ends where it did
    journal.write_bytes(b"\n".join(lines))
    store = HistoryStore(path)
    assert _ids(store) == set(ids) - {ids[17]}
    assert "1 damaged journal line" in (store.recovery_note or "") and "39 jobs" in store.recovery_note
    kept = list(tmp_path.glob("history.json.damaged-*"))
    assert len(kept) == 1 and b"\0" * 20 in kept[0].read_bytes()
    store.close()
    assert HistoryStore(path).recovery_note is None and len(HistoryStore(path).all()) == 39


def test_a_cut_snapshot_without_backup_keeps_its_whole_lines_and_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    ids = _history(path, 30, compact_after=20)
    path.with_name("history.json.bak").unlink()
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])  # cut in the middle of a line
    store = HistoryStore(path)
    kept = _ids(store)
    assert set(ids[20:]) <= kept  # the journal's ten
    assert 8 <= len(kept & set(ids[:20])) < 20  # the snapshot's whole lines before the cut
    note = store.recovery_note or ""
    assert "no usable backup" in note and "read from the damaged file" in note and "from the journal" in note, note


def test_a_damaged_job_document_is_restored_from_the_backup(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    ids = _history(path, 10, compact_after=10)
    data = path.read_bytes()
    at = data.index(ids[4].encode())
    path.write_bytes(data[:at] + b"\0\0\0\0" + data[at + 4:])  # inside the document, the layout intact
    store = HistoryStore(path)
    assert _ids(store) == set(ids)
    assert "1 damaged job document, 1 of them restored from the backup" in (store.recovery_note or "")


def test_a_directory_where_the_history_belongs_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.mkdir()
    with pytest.raises(HistoryError) as caught:
        HistoryStore(path)
    assert str(caught.value).startswith(f"{path} is a directory") and "Move the directory away" in str(caught.value)
    assert path.is_dir() and not list(path.iterdir())


def test_the_backup_is_not_replaced_by_a_snapshot_with_fewer_jobs(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    _history(path, 20, compact_after=20)
    bak = path.with_name("history.json.bak")
    good = bak.read_bytes()
    other = tmp_path / "other" / "history.json"
    _history(other, 3, compact_after=3)
    os.replace(other, path)  # a valid history, but not this one's: a copy mistake, another tool
    path.with_name("history.json.journal").unlink()
    store = HistoryStore(path)
    store.add(Job.new(GenerationParams("written after the swap")))
    store.compact()
    store.close()
    assert bak.read_bytes() == good
