"""The service's events on screen: a job's new state in the tables and the screens that show it, a download's progress
and its file saved on the status line, a failure said once. A room of SoraApp.

The service calls one callback (`_on_service_event`, on the app's event loop); from there every event goes on as a
typed message (tui/messages.py): to the app when there is something to say, to every open screen to be shown."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..core.i18n import N_, _
from ..core.text import middle
from .base import WorkbenchBase
from .messages import SHOWN_PER_TURN, DownloadProgressed, JobChanged, JobsChanged

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from textual.notifications import SeverityLevel

    from ..core.job import Job

# A downloaded file's variant, as the status line names it.
VARIANTS = {"video": N_("video"), "thumbnail": N_("thumbnail"), "spritesheet": N_("spritesheet")}
# Why a job ended, said with its short id and the server's reason (one sentence each: word order differs).
_ENDED = {"failed": N_("{job} failed: {reason}"), "canceled": N_("{job} was cancelled: {reason}"),
          "expired": N_("{job} expired: {reason}")}


class ServiceEvents(WorkbenchBase):
    _pending_jobs: dict[str, Job]  # jobs changed by the service, shown together on the next turn

    def _on_service_event(self, event: Any) -> None:
        """Runs on the app's event loop (the service is asyncio on the same loop): forward, never block."""
        from ..service import events as happened  # by the module: tui.messages has a DownloadProgressed too

        if isinstance(event, happened.ServiceNotice):
            self.notify(event.message, severity="error" if event.level == "error" else "warning", markup=False)
            return
        if isinstance(event, happened.DownloadProgressed):
            if event.total:
                fraction = event.received / event.total
                self.tell_screens(lambda: DownloadProgressed(event.job, event.variant, fraction))
            return
        note: str | None = None
        severity: SeverityLevel = "information"
        if isinstance(event, happened.JobDownloaded):
            # One line, not a toast per file: a group of variations would bury the screen in notifications.
            line = Text("✓ ", style="green")
            variant = _(VARIANTS[event.file.variant]) if event.file.variant in VARIANTS else event.file.variant
            line.append(_("{job} {variant} saved as {name}").format(
                job=event.job.short_id, variant=variant, name=middle(Path(event.file.path).name, 44)), style="dim")
            line.no_wrap, line.overflow = True, "ellipsis"
            self.main.set_status(line)
            self.tell_screens(lambda: DownloadProgressed(event.job, event.file.variant, None))
        elif isinstance(event, happened.DownloadFailed):
            note, severity = _("Download failed: {reason}").format(reason=event.message), "error"
            self.tell_screens(lambda: DownloadProgressed(event.job, event.variant, None))
        elif isinstance(event, happened.JobFailed) and event.job.error:
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

    SHOWN_PER_TURN = SHOWN_PER_TURN  # read off the app by the tests and the bench

    def _show_pending_jobs(self) -> None:
        """Show the jobs changed since the last turn, at most SHOWN_PER_TURN of them now: a new job is a new row
        (~0.1 ms each), and 1,000 new at once held the event loop for ~100 ms (bench/keys.py). The rest follow
        after the loop has handled what waits (keys, timers, a frame), in the order they came."""
        pending = self._pending_jobs
        if self._quitting():
            pending.clear()
            return
        self._show_jobs([pending.pop(next(iter(pending))) for _turn in range(min(len(pending), self.SHOWN_PER_TURN))])
        if pending:
            # Back through the event loop first: Textual takes queued messages one after another without yielding
            # to it, so keys and timers waiting there would wait for all the rest too. Then as a message again, so
            # an error is handled as any other (never a traceback on the terminal).
            asyncio.get_running_loop().call_soon(self.call_later, self._show_pending_jobs)

    def on_job_changed(self, event: JobChanged) -> None:
        self._show_jobs([event.job])
        if event.note:
            self.notify(event.note, severity=event.severity, markup=False)

    def _show_jobs(self, jobs: list[Job]) -> None:
        self.tell_screens(lambda: JobsChanged(jobs))
        for job in jobs:
            self.spending_changed(job)
