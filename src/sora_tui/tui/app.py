"""SoraApp: the Textual application. Thin: opens the session off the first frame, bridges service events, owns the screen."""

from __future__ import annotations

import gc

from ..runtime import pause_gc, responsive_gc, responsive_threads, resume_gc

# No collections while the UI's modules load: importing Textual and the workbench allocates a few hundred thousand
# objects that all live as long as the process, and the default collector walked them again and again on the way
# (~8% of the import). Resumed, and what was loaded frozen out of later full passes, once the imports are done.
_paused_for_imports = pause_gc()

import asyncio
import importlib
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from ..core import i18n
from ..core.i18n import N_, _
from ..core.text import middle, one_line
from . import fixes
from .actions import JobActions
from .css import APP_CSS, styles_dir  # noqa: F401  (styles_dir: where tests and tools look for it)
from .messages import JobChanged, SessionFailed, SessionReady
from .screens.main import MainScreen
from .server_actions import ServerActions
from .spending import SpendingActions

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from ..core.job import Job

if _paused_for_imports:
    resume_gc()

RECENT_JOBS = 500
# the status line's dot, by what is known of the server (SoraApp.server_state)
_DOTS = {"checking": "yellow", "reachable": "green", "unreachable": "bold red", "key_refused": "bold red"}

_runtime_settled = False


def _settle_the_runtime() -> None:
    """Once a process, as its first app is made: the GIL handed back to the event loop within 1 ms
    (runtime.responsive_threads), young collections every 10,000 allocations (runtime.responsive_gc), and what is
    loaded by then (modules, classes: it lives as long as the process) frozen out of the full passes. Building the
    workbench allocates enough that the default collector ran 128 collections before the first frame, one of them a
    full pass over everything imported (29 ms): 55-59 ms of the cold start, against 18 ms for a minimal app. And
    three corrections to Textual (tui/fixes.py): the next frame on time, caches that leave no cycles behind."""
    global _runtime_settled
    if _runtime_settled:
        return
    _runtime_settled = True
    responsive_threads()
    responsive_gc()
    fixes.install()
    gc.freeze()


THEMES = ("textual-dark", "textual-light")
# A downloaded file's variant, as the status line names it.
VARIANTS = {"video": N_("video"), "thumbnail": N_("thumbnail"), "spritesheet": N_("spritesheet")}
# Why a job ended, said with its short id and the server's reason (one sentence each: word order differs).
_ENDED = {"failed": N_("{job} failed: {reason}"), "canceled": N_("{job} was cancelled: {reason}"),
          "expired": N_("{job} expired: {reason}")}


class SoraApp(JobActions, ServerActions, SpendingActions, App[int]):
    TITLE = "sora-tui"
    CSS_PATH = APP_CSS
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), tooltip=N_("Quit; jobs keep running on the server and are picked up next "
                                                           "time"), id="app.quit", priority=True),
        Binding("f1", "help", N_("Help"), tooltip=N_("Every key, grouped by where it works"), id="app.help"),
        Binding("ctrl+o", "history", N_("History"), tooltip=N_("Search, filter and browse every job ever made"),
                id="app.history"),
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
        self.session: Any = None
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
        # The sub-title as a message and its fields, so a language switched at run time says it again in the new one.
        self._sub_title_said: tuple[str, dict[str, str]] = (N_("connecting…"), {})

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
        self.push_screen(HistoryScreen())

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
        """The palette: views, theme, and the job actions for the selected job (titled "category: verb")."""
        from textual.app import SystemCommand

        yield SystemCommand(_("view: History"), _("Search, filter and browse every job"), self.action_history)
        yield SystemCommand(_("view: Help"), _("Every key, grouped by where it works"), self.action_help)
        yield SystemCommand(_("view: Spending"), _("What was spent: session, today, month, by profile and model; "
                                                   "the budgets"), self.action_spending)
        yield SystemCommand(_("view: Jobs"), _("The live job table"), lambda: self.main.action_focus_jobs())
        yield SystemCommand(_("view: Composer"), _("Write a prompt"), lambda: self.main.action_focus_composer())
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
        # the confirmation of paid sends (JobActions.confirm_paid): on by default, remembered in ui.json
        yield SystemCommand(_("settings: Paid sends ask first (now off)") if not self.confirm_paid
                            else _("settings: Paid sends go at once (now asking first)"),
                            _("On a priced profile, retry, takes and generate ask for a second key; remembered"),
                            self.action_toggle_confirm_paid)
        from .widgets.job_list import JobList

        tables = [w for w in screen.query(JobList)] if screen is not None else []
        local_id = next((t.selected_local_id for t in tables if t.selected_local_id), None)
        if local_id:
            for binding in JobList.BINDINGS:
                action = binding.action.split("'")[1]
                yield SystemCommand(_("job: {action}").format(action=_(binding.description).rstrip("…")),
                                    _(binding.tooltip) if binding.tooltip else "",
                                    lambda a=action: self.run_job_action(a, local_id))
        yield SystemCommand(_("app: Quit"), _("Jobs keep running on the server"), self.action_quit)

    def action_command_palette(self) -> None:
        """Textual's palette, its search box asking in the interface's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
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

    def _resume_gc(self) -> None:
        if self._paused_until_drawn:
            self._paused_until_drawn = False
            resume_gc()

    def on_main_screen_ready(self, event: MainScreen.Ready) -> None:
        self.call_after_refresh(self._drawn)  # draw the screen first, then open the history and connect

    def _drawn(self) -> None:
        self._resume_gc()
        self.open_session()

    @property
    def main(self) -> MainScreen:
        """The workbench screen. Kept, not looked up in the stack: the stack is empty while the app closes, and a
        lookup that raised StopIteration inside a timer's coroutine became a RuntimeError."""
        return self._main

    @work(exclusive=True, exit_on_error=False, group="session", description=N_("open session"))
    async def open_session(self) -> None:
        from ..config import ConfigError
        from ..session import SessionError, prepare

        self.connecting = True
        self.offline_reason = None
        self.server_state, self._retry_at = "checking", None
        session = None
        try:
            session = await asyncio.to_thread(prepare, self.profile_name, self.base_url)  # opening a big history reads the disk
            # The history's index lives as long as the app: keep its objects out of the garbage collector's
            # full passes, which would otherwise pause the UI for tens of milliseconds with 100,000 jobs.
            gc.freeze()
            # the live table holds recent work; the whole history is for the history browser
            self.main.load_jobs(await asyncio.to_thread(session.store.query, limit=RECENT_JOBS))
            await self.first_count(session)  # the spend line comes with the table, not a moment after it
            if session.store.recovery_note:
                self.notify(session.store.recovery_note, severity="warning", markup=False, timeout=20)
            where = (_("starting the local engine…") if session.profile.is_local
                     else _("connecting to {url}…").format(url=session.profile.base_url))
            line = Text()
            line.append("● ", style=_DOTS["checking"])
            line.append(where, style="dim")
            self.main.set_status(line)
            # The openai SDK takes ~0.5 s to import: in a thread, so the screen keeps answering keys meanwhile.
            await asyncio.to_thread(importlib.import_module, "sora_tui.backend")
            await session.connect()
            # The SDK's modules, classes and pydantic models (some 100,000 objects) live as long as the process:
            # out of the full passes too, which otherwise took 60 ms each with an empty history (bench/keys.py).
            gc.freeze()
        except (SessionError, ConfigError) as exc:
            self.post_message(SessionFailed(getattr(exc, "message", str(exc)), session))
            return
        except Exception as exc:  # never a traceback on screen: say what failed and keep the app usable
            from ..crash import write_report

            report = write_report(exc)
            self.post_message(SessionFailed(_("{error}: {message}. Report: {report}").format(
                error=type(exc).__name__, message=exc, report=report), session))
            return
        self.post_message(SessionReady(session))

    def _quitting(self) -> bool:
        """The app is quitting (its screens closing or gone) while a session may still be opening."""
        main = self.main
        return bool(self._exit or main not in self.screen_stack or main._closing or main._closed)

    async def on_session_ready(self, event: SessionReady) -> None:
        if self._quitting():  # quit while connecting: close what was opened instead of showing it
            await event.session.aclose()
            return
        self.session = event.session
        profile = self.session.profile
        if profile.is_local:
            self._say_sub_title(N_("local engine — procedural renders, not AI"))
        else:
            self._say_sub_title("{name} · {url}", name=profile.name, url=one_line(self.session.base_url, 60))
        # The local engine has just answered its health check; any other server has not been asked anything yet.
        self.server_state = "reachable" if profile.is_local else "checking"
        self._tracker_state = None
        self._show_connection()
        self._unsubscribe = self.session.service.subscribe(self._on_service_event)
        self.main.use_profile(profile)
        self.connecting = False
        self.main.connected()
        self._tell_screens("session_settled")  # a history opened while connecting fills in now
        self.track()
        self.watch_history()
        self.discover_capabilities()

    @work(exclusive=True, exit_on_error=False, group="capabilities", description=N_("what the server offers"))
    async def discover_capabilities(self) -> None:
        """Whether the server answers and takes the key, and what it offers: the status line's dot says which. One
        that does not answer is asked again, after the tracker's backoff, until it does."""
        from ..backend.capabilities import check_profile, operation_names
        from ..service.tracker import backoff

        session = self.session
        failures = 0
        while True:
            if self.server_state == "unreachable":
                self._retry_at = None  # "trying again now"
                self._show_connection()
            result = await check_profile(session.profile, base_url=session.base_url)
            if session is not self.session:
                return
            if result.key_accepted is False:
                # on the status line, not as a toast: the tracker's own refusal notice must stay the only one
                self._set_server_state("key_refused")
                return
            if result.reachable:
                was = self.server_state
                self.capabilities = dict(result.operations)
                self._set_server_state("reachable")
                if was == "unreachable":
                    session.service.tracker.wake()  # what waited for the server is looked at now
                lacks = [op for op, ok in result.operations.items() if ok is False]
                if lacks and self._lacks_said is not session:
                    self._lacks_said = session
                    self.notify(_("{name} does not offer: {operations}. Those actions say so when used.").format(
                        name=session.profile.name, operations=operation_names(lacks)), markup=False, timeout=8)
                return
            failures += 1
            delay = backoff(failures)
            # how, as a word the status line chooses its sentence by (the checker's own words are in English)
            self._unreachable = "no answer" if "no answer" in (result.problem or "") else "unreachable"
            self._set_server_state("unreachable", time.monotonic() + delay)
            await asyncio.sleep(delay)

    def _set_server_state(self, state: str, retry_at: float | None = None) -> None:
        self.server_state, self._retry_at = state, retry_at
        self._show_connection()

    def _show_connection(self) -> None:
        if self.session is None or self._quitting():
            return
        self._connection_line = self._connected_line()
        self.main.set_status(self._connection_line)

    def _follow_the_server(self) -> None:
        """Once a second: what tracking found of the server, and the unreachable server's countdown."""
        service = getattr(self.session, "service", None)
        if service is None or self.connecting or self._quitting():
            return
        found = service.tracker.server_state
        if found != self._tracker_state:
            self._tracker_state = found
            if found is not None and found != self.server_state:
                self.discover_capabilities()  # ask again, and let the dot say what the answer is
        if self.server_state == "unreachable" and self._retry_at is not None:
            status = self.main.query_one("#status-line", Static)
            if status.content is self._connection_line:  # not over a newer line (a download saved)
                self._show_connection()

    # --- profiles -------------------------------------------------------------------------------------------
    def action_profiles(self) -> None:
        from ..config import custom_url
        from .screens.profiles import ProfilesScreen

        custom = custom_url(self._given_base_url)
        current = (self.session.profile.name if self.session is not None
                   else self.profile_name or ("custom" if self.base_url else None))
        screen = ProfilesScreen(current, custom)

        def chosen(name: str | None) -> None:
            if name and (name != current or screen.current_changed):  # changed: reconnect with the change
                self.switch_profile(name)

        self.push_screen(screen, chosen)

    @work(exclusive=True, exit_on_error=False, group="switch", description=N_("switch profile"))
    async def switch_profile(self, name: str) -> None:
        """Close this server's session (jobs keep running there) and open the other profile's."""
        from ..config import custom_url

        for group in ("tracker", "history", "capabilities"):
            self.workers.cancel_group(self, group)
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        old, self.session = self.session, None
        self.capabilities = {}
        self.forget_spending()
        if old is not None:
            await old.aclose()
        custom = custom_url(self._given_base_url)
        # `custom` is made by a URL, not kept in the config file: it is reached through that URL again
        self.profile_name, self.base_url = (None, custom) if name == "custom" and custom else (name, None)
        self._say_sub_title(N_("connecting to {name}…"), name=name)
        self.open_session()

    def _connected_line(self) -> Text:
        state = self.server_state
        line = Text()
        line.append("● ", style=_DOTS[state])
        profile = self.session.profile
        # the local engine's loopback port changes every start and means nothing to the user (F1 and details show it)
        where = _("local engine · procedural renders") if profile.is_local else one_line(self.session.base_url, 100)
        name = _("local engine") if profile.is_local else profile.name
        if state == "reachable":
            line.append(where if profile.is_local else f"{name}: {where}", style="dim")
        else:
            if state == "checking":
                said = _("checking the server…")
            elif state == "key_refused":
                said = (_("the server refused the API key (check ${variable})").format(variable=profile.api_key_env)
                        if profile.api_key_env else _("the server refused the API key"))
            else:
                wait = None if self._retry_at is None else max(0, math.ceil(self._retry_at - time.monotonic()))
                if self._unreachable == "no answer":
                    said = (_("no answer; trying again in {n} s").format(n=wait) if wait
                            else _("no answer; trying again now…"))
                else:
                    said = (_("cannot reach it; trying again in {n} s").format(n=wait) if wait
                            else _("cannot reach it; trying again now…"))
            line.append(f"{name} — ")
            line.append(said, style="bold" if state != "checking" else "")
            if not profile.is_local:
                line.append(f" · {where}", style="dim")
        line.append("   " + _("f1 help · ctrl+o history"), style="dim italic")
        return line

    def connected_or_say(self, kept: bool | str = False) -> bool:
        """True with a server to talk to; otherwise says why not (still connecting, or what failed) and what to do.
        `kept` (true, or any non-empty text): the message also says that the prompt is kept. One whole sentence
        for each case, never pieces glued together: another language orders them otherwise."""
        if self.session is not None and self.session.service is not None:
            return True
        if self.connecting:
            message = (_("Not connected to a server yet; the prompt is kept; wait a moment.") if kept
                       else _("Not connected to a server yet; wait a moment."))
            self.notify(message, severity="warning", markup=False)
        else:
            reason = one_line(self.offline_reason or "", 160).rstrip(". ")
            if reason:
                message = (_("Not connected to a server: {reason}; the prompt is kept. F3 switches profile.") if kept
                           else _("Not connected to a server: {reason}. F3 switches profile.")).format(reason=reason)
            else:
                message = (_("Not connected to a server; the prompt is kept. F3 switches profile.") if kept
                           else _("Not connected to a server. F3 switches profile."))
            self.notify(message, severity="warning", markup=False, timeout=8)
        return False

    async def on_session_failed(self, event: SessionFailed) -> None:
        self.connecting = False
        if self._quitting():
            if event.session is not None:
                await event.session.aclose()
            return
        self.offline_reason = event.message
        if event.session is not None:
            # The history opened, only the server did not: it stays browsable (search, details, copy a prompt into
            # the composer); what needs the server says why it cannot.
            self.session = event.session
        self._tell_screens("session_settled")  # a history opened while connecting fills in, or says it cannot
        self.main.connection_failed()
        self._say_sub_title(N_("not connected"))
        line = Text()
        line.append("✖ ", style="bold red")
        line.append(one_line(event.message, 300))
        self.main.set_status(line)
        self.notify(event.message, title=_("Cannot connect"), severity="error", markup=False, timeout=30)

    @work(exclusive=True, exit_on_error=False, group="tracker", description=N_("track jobs"))
    async def track(self) -> None:
        await self.session.service.track_forever()

    @work(exclusive=True, exit_on_error=False, group="history",
          description=N_("watch the history for other processes"))
    async def watch_history(self) -> None:
        await self.session.service.watch_history()

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

    def _on_service_event(self, event: Any) -> None:
        """Runs on the app's event loop (the service is asyncio on the same loop): forward, never block."""
        from ..service.events import (
            DownloadFailed,
            DownloadProgressed,
            JobDownloaded,
            JobFailed,
            ServiceNotice,
        )

        if isinstance(event, ServiceNotice):
            self.notify(event.message, severity="error" if event.level == "error" else "warning", markup=False)
            return
        if isinstance(event, DownloadProgressed):
            if event.total:
                self.main.download_progress(event.job, event.variant, event.received / event.total)
            return
        note, severity = None, "information"
        if isinstance(event, JobDownloaded):
            # One line, not a toast per file: a group of variations would bury the screen in notifications.
            line = Text("✓ ", style="green")
            variant = _(VARIANTS[event.file.variant]) if event.file.variant in VARIANTS else event.file.variant
            line.append(_("{job} {variant} saved as {name}").format(
                job=event.job.short_id, variant=variant, name=middle(Path(event.file.path).name, 44)), style="dim")
            line.no_wrap, line.overflow = True, "ellipsis"
            self.main.set_status(line)
            self.main.download_progress(event.job, event.file.variant, None)
        elif isinstance(event, DownloadFailed):
            note, severity = _("Download failed: {reason}").format(reason=event.message), "error"
            self.main.download_progress(event.job, event.variant, None)
        elif isinstance(event, JobFailed) and event.job.error:
            ended = _ENDED.get(event.job.status.value)
            fields = {"job": event.job.short_id, "status": event.job.status.value, "reason": event.job.error.shown}
            note = (_(ended) if ended else _("{job} {status}: {reason}")).format(**fields)
            severity = "error"
            if event.job.error.code == "unreachable" and self.server_state == "reachable":
                self.discover_capabilities()  # it answered before: the dot must not stay green
        if note is not None:
            self.post_message(JobChanged(event.job, note, severity))
            return
        # A tracker round can change 1,000 jobs at once: one message for all of them, not one each (Textual
        # handles a message queue without yielding, so 1,000 of them hold the loop and the keys behind it).
        self._pending_jobs[event.job.local_id] = event.job
        if len(self._pending_jobs) == 1:
            self.call_later(self._show_pending_jobs)

    SHOWN_PER_TURN = 200

    def _show_pending_jobs(self) -> None:
        """Show the jobs changed since the last turn, at most SHOWN_PER_TURN of them now: a new job is a new row
        (~0.1 ms each), and 1,000 new at once held the event loop for ~100 ms (bench/keys.py). The rest follow
        after the loop has handled what waits (keys, timers, a frame), in the order they came."""
        pending = self._pending_jobs
        if self._quitting():
            pending.clear()
            return
        for _turn in range(min(len(pending), self.SHOWN_PER_TURN)):
            self._show_job(pending.pop(next(iter(pending))))
        if pending:
            # Back through the event loop first: Textual takes queued messages one after another without yielding
            # to it, so keys and timers waiting there would wait for all the rest too. Then as a message again, so
            # an error is handled as any other (never a traceback on the terminal).
            asyncio.get_running_loop().call_soon(self.call_later, self._show_pending_jobs)

    def on_job_changed(self, event: JobChanged) -> None:
        self._show_job(event.job)
        if event.note:
            self.notify(event.note, severity=event.severity, markup=False)  # type: ignore[arg-type]

    def _show_job(self, job: Job) -> None:
        self.main.show_job(job)
        self._tell_screens("show_job", job)
        self.spending_changed(job)

    def _tell_screens(self, hook: str, *args: Any) -> None:
        """Call `hook` on every open screen above the main one that has it."""
        for screen in self.screen_stack:
            call = getattr(screen, hook, None)
            if call is not None and screen is not self.main:
                call(*args)

    def _handle_exception(self, error: Exception) -> None:
        """Textual would print a traceback with local variables on exit (a key in a local reaches the
        terminal). Write a crash report instead; run_tui says where it is. Textual is pinned
        exactly, so this override of a private hook is checked by tests/tui/test_app.py on every upgrade."""
        from ..crash import write_report

        self.crash_report = write_report(error)
        self.crash_summary = f"{type(error).__name__}: {one_line(str(error), 200)}"
        self._return_code = 70
        if self._exception is None:  # keep Pilot's re-raise for tests
            self._exception = error
            self._exception_event.set()
        self._close_messages_no_wait()

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
    if app.crash_summary:
        from ..crash import AFTER_A_CRASH

        said = (_("sora-tui: unexpected error ({summary}). A report was written to {report}.") if app.crash_report
                else _("sora-tui: unexpected error ({summary}).")).format(summary=app.crash_summary,
                                                                          report=app.crash_report)
        print(f"{said} {_(AFTER_A_CRASH)}", file=sys.stderr)
    return app.return_code or 0
