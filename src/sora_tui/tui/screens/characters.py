"""CharacterScreen: a cameo character from a video file — a name, the clip, and an explicit consent confirmation."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from ...core.i18n import N_, _
from ..css import SCREENS_CSS
from ..keymap import bound_key
from ..widgets.path_suggester import PathSuggester

CONSENT = N_("Everyone whose face or voice is in this clip agreed to it becoming a character, and I have the "
             "rights to the clip.")


@dataclass
class CharacterRequest:
    name: str
    video: str
    consent: bool


class CharacterScreen(ModalScreen[CharacterRequest | None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("ctrl+s", "create", N_("Create"), id="character.create", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="character.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="character-box") as box:
            # the keys as the keymap has them now; "esc" as this title has always said it
            box.border_title = _("Create a cameo character · {create} create · {cancel} cancel").format(
                create=bound_key(self, "character.create", CharacterScreen),
                cancel=bound_key(self, "character.cancel", CharacterScreen, "esc"))
            yield Static(Text(_("A short clip (2-4 s) of one person or creature. The server refuses human likeness it "
                                "cannot verify; use it only with the owner's permission."), style="dim"))
            yield Label(_("Name (1-80 characters; write it verbatim in prompts)"))
            yield Input(id="character-name", compact=True, max_length=80)
            yield Label(_("Video file"))
            yield Input(id="character-video", compact=True, placeholder=_("path to an .mp4 (→ completes)"),
                        suggester=PathSuggester(suffixes=(".mp4", ".mov", ".webm")))
            # the statement wraps in a Static; a Checkbox label would be cut off at 80 columns, unread
            yield Static(Text(_("Consent: {statement}").format(statement=_(CONSENT))), id="character-consent-text")
            yield Checkbox(_("I confirm this"), id="character-consent")
            yield Static(id="character-note", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#character-name", Input).focus()

    def action_create(self) -> None:
        name = self.query_one("#character-name", Input).value.strip()
        video = self.query_one("#character-video", Input).value.strip()
        consent = self.query_one("#character-consent", Checkbox).value
        note = self.query_one("#character-note", Static)
        if not name or not video:
            note.update(Text(_("Give the character a name and choose its video file."), style="bold red"))
            return
        if not consent:
            note.update(Text(_("Confirm consent first (tab to the box, space to tick it)."), style="bold red"))
            return
        self.dismiss(CharacterRequest(name, video, True))

    def action_cancel(self) -> None:
        self.dismiss(None)
