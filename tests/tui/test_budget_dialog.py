"""A send the profile's budget refuses says so in a dialog (what was spent, what it would cost, how to raise it),
writes and sends nothing, and loses nothing typed. And the remix, edit and extend dialogs, the confirmation of
their paid send, say its price (an extension's as its seconds change); ctrl+g in them sends once, escape never."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import connected, history, wait_until, write_priced_config
from rich.cells import cell_len
from textual.widgets import Select, Static, TextArea

from sora_tui.core.status import JobStatus
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.modals import PromptScreen
from sora_tui.tui.screens.spending import BudgetScreen, SpendingScreen
from sora_tui.tui.widgets.job_table import JobTable

WIDE = (160, 45)
SMALL = (80, 24)
PROMPT = "a red kite over a windy beach at golden hour, gulls crying"


@pytest.fixture
def one_job_budget(home: Path, local_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A priced profile whose daily budget ($1.50) allows one 4 s job ($1.00) and not a second."""
    write_priced_config(tmp_path, local_engine.base_url, monkeypatch, "budget_daily = 1.5\n")
    return home


@pytest.fixture
def priced(home: Path, local_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A priced profile without a budget, served by the real local engine."""
    write_priced_config(tmp_path, local_engine.base_url, monkeypatch)
    return home


def finished(home: Path, count: int) -> bool:
    jobs = history(home)
    return len(jobs) == count and all(j.status in (JobStatus.DOWNLOADED, JobStatus.COMPLETED) for j in jobs)


async def first_job(pilot, home: Path, confirm: bool = True) -> JobTable:
    """One job from the composer (confirmed with a second ctrl+g on a priced profile), done and selected."""
    app = pilot.app
    await wait_until(pilot, lambda: connected(app), what="the server")
    app.main.query_one("#prompt", TextArea).text = PROMPT
    await pilot.press("ctrl+g")
    if confirm:
        await pilot.pause(0.4)
        await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: finished(home, 1), what="the first job")
    table = app.main.query_one(JobTable)
    await wait_until(pilot, lambda: table.row_count == 1, what="its row")
    table.focus()
    await pilot.pause(0.4)
    return table


def dialog_text(app: SoraApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("#budget-message, #budget-kept"))


def cost_line(app: SoraApp) -> str:
    return str(app.screen.query_one("#prompt-cost", Static).render())


async def test_a_generate_over_the_budget_shows_the_dialog_at_once_and_keeps_the_prompt(one_job_budget: Path) -> None:
    """No price is asked for that the budget would refuse: the first ctrl+g says it, with nothing sent."""
    home = one_job_budget
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await first_job(pilot, home)
        prompt = app.main.query_one("#prompt", TextArea)
        prompt.text = "the same kite at night, lanterns on the sand"
        prompt.focus()
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, BudgetScreen), what="the budget dialog")
        assert app._paid_question is None  # not asked: refused
        said = dialog_text(app)
        # what was spent, what it would cost, how to raise it; and that the prompt is kept
        assert "$1.50" in said and "$1.00" in said and "--budget-daily" in said and "budget_daily" in said
        assert "The prompt is still in the composer." in said
        # the dialog fits 80x24 and never cuts a figure between lines
        box = app.screen.query_one("#budget-box")
        assert box.region.bottom <= 24 and box.region.right <= 80
        for widget in app.screen.query("#budget-message"):
            assert all("$1." not in line or "$1.00" in line or "$1.50" in line
                       for line in str(widget.render()).splitlines())
        await pilot.pause(0.5)
        assert len(history(home)) == 1  # nothing written, nothing sent
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench again")
        assert prompt.text == "the same kite at night, lanterns on the sand"
        assert len(history(home)) == 1


async def test_a_retry_over_the_budget_shows_the_dialog(one_job_budget: Path) -> None:
    home = one_job_budget
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await first_job(pilot, home)
        await pilot.press("r")  # one key: the budget answers before any question
        await wait_until(pilot, lambda: isinstance(app.screen, BudgetScreen), what="the budget dialog")
        assert app._paid_question is None
        assert "daily budget of $1.50" in dialog_text(app)
        # $ from the dialog shows where the money went
        await pilot.press("$")
        await wait_until(pilot, lambda: isinstance(app.screen, SpendingScreen), what="the spending screen")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench again")
        assert len(history(home)) == 1


async def test_an_extension_over_the_budget_comes_back_as_it_was_left(one_job_budget: Path) -> None:
    home = one_job_budget
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await first_job(pilot, home)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the extend dialog")
        area = app.screen.query_one("#new-prompt", TextArea)
        area.text = "the string snaps and the kite drifts out over the waves"
        # the dialog warns already: the last count leaves $0.50 of the day's budget
        assert "Over the daily budget: $0.50 left today." in cost_line(app)
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, BudgetScreen), what="the budget dialog")
        assert "What you wrote is still in the dialog." in dialog_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the extend dialog again")
        assert app.screen.query_one("#new-prompt", TextArea).text == ("the string snaps and the kite drifts out "
                                                                      "over the waves")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench again")
        await pilot.pause(0.5)
        assert len(history(home)) == 1


async def choose_seconds(pilot, seconds: str) -> None:
    """The extension's seconds, chosen as a user does: tab to the list, open it, arrows, enter."""
    screen = pilot.app.screen
    select = screen.query_one("#extend-seconds", Select)
    if screen.focused is not select:
        await pilot.press("tab")
    assert screen.focused is select
    await pilot.press("enter")
    await pilot.pause(0.2)
    steps = ("4", "8", "12", "16", "20").index(seconds) - ("4", "8", "12", "16", "20").index(str(select.value))
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    await pilot.press("enter")
    await wait_until(pilot, lambda: str(select.value) == seconds, what=f"{seconds} s chosen")


@pytest.mark.parametrize("key,kind", [("m", "remix"), ("e", "edit"), ("x", "extend")])
async def test_the_dialogs_say_the_price_and_send_once(priced: Path, key: str, kind: str) -> None:
    home = priced
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await first_job(pilot, home)
        # escape sends nothing
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what=f"the {kind} dialog")
        assert "Cost: ≈ $1.00 (4 s × sora-2 @ 720x1280)" in cost_line(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench again")
        await pilot.pause(0.5)
        assert len(history(home)) == 1
        # ctrl+g sends exactly one, at once: the dialog was the question
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what=f"the {kind} dialog")
        if kind == "extend":
            await choose_seconds(pilot, "12")  # priced by the seconds it adds
            assert "Cost: ≈ $3.00 (12 s × sora-2 @ 720x1280)" in cost_line(app)
            await choose_seconds(pilot, "8")
            assert "Cost: ≈ $2.00 (8 s × sora-2 @ 720x1280)" in cost_line(app)
            app.screen.query_one("#new-prompt", TextArea).focus()
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: len(history(home)) == 2, what=f"the {kind}")
        await pilot.pause(0.8)
        jobs = history(home)
        assert len(jobs) == 2 and app.screen is app.main
        made = next(j for j in jobs if j.kind == kind)
        if kind == "extend":
            assert made.extra.get("extension_seconds") == "8" and made.cost_estimate == pytest.approx(2.0)


async def test_on_the_free_local_engine_the_dialog_says_free(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await first_job(pilot, home, confirm=False)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the extend dialog")
        assert "Cost: free (local render)" in cost_line(app) and "$" not in cost_line(app)
        await pilot.press("escape")


@pytest.mark.parametrize("width", [56, 30, 12])
def test_japanese_is_broken_anywhere_but_never_inside_a_figure(width: int) -> None:
    from sora_tui.tui.widgets.cell_wrap import wrap_cells

    text = ("送信しませんでした: lab の1日の予算 $1.50 を超えます。今日の支出（生成中のジョブを含む）: $1.00、"
            "今回の料金: $1.00。何も送信していません。予算を上げるには sora-tui profiles edit lab "
            "--budget-daily AMOUNT を実行するか、プロファイルの budget_daily を変更してください。")
    lines = wrap_cells(text, width, fill_wide=True)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert text.count("$1.") == sum(line.count("$1.50") + line.count("$1.00") for line in lines)
    assert not any(line[0] in "、。）:" for line in lines)
    if width == 56:  # lines are filled, not left half empty at the spaces around figures
        assert all(cell_len(line) >= 44 for line in lines[:-1])


async def test_the_budget_dialog_in_japanese(one_job_budget: Path, ja: None) -> None:
    import re

    home = one_job_budget
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await first_job(pilot, home)
        await pilot.press("r")  # one key: the budget answers before any question
        await wait_until(pilot, lambda: isinstance(app.screen, BudgetScreen), what="the budget dialog")
        assert app._paid_question is None
        box = app.screen.query_one("#budget-box")
        shown = " ".join(str(w.render()) for w in box.query("*")) + " " + str(box.border_title)
        assert "予算超過" in shown and "閉じる" in shown and "$1.50" in shown
        english = set(re.findall(r"[A-Za-z]{2,}", shown)) - {"lab", "sora", "tui", "profiles", "edit", "budget",
                                                              "daily", "AMOUNT", "enter", "esc"}
        assert not english, english
        assert all(cell_len(line) <= 68 for w in box.query("#budget-message") for line in str(w.render()).splitlines())
