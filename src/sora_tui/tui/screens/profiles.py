"""ProfilesScreen (F3): which servers this user can talk to, a live check of each, switching, and adding, changing
or removing one (the form that adds or changes one is profile_setup.SetupScreen)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ...core.i18n import N_, _
from ...core.text import one_line
from ..css import SCREENS_CSS
from ..failures import ReportsWorkerFailures
from ..keymap import screen_keys

if TYPE_CHECKING:
    from .profile_setup import NewProfile


class ProfilesScreen(ReportsWorkerFailures, ModalScreen[str | None]):
    """Returns the name of the profile to switch to, or None."""
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("escape,q", "close", N_("Close"), id="profiles.close"),
        Binding("enter", "use", N_("Use"), tooltip=N_("Switch to the selected profile"), id="profiles.use", priority=True),
        Binding("a", "add", N_("Add server…"), tooltip=N_("Add a profile for another /v1/videos server"),
                id="profiles.add"),
        Binding("e", "edit", N_("Edit…"), tooltip=N_("Change the selected profile: its URL, key or default model"),
                id="profiles.edit"),
        Binding("d,delete", "delete", N_("Delete…"),
                tooltip=N_("Remove the selected profile from the config file (asks first)"), id="profiles.delete"),
        Binding("c", "check", N_("Check"), tooltip=N_("Check every profile again: reachable, key accepted, operations"),
                id="profiles.check"),
    ]

    def __init__(self, current: str | None, custom_url: str | None = None) -> None:
        super().__init__()
        self.current = current
        self.custom_url = custom_url  # --base-url or OPENAI_BASE_URL: the `custom` profile they make
        # The profile in use was changed here: using it again reconnects, so the change takes effect.
        self.current_changed = False
        self._config = ""
        self._details: dict[str, tuple[str, str, str]] = {}  # name -> (server, key source, check), said in full below

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="profiles-box") as box:
            box.border_title = _("Profiles · {use} use · {add} add · {edit} edit · {delete} delete · {check} check · "
                                 "{close} close").format(**screen_keys(self, "profiles", use="enter", close="esc"))
            yield DataTable(id="profiles-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="profiles-note", classes="dialog-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("name", _("Profile")), ("server", _("Server")), ("key", _("Key from")),
                           ("check", _("Check"))):
            table.add_column(label, key=key)
        self.load()

    @work(exclusive=True, exit_on_error=False, group="profiles", description=N_("list profiles"))
    async def load(self) -> None:
        from ...config import ConfigError, Paths, default_profile_name, load_profile, profile_names

        paths = Paths.from_env()
        table = self.query_one(DataTable)
        table.clear()
        note = self.query_one("#profiles-note", Static)
        try:
            names = await asyncio.to_thread(profile_names, paths, bool(self.custom_url))
            default = await asyncio.to_thread(default_profile_name, paths)
        except ConfigError as exc:
            note.update(Text(str(exc), style="red"))
            return
        profiles = []
        for name in names:
            try:
                if name == "custom" and self.custom_url:
                    profile = await asyncio.to_thread(load_profile, paths, None, self.custom_url)
                else:
                    profile = await asyncio.to_thread(load_profile, paths, name)
                profiles.append((name, profile))
            except ConfigError as exc:
                table.add_row(Text(name), Text(one_line(str(exc), 80), style="red"), Text("—"), Text("—"), key=name)
                self._details[name] = (one_line(str(exc), 300), "—", _("not checked: the profile is not valid"))
        for name, profile in profiles:
            marks = ("● " if name == self.current else "  ") + name + (" " + _("(default)") if name == default else "")
            server = _("local engine (procedural)") if profile.is_local else one_line(profile.base_url, 60)
            source = (_("not needed") if profile.is_local else f"${profile.api_key_env}" if profile.api_key_env
                      else _("config file") if profile.api_key else _("missing"))
            table.add_row(Text(marks, style="bold" if name == self.current else ""), Text(server), Text(source),
                          Text("…", style="dim"), key=name)
            server = (_("built-in local engine (procedural renders, not AI)") if profile.is_local
                      else one_line(profile.base_url, 300))
            if name == "custom" and self.custom_url:
                server += " " + _("(named by --base-url or OPENAI_BASE_URL; not kept in the config file)")
            self._details[name] = (server, source, _("checking…"))
        self._config = str(paths.config_file)
        if self.current is not None and self.current in table.rows:
            table.move_cursor(row=table.get_row_index(self.current))
        self._describe()
        table.focus()
        self.check_all([p for _, p in profiles])

    @work(exclusive=True, exit_on_error=False, group="profiles-check", description=N_("check profiles"))
    async def check_all(self, profiles: list[Any]) -> None:
        from ...service.servers import check_profile

        table = self.query_one(DataTable)
        for profile in profiles:
            base_url = None
            if profile.is_local:
                if profile.name == self.current:
                    base_url = getattr(getattr(self.app, "session", None), "base_url", None)
                else:  # checked if it runs anyway; never started only to be checked
                    base_url = await asyncio.to_thread(_running_engine)
            if profile.is_local and base_url is None and profile.name != self.current:
                report = short = _("starts on demand")
                ok = True
            else:
                result = await check_profile(profile, base_url=base_url)
                report = result.summary()
                # told by the result, not by its words: the summary may be in the interface's language
                ok = result.problem is None
                short = _("reachable") if ok else report.replace("：", ":").split(":")[0]
            if profile.name in table.rows:
                # a word or two here (the full report is under the table), so the table fits 80 columns
                short = ("✓ " if ok else "✗ ") + short
                table.update_cell(profile.name, "check", Text(one_line(short, 18), style="green" if ok else "red"),
                                  update_width=True)
                server, source, _report = self._details.get(profile.name, ("", "", ""))
                self._details[profile.name] = (server, source, report)
                self._describe()

    @on(DataTable.RowHighlighted, "#profiles-table")
    def _highlighted(self) -> None:
        self._describe()

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - an empty table has no cursor cell
            return None

    def _describe(self) -> None:
        """The selected profile in full under the table: its check never hides in a column cut off at 80 columns."""
        name = self._selected()
        text = Text()
        if name in self._details:
            server, source, report = self._details[name]
            text.append(f"{name}: ", style="bold")
            text.append(server + "\n" + _("key: {source} · check: {report}").format(
                source=source, report=one_line(report, 400)) + "\n")
        text.append(_("Config: {path}").format(path=self._config), style="dim")
        self.query_one("#profiles-note", Static).update(text)

    def action_check(self) -> None:
        self.load()

    def action_use(self) -> None:
        name = self._selected()
        if name is not None:
            self.dismiss(name)

    async def _in_file(self, removing: bool) -> tuple[str, dict] | None:
        """The selected profile and its table if it is one of the config file's (readable by load_profile or not:
        one it refuses can still be fixed or removed here); otherwise says why it cannot be changed (or removed)."""
        from ...config import ConfigError, Paths, file_profile

        name = self._selected()
        if name is None:
            return None
        try:
            table = None if name == "custom" and self.custom_url else await asyncio.to_thread(
                file_profile, Paths.from_env(), name)
        except ConfigError as exc:
            self.notify(str(exc), title=_("The config file cannot be read"), severity="error", markup=False,
                        timeout=12)
            return None
        if table is None:
            # whole sentences, one per case: a translation puts the reason and the verb in its own order
            if name == "custom" and self.custom_url:
                why = (_("{name} is named by --base-url or OPENAI_BASE_URL, so it cannot be removed here; press "
                         "{add} to add a profile of your own.") if removing else
                       _("{name} is named by --base-url or OPENAI_BASE_URL, so it cannot be changed here; press "
                         "{add} to add a profile of your own."))
            else:
                why = (_("{name} is built in, so it cannot be removed here; press {add} to add a profile of your "
                         "own.") if removing else
                       _("{name} is built in, so it cannot be changed here; press {add} to add a profile of your "
                         "own."))
            self.notify(why.format(name=name, **screen_keys(self, "profiles")), severity="warning", markup=False,
                        timeout=10)
            return None
        return name, table

    @work(exit_on_error=False, group="profiles-add", description=N_("add a profile"))
    async def action_add(self) -> None:
        from ...config import Paths, add_profile
        from .profile_setup import SetupScreen

        paths = Paths.from_env()

        def save(new: NewProfile) -> Path:
            return add_profile(paths, new.name, new.base_url or "", api_key=new.api_key, api_key_env=new.api_key_env,
                               default_model=new.default_model)

        saved = await self.app.push_screen_wait(SetupScreen(save))
        if saved is None:
            return
        self.notify(_("Saved profile {name} in {path} (private to you).").format(name=saved[0].name, path=saved[1]),
                    markup=False)
        self.load()

    @work(exit_on_error=False, group="profiles-add", description=N_("change a profile"))
    async def action_edit(self) -> None:
        from ...config import Paths, edit_profile
        from .profile_setup import SetupScreen, StoredProfile

        found = await self._in_file(removing=False)
        if found is None:
            return
        name, table = found
        paths = Paths.from_env()

        def text(key: str) -> str:
            value = table.get(key)
            return value if isinstance(value, str) else ""

        stored = StoredProfile(name, text("base_url"), text("api_key_env"), text("default_model"),
                               key_in_file=bool(table.get("api_key")) and not table.get("api_key_env"))

        def save(new: NewProfile) -> Path:
            return edit_profile(paths, new.name, new.base_url, api_key=new.api_key, api_key_env=new.api_key_env,
                                default_model=new.default_model)

        saved = await self.app.push_screen_wait(SetupScreen(save, stored))
        if saved is None:
            return
        said = _("Saved profile {name} in {path} (private to you).").format(name=name, path=saved[1])
        if name == self.current:
            self.current_changed = True
            said += " " + _("It is the profile in use: {use} on it reconnects with the change.").format(
                **screen_keys(self, "profiles"))
        self.notify(said, markup=False, timeout=10)
        self.load()

    @work(exit_on_error=False, group="profiles-add", description=N_("remove a profile"))
    async def action_delete(self) -> None:
        from ...config import ConfigError, Paths, delete_profile
        from .modals import ConfirmScreen

        found = await self._in_file(removing=True)
        if found is None:
            return
        name, table = found
        if name == self.current:
            self.notify(_("{name} is the profile in use: switch to another one first ({use} on it).").format(
                name=name, **screen_keys(self, "profiles")), severity="warning", markup=False, timeout=10)
            return
        url = table.get("base_url") if isinstance(table.get("base_url"), str) else _("local engine")
        question = _("Remove profile {name} ({url}) from {path}? Its jobs stay in the history; the server is not "
                     "told.").format(name=name, url=one_line(url, 80), path=self._config)
        if not await self.app.push_screen_wait(ConfirmScreen(_("Remove a profile"), question)):
            return
        try:
            path, was_default = await asyncio.to_thread(delete_profile, Paths.from_env(), name)
        except (ConfigError, OSError) as exc:
            self.notify(str(exc), title=_("Not removed"), severity="error", markup=False, timeout=12)
            return
        said = _("Removed profile {name} from {path}.").format(name=name, path=path)
        if was_default:
            said += " " + _("It was the default profile: the local engine is the default again.")
        self.notify(said, markup=False, timeout=10)
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)


def _running_engine() -> str | None:
    # in a thread: the engine's launcher loads the server's modules, which the event loop should not wait on
    from ...config import Paths
    from ...session import running_local_engine

    return running_local_engine(Paths.from_env())
