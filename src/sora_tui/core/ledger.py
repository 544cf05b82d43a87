"""What was spent, from the history: totals by period, profile and model, and the budgets checked against them.

The ledger reads the history's index (one row per job: when it was made, on which profile, with which model, its
status and its cost by core.cost's one rule), never the jobs themselves, so it stays fast at 100,000 jobs.

A job counts from the moment it is written to the history as submitting: while it is being made it counts at its
estimate ("running"), once it is done at what the server accepted ("spent"). A job the server accepted and then
failed counts at its estimate too: servers differ on whether they bill a failure, and a ledger that says more than
was charged is the one that keeps a budget. A job the server never created counts nothing. A job whose price is
unknown counts nothing and is counted apart ("unknown"): it is never taken for free.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from .cost import MAY_BE_CREATED, Cost, money
from .i18n import _


class Row(Protocol):
    """One job as the ledger reads it (the history index's entry)."""

    created_at: float
    profile: str
    model: str
    status: str
    amount: float | None  # its cost; None: billed at an unknown price; 0.0: free or not billed
    billed: bool


@dataclass
class Tally:
    """USD over some jobs."""

    spent: float = 0.0  # jobs done (or failed after the server took them)
    running: float = 0.0  # estimates of jobs still being made
    unknown: int = 0  # billed jobs at a price nobody gave
    jobs: int = 0  # billed jobs counted

    @property
    def total(self) -> float:
        return round(self.spent + self.running, 4)

    def count(self, state: int, amount: float, jobs: int) -> None:
        """Add `jobs` jobs costing `amount` in all: state 0 done, 1 still being made, 2 at an unknown price."""
        self.jobs += jobs
        if state == 2:
            self.unknown += jobs
        elif state == 1:
            self.running += amount
        else:
            self.spent += amount

    def as_json(self) -> dict[str, float | int]:
        return {"spent": round(self.spent, 4), "running": round(self.running, 4), "total": self.total,
                "unknown_price_jobs": self.unknown, "jobs": self.jobs}


@dataclass
class Ledger:
    """Totals by period (named starts: "session", "today", "month", "since"), and the breakdown by profile and by
    (profile, model) of the jobs since `window`."""

    periods: dict[str, Tally]
    window: float
    by_profile: dict[str, Tally] = field(default_factory=dict)
    by_model: dict[tuple[str, str], Tally] = field(default_factory=dict)


def day_start(now: float) -> float:
    """Local midnight of `now`'s day (the day a budget and "today" count)."""
    t = time.localtime(now)
    return time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, -1))


def month_start(now: float) -> float:
    """Local midnight of the first of `now`'s month."""
    t = time.localtime(now)
    return time.mktime((t.tm_year, t.tm_mon, 1, 0, 0, 0, 0, 0, -1))


def periods(now: float, session: float | None = None, since: float | None = None) -> dict[str, float]:
    """The usual periods' starts: today, this month, and the session's and --since's when given."""
    starts = {"today": day_start(now), "month": month_start(now)}
    if session is not None:
        starts["session"] = session
    if since is not None:
        starts["since"] = since
    return starts


def tally(rows: Iterable[Row], starts: Mapping[str, float], window: float | None = None,
          profile: str | None = None) -> Ledger:
    """Each period's totals, and the breakdown of the jobs made since `window` (default: the earliest start).
    `profile`: only that profile's jobs.

    One pass that does little per row (the spend line and every budget check run it over the whole history):
    each row is only put in a group (the span between starts it falls in, its profile, model and state) and
    added to it; the periods and the breakdown are then added up from the few groups."""
    edge = min(starts.values(), default=0.0) if window is None else window
    cuts = sorted({*starts.values(), edge})
    first = cuts[0]
    groups: dict[tuple[int, str, str, int], list[float]] = {}
    get = groups.get
    may = MAY_BE_CREATED
    for row in rows:
        made = row.created_at
        if made < first or not row.billed or (profile is not None and row.profile != profile):
            continue
        amount = row.amount
        state = 2 if amount is None else 1 if row.status in may else 0
        key = (bisect_right(cuts, made), row.profile, row.model, state)
        group = get(key)
        if group is None:
            groups[key] = [amount or 0.0, 1]
        else:
            group[0] += amount or 0.0
            group[1] += 1
    ledger = Ledger({name: Tally() for name in starts}, edge)
    bounds = [(ledger.periods[name], bisect_right(cuts, start)) for name, start in starts.items()]
    in_window = bisect_right(cuts, edge)
    for (span, name, model, state), (amount, jobs) in groups.items():
        counted = [t for t, since in bounds if span >= since]
        if span >= in_window:
            counted.append(ledger.by_profile.get(name) or ledger.by_profile.setdefault(name, Tally()))
            pair = (name, model)
            counted.append(ledger.by_model.get(pair) or ledger.by_model.setdefault(pair, Tally()))
        for t in counted:
            t.count(state, amount, int(jobs))
    return ledger


@dataclass(frozen=True)
class Budget:
    """A profile's spending limits in USD (None: no limit)."""

    daily: float | None = None
    monthly: float | None = None

    def __bool__(self) -> bool:
        return self.daily is not None or self.monthly is not None


class OverBudget(Exception):
    """A submission that would pass a budget: refused before anything is written or sent. `message` says what was
    spent, what this would cost and how to raise the limit."""

    def __init__(self, message: str, period: str, limit: float, counted: float, cost: float | None) -> None:
        super().__init__(message)
        self.message = message
        self.period = period  # "daily" or "monthly"
        self.limit = limit
        self.counted = counted  # spent and running in the period, before this submission
        self.cost = cost  # what it would add (None: its price is unknown)


def check_budget(rows: Iterable[Row], profile: str, budget: Budget, cost: Cost, now: float | None = None) -> None:
    """Raise OverBudget when `cost` (a planned submission, variations as their total) on `profile` would pass its
    daily or monthly budget, counting every job of that profile in the history since the period began (the ones
    running too). A submission at an unknown price is refused when a budget is set: it could pass it."""
    if not budget:
        return
    now = time.time() if now is None else now
    starts = {"daily": day_start(now), "monthly": month_start(now)}
    ledger = tally(rows, starts, profile=profile)
    for period, limit in (("daily", budget.daily), ("monthly", budget.monthly)):
        if limit is None:
            continue
        counted = ledger.periods[period].total
        fields = {"profile": profile, "limit": money(limit), "counted": money(counted),
                  "key": f"budget_{period}", "option": f"--budget-{period}"}
        if not cost.known or cost.amount is None:
            raise OverBudget(
                (_("Not sent: {profile} has a daily budget of {limit}, and this model's price is unknown, so it could "
                   "pass it. Give the model a price_per_second in the profile, or take {key} out of it.")
                 if period == "daily" else
                 _("Not sent: {profile} has a monthly budget of {limit}, and this model's price is unknown, so it "
                   "could pass it. Give the model a price_per_second in the profile, or take {key} out of it.")
                 ).format(**fields),
                period, limit, counted, None)
        if counted + cost.amount > limit + 1e-9:
            raise OverBudget(
                (_("Not sent: it would pass {profile}'s daily budget of {limit}. Spent today, with the jobs still "
                   "running: {counted}; this costs {cost}. Nothing was sent. Raise it with sora-tui profiles edit "
                   "{profile} {option} AMOUNT, or {key} in the profile.") if period == "daily" else
                 _("Not sent: it would pass {profile}'s monthly budget of {limit}. Spent this month, with the jobs "
                   "still running: {counted}; this costs {cost}. Nothing was sent. Raise it with sora-tui profiles "
                   "edit {profile} {option} AMOUNT, or {key} in the profile.")).format(
                       cost=money(cost.amount), **fields),
                period, limit, counted, cost.amount)
