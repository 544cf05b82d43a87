"""The title bar: the app's title and sub-title on the top line, drawn by one widget, kept up to date without
a new layout; its icon opens the command palette. In the workbench against the real engine, and in a small app
of its own for the edges (a screen's own title, a title too long for the line, a narrow terminal)."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import connected, shown, wait_until
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.screen import Screen

from sora_tui.tui.app import SoraApp
from sora_tui.tui.widgets.title_bar import ICON_WIDTH, RIGHT_WIDTH, TitleBar

WIDE = (160, 45)


async def test_the_workbench_names_its_server_and_follows_the_connection(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        bar = app.main.query_one(TitleBar)
        text = shown(bar)
        title = "sora-tui — local engine — procedural renders, not AI"
        left = (WIDE[0] - ICON_WIDTH - RIGHT_WIDTH - len(title)) // 2
        assert text == " ⭘".ljust(ICON_WIDTH + left) + title.ljust(WIDE[0] - ICON_WIDTH - RIGHT_WIDTH - left)
        assert not bar.children  # one widget, not Header's three
        app.sub_title = "switching…"
        await pilot.pause()
        assert "sora-tui — switching…" in shown(bar)


class Small(App[None]):
    TITLE = "small"

    def compose(self) -> ComposeResult:
        yield TitleBar()


async def test_the_title_is_centred_between_the_icon_and_the_clock_space_and_cut_with_an_ellipsis() -> None:
    app = Small()
    async with app.run_test(size=(60, 10)) as pilot:
        bar = app.query_one(TitleBar)
        text = shown(bar)
        middle = 60 - ICON_WIDTH - RIGHT_WIDTH
        assert text == " ⭘" + " " * 6 + " " * 18 + "small" + " " * 19  # then the clock's space
        assert middle == 18 + 5 + 19
        app.sub_title = "a sub-title far too long to fit on one line of a sixty-column terminal"
        await pilot.pause()
        text = shown(bar)
        assert len(text) == ICON_WIDTH + middle and text.endswith("…")  # the clock's space stays clear
        assert text.startswith(" ⭘      small — a sub-title")
        await pilot.resize_terminal(12, 10)  # narrower than the icon and the clock's space together
        await pilot.pause()
        assert shown(bar) == " ⭘" + " " * 6  # the icon only: no room left for a title


async def test_a_screen_title_wins_over_the_apps() -> None:
    class Titled(Screen[None]):
        TITLE = "the screen"
        SUB_TITLE = "its own"

        def compose(self) -> ComposeResult:
            yield TitleBar()

    app = Small()
    async with app.run_test(size=(80, 10)) as pilot:
        await app.push_screen(Titled())
        await pilot.pause()
        assert "the screen — its own" in shown(app.screen.query_one(TitleBar))
        app.screen.sub_title = "changed"
        await pilot.pause()
        assert "the screen — changed" in shown(app.screen.query_one(TitleBar))


async def test_the_icon_opens_the_command_palette_and_explains_itself_under_the_mouse() -> None:
    app = Small()
    async with app.run_test(size=(80, 10)) as pilot:
        bar = app.query_one(TitleBar)
        await pilot.hover(TitleBar, offset=(30, 0))
        assert bar.tooltip is None and not bar._hover
        await pilot.click(TitleBar, offset=(30, 0))  # the title itself does nothing
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        await pilot.hover(TitleBar, offset=(2, 0))
        assert bar.tooltip == "Open the command palette" and bar._hover
        assert any(span.style for span in bar.render().spans)  # lit up
        await pilot.click(TitleBar, offset=(2, 0))
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the command palette")
