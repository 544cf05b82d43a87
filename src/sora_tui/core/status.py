"""Job statuses: the client's lifecycle and how server words map onto it."""

from __future__ import annotations

from enum import StrEnum

from .i18n import N_, _


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


def forward(seen: tuple[JobStatus, int], status: JobStatus, progress: int) -> tuple[JobStatus, int]:
    """What an observation of a job says, never behind what was already seen of it while it runs: "queued" again
    after "in progress" stays in progress, and progress only grows, to 99 until the job is done. Gateways report
    progress in jumps (back, past 100) and may say "queued" again; a finished job's observation is taken as it is.
    The one place this rule lives (the tracker applies it to what it shows, the service to what it stores)."""
    if status not in ACTIVE:
        return status, progress
    seen_status, seen_progress = seen
    if seen_status == JobStatus.IN_PROGRESS and status == JobStatus.QUEUED:
        status = JobStatus.IN_PROGRESS
    return status, min(99, max(seen_progress, progress))


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


# What a person reads for each status (tables, details, the CLI's listing); the values themselves stay English in
# --json, in the history file and wherever code compares them.
_LABELS: dict[JobStatus, str] = {
    JobStatus.DRAFT: N_("draft"),
    JobStatus.SUBMITTING: N_("submitting"),
    JobStatus.QUEUED: N_("queued"),
    JobStatus.IN_PROGRESS: N_("in progress"),
    JobStatus.COMPLETED: N_("completed"),
    JobStatus.DOWNLOADED: N_("downloaded"),
    JobStatus.FAILED: N_("failed"),
    JobStatus.CANCELED: N_("canceled"),
    JobStatus.EXPIRED: N_("expired"),
    JobStatus.UNCERTAIN: N_("uncertain"),
}
# A create the server rate-limited, waiting to be sent again (shown in place of "submitting").
RATE_LIMITED = N_("rate limited")


def label(status: JobStatus | str) -> str:
    """The status as a person reads it, in the interface's language."""
    try:
        return _(_LABELS[JobStatus(status)])
    except ValueError:  # a value this version does not know (a newer history): as it is
        return str(status).replace("_", " ")


def labels() -> list[str]:
    """Every label a status column may show, in the interface's language (what it has to be wide enough for)."""
    return [_(text) for text in (*_LABELS.values(), RATE_LIMITED)]
