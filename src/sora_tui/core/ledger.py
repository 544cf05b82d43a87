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

    def add(self, row: Row) -> None:
        if not row.billed:
            return
        self.jobs += 1
        if row.amount is None:
            self.unknown += 1
        elif row.status in MAY_BE_CREATED:
            self.running += row.amount
        else:
            self.spent += row.amount

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
    """One pass over the rows: each period's totals, and the breakdown of the jobs made since `window` (default:
    the earliest start). `profile`: only that profile's jobs."""
    names = list(starts)
    bounds = [starts[n] for n in names]
    tallies = [Tally() for _n in names]
    edge = min(bounds, default=0.0) if window is None else window
    ledger = Ledger(dict(zip(names, tallies, strict=True)), edge)
    by_profile, by_model = ledger.by_profile, ledger.by_model
    for row in rows:
        if not row.billed or (profile is not None and row.profile != profile):
            continue
        made = row.created_at
        for start, counted in zip(bounds, tallies, strict=True):
            if made >= start:
                counted.add(row)
        if made >= edge:
            name = row.profile
            (by_profile.get(name) or by_profile.setdefault(name, Tally())).add(row)
            key = (name, row.model)
            (by_model.get(key) or by_model.setdefault(key, Tally())).add(row)
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
