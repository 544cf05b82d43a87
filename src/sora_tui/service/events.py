"""Events the service emits; the TUI turns them into widget updates, the CLI into lines or JSON."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.job import FileRecord, Job


@dataclass(frozen=True)
class JobEvent:
    job: Job


@dataclass(frozen=True)
class JobSubmitted(JobEvent):
    """The server accepted the create request (the job has a video_id)."""


@dataclass(frozen=True)
class JobProgressed(JobEvent):
    """Progress or status changed while queued/in progress. Bursts may be collapsed to the latest."""


@dataclass(frozen=True)
class JobCompleted(JobEvent):
    pass


@dataclass(frozen=True)
class JobFailed(JobEvent):
    pass


@dataclass(frozen=True)
class JobUncertain(JobEvent):
    """The create request may or may not have reached the server; it will be reconciled."""


@dataclass(frozen=True)
class JobChangedElsewhere(JobEvent):
    """Another process (a CLI beside the TUI) added or changed this job in the shared history."""


@dataclass(frozen=True)
class DownloadProgressed(JobEvent):
    variant: str
    received: int
    total: int | None


@dataclass(frozen=True)
class JobDownloaded(JobEvent):
    file: FileRecord


@dataclass(frozen=True)
class FileDigested(JobEvent):
    """A downloaded file's sha256 is known and recorded (just after its JobDownloaded)."""

    file: FileRecord


@dataclass(frozen=True)
class DownloadFailed(JobEvent):
    variant: str
    message: str


@dataclass(frozen=True)
class ServiceNotice:
    """Something the user should know that is not about one job (rate limiting, server unreachable)."""

    message: str
    level: str = "warning"  # information | warning | error


Event = JobEvent | ServiceNotice
