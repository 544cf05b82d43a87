"""JobService: submit, track, download, retry, vary, remix, extend — the client's job engine, shared by TUI and CLI."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..backend.errors import BackendError, map_error
from ..backend.videos import VideoInfo, VideosBackend
from ..core.cost import accepted, estimate
from ..core.i18n import N_, _, pgettext
from ..core.job import FileRecord, Job, JobError, asset_name, new_local_id
from ..core.ledger import Budget, OverBudget, check_budget
from ..core.params import (
    SECONDS_ALL,
    GenerationParams,
    InvalidParams,
    ModelSpec,
    estimate_cost,
    validate_params,
    validate_prompt,
)
from ..core.status import ACTIVE, JobStatus
from ..core.text import strip_control
from ..store.history import HistoryWriteError
from .events import (
    DownloadFailed,
    DownloadProgressed,
    Event,
    FileDigested,
    JobChangedElsewhere,
    JobCompleted,
    JobDownloaded,
    JobFailed,
    JobProgressed,
    JobSubmitted,
    JobUncertain,
    ServiceNotice,
)
from .files import DownloadNamer, destination, is_picture, replace_own, write_sidecar
from .reference import check_reference_image
from .tracker import Tracker, submitter_tag

log = logging.getLogger(__name__)

VARIANTS = ("video", "thumbnail", "spritesheet")
CREATE_ATTEMPTS = 6  # a create answered 429 is sent again, honouring Retry-After
# A create answered 429 waits as long as the server asks, up to this; a longer Retry-After fails the job at once,
# saying so (nothing was created). Waits longer than SHOWN_WAIT are shown on the job (a countdown) and said.
MAX_CREATE_WAIT = 3600.0
SHOWN_WAIT = 5.0
MAX_RESUBMITS = 3  # creates proven never to have arrived are sent again this many times
CLOCK_SLACK = 5.0  # seconds another process's clock may lag ours when watching the shared history
MAX_VARIATIONS = 8
# How long a failing download goes on. The service is the only one retrying it (the SDK's retries are off for
# downloads: two loops multiplied a server that never answers into 6 x 3 read timeouts, and each try resumes):
# - a server that takes the request and never answers: DOWNLOAD_STALLS tries in a row that time out before a byte
#   comes, then it gives up: 2 read timeouts and a 0.5 s pause, 2 min at the default 60 s profile timeout;
# - any other failure (refused, dropped, 429, 5xx): DOWNLOAD_ATTEMPTS tries that bring no byte, each at most 5 s
#   to connect plus one read timeout, with pauses of 0.5, 1, 2, 4 then 8 s (or the server's Retry-After): about
#   a minute for a server that is down. Tries whose bytes were kept (a body cut mid-way, resumed next) do not use
#   those up; all tries together are at most DOWNLOAD_TRIES.
DOWNLOAD_ATTEMPTS = 12
DOWNLOAD_STALLS = 2
DOWNLOAD_TRIES = 3 * DOWNLOAD_ATTEMPTS
DOWNLOAD_ROUNDS = 2  # wait() starts a download that gave up this many more times before reporting it
TRACKING_PAUSE = 30.0  # seconds: after an unexpected failure (a full disk), before the tracker tries again
RESUME_DOWNLOADS_WITHIN = 2 * 86400  # seconds: assets older than this are long expired on every known server

# Errors on create that prove the server did not start a job.
_NOT_CREATED = {"bad_request", "auth", "unsupported", "rate_limited", "unreachable", "not_found", "disk", "expired"}


class ServiceError(Exception):
    """A user action that cannot be done; the message says why and what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BudgetRefused(ServiceError):
    """A submission that would pass the profile's budget: nothing was written or sent (`over` says the figures)."""

    def __init__(self, over: OverBudget) -> None:
        super().__init__(over.message)
        self.over = over


def _priced_seconds(job: Job) -> str:
    """The seconds a job generates, as its price counts them (an extension's are those it adds)."""
    if job.kind == "extend":
        return str(job.extra.get("extension_seconds") or job.params.seconds)
    return job.params.seconds


class JobService:
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
        self._listeners: list[Callable[[Event], Any]] = []
        self._download_slots = asyncio.Semaphore(max_downloads)
        self._downloads: dict[tuple[str, str], asyncio.Task[FileRecord | None]] = {}
        self._digests: set[asyncio.Task[FileRecord]] = set()
        self.tracker = Tracker(self)
        # What the service had to do to get jobs through (harnesses and benchmarks read it).
        self.stats: Counter[str] = Counter()
        self._own_writes: dict[str, float] = {}
        if local_engine:  # the built-in engine lists a video the moment it accepts it
            self.tracker.reconcile_grace = 1.0

    # --- events -------------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[Event], Any]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop tracking
                log.exception("event listener failed")

    # --- store access (off the event loop: fsync must never freeze the UI) --------------------------
    async def _update(self, local_id: str, **fields: Any) -> Job:
        return self._mine(await asyncio.to_thread(self.store.update, local_id, **fields))

    async def _mutate(self, local_id: str, fn: Callable[[Job], None]) -> Job:
        return self._mine(await asyncio.to_thread(self.store.mutate, local_id, fn))

    async def _add(self, job: Job) -> None:
        await asyncio.to_thread(self.store.add, job)
        self._mine(job)

    def _mine(self, job: Job) -> Job:
        """Remember our own writes, so watch_history reports only what other processes did."""
        self._own_writes[job.local_id] = job.updated_at
        return job

    # --- submitting ---------------------------------------------------------------------------------
    async def generate(
        self,
        params: GenerationParams,
        *,
        variations: int = 1,
        auto_download: Iterable[str] = (),
        download_dir: Path | None = None,
        character_ids: Iterable[str] = (),
    ) -> list[Job]:
        """Create one job, or N variations of the same params as one group. Validates before anything is written."""
        params = validate_params(params, self.models, listed_only=self.models_listed)
        characters = [str(c).strip() for c in character_ids if str(c).strip()]
        if len(characters) > 2:
            raise InvalidParams(_("A video can use at most 2 characters."), "characters")
        if params.image:
            await asyncio.to_thread(check_reference_image, params.image, params.size)
        if not 1 <= variations <= MAX_VARIATIONS:
            raise InvalidParams(_("Variations must be between 1 and {max}.").format(max=MAX_VARIATIONS), "variations")
        self._check_variants(auto_download)
        group = "grp_" + uuid.uuid4().hex[:12] if variations > 1 else None
        extra = {"character_ids": characters} if characters else {}
        return await self._submit_all([
            self._new_job(params, kind="generate", group_id=group, auto_download=auto_download,
                          download_dir=download_dir, extra=extra) for _take in range(variations)])

    async def retry(self, job: Job, *, auto_download: Iterable[str] = ()) -> Job:
        """The same params again, as a new job linked to the old one (the old one stays in history)."""
        params = validate_params(job.params, self.models, listed_only=self.models_listed)
        if params.image:
            await asyncio.to_thread(check_reference_image, params.image, params.size)
        if job.kind in ("remix", "edit", "extend"):
            source = self._source(job)
            return await self._derived(source, job.kind, job.params.prompt, auto_download, job.extra.get("extension_seconds"), parent=job)
        new = self._new_job(params, kind="retry", parent_id=job.local_id, group_id=job.group_id, auto_download=auto_download)
        return await self._submit(new)

    async def more_takes(self, job: Job, count: int = 2, *, auto_download: Iterable[str] = ()) -> list[Job]:
        """More takes of a job's prompt and settings, in its variation group (a group is made if it had none)."""
        if job.kind in ("remix", "edit", "extend"):
            raise ServiceError(_(_NOT_A_TAKE[job.kind]).format(id=job.short_id))
        params = validate_params(job.params, self.models, listed_only=self.models_listed)
        if params.image:
            await asyncio.to_thread(check_reference_image, params.image, params.size)
        if not 1 <= count <= MAX_VARIATIONS:
            raise InvalidParams(_("Variations must be between 1 and {max}.").format(max=MAX_VARIATIONS), "variations")
        self._check_variants(auto_download)
        group = job.group_id or "grp_" + uuid.uuid4().hex[:12]
        takes = [self._new_job(params, kind="variation", parent_id=job.local_id, group_id=group,
                               auto_download=auto_download) for _take in range(count)]
        self._admit(takes)  # refused by a budget before the group is written on the job
        if job.group_id is None:
            await self._update(job.local_id, group_id=group)
        return await self._submit_all(takes)

    async def annotate(self, job: Job, *, starred: bool | None = None, tags: list[str] | None = None,
                       notes: str | None = None) -> Job:
        """Star, tags and note: the user's own marks, kept in the history."""
        fields: dict[str, Any] = {}
        if starred is not None:
            fields["starred"] = starred
        if tags is not None:
            fields["tags"] = [strip_control(t).strip()[:40] for t in tags if strip_control(t).strip()]
        if notes is not None:
            fields["notes"] = strip_control(notes)[:4000]
        return await self._update(job.local_id, **fields)

    async def remix(self, job: Job, prompt: str, *, auto_download: Iterable[str] = ()) -> Job:
        return await self._derived(job, "remix", prompt, auto_download)

    async def edit(self, job: Job, prompt: str, *, auto_download: Iterable[str] = ()) -> Job:
        return await self._derived(job, "edit", prompt, auto_download)

    async def extend(self, job: Job, prompt: str, seconds: str, *, auto_download: Iterable[str] = ()) -> Job:
        seconds = str(seconds).strip()
        if seconds not in SECONDS_ALL:
            raise InvalidParams(_("An extension adds {choices} seconds, not {seconds}.").format(
                choices=", ".join(SECONDS_ALL), seconds=repr(seconds)), "seconds")
        return await self._derived(job, "extend", prompt, auto_download, seconds)

    def _source(self, job: Job) -> Job:
        source_id = job.extra.get("source_id") or job.parent_id
        parent = self.store.get(source_id) if source_id else None
        if parent is None:
            raise ServiceError(_("The job this {kind} came from is no longer in the history; start a new one.").format(
                kind=_kind_name(job.kind)))
        return parent

    async def _derived(
        self,
        source: Job,
        kind: str,
        prompt: str,
        auto_download: Iterable[str],
        seconds: str | None = None,
        parent: Job | None = None,
    ) -> Job:
        prompt = validate_prompt(prompt)
        self._check_variants(auto_download)
        use = _(_USES[kind]) if kind in _USES else kind
        if not source.video_id:
            raise ServiceError(_("Job {id} never reached the server, so it cannot be used for {use}; retry it "
                                 "instead.").format(id=source.short_id, use=use))
        if source.status == JobStatus.FAILED:
            raise ServiceError(_("Job {id} failed; only a completed video can be used for {use}. Retry it "
                                 "first.").format(id=source.short_id, use=use))
        if source.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED, JobStatus.EXPIRED):
            raise ServiceError(_("Job {id} is {status}; only a completed video can be used for {use}. Wait for it "
                                 "to complete.").format(id=source.short_id, status=_status_word(source.status),
                                                        use=use))
        params = replace(source.params, prompt=prompt, image=None)
        extra: dict[str, Any] = {"source_id": source.local_id, "source_video_id": source.video_id}
        if kind == "extend":
            assert seconds is not None
            extra["extension_seconds"] = seconds
            params = replace(params, seconds=str(int(source.params.seconds) + int(seconds)))
        job = self._new_job(params, kind=kind, parent_id=(parent or source).local_id, auto_download=auto_download, extra=extra)
        if kind == "extend":
            job.cost_estimate = estimate_cost(params.model, params.size, seconds or "0", self.models)
        return await self._submit(job)

    def _create_call(self, job: Job) -> Callable[[], Awaitable[VideoInfo]]:
        """The request that creates this job on the server (the same one again for a resubmission)."""
        if job.kind in ("remix", "edit", "extend"):
            video_id = job.extra.get("source_video_id") or self._source(job).video_id
            if not video_id:
                raise ServiceError(_("The video this {kind} came from has no server id; start a new one.").format(
                    kind=_kind_name(job.kind)))
            prompt = job.params.prompt
            if job.kind == "remix":
                return lambda: self.backend.remix(video_id, prompt)
            if job.kind == "edit":
                return lambda: self.backend.edit(video_id, prompt)
            seconds = str(job.extra.get("extension_seconds") or "4")
            return lambda: self.backend.extend(video_id, prompt, seconds)
        params = job.params
        characters = list(job.extra.get("character_ids") or []) or None
        return lambda: self.backend.create(params, characters)

    def _new_job(self, params: GenerationParams, **kw: Any) -> Job:
        auto = list(kw.pop("auto_download", ()) or ())
        download_dir = kw.pop("download_dir", None)
        job = Job.new(
            params,
            status=JobStatus.SUBMITTING,
            profile=self.profile,
            server=self.backend.base_url,
            auto_download=auto,
            download_dir=str(download_dir) if download_dir else None,
            **kw,
        )
        # Who sent the create: after a crash, a 'submitting' job whose process is gone is no longer in
        # flight and can be reconciled at once instead of after STALE_SUBMIT_SECONDS.
        job.extra = {**job.extra, "submitter": submitter_tag(), "sent_at": time.time()}
        if job.cost_estimate is None or self.models:
            job.cost_estimate = estimate_cost(params.model, params.size, params.seconds, self.models)
        return job

    def _check_variants(self, variants: Iterable[str]) -> None:
        for v in variants:
            if v not in VARIANTS:
                raise InvalidParams(_("Unknown download variant {variant}; use video, thumbnail or spritesheet.").format(
                    variant=repr(v)), "variant")

    async def _submit(self, job: Job) -> Job:
        """Write the job (durably) before the request, then send it and record what the server said."""
        return (await self._submit_all([job]))[0]

    async def _submit_all(self, jobs: list[Job]) -> list[Job]:
        """Write the jobs together (durably, past the budget, as one write) before any request, then send them one
        by one and record what the server said. When a send stops the rest (the key refused, the server gone),
        the jobs not sent yet are marked failed ("not sent"), never left to be sent later behind the user's back."""
        for job in jobs:
            self._create_call(job)  # refuses a job that cannot be sent before anything is written
        try:
            await asyncio.to_thread(self.store.add_many, jobs, self._budget_check(jobs))
        except OverBudget as exc:
            raise BudgetRefused(exc) from None
        except HistoryWriteError as exc:
            raise ServiceError(_("{error} Nothing was sent to the server, so nothing was billed.").format(
                error=exc)) from None
        for job in jobs:
            self._mine(job)
        sent: list[Job] = []
        for n, job in enumerate(jobs):
            try:
                sent.append(await self._send(job))
            except Exception as exc:
                await self._not_sent(jobs[n + 1:], exc)
                raise
        return sent

    async def _not_sent(self, jobs: list[Job], exc: BaseException) -> None:
        """Takes written with one that could not be sent: failed, with why, and nothing sent or billed."""
        if not jobs:
            return
        why = getattr(exc, "user_message", None)

        def reason() -> str:
            said = why() if callable(why) else _("the take before it could not be sent.")
            return _("Not sent: {reason} Nothing was created or billed; retry it when that is fixed.").format(
                reason=said)

        with contextlib.suppress(HistoryWriteError):
            error = JobError.made("not_submitted", reason)
            written = await asyncio.to_thread(self.store.update_many, {
                j.local_id: {"status": JobStatus.FAILED, "error": error} for j in jobs})
            for job in written.values():
                self.emit(JobFailed(self._mine(job)))

    def _budget_check(self, jobs: list[Job]) -> Callable[[list[Any]], None] | None:
        """What the history runs under its lock before writing `jobs`: the profile's budget against everything
        its jobs have cost this day and month, these jobs counted as their total."""
        if not jobs:
            return None
        first = jobs[0]
        return self._plan_check(first.params.model, first.params.size, _priced_seconds(first), len(jobs))

    def _plan_check(self, model: str, size: str, seconds: str, count: int) -> Callable[[list[Any]], None] | None:
        budget = self.budget
        if not budget:
            return None
        plan = estimate(model, size, seconds, self.models, count)
        profile = self.profile
        return lambda rows: check_budget(rows, profile, budget, plan)

    def _admit(self, jobs: list[Job]) -> None:
        """Refuse now (before anything is changed) what the budget would refuse when the jobs are written."""
        self._refuse_now(self._budget_check(jobs))

    def check_budget(self, params: GenerationParams, count: int = 1, *, kind: str = "generate",
                     extension_seconds: str | None = None) -> None:
        """Raise BudgetRefused if sending this now would pass the profile's budget: for a question asked before a
        paid send, so that it does not offer what would be refused. The send itself is checked again, under the
        history's lock, as its jobs are written. Reads the history: call it off the event loop."""
        seconds = str(extension_seconds or params.seconds) if kind == "extend" else params.seconds
        self._refuse_now(self._plan_check(params.model, params.size, seconds, count))

    def _refuse_now(self, check: Callable[[list[Any]], None] | None) -> None:
        if check is not None:
            try:
                check(self.store.spending())
            except OverBudget as exc:
                raise BudgetRefused(exc) from None

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
            job = await self._update(
                job.local_id,
                status=JobStatus.UNCERTAIN,
                error=JobError.made("uncertain", lambda: _("{error} The job may still have been created; sora-tui "
                                                           "will check the server's list.").format(
                                                               error=exc.what_happened())),
            )
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

    # --- tracking results (called by the Tracker) ---------------------------------------------------
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
                if info.progress != job.progress:
                    job.progress = max(job.progress, info.progress)  # never show progress going backwards
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
        if info.status == job.status and info.status in ACTIVE:
            return "tick", None
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
        return "progressed", {"status": info.status, "progress": max(job.progress, info.progress)}

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

    async def mark_lost(self, job: Job, reason: Callable[[], str]) -> Job:
        """The server no longer knows `job`: failed, with `reason()` (called in English and in the interface's)."""
        job = await self._update(job.local_id, status=JobStatus.FAILED, error=JobError.made("not_found", reason))
        self.emit(JobFailed(job))
        return job

    # --- downloads ----------------------------------------------------------------------------------
    def start_download(self, job: Job, variant: str = "video", out_dir: Path | None = None) -> asyncio.Task[FileRecord | None]:
        """Start (or join) the download of one asset; one task per (job, variant), never two."""
        key = (job.local_id, variant)
        task = self._downloads.get(key)
        if task is None or task.done():
            task = asyncio.get_running_loop().create_task(self._download_guarded(job, variant, out_dir))
            task.add_done_callback(lambda _task: self.tracker.settled())  # a wait() for it need not sleep on
            self._downloads[key] = task
        return task

    async def _download_guarded(self, job: Job, variant: str, out_dir: Path | None) -> FileRecord | None:
        try:
            return await self.download(job, variant, out_dir)
        except (BackendError, ServiceError) as exc:
            message = exc.user_message() if isinstance(exc, BackendError) else exc.message
            self.emit(DownloadFailed(job, variant, message))
            return None

    async def aclose(self) -> None:
        """Stop background downloads (their .part files stay, and resume next time); let the checksums of files
        already saved finish (a second or so per GB), so their records are complete."""
        tasks = self.pending_downloads()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*self._digests, return_exceptions=True)

    def pending_downloads(self) -> list[asyncio.Task[FileRecord | None]]:
        return [t for t in self._downloads.values() if not t.done()]

    async def download(self, job: Job, variant: str = "video", out_dir: Path | None = None) -> FileRecord:
        """Download one asset with resume and retries; records it (path, bytes, sha256) exactly once.

        A file the app did not write is never replaced: when the name is taken the asset is saved as `name (2)`
        and a ServiceNotice says so (the job's own recorded file, no longer whole, is replaced in place). How
        long a failing download tries: DOWNLOAD_ATTEMPTS, DOWNLOAD_STALLS and DOWNLOAD_TRIES. A thumbnail or
        spritesheet the server cannot give (it sends another kind of file, or has no such variant) is made
        from the video instead (_make_locally)."""
        self._check_variants([variant])
        fresh = await asyncio.to_thread(self.store.get, job.local_id) or job
        if not fresh.video_id or fresh.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED, JobStatus.EXPIRED):
            raise ServiceError(_("Job {id} is {status}; only completed videos can be downloaded.").format(
                id=fresh.short_id, status=_status_word(fresh.status)))
        existing = await asyncio.to_thread(_on_disk, fresh, variant)  # reads the file: off the loop
        if existing is not None:
            return await self._digested(fresh, existing)
        async with self._download_slots, self._download_lock(fresh.local_id, variant):
            # Another process (a CLI beside the TUI) may have fetched it while we waited for the lock.
            fresh = await asyncio.to_thread(self.store.get, job.local_id) or fresh
            existing = await asyncio.to_thread(_on_disk, fresh, variant)  # reads the file: off the loop
            if existing is not None:
                return await self._digested(fresh, existing)
            base = out_dir or (Path(fresh.download_dir) if fresh.download_dir else self.download_dir)
            dest, own = await asyncio.to_thread(destination, fresh, variant, base, self.namer)
            moved = [False]  # whether the attempt received any byte

            def progress(got: int, total: int | None) -> None:
                moved[0] = True
                self.emit(DownloadProgressed(fresh, variant, got, total))

            attempt = stalls = tries = 0
            unavailable: BackendError | None = None
            while True:
                tries += 1
                moved[0] = False
                self.stats["download_attempts"] += 1
                try:
                    result = await self.backend.download(fresh.video_id, dest, variant, progress=progress)
                    break
                except BackendError as exc:
                    if variant != "video" and _server_cannot_give(exc):
                        unavailable = exc
                        break
                    if exc.kind == "expired":
                        if variant == "video":
                            expired = await self._update(fresh.local_id, status=JobStatus.EXPIRED, error=JobError(
                                "expired", exc.english, "" if exc.message == exc.english else exc.message))
                            self.emit(JobFailed(expired))
                        raise
                    attempt += not moved[0]
                    stalls = stalls + 1 if exc.kind == "timeout" and not moved[0] else 0
                    if (not exc.retryable or attempt >= DOWNLOAD_ATTEMPTS or stalls >= DOWNLOAD_STALLS
                            or tries >= DOWNLOAD_TRIES):
                        raise
                    await asyncio.sleep(exc.retry_after if exc.retry_after is not None else min(8.0, 0.25 * 2**attempt))
            if unavailable is None:
                saved = await asyncio.to_thread(replace_own, result.path, dest, own)
                if saved != dest:
                    log.info("%s %s: %s is taken; saved as %s", fresh.local_id, variant, dest, saved)
                    self.emit(ServiceNotice(
                        _("{id}: {name} was already taken in {folder} by a file sora-tui did not write, so the "
                          "{variant} was saved as {saved}.").format(id=fresh.short_id, name=dest.name,
                                                                    folder=dest.parent, variant=asset_name(variant),
                                                                    saved=saved.name),
                        "information"))
        if unavailable is not None:
            # Out of this asset's lock and download slot: making it needs the video, which takes its own.
            return await self._make_locally(fresh, variant, out_dir, unavailable)
        self.stats["downloads_resumed_with_range"] += result.resumed
        record = FileRecord(variant=variant, path=str(saved), bytes=result.bytes, sha256="", downloaded_at=time.time())

        def add_file(j: Job) -> None:
            j.files = [f for f in j.files if f.variant != variant] + [record]
            if variant == "video":
                j.status = JobStatus.DOWNLOADED
                j.error = None

        log.info("%s %s downloaded: %s (%d bytes)", fresh.local_id, variant, record.path, record.bytes)
        # Recorded and shown as saved at once; the checksum follows (service/jobs.py _digest).
        updated = await self._mutate(fresh.local_id, add_file)
        self.emit(JobDownloaded(updated, record))
        return await self._digested(updated, record)

    async def _make_locally(self, job: Job, variant: str, out_dir: Path | None,
                            why: BackendError) -> FileRecord:
        """The thumbnail or spritesheet made from the video, for a server that cannot give it (`why`): the
        video is downloaded first when it is not on disk, the picture is made in a worker thread
        (service/pictures.py) and saved by the downloads' naming rules, then recorded as made locally, with
        its sha256, as a download is."""
        from ..backend.downloads import transfer_threads
        from .pictures import PictureError, make_picture

        log.info("the %s of %s: %s; making it from the video", variant, job.short_id, why.message)
        fields = {"reason": why.what_happened(), "variant": asset_name(variant), "id": job.short_id}
        running = self._downloads.get((job.local_id, "video"))
        if running is not None and not running.done():
            await asyncio.wait([running])  # the video is on its way: wait for it rather than fetch it twice
        try:
            video = await self.download(job, "video", out_dir)
        except BackendError as exc:
            raise BackendError(exc.kind, _("{reason} sora-tui makes the {variant} of {id} from the video instead, "
                                           "but could not get the video: {error}").format(
                                               error=exc.what_happened(), **fields),
                               exc.status, exc.code, exc.retry_after) from None
        except ServiceError as exc:
            raise ServiceError(_("{reason} sora-tui makes the {variant} of {id} from the video instead, but: "
                                 "{error}").format(error=exc.message, **fields)) from None
        async with self._download_lock(job.local_id, variant):
            fresh = await asyncio.to_thread(self.store.get, job.local_id) or job
            existing = await asyncio.to_thread(_on_disk, fresh, variant)  # made meanwhile by another process
            if existing is not None:
                return await self._digested(fresh, existing)
            base = out_dir or (Path(fresh.download_dir) if fresh.download_dir else self.download_dir)
            dest, own = await asyncio.to_thread(destination, fresh, variant, base, self.namer)
            # The niced threads of downloads: decoding is background work, and must never hold the event loop
            loop = asyncio.get_running_loop()
            try:
                made = await loop.run_in_executor(transfer_threads(), make_picture, Path(video.path), dest,
                                                  variant)
            except PictureError as exc:
                raise BackendError(why.kind, _("{reason} sora-tui could not make the {variant} of {id} from the "
                                               "video either: {error}").format(error=exc.message, **fields),
                                   why.status, why.code) from None
            except OSError as exc:
                raise map_error(exc) from None
            saved = await asyncio.to_thread(replace_own, made, dest, own)
            size = (await asyncio.to_thread(saved.stat)).st_size
        self.stats["pictures_made_locally"] += 1
        record = FileRecord(variant=variant, path=str(saved), bytes=size, sha256="",
                            downloaded_at=time.time(), made_locally=True)

        def add_file(j: Job) -> None:
            j.files = [f for f in j.files if f.variant != variant] + [record]

        updated = await self._mutate(job.local_id, add_file)
        self.emit(JobDownloaded(updated, record))
        self.emit(ServiceNotice(_("{id}: {reason} sora-tui made the {variant} from the downloaded video instead: "
                                  "{name}.").format(name=saved.name, **fields), "information"))
        return await self._digested(updated, record)

    async def _digested(self, job: Job, record: FileRecord) -> FileRecord:
        """`record` with its sha256, computed and recorded now if it is not yet (a run stopped before it was)."""
        if record.sha256:
            return record
        task = asyncio.get_running_loop().create_task(self._digest(job, record))
        self._digests.add(task)
        task.add_done_callback(self._digests.discard)
        # Shielded: a download cancelled now (the app quitting) has its file saved; its checksum still finishes.
        return await asyncio.shield(task)

    async def _digest(self, job: Job, record: FileRecord) -> FileRecord:
        """Hash the saved file and make it durable after the transfer (neither while its bytes arrive, where
        they cost a third and more of the download rate on 2 cores: bench/downloads.py), record the sha256, then
        write the sidecar that lists it. A recorded sha256 means the file was whole on disk."""
        from ..backend.downloads import settle, transfer_threads

        try:
            digest = await asyncio.get_running_loop().run_in_executor(transfer_threads(), settle, Path(record.path))
        except OSError as exc:  # moved or deleted meanwhile: the record stays, without a checksum
            log.warning("sha256 of %s not computed: %s", record.path, exc)
            return record
        done = replace(record, sha256=digest)

        def set_digest(j: Job) -> None:
            j.files = [done if f == record else f for f in j.files]

        try:
            updated = await self._mutate(job.local_id, set_digest)
        except KeyError:  # the job left the history meanwhile (deleted by another process): the file stays
            log.info("%s left the history before the sha256 of %s was recorded", job.local_id, record.path)
            return done
        try:
            await asyncio.to_thread(write_sidecar, updated, self.local_engine)
        except OSError as exc:  # the video is safe and recorded; only its description could not be written
            log.warning("sidecar for %s not written: %s", job.local_id, exc)
            self.emit(ServiceNotice(_("Saved {path}, but its description file could not be written: {reason}.").format(
                path=record.path, reason=exc.strerror)))
        self.emit(FileDigested(updated, done))
        return done

    @contextlib.asynccontextmanager
    async def _download_lock(self, local_id: str, variant: str) -> AsyncIterator[None]:
        """One download of an asset at a time across processes (two writers on one .part corrupt it)."""
        directory = self.store.path.parent / "locks"
        directory.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(directory / f"{local_id}.{variant}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(0.2)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    # --- other processes ----------------------------------------------------------------------------
    async def watch_history(self, interval: float = 1.0) -> None:
        """Emit JobChangedElsewhere for jobs another process (a CLI, a second TUI) added or changed."""
        token = await asyncio.to_thread(self.store.token)
        since = time.time() - CLOCK_SLACK
        seen: dict[str, float] = {}
        while True:
            await asyncio.sleep(interval)
            if not await asyncio.to_thread(self.store.changed_since, token):
                continue
            token = await asyncio.to_thread(self.store.token)  # before reading, so no later write is missed
            # Only what was written lately (never the whole history): other processes' clocks may lag a little.
            for job in await asyncio.to_thread(self.store.updated_after, since):
                if seen.get(job.local_id) != job.updated_at and self._own_writes.get(job.local_id) != job.updated_at:
                    self.emit(JobChangedElsewhere(job))
                seen[job.local_id] = job.updated_at
                since = max(since, job.updated_at - CLOCK_SLACK)

    # --- other operations ---------------------------------------------------------------------------
    def owns(self, job: Job) -> bool:
        """Whether this job lives on this service's server: jobs made through another profile or base URL share
        the history but must never be polled (or declared lost) here."""
        if job.profile != self.profile:
            return False
        # the local engine's loopback port changes between starts; its state (and the jobs) carry over
        return self.local_engine or not job.server or job.server.rstrip("/") == self.backend.base_url.rstrip("/")

    async def list_remote(self, limit: int = 100) -> list[VideoInfo]:
        """The server's own videos, newest first (a server without list raises BackendError 'unsupported')."""
        videos: list[VideoInfo] = []
        after: str | None = None
        while len(videos) < limit:
            page = await self.backend.list_page(after=after, limit=min(100, limit - len(videos)), order="desc")
            videos.extend(page.videos)
            if not page.has_more or not page.last_id or not page.videos:
                break
            after = page.last_id
        return videos[:limit]

    async def import_remote(self, ids: Iterable[str] | None = None, limit: int = 100) -> list[Job]:
        """Add videos that exist on the server but not in the history (all listed ones, or these ids)."""
        known = await asyncio.to_thread(self.store.video_ids)
        if ids is not None:
            infos = []
            for video_id in ids:
                if video_id in known:
                    continue
                info, _poll = await self.backend.retrieve(video_id)
                infos.append(info)
        else:
            infos = [i for i in await self.list_remote(limit) if i.id not in known]
        jobs = []
        for info in reversed(infos):  # oldest first, so the history keeps the server's order
            if info.id in known:
                continue
            known.add(info.id)
            params = GenerationParams(
                prompt=info.prompt or "(imported from the server; its prompt is unknown)",
                model=info.model or "unknown", size=info.size or "unknown", seconds=str(info.seconds or "?"))
            job = Job(local_id=new_local_id(), params=params, kind="import", status=info.status, video_id=info.id,
                      progress=info.progress, profile=self.profile, server=self.backend.base_url, error=_job_error(info),
                      created_at=info.created_at or time.time(), completed_at=info.completed_at, expires_at=info.expires_at,
                      cost_estimate=estimate_cost(params.model, params.size, params.seconds, self.models)
                      if info.size and info.seconds else None,
                      extra={"imported_at": time.time(), "remixed_from": info.remixed_from} if info.remixed_from
                      else {"imported_at": time.time()})
            await self._add(job)
            jobs.append(job)
        return jobs

    async def create_character(self, name: str, video: Path, *, consent: bool) -> Any:
        """A cameo character from a clip the user has the rights to; remembered locally with its id."""
        from ..store.characters import Character

        if not consent:
            raise ServiceError(_("A character needs the consent of everyone whose face or voice is in the clip; "
                                 "confirm it first."))
        name = strip_control(name).strip()
        if not 1 <= len(name) <= 80:
            raise InvalidParams(_("A character's name must be 1-80 characters."), "name")
        if not video.is_file():
            raise InvalidParams(_("{path} is not a video file.").format(path=video), "video")
        data = await self.backend.create_character(name, video)
        character = Character(id=str(data.get("id") or ""), name=str(data.get("name") or name), source=str(video.resolve()),
                              profile=self.profile, server=self.backend.base_url)
        if not character.id:
            raise ServiceError(_("The server did not return an id for the character."))
        if self.characters is not None:
            await asyncio.to_thread(self.characters.add, character)
        return character

    async def get_character(self, character_id: str) -> dict[str, Any]:
        return await self.backend.get_character(character_id)

    async def delete_remote(self, job: Job) -> Job:
        if not job.video_id:
            raise ServiceError(_("Job {id} has no server id; nothing to delete on the server.").format(id=job.short_id))
        await self.backend.delete(job.video_id)

        def mark(j: Job) -> None:
            j.extra = {**j.extra, "deleted_on_server": True}

        return await self._mutate(job.local_id, mark)

    async def wait(self, jobs: list[Job], timeout: float | None = None, max_failures: int | None = None) -> list[Job]:
        """Track until these jobs are terminal and their automatic downloads are finished."""
        ids = [j.local_id for j in jobs]

        async def done() -> bool:
            current = [self.store.get(i) for i in ids]
            if any(j is None or j.is_active or j.status == JobStatus.UNCERTAIN for j in current):
                return False
            for j in current:
                assert j is not None
                # DOWNLOADED too: the video being on disk says nothing of a thumbnail or spritesheet that gave up
                if j.status in (JobStatus.COMPLETED, JobStatus.DOWNLOADED):
                    for v in _to_fetch(j):
                        key = (j.local_id, v)
                        task = self._downloads.get(key)
                        if task is None or (task.done() and retries[key] < DOWNLOAD_ROUNDS):
                            if task is not None:  # it gave up (its own retries spent): one more round, later
                                retries[key] += 1
                            self.start_download(j, v)
            return not any(k[0] in ids for k, t in self._downloads.items() if not t.done())

        retries: Counter[tuple[str, str]] = Counter()

        await asyncio.wait_for(self.tracker.run(until=done, max_failures=max_failures), timeout)
        return [self.store.get(i) or j for i, j in zip(ids, jobs)]

    def pending_auto_downloads(self) -> list[tuple[Job, str]]:
        """Finished jobs whose requested automatic downloads are not on disk yet, or saved but never settled (e.g.
        after a restart)."""
        # Downloaded jobs too (the video is there; a thumbnail or spritesheet may have given up), but only recent
        # ones: servers keep the assets for hours, and decoding every old job of a big history would cost seconds.
        recent = time.time() - RESUME_DOWNLOADS_WITHIN
        jobs = self.store.query(status=JobStatus.COMPLETED.value, profile=self.profile) + \
            self.store.query(status=JobStatus.DOWNLOADED.value, profile=self.profile, since=recent)
        return [(j, v) for j in jobs if self.owns(j) for v in _to_fetch(j)]

    async def track_forever(self, auth_pause: float = 60.0) -> None:
        """The TUI's tracker: pick up what an earlier session left, then track every active job until cancelled.

        An auth failure has already been reported once (a ServiceNotice); tracking pauses until a new
        submission wakes it or `auth_pause` passes, instead of hammering a server that refuses the key.
        """
        for job, variant in await asyncio.to_thread(self.pending_auto_downloads):
            self.start_download(job, variant)
        while True:
            try:
                await self.tracker.run()
            except BackendError:
                await self.tracker.sleep(auth_pause)
            except Exception as exc:  # the history could not be written or read: say so, and track on after a pause
                log.exception("tracking paused")
                self.emit(ServiceNotice(_("Tracking paused for {seconds} s: {error}").format(
                    seconds=f"{TRACKING_PAUSE:.0f}", error=strip_control(str(exc))), "error"))
                await self.tracker.sleep(TRACKING_PAUSE)

    async def resume(self, max_failures: int | None = None) -> list[Job]:
        """After a restart: reconcile in-flight creates, pick up active jobs, fetch pending auto-downloads."""
        await self.tracker.reconcile()
        active = [j for j in await asyncio.to_thread(self.store.active) if self.owns(j)]
        pending = active + [j for j, _ in await asyncio.to_thread(self.pending_auto_downloads)]
        pending = list({j.local_id: j for j in pending}.values())
        if pending:
            return await self.wait(pending, max_failures=max_failures)
        return []


def _duration(seconds: float) -> str:
    """A wait in words: 45 s, 10 min, 2 h 5 min."""
    s = max(0, round(seconds))
    if s < 90:
        return _("{seconds} s").format(seconds=s)
    if s < 5400:
        return _("{minutes} min").format(minutes=round(s / 60))
    return _("{hours} h {minutes} min").format(hours=s // 3600, minutes=round(s % 3600 / 60))


# Refusals of another take of a derived job, by its kind (translated when raised)
_NOT_A_TAKE = {
    "remix": N_("Job {id} is a remix; retry it for another take."),
    "edit": N_("Job {id} is an edit; retry it for another take."),
    "extend": N_("Job {id} is an extend; retry it for another take."),
}
# What a derived job is made as, after "used for"
_USES = {"remix": N_("a remix"), "edit": N_("an edit"), "extend": N_("an extension")}


def _kind_name(kind: str) -> str:
    """A derived job's kind as a noun (the job this remix came from)."""
    names = {"remix": pgettext("job kind", "remix"), "edit": pgettext("job kind", "edit"),
             "extend": pgettext("job kind", "extend")}
    return names.get(kind, kind)


def _status_word(status: JobStatus) -> str:
    """A job's status as the sentence says it (Job 3f2 is queued)."""
    words = {
        JobStatus.DRAFT: pgettext("job status", "draft"),
        JobStatus.SUBMITTING: pgettext("job status", "submitting"),
        JobStatus.QUEUED: pgettext("job status", "queued"),
        JobStatus.IN_PROGRESS: pgettext("job status", "in progress"),
        JobStatus.COMPLETED: pgettext("job status", "completed"),
        JobStatus.DOWNLOADED: pgettext("job status", "downloaded"),
        JobStatus.FAILED: pgettext("job status", "failed"),
        JobStatus.CANCELED: pgettext("job status", "canceled"),
        JobStatus.EXPIRED: pgettext("job status", "expired"),
        JobStatus.UNCERTAIN: pgettext("job status", "uncertain"),
    }
    return words.get(status, status.value.replace("_", " "))


def _to_fetch(job: Job) -> list[str]:
    """The variants of a job still to fetch: automatic downloads not on disk yet, and any file saved without its
    sha256 (a run stopped between recording the file and settling it). download() settles those without fetching
    them again, if they are whole (_on_disk)."""
    wanted = dict.fromkeys([*job.auto_download, *(f.variant for f in job.files)])
    return [v for v in wanted if (record := job.file(v)) is None or not record.sha256]


def _server_cannot_give(exc: BackendError) -> bool:
    """Whether a failed download of a thumbnail or spritesheet means the server cannot give it, so that it is
    made from the video instead: it sent another kind of file (a proxy that drops ?variant= sends the MP4), it
    has no such route (404/405) or asset (or no longer), or it refuses the variant parameter."""
    return exc.kind in ("wrong_asset", "unsupported", "not_found", "expired") or (
        exc.kind == "bad_request" and "variant" in exc.message.lower())


def _on_disk(job: Job, variant: str) -> FileRecord | None:
    """The recorded file for this asset, if it is still there whole. Without a sha256 the file was never settled
    (the run stopped, or the machine went down, between the transfer and the fsync): its container is checked
    before it is trusted, and one that is not whole is downloaded again."""
    from ..backend.integrity import incomplete_reason

    existing = job.file(variant)
    if not existing or not Path(existing.path).is_file() or Path(existing.path).stat().st_size != existing.bytes:
        return None
    if variant != "video" and not is_picture(Path(existing.path)):
        # an earlier version saved what a proxy sent (the MP4) under the picture's name
        log.warning("%s: %s is recorded as the %s but is not a picture; getting it again", job.local_id,
                    existing.path, variant)
        return None
    if not existing.sha256 and incomplete_reason(Path(existing.path), variant) is not None:
        log.warning("%s: %s was recorded but is not whole; downloading it again", job.local_id, existing.path)
        return None
    return existing


def _job_error(info: VideoInfo) -> JobError | None:
    if info.error_code or info.error_message:
        return JobError(info.error_code or "error", info.error_message or "")
    return None
