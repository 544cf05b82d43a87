"""The client's job engine: submit, track, download, retry, variations, remix, extend; emits events."""

from .events import (
    DownloadFailed,
    DownloadProgressed,
    Event,
    JobChangedElsewhere,
    JobCompleted,
    JobDownloaded,
    JobFailed,
    JobProgressed,
    JobSubmitted,
    JobUncertain,
    ServiceNotice,
)
from .jobs import JobService, ServiceError

__all__ = [
    "DownloadFailed", "DownloadProgressed", "Event", "JobChangedElsewhere", "JobCompleted", "JobDownloaded", "JobFailed",
    "JobProgressed", "JobService", "JobSubmitted", "JobUncertain", "ServiceError", "ServiceNotice",
]
