"""What was spent, on screen: the workbench's spend line (on the composer's lower border), the spending screen ($)
and the dialog that says a send would pass a budget.

The figures are the ledger's (core/ledger.py), read from the history's index in a thread: the index answers
100,000 jobs in a few milliseconds, but the history's lock may be held by another process. The line and the
screen count the profile in use (the one whose budget the next send is checked against); the screen adds this
month's spending on every profile.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual import work

from ..core.cost import Cost, money
from ..core.i18n import N_, _, pgettext
from ..core.ledger import Budget, Ledger, Tally, day_start, month_start, periods, tally
from .base import WorkbenchBase
from .messages import SpendingCounted

if TYPE_CHECKING:
    from ..session import Session

# Jobs change in bursts (a tracker round, a group of takes): the line is counted again once they settle.
SPEND_DEBOUNCE = 0.5
# The line's pieces, in the order they are shown; the ones further down this list are left out first where the
# border is too narrow for all of them (a piece is never cut).
SHOWN_ORDER = ("today", "month", "session", "budget")
KEPT_ORDER = ("today", "budget", "month", "session")


def free_profile(profile: Any) -> bool:
    """Nothing sent on this profile is charged: the built-in local engine, or a profile whose every price is 0."""
    if profile is None:
        return False
    if profile.is_local and profile.source == "built in":
        return True
    specs = list(profile.models.values())
    return bool(specs) and all(spec.price_per_second and not any(spec.price_per_second.values()) for spec in specs)


@dataclass
class Spending:
    """One count of the history: the profile in use (its periods and budget) and every profile's month."""

    profile: str
    free: bool  # nothing on this profile is charged (the local engine): said as such, never as $0.00
    budget: Budget
    mine: Ledger  # this profile: "session", "today", "month"
    everyone: Ledger  # every profile: the same periods, and this month by profile and by model
    counted_at: float

    def left(self) -> tuple[str, float, float] | None:
        """The budget nearer its end: (period "daily"/"monthly", USD left, the limit), or None without a budget.
        Counted as the budget counts: spent and still running."""
        found = None
        for period, limit, name in (("daily", self.budget.daily, "today"), ("monthly", self.budget.monthly, "month")):
            if limit is None:
                continue
            left = limit - self.mine.periods[name].total
            if found is None or left < found[1]:
                found = (period, left, limit)
        return found


def count(store: Any, profile: Any, started: float, now: float | None = None) -> Spending:
    """The history's spending (runs in a thread: it takes the history's lock)."""
    now = time.time() if now is None else now
    rows = store.spending()
    starts = periods(now, session=started)
    window = month_start(now)
    return Spending(profile.name, free_profile(profile), getattr(profile, "budget", None) or Budget(),
                    tally(rows, starts, window=window, profile=profile.name),
                    tally(rows, starts, window=window), now)


def next_midnight(now: float) -> float:
    """When "today" starts again (30 hours past midnight is always the next day, whatever the clocks do)."""
    return day_start(day_start(now) + 30 * 3600)


def total_text(tallied: Tally) -> str:
    """A total in a few cells: "$1.25", "$1.25+?" when jobs at an unknown price are left out of it."""
    return money(tallied.total) + ("+?" if tallied.unknown else "")


def _with_amount(template: str, amount: str, style: str = "bold") -> Text:
    """A translated "label {amount}" with the amount styled (its place is the translation's)."""
    before, _mark, after = template.partition("{amount}")
    return Text.assemble(before, (amount, style), after)


def spend_pieces(spending: Spending) -> dict[str, Text]:
    """The line's pieces by name (SHOWN_ORDER); a free profile's line is one piece saying so."""
    if spending.free:
        return {"today": Text(_("spending: free (local render)"), style="dim")}
    mine = spending.mine.periods
    pieces = {
        "today": _with_amount(pgettext("spend line", "spent today {amount}"), total_text(mine["today"])),
        "month": _with_amount(pgettext("spend line", "month {amount}"), total_text(mine["month"])),
        "session": _with_amount(pgettext("spend line", "session {amount}"), total_text(mine["session"])),
    }
    left = spending.left()
    if left is not None:
        period, amount, limit = left
        style = "bold red" if amount <= 0 else ("bold yellow" if amount < limit * 0.2 else "bold")
        template = (pgettext("spend line", "budget left today {amount}") if period == "daily"
                    else pgettext("spend line", "budget left this month {amount}"))
        pieces["budget"] = _with_amount(template, money(max(0.0, amount)), style)
    return pieces


SEPARATOR = " · "


def spend_line(spending: Spending | None, cells: int) -> Text | None:
    """The spend line in at most `cells` cells (measured in cells: Japanese labels are two a glyph), leaving out
    the least needed pieces first (KEPT_ORDER). None before anything was counted."""
    if spending is None:
        return None
    pieces = spend_pieces(spending)
    kept = [name for name in KEPT_ORDER if name in pieces]
    while True:
        shown = [pieces[name] for name in SHOWN_ORDER if name in kept]
        line = Text(SEPARATOR, style="dim").join(shown)
        if cell_len(line.plain) <= cells or len(kept) == 1:
            return line
        kept.pop()


# --- the price of a dialog's send (remix, edit, extend) ------------------------------------------------------
def send_cost_line(cost: Cost, model: str, size: str, free: bool, spending: Spending | None = None) -> Text:
    """What ctrl+g in a remix, edit or extend dialog will cost on this profile; and, when the last count says it
    would pass a budget, that it would (the service decides, as it writes the job: this only warns)."""
    line = Text(_("Cost: "), style="bold")
    if free:
        line.append(_("free (local render)"))
        return line
    if not cost.known or cost.amount is None:
        line.append(_("unknown (no price for {model} @ {size})").format(model=model, size=size), style="yellow")
        return line
    line.append(f"≈ {money(cost.amount)}", style="bold")
    line.append(" " + _("({seconds} s × {model} @ {size})").format(seconds=cost.seconds, model=model, size=size),
                style="dim")
    left = spending.left() if spending is not None else None
    if left is not None and cost.amount > left[1] + 1e-9:
        said = (_("Over the daily budget: {left} left today.") if left[0] == "daily"
                else _("Over the monthly budget: {left} left this month."))
        line.append("\n" + said.format(left=money(max(0.0, left[1]))), style="bold red")
    return line


class SpendingActions(WorkbenchBase):
    """A room of SoraApp: the spend line kept current, the spending screen, the budget dialog."""

    started_at: float = 0.0  # when this app started: the "session" the line counts (SoraApp sets it)
    spending: Spending | None = None  # the last count, for the line and the screen
    _spend_timer: Any = None
    _spend_until: float = float("inf")  # when "today" ends: the line is counted again then
    _spend_seen: dict[str, tuple[Any, ...]] | None = None

    def spending_changed(self, job: Any = None) -> None:
        """A job changed: count again soon, once the burst it came in is over. A change that cannot move a figure
        (progress, a download) is not counted again: a tracker round changes 1,000 jobs a second."""
        if job is not None:
            from ..core.cost import ACCEPTED_SECONDS

            seen = self._spend_seen
            if seen is None:
                seen = self._spend_seen = {}
            state = (job.status, job.video_id, job.cost_estimate, job.extra.get(ACCEPTED_SECONDS), job.profile)
            if seen.get(job.local_id) == state:
                return
            seen[job.local_id] = state
        if self._spend_timer is None:
            self._spend_timer = self.set_timer(SPEND_DEBOUNCE, self._spend_settled)

    def _spend_settled(self) -> None:
        self._spend_timer = None
        self.count_spending()

    def spending_tick(self, now: float) -> None:
        """Once a second (the app's clock): a new day starts "today" at zero."""
        if now >= self._spend_until:
            self._spend_until = float("inf")
            self.spending_changed()

    def forget_spending(self) -> None:
        """The profile is being switched: its figures go until the next one's are counted."""
        self.spending, self._spend_seen = None, None
        self.main.show_spending(None)

    async def first_count(self, session: Session) -> None:
        """Count as the session opens (in its worker, off the event loop): the line is there once the table is. A
        count that fails does not keep the session from opening: it is tried again in its own worker, whose failure
        is reported as any worker's."""
        try:
            counted = await asyncio.to_thread(count, session.history, session.profile, self.started_at)
        except Exception:  # noqa: BLE001  (whatever it was, the worker counting again reports it)
            self.spending_changed()
            return
        if self._quitting():
            return
        self.spending = counted
        self._spend_until = next_midnight(counted.counted_at)
        self.tell_screens(lambda: SpendingCounted(counted))

    @work(exclusive=True, exit_on_error=False, group="spending", description=N_("count what was spent"))
    async def count_spending(self) -> None:
        session = self.session
        if session is None or getattr(session, "store", None) is None:
            return
        counted = await asyncio.to_thread(count, session.history, session.profile, self.started_at)
        if session is not self.session or self._quitting():
            return
        self.spending = counted
        self._spend_until = next_midnight(counted.counted_at)
        self.tell_screens(lambda: SpendingCounted(counted))

    def action_spending(self) -> None:
        from .screens.spending import SpendingScreen

        if any(isinstance(s, SpendingScreen) for s in self.screen_stack):
            return
        self.push_screen(SpendingScreen(self.spending))
        self.spending_changed()  # the screen shows the last count at once, and a fresh one as it comes

    def show_over_budget(self, over: Any, kept: str = "", after: Callable[[Any], None] | None = None) -> None:
        """A send refused by the profile's budget: a dialog with what was spent, what it would cost and how to
        raise the limit (never only a toast: nothing was sent, and that must not go unseen)."""
        from .screens.spending import BudgetScreen

        self.push_screen(BudgetScreen(over.message, kept), after)
