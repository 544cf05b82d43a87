"""What was spent, on screen: the spend line on the composer's lower border (this profile's day, month and session,
and the budget left), counted again as jobs change, and the spending screen ($ or the palette) with the breakdown.
On a priced profile served by the real local engine, and on the free local engine itself."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pilot_helpers import connected, history, wait_until, write_priced_config
from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static, TextArea

from sora_tui.core.job import Job
from sora_tui.core.ledger import Budget, day_start, month_start, tally
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryStore
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.spending import SpendingScreen
from sora_tui.tui.spending import Spending, spend_line
from sora_tui.tui.widgets.composer import PromptComposer
from sora_tui.tui.widgets.job_table import JobTable

WIDE = (160, 45)
SMALL = (80, 24)
PROMPT = "a red kite over a windy beach at golden hour, gulls crying"


@pytest.fixture
def priced(home: Path, local_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A priced profile with a daily budget of $5, served by the real local engine (so it costs nothing)."""
    write_priced_config(tmp_path, local_engine.base_url, monkeypatch, "budget_daily = 5\nbudget_monthly = 40\n")
    return home


def seed(home: Path, *jobs: tuple[str, float, float]) -> None:
    """Jobs made before the app started: (profile, created_at, USD), each a finished 4 s job."""
    store = HistoryStore(home / "history.json")
    try:
        for profile, made, usd in jobs:
            job = Job.new(GenerationParams("an older shot of the same beach", size="720x1280", seconds="4"),
                          status=JobStatus.COMPLETED, profile=profile, cost_estimate=usd)
            job.video_id = "video_seed_" + job.local_id
            job.created_at = job.updated_at = made
            job.progress = 100
            store.add(job)
    finally:
        store.close()


def line_of(app: SoraApp) -> str:
    subtitle = app.main.query_one(PromptComposer).border_subtitle
    return Content.from_markup(subtitle).plain if subtitle else ""


def screen_text(app: SoraApp) -> str:
    from rich.console import Console
    from textual.css.query import NoMatches

    try:
        text = app.screen.query_one("#spending-text", Static).content
    except NoMatches:  # not composed yet
        return ""
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(text)
    return console.export_text()


async def generate(pilot, home: Path, count: int, confirm: bool = True) -> None:
    """ctrl+g and, on a priced profile, ctrl+g again to confirm; then wait until `count` jobs finished."""
    app = pilot.app
    app.main.query_one("#prompt", TextArea).text = PROMPT
    await pilot.press("ctrl+g")
    if confirm:
        await pilot.pause(0.4)
        await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: len(history(home)) == count and all(
        j.status in (JobStatus.DOWNLOADED, JobStatus.COMPLETED) for j in history(home)), what=f"{count} jobs")


async def test_the_spend_line_counts_this_profile_s_day_month_and_session(priced: Path) -> None:
    now = time.time()
    today = (day_start(now) + now) / 2  # earlier today, before this session
    seed(priced, ("lab", today, 2.0),  # today: in the day and the month, not the session
         ("lab", month_start(now) - 3600, 7.0),  # last month: in nothing
         ("elsewhere", today, 3.0))  # another profile: not on this profile's line
    # before today but this month (none on the 1st)
    earlier_this_month = month_start(now) + 60 if month_start(now) + 60 < day_start(now) else None
    if earlier_this_month:
        seed(priced, ("lab", earlier_this_month, 0.5))
    month = 2.5 if earlier_this_month else 2.0
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the server")
        await wait_until(pilot, lambda: "spent today" in line_of(app), what="the spend line")
        assert line_of(app) == (f"spent today $2.00 · month ${month:.2f} · session $0.00 · "
                                "budget left today $3.00")
        await generate(pilot, priced, 4 + bool(earlier_this_month))
        # one job of 4 s at $0.25: counted again once the jobs settle, off the UI thread
        await wait_until(pilot, lambda: "session $1.00" in line_of(app), what="the line counted again")
        assert line_of(app) == (f"spent today $3.00 · month ${month + 1:.2f} · session $1.00 · "
                                "budget left today $2.00")


async def test_the_spend_line_fits_80_columns(priced: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the server")
        await wait_until(pilot, lambda: "spent today" in line_of(app), what="the spend line")
        composer = app.main.query_one(PromptComposer)
        assert composer.outer_size.width == 80
        assert cell_len(line_of(app)) <= 76  # the border's corners and a blank either side
        assert "budget left today $5.00" in line_of(app)


def _spending(today: float, month: float, session: float, unknown: int = 0, free: bool = False,
              budget: Budget | None = None) -> Spending:
    """A count as the ledger makes it, from rows made up for the figures wanted (a budget of $5 a day, $40 a
    month unless another is given)."""
    budget = Budget(5.0, 40.0) if budget is None else budget

    class Row:
        def __init__(self, made: float, amount: float | None) -> None:
            self.created_at, self.profile, self.model, self.status = made, "lab", "sora-2", "completed"
            self.amount, self.billed = amount, True

    starts = {"session": 300.0, "today": 200.0, "month": 100.0}
    rows = [Row(350, session), Row(250, today - session), Row(150, month - today)]
    rows += [Row(350, None) for _n in range(unknown)]
    ledger = tally(rows, starts, window=100.0)
    return Spending("lab", free, budget, ledger, ledger, 400.0)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_line_leaves_out_the_least_needed_figures_where_it_does_not_fit(lang: str) -> None:
    from sora_tui.core import i18n

    i18n.set_language(lang)
    try:
        spending = _spending(1234.5, 12345.67, 1000.25, unknown=2, budget=Budget(20000.0, None))
        wide = spend_line(spending, 200)
        assert wide is not None and wide.plain.count(" · ") == 3 and "$1,234.50+?" in wide.plain
        for cells in (76, 60, 50, 40):
            line = spend_line(spending, cells)
            assert line is not None and cell_len(line.plain) <= cells, (cells, line.plain)
            assert "$1,234.50+?" in line.plain  # today is the last piece kept
        # at 40 cells: today and the budget left, never cut in the middle of a figure
        assert "$18,765.50" in spend_line(spending, 60).plain  # type: ignore[union-attr]
    finally:
        i18n.set_language("en")


def test_the_budget_left_is_the_nearer_limit_and_never_below_zero() -> None:
    line = spend_line(_spending(6.0, 30.0, 1.0, budget=Budget(5.0, 32.0)), 200)
    assert line is not None and "budget left today $0.00" in line.plain
    line = spend_line(_spending(1.0, 31.0, 1.0, budget=Budget(5.0, 32.0)), 200)
    assert line is not None and "budget left this month $1.00" in line.plain
    line = spend_line(_spending(1.0, 31.0, 1.0, budget=Budget()), 200)
    assert line is not None and "budget" not in line.plain


async def test_the_spending_screen_breaks_it_down_and_fits_80x24(priced: Path) -> None:
    now = time.time()
    seed(priced, ("elsewhere", (day_start(now) + now) / 2, 3.0))
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the server")
        await generate(pilot, priced, 2)
        await wait_until(pilot, lambda: "session $1.00" in line_of(app), what="the line counted again")
        app.main.query_one(JobTable).focus()
        await pilot.pause(0.4)
        await pilot.press("$")
        await wait_until(pilot, lambda: isinstance(app.screen, SpendingScreen), what="the spending screen")
        await wait_until(pilot, lambda: "This session" in screen_text(app), what="the figures")
        text = screen_text(app)
        # this profile: the session, today and the month each $1.00, nothing running or at an unknown price
        for period in ("This session", "Today", "This month"):
            line = next(row for row in text.splitlines() if row.strip().startswith(period))
            assert line.split()[-4:] == ["$1.00", "$0.00", "$1.00", "—"], line
        # this month by profile and model: lab and its model, and the other profile's $3.00
        lab = next(row for row in text.splitlines() if row.strip().startswith("lab "))
        assert lab.split()[-4:-1] == ["$1.00", "$0.00", "$1.00"]
        assert any(row.strip().startswith("sora-2 ") for row in text.splitlines())
        other = next(row for row in text.splitlines() if row.strip().startswith("elsewhere"))
        assert "$3.00" in other
        # the budgets with what is left
        daily = next(row for row in text.splitlines() if row.strip().startswith("Daily"))
        assert daily.split()[-3:] == ["$5.00", "$1.00", "$4.00"]
        monthly = next(row for row in text.splitlines() if row.strip().startswith("Monthly"))
        assert monthly.split()[-3:] == ["$40.00", "$1.00", "$39.00"]
        # all of it on one 80x24 screen: nothing to scroll to
        box = app.screen.query_one("#spending-box")
        assert box.max_scroll_y == 0 and box.region.bottom <= 24 and box.region.right <= 80
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench again")
        # the palette's command opens it too
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        titles["view: Spending"].callback()
        await wait_until(pilot, lambda: isinstance(app.screen, SpendingScreen), what="the spending screen")
        await pilot.press("$")
        await wait_until(pilot, lambda: app.screen is app.main, what="$ closes it")


async def test_a_dollar_typed_in_the_prompt_is_typed(priced: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the server")
        await pilot.press("$", "5")
        await pilot.pause(0.3)
        assert app.main.query_one("#prompt", TextArea).text == "$5" and app.screen is app.main


async def test_on_the_free_local_engine_it_says_free(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        await wait_until(pilot, lambda: bool(line_of(app)), what="the spend line")
        await generate(pilot, home, 1, confirm=False)
        await pilot.pause(1.0)
        assert line_of(app) == "spending: free (local render)"
        app.action_spending()
        await wait_until(pilot, lambda: isinstance(app.screen, SpendingScreen), what="the spending screen")
        await wait_until(pilot, lambda: "This session" in screen_text(app), what="the figures")
        text = screen_text(app)
        assert "free (local render)" in text and "$" not in text.split("Budgets")[0]
        today = next(row for row in text.splitlines() if row.strip().startswith("Today"))
        assert today.split()[-4:] == ["free", "free", "free", "—"]


async def test_the_line_in_japanese_fits_80_columns(priced: Path, ja: None) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the server")
        await wait_until(pilot, lambda: "$5.00" in line_of(app), what="the spend line")
        line = line_of(app)
        assert cell_len(line) <= 76
        assert "spent" not in line and "budget" not in line
        assert "今日の支出 $0.00" in line and "今日の予算残り $5.00" in line


async def test_the_spending_screen_in_japanese_has_no_english_left(priced: Path, ja: None) -> None:
    import re

    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the server")
        await generate(pilot, priced, 1)
        await wait_until(pilot, lambda: "セッション $1.00" in line_of(app), what="the line counted again")
        app.main.query_one(JobTable).focus()
        await pilot.pause(0.4)
        await pilot.press("$")
        await wait_until(pilot, lambda: isinstance(app.screen, SpendingScreen), what="the spending screen")
        await wait_until(pilot, lambda: "このセッション" in screen_text(app), what="the figures")
        shown = screen_text(app) + " ".join(str(w.render()) for w in app.screen.query("#spending-notes, "
                                                                                       "#spending-keys"))
        for word in ("このセッション", "今日", "今月", "支出", "生成中", "合計", "料金不明", "lab の予算", "1日", "1か月",
                     "計上", "閉じる"):
            assert word in shown, word
        english = set(re.findall(r"[A-Za-z]{2,}", shown)) - {"lab", "sora", "esc"}
        assert not english, english
        box = app.screen.query_one("#spending-box")
        assert box.max_scroll_y == 0 and box.region.bottom <= 24
