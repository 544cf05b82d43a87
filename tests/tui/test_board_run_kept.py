"""A run started with G is kept with the board: quit while it waits for a choice, start again, open the board, and
choosing the take finishes the run (which the history then says is done), with nothing sent twice."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import connected, history, wait_until
from test_board_screen import imported, states

from sora_tui.store import HistoryStore
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.board import BoardScreen
from sora_tui.tui.screens.board_pick import BoardsScreen
from sora_tui.tui.screens.compare import CompareScreen

TWO_TAKES = 'title = "Paper boat"\nsize = "1280x720"\ntakes = 2\n\n[[shot]]\nprompt = "a paper boat on a puddle"\n' \
            'seconds = 4\n'


def run_state(home: Path) -> str | None:
    store = HistoryStore(home / "history.json")
    try:
        [doc] = store.boards()
    finally:
        store.close()
    return (doc.get("run") or {}).get("state")


async def test_a_run_quit_while_it_waits_for_a_choice_goes_on_when_the_board_is_opened(
        home: Path, engine_daemon: Path, tmp_path: Path) -> None:
    path = tmp_path / "boat.toml"
    path.write_text(TWO_TAKES, encoding="utf-8")
    app = SoraApp()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await imported(pilot, path)
        await wait_until(pilot, lambda: connected(app), what="the engine")
        await pilot.press("G")
        await wait_until(pilot, lambda: states(screen) == ["ready"], what="two takes to choose from", timeout=120)
    assert run_state(home) == "running"
    app = SoraApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the history")
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardsScreen) and app.screen.loaded, what="the boards")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.loaded, what="the board")
        screen = app.screen
        assert screen.running  # taken up from the history
        await wait_until(pilot, lambda: connected(app), what="the engine")
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the compare view")
        await pilot.press("k")
        await wait_until(pilot, lambda: states(screen) == ["chosen"] and not screen.running, what="the run to end")
        await wait_until(pilot, lambda: run_state(home) == "done", what="the run kept as done")
    assert len(history(home)) == 2  # the two takes, sent once
