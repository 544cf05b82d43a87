"""KeyBar: the screen's keys on the bottom line, as Textual's Footer shows them, drawn as one widget's text.

Textual's Footer is a container of one FooterKey widget per key and rebuilds them whenever the keys change, which
is every focus change: with the workbench's seven keys that was 25-45 ms on the event loop (new widgets styled
three times each, then a new layout of the whole screen), the longest stall in bench/keys.py, and a fifth of the
cold start's styling. This draws the same line from `screen.active_bindings` in one render, on a line whose size
never changes, so a focus change costs a repaint of one line. Mouse users keep what the Footer gave them: a click
on a key presses it, hovering shows its tooltip and highlights it.

Key descriptions and tooltips are marked with N_() where the bindings are declared and translated here, as the
line is laid out: the bar speaks the interface's language, and a language switched at run time shows on the next
layout (the app asks for one with Screen.refresh_bindings).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget

from ...core.i18n import N_, _

DIM = Style(dim=True)  # a key that is shown but cannot be used now
# Textual's own binding for the command palette (App.__init__ adds it): its words, in the catalog too.
TEXTUAL_WORDS = (N_("palette"), N_("Open the command palette"))


class _Key(NamedTuple):  # not a frozen dataclass: that costs 2 ms of the cold start to create, this 0.2
    key: str  # what pressing it simulates
    display: str  # as shown (^g, f1, …)
    description: str
    enabled: bool
    tooltip: str
    start: int = 0  # cells from the left edge, once laid out
    end: int = 0
    palette: bool = False  # the command palette's key, against the right edge


class KeyBar(Widget, can_focus=False):
    """One line: each key the focused widget and its ancestors offer (Binding.show), like Footer, and the
    command palette's key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--hover", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-bar--hover {
            background: $block-hover-background;
        }
        .key-bar--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: list[_Key] | None = None  # laid out for _laid_out_width; None: read them again
        self._laid_out_width = -1
        self._hover: int | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self._keys, self._hover = None, None
            self.refresh()  # the same line, new text: no layout

    # --- what is shown ----------------------------------------------------------------------------
    def _read_keys(self) -> tuple[list[_Key], _Key | None]:
        active = self.screen.active_bindings
        seen: set[str] = set()
        keys: list[_Key] = []
        get_display = self.app.get_key_display
        for _node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in seen:  # one entry per action, as Footer does
                continue
            seen.add(binding.action)
            keys.append(_key(binding, get_display(binding), enabled, tooltip))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, tooltip = found
                palette = _key(binding, get_display(binding), enabled, tooltip or binding.tooltip)
        return keys, palette

    def _layout(self, width: int) -> list[_Key]:
        """The keys that fit, with their positions; the palette's key last, against the right edge. A key that
        does not fit whole is left out, not cut (the Footer scrolled it out of sight)."""
        keys, palette = self._read_keys()
        room = width - (cell_len(_label(palette, palette=True)) if palette else 0)
        placed: list[_Key] = []
        x = 0
        for key in keys:
            size = cell_len(_label(key))
            if x + size > room:
                break
            placed.append(_placed(key, x, x + size))
            x += size
        if palette is not None and width > 0:
            size = cell_len(_label(palette, palette=True))
            placed.append(_placed(palette, max(0, width - size), width, palette=True))
        return placed

    def keys(self) -> list[_Key]:
        width = self.size.width
        if self._keys is None or self._laid_out_width != width:
            self._keys, self._laid_out_width = self._layout(width), width
        return self._keys

    def render(self) -> Content:
        # Content, not a Rich Text: Textual draws Content directly, and converted the Text first on every redraw.
        keys = self.keys()
        key_style = self.get_visual_style("key-bar--key", partial=True)
        description_style = self.get_visual_style("key-bar--description", partial=True)
        hover_style = self.get_visual_style("key-bar--hover", partial=True)
        separator_style = self.get_visual_style("key-bar--separator")  # its colour blended over the bar
        pieces: list[tuple[str, Style]] = []
        width = 0
        for index, key in enumerate(keys):
            extra = hover_style if index == self._hover and key.enabled else None
            if not key.enabled:
                extra = (extra or Style()) + DIM
            if key.palette:  # against the right edge, after a thin rule, as the Footer drew it
                pieces.append((" " * (key.start - width), Style()))
                pieces.append(("▏", separator_style))
                pieces.append((key.display, _with(key_style, extra)))
            else:
                pieces.append((f" {key.display} ", _with(key_style, extra)))
            if key.description:
                pieces.append((f"{' ' if key.palette else ''}{key.description} ", _with(description_style, extra)))
            width = key.end
        return Content.assemble(*pieces)

    # --- the mouse --------------------------------------------------------------------------------
    def _key_at(self, x: int) -> int | None:
        return next((i for i, key in enumerate(self.keys()) if key.start <= x < key.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self._key_at(event.x)
        if index != self._hover:
            self._hover = index
            self.tooltip = self.keys()[index].tooltip if index is not None else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        index = self._key_at(event.x)
        if index is None:
            return
        key = self.keys()[index]
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()


def _with(style: Style, extra: Style | None) -> Style:
    return style if extra is None else style + extra


def translated(text: str) -> str:
    """A key's description or tooltip in the interface's language (the empty string stays empty: gettext would
    answer it with the catalog's header)."""
    return _(text) if text else text


def _key(binding: Binding, display: str, enabled: bool, tooltip: str) -> _Key:
    description = translated(binding.description)
    return _Key(binding.key, display, description, enabled, translated(tooltip or binding.tooltip) or description)


def _placed(key: _Key, start: int, end: int, palette: bool = False) -> _Key:
    return key._replace(start=start, end=end, palette=palette)


def _label(key: _Key, palette: bool = False) -> str:
    """The cells a key takes; the palette's key has a rule before it and no space inside it."""
    if palette:
        return f"▏{key.display} {key.description} " if key.description else f"▏{key.display}"
    return f" {key.display} {key.description} " if key.description else f" {key.display} "
