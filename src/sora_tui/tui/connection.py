"""The app's session and its server: opening it off the first frame, what the status line says of the server (the
dot, the countdown of an unreachable one, a refused key), what the server offers, and switching profile. A room of
SoraApp."""

from __future__ import annotations

import asyncio
import gc
import math
import time
from typing import Any

from rich.text import Text
from textual import work
from textual.widgets import Static

from ..core.i18n import N_, _
from ..core.text import one_line
from .base import WorkbenchBase
from .messages import SessionFailed, SessionReady, SessionSettled

RECENT_JOBS = 500
# the status line's dot, by what is known of the server (SoraApp.server_state)
_DOTS = {"checking": "yellow", "reachable": "green", "unreachable": "bold red", "key_refused": "bold red"}


class SessionConnection(WorkbenchBase):
    profile_name: str | None
    base_url: str | None
    connecting: bool
    offline_reason: str | None
    capabilities: dict[str, bool | None]
    server_state: str
    _given_base_url: str | None  # --base-url: the `custom` profile stays one to switch back to
    _unsubscribe: Any
    _retry_at: float | None  # unreachable: when it is asked again (time.monotonic())
    _unreachable: str  # unreachable: in a few words, how
    _connection_line: Text | None  # the line last shown about the server (others may replace it)
    _tracker_state: str | None  # the tracker's own finding, as last looked at
    _lacks_said: Any  # the session whose missing operations were already said

    @work(exclusive=True, exit_on_error=False, group="session", description=N_("open session"))
    async def open_session(self) -> None:
        from ..config import ConfigError
        from ..session import SessionError, load_client, prepare

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
            self.main.load_jobs(await asyncio.to_thread(session.history.query, limit=RECENT_JOBS))
            await self.first_count(session)  # the spend line comes with the table, not a moment after it
            if session.history.recovery_note:
                self.notify(session.history.recovery_note, severity="warning", markup=False, timeout=20)
            where = (_("starting the local engine…") if session.profile.is_local
                     else _("connecting to {url}…").format(url=session.profile.base_url))
            line = Text()
            line.append("● ", style=_DOTS["checking"])
            line.append(where, style="dim")
            self.main.set_status(line)
            # The openai SDK takes ~0.5 s to import: in a thread, so the screen keeps answering keys meanwhile.
            await asyncio.to_thread(load_client)
            await session.connect()
            # The SDK's modules, classes and pydantic models (some 100,000 objects) live as long as the process:
            # out of the full passes too, which otherwise took 60 ms each with an empty history (bench/keys.py).
            gc.freeze()
        except (SessionError, ConfigError) as exc:
            self.post_message(SessionFailed(getattr(exc, "message", str(exc)), session))
            return
        except Exception as exc:  # noqa: BLE001 - never a traceback on screen: say what failed and keep the app usable
            from ..crash import write_report

            report = write_report(exc)
            self.post_message(SessionFailed(_("{error}: {message}. Report: {report}").format(
                error=type(exc).__name__, message=exc, report=report), session))
            return
        self.post_message(SessionReady(session))

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
        self._unsubscribe = self.service.subscribe(self._on_service_event)
        self.main.use_profile(profile)
        self.connecting = False
        self.main.connected()
        self.tell_screens(SessionSettled)  # a history opened while connecting fills in now
        self._read_screen_styles_soon()
        self.track()
        self.watch_history()
        self.discover_capabilities()

    def _read_screen_styles_soon(self) -> None:
        """The other screens' styles read while the user takes in the workbench, not when they open the first of
        them (css.read_screen_styles)."""
        from .css import read_screen_styles

        self.set_timer(0.5, lambda: read_screen_styles(self))

    @work(exclusive=True, exit_on_error=False, group="capabilities", description=N_("what the server offers"))
    async def discover_capabilities(self) -> None:
        """Whether the server answers and takes the key, and what it offers: the status line's dot says which. One
        that does not answer is asked again, after the tracker's backoff, until it does."""
        from ..service.servers import check_profile, operation_names
        from ..service.tracker import backoff

        session = self.opened
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
                    self.service.tracker.wake()  # what waited for the server is looked at now
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
        session = self.opened
        profile = session.profile
        # the local engine's loopback port changes every start and means nothing to the user (F1 and details show it)
        where = _("local engine · procedural renders") if profile.is_local else one_line(session.base_url or "", 100)
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
        hint = self._keys_hint()
        if hint:
            line.append("   " + hint, style="dim italic")
        return line

    def _keys_hint(self) -> str:
        """Help's key and the history's, as the keymap has them now: a part whose key is gone is left out."""
        from .keymap import bound_key

        help_key, history_key = bound_key(self, "app.help"), bound_key(self, "app.history")
        if help_key and history_key:
            return _("{help} help · {history} history").format(help=help_key, history=history_key)
        if help_key:
            return _("{help} help").format(help=help_key)
        return _("{history} history").format(history=history_key) if history_key else ""

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
            from .keymap import bound_key, key_capitalised

            reason = one_line(self.offline_reason or "", 160).rstrip(". ")
            # the profiles' key as the keymap has it, said as the F-key it is at the start of a sentence
            key = key_capitalised(bound_key(self, "app.profiles"))
            if not key:
                message = (_("Not connected to a server: {reason}; the prompt is kept.") if kept
                           else _("Not connected to a server: {reason}.")) if reason else (
                    _("Not connected to a server; the prompt is kept.") if kept else _("Not connected to a server."))
            elif reason:
                message = (_("Not connected to a server: {reason}; the prompt is kept. {key} switches profile.") if kept
                           else _("Not connected to a server: {reason}. {key} switches profile."))
            else:
                message = (_("Not connected to a server; the prompt is kept. {key} switches profile.") if kept
                           else _("Not connected to a server. {key} switches profile."))
            message = message.format(reason=reason, key=key)
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
        self.tell_screens(SessionSettled)  # a history opened while connecting fills in, or says it cannot
        self._read_screen_styles_soon()
        self.main.connection_failed()
        self._say_sub_title(N_("not connected"))
        line = Text()
        line.append("✖ ", style="bold red")
        line.append(one_line(event.message, 300))
        self.main.set_status(line)
        self.notify(event.message, title=_("Cannot connect"), severity="error", markup=False, timeout=30)

    @work(exclusive=True, exit_on_error=False, group="tracker", description=N_("track jobs"))
    async def track(self) -> None:
        await self.service.track_forever()

    @work(exclusive=True, exit_on_error=False, group="history",
          description=N_("watch the history for other processes"))
    async def watch_history(self) -> None:
        await self.service.watch_history()
