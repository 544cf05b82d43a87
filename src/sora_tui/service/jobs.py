"""JobService: submit, track, download, retry, vary, remix, extend — the client's job engine, shared by TUI and CLI.

It is composed of rooms of one purpose each (service/shared.py says which); this module sets their state up and
keeps what all of them lead to: sending a create to the server, waiting out its rate limits, and recording its
answer. The tracker (service/tracker.py) is handed the service as its TrackedService and never imports this module.

The names the rest of the code imports from here stay importable from here (re-exported below)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ..backend.errors import BackendError
from ..backend.videos import VideoInfo, VideosBackend
from ..core.cost import accepted
from ..core.i18n import _
from ..core.job import Job, JobError
from ..core.ledger import Budget
from ..core.params import ModelSpec
from ..core.status import JobStatus
from ..core.text import strip_control
from ..store.history import HistoryWriteError
from .downloads import (
    DOWNLOAD_ATTEMPTS,
    DOWNLOAD_STALLS,
    DOWNLOAD_TRIES,
    RESUME_DOWNLOADS_WITHIN,
    VARIANTS,
    Downloads,
)
from .errors import BudgetRefused, ServiceError
from .events import JobFailed, JobProgressed, JobSubmitted, JobUncertain, ServiceNotice
from .files import DownloadNamer
from .keep import Keeping
from .reports import Reports, _job_error
from .server_videos import ServerVideos
from .storyboards import Storyboards
from .submit import MAX_VARIATIONS, Submitting
from .tracker import Tracker, submitter_tag
from .waiting import CLOCK_SLACK, DOWNLOAD_ROUNDS, TRACKING_PAUSE, Waiting
from .words import _duration

__all__ = [
    "CLOCK_SLACK", "CREATE_ATTEMPTS", "DOWNLOAD_ATTEMPTS", "DOWNLOAD_ROUNDS", "DOWNLOAD_STALLS", "DOWNLOAD_TRIES",
    "MAX_CREATE_WAIT", "MAX_RESUBMITS", "MAX_VARIATIONS", "RESUME_DOWNLOADS_WITHIN", "SHOWN_WAIT", "TRACKING_PAUSE",
    "VARIANTS", "BudgetRefused", "JobService", "ServiceError",
]

log = logging.getLogger(__name__)

CREATE_ATTEMPTS = 6  # a create answered 429 is sent again, honouring Retry-After
# A create answered 429 waits as long as the server asks, up to this; a longer Retry-After fails the job at once,
# saying so (nothing was created). Waits longer than SHOWN_WAIT are shown on the job (a countdown) and said.
MAX_CREATE_WAIT = 3600.0
SHOWN_WAIT = 5.0
MAX_RESUBMITS = 3  # creates proven never to have arrived are sent again this many times

# Errors on create that prove the server did not start a job.
_NOT_CREATED = {"bad_request", "auth", "unsupported", "rate_limited", "unreachable", "not_found", "disk", "expired"}


class JobService(Storyboards, Submitting, Reports, Downloads, ServerVideos, Waiting, Keeping):
    """The job engine: its rooms' methods, on the state set up here."""

    def __init__(
        self,
        store: Any,  # store.HistoryStore (kept loose: the service is its only writer)
        backend: VideosBackend,
        *,
        profile: str = "local",
        download_dir: Path,
        models: dict[str, ModelSpec] | None = None,
        filename_template: str | None = None,
        max_downloads: int = 3,
        local_engine: bool = False,
        characters: Any = None,  # store.CharacterBook, where created characters are remembered
        models_listed: bool = False,  # `models` is all the server offers: refuse another before sending
        budget: Budget | None = None,  # the profile's spending limits, checked as jobs are written
    ) -> None:
        self.store = store
        self.characters = characters
        self.backend = backend
        self.profile = profile
        self.download_dir = download_dir
        self.models = models
        self.models_listed = models_listed
        self.budget = budget or Budget()
        self.local_engine = local_engine
        self.namer = DownloadNamer(download_dir, filename_template)
        self._listeners = []
        self._download_slots = asyncio.Semaphore(max_downloads)
        self._downloads = {}
        self._digests = set()
        self.tracker = Tracker(self)
        # What the service had to do to get jobs through (harnesses and benchmarks read it).
        self.stats = Counter()
        self._own_writes = {}
        if local_engine:  # the built-in engine lists a video the moment it accepts it
            self.tracker.reconcile_grace = 1.0

    # --- sending a create -----------------------------------------------------------------------------
    async def _create_with_rate_limit(self, job: Job) -> VideoInfo:
        """Send the create; a 429 proves nothing was created, so wait as the server asks and send again. A long wait
        is written on the job (extra.retry_at, shown as a countdown; the reconciler leaves it alone meanwhile) and
        said; a Retry-After beyond MAX_CREATE_WAIT is not waited out."""
        call = self._create_call(job)
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            self.stats["creates_sent"] += 1
            try:
                return await call()
            except BackendError as exc:
                if exc.kind != "rate_limited" or attempt == CREATE_ATTEMPTS:
                    raise
                self.stats["creates_rate_limited"] += 1
                delay = exc.retry_after if exc.retry_after is not None else min(30.0, 2.0**attempt)
                if delay > MAX_CREATE_WAIT:
                    raise
                log.info("create for %s rate limited; sending again in %.1f s", job.local_id, delay)
                if delay > SHOWN_WAIT:
                    await self._wait_to_resend(job, delay, exc)
                else:
                    await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _wait_to_resend(self, job: Job, delay: float, exc: BackendError) -> None:
        at = time.time() + delay
        when = time.strftime("%H:%M", time.localtime(at))
        error = JobError.made(exc.code or "rate_limited", lambda: _(
            "The server is rate-limiting new jobs (it asked to wait {wait}); sora-tui sends this one again at {time}. "
            "Nothing has been created or billed yet.").format(wait=_duration(delay), time=when))
        message = error.shown

        def waiting(j: Job) -> None:
            j.extra = {**j.extra, "retry_at": at}
            j.error = error

        def sending(j: Job) -> None:
            j.extra = {k: v for k, v in j.extra.items() if k != "retry_at"} | {"sent_at": time.time()}
            j.error = None

        self.emit(JobProgressed(await self._mutate(job.local_id, waiting)))
        self.emit(ServiceNotice(f"{job.short_id}: {message}", "warning"))
        await asyncio.sleep(delay)
        self.emit(JobProgressed(await self._mutate(job.local_id, sending)))

    async def _send(self, job: Job) -> Job:
        log.info("submitting %s (%s, %s, %s s, %s)", job.local_id, job.kind, job.params.model, job.params.seconds, job.params.size)
        try:
            info = await self._create_with_rate_limit(job)
        except BackendError as exc:
            log.warning("create for %s failed: %s (%s)", job.local_id, exc.kind, exc.message)
            if exc.kind in _NOT_CREATED:
                def reason(exc: BackendError = exc) -> str:
                    if exc.kind != "rate_limited":
                        return exc.user_message()
                    # it was not waited out: say so, never "will retry"
                    if exc.retry_after:
                        return _("{error} The server is rate-limiting new jobs (it asked to wait {wait}), so sora-tui "
                                 "did not send it again; nothing was created or billed. Retry it later.").format(
                                     error=exc.what_happened(), wait=_duration(exc.retry_after))
                    return _("{error} The server is rate-limiting new jobs, so sora-tui did not send it again; "
                             "nothing was created or billed. Retry it later.").format(error=exc.what_happened())

                job = await self._update(job.local_id, status=JobStatus.FAILED,
                                         error=JobError.made(exc.code or exc.kind, reason))
                self.emit(JobFailed(job))
                if exc.kind in ("auth", "unreachable"):
                    raise
                return job
            # Timeout, dropped connection, 5xx: the server may have started (and will bill) the job.
            self.stats["creates_uncertain"] += 1

            def uncertain(exc: BackendError = exc) -> str:
                return _("{error} The job may still have been created; sora-tui will check the server's "
                         "list.").format(error=exc.what_happened())

            job = await self._update(job.local_id, status=JobStatus.UNCERTAIN, error=JobError.made("uncertain", uncertain))
            self.emit(JobUncertain(job))
            return job
        try:
            job = await self._update(
                job.local_id,
                video_id=info.id,
                status=info.status,
                progress=info.progress,
                submitted_at=time.time(),
                error=_job_error(info),
                extra=accepted(job, info.seconds, info.size),  # what is billed is what the server accepted
            )
        except HistoryWriteError as exc:
            log.error("%s accepted as %s, but the history could not record it: %s", job.local_id, info.id, exc)
            raise ServiceError(
                _("The server accepted the job as {video_id}, but the history could not record it: {error} Once it can, "
                  "`sora-tui resume` finds the job in the server's list.").format(video_id=strip_control(info.id),
                                                                                 error=exc)) from None
        log.info("%s accepted as %s", job.local_id, job.video_id)
        self.emit(JobSubmitted(job))
        self.tracker.wake()
        return job

    async def resubmit_unsent(self, job: Job) -> Job:
        """The server's list proves this create never arrived: send it again (nothing can be billed twice),
        a few times at most, then say so and leave it to the user."""
        sent = int(job.extra.get("resubmits", 0))
        if sent >= MAX_RESUBMITS:
            updated = await self._update(job.local_id, status=JobStatus.FAILED, error=JobError.made(
                "not_submitted",
                lambda: _("The create request never reached the server ({attempts} attempts; it is not in the server's "
                          "list), so nothing was billed. Retry to generate it.").format(attempts=sent + 1)))
            self.emit(JobFailed(updated))
            return updated

        def again(j: Job) -> None:
            j.status, j.error = JobStatus.SUBMITTING, None
            j.extra = {**j.extra, "resubmits": sent + 1, "submitter": submitter_tag(), "sent_at": time.time()}

        log.info("%s never reached the server; sending it again (attempt %d)", job.local_id, sent + 2)
        self.stats["creates_resent_after_list_check"] += 1
        return await self._send(await self._mutate(job.local_id, again))
