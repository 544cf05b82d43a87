"""The history against a model, under random sequences of writes, compactions, crashes and damaged bytes.

Hypothesis drives a real HistoryStore on real files: jobs are added and changed, the journal is folded, the
process "dies" (the store is dropped unclosed, a writer's last line torn), a second process writes beside it, and
bytes are damaged (a journal line zeroed, a job document overwritten, the snapshot emptied). After every step the
history must hold exactly what the model says survives: nothing acknowledged is ever lost, and a damaged line or
document costs only the change it held (the version before it, from an intact line or the backup, comes back).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.store import HistoryStore

# Prompts a user writes: any language, quotes, the words the old filter refused, emoji, control characters.
TEXT = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(['a kite over the "Secret" garden', "夕暮れの海辺を走る柴犬", '"authorization" check',
                     "api_key in a prompt", "🪁 over 🌊", "line\nbreak\ttab"]),
)


def _journal_lines(path: Path) -> list[bytes]:
    journal = path.with_name(path.name + ".journal")
    return journal.read_bytes().split(b"\n")[:-1] if journal.exists() else []


def _versions(lines: list[bytes]) -> list[tuple[int, str, str]]:
    """(line index, local_id, notes) for each intact job line of the journal, in order."""
    out = []
    for i, line in enumerate(lines):
        try:
            entry = orjson.loads(line)
            doc = entry["doc"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            continue
        if entry.get("t") == "jobs" and isinstance(doc, dict):
            out.append((i, doc["local_id"], doc.get("notes", "")))
    return out


def _snapshot_notes(path: Path) -> dict[str, str]:
    """The jobs a snapshot file holds whole (a document per line), local_id -> notes."""
    held: dict[str, str] = {}
    if not path.exists():
        return held
    for line in path.read_bytes().split(b"\n"):
        body = line.partition(b'": ')[2].rstrip(b",")
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("local_id"), str):
            held[doc["local_id"]] = doc.get("notes", "")
    return held


class HistoryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="history-model-"))
        self.path = self.dir / "history.json"
        self.store = HistoryStore(self.path)
        self.model: dict[str, tuple[str, str]] = {}  # local_id -> (prompt, notes): what must be there
        self.made = 0

    def _job(self, prompt: str) -> Job:
        """A job whose id and time depend only on the steps (random ids would make a failing run impossible to
        replay while Hypothesis shrinks it)."""
        self.made += 1
        return Job(local_id=f"job_{self.made:016x}", params=GenerationParams(prompt), created_at=1_700_000_000.0 + self.made)

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- writes ----------------------------------------------------------------------------------------
    @rule(prompt=TEXT)
    def add(self, prompt: str) -> None:
        job = self._job(prompt)
        self.store.add(job)
        self.model[job.local_id] = (prompt, "")

    @precondition(lambda self: self.model)
    @rule(data=st.data(), notes=TEXT)
    def update(self, data: st.DataObject, notes: str) -> None:
        local_id = data.draw(st.sampled_from(sorted(self.model)))
        self.store.update(local_id, notes=notes)
        self.model[local_id] = (self.model[local_id][0], notes)

    @rule()
    def compact(self) -> None:
        self.store.compact()

    @rule(prompt=TEXT)
    def another_process_writes(self, prompt: str) -> None:
        other = HistoryStore(self.path)
        job = self._job(prompt)
        other.add(job)
        other.close()
        self.model[job.local_id] = (prompt, "")

    # --- crashes -----------------------------------------------------------------------------------------
    @rule()
    def crash_and_reopen(self) -> None:
        self.store = HistoryStore(self.path)  # the old one is dropped unclosed, as a killed process leaves it

    @rule(cut=st.integers(min_value=1, max_value=200))
    def writer_killed_mid_line(self, cut: int) -> None:
        journal = self.path.with_name("history.json.journal")
        line = b'{"t":"jobs","id":"99999","doc":{"local_id":"job_torn","params":{"prompt":"never acknowledged"}}}'
        with open(journal, "ab") as fh:
            fh.write(line[: min(cut, len(line) - 1)])  # no newline: never acknowledged, never applied
        self.store = HistoryStore(self.path)

    # --- damage -------------------------------------------------------------------------------------------
    @precondition(lambda self: _journal_lines(self.path))
    @rule(data=st.data(), zeroed=st.booleans())
    def damage_a_journal_line(self, data: st.DataObject, zeroed: bool) -> None:
        lines = _journal_lines(self.path)
        k = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
        before = _versions(lines)
        lines[k] = b"\0" * len(lines[k]) if zeroed else b"#" + lines[k][1:]
        self.path.with_name("history.json.journal").write_bytes(b"".join(x + b"\n" for x in lines))
        self._expect_after_damage(before, k)
        self.store = HistoryStore(self.path)

    @precondition(lambda self: _snapshot_notes(self.path))
    @rule(data=st.data())
    def damage_a_job_document(self, data: st.DataObject) -> None:
        raw = self.path.read_bytes()
        local_id = data.draw(st.sampled_from(sorted(_snapshot_notes(self.path))))
        at = raw.index(local_id.encode())
        self.path.write_bytes(raw[:at] + b"\0\0\0\0" + raw[at + 4:])
        # the journal's last version wins; without one, the backup's copy; without that, the job is gone
        journal = [notes for _, lid, notes in _versions(_journal_lines(self.path)) if lid == local_id]
        backup = _snapshot_notes(self.path.with_name("history.json.bak"))
        self._expect(local_id, journal[-1] if journal else None, backup.get(local_id))
        self.store = HistoryStore(self.path)

    @rule(content=st.sampled_from([b"", b"{}", b"\n"]))
    def snapshot_emptied(self, content: bytes) -> None:
        if not self.path.exists():
            return
        backup = _snapshot_notes(self.path.with_name("history.json.bak"))
        journal = {lid: notes for _, lid, notes in _versions(_journal_lines(self.path))}
        self.path.write_bytes(content)
        for local_id in list(self.model):
            self._expect(local_id, journal.get(local_id), backup.get(local_id))
        self.store = HistoryStore(self.path)

    def _expect_after_damage(self, before: list[tuple[int, str, str]], k: int) -> None:
        hit = next((v for v in before if v[0] == k), None)
        if hit is None:
            return
        local_id = hit[1]
        intact = [notes for i, lid, notes in before if lid == local_id and i != k]
        self._expect(local_id, intact[-1] if intact else None, _snapshot_notes(self.path).get(local_id))

    def _expect(self, local_id: str, *versions: str | None) -> None:
        """The job comes back as the first of these versions (its notes) that survived, or not at all."""
        notes = next((v for v in versions if v is not None), None)
        if notes is None:
            del self.model[local_id]
        else:
            self.model[local_id] = (self.model[local_id][0], notes)

    # --- what must hold ------------------------------------------------------------------------------------
    @invariant()
    def holds_exactly_the_model(self) -> None:
        jobs = {j.local_id: (j.params.prompt, j.notes) for j in self.store.all()}
        assert jobs == self.model
        assert len(self.store) == len(self.model)

    @invariant()
    def a_second_reader_agrees(self) -> None:
        other = HistoryStore(self.path)
        try:
            assert {j.local_id for j in other.all()} == set(self.model)
        finally:
            other.close()


HistoryMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_history_against_a_model = HistoryMachine.TestCase
