"""A needle typed on from the last one is looked for among the last one's matches only: the answers are exactly what a
plain per-job scan gives, whatever the needles, the orders, the limits and the writes between them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_helpers import WORDS, _expected, _job

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.store import HistoryStore
from sora_tui.store.history import haystack as haystack_module

LETTERS = "ak eé北🌊\x00"


def _filled(path: Path, count: int = 120) -> tuple[HistoryStore, dict[str, Job]]:
    rng = random.Random(11)
    store = HistoryStore(path)
    jobs = {}
    for i in range(count):
        job = _job(i, rng)
        store.add(job)
        jobs[job.local_id] = job
    return store, jobs


def test_typing_on_is_answered_from_the_last_matches(tmp_path: Path) -> None:
    store, jobs = _filled(tmp_path / "history.json")
    typed = ""
    for ch in "lighthouse at dusk":
        typed += ch
        assert [j.local_id for j in store.query(text=typed)] == _expected(jobs, typed), typed
    narrowing = store._narrowing
    assert narrowing is not None and narrowing[1] == "lighthouse at dusk"  # kept from the keystrokes before
    # deleting a character (a shorter needle) and a needle that does not hold the last one scan again
    assert [j.local_id for j in store.query(text="lighthouse at dus")] == _expected(jobs, "lighthouse at dus")
    assert [j.local_id for j in store.query(text="kite")] == _expected(jobs, "kite")
    store.close()


@pytest.mark.parametrize("piece", [2_048, 7, 1])  # the haystack in one piece, in many, one entry a piece
def test_a_search_stopped_at_its_limit_is_gone_on_from_where_it_stopped(tmp_path: Path, monkeypatch, piece: int) -> None:
    monkeypatch.setattr(haystack_module, "HAYSTACK_PIECE", piece)
    store, jobs = _filled(tmp_path / "history.json")
    page = store.search(text="a", limit=3)
    assert page.matched is None  # more than 3 match: the search stopped, its matches known only as far as it went
    narrowing = store._narrowing
    assert narrowing is not None and narrowing[1] == "a" and 0 < narrowing[3] < len(jobs)
    for typed, limit in (("a", 4), ("a", None), ("a", 3), ("at", 2), ("at ", 5), ("at d", None), ("at du", 1),
                         ("at dusk", None)):
        got = [j.local_id for j in store.query(text=typed, limit=limit)]
        assert got == _expected(jobs, typed, limit=limit), (typed, limit)
    store.close()


@pytest.mark.parametrize("piece", [2_048, 7, 1])
def test_a_stopped_search_is_scanned_on_between_keystrokes(tmp_path: Path, monkeypatch, piece: int) -> None:
    monkeypatch.setattr(haystack_module, "HAYSTACK_PIECE", piece)
    store, jobs = _filled(tmp_path / "history.json")
    store.search(text="a", limit=3)
    stopped_at = store._narrowing[3]
    calls = 0
    while store.scan_on(pieces_at_once=1):
        calls += 1
        assert stopped_at < store._narrowing[3] < len(jobs)  # a piece further each time
    assert calls >= (len(jobs) - stopped_at) // piece - 1
    narrowing = store._narrowing
    assert narrowing is not None and narrowing[3] == len(jobs)  # every match of "a" known
    assert [at for at, _ in narrowing[2]] == sorted(at for at, _ in narrowing[2])  # newest first, in order
    assert [e.local_id for _, e in narrowing[2]] == _expected(jobs, "a")
    assert not store.scan_on()  # nothing more to do
    for typed in ("at", "at d", "at dusk"):  # answered from those matches alone
        assert [j.local_id for j in store.query(text=typed)] == _expected(jobs, typed)
    store.close()


def test_scanning_on_stops_at_a_changed_history_or_too_many_matches(tmp_path: Path, monkeypatch) -> None:
    store, jobs = _filled(tmp_path / "history.json")
    assert not store.scan_on()  # no search yet
    store.search(text="a", limit=3)
    new = Job.new(GenerationParams("a zebra at dusk"))
    new.created_at = 1_800_000_000
    store.add(new)
    jobs[new.local_id] = new
    assert not store.scan_on()  # the matches were found in a history that has changed since
    assert [j.local_id for j in store.query(text="at")] == _expected(jobs, "at")
    monkeypatch.setattr(haystack_module, "NARROWING_MAX", 5)
    store.search(text="a", limit=3)
    while store.scan_on(pieces_at_once=1):
        pass
    assert store._narrowing is None  # more than 5: not kept, and the next needle scans again
    assert [j.local_id for j in store.query(text="at")] == _expected(jobs, "at")
    store.close()


def test_too_many_matches_are_not_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(haystack_module, "NARROWING_MAX", 5)
    store, jobs = _filled(tmp_path / "history.json")
    assert len(_expected(jobs, "a")) > 5
    store.query(text="a")
    assert store._narrowing is None
    assert [j.local_id for j in store.query(text="at")] == _expected(jobs, "at")
    store.close()


def test_a_write_between_two_keystrokes_is_seen(tmp_path: Path) -> None:
    store, jobs = _filled(tmp_path / "history.json")
    assert [j.local_id for j in store.query(text="zebr")] == []
    new = Job.new(GenerationParams("a zebra at dusk"))
    new.created_at = 1_800_000_000
    store.add(new)
    jobs[new.local_id] = new
    assert [j.local_id for j in store.query(text="zebra")] == [new.local_id]  # not answered from the empty set
    some = next(iter(jobs.values()))
    store.update(some.local_id, tags=["zebra crossing"])
    jobs[some.local_id] = store.get(some.local_id)
    assert [j.local_id for j in store.query(text="zebra ")] == _expected(jobs, "zebra ")
    other = HistoryStore(tmp_path / "history.json")  # another process's write
    late = Job.new(GenerationParams("a zebra crossing at night"))
    other.add(late)
    other.close()
    jobs[late.local_id] = late
    assert [j.local_id for j in store.query(text="zebra c")] == _expected(jobs, "zebra c")
    store.close()


needles = st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=3), min_size=1, max_size=4).map("".join)
steps = st.lists(st.tuples(st.sampled_from(["type", "type", "back", "new", "write", "scan"]), needles,
                           st.booleans(), st.sampled_from([None, 1, 4, 60])), min_size=1, max_size=14)
pieces = st.sampled_from([2_048, 7, 1])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, piece=pieces)
def test_any_keystrokes_and_writes_give_what_a_plain_scan_gives(tmp_path_factory, steps, piece: int) -> None:
    path = tmp_path_factory.mktemp("narrowing") / "history.json"
    default, haystack_module.HAYSTACK_PIECE = haystack_module.HAYSTACK_PIECE, piece
    store, jobs = _filled(path, count=40)
    rng = random.Random(3)
    typed = ""
    try:
        for what, text, descending, limit in steps:
            if what == "type":
                typed += text
            elif what == "back":
                typed = typed[:-1]
            elif what == "new":
                typed = text
            elif what == "scan":  # the browser scanning on between two keystrokes: a few pieces, or to the end
                while store.scan_on(pieces_at_once=1) and limit != 1:
                    pass
                continue
            else:  # a job written between two keystrokes
                job = Job.new(GenerationParams(" ".join(rng.choice(WORDS + [text]) for _ in range(3))))
                job.created_at = 1_700_000_500 + len(jobs)
                store.add(job)
                jobs[job.local_id] = job
            if not typed:
                continue
            got = [j.local_id for j in store.query(text=typed, descending=descending, limit=limit)]
            assert got == _expected(jobs, typed, descending=descending, limit=limit), (typed, descending, limit)
    finally:
        store.close()
        haystack_module.HAYSTACK_PIECE = default
