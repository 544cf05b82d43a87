"""What the Pilot tests and the screenshot scenes share: waiting for a condition, reading the history file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def status_text(app: Any) -> str:
    try:
        return str(app.screen.query_one("#status-line").render())
    except Exception:  # no main screen yet, or a modal on top
        return "?"


async def wait_until(pilot: Any, predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> None:
    """Poll `predicate` between frames; on timeout say what was awaited, the status line and the notifications."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            notes = [n.message for n in pilot.app._notifications]
            raise AssertionError(f"timed out waiting for {what}; status: {status_text(pilot.app)!r}; notifications: {notes}")
        await pilot.pause(0.05)


def connected(app: Any) -> bool:
    return app.session is not None and app.session.service is not None


def history(home: Path) -> list:
    """The jobs in the history file, read by a separate store as another process would."""
    from sora_tui.store import HistoryStore

    store = HistoryStore(home / "history.json")
    try:
        return store.all()
    finally:
        store.close()
