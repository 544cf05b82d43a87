"""HistoryStore on real files: round trips, lookups, queries, export, schema, change detection."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from sora_tui.core.job import SCHEMA_VERSION, FileRecord, Job, JobError
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import AmbiguousJob, HistoryError, HistoryStore, JobNotFound


def make(prompt: str = "a red kite", **kw) -> Job:
    return Job.new(GenerationParams(prompt), **kw)


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    s = HistoryStore(tmp_path / "history.json")
    yield s
    s.close()


def test_round_trip_every_field(store: HistoryStore, tmp_path: Path) -> None:
    job = make("a kite", kind="remix", video_id="video_abc", parent_id="job_p", group_id="grp_1", starred=True,
               tags=["sea", "test"], notes="keep", extra={"extension_seconds": "4"}, auto_download=["video"])
    job.status = JobStatus.FAILED
    job.error = JobError("moderation_blocked", "no")
    job.files = [FileRecord("video", "/x/a.mp4", 10, "ab" * 32, 5.0)]
    store.add(job)
    again = HistoryStore(tmp_path / "history.json").get(job.local_id)
    assert again == job


def test_unknown_and_missing_fields_in_stored_docs(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    doc = {"local_id": "job_1", "params": {"prompt": "p"}, "status": "queued", "from_the_future": 1, "schema": 1}
    path.write_text(json.dumps({"jobs": {"1": doc}, "meta": {"1": {"schema": 1}}}))
    job = HistoryStore(path).get("job_1")
    assert job is not None and job.status == JobStatus.QUEUED and job.params.model == "sora-2" and job.files == []


def test_update_and_mutate(store: HistoryStore) -> None:
    job = make()
    store.add(job)
    updated = store.update(job.local_id, status=JobStatus.COMPLETED, progress=100, video_id="video_1")
    assert updated.status == JobStatus.COMPLETED and store.get(job.local_id).video_id == "video_1"
    store.mutate(job.local_id, lambda j: j.tags.append("x"))
    assert store.get(job.local_id).tags == ["x"]
    with pytest.raises(KeyError):
        store.update("job_nope", progress=1)
    with pytest.raises(HistoryError):
        store.update(job.local_id, not_a_field=1)
    with pytest.raises(HistoryError):
        store.add(job)  # same local id twice


def test_resolve(store: HistoryStore) -> None:
    a = make(video_id="video_aaa111")
    b = make(video_id="video_aaa222")
    c = make(video_id="video_bbb")
    for j in (a, b, c):
        store.add(j)
    assert store.resolve("video_aaa111").local_id == a.local_id
    assert store.resolve("video_b").local_id == c.local_id
    assert store.resolve(a.local_id[:12]).local_id == a.local_id
    with pytest.raises(AmbiguousJob) as amb:
        store.resolve("video_aaa")
    assert f"  {a.short_id}  " in str(amb.value) and f"  {b.short_id}  " in str(amb.value)
    with pytest.raises(JobNotFound):
        store.resolve("video_zzz")
    with pytest.raises(JobNotFound):
        store.resolve("   ")


def test_query_filters_sort_children(store: HistoryStore) -> None:
    parent = make("sunset beach", starred=True)
    parent.created_at = 100
    child = make("sunset beach at night", parent_id=parent.local_id, kind="remix")
    child.created_at = 200
    other = make("snowy forest")
    other.created_at = 300
    other.status = JobStatus.FAILED
    other.params.model = "sora-2-pro"
    for j in (parent, child, other):
        store.add(j)
    assert [j.local_id for j in store.all()] == [other.local_id, child.local_id, parent.local_id]
    assert [j.local_id for j in store.query(text="SUNSET")] == [child.local_id, parent.local_id]
    assert [j.local_id for j in store.query(status="failed")] == [other.local_id]
    assert [j.local_id for j in store.query(model="sora-2-pro")] == [other.local_id]
    assert [j.local_id for j in store.query(starred=True)] == [parent.local_id]
    assert [j.local_id for j in store.query(since=150, until=250)] == [child.local_id]
    assert [j.local_id for j in store.query(sort="created_at", descending=False, limit=1)] == [parent.local_id]
    assert [j.local_id for j in store.children(parent.local_id)] == [child.local_id]
    with pytest.raises(HistoryError):
        store.query(sort="nonsense")


def test_export(store: HistoryStore) -> None:
    job = make('a "quoted", comma prompt')
    job.files = [FileRecord("video", "/v.mp4", 3, "f" * 64)]
    store.add(job)
    lines = list(store.export("jsonl"))
    assert json.loads(lines[0])["local_id"] == job.local_id
    rows = list(csv.reader(io.StringIO("".join(store.export("csv")))))
    assert rows[0][0] == "local_id" and rows[1][6] == 'a "quoted", comma prompt' and rows[1][9] == "/v.mp4"
    with pytest.raises(HistoryError):
        list(store.export("xml"))


def test_second_instance_sees_writes(tmp_path: Path) -> None:
    one = HistoryStore(tmp_path / "h.json")
    two = HistoryStore(tmp_path / "h.json")
    job = make()
    one.add(job)
    assert two.get(job.local_id) is not None
    token = two.token()
    one.update(job.local_id, progress=5)
    assert two.changed_since(token)
    assert two.get(job.local_id).progress == 5
    j2 = make()
    two.add(j2)  # its cached next id must not collide with one's insert
    assert {j.local_id for j in one.all()} == {job.local_id, j2.local_id}


def test_schema_version_and_newer_file(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    store = HistoryStore(path)
    assert store.schema_version == SCHEMA_VERSION
    data = json.loads(path.read_text())
    data["meta"] = {"1": {"schema": SCHEMA_VERSION + 1}}
    path.write_text(json.dumps(data))
    with pytest.raises(HistoryError, match="newer sora-tui"):
        HistoryStore(path)
    assert json.loads(path.read_text())["meta"]["1"]["schema"] == SCHEMA_VERSION + 1  # untouched


def _files_bytes(store: HistoryStore) -> bytes:
    return b"".join(p.read_bytes() for p in store.path.parent.glob("history.json*") if p.is_file())


def test_words_are_stored_and_keys_are_not(store: HistoryStore) -> None:
    """A prompt or a server's message that only *says* "secret" or "authorization" is ordinary text (refusing it
    stopped tracking); a key is redacted wherever it appears, and a field named like one keeps no value."""
    from sora_tui.core.redact import remember

    key = "sk-test-echoed-0123456789abcdef"
    remember(key)
    words = make('a kite over the "Secret" garden', extra={"note": '"authorization" and "api_key" as words'})
    store.add(words)
    store.update(words.local_id, error=JobError("moderation_blocked", f"Authorization failed for key {key}: blocked"))
    named = make("a named field", extra={"api_key": "value-of-a-field-named-like-a-key"})
    store.add(named)
    stored = store.get(words.local_id)
    assert stored.params.prompt == 'a kite over the "Secret" garden'
    assert stored.extra["note"] == '"authorization" and "api_key" as words'
    assert stored.error.message == "Authorization failed for key [redacted]: blocked"
    assert store.get(named.local_id).extra["api_key"] == "[redacted]"
    store.compact()
    raw = _files_bytes(store)
    assert key.encode() not in raw and b"value-of-a-field-named" not in raw and b'\\"Secret\\" garden' in raw


def test_private_permissions(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "deep" / "h.json")
    store.add(make())
    assert (store.path.stat().st_mode & 0o077) == 0


# --- the journal ----------------------------------------------------------------------------------
def _job(prompt: str) -> Job:
    return Job.new(GenerationParams(prompt))


def test_a_torn_journal_line_is_ignored_then_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    kept = _job("kept")
    store.add(kept)
    store.close()
    journal = path.with_name("history.json.journal")
    whole = journal.read_bytes()
    journal.write_bytes(whole + b'{"t":"jobs","id":"9","doc":{"local_id":"job_half')  # a writer killed mid-line
    again = HistoryStore(path)
    assert again.recovery_note is None and [j.local_id for j in again.all()] == [kept.local_id]
    more = _job("after the tear")
    again.add(more)
    assert journal.read_bytes().startswith(whole) and b"job_half" not in journal.read_bytes()
    assert {j.local_id for j in HistoryStore(path).all()} == {kept.local_id, more.local_id}


def test_update_many_is_one_durable_write_and_a_torn_batch_keeps_its_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    jobs = [_job(f"batch {i}") for i in range(3)]
    gone = _job("deleted meanwhile")
    for job in [*jobs, gone]:
        store.add(job)
    store.delete(gone.local_id)
    writes, journal = store._storage.writes, path.with_name("history.json.journal")
    before = journal.stat().st_size
    updated = store.update_many({
        jobs[0].local_id: {"status": JobStatus.COMPLETED, "progress": 100},
        jobs[1].local_id: {"status": JobStatus.FAILED, "error": JobError("x", "no")},
        gone.local_id: {"status": JobStatus.COMPLETED},
        jobs[2].local_id: {"status": JobStatus.IN_PROGRESS, "progress": 40},
    })
    assert store._storage.writes == writes + 1  # one write, one fsync for the whole round
    assert list(updated) == [jobs[0].local_id, jobs[1].local_id, jobs[2].local_id]  # the deleted one skipped
    with pytest.raises(HistoryError, match="Unknown job field"):
        store.update_many({jobs[0].local_id: {"colour": "red"}})
    store.close()
    reread = HistoryStore(path)
    assert [reread.get(j.local_id).status for j in jobs] == [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.IN_PROGRESS]
    reread.close()
    # killed part way through the batch: the whole lines count, the torn last one is dropped
    whole = journal.read_bytes()
    journal.write_bytes(whole[:-20])
    torn = HistoryStore(path)
    assert [torn.get(j.local_id).status for j in jobs] == [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.DRAFT]
    assert torn.recovery_note is None and len(whole) > before


def test_compaction_writes_a_file_plain_tinydb_reads(tmp_path: Path) -> None:
    from tinydb import TinyDB

    path = tmp_path / "history.json"
    store = HistoryStore(path)
    jobs = [_job(f"prompt {i}") for i in range(30)]
    for job in jobs:
        store.add(job)
    store.update(jobs[3].local_id, status=JobStatus.FAILED)
    store.delete(jobs[4].local_id)
    store.compact()
    assert path.with_name("history.json.journal").stat().st_size == 0
    plain = TinyDB(path).table("jobs").all()
    assert len(plain) == 29 and {d["local_id"] for d in plain} == {j.local_id for j in jobs} - {jobs[4].local_id}
    assert next(d for d in plain if d["local_id"] == jobs[3].local_id)["status"] == "failed"
    assert len(HistoryStore(path).all()) == 29


def test_a_history_written_by_plain_tinydb_opens(tmp_path: Path) -> None:
    from tinydb import TinyDB

    path = tmp_path / "history.json"
    db = TinyDB(path)
    old = _job("from an older sora-tui")
    db.table("jobs").insert(old.to_doc())
    db.table("meta").insert({"schema": 1})
    db.close()
    store = HistoryStore(path)
    assert [j.local_id for j in store.all()] == [old.local_id]
    store.update(old.local_id, starred=True)
    assert HistoryStore(path).get(old.local_id).starred is True


def test_a_job_stored_twice_opens_as_one_with_its_later_copy_and_new_ids_follow_the_highest(tmp_path: Path) -> None:
    """A hand-edited or merged file with one job under two document ids: opened as one job (the copy read last wins,
    as when the change came through the journal), and the next job stored takes an id above every one in the file."""
    import gc

    path = tmp_path / "history.json"
    first, other = make("the first take"), make("another job")
    later = Job.from_doc({**first.to_doc(), "starred": True, "notes": "the edited copy"})
    path.write_text(json.dumps({"jobs": {"1": first.to_doc(), "2": other.to_doc(), "7": later.to_doc()},
                                "meta": {"1": {"schema": SCHEMA_VERSION}}}), encoding="utf-8")
    store = HistoryStore(path)
    assert sorted(j.local_id for j in store.all()) == sorted([first.local_id, other.local_id])
    assert store.get(first.local_id).notes == "the edited copy" and store.query(text="edited copy")
    assert store._next_id == 8
    fresh = make("a third")
    store.add(fresh)
    store.close()
    assert HistoryStore(path).get(fresh.local_id) is not None
    assert gc.isenabled()  # the collector, paused while the file was read, runs again


def test_a_damaged_journal_line_is_kept_aside_and_every_other_change_kept(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    first = _job("in the snapshot")
    store.add(first)
    store.compact()
    store.add(_job("in the journal"))
    store.close()
    journal = path.with_name("history.json.journal")
    journal.write_bytes(b"garbage that is not json\n" + journal.read_bytes())
    again = HistoryStore(path)
    assert again.recovery_note and "1 damaged journal line" in again.recovery_note
    assert len(again.all()) == 2  # only the damaged line is lost, never the changes around it
    kept = list(tmp_path.glob("history.json.damaged-*"))
    assert len(kept) == 1 and b"garbage that is not json" in kept[0].read_bytes()
    assert b"garbage" not in journal.read_bytes()  # folded away: no later reader meets it again
    assert HistoryStore(path).recovery_note is None


def test_another_process_compacting_is_followed(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    a, b = HistoryStore(path), HistoryStore(path)
    for i in range(5):
        a.add(_job(f"a{i}"))
    assert len(b.all()) == 5
    a.compact()
    b.add(_job("b after a's compaction"))
    a.update(a.all()[0].local_id, notes="seen")
    assert len(a.all()) == len(b.all()) == 6
    assert any(j.notes == "seen" for j in b.all())


def test_lineage_walks_ancestors_and_descendants_and_survives_cycles(store: HistoryStore) -> None:
    root = make("root", created_at=1.0)
    remix = make("remix", kind="remix", parent_id=root.local_id, created_at=2.0)
    ext = make("extend", kind="extend", parent_id=remix.local_id, created_at=3.0)
    retry = make("retry", kind="retry", parent_id=root.local_id, created_at=4.0)
    other = make("unrelated", created_at=5.0)
    for j in (root, remix, ext, retry, other):
        store.add(j)
    ancestors, below = store.lineage(ext.local_id)
    assert [a.local_id for a in ancestors] == [root.local_id, remix.local_id] and below == []
    ancestors, below = store.lineage(root.local_id)
    assert ancestors == []
    assert [(d, j.local_id) for d, j in below] == [(1, remix.local_id), (2, ext.local_id), (1, retry.local_id)]
    # a damaged history where two jobs name each other as parent must not loop
    store.update(root.local_id, parent_id=ext.local_id)
    ancestors, below = store.lineage(remix.local_id)
    assert {a.local_id for a in ancestors} == {root.local_id, ext.local_id}
    assert store.lineage("job_missing") == ([], [])


def test_facets_list_models_and_profiles_present(store: HistoryStore) -> None:
    store.add(Job.new(GenerationParams("a", model="sora-2-pro"), profile="openai"))
    store.add(Job.new(GenerationParams("b"), profile="local"))
    assert store.facets() == {"model": ["sora-2", "sora-2-pro"], "profile": ["local", "openai"]}
