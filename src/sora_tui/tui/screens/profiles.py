"""ProfilesScreen (F3): which servers this user can talk to, a live check of each, switching, and adding one
(SetupScreen: the key typed once, masked, kept in the private config file or named as an environment variable)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select, Static

from ...core.text import one_line
from ..css import SCREENS_CSS
from ..failures import ReportsWorkerFailures

KINDS = {
    "openai": ("OpenAI", "https://api.openai.com/v1", "OPENAI_API_KEY", "sora-2"),
    "litellm": ("LiteLLM proxy (Veo, Runway, Azure…)", "http://127.0.0.1:4000/v1", "LITELLM_API_KEY", ""),
    "other": ("Another /v1/videos server or gateway", "http://127.0.0.1:8000/v1", "", ""),
}


@dataclass
class NewProfile:
    name: str
    base_url: str
    api_key: str | None
    api_key_env: str | None
    default_model: str | None


class ProfilesScreen(ReportsWorkerFailures, ModalScreen[str | None]):
    """Returns the name of the profile to switch to, or None."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("escape", "close", "Close", id="profiles.close"),
        Binding("enter", "use", "Use", tooltip="Switch to the selected profile", id="profiles.use", priority=True),
        Binding("a", "add", "Add server…", tooltip="Add a profile for another /v1/videos server", id="profiles.add"),
        Binding("c", "check", "Check", tooltip="Check every profile again: reachable, key accepted, operations",
                id="profiles.check"),
    ]

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current
        self._config = ""
        self._details: dict[str, tuple[str, str, str]] = {}  # name -> (server, key source, check), said in full below

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="profiles-box") as box:
            box.border_title = "Profiles · enter use · a add · c check · esc close"
            yield DataTable(id="profiles-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="profiles-note", classes="dialog-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("name", "Profile"), ("server", "Server"), ("key", "Key from"), ("check", "Check")):
            table.add_column(label, key=key)
        self.load()

    @work(exclusive=True, exit_on_error=False, group="profiles", description="list profiles")
    async def load(self) -> None:
        from ...config import ConfigError, Paths, default_profile_name, load_profile, profile_names

        paths = Paths.from_env()
        table = self.query_one(DataTable)
        table.clear()
        note = self.query_one("#profiles-note", Static)
        try:
            names = await asyncio.to_thread(profile_names, paths)
            default = await asyncio.to_thread(default_profile_name, paths)
        except ConfigError as exc:
            note.update(Text(str(exc), style="red"))
            return
        profiles = []
        for name in names:
            try:
                profiles.append((name, await asyncio.to_thread(load_profile, paths, name)))
            except ConfigError as exc:
                table.add_row(Text(name), Text(one_line(str(exc), 80), style="red"), Text("—"), Text("—"), key=name)
                self._details[name] = (one_line(str(exc), 300), "—", "not checked: the profile is not valid")
        for name, profile in profiles:
            marks = ("● " if name == self.current else "  ") + name + (" (default)" if name == default else "")
            server = "local engine (procedural)" if profile.is_local else one_line(profile.base_url, 60)
            source = ("not needed" if profile.is_local else f"${profile.api_key_env}" if profile.api_key_env
                      else "config file" if profile.api_key else "missing")
            table.add_row(Text(marks, style="bold" if name == self.current else ""), Text(server), Text(source),
                          Text("…", style="dim"), key=name)
            self._details[name] = ("built-in local engine (procedural renders, not AI)" if profile.is_local
                                   else one_line(profile.base_url, 300), source, "checking…")
        self._config = str(paths.config_file)
        if self.current in table.rows:
            table.move_cursor(row=table.get_row_index(self.current))
        self._describe()
        table.focus()
        self.check_all([p for _, p in profiles])

    @work(exclusive=True, exit_on_error=False, group="profiles-check", description="check profiles")
    async def check_all(self, profiles: list[Any]) -> None:
        from ...backend.capabilities import check_profile

        table = self.query_one(DataTable)
        for profile in profiles:
            if profile.is_local and profile.name != self.current:
                report = "starts on demand"
            else:
                base_url = getattr(getattr(self.app, "session", None), "base_url", None) if profile.is_local else None
                result = await check_profile(profile, base_url=base_url)
                report = result.summary()
            if profile.name in table.rows:
                # a word or two here (the full report is under the table), so the table fits 80 columns
                ok = report.startswith("reachable") or report == "starts on demand"
                short = ("✓ " + report.split(";")[0].split(",")[0]) if ok else "✗ " + report.split(":")[0]
                table.update_cell(profile.name, "check", Text(one_line(short, 18), style="green" if ok else "red"),
                                  update_width=True)
                server, source, _ = self._details.get(profile.name, ("", "", ""))
                self._details[profile.name] = (server, source, report)
                self._describe()

    @on(DataTable.RowHighlighted, "#profiles-table")
    def _highlighted(self) -> None:
        self._describe()

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # an empty table has no cursor cell
            return None

    def _describe(self) -> None:
        """The selected profile in full under the table: its check never hides in a column cut off at 80 columns."""
        name = self._selected()
        text = Text()
        if name in self._details:
            server, source, report = self._details[name]
            text.append(f"{name}: ", style="bold")
            text.append(f"{server}\nkey: {source} · check: {one_line(report, 400)}\n")
        text.append(f"Config: {self._config}", style="dim")
        self.query_one("#profiles-note", Static).update(text)

    def action_check(self) -> None:
        self.load()

    def action_use(self) -> None:
        name = self._selected()
        if name is not None:
            self.dismiss(name)

    @work(exit_on_error=False, group="profiles-add", description="add a profile")
    async def action_add(self) -> None:
        from ...config import ConfigError, Paths, add_profile

        new: NewProfile | None = await self.app.push_screen_wait(SetupScreen())
        if new is None:
            return
        try:
            path = await asyncio.to_thread(add_profile, Paths.from_env(), new.name, new.base_url, api_key=new.api_key,
                                           api_key_env=new.api_key_env, default_model=new.default_model)
        except (ConfigError, OSError) as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False, timeout=12)
            return
        self.notify(f"Saved profile {new.name} in {path} (private to you).", markup=False)
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)


class SetupScreen(ModalScreen[NewProfile | None]):
    """A new server: what kind, its URL, and its key — typed once, masked, never shown again."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="setup.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="setup.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="setup-box") as box:
            box.border_title = "Add a server · ctrl+s save · esc cancel"
            yield Label("Kind")
            yield Select([(label, kind) for kind, (label, *_rest) in KINDS.items()], value="openai", allow_blank=False,
                         id="setup-kind", compact=True)
            yield Label("Profile name")
            yield Input("openai-main", id="setup-name", compact=True, max_length=40)
            yield Label("Base URL")
            yield Input(KINDS["openai"][1], id="setup-url", compact=True)
            yield Label("API key, masked (kept in a config file only you can read) — or leave it empty…")
            yield Input(password=True, id="setup-key", compact=True, placeholder="sk-…")
            yield Label("…the environment variable that holds the key")
            yield Input(KINDS["openai"][2], id="setup-key-env", compact=True)
            yield Label("Default model (empty: the server's first)")
            yield Input(KINDS["openai"][3], id="setup-model", compact=True)
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

    def action_save(self) -> None:
        value = {f: self.query_one(f"#setup-{f}", Input).value.strip() for f in ("name", "url", "key", "key-env", "model")}
        note = self.query_one("#setup-note", Static)
        if not value["name"] or not value["url"]:
            note.update(Text("A profile needs a name and a base URL.", style="bold red"))
            return
        if not value["key"] and not value["key-env"]:
            note.update(Text("Type the key, or name the environment variable that holds it.", style="bold red"))
            return
        self.dismiss(NewProfile(value["name"], value["url"], value["key"] or None,
                                None if value["key"] else value["key-env"], value["model"] or None))

    def action_cancel(self) -> None:
        self.dismiss(None)
