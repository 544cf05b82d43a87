"""SoraApp: the Textual application. Thin: owns the screen and the views, and puts together the rooms it is made of
(the session and its server: connection.py; the service's events: service_events.py; the job actions, paid questions,
server actions and spending)."""

from __future__ import annotations

import gc

from ..runtime import full_pass_if_due, pause_gc, responsive_gc, responsive_threads, resume_gc

# No collections while the UI's modules load: importing Textual and the workbench allocates a few hundred thousand
# objects that all live as long as the process, and the default collector walked them again and again on the way
# (~8% of the import). Resumed, and what was loaded frozen out of later full passes, once the imports are done.
_paused_for_imports = pause_gc()

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from ..core import i18n
from ..core.i18n import N_, _
from ..core.text import one_line
from .actions import JobActions
from .connection import SessionConnection
from .css import APP_CSS, styles_dir  # noqa: F401  (styles_dir: where tests and tools look for it)
from .screens.main import MainScreen
from .server_actions import ServerActions
from .service_events import ServiceEvents
from .spending import SpendingActions
from .textual_fence import install_fixes

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from ..config.keymap import KeymapProblem
    from ..core.job import Job
    from ..session import Session

if _paused_for_imports:
    resume_gc()

_runtime_settled = False


def _settle_the_runtime() -> None:
    """Once a process, as its first app is made: the GIL handed back to the event loop within 1 ms
    (runtime.responsive_threads), young collections every 10,000 allocations (runtime.responsive_gc), and what is
    loaded by then (modules, classes: it lives as long as the process) frozen out of the full passes. Building the
    workbench allocates enough that the default collector ran 128 collections before the first frame, one of them a
    full pass over everything imported (29 ms): 55-59 ms of the cold start, against 18 ms for a minimal app. And
    four patches to Textual (textual_fence/fixes.py): the next frame on time, caches that leave no cycles behind."""
    global _runtime_settled
    if _runtime_settled:
        return
    _runtime_settled = True
    responsive_threads()
    responsive_gc()
    install_fixes()
    gc.freeze()


THEMES = ("textual-dark", "textual-light")
QUIET_FOR = 0.5  # seconds without a key, click or paste before a full collection may run


class SoraApp(JobActions, ServerActions, SpendingActions, SessionConnection, ServiceEvents):
    """The controller: its rooms (each a WorkbenchBase, tui/base.py) put together, and the views."""

    TITLE = "sora-tui"
    CSS_PATH = APP_CSS
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), tooltip=N_("Quit; jobs keep running on the server and are picked up next "
                                                           "time"), id="app.quit", priority=True),
        # `?` as in lazygit, k9s and less; where it is typed (the prompt, a search box) the field takes it first.
        Binding("f1,question_mark", "help", N_("Help"), tooltip=N_("Every key, grouped by where it works"),
                id="app.help"),
        Binding("ctrl+o", "history", N_("History"), tooltip=N_("Search, filter and browse every job ever made"),
                id="app.history"),
        # f6 beside ctrl+b: ctrl+b is tmux's prefix, and most terminal users live in tmux. A priority binding, so
        # that the prompt (whose text area selects a line on f6) lets it through; not over a dialog (check_action).
        # Not in the key bar, which is full at 80 columns: the help, the palette and the README name it.
        Binding("ctrl+b,f6", "boards", N_("Storyboards"), tooltip=N_("Storyboards: shots generated one by one and "
                                                                     "joined into one film"), id="app.boards",
                priority=True, show=False),
        Binding("ctrl+t", "toggle_theme", N_("Theme"), tooltip=N_("Switch between the dark and the light theme"),
                id="app.theme", show=False),
        Binding("f3", "profiles", N_("Profiles"), tooltip=N_("Servers: check them, switch, add one (key typed once, "
                                                             "masked)"), id="app.profiles", show=False),
        Binding("f4", "language", N_("Language"), tooltip=N_("Switch the interface's language; remembered next time"),
                id="app.language", show=False),
        # Not shown in the key bar: in the prompt "$" is typed, and a click on it there would type it too.
        Binding("dollar_sign", "spending", N_("Spending"),
                tooltip=N_("What was spent: this session, today, this month, by profile and model, and the budgets "
                           "($ outside the prompt)"), key_display="$", id="app.spending", show=False),
    ]

    def __init__(self, profile: str | None = None, base_url: str | None = None) -> None:
        _settle_the_runtime()
        super().__init__()
        self.profile_name = profile
        self.base_url = base_url
        self._given_base_url = base_url  # --base-url: the `custom` profile stays one to switch back to
        self.session: Session | None = None
        self.crash_report: Path | None = None
        self.crash_summary: str | None = None
        self.started_at = time.time()  # the session the spend line counts
        self._pending_jobs: dict[str, Job] = {}  # jobs changed by the service, shown together on the next turn
        # The session is being opened (the composer then holds a generate until it is): from the start, since
        # the first frame opens one at once, so a key pressed before that is held too.
        self.connecting = True
        self.offline_reason: str | None = None  # why the last session did not reach its server
        self._unsubscribe: Any = None
        # What the server offers (backend.capabilities.OPERATIONS -> True/False/None), found out after connecting
        # and corrected whenever an operation answers "unsupported".
        self.capabilities: dict[str, bool | None] = {}
        # What the status line's dot says of the server: "checking", "reachable", "unreachable" or "key_refused".
        # Green only once the server has answered: opening a session sends nothing, so it proves nothing.
        self.server_state = "checking"
        self._retry_at: float | None = None  # unreachable: when it is asked again (time.monotonic())
        self._unreachable = ""  # unreachable: in a few words, how
        self._connection_line: Text | None = None  # the line last shown about the server (others may replace it)
        self._tracker_state: str | None = None  # the tracker's own finding, as last looked at
        self._lacks_said: Any = None  # the session whose missing operations were already said
        self._preferences: dict[str, Any] = {}  # ui.json, read once before the first screen
        # The user's keymap as applied (binding id -> keys), and what was wrong with the config file's [keymap]:
        # read before the first frame (on_load), shown once it is drawn and said on stderr when the app ends.
        self.keymap: dict[str, str] = {}
        self.keymap_problems: tuple[KeymapProblem, ...] = ()
        # The sub-title as a message and its fields, so a language switched at run time says it again in the new one.
        self._sub_title_said: tuple[str, dict[str, str]] = (N_("connecting…"), {})
        self._input_at = 0.0  # the last key, click or paste (time.monotonic()): full collections wait for a pause

    def get_default_screen(self) -> MainScreen:
        """The workbench is the app's first screen itself, not pushed over an empty one: that blank screen was
        composed, styled and drawn first, then replaced (~50 ms of the cold start)."""
        self._main = MainScreen()
        return self._main

    def on_mount(self) -> None:
        theme = self._preferences.get("theme")
        self.theme = theme if theme in THEMES else THEMES[0]
        self._say_sub_title(N_("connecting…"))
        self.set_interval(1.0, self._tick, name="clock columns")
        # half a second after the clock's tick, so a full collection never adds to that tick's frame
        self.set_timer(0.5, lambda: self.set_interval(1.0, self._collect_when_quiet, name="full collections"))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self._input_at = time.monotonic()
        await super().on_event(event)

    def _collect_when_quiet(self) -> None:
        """The garbage collector's full pass, when one is due and no key, click or paste came in the last QUIET_FOR
        seconds (runtime.full_pass_if_due): 30-45 ms with 1,000 live jobs, which on a keystroke held its answer."""
        full_pass_if_due(quiet=time.monotonic() - self._input_at >= QUIET_FOR)

    def _say_sub_title(self, message: str, **fields: str) -> None:
        """The title bar's sub-title: `message` (marked with N_) in the interface's language, with its fields."""
        self._sub_title_said = (message, fields)
        self.sub_title = _(message).format(**fields)

    def _tick(self) -> None:
        if self._quitting():  # the interval still fires while the app closes its screens
            return
        self.main.tick()
        self._follow_the_server()
        self.spending_tick(time.time())

    # --- views ---------------------------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_history(self) -> None:
        from .screens.history import HistoryScreen

        if any(isinstance(s, HistoryScreen) for s in self.screen_stack):
            return
        # The young objects collected now, between two frames, rather than in the middle of the browser's first ones:
        # building it allocates enough to set off a collection of the middle generation, and that one walked the
        # workbench's recent objects too (15-25 ms on top of a 30 ms frame, bench/keys.py). The screen is built on
        # the loop's next turn, so that whatever waits (a key, a timer) goes between the two.
        gc.collect(1)
        self.call_later(self._open_history)

    def _open_history(self) -> None:
        from .screens.history import HistoryScreen

        if not any(isinstance(s, HistoryScreen) for s in self.screen_stack):  # ctrl+o twice in one turn
            self.push_screen(HistoryScreen())

    def action_boards(self) -> None:
        from .screens.board import BoardScreen
        from .screens.board_pick import BoardsScreen

        if not any(isinstance(s, (BoardsScreen, BoardScreen)) for s in self.screen_stack):
            self.push_screen(BoardsScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "boards":  # a priority key: a dialog (and the text typed in it) keeps it
            from textual.screen import ModalScreen

            return not isinstance(self.screen, ModalScreen)
        return super().check_action(action, parameters)

    def action_toggle_theme(self) -> None:
        from . import preferences

        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]
        self.run_worker(lambda: preferences.save(theme=self.theme), thread=True, exit_on_error=False,
                        group="preferences", description=N_("save the theme"))

    def action_language(self) -> None:
        """The next language (English, 日本語, …), at once and remembered; unless SORA_TUI_LANG decides it."""
        import os

        from . import preferences

        if i18n.forced():
            self.notify(_("SORA_TUI_LANG={value} sets the language; unset it to choose the language here.").format(
                value=os.environ.get("SORA_TUI_LANG", "")), severity="warning", markup=False, timeout=8)
            return
        codes = list(i18n.LANGUAGES)
        code = i18n.set_language(codes[(codes.index(i18n.language()) + 1) % len(codes)])
        self.run_worker(lambda: preferences.save(language=code), thread=True, exit_on_error=False,
                        group="preferences", description=N_("save the language"))
        self.relabel()
        # The workbench, the history and the help say everything again; a dialog open under the palette keeps what
        # it was composed with until it is opened again, and the toast says so only then.
        from textual.screen import Screen

        kept = [s for s in self.screen_stack
                if s is not self.main and type(s) is not Screen and not callable(getattr(s, "language_changed", None))]
        if kept:
            self.notify(_("The interface is now in {name}. This dialog changes when it is next opened.")
                        .format(name=i18n.LANGUAGES[code]), markup=False, timeout=8)
        else:
            self.notify(_("The interface is now in {name}.").format(name=i18n.LANGUAGES[code]), markup=False)

    def relabel(self) -> None:
        """Say again in the interface's language what is on screen, losing nothing typed or selected: the title,
        the status line, every key bar, and each screen or widget that has a `language_changed()` hook (it puts its
        own labels again: border titles, placeholders, column titles). Nothing is recomposed: a recomposed composer
        or job table would lose the prompt, the selection and the rows."""
        message, fields = self._sub_title_said
        self.sub_title = _(message).format(**fields)
        if self._connection_line is not None and not self._quitting():
            status = self.main.query_one("#status-line", Static)
            if status.content is self._connection_line:  # not over a newer line (a download saved)
                self._show_connection()
        for screen in self.screen_stack:
            for node in (screen, *screen.walk_children()):
                hook = getattr(node, "language_changed", None)
                if callable(hook):
                    hook()
                node.refresh()  # what is translated as it is drawn (tables of keys, titles) is drawn again
            screen.refresh_bindings()  # the key bars read their keys again

    def reuse_in_composer(self, job: Job) -> None:
        """A past prompt and its settings, back in the composer (from the table or the history)."""
        main = self.main
        while self.screen is not main:
            self.pop_screen()
        main.reuse(job)
        self.notify(_("The prompt and settings of {job} are in the composer.").format(job=job.short_id), markup=False)

    def get_system_commands(self, screen: Any) -> Any:
        """The palette, titled "category: verb": the commands no key has (servers, characters, settings), those
        that name what they switch to, and every key's action where the palette was opened."""
        from textual.app import SystemCommand

        yield SystemCommand(_("profile: Switch or check servers"),
                            _("Profiles: reachable, key accepted, what each offers"), self.action_profiles)
        yield SystemCommand(_("server: Import videos"), _("Add the server's videos that are not in the history"),
                            self.action_import_videos)
        yield SystemCommand(_("character: Create from a video"), _("A cameo character, after confirming consent"),
                            self.action_create_character)
        yield SystemCommand(_("character: Insert into the prompt"), _("Use a character created here (at most 2)"),
                            self.action_insert_character)
        yield SystemCommand(_("character: Show on the server"), _("What the server says of a character created here"),
                            self.action_show_character)
        theme = _("theme: Switch to light") if self.theme == THEMES[0] else _("theme: Switch to dark")
        yield SystemCommand(theme, _("Light or dark; remembered next time"), self.action_toggle_theme)
        codes = list(i18n.LANGUAGES)
        following = codes[(codes.index(i18n.language()) + 1) % len(codes)]
        yield SystemCommand(_("language: Switch to {name}").format(name=i18n.LANGUAGES[following]),
                            _("Set by SORA_TUI_LANG now") if i18n.forced() else _("The interface's language; "
                                                                                  "remembered next time"),
                            self.action_language)
        # the confirmation of paid sends (PaidQuestions.confirm_paid): on by default, remembered in ui.json
        yield SystemCommand(_("settings: Paid sends ask first (now off)") if not self.confirm_paid
                            else _("settings: Paid sends go at once (now asking first)"),
                            _("On a priced profile, retry, takes and generate ask for a second key; remembered"),
                            self.action_toggle_confirm_paid)
        # Then every key's action where the palette was opened (the app's, the screen's, its widgets'), made from
        # the bindings themselves: one added anywhere is here too (tests/tui/test_palette.py walks them all).
        from .keymap import binding_commands

        for command in binding_commands(self, screen):
            yield SystemCommand(command.title, command.help,
                                lambda c=command: self.call_later(self.run_action, c.binding.action, c.node))

    def action_command_palette(self) -> None:
        """Textual's palette, its search box asking in the interface's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(CommandPalette(placeholder=_("Search for commands…"), id="--command-palette"))

    _paused_until_drawn = False

    def on_load(self) -> None:
        # No collections while the first frame is built either (its widgets, styles and caches live on): the two
        # or three young collections that ran meanwhile were 5 ms of the cold start. Resumed once it is drawn, or
        # when the app stops before that.
        self._paused_until_drawn = pause_gc()
        from . import preferences

        # Read once, before anything is composed: the language every label is made in (SORA_TUI_LANG, then the
        # setting saved here, then the locale), and the theme the first frame is drawn with (on_mount).
        self._preferences = preferences.load()
        i18n.set_language(i18n.detect(saved=self._preferences.get("language")))
        self.load_keymap()

    def load_keymap(self) -> None:
        """The config file's [keymap], its keys checked and the valid entries applied before anything is composed,
        so the first key bar shows the user's keys. Its ids and clashes are checked once the first frame is drawn
        (check_keymap): that needs every screen's bindings, and importing them all was 200 ms of the cold start."""
        from ..config.paths import Paths
        from .keymap import load

        checked = load(Paths.from_env().config_file)
        self._keymap_read = checked
        self.keymap, self.keymap_problems = checked.keymap, checked.problems
        if checked.keymap:
            self.set_keymap(checked.keymap)

    _keymap_read: Any = None  # what load_keymap found, for check_keymap

    def check_keymap(self) -> None:
        """The keymap against every binding (unknown ids, clashes), in a thread; then every problem in one error
        notification that stays until dismissed."""
        checked = self._keymap_read
        if checked is None or checked.read is None or not (checked.read.entries or checked.read.problems):
            return
        from .keymap import with_bindings

        def check() -> None:
            done = with_bindings(checked)
            self.call_from_thread(self._show_keymap_problems, done)

        self.run_worker(check, thread=True, exit_on_error=False, group="keymap", description=N_("check the keymap"))

    def _show_keymap_problems(self, checked: Any) -> None:
        self.keymap, self.keymap_problems = checked.keymap, checked.problems
        if not checked.problems:
            return
        from .keymap import problems_text

        # Until dismissed (a click on it): a day is as good as for ever, and a finite one keeps the timer sane.
        self.notify(f"{checked.path}\n{problems_text(checked.problems, with_path=False)}",
                    title=_("Keymap problems (the valid entries apply)"), severity="error", markup=False,
                    timeout=24 * 3600)

    def _resume_gc(self) -> None:
        if self._paused_until_drawn:
            self._paused_until_drawn = False
            resume_gc()

    def on_main_screen_ready(self, event: MainScreen.Ready) -> None:
        self.call_after_refresh(self._drawn)  # draw the screen first, then open the history and connect

    def _drawn(self) -> None:
        self._resume_gc()
        self.open_session()
        self.check_keymap()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.report_worker_failure(event.worker)

    def report_worker_failure(self, worker: Worker[Any]) -> None:
        """One place where a worker's unexpected failure becomes a message and a report, never a traceback: the app's
        own workers', and those of its screens and widgets (ReportsWorkerFailures)."""
        from ..crash import write_report

        error = worker.error
        report = write_report(error) if isinstance(error, BaseException) else None
        # Workers are described with N_() where they are declared; one described otherwise is shown as it is.
        what = _(worker.description) if worker.description else worker.name
        fields = {"what": what, "error": type(error).__name__, "message": one_line(str(error), 200), "report": report}
        message = (_("{what} stopped: {error}: {message}. A report was written to {report}.") if report
                   else _("{what} stopped: {error}: {message}."))
        self.notify(message.format(**fields), title=_("Unexpected error"), severity="error", markup=False, timeout=30)

    CRASH_RETURN_CODE = 70

    def crashed(self, error: Exception) -> None:
        """An unexpected exception: a crash report instead of Textual's traceback (CrashHandlingApp says why);
        run_tui says where it is once the app has closed."""
        from ..crash import write_report

        self.crash_report = write_report(error)
        self.crash_summary = f"{type(error).__name__}: {one_line(str(error), 200)}"

    async def on_unmount(self) -> None:
        self._resume_gc()  # stopped before its first frame
        if self._unsubscribe:
            self._unsubscribe()
        if self.session is not None:
            await self.session.aclose()


def run_tui(profile: str | None = None, base_url: str | None = None) -> int:
    import sys

    from . import graphics

    graphics.prepare()  # before Textual owns the terminal: Kitty / Sixel pictures where the terminal draws them
    app = SoraApp(profile=profile, base_url=base_url)
    graphics.hand_over(app)  # keys typed while the terminal was asked: to the prompt, once it has the focus
    app.run()
    if app.keymap_problems:  # shown in the app too, until dismissed; here they outlive it, for fixing the file
        from .keymap import problems_text

        print(_("sora-tui: the keymap has problems (its valid entries were applied):"), file=sys.stderr)
        print(problems_text(app.keymap_problems), file=sys.stderr)
    if app.crash_summary:
        from ..crash import AFTER_A_CRASH

        said = (_("sora-tui: unexpected error ({summary}). A report was written to {report}.") if app.crash_report
                else _("sora-tui: unexpected error ({summary}).")).format(summary=app.crash_summary,
                                                                          report=app.crash_report)
        print(f"{said} {_(AFTER_A_CRASH)}", file=sys.stderr)
    return app.return_code or 0
