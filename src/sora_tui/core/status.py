"""Job statuses: the client's lifecycle and how server words map onto it."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTING = "submitting"  # written before the create request is sent
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # done on the server, not (all) downloaded yet
    DOWNLOADED = "downloaded"  # the video is on disk, checksum recorded
    FAILED = "failed"
    CANCELED = "canceled"
    EXPIRED = "expired"
    # The create request may or may not have reached the server (crash or network loss in flight):
    # reconciled against the server's list, or shown to the user to decide.
    UNCERTAIN = "uncertain"


ACTIVE = frozenset({JobStatus.SUBMITTING, JobStatus.QUEUED, JobStatus.IN_PROGRESS})
TERMINAL = frozenset(
    {JobStatus.COMPLETED, JobStatus.DOWNLOADED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED}
)

# Server words (OpenAI, gateways, proxies) -> our lifecycle.
_SERVER_WORDS: dict[str, JobStatus] = {
    "queued": JobStatus.QUEUED,
    "pending": JobStatus.QUEUED,
    "submitted": JobStatus.QUEUED,
    "in_progress": JobStatus.IN_PROGRESS,
    "processing": JobStatus.IN_PROGRESS,
    "running": JobStatus.IN_PROGRESS,
    "generating": JobStatus.IN_PROGRESS,
    "completed": JobStatus.COMPLETED,
    "succeeded": JobStatus.COMPLETED,
    "success": JobStatus.COMPLETED,
    "complete": JobStatus.COMPLETED,
    "done": JobStatus.COMPLETED,
    "failed": JobStatus.FAILED,
    "error": JobStatus.FAILED,
    "canceled": JobStatus.CANCELED,
    "cancelled": JobStatus.CANCELED,
    "expired": JobStatus.EXPIRED,
}


def from_server(word: str | None) -> JobStatus:
    """Map a server's status word; unknown words count as still in progress (never as done)."""
    if not word:
        return JobStatus.IN_PROGRESS
    return _SERVER_WORDS.get(str(word).strip().lower(), JobStatus.IN_PROGRESS)
