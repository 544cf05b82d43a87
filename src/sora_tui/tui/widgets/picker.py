"""Picker: one value out of a few, on one line, opened into a list below it — what the composer needs of Select.

Select is six widgets (the current value, two arrows, the list and its frame) and builds its list up front: the
composer's four were 24 of the workbench's 45 widgets, mounted and styled before the first frame (bench/ui.py).
A Picker draws its line itself and builds its list the first time it is opened. Keys as in Select: enter, space,
up or down open the list; in it the arrows move, enter picks, escape closes, and typing a letter jumps to the next
option that starts with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import OptionList

from ...core.i18n import N_


class PickerList(OptionList):
    """The open list: over the screen below its picker, closed when it loses the focus."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", N_("Close the list"), show=False)]

    def action_close(self) -> None:
        picker = self.parent
        if isinstance(picker, Picker):
            picker.close(focus=True)

    def on_blur(self) -> None:
        picker = self.parent
        if isinstance(picker, Picker):
            picker.close(focus=False)

    def on_key(self, event: events.Key) -> None:
        """A letter or digit: the next option whose label starts with it (after the highlighted one, wrapping)."""
        char = event.character
        if not char or not char.isprintable() or char == " ":
            return
        count = self.option_count
        start = (self.highlighted if self.highlighted is not None else -1) + 1
        for step in range(count):
            index = (start + step) % count
            if str(self.get_option_at_index(index).prompt).casefold().startswith(char.casefold()):
                self.highlighted = index
                event.stop()
                return


class Picker(Widget, can_focus=True):
    """The current option's label and an arrow; `value` is the chosen option's value (never blank)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter,down,space,up", "open", N_("Show the options"), show=False)]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"picker--arrow"}
    DEFAULT_CSS = """
    Picker {
        height: 1;
        color: $foreground;
        background: $surface;
        padding: 0 1 0 0;
        pointer: pointer;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .picker--arrow {
            color: $foreground 50%;
        }
        & > PickerList {
            display: none;
            width: auto;  /* as wide as its longest option, so "sora-2-pro" is not wrapped at 80 columns */
            min-width: 100%;
            height: auto;
            max-height: 12;
            offset-y: 1;
            overlay: screen;
            constrain: inside inside;  /* kept on the screen, however wide */
            color: $foreground;
            border: tall $border-blurred;
            background: $surface;
            &:focus {
                background-tint: $foreground 5%;
            }
            & > .option-list--option {
                padding: 0 1;
            }
        }
        &.-open > PickerList {
            display: block;
        }
    }
    """

    value: reactive[str] = reactive("", init=False, layout=False)

    @dataclass
    class Changed(Message):
        """The value changed (picked from the list or set by code), as Select.Changed."""

        picker: Picker
        value: str

        @property
        def control(self) -> Picker:
            return self.picker

    def __init__(self, options: list[tuple[str, str]], value: str | None = None, *, id: str | None = None,
                 tooltip: str | None = None) -> None:
        super().__init__(id=id)
        if not options:
            raise ValueError("a Picker needs at least one option")
        self._options = list(options)
        self._list: PickerList | None = None  # built when first opened
        self.set_reactive(Picker.value, self._checked(value if value is not None else options[0][1]))
        if tooltip:
            self.tooltip = tooltip

    @property
    def options(self) -> list[tuple[str, str]]:
        return list(self._options)

    @property
    def expanded(self) -> bool:
        return self.has_class("-open")

    def _checked(self, value: str) -> str:
        if value not in [v for _, v in self._options]:
            raise ValueError(f"{value!r} is not one of this picker's options")
        return value

    def validate_value(self, value: str) -> str:
        return self._checked(value)

    def watch_value(self) -> None:
        self.refresh()
        self.post_message(self.Changed(self, self.value))

    def set_options(self, options: list[tuple[str, str]]) -> None:
        """New options; the value stays if it is among them, else it becomes the first."""
        if not options:
            raise ValueError("a Picker needs at least one option")
        self._options = list(options)
        if self.value not in [v for _, v in options]:
            self.value = options[0][1]
        self.close(focus=False)
        if self._list is not None:
            self._list.remove()  # built again, with the new options, when next opened
            self._list = None
        self.refresh()

    def label(self) -> str:
        return next((label for label, v in self._options if v == self.value), self.value)

    def render(self) -> Text:
        room = max(0, self.content_size.width - 2)  # then " ▼"
        text = Text(self.label(), no_wrap=True, end="")
        if text.cell_len > room:
            text.truncate(room, overflow="ellipsis")
        text.pad_right(room - text.cell_len)
        text.append(" ▼", self.get_component_rich_style("picker--arrow"))  # its colour blended over the line
        return text

    # --- opening and closing ---------------------------------------------------------------------
    def action_open(self) -> None:
        options = self._list
        if options is None:
            options = self._list = PickerList(*(label for label, _ in self._options))
            self.mount(options)
        options.highlighted = [v for _, v in self._options].index(self.value)  # the value is always one of them
        self.add_class("-open")
        options.focus()

    def close(self, focus: bool) -> None:
        if self.expanded:
            self.remove_class("-open")
            if focus:
                self.focus()

    def on_click(self, event: events.Click) -> None:
        if event.widget is not self:  # a click in the open list: the list picks
            return
        if self.expanded:
            self.close(focus=True)
        else:
            self.action_open()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.value = self._options[event.option_index][1]
        self.close(focus=True)
