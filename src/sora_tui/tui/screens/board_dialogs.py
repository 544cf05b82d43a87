"""The storyboard's dialogs: a line asked for (a title, a path, a number), a shot's editor, and the film's flipbook.

Each keeps what was typed until it is accepted or cancelled: a problem is said inside the dialog, under the
field, and the dialog stays open with the text as it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, TextArea

from ...core.board import JOINS, Shot
from ...core.i18n import N_, _
from ...core.params import SECONDS_ALL
from ..css import SCREENS_CSS
from ..failures import ReportsWorkerFailures
from ..keymap import key_pieces
from ..widgets.composer import seconds_label
from ..widgets.frames import PreviewError, video_frames
from ..widgets.preview import PicturePreview, picture_preview

JOIN_WORDS = {"cut": N_("cut"), "continue": N_("continue"), "dissolve": N_("dissolve")}


class AskScreen(ModalScreen[str | None]):
    """One line of text: enter accepts it (when `check` finds nothing wrong with it), escape cancels."""

    CSS_PATH = SCREENS_CSS
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="ask.cancel")]

    def __init__(self, title: str, hint: str, value: str = "", *, error: str = "",
                 check: Callable[[str], str | None] | None = None, placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.error = error
        self.check = check
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="ask-box") as box:
            box.border_title = self.title_text
            yield Static(Text(self.hint), classes="dialog-hint")
            yield Input(self.value, placeholder=self.placeholder, id="ask-value")
            yield Static(Text(self.error, style="bold red"), id="ask-problem")
            yield Static(Text.assemble(("enter", "bold"), " " + _("OK") + "   ",
                                       *key_pieces(self, "ask.cancel", "esc"), " " + _("cancel")),
                         classes="dialog-keys")

    def on_mount(self) -> None:
        field = self.query_one("#ask-value", Input)
        field.focus()
        field.cursor_position = len(field.value)
        self.query_one("#ask-problem", Static).display = bool(self.error)

    @on(Input.Submitted, "#ask-value")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value) if self.check is not None else None
        if problem:
            self.say(problem)
            return
        self.dismiss(event.value)

    def say(self, problem: str) -> None:
        """A problem with what is typed, under it; the text stays as typed."""
        shown = self.query_one("#ask-problem", Static)
        shown.update(Text(problem, style="bold red"))
        shown.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)


def whole_number(low: int, high: int) -> Callable[[str], str | None]:
    """A check for AskScreen: a whole number from `low` to `high`."""
    def check(value: str) -> str | None:
        text = value.strip()
        if not text.isdigit() or not low <= int(text) <= high:
            return _("Type a number from {low} to {high}.").format(low=low, high=high)
        return None

    return check


class ShotEditor(ReportsWorkerFailures, ModalScreen[Shot | None]):
    """A shot's prompt (several lines; any language), join, seconds, dissolve frames and takes. Saved only when
    `check` finds the board keeps its rules with it; otherwise the problem is said here and the edit stays."""

    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), tooltip=N_("Keep the shot as edited (checked first)"), id="shot.save",
                priority=True),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("Close without changing the shot"), id="shot.cancel"),
    ]

    def __init__(self, title: str, shot: Shot, board_takes: int, check: Callable[[Shot], str | None]) -> None:
        super().__init__()
        self.title_text = title
        self.shot = shot
        self.board_takes = board_takes
        self.check = check

    def compose(self) -> ComposeResult:
        shot = self.shot
        seconds = [str(s) for s in SECONDS_ALL]
        if str(shot.seconds) not in seconds:
            seconds.append(str(shot.seconds))
        with Vertical(classes="dialog wide", id="shot-box") as box:
            box.border_title = self.title_text
            yield TextArea(shot.prompt, id="shot-prompt", soft_wrap=True, tab_behavior="focus")
            with Horizontal(classes="shot-fields"):
                yield Label(_("Join") + " ")
                yield Select([(_(JOIN_WORDS[j]), j) for j in JOINS], value=shot.join if shot.join in JOINS else "cut",
                             allow_blank=False, id="shot-join", compact=True)
                yield Label("  " + _("Seconds") + " ")
                yield Select([(seconds_label(s), s) for s in seconds], value=str(shot.seconds), allow_blank=False,
                             id="shot-seconds", compact=True)
            with Horizontal(classes="shot-fields"):
                yield Label(_("Dissolve frames") + " ")
                yield Input("" if shot.dissolve_frames is None else str(shot.dissolve_frames), id="shot-frames",
                            compact=True)
                yield Label("  " + _("Takes") + " ")
                yield Input("" if shot.takes is None else str(shot.takes), id="shot-takes",
                            placeholder=str(self.board_takes), compact=True)
            yield Static(id="shot-problem")
            yield Static(Text.assemble(*key_pieces(self, "shot.save", "ctrl+s"), " " + _("save") + "   ",
                                       *key_pieces(self, "shot.cancel", "esc"), " " + _("cancel")),
                         classes="dialog-keys")

    def on_mount(self) -> None:
        area = self.query_one("#shot-prompt", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        self.query_one("#shot-problem", Static).display = False
        self._frames_shown()

    @on(Select.Changed, "#shot-join")
    def _frames_shown(self) -> None:
        """The dissolve's frames only where the join is a dissolve; what was typed there stays."""
        dissolve = self.query_one("#shot-join", Select).value == "dissolve"
        self.query_one("#shot-frames", Input).disabled = not dissolve

    def edited(self) -> Shot | str:
        """The shot as the fields say, or what is wrong with a number typed."""
        join = str(self.query_one("#shot-join", Select).value)
        numbers: dict[str, int | None] = {}
        for key, selector, name in (("dissolve_frames", "#shot-frames", _("Dissolve frames")),
                                    ("takes", "#shot-takes", _("Takes"))):
            text = self.query_one(selector, Input).value.strip()
            if key == "dissolve_frames" and join != "dissolve":
                text = ""
            if text and not text.isdigit():
                return _("{field}: type a whole number, or leave it empty.").format(field=name)
            numbers[key] = int(text) if text else None
        prompt = self.query_one("#shot-prompt", TextArea).text
        return replace(self.shot, prompt=prompt.strip(), join=join,  # type: ignore[arg-type]  # one of JOINS
                       seconds=int(str(self.query_one("#shot-seconds", Select).value)),
                       dissolve_frames=numbers["dissolve_frames"], takes=numbers["takes"])

    def action_save(self) -> None:
        shot = self.edited()
        problem = shot if isinstance(shot, str) else self.check(shot)
        if problem:
            self.say(problem)
            return
        self.dismiss(shot)  # type: ignore[arg-type]

    def say(self, problem: str) -> None:
        shown = self.query_one("#shot-problem", Static)
        shown.update(Text(problem, style="bold red"))
        shown.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilmScreen(ReportsWorkerFailures, ModalScreen[None]):
    """The assembled film as a flipbook (the details' preview), its frames read from the file itself."""

    CSS_PATH = SCREENS_CSS
    BINDINGS = [Binding("escape,q", "close", N_("Close"), id="film.close")]

    def __init__(self, path: Path, size: str) -> None:
        super().__init__()
        self.path = path
        self.video_size = size

    def compose(self) -> ComposeResult:
        with Vertical(id="film-box") as box:
            box.border_title = self.path.name
            yield picture_preview(id="film-picture")
            yield Static(Text(str(self.path), style="dim"), id="film-caption")
            yield Static(Text.assemble(*key_pieces(self, "preview.play", "space"), " " + _("play/pause") + "   ",
                                       *key_pieces(self, "film.close", "esc"), " " + _("close")),
                         classes="dialog-keys")

    def on_mount(self) -> None:
        preview = self.query_one(PicturePreview)
        preview.focus()
        preview.show_message(_("Loading…"))
        self.run_worker(self._load(), group="film-frames", exit_on_error=False, description=N_("load the film"))

    async def _load(self) -> None:
        preview = self.query_one(PicturePreview)
        try:
            frames = await asyncio.to_thread(video_frames, self.path, self.video_size)
        except PreviewError as exc:
            preview.show_message(exc.message)
            return
        preview.show_frames(frames)

    def action_close(self) -> None:
        self.dismiss(None)
