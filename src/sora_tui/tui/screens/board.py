"""BoardScreen: one storyboard — its shots as a table, the timeline under it — edited, generated shot by shot or
as a whole run, its takes chosen, and the film assembled, previewed and opened.

The run is the CLI's (`sora-tui board run`), driven by events instead of a loop that blocks: `G` sends what can
go now, and each time a job of this board changes the run steps again (service.advance, with a person choosing
among several takes: a shot with one usable take is chosen by itself). Where the run stands is read from the
history each time, never kept beside it, so nothing is sent twice. Every read, send and assembly runs in a worker;
a failure is said on the screen in words. The board is saved after every change. The editing keys are
board_edit.py's, the sending and choosing keys board_send.py's; the film and the file board_film.py's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ...core.board import Board, BoardError, timeline
from ...core.board_run import finished, stuck
from ...core.i18n import N_, _, ngettext
from ..keymap import screen_keys
from ..messages import JobChanged, JobsChanged
from ..widgets.key_bar import KeyBar
from ..widgets.title_bar import TitleBar
from .board_edit import ShotEditing
from .board_pick import board_progress, save_board
from .board_send import ShotSending
from .board_view import COLUMNS, header_line, prompt_cells, shot_rows
from .shown import StyledOnce

if TYPE_CHECKING:
    from ...core.board_run import ShotProgress
    from ...session import Session

class BoardScreen(ShotEditing, ShotSending, StyledOnce):
    """One storyboard. Its run goes on while the screen is open; the history keeps everything it needs."""

    BINDINGS = [
        # In the key bar's order: what a board is made with first; the rest is in the help and the palette.
        Binding("e,enter", "edit", N_("Edit"), tooltip=N_("Edit the selected shot: prompt, join, seconds, takes"),
                id="board.edit"),
        Binding("a", "add", N_("Add"), tooltip=N_("Add a shot after the selected one"), id="board.add"),
        Binding("g", "generate", N_("Generate"), tooltip=N_("Generate the selected shot"), id="board.generate"),
        Binding("G", "generate_all", N_("Generate all"),
                tooltip=N_("Generate every shot not generated yet; a continued shot waits for the take chosen "
                           "before it"), id="board.generate_all"),
        Binding("c", "choose", N_("Choose"), tooltip=N_("Choose the take of the selected shot (compare several)"),
                id="board.choose"),
        Binding("f", "film", N_("Film"), tooltip=N_("Assemble the chosen takes into the film"), id="board.film"),
        Binding("escape", "close", N_("Back"), tooltip=N_("Back to the storyboards"), id="board.close"),
        Binding("t", "takes", N_("More takes"), tooltip=N_("Generate more takes of the selected shot"),
                id="board.takes", show=False),
        Binding("d", "duplicate", N_("Duplicate"), tooltip=N_("Copy the selected shot after it"),
                id="board.duplicate", show=False),
        Binding("delete,x", "delete", N_("Delete"), tooltip=N_("Delete the selected shot (asks first)"),
                id="board.delete", show=False),
        Binding("shift+up", "move(-1)", N_("Move up"), tooltip=N_("Move the selected shot one place up"),
                id="board.up", show=False),
        Binding("shift+down", "move(1)", N_("Move down"), tooltip=N_("Move the selected shot one place down"),
                id="board.down", show=False),
        Binding("p", "preview", N_("Preview"), tooltip=N_("Play the film in a flipbook"), id="board.preview",
                show=False),
        Binding("o", "open", N_("Open"), tooltip=N_("Open the film in the system player"), id="board.open",
                show=False),
        Binding("s", "export", N_("Export"), tooltip=N_("Write the board to a TOML file"), id="board.export",
                show=False),
    ]

    def __init__(self, board: Board, *, first_shot: bool = False) -> None:
        super().__init__()
        self.board = board
        self.shots: list[ShotProgress] = []
        self.running = False  # G was pressed: the run steps on as this board's jobs change
        self._run_kept = False  # what the history holds of the run (running or not)
        self.film: Path | None = None  # the film assembled (or found where it is written)
        self._first_shot = first_shot  # a new board: the editor opens on its first shot
        self._stepping = False
        self._step_wanted: bool | None = None  # a step asked for while one runs (True: with the run's advance)
        self._sending: set[str] = set()  # shots whose send is under way: one press, one send
        self._asked: tuple[str, float, Callable[[], Any]] | None = None  # a paid question: (action, when, send)
        self.loaded = False

    # --- what is shown ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="board-head")
        yield DataTable(id="board-shots", cursor_type="row", zebra_stripes=True)
        yield Static(id="board-timeline")
        yield Static(id="board-status")
        yield KeyBar()

    @property
    def session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined,no-any-return]

    def on_mount(self) -> None:
        self.title = _("Storyboard")
        self.query_one(DataTable).focus()
        self.film = self._film_path() if self._film_path().is_file() else None
        self._show()
        self.step()

    def on_resize(self) -> None:
        self._show()

    def language_changed(self) -> None:
        """The title, the header, the columns and the states in the new language (the app's relabel)."""
        self.title = _("Storyboard")
        self._show()

    def _show(self) -> None:
        """The header, the table and the timeline, from the board and its progress as last read."""
        board = self.board
        width = max(20, self.size.width or self.app.size.width)
        height = self.size.height or self.app.size.height
        self.query_one("#board-head", Static).update(
            Text(header_line(board, self.shots, self.session.profile, width - 2), style="bold"), layout=False)
        table = self.query_one("#board-shots", DataTable)
        # as tall as its rows, the timeline right under them; on a short screen it scrolls
        table.styles.max_height = max(3, height - 8)
        titles = [_(title) for _key, title in COLUMNS]
        rows = shot_rows(board, self.shots, 1000)
        rows = shot_rows(board, self.shots, prompt_cells(width, rows, titles))
        row = table.cursor_row
        table.clear(columns=True)
        for (key, _title), title in zip(COLUMNS, titles, strict=True):
            table.add_column(title, key=key)
        for shot, cells in zip(board.shots, rows, strict=True):
            table.add_row(*cells, key=shot.shot_id)
        if board.shots:
            table.move_cursor(row=max(0, min(row, len(board.shots) - 1)), animate=False)
        self.query_one("#board-timeline", Static).update(Text(timeline(board, width - 2)), layout=False)

    def say(self, message: str, severity: str = "information") -> None:
        """A line under the timeline: what was done, or why it could not be (never a traceback)."""
        style = {"error": "bold red", "warning": "bold yellow"}.get(severity, "")
        self.query_one("#board-status", Static).update(Text(message, style=style))

    @property
    def selected(self) -> int | None:
        """The selected shot's index, or None on an empty board."""
        if not self.board.shots:
            return None
        return max(0, min(self.query_one("#board-shots", DataTable).cursor_row, len(self.board.shots) - 1))

    def _progress_of(self, index: int) -> ShotProgress | None:
        if index < len(self.shots) and self.shots[index].shot.shot_id == self.board.shots[index].shot_id:
            return self.shots[index]
        return None

    # --- the history -----------------------------------------------------------------------------------------
    def _work(self, job: Coroutine[Any, Any, None], group: str, description: str) -> None:
        self.run_worker(self._said(job), group=group, exit_on_error=False, description=description)

    async def _said(self, job: Coroutine[Any, Any, None]) -> None:
        """A worker whose expected failures are said on the screen, in words."""
        from ...service.errors import BudgetRefused, ServiceError
        from ...service.film import FilmError
        from ...service.servers import BackendError, HistoryError

        try:
            await job
        except BoardError as exc:
            self.say(exc.message, "warning")
        except BudgetRefused as exc:
            self.say(exc.message, "warning")
            self.running = False
        except (ServiceError, FilmError) as exc:
            self.say(exc.message, "error")
        except BackendError as exc:
            self.say(exc.user_message(), "error")
        except HistoryError as exc:
            self.say(str(exc), "error")
            self.running = False

    def step(self, again: bool = False) -> None:
        """Read where the board stands again (and, during a run, send what can go now; `again`: the failed shots
        too, as a person asked). One step at a time: one asked for meanwhile runs after it."""
        if self._stepping:
            self._step_wanted = bool(self._step_wanted) or again
            return
        self._stepping = True
        self._work(self._step(again), "board-step", N_("read the storyboard"))

    async def _step(self, again: bool) -> None:
        try:
            while True:
                self._step_wanted = None
                session = self.session
                if session.service is not None:
                    if not self.loaded:
                        await self._take_up_run()
                    await self._advance(again)
                    await self._keep_run_state()
                else:
                    self.shots = await asyncio.to_thread(board_progress, session, self.board)
                self.loaded = True
                self._show()
                if not self.board.shots and not self._first_shot:
                    self.say(_("No shots yet: {add} adds one.").format(add=screen_keys(self, "board")["add"]))
                if self._step_wanted is None:
                    break
                again = self._step_wanted
        finally:
            self._stepping = False
            if self._first_shot:
                self._first_shot = False
                self.action_add()

    async def _take_up_run(self) -> None:
        """A run G started (here or in an earlier session, or `board run` left) goes on when the board is opened."""
        doc = await asyncio.to_thread(self.session.history.board, self.board.board_id)
        if doc is not None and isinstance(doc.get("run"), dict) and doc["run"].get("state") == "running":
            self.running = self._run_kept = True

    async def _keep_run_state(self) -> None:
        """The run's state kept with the board, so that a run quit or killed in the middle is taken up: by this
        screen when the board is opened again, or by `sora-tui resume` (which asks on a terminal which take goes
        on, as the person here chooses)."""
        if self.running == self._run_kept:
            return
        state = "running" if self.running else "done" if finished(self.shots) else "stopped"
        await save_board(self.session, self.board, self.app,
                         run={"state": state, "pick": "ask", "takes_dir": None, "film": str(self._film_path())})
        self._run_kept = self.running

    async def _advance(self, again: bool) -> None:
        """One step of the run, under the board's run lock (a `sora-tui board run` of it elsewhere is refused).
        Outside a run nothing is sent (a limit of none), but a shot whose one take is done is chosen all the same,
        as the run would; while another process runs the board, where it stands is only read."""
        from ...service.servers import BoardBusy

        session = self.session
        service = session.service
        assert service is not None
        started = self.board
        run = self.running
        try:
            with session.history.board_run_lock(started.board_id, started.title):
                step = await service.advance(started, pick_first=False, again=again,
                                             limit=max(1, int(session.profile.max_concurrency)) if run else 0)
        except BoardBusy:
            if run:
                raise
            self.shots = await asyncio.to_thread(board_progress, session, started)
            return
        if self.board is not started:  # changed meanwhile (a take chosen, a shot edited): that change stands
            self._step_wanted = bool(self._step_wanted)
            return
        self.board, self.shots = step.board, step.shots
        for job in step.sent:
            self.app.post_message(JobChanged(job))
        if not run:
            return
        keys = screen_keys(self, "board")
        if finished(self.shots):
            self.running = False
            self.say(_("Every shot has its chosen take: {film} assembles the film.").format(film=keys["film"]))
        elif not any(p.busy for p in self.shots):
            ready = [p for p in self.shots if p.state == "ready"]
            blocked = stuck(self.shots)
            if ready:
                p = ready[0]
                self.say(_("Shot {n} has {count} takes ready: {choose} chooses one, and the run goes on.").format(
                    n=p.number, count=len(p.usable), choose=keys["choose"]))
            elif blocked:
                self.running = False
                self.say(_("Shot {n} failed: {generate} sends it again.").format(n=blocked[0].number,
                                                                                 generate=keys["generate"]), "warning")
        elif step.sent:
            self.say(ngettext("Sent {n} take.", "Sent {n} takes.", len(step.sent)).format(n=len(step.sent)))

    def on_jobs_changed(self, event: JobsChanged) -> None:
        if any(job.extra.get("board_id") == self.board.board_id for job in event.jobs):
            self.step()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.step()

    async def _save(self, board: Board, note: str = "") -> None:
        """Keep `board` (already the screen's: a step meanwhile sees it) in the history."""
        await save_board(self.session, board, self.app)
        if self.board is not board:
            return
        self.shots = await asyncio.to_thread(board_progress, self.session, self.board)
        self._show()
        if note:
            self.say(note)

    @on(DataTable.RowSelected, "#board-shots")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self._asked is not None:  # escape answers the question: not sent
            event.stop()
            event.prevent_default()
            self._asked = None
            self.say(_("Not sent."))

    def _film_path(self) -> Path:
        from ...session import default_download_dir
        from .board_view import film_name

        session = self.session
        folder = session.service.download_dir if session.service is not None else default_download_dir(
            session.paths, session.profile)
        return Path(folder) / film_name(self.board.title)

    def action_film(self) -> None:
        self._drop_question()
        from .board_film import assemble_film

        self.say(_("Assembling the film…"))
        self._work(assemble_film(self), "board-film", N_("assemble the film"))

    def action_preview(self) -> None:
        self._drop_question()
        film = self._film_or_say()
        if film is not None:
            from .board_dialogs import FilmScreen

            self.app.push_screen(FilmScreen(film, self.board.size))

    def action_open(self) -> None:
        self._drop_question()
        film = self._film_or_say()
        if film is not None:
            from ..desktop import open_in_player

            self.say(open_in_player(film))

    def _film_or_say(self) -> Path | None:
        film = self.film or self._film_path()
        if not film.is_file():
            self.say(_("No film yet: {film} assembles it.").format(film=screen_keys(self, "board")["film"]),
                     "warning")
            return None
        return film

    def action_export(self, value: str = "", error: str = "") -> None:
        self._drop_question()
        from .board_dialogs import AskScreen
        from .board_film import export_board

        def given(path: str | None) -> None:
            if path is not None:
                self._work(export_board(self, path), "board-export", N_("export the storyboard"))

        default = value or str(Path.cwd() / self._film_path().with_suffix(".toml").name)
        self.app.push_screen(AskScreen(_("Export the storyboard"), _("The TOML file to write (replaced whole)."),
                                       default, error=error), given)

    def action_close(self) -> None:
        self.dismiss(None)

