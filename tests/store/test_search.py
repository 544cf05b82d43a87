"""Searching the history: the text search (one find over every job's text joined) answers exactly what a plain
per-job `needle in text` answers, in both date orders, with the other filters and a limit, and follows every kind of
change; and a page of results says whether more match than it holds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from search_helpers import _expected, _job, _text

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.store import HistoryStore
from sora_tui.store.history import haystack as haystack_module


@pytest.fixture
def filled(tmp_path: Path) -> tuple[HistoryStore, dict[str, Job]]:
    rng = random.Random(7)
    store = HistoryStore(tmp_path / "history.json")
    jobs = {}
    for i in range(300):
        job = _job(i, rng)
        store.add(job)
        jobs[job.local_id] = job
    yield store, jobs
    store.close()


NEEDLES = ["kite", "KITE", "a", "t d", "dusk lighthouse", "été", "ÉTÉ", "北", "🌊", "wave", "keep", "windy", "e d",
           "sea\x00salt", "\x00", "a a", "nothing like this", " ", "lighthouse dusk kite"]


@pytest.mark.parametrize("piece", [2_048, 7, 1])  # the haystack in one piece, in many, one entry a piece
@pytest.mark.parametrize("descending", [True, False])
def test_text_search_finds_exactly_what_a_plain_scan_finds(filled, descending: bool, piece: int, monkeypatch) -> None:
    monkeypatch.setattr(haystack_module, "HAYSTACK_PIECE", piece)
    store, jobs = filled
    for needle in NEEDLES:
        got = [j.local_id for j in store.query(text=needle, descending=descending)]
        assert got == _expected(jobs, needle, descending=descending), needle
        for limit in (1, 3, 40):
            got = [j.local_id for j in store.query(text=needle, descending=descending, limit=limit)]
            assert got == _expected(jobs, needle, descending=descending, limit=limit), (needle, limit)


def test_text_search_with_other_filters(filled) -> None:
    store, jobs = filled
    for needle in ("kite", "a", "keep"):
        assert [j.local_id for j in store.query(text=needle, status="failed")] == _expected(jobs, needle, status="failed")
        assert [j.local_id for j in store.query(text=needle, starred=True, limit=2)] == \
            _expected(jobs, needle, starred=True, limit=2)


def test_the_search_follows_adds_deletes_and_edited_tags_and_notes(filled, tmp_path: Path) -> None:
    store, jobs = filled
    assert store.query(text="zebra") == []
    newest = Job.new(GenerationParams("a zebra at dusk"))
    newest.created_at = 1_800_000_000
    store.add(newest)
    jobs[newest.local_id] = newest
    assert [j.local_id for j in store.query(text="zebra")] == [newest.local_id]

    some = next(iter(jobs.values()))
    store.update(some.local_id, tags=["Zebra-crossing"])
    jobs[some.local_id] = store.get(some.local_id)
    assert [j.local_id for j in store.query(text="zebra")] == _expected(jobs, "zebra")
    store.update(some.local_id, notes="no stripes", tags=[])  # no longer matches
    jobs[some.local_id] = store.get(some.local_id)
    assert [j.local_id for j in store.query(text="zebra")] == [newest.local_id]

    store.delete(newest.local_id)
    del jobs[newest.local_id]
    assert store.query(text="zebra") == []

    other = HistoryStore(tmp_path / "history.json")  # another process's writes are followed too
    late = Job.new(GenerationParams("a zebra again"))
    other.add(late)
    other.close()
    assert [j.local_id for j in store.query(text="ZEBRA")] == [late.local_id]


def test_a_page_says_whether_more_match_than_it_holds(filled) -> None:
    store, jobs = filled
    everything = _expected(jobs, "a")
    assert len(everything) > 10
    page = store.search(text="a", limit=10)
    assert [j.local_id for j in page.jobs] == everything[:10] and page.matched is None  # more than 10
    page = store.search(text="a", limit=len(everything))
    assert page.matched is None or page.matched == len(everything)
    page = store.search(text="a", limit=len(everything) + 1)
    assert len(page.jobs) == len(everything) and page.matched == len(everything)
    page = store.search(text="nothing like this", limit=10)
    assert page.jobs == [] and page.matched == 0


def test_sorting_by_status_or_model_counts_every_match_and_keeps_newest_first_among_equals(filled) -> None:
    store, jobs = filled
    page = store.search(text="kite", sort="status", descending=False, limit=5)
    matches = [j for j in jobs.values() if "kite" in _text(j)]
    assert page.matched == len(matches)
    matches.sort(key=lambda j: j.created_at, reverse=True)
    matches.sort(key=lambda j: j.status.value)
    assert [j.local_id for j in page.jobs] == [j.local_id for j in matches[:5]]
    by_cost = store.search(text="kite", sort="cost_estimate", limit=3)  # not in the index: decoded, still right
    assert by_cost.matched == len(matches) and len(by_cost.jobs) == 3
    # by what each job costs (the tables' rule, kept in the index): the dearest first, unknown prices last
    from sora_tui.core.cost import job_cost

    dearest = store.search(text="kite", sort="cost", limit=len(matches))
    assert len({job_cost(j).sort_key for j in matches}) > 1  # queued jobs are priced; the others never made
    assert [job_cost(j).sort_key for j in dearest.jobs] == sorted((job_cost(j).sort_key for j in matches), reverse=True)


def test_a_group_query_follows_new_members_and_moves(filled) -> None:
    store, jobs = filled
    some = list(jobs.values())[:6]
    for job in some[:3]:
        store.update(job.local_id, group_id="grp_a")
    expect = sorted(some[:3], key=lambda j: j.created_at)
    assert [j.local_id for j in store.query(group_id="grp_a", descending=False)] == [j.local_id for j in expect]
    late = Job.new(GenerationParams("another take"), group_id="grp_a")
    late.created_at = 1_800_000_000
    store.add(late)
    assert [j.local_id for j in store.query(group_id="grp_a")] == [late.local_id, *(j.local_id for j in expect[::-1])]
    store.update(some[0].local_id, group_id="grp_b")  # moved out
    assert [j.local_id for j in store.query(group_id="grp_a")] == [late.local_id, some[2].local_id, some[1].local_id]
    assert [j.local_id for j in store.query(group_id="grp_b", text="nothing like this")] == []
    assert [j.local_id for j in store.query(group_id="grp_b")] == [some[0].local_id]
    assert store.query(group_id="grp_none") == []


def test_the_groups_index_leaves_nothing_for_the_garbage_collector_to_walk(filled) -> None:
    # one object per group for every collection to walk was a 40 ms full pass with the history browser open
    import gc

    store, jobs = filled
    for i, job in enumerate(jobs.values()):
        store.update(job.local_id, group_id=f"grp_{i % 40}")
    store.prepare_search()
    groups = store._groups()
    assert len(groups) == 40 and sum(len(places) for places in groups.values()) == len(jobs)
    gc.collect()
    assert not any(gc.is_tracked(places) for places in groups.values())


def test_a_page_can_decode_only_its_first_jobs_and_read_the_rest_later(filled) -> None:
    store, jobs = filled
    everything = _expected(jobs, "a")
    page = store.search(text="a", limit=50, decode=10)
    assert [j.local_id for j in page.jobs] == everything[:10] and list(page.later) == everything[10:50]
    assert [j.local_id for j in store.get_many(page.later[:5])] == everything[10:15]
    store.delete(everything[11])  # gone meanwhile: left out
    assert [j.local_id for j in store.get_many(page.later[:3])] == [everything[10], everything[12]]
    by_model = store.search(text="a", sort="model", limit=30, decode=5)  # in the index's order too
    assert len(by_model.jobs) == 5 and len(by_model.later) == 25 and by_model.matched == len(everything) - 1
