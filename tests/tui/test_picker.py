"""The composer's pickers: opened, moved through and picked from with the keyboard (and the mouse), in a small app
of their own and in the real workbench, where the model's picker decides the sizes and lengths offered."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import connected, wait_until
from textual.app import App, ComposeResult
from textual.widgets import Input

from sora_tui.tui.app import SoraApp
from sora_tui.tui.widgets.picker import Picker, PickerList

SIZES = [("720x1280 vertical", "720x1280"), ("1280x720 landscape", "1280x720"), ("1024x1792 tall", "1024x1792")]


class Pickers(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Picker(SIZES, value="720x1280", id="size")
        yield Input(id="after")

    def on_picker_changed(self, event: Picker.Changed) -> None:
        self.changes.append((event.picker.id or "", event.value))


def line(picker: Picker) -> str:
    return picker.render().plain


async def test_keys_open_move_pick_and_close() -> None:
    app = Pickers()
    async with app.run_test(size=(40, 12)) as pilot:
        picker = app.query_one(Picker)
        picker.focus()
        await pilot.pause()
        assert line(picker) == "720x1280 vertical".ljust(picker.content_size.width - 2) + " ▼"
        assert not picker.query(PickerList)  # the list is built when first opened, not before
        await pilot.press("enter")
        options = picker.query_one(PickerList)
        assert picker.expanded and app.focused is options and options.highlighted == 0
        assert options.region.y == picker.region.y + 1  # below the line, over what follows
        await pilot.press("down", "enter")
        assert picker.value == "1280x720" and not picker.expanded and app.focused is picker
        assert app.changes == [("size", "1280x720")] and line(picker).startswith("1280x720 landscape")
        await pilot.press("space")
        assert options.highlighted == 1  # opens on the current value
        await pilot.press("7", "enter")  # a typed character jumps to the next option starting with it
        assert picker.value == "720x1280"
        await pilot.press("down", "up", "escape")  # opened with down, moved, closed: nothing picked
        assert picker.value == "720x1280" and not picker.expanded and app.focused is picker
        await pilot.press("enter", "tab")  # leaving the open list closes it
        await pilot.pause()
        assert not picker.expanded and app.focused is app.query_one("#after")


async def test_a_click_opens_and_a_click_on_an_option_picks_it() -> None:
    app = Pickers()
    async with app.run_test(size=(40, 12)) as pilot:
        picker = app.query_one(Picker)
        await pilot.click(Picker)
        await pilot.pause()
        assert picker.expanded
        await pilot.click(PickerList, offset=(3, 1 + 2))  # the third option (after the list's top border)
        await pilot.pause()
        assert picker.value == "1024x1792" and not picker.expanded


async def test_new_options_keep_the_value_when_they_can_and_refuse_a_value_they_lack() -> None:
    app = Pickers()
    async with app.run_test(size=(40, 12)) as pilot:
        picker = app.query_one(Picker)
        picker.focus()
        await pilot.press("enter")  # built once with the old options
        await pilot.press("escape")
        picker.set_options(SIZES[1:] + [("1792x1024 wide", "1792x1024")])
        await pilot.pause()
        assert picker.value == "1280x720" and app.changes[-1] == ("size", "1280x720")  # the first: 720x1280 is gone
        picker.set_options(SIZES)
        assert picker.value == "1280x720"
        await pilot.press("enter")
        assert [str(o.prompt) for o in picker.query_one(PickerList).options] == [label for label, _ in SIZES]
        with pytest.raises(ValueError):
            picker.value = "999x999"
        with pytest.raises(ValueError):
            Picker([], id="empty")


async def test_the_model_picked_by_keyboard_decides_the_sizes_and_the_cost(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        model, size = app.main.query_one("#model", Picker), app.main.query_one("#size", Picker)
        assert "1792x1024" not in [v for _, v in size.options]
        await pilot.press("tab")  # from the prompt to the model
        assert app.focused is model
        await pilot.press("enter", "down", "enter")
        assert model.value == "sora-2-pro" and app.focused is model
        assert "1792x1024" in [v for _, v in size.options]
        # the local engine is free whatever the model (the priced estimate is tests/tui/test_costs_shown.py's)
        assert "free (local render)" in str(app.main.query_one("#estimate").render())
        await pilot.press("tab", "enter", "down", "enter")  # the size: the second on offer
        assert size.value == size.options[1][1]
        assert app.main.query_one("#composer").params().size == size.options[1][1]


async def test_at_80_columns_the_lists_are_as_wide_as_their_longest_option(home: Path, engine_daemon: Path) -> None:
    """The model picker is 15 cells wide at 80x24: its list grows to fit "sora-2-pro" (one line an option, not two),
    and a wide list stays on the screen."""
    app = SoraApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        for name in ("model", "size", "seconds"):
            picker = app.main.query_one(f"#{name}", Picker)
            picker.focus()
            await pilot.press("enter")
            await pilot.pause()
            shown = picker.query_one(PickerList)
            assert shown.region.height == len(picker.options) + 2, name  # + the list's top and bottom edges
            assert shown.region.width >= max(len(label) for label, _ in picker.options) + 2, name
            assert shown.region.right <= 80, name
            await pilot.press("escape")
