"""What the app's rooms share, declared once. SoraApp is one controller put together from rooms of one purpose each
(the session and its server, the service's events, the spending, paid questions, job actions, server actions). Each
room subclasses WorkbenchBase, so mypy checks every use it makes of the app's state, of Textual's App and of the other
rooms against the declarations here, instead of each room guessing what the others offer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.message import Message
from textual.message_pump import MessagePump

from .textual_fence import CoveredScreensApp, CrashHandlingApp, app_is_closing

if TYPE_CHECKING:
    from textual.worker import Worker

    from ..core.job import Job
    from ..service import JobService
    from ..session import Session
    from .screens.main import MainScreen


class WorkbenchBase(CrashHandlingApp[int], CoveredScreensApp[int]):
    # The session: the profile and the history once opened (None before that, or after a failure that did not even
    # open the history), and its service once the server was reached.
    session: Session | None
    profile_name: str | None
    base_url: str | None
    connecting: bool  # a session is being opened: a generate is held until it is
    offline_reason: str | None  # why the last session did not reach its server
    started_at: float  # when the app started: the "session" the spend line counts
    # what the server offers (backend.capabilities.OPERATIONS -> True/False/None)
    capabilities: dict[str, bool | None]
    # what the status line's dot says of the server: "checking", "reachable", "unreachable" or "key_refused"
    server_state: str
    _preferences: dict[str, Any]  # ui.json, read once before the first screen
    _main: MainScreen

    @property
    def main(self) -> MainScreen:
        """The workbench screen. Kept, not looked up in the stack: the stack is empty while the app closes, and a
        lookup that raised StopIteration inside a timer's coroutine became a RuntimeError."""
        return self._main

    def _quitting(self) -> bool:
        """The app is quitting (its screens closing or gone) while a worker may still be running."""
        return app_is_closing(self, self._main)

    def tell_screens(self, message: Callable[[], Message]) -> None:
        """Post a message (a new one each: a message is handled once) to every open screen, the workbench first. The
        one way the app tells its screens what happened; each handles what it shows."""
        for screen in self.screen_stack:
            screen.post_message(message())

    @property
    def opened(self) -> Session:
        """The session, for what runs once it opened (an action that needs the history, a worker it started):
        otherwise a bug, said as one."""
        if self.session is None:
            raise RuntimeError("no session open")
        return self.session

    @property
    def service(self) -> JobService:
        """The service of a session connected to its server. Only for what runs after `connected_or_say()` said
        yes (or inside a worker it started): otherwise a bug, said as one."""
        session = self.session
        if session is None or session.service is None:
            raise RuntimeError("no server connected")
        return session.service

    if TYPE_CHECKING:
        # What the rooms ask of one another (each is defined in the room named).
        def _say_sub_title(self, message: str, **fields: str) -> None: ...  # SoraApp
        def reuse_in_composer(self, job: Job) -> None: ...  # SoraApp
        def connected_or_say(self, kept: bool | str = False) -> bool: ...  # SessionConnection
        def discover_capabilities(self) -> Worker[None]: ...  # SessionConnection
        def _on_service_event(self, event: Any) -> None: ...  # ServiceEvents
        def spending_changed(self, job: Job | None = None) -> None: ...  # SpendingActions
        def forget_spending(self) -> None: ...  # SpendingActions
        async def first_count(self, session: Session) -> None: ...  # SpendingActions
        def show_over_budget(self, over: Any, kept: str = "",
                             after: Callable[[Any], None] | None = None) -> None: ...  # SpendingActions
        def run_job_action(self, action: str, local_id: str) -> None: ...  # JobActions
        def status_covered(self, text: Any) -> bool: ...  # PaidQuestions
        def _job_action(self, action: str, local_id: str, dialog: bool,
                        confirmed: bool = False) -> Worker[None]: ...  # JobActions


def workbench(node: MessagePump) -> WorkbenchBase:
    """The app a screen or widget of the workbench is in, typed as the controller it is."""
    return cast(WorkbenchBase, node.app)
