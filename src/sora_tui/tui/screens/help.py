"""HelpScreen (F1): every key, grouped by where it works, built from the bindings themselves so it cannot drift.

Descriptions and tooltips are marked with N_() where the bindings are declared and translated here as the table is
made, so the help speaks the interface's language, the one switched to while it is open included."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.i18n import N_, _
from ..css import SCREENS_CSS
from ..keymap import bound_key, key_capitalised, key_now, keys_shown
from ..widgets.key_bar import translated


def key_label(key: str) -> str:
    """"escape,q" as "escape / q"; a key shown as "," (Binding.key_display) stays itself."""
    keys = [k.strip() for k in key.split(",")]
    return " / ".join(keys) if all(keys) else key.strip()


def key_groups() -> list[tuple[str, list[Binding]]]:
    """(where, bindings) for every place keys work; the README's key table is checked against this."""
    from ..app import SoraApp
    from ..widgets.composer import PromptComposer
    from ..widgets.job_list import JobList
    from .board import BoardScreen
    from .board_pick import BoardsScreen
    from .compare import CompareScreen
    from .detail import JobDetailScreen
    from .history import HistoryScreen
    from .main import MainScreen

    def described(bindings: list) -> list[Binding]:
        return [b for b in bindings if isinstance(b, Binding) and b.description]

    return [
        (N_("anywhere"), described(SoraApp.BINDINGS) + described(MainScreen.BINDINGS)),
        (N_("composer"), described(PromptComposer.BINDINGS)),
        (N_("job table and history results"), described(JobList.BINDINGS)),
        (N_("history"), described(HistoryScreen.BINDINGS)),
        (N_("details"), described(JobDetailScreen.BINDINGS)),
        (N_("compare"), described(CompareScreen.BINDINGS)),
        (N_("storyboard"), described(BoardsScreen.BINDINGS) + described(BoardScreen.BINDINGS)),
    ]


def help_table(keymap: Mapping[str, str] | None = None) -> Group:
    """One small table per place, keys on the left (narrow), what they do on the right: the keys the user's keymap
    put them on (SoraApp.keymap), where it moved them."""
    tables: list[Table | Text] = []
    for where, bindings in key_groups():
        table = Table(box=None, show_header=False, pad_edge=False, expand=True, title=_(where).capitalize(),
                      title_justify="left", title_style="bold underline")
        table.add_column("key", style="bold", no_wrap=True, min_width=14)
        # folded where a line is full: Japanese has no spaces to wrap at, and was cut with '…' instead
        table.add_column("what", ratio=1, overflow="fold")
        for b in bindings:
            table.add_row(keys_shown(b, keymap or {}), Text(translated(b.tooltip) or translated(b.description)))
        tables.append(table)
        tables.append(Text(""))
    return Group(*tables)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("escape,q,f1,question_mark", "close", N_("Close"), id="help.close"),
        # The app's own f4 does not reach past a modal screen; the help says "f4 switches", so it does here too.
        Binding("f4", "app.language", N_("Language"), id="help.language", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = self._title()
            yield Static(self._intro(), id="help-intro")
            yield Static(help_table(self._user_keys()), id="help-keys")
            yield Static(self._language_line(), id="help-language")
            yield Static(self._paid_line(), id="help-paid")
            yield Static(self._server_line(), id="help-server")

    def language_changed(self) -> None:
        """The language was switched while the help is open (SoraApp.relabel): everything again, in the new one.
        Updated in place, not recomposed: the place scrolled to stays."""
        self.query_one("#help-box").border_title = self._title()
        self.query_one("#help-intro", Static).update(self._intro())
        self.query_one("#help-keys", Static).update(help_table(self._user_keys()))
        self.query_one("#help-language", Static).update(self._language_line())
        self.query_one("#help-paid", Static).update(self._paid_line())
        self.query_one("#help-server", Static).update(self._server_line())

    def _user_keys(self) -> Mapping[str, str]:
        return getattr(self.app, "keymap", None) or {}

    def _key(self, binding_id: str) -> str:
        """The first key the binding with this id is on now (the user's keymap may have moved it)."""
        binding = next(b for _where, bindings in key_groups() for b in bindings if b.id == binding_id)
        return key_now(binding, self._user_keys())

    def _title(self) -> str:
        key = self._key("app.help")
        return _("Keys · {key} or esc to close").format(key=key_capitalised(key))

    def _intro(self) -> Text:
        keys = {name: escape(self._key(binding_id)) for name, binding_id in (
            ("generate", "app.generate"), ("jobs", "app.jobs"), ("history", "app.history"))}
        return Text.from_markup(_(
            "Write a prompt, [b]{generate}[/] to generate. Jobs appear in the table below; "
            "[b]{jobs}[/] moves there, then the keys below act on the selected job. "
            "[b]{history}[/] opens the history. Every command is also in the palette ([b]{palette}[/]).").format(
            palette=escape(self.app.COMMAND_PALETTE_BINDING), **keys))

    def _language_line(self) -> Text:
        """Which language, and how to change it: f4 here (or the key the keymap put it on), unless SORA_TUI_LANG
        decides."""
        from ...core import i18n

        line = Text(_("Language: "), style="bold")
        line.append(i18n.LANGUAGES[i18n.language()])
        key = bound_key(self, "help.language", HelpScreen)
        if i18n.forced():
            line.append("  " + (_("(set by SORA_TUI_LANG; unset it to choose with {key})").format(key=key) if key
                                else _("(set by SORA_TUI_LANG)")), style="dim")
        elif key:
            line.append("  " + _("({key} switches; remembered next time)").format(key=key), style="dim")
        return line

    def _paid_line(self) -> Text:
        """Whether paid sends ask first (a second key on a priced profile), and how to change it."""
        from ..paid import CONFIRM_ENV, confirm_env

        line = Text(_("Paid sends: "), style="bold")
        if getattr(self.app, "confirm_paid", True):
            line.append(_("ask first on a priced profile (the same key again or enter sends, esc cancels)"))
        else:
            line.append(_("sent on their first key"))
        if confirm_env() is not None:
            line.append("  " + _("(set by {variable}; unset it to choose in the palette)").format(
                variable=CONFIRM_ENV), style="dim")
        else:
            line.append("  " + _("(ctrl+p, \"settings: Paid sends\"; remembered next time)"), style="dim")
        return line

    def _server_line(self) -> Text:
        session = getattr(self.app, "session", None)
        if session is None or not session.base_url:
            return Text(_("Not connected yet."), style="dim")
        line = Text(_("Server: "), style="bold")
        line.append(f"{session.profile.name} · {session.base_url}")
        if session.profile.is_local:
            line.append("  " + _("(the built-in local engine: procedural renders, not AI)"), style="dim")
        return line

    def action_close(self) -> None:
        self.dismiss(None)
