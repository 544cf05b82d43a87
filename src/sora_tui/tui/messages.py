"""Messages the TUI passes upward: the session opening, and service events turned into Textual messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from ..core.job import Job



@dataclass
class SessionReady(Message):
    session: Any


@dataclass
class SessionFailed(Message):
    """The session did not start. `session` is what did open (the profile and the history, no server) when only
    reaching the server failed: the history stays browsable."""

    message: str
    session: Any = None


@dataclass
class JobChanged(Message):
    """A job's state changed (submitted, progressed, completed, failed, downloaded)."""

    job: Job
    note: str | None = None
    severity: str = "information"


@dataclass
class Notice(Message):
    message: str
    severity: str = "warning"
