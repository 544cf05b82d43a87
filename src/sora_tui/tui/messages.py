"""The typed messages by which what happens outside the UI reaches it. The service tells the app through one callback
(it knows nothing of Textual); the app turns each event into one of these and posts it: to itself (the session
opening, a job with a note to say), or to every open screen (`SoraApp.tell_screens`), whose handlers show it. There
is no other way in: no screen is called by name or by a hook string."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from textual.notifications import SeverityLevel

    from ..core.job import Job
    from ..session import Session
    from .spending import Spending


@dataclass
class SessionReady(Message):
    session: Session


@dataclass
class SessionFailed(Message):
    """The session did not start. `session` is what did open (the profile and the history, no server) when only
    reaching the server failed: the history stays browsable."""

    message: str
    session: Session | None = None


@dataclass
class JobChanged(Message):
    """A job's state changed with something to say of it (a failure, a download that failed, an action's result):
    the app says it and shows the job."""

    job: Job
    note: str | None = None
    severity: SeverityLevel = "information"


# What the app posts to the screens. Not bubbling: a screen's parent is the app, which posted it.

# The jobs shown in one turn of the event loop, at most: a new row is ~0.1 ms, and 1,000 at once held the loop for
# ~100 ms (bench/keys.py). The rest follow after the loop has handled what waits (keys, timers, a frame).
SHOWN_PER_TURN = 200


@dataclass
class JobsChanged(Message, bubble=False):
    """Jobs the service changed, in the order it changed them: one message for a tracker round's worth (at most
    SHOWN_PER_TURN), not one per job."""

    jobs: list[Job]


@dataclass
class DownloadProgressed(Message, bubble=False):
    """A download's share done (0-1), or None when it ended (saved or failed)."""

    job: Job
    variant: str
    fraction: float | None


class SessionSettled(Message, bubble=False):
    """The app's session opened (with the history, with or without its server) or failed to."""


@dataclass
class SpendingCounted(Message, bubble=False):
    """The spending was counted again (SoraApp.count_spending)."""

    spending: Spending
