"""SetupScreen: the form that adds a server, or changes one of the config file's profiles — what kind it is, its
URL, its key (typed once, masked, kept in the private config file or named as an environment variable) and its
default model. The profiles screen (F3) opens it and writes what it says; the form closes only once it is saved."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from ...core.i18n import N_, _
from ...core.text import one_line
from ..css import SCREENS_CSS
from ..failures import ReportsWorkerFailures
from ..keymap import screen_keys

KINDS = {
    "openai": ("OpenAI", "https://api.openai.com/v1", "OPENAI_API_KEY", "sora-2"),
    "litellm": (N_("LiteLLM proxy (Veo, Runway, Azure…)"), "http://127.0.0.1:4000/v1", "LITELLM_API_KEY", ""),
    "other": (N_("Another /v1/videos server or gateway"), "http://127.0.0.1:8000/v1", "", ""),
}


@dataclass
class NewProfile:
    """What the form says. Changing a profile, None keeps a setting as it is (and a default model of "" removes
    it); a key is given either typed (api_key) or by its environment variable (api_key_env)."""

    name: str
    base_url: str | None
    api_key: str | None
    api_key_env: str | None
    default_model: str | None


@dataclass
class StoredProfile:
    """A profile of the config file, as the form to change it starts."""

    name: str
    base_url: str
    api_key_env: str
    default_model: str
    key_in_file: bool  # a typed key is kept in the config file: an empty key field keeps it


# field -> (the input's id suffix, its label, translated where shown); config.ConfigError.field names the same fields
FIELDS = {
    "name": ("name", N_("Profile name")),
    "base_url": ("url", N_("Base URL")),
    "api_key": ("key", N_("API key, masked (kept in a config file only you can read) — or leave it empty…")),
    "api_key_env": ("key-env", N_("…the environment variable that holds the key")),
    "default_model": ("model", N_("Default model (empty: the server's first)")),
}
KEY_KEPT = N_("API key, masked — leave it empty to keep the stored key…")


class SetupScreen(ReportsWorkerFailures, ModalScreen["tuple[NewProfile, Path] | None"]):
    """A new server, or a change to one of the config file's: what kind, its URL, and its key — typed once,
    masked, never shown again. `save` writes it (config.add_profile or edit_profile, which refuse what
    load_profile would): the form closes only once it is saved, and a refusal is said beside its field."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="setup.save", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="setup.cancel"),
    ]

    def __init__(self, save: Callable[[NewProfile], Path], stored: StoredProfile | None = None) -> None:
        super().__init__()
        self._save = save
        self.stored = stored

    def compose(self) -> ComposeResult:
        stored = self.stored
        keys = screen_keys(self, "setup", cancel="esc")
        with Vertical(classes="dialog wide", id="setup-box") as box:
            if stored is None:
                box.border_title = _("Add a server · {save} save · {cancel} cancel").format(**keys)
                yield Label(_("Kind"))
                yield Select([(_(label), kind) for kind, (label, *_rest) in KINDS.items()], value="openai",
                             allow_blank=False, id="setup-kind", compact=True)
            else:
                box.border_title = _("Change profile {name} · {save} save · {cancel} cancel").format(
                    name=stored.name, **keys)
            yield Label(_(FIELDS["name"][1]), id="setup-name-label")
            yield Input(stored.name if stored else "openai-main", id="setup-name", compact=True, max_length=40,
                        disabled=stored is not None)
            yield Label(_(FIELDS["base_url"][1]), id="setup-url-label")
            yield Input(stored.base_url if stored else KINDS["openai"][1], id="setup-url", compact=True)
            key_label = KEY_KEPT if stored is not None and stored.key_in_file else FIELDS["api_key"][1]
            yield Label(_(key_label), id="setup-key-label")
            yield Input(password=True, id="setup-key", compact=True,
                        placeholder=_("(unchanged)") if stored is not None and stored.key_in_file else "sk-…")
            yield Label(_(FIELDS["api_key_env"][1]), id="setup-key-env-label")
            yield Input(stored.api_key_env if stored else KINDS["openai"][2], id="setup-key-env", compact=True)
            yield Label(_(FIELDS["default_model"][1]), id="setup-model-label")
            yield Input(stored.default_model if stored else KINDS["openai"][3], id="setup-model", compact=True)
            yield Static(id="setup-note", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#setup-url", Input).focus()

    @on(Select.Changed, "#setup-kind")
    def _kind(self, event: Select.Changed) -> None:
        _label, url, env, model = KINDS[str(event.value)]
        self.query_one("#setup-url", Input).value = url
        self.query_one("#setup-key-env", Input).value = env
        self.query_one("#setup-model", Input).value = model
        self.query_one("#setup-name", Input).value = {"openai": "openai-main", "litellm": "proxy"}.get(str(event.value), "server")

    def _refuse(self, field: str | None, message: str) -> None:
        """Say why beside the field it is about (or under the form, for the file as a whole)."""
        note = self.query_one("#setup-note", Static)
        if field not in FIELDS:
            note.update(Text(one_line(message, 400), style="bold red"))
            return
        suffix, label = FIELDS[field]
        shown = Text(_(label) + "  ")
        shown.append("✖ " + one_line(message, 300), style="bold red")
        self.query_one(f"#setup-{suffix}-label", Label).update(shown)
        note.update(Text(_("Not saved: see the field marked ✖."), style="red"))
        field_input = self.query_one(f"#setup-{suffix}", Input)
        if not field_input.disabled:
            field_input.focus()

    def _clear(self) -> None:
        for field, (suffix, label) in FIELDS.items():
            if field == "api_key" and self.stored is not None and self.stored.key_in_file:
                label = KEY_KEPT
            self.query_one(f"#setup-{suffix}-label", Label).update(_(label))
        self.query_one("#setup-note", Static).update("")

    def action_save(self) -> None:
        value = {f: self.query_one(f"#setup-{f}", Input).value.strip() for f in ("name", "url", "key", "key-env", "model")}
        self._clear()
        stored = self.stored
        if not value["name"]:
            self._refuse("name", _("A profile needs a name."))
            return
        if not value["url"]:
            self._refuse("base_url", _("A profile needs a base URL."))
            return
        if not value["key"] and not value["key-env"] and not (stored is not None and stored.key_in_file):
            self._refuse("api_key", _("Type the key, or name the environment variable that holds it."))
            return
        if stored is None:
            new = NewProfile(value["name"], value["url"], value["key"] or None,
                             None if value["key"] else value["key-env"], value["model"] or None)
        else:  # only what was changed, so the rest of the file stays as the user wrote it
            new = NewProfile(stored.name, value["url"] if value["url"] != stored.base_url else None,
                             value["key"] or None,
                             value["key-env"] if not value["key"] and value["key-env"] != stored.api_key_env
                             else None,
                             value["model"] if value["model"] != stored.default_model else None)
        self.save(new)

    @work(exclusive=True, exit_on_error=False, group="setup-save", description=N_("save a profile"))
    async def save(self, new: NewProfile) -> None:
        from ...config import ConfigError

        try:
            path = await asyncio.to_thread(self._save, new)
        except ConfigError as exc:
            message = str(exc)
            if exc.field:  # beside the field, what is wrong with it: which file and table is plain from the form
                message = message.split(f"{exc.field}: ", 1)[-1]
                if exc.field == "default_model":
                    message += " " + _("Leave it empty, or list that model in the profile in the config file.")
            self._refuse(exc.field, message)
            return
        except OSError as exc:
            self._refuse(None, _("Not saved: {reason}.").format(reason=exc.strerror or exc))
            return
        self.dismiss((new, path))

    def action_cancel(self) -> None:
        self.dismiss(None)
