"""HelpScreen (F1): every key, grouped by where it works, built from the bindings themselves so it cannot drift."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..css import SCREENS_CSS


def key_label(key: str) -> str:
    return " / ".join(k.strip() for k in key.split(","))


def key_groups() -> list[tuple[str, list[Binding]]]:
    """(where, bindings) for every place keys work; the README's key table is checked against this."""
    from ..app import SoraApp
    from ..widgets.composer import PromptComposer
    from ..widgets.job_list import JobList
    from .detail import JobDetailScreen
    from .history import HistoryScreen
    from .main import MainScreen

    def described(bindings: list) -> list[Binding]:
        return [b for b in bindings if isinstance(b, Binding) and b.description]

    return [
        ("anywhere", described(SoraApp.BINDINGS) + described(MainScreen.BINDINGS)),
        ("composer", described(PromptComposer.BINDINGS)),
        ("job table and history results", described(JobList.BINDINGS)),
        ("history", described(HistoryScreen.BINDINGS)),
        ("details", described(JobDetailScreen.BINDINGS)),
    ]


def help_table() -> Group:
    """One small table per place, keys on the left (narrow), what they do on the right."""
    tables = []
    for where, bindings in key_groups():
        table = Table(box=None, show_header=False, pad_edge=False, expand=True, title=where.capitalize(),
                      title_justify="left", title_style="bold underline")
        table.add_column("key", style="bold", no_wrap=True, min_width=14)
        table.add_column("what", ratio=1)
        for b in bindings:
            table.add_row(key_label(b.key_display or b.key), Text(b.tooltip or b.description))
        tables.append(table)
        tables.append(Text(""))
    return Group(*tables)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [Binding("escape,q,f1", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys · F1 or esc to close"
            yield Static(Text.from_markup(
                "Write a prompt, [b]ctrl+g[/] to generate. Jobs appear in the table below; "
                "[b]ctrl+j[/] moves there, then the keys below act on the selected job. "
                "[b]ctrl+o[/] opens the history. Every command is also in the palette ([b]ctrl+p[/])."),
                id="help-intro")
            yield Static(help_table(), id="help-keys")
            yield Static(self._server_line(), id="help-server")

    def _server_line(self) -> Text:
        session = getattr(self.app, "session", None)
        if session is None or not session.base_url:
            return Text("Not connected yet.", style="dim")
        line = Text("Server: ", style="bold")
        line.append(f"{session.profile.name} · {session.base_url}")
        if session.profile.is_local:
            line.append("  (the built-in local engine: procedural renders, not AI)", style="dim")
        return line

    def action_close(self) -> None:
        self.dismiss(None)
