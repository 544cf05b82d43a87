"""Plain-text rendering of jobs for the CLI: one-line listings, details, and live progress on stderr."""

from __future__ import annotations

import time
from typing import Any, TextIO

from .core.job import SHORT_ID_LENGTH, Job
from .core.status import JobStatus
from .core.text import one_line, strip_control
from .service.events import (
    DownloadFailed,
    DownloadProgressed,
    Event,
    JobCompleted,
    JobDownloaded,
    JobFailed,
    JobProgressed,
    JobSubmitted,
    JobUncertain,
    ServiceNotice,
)


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "-"


def job_line(job: Job) -> str:
    ident = job.short_id  # the id the TUI shows too; `show --json` has the server's
    cost = f"${job.cost_estimate:.2f}" if job.cost_estimate is not None else "-"
    status = job.status.value
    if job.is_active and job.progress:
        status += f" {job.progress}%"
    return (f"{ident:<{SHORT_ID_LENGTH}}  {status:<14} {job.params.model:<10} {job.params.size:>9} "
            f"{job.params.seconds:>3}s {cost:>6}  {_when(job.created_at)}  {one_line(job.params.prompt, 60)}")


def job_detail(job: Job) -> str:
    rows: list[tuple[str, Any]] = [
        ("short id", job.short_id),
        ("id", job.video_id or "(not on the server)"),
        ("local id", job.local_id),
        ("status", job.status.value + (f" ({job.progress}%)" if job.is_active else "")),
        ("kind", job.kind),
        ("model", job.params.model),
        ("size", job.params.size),
        ("seconds", job.params.seconds),
        ("reference image", job.params.image or "-"),
        ("profile", job.profile),
        ("server", job.server or "-"),
        ("parent", job.parent_id or "-"),
        ("variation group", job.group_id or "-"),
        ("cost estimate", f"${job.cost_estimate:.2f}" if job.cost_estimate is not None else "unknown"),
        ("created", _when(job.created_at)),
        ("completed", _when(job.completed_at)),
        ("assets expire", _when(job.expires_at)),
        ("starred", "yes" if job.starred else "no"),
    ]
    if job.tags:
        rows.append(("tags", ", ".join(job.tags)))
    if job.error:
        rows.append(("error", f"{job.error.code}: {job.error.message}"))
    for f in job.files:
        made = "  made locally from the video (the server did not give it)" if f.made_locally else ""
        rows.append((f"file ({f.variant})", f"{f.path}  {f.bytes:,} bytes  {f.digest_label(16)}{made}"))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {strip_control(str(v))}" for k, v in rows]
    lines.append("")
    lines.append("prompt:")
    lines.append(strip_control(job.params.prompt))
    if job.notes:
        lines += ["", "notes:", strip_control(job.notes)]
    return "\n".join(lines)


class ProgressPrinter:
    """One status line per event on a terminal's stderr; silent when not a terminal."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self._last: dict[str, str] = {}

    def start(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._say(job, f"{job.status.value}")

    def _say(self, job: Job, text: str) -> None:
        if not self.enabled:
            return
        if self._last.get(job.local_id) == text:
            return
        self._last[job.local_id] = text
        self.stream.write(f"  {job.short_id}  {strip_control(text)}\n")
        self.stream.flush()

    def on_event(self, event: Event) -> None:
        if isinstance(event, ServiceNotice):
            if self.enabled:
                self.stream.write(f"  ! {strip_control(event.message)}\n")
            return
        job = event.job
        if isinstance(event, DownloadProgressed):
            if event.total:
                pct = int(100 * event.received / event.total)
                self._say(job, f"downloading {event.variant} {pct // 10 * 10}%")
        elif isinstance(event, JobDownloaded):
            self._say(job, f"downloaded {event.file.variant}: {event.file.path}")
        elif isinstance(event, DownloadFailed):
            self._say(job, f"download of {event.variant} failed: {event.message}")
        elif isinstance(event, JobFailed):
            err = f": {job.error.message}" if job.error else ""
            self._say(job, f"{job.status.value}{err}")
        elif isinstance(event, JobCompleted):
            self._say(job, "completed")
        elif isinstance(event, JobUncertain):
            self._say(job, "uncertain: checking whether the server got it")
        elif isinstance(event, (JobProgressed, JobSubmitted)):
            bucket = job.progress // 10 * 10
            self._say(job, f"{job.status.value} {bucket}%" if job.status in (JobStatus.IN_PROGRESS,) else job.status.value)

    def finish(self) -> None:
        if self.enabled:
            self.stream.flush()
