"""PromptFramesScreen draws a change when the screen goes idle, unless a frame was drawn less than FRAME_GAP ago;
then the change waits for the screen's update timer, as on any Textual screen.

The timer's period is made 10 s here, so what the timer draws cannot be mistaken for what the screen drew at once:
a stock screen shows the change only after those 10 s."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import textual.screen
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from sora_tui.tui.textual_fence import PromptFramesScreen


class Shown(App[None]):
    """An app on `screen`, keeping the text of every frame it drew (as the terminal would get it)."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first, self.frames = screen, []

    def on_mount(self) -> None:
        self.push_screen(self.first)
        drawn = self._display

        def display(screen: Any, update: Any) -> None:
            drawn(screen, update)
            if hasattr(update, "render_segments"):
                self.frames.append(update.render_segments(self.console))

        self._display = display


def _words(base: type) -> Screen[None]:
    class Words(base):  # type: ignore[valid-type, misc]
        def compose(self) -> ComposeResult:
            yield Static("first words", id="words")

    return Words()


@pytest.fixture
def slow_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 10.0)


async def _quiet(pilot: Any) -> None:
    """The screen drawn, then 50 ms without a frame. Not pilot.pause alone: it draws a frame as it ends, and the
    waits after a change are asyncio.sleep for the same reason."""
    await pilot.pause(0.2)
    await asyncio.sleep(0.05)


async def _change_shown(screen: Screen[None], words: str) -> bool:
    """Whether `words`, put on the screen after a quiet moment, are drawn within 0.3 s."""
    app = Shown(screen)
    async with app.run_test(size=(40, 5)) as pilot:
        await _quiet(pilot)
        assert any("first words" in frame for frame in app.frames)
        screen.query_one("#words", Static).update(words)
        await asyncio.sleep(0.3)
        return any(words in frame for frame in app.frames)


@pytest.mark.usefixtures("slow_timer")
async def test_a_change_after_a_quiet_moment_is_drawn_at_once() -> None:
    assert await _change_shown(_words(PromptFramesScreen), "second words")


@pytest.mark.usefixtures("slow_timer")
async def test_a_stock_screen_waits_for_its_timer() -> None:
    # what the test above would see without PromptFramesScreen: the change is the timer's to draw
    assert not await _change_shown(_words(Screen), "second words")


@pytest.mark.usefixtures("slow_timer")
async def test_a_change_straight_after_a_frame_waits_for_the_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    # no more than one frame in FRAME_GAP: a stream of changes is drawn at the timer's pace
    screen = _words(PromptFramesScreen)
    monkeypatch.setattr(type(screen), "FRAME_GAP", 5.0)
    assert not await _change_shown(screen, "second words")


@pytest.mark.usefixtures("slow_timer")
async def test_every_change_of_a_burst_is_in_the_frame_drawn_at_once() -> None:
    class Burst(PromptFramesScreen[None]):
        def compose(self) -> ComposeResult:
            yield Static("one", id="one")
            yield Static("two", id="two")

    screen = Burst()
    app = Shown(screen)
    async with app.run_test(size=(40, 5)) as pilot:
        await _quiet(pilot)
        drawn = len(app.frames)
        screen.query_one("#one", Static).update("ONE")
        screen.query_one("#two", Static).update("TWO")
        await asyncio.sleep(0.3)
        assert len(app.frames) == drawn + 1
        assert "ONE" in app.frames[-1] and "TWO" in app.frames[-1]
