"""The App's private parts the workbench needs: whether it is closing, its notifications, the keys a keymap moved a
binding to, and an exception hook that hands the error over instead of printing Textual's traceback."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import App
from textual.notifications import Notification
from textual.screen import Screen

ResultType = TypeVar("ResultType")


def app_is_closing(app: App[Any], screen: Screen[Any]) -> bool:
    """The app is exiting, or `screen` (the one whatever is being opened is for) is off the stack or closing.
    Textual says neither publicly, and both happen while a worker started earlier is still running."""
    return bool(app._exit or screen not in app.screen_stack or screen._closing or screen._closed)


def notifications(app: App[Any]) -> list[Notification]:
    """The notifications the app shows now, oldest first."""
    return list(app._notifications)


def remapped_keys(app: App[Any], binding_id: str) -> str | None:
    """The keys a keymap put the binding with this id on ("f5,ctrl+r"), or None where no keymap moved it."""
    return (getattr(app, "_keymap", None) or {}).get(binding_id)


class CoveredScreensApp(App[ResultType]):
    """An App that draws nothing of the screens under an opaque one.

    Textual counts the screen under the top one among those that may show through, whatever the top one's
    background (App._background_screens): every change drawn on the workbench under the history browser, its status
    line, its clock, its spend line, made the browser repaint that part of the screen, a whole frame each second
    with live jobs running, landing on keystrokes (bench/keys.py). Under an opaque screen nothing shows through:
    what changed below is drawn when that screen is on top again (a screen is drawn whole when it is shown). A
    dialog's translucent screen still shows the workbench changing under it."""

    @property
    def _background_screens(self) -> list[Screen[Any]]:
        stack = self._screen_stack
        if stack and stack[-1].styles.background.a == 1:
            return []
        return super()._background_screens


class CrashHandlingApp(App[ResultType]):
    """An App whose unexpected exception goes to `crashed(error)`, then ends the app with CRASH_RETURN_CODE.

    Textual would print a traceback with local variables on exit (a key in a local reaches the terminal). Its hook
    for that is private (App._handle_exception): this override does what the stock one does besides printing (the
    return code, the exception kept for Pilot to raise in tests, the message queues closed), so tests/tui/test_app.py
    checks it against every upgrade of the pin."""

    CRASH_RETURN_CODE = 1

    def crashed(self, error: Exception) -> None:
        """What becomes of an unexpected exception (a report written, say). Nothing here."""

    def _handle_exception(self, error: Exception) -> None:
        self.crashed(error)
        self._return_code = self.CRASH_RETURN_CODE
        if self._exception is None:  # keep Pilot's re-raise for tests
            self._exception = error
            self._exception_event.set()
        self._close_messages_no_wait()
