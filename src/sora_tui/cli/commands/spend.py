"""`sora-tui spend`: what was spent, read from the history's index alone (no server, no engine: it works offline and
answers at once), and the budgets left.

The figures are core.ledger's: a job counts from the moment it is written, at its estimate while it is being made
("running") and at what the server accepted once done ("spent"). What people read keeps three things apart that a
bare $0.00 would blur: jobs at an unknown price (never taken for free), jobs the built-in engine made for nothing
("free"), and nothing spent at all."""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...core.cost import money
from ...core.i18n import N_, _, ngettext, pgettext
from ...core.text import Col, strip_control
from ..exits import EXIT_OK, EXIT_USAGE, CliError
from ..output import err, print_json

if TYPE_CHECKING:
    from ...core.ledger import Budget, Ledger, Row, Tally


# --- the command ---------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """`sora-tui spend`."""
    from ...config import BUILT_IN, ConfigError, Paths, profile_names
    from ...session import open_store
    from ..output import terminal_width

    since = parse_since(args.since) if args.since is not None else None
    paths = Paths.from_env()
    store = open_store(paths)
    try:
        if store.recovery_note:
            err(store.recovery_note)
        rows = store.spending()
    finally:
        store.close()
    try:
        configured = profile_names(paths)
    except ConfigError as exc:  # the history can be read without it; only the budgets are missing
        err(_("the budgets are not shown: {error}").format(error=exc))
        configured = []
    profile = args.spend_profile or args.profile
    if profile is not None and profile not in configured and profile not in BUILT_IN \
            and not any(row.profile == profile for row in rows):
        known = sorted(set(configured) | {row.profile for row in rows if row.profile})
        raise CliError(_("No profile named {name} in {path} nor in the history (known: {known}).").format(
            name=repr(profile), path=paths.config_file, known=", ".join(known) or "local"), EXIT_USAGE)
    budgets = _budgets(paths, configured if profile is None else [p for p in configured if p == profile])
    report = Spending.of(rows, time.time(), since=since, since_text=args.since, profile=profile, budgets=budgets)
    if args.json:
        print_json(report.as_json())
    else:
        for line in report.lines(terminal_width()):
            print(line)
    return EXIT_OK


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_since(text: str) -> float:
    """--since YYYY-MM-DD: local midnight of that day, as the periods count days."""
    day = None
    if _DATE.fullmatch(text.strip()):
        try:
            day = datetime.strptime(text.strip(), "%Y-%m-%d")
        except ValueError:
            day = None
    if day is None:
        raise CliError(_("--since takes a date as YYYY-MM-DD, for example {example}; not {value}.").format(
            example=time.strftime("%Y-%m-01"), value=repr(text)), EXIT_USAGE)
    return time.mktime((day.year, day.month, day.day, 0, 0, 0, 0, 0, -1))


def _budgets(paths: Any, names: Iterable[str]) -> dict[str, Budget]:
    """The budgets the config file sets, by profile. A profile that cannot be read is said on stderr when it
    holds a budget: a limit the user set is never silently left out."""
    from ...config import BUDGET_KEYS, ConfigError, file_profile, load_profile

    found: dict[str, Budget] = {}
    for name in names:
        try:
            budget = load_profile(paths, name, environ={}).budget
        except ConfigError as exc:
            section = file_profile(paths, name) or {}
            if any(key in section for key in BUDGET_KEYS):
                err(_("the budgets of {name} are not shown: {error}").format(name=name, error=exc))
            continue
        if budget:
            found[name] = budget
    return found


# --- the figures ---------------------------------------------------------------------------------------------


@dataclass
class BudgetLeft:
    """One limit of one profile, against what its jobs count in that period (with the ones running)."""

    profile: str
    period: str  # "daily" or "monthly"
    limit: float
    counted: float
    unknown: int  # jobs of the period at an unknown price (counted as nothing)

    @property
    def left(self) -> float:
        return round(max(0.0, self.limit - self.counted), 4)

    def as_json(self) -> dict[str, Any]:
        return {"profile": self.profile, "period": self.period, "limit": self.limit,
                "used": round(self.counted, 4), "left": self.left, "unknown_price_jobs": self.unknown}


@dataclass
class Spending:
    """What `spend` says: the periods' totals, the breakdown since `window`, and the budgets left."""

    starts: dict[str, float]
    window: float
    since_text: str | None
    profile: str | None
    ledger: Ledger
    free: Ledger  # the same tally over the jobs made at a price of 0 only: how many of each were free
    budgets: list[BudgetLeft] = field(default_factory=list)

    @classmethod
    def of(cls, rows: list[Row], now: float, *, since: float | None = None, since_text: str | None = None,
           profile: str | None = None, budgets: dict[str, Budget] | None = None) -> Spending:
        from ...core.ledger import day_start, month_start, periods, tally

        starts = periods(now, since=since)
        window = since if since is not None else starts["month"]
        ledger = tally(rows, starts, window=window, profile=profile)
        free = tally([row for row in rows if row.billed and row.amount == 0], starts, window=window, profile=profile)
        left: list[BudgetLeft] = []
        for name, budget in sorted((budgets or {}).items()):
            counted = tally(rows, {"daily": day_start(now), "monthly": month_start(now)}, profile=name).periods
            for period, limit in (("daily", budget.daily), ("monthly", budget.monthly)):
                if limit is not None:
                    left.append(BudgetLeft(name, period, limit, counted[period].total, counted[period].unknown))
        return cls(starts, window, since_text, profile, ledger, free, left)

    # --- JSON: stable English data -------------------------------------------------------------------------
    def as_json(self) -> dict[str, Any]:
        free = self.free
        return {
            "currency": "USD",
            "profile": self.profile,
            "since": self.since_text,
            "starts": {name: _iso(start) for name, start in self.starts.items()},
            "periods": {name: _tally_json(t, free.periods[name]) for name, t in self.ledger.periods.items()},
            "window": {"from": "since" if self.since_text else "month", "start": _iso(self.window)},
            "by_profile": [{"profile": name, **_tally_json(t, free.by_profile.get(name))}
                           for name, t in _ordered(self.ledger.by_profile)],
            "by_model": [{"profile": key[0], "model": key[1], **_tally_json(t, free.by_model.get(key))}
                         for key, t in _ordered(self.ledger.by_model)],
            "budgets": [b.as_json() for b in self.budgets],
        }

    # --- text: in the interface's language, fitted to the terminal -------------------------------------------
    def lines(self, width: int | None) -> list[str]:
        from ..output import wrap_cells
        from ..tables import table

        def note(text: str) -> list[str]:  # a sentence, wrapped to the terminal's cells
            return [text] if width is None else wrap_cells(text, width)

        free = self.free
        said = note(_("Spending from the history (USD)") if self.profile is None else
                    _("Spending of profile {profile} from the history (USD)").format(
                        profile=strip_control(self.profile)))
        said.append("")
        titles = {"today": _("Today"), "month": _("This month")}
        if self.since_text:
            titles["since"] = _("Since {date}").format(date=self.since_text)
        rows = [{"name": titles[name], **_cells(self.ledger.periods[name], free.periods[name])} for name in titles]
        said += table(PERIOD_COLUMNS, rows, width, right=FIGURES)
        since = {"date": self.since_text}
        by_profile = _ordered(self.ledger.by_profile)
        if not by_profile:
            said += [""] + note(_("No jobs since {date}.").format(**since) if self.since_text else
                                _("No jobs this month."))
        else:
            said += ["", _("By profile, since {date}:").format(**since) if self.since_text else
                     _("By profile, this month:")]
            rows = [{"name": strip_control(name), **_cells(t, free.by_profile.get(name))} for name, t in by_profile]
            said += table(PROFILE_COLUMNS, rows, width, right=FIGURES, names=("name",))
            said += ["", _("By model, since {date}:").format(**since) if self.since_text else
                     _("By model, this month:")]
            rows = [{"name": strip_control(key[0]), "model": strip_control(key[1]) or "-",
                     **_cells(t, free.by_model.get(key))} for key, t in _ordered(self.ledger.by_model)]
            said += table(MODEL_COLUMNS, rows, width, right=FIGURES, names=("name", "model"))
        unknown = self.ledger.periods["since" if self.since_text else "month"].unknown
        said += [""] + note(_("Spent: jobs done. Running: the estimates of jobs still being made (they count against "
                              "a budget too)."))
        if unknown:
            said += note(ngettext("{n} job at an unknown price is not in the amounts: its model has no price in its "
                                  "profile.",
                                  "{n} jobs at an unknown price are not in the amounts: their models have no price "
                                  "in their profiles.", unknown).format(n=unknown))
        said.append("")
        if self.budgets:
            said.append(_("Budgets:"))
            rows = [{"name": strip_control(b.profile), "period": _period(b.period), "limit": money(b.limit),
                     "used": money(b.counted), "left": _left(b)} for b in self.budgets]
            said += table(BUDGET_COLUMNS, rows, width, right=("limit", "used", "left"), names=("name",))
        else:
            said += note(_("No budgets set. Set one with: sora-tui profiles edit NAME --budget-daily USD"))
        return said


# At a narrow width the job counts go first, then the unknown prices (a note below the tables says them too),
# then the running estimates; the spent amount always stays.
PERIOD_COLUMNS = [Col("name", N_("Period")), Col("spent", N_("Spent")), Col("running", N_("Running"), 1),
                  Col("unknown", N_("Unknown price"), 2), Col("jobs", N_("Jobs"), 3)]
PROFILE_COLUMNS = [Col("name", N_("Profile")), *PERIOD_COLUMNS[1:]]
MODEL_COLUMNS = [Col("name", N_("Profile")), Col("model", N_("Model")), *PERIOD_COLUMNS[1:]]
BUDGET_COLUMNS = [Col("name", N_("Profile")), Col("period", N_("Budget")), Col("limit", N_("Limit")),
                  Col("used", N_("Used"), 1), Col("left", N_("Left"))]
FIGURES = ("spent", "running", "unknown", "jobs")


def _period(period: str) -> str:
    return pgettext("budget", "daily") if period == "daily" else pgettext("budget", "monthly")


def _cells(t: Tally, free: Tally | None) -> dict[str, str]:
    """A tally's figures as the tables show them: "free" where every priced job cost nothing, "unknown" where no
    job had a known price, never $0.00 for either."""
    free_jobs = free.jobs if free is not None else 0
    priced = t.jobs - t.unknown
    if priced and free_jobs == priced and not t.spent and not t.running:
        spent = pgettext("cost cell", "free")
    elif t.jobs and not priced:
        spent = pgettext("cost cell", "unknown")
    else:
        spent = money(t.spent)
    return {"spent": spent, "running": money(t.running) if t.running else "-",
            "unknown": str(t.unknown) if t.unknown else "-", "jobs": str(t.jobs)}


def _left(b: BudgetLeft) -> str:
    if b.counted > b.limit + 1e-9:
        return _("over by {amount}").format(amount=money(b.counted - b.limit))
    return money(b.left)


def _tally_json(t: Tally, free: Tally | None) -> dict[str, Any]:
    return {**t.as_json(), "free_jobs": free.jobs if free is not None else 0}


def _ordered(tallies: dict[Any, Tally]) -> list[tuple[Any, Tally]]:
    """Most spent first, then by name: the same order every time."""
    return sorted(tallies.items(), key=lambda item: (-item[1].total, str(item[0])))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")
