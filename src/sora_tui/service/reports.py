"""The server's reports: what the tracker observes of a job (service/tracker.py) recorded on it. Status
transitions are made durable, a round's together in one write, before they are shown; progress ticks stay in
memory. A completed job starts its automatic downloads."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from ..backend.videos import VideoInfo
from ..core.cost import accepted
from ..core.i18n import _
from ..core.job import Job, JobError
from ..core.status import ACTIVE, JobStatus, forward
from .events import JobCompleted, JobFailed, JobProgressed, JobSubmitted
from .shared import ServiceRoom

log = logging.getLogger(__name__)


class Reports(ServiceRoom):
    """What the server reports of the jobs, recorded on them."""

    async def apply(self, job: Job, info: VideoInfo) -> Job:
        """Record a server observation: status transitions durable, progress ticks in memory."""
        return (await self.apply_all([(job, info)]))[0]

    async def apply_all(self, observed: list[tuple[Job, VideoInfo]]) -> list[Job]:
        """Record a tracker round's observations. Every status transition in the round is made durable by one
        write (one fsync, one trip to a thread) before any of them is shown; progress ticks stay in memory."""
        plan = [(job, info, self._transition(job, info)) for job, info in observed]
        writes = {job.local_id: fields for job, _, (_, fields) in plan if fields is not None}
        written = await asyncio.to_thread(self.store.update_many, writes) if writes else {}
        out: list[Job] = []
        for job, info, (kind, _fields) in plan:
            if kind == "tick":
                _status, progress = forward((job.status, job.progress), info.status, info.progress)
                if progress != job.progress:
                    job.progress = progress
                    self.emit(JobProgressed(job))
            elif kind != "same" and job.local_id in written:  # not there: deleted meanwhile by another process
                job = self._mine(written[job.local_id])
                if kind == "completed":
                    log.info("%s completed", job.local_id)
                    self.emit(JobCompleted(job))
                    for variant in job.auto_download:
                        self.start_download(job, variant)
                elif kind == "failed":
                    self.emit(JobFailed(job))
                else:
                    self.emit(JobProgressed(job))
            out.append(job)
        return out

    @staticmethod
    def _transition(job: Job, info: VideoInfo) -> tuple[str, dict[str, Any] | None]:
        """What an observation means for a job: its kind, and the fields to store (None: nothing durable)."""
        if info.status in ACTIVE:
            status, progress = forward((job.status, job.progress), info.status, info.progress)
            if status == job.status:
                return "tick", None
            return "progressed", {"status": status, "progress": progress}
        if info.status == JobStatus.COMPLETED:
            if job.status in (JobStatus.COMPLETED, JobStatus.DOWNLOADED):
                return "same", None
            return "completed", {"status": JobStatus.COMPLETED, "progress": 100,
                                 "completed_at": info.completed_at or time.time(),
                                 "expires_at": info.expires_at, "error": None,
                                 "extra": accepted(job, info.seconds, info.size)}
        if info.status in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED):
            reason = info.raw_status or "failed"
            return "failed", {"status": info.status, "error": _job_error(info) or JobError.made(
                reason, lambda: _("The server reports the job as {status}.").format(status=reason))}
        return "progressed", {"status": info.status, "progress": max(job.progress, info.progress)}  # not one we know

    async def mark_lost(self, job: Job, reason: Callable[[], str]) -> Job:
        """The server no longer knows `job`: failed, with `reason()` (called in English and in the interface's)."""
        job = await self._update(job.local_id, status=JobStatus.FAILED, error=JobError.made("not_found", reason))
        self.emit(JobFailed(job))
        return job

    async def reconciled(self, job: Job, info: VideoInfo) -> Job:
        """A create the tracker found in the server's list after all (Tracker.reconcile): its video id recorded, the
        job shown as submitted, then what the list says of it applied."""
        updated = await self._update(job.local_id, video_id=info.id, status=JobStatus.QUEUED, error=None,
                                     extra={**job.extra, "reconciled": True})
        self.emit(JobSubmitted(updated))
        return await self.apply(updated, info)


def _job_error(info: VideoInfo) -> JobError | None:
    if info.error_code or info.error_message:
        return JobError(info.error_code or "error", info.error_message or "")
    return None
