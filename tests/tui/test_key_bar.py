"""The key bar: the focused widget's keys on the bottom line, kept up to date without building widgets, and
pressed or explained with the mouse. In the workbench against the real engine, and in a small app of its own
for the edges (keys that do not fit, a key that is disabled)."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import connected, count_restyles, shown, wait_until
from textual.app import App, ComposeResult
from textual.binding import Binding

from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.history import HistoryScreen
from sora_tui.tui.widgets.key_bar import KeyBar

WIDE = (160, 45)


async def test_the_bar_follows_the_focus_by_redrawing_one_line(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        bar = app.main.query_one(KeyBar)
        text = shown(bar)
        assert " ^g Generate  ^j Jobs " in text and "Details" not in text
        assert text.endswith("▏^p palette ") and len(text) == WIDE[0]  # the palette's key against the right edge
        restyled = count_restyles(app)
        await pilot.press("ctrl+j")  # to the job table: its keys
        await pilot.pause()
        assert " ⏎ Details  r Retry " in shown(bar) and "Generate" in shown(bar)  # the screen's keys stay
        assert not bar.children  # drawn, not built from a widget per key (Footer built and styled seven)
        assert max(restyled, default=0) <= 2, restyled  # the focus left one widget and reached another
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "Details" not in shown(bar)


async def test_a_click_presses_the_key_and_hovering_explains_it(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        bar = app.main.query_one(KeyBar)
        key = next(k for k in bar.keys() if k.description == "History")  # noqa: SIM118 - KeyBar.keys(), not a dict
        await pilot.hover(KeyBar, offset=(key.start + 2, 0))
        assert bar.tooltip == "Search, filter and browse every job ever made"
        assert bar.render().spans and bar._hover == bar.keys().index(key)
        gap = bar.keys()[-2].end + 2  # between the last key and the palette's
        await pilot.hover(KeyBar, offset=(gap, 0))
        assert bar.tooltip is None and bar._hover is None
        await pilot.click(KeyBar, offset=(gap, 0))
        await pilot.pause()
        assert app.screen is app.main
        await pilot.click(KeyBar, offset=(key.start + 2, 0))
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        assert "esc Back" in shown(app.screen.query_one(KeyBar))  # the history's own bar


class Small(App[None]):
    BINDINGS = [
        Binding("a", "one", "First key", tooltip="the first"),
        Binding("b", "two", "Second"),
        Binding("c", "three", "Third"),
        Binding("x", "hidden", "Hidden", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []
        self.bells = 0

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "two" else True  # None: shown, but disabled

    def action_one(self) -> None:
        self.done.append("one")

    def action_two(self) -> None:
        self.done.append("two")

    def bell(self) -> None:
        self.bells += 1


async def test_keys_that_do_not_fit_are_left_out_whole_and_a_disabled_key_only_rings() -> None:
    app = Small()
    async with app.run_test(size=(40, 3)) as pilot:
        bar = app.query_one(KeyBar)
        text = shown(bar)
        # " a First key " (13) and " b Second " (10) fit beside the palette's "▏^p palette " (12); " c Third " does not
        assert text == " a First key  b Second " + " " * 5 + "▏^p palette "
        assert "Hidden" not in text
        second = bar.keys()[1]
        assert not second.enabled and any(span.style.dim for span in bar.render().spans if span.start >= second.start
                                           and span.end <= second.end)
        await pilot.click(KeyBar, offset=(second.start + 1, 0))
        await pilot.click(KeyBar, offset=(1, 0))
        await pilot.pause()
        assert app.done == ["one"] and app.bells == 1
        await pilot.resize_terminal(60, 3)
        await pilot.pause()
        assert shown(bar) == " a First key  b Second  c Third " + " " * 16 + "▏^p palette "
