"""The ledger (core/ledger.py): totals by period, profile and model from the history index's rows, the budgets
checked against them, and the index pricing a stored job exactly as the details screen prices the Job."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sora_tui.core.cost import MAY_BE_CREATED, NOT_BILLED, Cost, accepted, doc_cost, estimate, job_cost
from sora_tui.core.job import Job
from sora_tui.core.ledger import Budget, OverBudget, check_budget, day_start, month_start, periods, tally
from sora_tui.core.params import MODELS, GenerationParams
from sora_tui.core.status import JobStatus


@dataclass
class R:
    created_at: float
    profile: str
    model: str
    status: str
    amount: float | None
    billed: bool = True


NOW = time.mktime((2026, 12, 6, 15, 30, 0, 0, 0, -1))  # a Sunday afternoon, local time
TODAY = day_start(NOW)
MONTH = month_start(NOW)


def test_day_and_month_start_at_local_midnight() -> None:
    assert time.localtime(TODAY)[:6] == (2026, 12, 6, 0, 0, 0)
    assert time.localtime(MONTH)[:6] == (2026, 12, 1, 0, 0, 0)
    assert day_start(TODAY) == TODAY and month_start(MONTH) == MONTH  # midnight itself is in its own day


def test_periods_spending_running_and_unknown_are_kept_apart() -> None:
    rows = [
        R(NOW - 60, "lab", "sora-2", "completed", 0.8),
        R(NOW - 30, "lab", "sora-2", "in_progress", 0.4),  # still being made: counted at its estimate
        R(NOW - 20, "lab", "mystery", "completed", None),  # a price nobody gave
        R(NOW - 10, "lab", "sora-2", "failed", 0.0, billed=False),  # the server never created it
        R(TODAY - 3600, "lab", "sora-2", "downloaded", 1.2),  # yesterday evening (or earlier this month)
        R(MONTH - 3600, "lab", "sora-2", "completed", 5.0),  # last month
    ]
    ledger = tally(rows, periods(NOW, session=NOW - 45))
    today = ledger.periods["today"]
    assert (round(today.spent, 4), round(today.running, 4), today.unknown, today.jobs) == (0.8, 0.4, 1, 3)
    assert today.total == pytest.approx(1.2)
    month = ledger.periods["month"]
    expected_month = 2.4 if TODAY > MONTH else 1.2  # on the 1st, yesterday was last month
    assert month.total == pytest.approx(expected_month)
    assert ledger.periods["session"].total == pytest.approx(0.4)
    assert ledger.periods["session"].as_json() == {"spent": 0.0, "running": 0.4, "total": 0.4,
                                                   "unknown_price_jobs": 1, "jobs": 2}


def test_the_breakdown_is_by_profile_and_model_since_the_window() -> None:
    rows = [R(NOW - 5, "lab", "sora-2", "completed", 0.4), R(NOW - 4, "lab", "sora-2-pro", "completed", 1.2),
            R(NOW - 3, "gw", "sora-2", "completed", 0.8), R(NOW - 86400 * 40, "gw", "sora-2", "completed", 9.0)]
    ledger = tally(rows, periods(NOW))
    assert {p: t.total for p, t in ledger.by_profile.items()} == {"lab": pytest.approx(1.6), "gw": pytest.approx(0.8)}
    assert ledger.by_model[("lab", "sora-2-pro")].total == pytest.approx(1.2)
    only = tally(rows, periods(NOW), profile="gw", window=0.0)
    assert list(only.by_profile) == ["gw"] and only.by_profile["gw"].total == pytest.approx(9.8)
    assert only.periods["today"].total == pytest.approx(0.8)


statuses = st.sampled_from([str(s) for s in JobStatus])
rows_strategy = st.lists(st.builds(
    R,
    created_at=st.floats(NOW - 86400 * 70, NOW, allow_nan=False),
    profile=st.sampled_from(["local", "lab", "gw"]),
    model=st.sampled_from(["sora-2", "sora-2-pro"]),
    status=statuses,
    amount=st.one_of(st.none(), st.floats(0, 50, allow_nan=False)),
    billed=st.booleans(),
), max_size=60)


@settings(max_examples=200, deadline=None)
@given(rows=rows_strategy, profile=st.sampled_from([None, "lab"]))
def test_one_pass_adds_up_what_a_plain_sum_over_each_period_does(rows: list[R], profile: str | None) -> None:
    starts = periods(NOW, session=NOW - 7200, since=NOW - 86400 * 30)
    ledger = tally(rows, starts, profile=profile)
    for name, start in starts.items():
        mine = [r for r in rows if r.billed and r.created_at >= start and profile in (None, r.profile)]
        counted = ledger.periods[name]
        assert counted.jobs == len(mine)
        assert counted.unknown == sum(r.amount is None for r in mine)
        assert counted.running == pytest.approx(sum(r.amount for r in mine if r.amount is not None
                                                    and r.status in MAY_BE_CREATED))
        assert counted.total == pytest.approx(sum(r.amount for r in mine if r.amount is not None), abs=1e-3)
    window = ledger.periods[max(starts, key=lambda n: -starts[n])]  # the earliest start is the window
    assert sum(t.total for t in ledger.by_profile.values()) == pytest.approx(window.total, abs=1e-3)
    assert sum(t.total for t in ledger.by_model.values()) == pytest.approx(window.total, abs=1e-3)


jobs_strategy = st.builds(
    lambda seconds, model, size, status, video, kind, said_seconds, ext, where: _job(
        seconds, model, size, status, video, kind, said_seconds, ext, where),
    st.sampled_from(["4", "8", "12", "x"]), st.sampled_from(["sora-2", "sora-2-pro", "unknown-model"]),
    st.sampled_from(["720x1280", "1792x1024"]), statuses, st.booleans(),
    st.sampled_from(["generate", "remix", "extend", "retry", "variation"]),
    st.one_of(st.none(), st.integers(0, 30)), st.sampled_from([None, "4", "8"]),
    st.sampled_from([("lab", "https://gw.example/v1"), ("local", "http://127.0.0.1:8089/v1"), ("local", "")]))


def _job(seconds, model, size, status, video, kind, said_seconds, ext, where) -> Job:
    profile, server = where
    job = Job.new(GenerationParams("a kite", model=model, size=size, seconds=seconds), kind=kind,
                  status=JobStatus(status), video_id="video_1" if video else None, profile=profile, server=server)
    if ext is not None:
        job.extra = {**job.extra, "extension_seconds": ext}
    job.extra = accepted(job, said_seconds, None)
    return job


@settings(max_examples=300, deadline=None)
@given(job=jobs_strategy)
def test_the_index_prices_a_stored_job_as_the_details_screen_prices_the_job(job: Job) -> None:
    """One rule: the ledger's cost of the stored document is the Job's own cost at its recorded price."""
    assert doc_cost(job.to_doc()) == job_cost(job)


ONE = estimate("sora-2", "720x1280", "4", MODELS)  # $0.40


def test_a_budget_refuses_what_would_pass_it_counting_running_jobs_and_only_its_profile() -> None:
    rows = [R(NOW - 60, "lab", "sora-2", "completed", 0.8), R(NOW - 30, "lab", "sora-2", "queued", 0.4),
            R(NOW - 30, "gw", "sora-2", "completed", 30.0)]
    check_budget(rows, "lab", Budget(daily=1.6), ONE, now=NOW)  # 1.2 + 0.4: exactly the limit is allowed
    with pytest.raises(OverBudget) as refused:
        check_budget(rows, "lab", Budget(daily=1.5), ONE, now=NOW)
    over = refused.value
    assert (over.period, over.limit, over.counted, over.cost) == ("daily", 1.5, pytest.approx(1.2), 0.4)
    assert "$1.50" in over.message and "$1.20" in over.message and "$0.40" in over.message
    assert "profiles edit lab --budget-daily" in over.message and "budget_daily" in over.message


def test_a_monthly_budget_counts_the_whole_month_and_variations_count_as_their_total() -> None:
    rows = [R(MONTH + 1, "lab", "sora-2", "completed", 9.0)]
    three = estimate("sora-2", "720x1280", "4", MODELS, count=3)
    check_budget(rows, "lab", Budget(monthly=10.2), three, now=NOW)
    with pytest.raises(OverBudget) as refused:
        check_budget(rows, "lab", Budget(daily=100, monthly=10.1), three, now=NOW)
    assert refused.value.period == "monthly" and refused.value.cost == pytest.approx(1.2)


def test_an_unknown_price_is_refused_under_a_budget_and_free_is_not() -> None:
    unknown = Cost(None, False, True, True, 4)
    with pytest.raises(OverBudget) as refused:
        check_budget([], "lab", Budget(daily=5), unknown, now=NOW)
    assert refused.value.cost is None and "price_per_second" in refused.value.message
    check_budget([], "lab", Budget(), unknown, now=NOW)  # no budget: nothing to keep
    check_budget([R(NOW, "lab", "sora-2", "completed", 0.0)], "lab", Budget(daily=0.0),
                 Cost(0.0, True, True, True, 4), now=NOW)  # free is free, even under a zero budget
    assert not NOT_BILLED.billed
