"""BoardsScreen: the storyboards kept in the history, to open one, start a new one or import a TOML file.

The boards and where each stands are read from the history in a thread; a board opened is BoardScreen's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ...core.board import Board, BoardError
from ...core.board_toml import board_from_doc
from ...core.i18n import N_, _
from ..keymap import screen_keys
from ..messages import SessionSettled
from ..widgets.key_bar import KeyBar
from ..widgets.title_bar import TitleBar
from .board_dialogs import AskScreen
from .board_view import BOARD_COLUMNS, board_row
from .shown import StyledOnce

if TYPE_CHECKING:
    from ...session import Session

TITLE_CELLS = 48  # a board's title in the list, at most


def board_progress(session: Session, board: Board) -> list[Any]:
    """Where each shot of `board` stands, from the history: through the service when connected, else from the
    history's view alone (a board is browsed offline too). Reads the history: off the event loop."""
    if session.service is not None:
        return session.service.board_progress(board)
    from ...core.board_run import progress
    from ...service.servers import HistoryError

    history = session.history

    def find(ref: str) -> Any:
        try:
            return history.resolve(ref)
        except (LookupError, HistoryError):
            return None

    return progress(board, history.board_jobs(board.board_id), find)


WAIT_FOR_SERVER = 60.0  # seconds a change waits for a session still connecting before it is said to be unsaved


async def save_board(session: Session, board: Board, app: Any = None, **run: Any) -> Board:
    """Keep `board` in the history, through the service. A change made while the session is still connecting
    (the local engine starting) is saved once it is; one made with no server is said not to be saved."""
    from ...service.errors import ServiceError

    waited = 0.0
    while session.service is None and app is not None and getattr(app, "connecting", False) \
            and waited < WAIT_FOR_SERVER:
        await asyncio.sleep(0.1)
        waited += 0.1
    if session.service is None:
        from ..keymap import bound_key

        key = bound_key(app, "app.profiles") if app is not None else "f3"
        raise ServiceError(_("Not saved: the server is not connected ({reason}). The board stays as it is here; "
                             "{key} checks the servers.").format(reason=getattr(app, "offline_reason", None) or "-",
                                                                  key=key))
    return await session.service.save_board(board, **run)


class BoardsScreen(StyledOnce):
    """The storyboards in the history: enter opens one, n starts a new one, i imports a TOML file."""

    BINDINGS = [
        Binding("enter", "open", N_("Open"), tooltip=N_("Open the selected storyboard"), id="boards.open"),
        Binding("n", "new", N_("New"), tooltip=N_("A new storyboard: its title, then its first shot"),
                id="boards.new"),
        Binding("i", "import", N_("Import"), tooltip=N_("Read a storyboard from a TOML file"), id="boards.import"),
        Binding("escape,q", "close", N_("Back"), tooltip=N_("Back to the composer and live jobs"), id="boards.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.boards: list[tuple[Board, dict[str, Any]]] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="boards-note")
        yield DataTable(id="boards-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    @property
    def session(self) -> Session | None:
        return getattr(self.app, "session", None)

    def on_mount(self) -> None:
        self.title = _("Storyboards")
        self.query_one("#boards-table", DataTable).display = False
        self.load()

    def load(self) -> None:
        self.run_worker(self._load(), group="boards-load", exclusive=True, exit_on_error=False,
                        description=N_("read the storyboards"))

    async def _load(self) -> None:
        session = self.session
        note = self.query_one("#boards-note", Static)
        if session is None:
            note.update(Text(_("Opening the history… (the storyboards appear here as soon as it is read)"),
                             style="dim"))
            return

        def read() -> list[tuple[Board, dict[str, Any], list[Any]]]:
            found = []
            for doc in session.history.boards():
                board = board_from_doc(doc)
                found.append((board, doc, board_progress(session, board)))
            return found

        found = await asyncio.to_thread(read)
        self.boards = [(board, doc) for board, doc, _shots in found]
        self.loaded = True
        table = self.query_one("#boards-table", DataTable)
        table.clear(columns=True)
        keys = screen_keys(self, "boards")
        if not found:
            note.update(Text(_("No storyboards yet. {new}: a new board · {load}: import a TOML file (a start: "
                               "docs/storyboard-sample.toml)").format(new=keys["new"], load=keys["import"])))
            table.display = False
            return
        note.update(Text(_("{open}: open · {new}: a new board · {load}: import a TOML file").format(
            open=keys["open"], new=keys["new"], load=keys["import"]), style="dim"))
        for key, title in BOARD_COLUMNS:
            table.add_column(_(title), key=key)
        for board, _doc, shots in found:
            table.add_row(*board_row(board, shots, TITLE_CELLS), key=board.board_id)
        table.display = True
        table.focus()

    def language_changed(self) -> None:
        self.title = _("Storyboards")
        self.load()

    def on_session_settled(self, event: SessionSettled) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        if self.loaded:  # back from a board: its shots and choices may have changed
            self.load()

    # --- keys ---------------------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#boards-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one("#boards-table", DataTable)
        if not self.boards or not table.display:
            return
        row = table.cursor_row
        if 0 <= row < len(self.boards):
            self.open_board(self.boards[row][0])

    def open_board(self, board: Board, *, first_shot: bool = False) -> None:
        from .board import BoardScreen

        self.app.push_screen(BoardScreen(board, first_shot=first_shot))

    def action_new(self) -> None:
        if not self._history_open():
            return

        def made(title: str | None) -> None:
            if title is None:
                return
            self.run_worker(self._new(title.strip()), group="boards-new", exit_on_error=False,
                            description=N_("save the storyboard"))

        self.app.push_screen(AskScreen(_("New storyboard"), _("Its title (the film is named after it)."),
                                       check=_titled), made)

    async def _new(self, title: str) -> None:
        session = self.session
        assert session is not None
        profile = session.profile
        model = profile.default_model if profile.default_model in profile.models else next(iter(profile.models), "")
        sizes = profile.models[model].sizes if model in profile.models else ()
        board = Board(title=title, model=model or Board().model,
                      size=Board().size if not sizes or Board().size in sizes else sizes[0])
        board = await save_board(session, board, self.app)
        self.open_board(board, first_shot=True)

    def action_import(self, value: str = "", error: str = "") -> None:
        if not self._history_open():
            return

        def given(path: str | None) -> None:
            if path is not None:
                self.run_worker(self._import(path), group="boards-import", exit_on_error=False,
                                description=N_("import the storyboard"))

        self.app.push_screen(AskScreen(_("Import a storyboard"), _("The path of a TOML file (docs/storyboard-sample."
                                                                   "toml is a start)."), value, error=error), given)

    async def _import(self, typed: str) -> None:
        session = self.session
        assert session is not None
        path = Path(typed.strip()).expanduser()
        from ...service.storyboards import read_board_file  # the service's modules load with the history

        try:
            board = await asyncio.to_thread(read_board_file, path, session.profile.models)
        except BoardError as exc:
            self.action_import(typed, exc.message)  # asked again, the path as typed, the mistake under it
            return
        source = str(path.resolve())
        if session.service is not None:  # the ids and choices the history knows of the same file
            board = await asyncio.to_thread(session.service.merged, board, source)
        board = await save_board(session, board, self.app, source=source)
        self.notify(_("Imported {title} ({path}).").format(title=board.title or board.board_id, path=path),
                    markup=False)
        self.open_board(board)

    def _history_open(self) -> bool:
        if self.session is None:
            from ..base import workbench

            workbench(self).connected_or_say()
            return False
        return True

    def action_close(self) -> None:
        self.dismiss(None)


def _titled(value: str) -> str | None:
    if not value.strip():
        return _("Give the board a title.")
    if any(ch in value for ch in "\n\r\t") or any(ord(ch) < 32 for ch in value):
        return _("The title contains a control character or a line break; remove it.")
    return None
