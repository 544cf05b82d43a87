"""Submitting: a new job, a retry, more takes, a remix, edit or extension, validated and checked against the
profile's budget, then written (durably, all of a send's jobs in one write) before anything is sent.

Sending a create and recording the server's answer is JobService's own (service/jobs.py _send)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..backend.videos import VideoInfo
from ..core.cost import Cost, estimate
from ..core.i18n import N_, _
from ..core.job import Job, JobError
from ..core.ledger import OverBudget, check_budget
from ..core.params import (
    SECONDS_ALL,
    GenerationParams,
    InvalidParams,
    estimate_cost,
    validate_params,
    validate_prompt,
)
from ..core.status import JobStatus
from ..store.history import HistoryWriteError
from .downloads import check_variants
from .errors import BudgetRefused, ServiceError
from .events import JobFailed
from .reference import check_reference_image
from .shared import ServiceRoom
from .tracker import submitter_tag
from .words import _kind_name, _status_word

MAX_VARIATIONS = 8

# Refusals of another take of a derived job, by its kind (translated when raised)
_NOT_A_TAKE = {
    "remix": N_("Job {id} is a remix; retry it for another take."),
    "edit": N_("Job {id} is an edit; retry it for another take."),
    "extend": N_("Job {id} is an extend; retry it for another take."),
}
# What a derived job is made as, after "used for"
_USES = {"remix": N_("a remix"), "edit": N_("an edit"), "extend": N_("an extension")}


def _priced_seconds(job: Job) -> str:
    """The seconds a job generates, as its price counts them (an extension's are those it adds)."""
    if job.kind == "extend":
        return str(job.extra.get("extension_seconds") or job.params.seconds)
    return job.params.seconds


class Submitting(ServiceRoom):
    """New jobs: checked, written, then sent (JobService._send)."""

    # --- submitting ---------------------------------------------------------------------------------
    async def generate(
        self,
        params: GenerationParams,
        *,
        variations: int = 1,
        auto_download: Iterable[str] = (),
        download_dir: Path | None = None,
        character_ids: Iterable[str] = (),
        link: Mapping[str, str] | None = None,
    ) -> list[Job]:
        """Create one job, or N variations of the same params as one group. Validates before anything is written.
        `link`: what a board's job carries in its extras (its board and shot)."""
        params = validate_params(params, self.models, listed_only=self.models_listed)
        characters = [str(c).strip() for c in character_ids if str(c).strip()]
        if len(characters) > 2:
            raise InvalidParams(_("A video can use at most 2 characters."), "characters")
        if params.image:
            await asyncio.to_thread(check_reference_image, params.image, params.size)
        if not 1 <= variations <= MAX_VARIATIONS:
            raise InvalidParams(_("Variations must be between 1 and {max}.").format(max=MAX_VARIATIONS), "variations")
        check_variants(auto_download)
        group = "grp_" + uuid.uuid4().hex[:12] if variations > 1 else None
        extra: dict[str, Any] = {"character_ids": characters} if characters else {}
        extra.update(link or {})
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
            return await self._submit(self._derived_job(source, job.kind, job.params.prompt, auto_download,
                                                        job.extra.get("extension_seconds"), parent=job))
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
        check_variants(auto_download)
        group = job.group_id or "grp_" + uuid.uuid4().hex[:12]
        takes = [self._new_job(params, kind="variation", parent_id=job.local_id, group_id=group,
                               auto_download=auto_download) for _take in range(count)]
        self._admit(takes)  # refused by a budget before the group is written on the job
        if job.group_id is None:
            await self._update(job.local_id, group_id=group)
        return await self._submit_all(takes)

    async def remix(self, job: Job, prompt: str, *, auto_download: Iterable[str] = ()) -> Job:
        return await self._submit(self._derived_job(job, "remix", prompt, auto_download))

    async def edit(self, job: Job, prompt: str, *, auto_download: Iterable[str] = ()) -> Job:
        return await self._submit(self._derived_job(job, "edit", prompt, auto_download))

    async def extend(self, job: Job, prompt: str, seconds: str, *, auto_download: Iterable[str] = ()) -> Job:
        return (await self.extend_takes(job, prompt, seconds, auto_download=auto_download))[0]

    async def extend_takes(self, job: Job, prompt: str, seconds: str, count: int = 1, *,
                           auto_download: Iterable[str] = (), download_dir: Path | None = None,
                           link: Mapping[str, str] | None = None) -> list[Job]:
        """`count` extensions of `job` by `seconds`, written together (one budget check, one write), then sent."""
        seconds = str(seconds).strip()
        if seconds not in SECONDS_ALL:
            raise InvalidParams(_("An extension adds {choices} seconds, not {seconds}.").format(
                choices=", ".join(SECONDS_ALL), seconds=repr(seconds)), "seconds")
        if not 1 <= count <= MAX_VARIATIONS:
            raise InvalidParams(_("Variations must be between 1 and {max}.").format(max=MAX_VARIATIONS), "variations")
        takes = [self._derived_job(job, "extend", prompt, auto_download, seconds, download_dir=download_dir,
                                   link=link) for _take in range(count)]
        return await self._submit_all(takes)

    def _source(self, job: Job) -> Job:
        source_id = job.extra.get("source_id") or job.parent_id
        parent = self.store.get(source_id) if source_id else None
        if parent is None:
            raise ServiceError(_("The job this {kind} came from is no longer in the history; start a new one.").format(
                kind=_kind_name(job.kind)))
        return parent

    def _derived_job(
        self,
        source: Job,
        kind: str,
        prompt: str,
        auto_download: Iterable[str],
        seconds: str | None = None,
        parent: Job | None = None,
        *,
        download_dir: Path | None = None,
        link: Mapping[str, str] | None = None,
    ) -> Job:
        """A remix, edit or extension of `source`, checked and made, not yet written."""
        prompt = validate_prompt(prompt)
        check_variants(auto_download)
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
        extra: dict[str, Any] = {"source_id": source.local_id, "source_video_id": source.video_id, **(link or {})}
        if kind == "extend":
            assert seconds is not None
            extra["extension_seconds"] = seconds
            params = replace(params, seconds=str(int(source.params.seconds) + int(seconds)))
        job = self._new_job(params, kind=kind, parent_id=(parent or source).local_id, auto_download=auto_download,
                            download_dir=download_dir, extra=extra)
        if kind == "extend":
            job.cost_estimate = estimate_cost(params.model, params.size, seconds or "0", self.models)
        return job

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
        return self._cost_check(estimate(model, size, seconds, self.models, count))

    def _cost_check(self, plan: Cost) -> Callable[[list[Any]], None] | None:
        budget = self.budget
        if not budget:
            return None
        profile = self.profile
        return lambda rows: check_budget(rows, profile, budget, plan)

    def check_plan(self, plan: Cost) -> None:
        """Raise BudgetRefused if a whole plan (a board's run: every take it will send) would pass the profile's
        budget now. Each send is checked again as its jobs are written. Reads the history: off the event loop."""
        self._refuse_now(self._cost_check(plan))

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
