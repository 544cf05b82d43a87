"""Live progress while a command waits for its jobs: one status line per change, on a terminal's stderr only."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, TextIO

from ..core.i18n import _
from ..core.job import Job, asset_name
from ..core.status import JobStatus, label
from ..core.text import strip_control

if TYPE_CHECKING:
    from ..service.events import Event


class ProgressPrinter:
    """One status line per event on a terminal's stderr; silent when not a terminal.

    Only of the command's own jobs (`only`: their local ids, or a test of a job): the tracking behind a wait polls
    every active job of the profile's server, another process's too, and says what it finds of each."""

    def __init__(self, stream: TextIO, enabled: bool,
                 only: Collection[str] | Callable[[Job], bool] | None = None) -> None:
        self.stream = stream
        self.enabled = enabled
        self._last: dict[str, str] = {}
        if only is None:
            self._ours: Callable[[Job], bool] = lambda job: True
        elif callable(only):
            self._ours = only
        else:
            ids = frozenset(only)
            self._ours = lambda job: job.local_id in ids

    def start(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._say(job, label(job.status))

    def _say(self, job: Job, text: str) -> None:
        if not self.enabled or not self._ours(job):
            return
        if self._last.get(job.local_id) == text:
            return
        self._last[job.local_id] = text
        self.stream.write(f"  {job.short_id}  {strip_control(text)}\n")
        self.stream.flush()

    def on_event(self, event: Event) -> None:
        # The service's events load with the first command that waits (they bring the history's storage), not with
        # the package: `sora-tui --help` does without them.
        from ..service.events import (
            DownloadFailed,
            DownloadProgressed,
            JobCompleted,
            JobDownloaded,
            JobFailed,
            JobProgressed,
            JobSubmitted,
            JobUncertain,
            ServiceNotice,
        )

        if isinstance(event, ServiceNotice):
            if self.enabled:
                self.stream.write(f"  ! {strip_control(event.message)}\n")
            return
        job = event.job
        if isinstance(event, DownloadProgressed):
            if event.total:
                pct = int(100 * event.received / event.total)
                self._say(job, _("downloading the {asset}: {pct}%").format(asset=asset_name(event.variant),
                                                                          pct=pct // 10 * 10))
        elif isinstance(event, JobDownloaded):
            self._say(job, _("downloaded the {asset}: {path}").format(asset=asset_name(event.file.variant),
                                                                      path=event.file.path))
        elif isinstance(event, DownloadFailed):
            self._say(job, _("the download of the {asset} failed: {message}").format(
                asset=asset_name(event.variant), message=event.message))
        elif isinstance(event, JobFailed):
            if job.error:
                self._say(job, _("{status}: {message}").format(status=label(job.status), message=job.error.shown))
            else:
                self._say(job, label(job.status))
        elif isinstance(event, JobCompleted):
            self._say(job, label(JobStatus.COMPLETED))
        elif isinstance(event, JobUncertain):
            self._say(job, _("uncertain: checking whether the server got it"))
        elif isinstance(event, (JobProgressed, JobSubmitted)):
            bucket = job.progress // 10 * 10
            self._say(job, f"{label(job.status)} {bucket}%" if job.status in (JobStatus.IN_PROGRESS,) else label(job.status))

    def finish(self) -> None:
        if self.enabled:
            self.stream.flush()
