"""The spending screen ($): this profile's session, day and month (spent, still running, at an unknown price), this
month by profile and by model, and the budgets with what is left. And the dialog of a send a budget refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from ...core.cost import money
from ...core.i18n import N_, _, ngettext, pgettext
from ..css import SCREENS_CSS
from ..failures import ReportsWorkerFailures
from ..keymap import key_pieces
from ..messages import SpendingCounted

if TYPE_CHECKING:
    from ...core.ledger import Tally
    from ..spending import Spending

PERIODS = (("session", N_("This session")), ("today", N_("Today")), ("month", N_("This month")))
BUDGETS = (("daily", "today", N_("Daily")), ("monthly", "month", N_("Monthly")))


def _free(tallied: Tally) -> bool:
    """Jobs were made and none of them cost anything (the local engine's)."""
    return bool(tallied.jobs) and not tallied.total and not tallied.unknown


def _figures(tallied: Tally) -> list[Text]:
    """The cells of one row: spent, running, total, jobs at an unknown price."""
    if _free(tallied):
        free = pgettext("cost cell", "free")
        return [Text(free, style="dim"), Text(free, style="dim"), Text(free), Text("—", style="dim")]
    return [Text(money(tallied.spent)), Text(money(tallied.running), style="" if tallied.running else "dim"),
            Text(money(tallied.total), style="bold"),
            Text(str(tallied.unknown), style="yellow") if tallied.unknown else Text("—", style="dim")]


def _table(heading: str, titles: tuple[str, ...]) -> Table:
    """A table whose first column's title is the section's heading (a line saved at 24 rows)."""
    table = Table(box=None, pad_edge=False, expand=True, header_style="bold", show_edge=False)
    table.add_column(Text(heading, style="bold underline"), ratio=1, no_wrap=True, overflow="ellipsis")
    for title in titles:
        table.add_column(title, justify="right", no_wrap=True)
    return table


def _figure_titles() -> tuple[str, ...]:
    return _("Spent"), _("Running"), _("Total"), _("Unknown price")


def spending_report(spending: Spending | None) -> RenderableType:
    """The whole screen's text; before the first count, a word saying it is coming."""
    if spending is None:
        return Text(_("Counting what was spent…"), style="dim")
    parts: list[RenderableType] = []
    name = spending.profile
    if spending.free:
        parts.append(Text(_("free (local render): nothing sent to {profile} is charged.").format(profile=name),
                          style="dim"))
    periods = _table(_("On {profile}").format(profile=name), _figure_titles())
    for key, label in PERIODS:
        periods.add_row(_(label), *_figures(spending.mine.periods[key]))
    parts += [periods, Text("")]

    everyone = spending.everyone
    if not everyone.by_profile:
        parts.append(Text(_("Nothing was sent this month."), style="dim"))
    else:
        table = _table(_("This month, by profile and model"), _figure_titles())
        for profile in sorted(everyone.by_profile, key=lambda p: (p != name, p)):
            table.add_row(Text(profile, style="bold"), *_figures(everyone.by_profile[profile]))
            for (owner, model), tallied in sorted(everyone.by_model.items()):
                if owner == profile:
                    table.add_row(Text("  " + (model or "?")), *_figures(tallied))
        parts.append(table)

    budget = spending.budget
    if not budget and spending.free:  # nothing to limit
        return Group(*parts)
    parts.append(Text(""))
    if not budget:
        parts.append(Text(_("Budgets of {profile}").format(profile=name), style="bold underline"))
        parts.append(Text(_("None set. Set one with sora-tui profiles edit {profile} --budget-daily AMOUNT (or "
                            "--budget-monthly), or budget_daily / budget_monthly in the profile.").format(profile=name),
                          style="dim"))
    else:
        table = _table(_("Budgets of {profile}").format(profile=name), (_("Limit"), _("Counted"), _("Left")))
        for period, key, label in BUDGETS:
            limit = budget.daily if period == "daily" else budget.monthly
            if limit is None:
                continue
            counted = spending.mine.periods[key].total
            left = limit - counted
            style = "bold red" if left <= 0 else ("bold yellow" if left < limit * 0.2 else "bold green")
            table.add_row(_(label), money(limit), money(counted), Text(money(max(0.0, left)), style=style))
        parts.append(table)
    return Group(*parts)


def spending_notes(spending: Spending | None) -> str:
    """What the figures mean, under them (plain text: the screen wraps it by cells)."""
    if spending is None:
        return ""
    notes = []
    if spending.budget:
        notes.append(_("Counted: spent, and the jobs still running at their estimate. A send that would pass a "
                       "budget is refused before anything is sent."))
    unknown = spending.everyone.periods["month"].unknown
    if unknown:
        notes.append(ngettext("{n} job at an unknown price is not in the amounts: its model has no price in its "
                              "profile.", "{n} jobs at an unknown price are not in the amounts: their models "
                              "have no price in their profiles.", unknown).format(n=unknown))
    return "\n".join(notes)


class Paragraph(Widget):
    """Plain text (never markup) wrapped by cells, Japanese broken where the line is full (Rich and Textual break
    only at spaces, and the spaces around figures in a Japanese sentence left its lines half empty)."""

    DEFAULT_CSS = """
    Paragraph {
        height: auto;
    }
    """

    def __init__(self, text: str = "", style: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = text
        self.paragraph_style = style

    def update(self, text: str) -> None:
        self.text = text
        self.refresh(layout=True)

    def _lines(self, width: int) -> list[str]:
        from ..widgets.cell_wrap import wrap_cells

        if not self.text:
            return []
        return [line for para in self.text.splitlines() for line in wrap_cells(para, width, fill_wide=True)]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        return Text("\n".join(self._lines(self.size.width)), style=self.paragraph_style)


class SpendingScreen(ReportsWorkerFailures, ModalScreen[None]):
    """What was spent ($ or the palette): counted again as jobs change while it is open."""

    CSS_PATH = SCREENS_CSS
    DEFAULT_CSS = """
    SpendingScreen {
        align: center middle;
    }
    #spending-box {
        width: 96;
        max-width: 98%;
        height: auto;
        max-height: 96%;
    }
    """
    BINDINGS = [Binding("escape,q,dollar_sign", "close", N_("Close"), id="spending.close")]

    def __init__(self, spending: Spending | None) -> None:
        super().__init__()
        self.spending = spending

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="spending-box") as box:
            box.border_title = _("Spending")
            yield Static(spending_report(self.spending), id="spending-text")
            yield Paragraph(spending_notes(self.spending), "dim", id="spending-notes")
            yield Static(self._keys(), classes="dialog-keys", id="spending-keys")

    def _keys(self) -> Text:
        return Text.assemble(*key_pieces(self, "spending.close", "esc", "$"), " " + _("close"))

    def on_spending_counted(self, event: SpendingCounted) -> None:
        """A new count (SoraApp.count_spending): shown in place, the place scrolled to kept."""
        self.spending = spending = event.spending
        self.query_one("#spending-text", Static).update(spending_report(spending))
        self.query_one("#spending-notes", Paragraph).update(spending_notes(spending))

    def language_changed(self) -> None:
        self.query_one("#spending-box").border_title = _("Spending")
        self.query_one("#spending-text", Static).update(spending_report(self.spending))
        self.query_one("#spending-notes", Paragraph).update(spending_notes(self.spending))
        self.query_one("#spending-keys", Static).update(self._keys())

    def action_close(self) -> None:
        self.dismiss(None)


class BudgetScreen(ModalScreen[None]):
    """A send the profile's budget refused: what was spent, what it would have cost, how to raise the limit."""

    CSS_PATH = SCREENS_CSS
    DEFAULT_CSS = """
    BudgetScreen {
        align: center middle;
    }
    #budget-box {
        width: 72;
        max-width: 95%;
        border: round $error;
    }
    #budget-kept {
        margin-top: 1;
    }
    """
    BINDINGS = [
        Binding("escape,q,enter", "close", N_("Close"), id="budget.close"),
        Binding("dollar_sign", "spending", N_("Spending"), id="budget.spending"),
    ]

    def __init__(self, message: str, kept: str = "") -> None:
        super().__init__()
        self.message = message
        self.kept = kept

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="budget-box") as box:
            box.border_title = _("Over budget: not sent")
            yield Paragraph(self.message, id="budget-message")
            if self.kept:
                yield Paragraph(self.kept, classes="dialog-hint", id="budget-kept")
            yield Static(Text.assemble(*key_pieces(self, "budget.close", "enter", "esc"), " " + _("close") + "   ",
                                       *key_pieces(self, "budget.spending", "$"), " " + _("spending")),
                         classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_spending(self) -> None:
        self.dismiss(None)
        self.app.call_later(self.app.run_action, "spending")
