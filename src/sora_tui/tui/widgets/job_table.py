"""JobTable: every active and recent job, updated in place (never resets the cursor or steals focus)."""

from __future__ import annotations

from rich.text import Text

from ...core.job import Job
from . import job_list
from .job_list import (
    JobList,
    cost_cell,
    elapsed,
    eta,
    expires_cell,
    files_cell,
    progress_bar,
    prompt_cell,
    span,
    status_cell,
)

WIDE = (("id", "ID"), ("prompt", "Prompt"), ("model", "Model"), ("size", "Size"), ("secs", "Sec"),
        ("status", "Status"), ("progress", "Progress"), ("elapsed", "Elapsed"), ("eta", "ETA"), ("cost", "Cost"),
        ("files", "Files"), ("expires", "Expires"))
COMPACT = (("id", "ID"), ("prompt", "Prompt"), ("status", "Status"), ("progress", "Progress"), ("eta", "ETA"),
           ("files", "Files"))
TICKING = ("elapsed", "eta", "expires")


class JobTable(JobList):
    """The live table: oldest first like a log, so new rows appear at the bottom and the cursor stays put."""

    COLUMNS = WIDE

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.downloads: dict[str, dict[str, float]] = {}  # local id -> variant -> fraction received

    def columns_for(self, compact: bool) -> tuple[tuple[str, str], ...]:
        return COMPACT if compact else WIDE

    def cell(self, key: str, job: Job, now: float) -> Text:
        p = job.params
        if key == "id":
            return Text(job.short_id, style="bold" if job.is_active else "")
        if key == "prompt":
            return prompt_cell(job, 19 if self.compact else 40)  # compact: every column fits 80 cells
        if key in ("model", "size"):
            return Text(p.model if key == "model" else p.size)
        if key == "secs":
            return Text(p.seconds, justify="right")
        if key == "status":
            return status_cell(job)
        if key == "progress":
            return progress_bar(job, 6 if self.compact else 10)
        if key == "elapsed":
            return Text(span(elapsed(job, now)), justify="right")
        if key == "eta":
            left = eta(job, now)
            return Text(span(left) if left is not None else "—", justify="right")
        if key == "cost":
            return cost_cell(job)
        if key == "files":
            return files_cell(job, self.downloads.get(job.local_id))
        return expires_cell(job, now)

    def cells(self, job: Job, now: float) -> list[Text]:
        return [self.cell(key, job, now) for key, _ in self.columns_for(self.compact)]

    def default_row(self) -> int:
        return self.row_count - 1

    def load(self, jobs: list[Job]) -> None:
        super().load(sorted(jobs, key=lambda j: j.created_at))

    def upsert(self, job: Job) -> None:
        """Update the job's row in place, or append it."""
        if job.local_id in self.rows:
            self.update_job(job)
            return
        self.jobs[job.local_id] = job
        self.add_row(*self.cells(job, job_list.clock()), key=job.local_id)
        if not self.has_focus:
            self.move_cursor(row=self.row_count - 1)  # show the new job when the user is typing elsewhere

    def download_progress(self, job: Job, variant: str, fraction: float | None) -> None:
        """A running download's share received; None when it ended (the row then shows the files on disk)."""
        if fraction is None:
            self.downloads.pop(job.local_id, None)
        else:
            self.downloads[job.local_id] = {variant: fraction}
        if job.local_id in self.rows:
            self.update_job(self.jobs.get(job.local_id, job) if fraction is not None else job)

    def tick(self) -> None:
        """Once a second: the clock columns of rows whose clocks move (active jobs, assets that expire)."""
        now = job_list.clock()
        keys = [k for k, _ in self.columns_for(self.compact) if k in TICKING]
        if not keys:
            return
        for job in self.jobs.values():
            if job.is_active or (job.expires_at and job.expires_at > now - 2):
                for key in keys:
                    self.update_cell(job.local_id, key, self.cell(key, job, now))
