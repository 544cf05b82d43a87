"""JobTable: every active and recent job, updated in place (never resets the cursor or steals focus)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from ...core.job import Job
from ...core.status import JobStatus
from ...core.text import one_line

STATUS_STYLE = {
    JobStatus.SUBMITTING: "yellow", JobStatus.QUEUED: "yellow", JobStatus.IN_PROGRESS: "cyan",
    JobStatus.COMPLETED: "green", JobStatus.DOWNLOADED: "bold green", JobStatus.FAILED: "bold red",
    JobStatus.CANCELED: "red", JobStatus.EXPIRED: "magenta", JobStatus.UNCERTAIN: "bold yellow",
}
COLUMNS = (("id", "ID"), ("prompt", "Prompt"), ("model", "Model"), ("size", "Size"), ("secs", "Sec"),
           ("status", "Status"), ("progress", "Progress"), ("cost", "Cost"), ("age", "Age"))


def progress_bar(job: Job, width: int = 10) -> Text:
    pct = 100 if job.status in (JobStatus.COMPLETED, JobStatus.DOWNLOADED) else max(0, min(100, job.progress))
    if job.status in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED):
        return Text("—", style="dim")
    filled = round(width * pct / 100)
    return Text("█" * filled + "░" * (width - filled) + f" {pct:>3}%", style="cyan" if pct < 100 else "green")


def age(ts: float) -> str:
    s = max(0, int(time.time() - ts))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def row_cells(job: Job) -> list[Text | str]:
    marker = {"remix": "↻ ", "extend": "⇥ ", "edit": "✎ ", "retry": "⟲ "}.get(job.kind, "")
    group = "▣ " if job.group_id else ""
    star = "★ " if job.starred else ""
    return [
        Text(job.short_id),
        Text(star + group + marker + one_line(job.params.prompt, 40)),
        Text(job.params.model),
        Text(job.params.size),
        Text(job.params.seconds),
        Text(job.status.value.replace("_", " "), style=STATUS_STYLE.get(job.status, "")),
        progress_bar(job),
        Text(f"${job.cost_estimate:.2f}" if job.cost_estimate is not None else "?"),
        Text(age(job.created_at)),
    ]


class JobTable(DataTable):
    """Rows keyed by the job's local id; actions post messages, the screen decides what happens."""

    BINDINGS = [
        Binding("r", "retry", "Retry", tooltip="Run the selected job again with the same settings", id="job.retry"),
        Binding("d", "download", "Download", tooltip="Download the selected job's video", id="job.download"),
        Binding("enter", "details", "Details", tooltip="Show everything about the selected job", id="job.details"),
    ]

    @dataclass
    class Action(Message):
        action: str
        local_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        # Columns exist from construction, so history loaded before the first frame has somewhere to go.
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def upsert(self, job: Job) -> None:
        """Update the job's row in place, or append it (oldest first, like a log: the cursor never jumps)."""
        cells = row_cells(job)
        if job.local_id in self.rows:
            for (key, _), value in zip(COLUMNS, cells):
                self.update_cell(job.local_id, key, value, update_width=True)
            return
        self.add_row(*cells, key=job.local_id)
        if not self.has_focus:
            self.move_cursor(row=self.row_count - 1)  # show the new job when the user is typing elsewhere

    @property
    def selected_local_id(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # an empty or changing table has no valid cursor cell
            return None

    def load(self, jobs: list[Job]) -> None:
        self.clear()
        for job in sorted(jobs, key=lambda j: j.created_at):
            self.add_row(*row_cells(job), key=job.local_id)
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def _post(self, action: str) -> None:
        local_id = self.selected_local_id
        if local_id is None:
            self.notify("No job selected.", severity="warning", markup=False)
            return
        self.post_message(self.Action(action, local_id))

    def action_retry(self) -> None:
        self._post("retry")

    def action_download(self) -> None:
        self._post("download")

    def action_details(self) -> None:
        self._post("details")
