"""`q` goes back, as `escape` does, on the screens over the workbench that have no text field to type it into: the
details, the help, the profiles, the spending and a budget's refusal. (In the composer and the history's search box
`q` is a letter.)"""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import connected, wait_until

from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.help import HelpScreen
from sora_tui.tui.screens.history import HistoryScreen
from sora_tui.tui.screens.main import MainScreen
from sora_tui.tui.screens.profiles import ProfilesScreen
from sora_tui.tui.screens.spending import BudgetScreen, SpendingScreen


async def test_q_closes_the_screens_over_the_workbench(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        app.main.action_focus_jobs()  # out of the prompt, where q is typed
        for opening, screen in (("f1", HelpScreen), ("f3", ProfilesScreen), ("dollar_sign", SpendingScreen)):
            await pilot.press(opening)
            await wait_until(pilot, lambda screen=screen: isinstance(app.screen, screen), what=screen.__name__)
            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what=f"q closing {screen.__name__}")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        await pilot.press("q")  # typed into the search box, which has the focus
        await wait_until(pilot, lambda: app.screen.query_one("#history-search").value == "q", what="q typed")
        await pilot.press("ctrl+j", "q")  # from the results it goes back
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="q closing the history")
        app.push_screen(BudgetScreen("Over the daily budget.", ""))
        await wait_until(pilot, lambda: isinstance(app.screen, BudgetScreen), what="the budget's refusal")
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="q closing the refusal")
