"""Tracker: batched polling of active jobs (one list page for all, per-job GET only as fallback) and reconciliation.

The tracker sees the job service only as a TrackedService: the few things it needs of it, named here. The service
(service/jobs.py) imports this module and hands itself in; this module never imports the service, at run time or
for the type checker, so there is no import cycle between them."""

from __future__ import annotations

import asyncio
import math
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from ..backend.errors import BackendError
from ..backend.videos import VideoInfo
from ..core.i18n import _
from ..core.job import Job
from ..core.status import ACTIVE, JobStatus, forward
from .events import ServiceNotice

if TYPE_CHECKING:
    from ..backend.videos import VideosBackend
    from ..store.history import HistoryStore
    from .events import Event

IDLE_SECONDS = 2.0
MIN_INTERVAL = 0.05
MAX_BACKOFF = 30.0
MAX_LIST_PAGES = 5
# A create still "submitting" after this long is no longer in flight (the request timeout is shorter).
STALE_SUBMIT_SECONDS = 120.0
# Before concluding a create never reached the server, give the server's list this long to show it.
RECONCILE_GRACE_SECONDS = 20.0


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failed attempts in a row: 1, 2, 4 … up to MAX_BACKOFF."""
    return min(MAX_BACKOFF, 0.5 * 2.0**failures)


def submitter_tag() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def submitter_gone(job: Job) -> bool:
    """True when the process that sent this job's create request is known to have ended."""
    tag = job.extra.get("submitter") if isinstance(job.extra, dict) else None
    if not isinstance(tag, dict) or tag.get("host") != socket.gethostname():
        return False
    pid = tag.get("pid")
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but belongs to someone else
        return False
    return False


class TrackedService(Protocol):
    """What the tracker needs of the job service: its history and server, its events, which jobs are its own, and
    the service's rooms that record what tracking finds (service/reports.py; resubmissions, service/jobs.py)."""

    store: HistoryStore  # active, video_ids, answered_times, get
    backend: VideosBackend

    def emit(self, event: Event) -> None: ...

    def owns(self, job: Job) -> bool: ...

    async def apply_all(self, observed: list[tuple[Job, VideoInfo]]) -> list[Job]: ...

    async def mark_lost(self, job: Job, reason: Callable[[], str]) -> Job: ...

    async def reconciled(self, job: Job, info: VideoInfo) -> Job: ...

    async def resubmit_unsent(self, job: Job) -> Job: ...


class Tracker:
    def __init__(self, service: TrackedService) -> None:
        self.service = service
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()  # something `run(until=...)` may be waiting for has finished
        self.list_supported: bool | None = None
        self.requests = 0  # server requests made by polling (the benchmark reads this)
        self.rounds = 0  # polling rounds with something to track
        self.last_poll_ms = 1000
        # How long a server's list may lag behind a create before "not listed" means "never created".
        self.reconcile_grace = RECONCILE_GRACE_SECONDS
        self._failures = 0
        self._last_notice = ""
        # What tracking last found of the server (None: it has not asked it anything yet): "reachable",
        # "unreachable" or "key_refused". Read by the TUI's status line, so a server that goes away while jobs
        # run does not still look healthy.
        self.server_state: str | None = None
        # The furthest point shown per active job (local_id -> (status, progress)): progress ticks are not
        # written to the history, so the stored job alone cannot stop a jumpy server from going backwards.
        self._furthest: dict[str, tuple[JobStatus, int]] = {}

    def wake(self) -> None:
        self._wake.set()

    def settled(self) -> None:
        """Something finished that `run(until=...)` may be waiting for (a download): it looks again now, without
        a request, instead of at the end of the poll interval (up to one interval of waiting for nothing)."""
        self._settled.set()

    async def run(
        self,
        until: Callable[[], Awaitable[bool]] | None = None,
        max_failures: int | None = None,
    ) -> None:
        """Poll until `until()` is true (forever if None). Auth errors end it; other errors back off."""
        while True:
            if until is not None and await until():
                return
            round_started = time.monotonic()
            try:
                asked = self.requests
                # The server's interval counts from the start of a round, so a round's own time does not
                # stretch the cadence (a completion is seen within one interval).
                delay = await self.poll_once() - (time.monotonic() - round_started)
                self._failures = 0
                if self.requests != asked:  # a round with nothing to track says nothing about the server
                    self.server_state = "reachable"
            except BackendError as exc:
                self._failures += 1
                self._notice(exc)
                if exc.kind in ("unreachable", "timeout"):
                    self.server_state = "unreachable"
                elif exc.kind == "auth":
                    self.server_state = "key_refused"
                if exc.kind == "auth" or (max_failures is not None and self._failures >= max_failures):
                    raise
                delay = exc.retry_after if exc.retry_after is not None else backoff(self._failures)
            if until is not None and await until():
                return
            if until is None:
                await self.sleep(delay)
            else:
                await self._sleep_or_settle(delay, until)

    async def _sleep_or_settle(self, seconds: float, until: Callable[[], Awaitable[bool]]) -> None:
        """`sleep`, cut short once `until()` holds, which is looked at again whenever `settled()` is called."""
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        try:
            while not sleeping.done():
                self._settled.clear()
                settled = asyncio.ensure_future(self._settled.wait())
                try:
                    await asyncio.wait({sleeping, settled}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    settled.cancel()
                if not sleeping.done() and await until():
                    return
        finally:
            sleeping.cancel()

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`, or less when a new submission wakes the tracker — but never less than the
        server's poll interval (a burst of 100 submissions must not become 100 list requests)."""
        started = time.monotonic()
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), max(MIN_INTERVAL, seconds))
        except TimeoutError:
            return
        rest = min(seconds, self.last_poll_ms / 1000) - (time.monotonic() - started)
        if rest > 0:
            await asyncio.sleep(rest)

    def _notice(self, exc: BackendError) -> None:
        # A passing fault (a dropped connection, a timeout, a 5xx): the tracker tries again by itself, so it says
        # that rather than the kind's advice to the user to try again.
        passing = exc.retryable and exc.kind not in ("unreachable", "rate_limited")
        message = (_("{error} Tracking goes on: sora-tui tries again by itself.").format(error=exc.what_happened())
                   if passing else exc.user_message())
        if exc.kind == "rate_limited":  # the tracker does wait as asked (run() sleeps Retry-After)
            message = _("{error} Tracking waits as the server asks, then goes on by itself.").format(
                error=exc.what_happened())
        if message != self._last_notice:  # one clear message, not a flood
            self._last_notice = message
            self.service.emit(ServiceNotice(message, "error" if exc.kind in ("auth", "unreachable") else "warning"))

    async def poll_once(self) -> float:
        """One tracking round over every active job; returns the seconds to wait before the next one."""
        # One read of the active jobs per round, shared with reconcile (a thread hop costs milliseconds when the
        # machine is busy rendering, and every one before the list request delays what the round sees).
        tracked = [j for j in await asyncio.to_thread(self.service.store.active) if self.service.owns(j)]
        if await self.reconcile(tracked):
            tracked = [j for j in await asyncio.to_thread(self.service.store.active) if self.service.owns(j)]
        active = [j for j in tracked if j.video_id and j.status in ACTIVE]
        self.rounds += 1 if active else 0
        if not active:
            return IDLE_SECONDS if not any(j.status == JobStatus.UNCERTAIN for j in tracked) else 2.0
        infos: dict[str, VideoInfo] = {}
        poll_ms = self.last_poll_ms
        if self.list_supported is not False:
            try:
                poll_ms = await self._scan_list(active, infos)
            except BackendError as exc:
                if exc.kind not in ("unsupported", "not_found", "bad_request", "protocol"):
                    raise
                self.list_supported = False  # this server cannot list: per-job GETs from now on
        for job in active:
            if job.video_id in infos:
                continue
            try:
                info, poll_ms = await self.service.backend.retrieve(job.video_id)  # type: ignore[arg-type]
                self.requests += 1
            except BackendError as exc:
                self.requests += 1
                if exc.kind == "not_found":
                    await self.service.mark_lost(job, lambda: _("The server no longer knows this job (it may have "
                                                                "restarted or deleted it). Retry to generate it again."))
                    continue
                raise
            infos[info.id] = info
        await self.service.apply_all([(job, self.forward_only(job, infos[job.video_id]))
                                      for job in active if job.video_id in infos])
        self._furthest = {k: v for k, v in self._furthest.items() if k in {j.local_id for j in active}}
        self.last_poll_ms = poll_ms
        return poll_ms / 1000

    def forward_only(self, job: Job, info: VideoInfo) -> VideoInfo:
        """The observation as shown: while a job runs, its status and progress never go back. Gateways report
        progress in jumps (back, past 100, as text) and may say "queued" again after "in progress"."""
        if info.status not in ACTIVE:
            self._furthest.pop(job.local_id, None)
            return info
        seen_status, seen_progress = self._furthest.get(job.local_id, (job.status, job.progress))
        if job.status == JobStatus.IN_PROGRESS:  # what the history holds counts as seen too
            seen_status = JobStatus.IN_PROGRESS
        status, progress = forward((seen_status, max(seen_progress, job.progress)), info.status, info.progress)
        self._furthest[job.local_id] = (status, progress)
        if (status, progress) == (info.status, info.progress):
            return info
        return replace(info, status=status, progress=progress)

    async def _scan_list(self, active: list[Job], infos: dict[str, VideoInfo]) -> int:
        wanted = {j.video_id for j in active}
        oldest = min((j.submitted_at or j.created_at) for j in active) - 300
        after: str | None = None
        poll_ms = self.last_poll_ms
        for _page in range(MAX_LIST_PAGES):
            page = await self.service.backend.list_page(after=after, limit=100, order="desc")
            self.requests += 1
            self.list_supported = True
            poll_ms = page.poll_after_ms
            for info in page.videos:
                infos[info.id] = info
            if wanted <= infos.keys() or not page.has_more or not page.last_id:
                break
            last = page.videos[-1] if page.videos else None
            if last is not None and last.created_at is not None and last.created_at < oldest:
                break
            after = page.last_id
        return poll_ms

    async def reconcile(self, active: list[Job] | None = None) -> bool:
        """Find out whether creates that were cut off (crash, timeout) reached the server, by its list.
        `active`: the active jobs if the caller has just read them. True if it changed any job.

        Matching never depends on the two clocks agreeing (a server 15 minutes behind made every lost create look
        absent, and it was sent and billed again): the list is in the server's order, newest first, and a video of
        ours whose create was answered before this one was sent is older than anything this create made, so the
        search stops there; a time window is applied only in the server's own clock, its offset from ours measured
        on those same videos (or, without any, on the list's Date header)."""
        service = self.service
        now = time.time()
        if active is None:
            active = await asyncio.to_thread(service.store.active)
        candidates = [j for j in active if self._unresolved(j, now)]
        if not candidates or self.list_supported is False:
            return False
        candidates.sort(key=lambda j: j.created_at)
        taken: set[str | None] = set(await asyncio.to_thread(service.store.video_ids))
        seen: list[VideoInfo] = []
        answered: dict[str, float] = {}  # our videos in the list -> when their create was answered (our clock)
        skew: float | None = None
        after: str | None = None
        complete = False
        try:
            for _page in range(20):
                page = await service.backend.list_page(after=after, limit=100, order="desc")
                self.requests += 1
                seen.extend(page.videos)
                ours = [i.id for i in page.videos if i.id in taken]
                if ours:
                    answered.update(await asyncio.to_thread(service.store.answered_times, ours))
                if skew is None:
                    skew = _clock_offset(seen, answered, page.server_time, page.received_at)
                if not page.has_more or not page.last_id or self._listed_past(page.videos, answered, candidates[0], skew):
                    complete = True
                    break
                after = page.last_id
        except BackendError as exc:
            if exc.kind in ("unsupported", "not_found"):
                self.list_supported = False
                return False
            raise
        for job in candidates:
            match = self._match(job, seen, taken, answered, skew)
            if match is not None:
                taken.add(match.id)
                await service.reconciled(job, match)
            elif complete and now - float(job.extra.get("sent_at") or job.created_at) > self.reconcile_grace:
                await service.resubmit_unsent(job)
        return True

    def _unresolved(self, job: Job, now: float) -> bool:
        """A create whose outcome is unknown and no longer in flight: uncertain, or 'submitting' from a process
        that has gone (or for longer than any request lasts). A create waiting out the server's Retry-After is
        in flight until then; one whose process has gone is looked at once that time has come."""
        if job.video_id or not self.service.owns(job):
            return False
        retry_at = float(job.extra.get("retry_at") or 0)
        if retry_at > now:
            return False
        if job.status == JobStatus.UNCERTAIN:
            return True
        since = max(job.created_at, retry_at)
        return job.status == JobStatus.SUBMITTING and (now - since > STALE_SUBMIT_SECONDS or submitter_gone(job))

    @staticmethod
    def _listed_past(videos: list[VideoInfo], answered: dict[str, float], oldest: Job, skew: float | None) -> bool:
        """Whether this page reaches videos older than anything the oldest open create can have made."""
        if any(answered.get(i.id, math.inf) < oldest.created_at - ORDER_MARGIN for i in videos):
            return True
        last = videos[-1] if videos else None
        if skew is None or last is None or last.created_at is None:
            return False
        return last.created_at < oldest.created_at + skew - 300

    def _match(self, job: Job, seen: list[VideoInfo], taken: set[str | None], answered: dict[str, float],
               skew: float | None) -> VideoInfo | None:
        parent_video = None
        if job.parent_id and job.kind in ("remix",):
            parent = self.service.store.get(job.parent_id)
            parent_video = parent.video_id if parent else None
        earliest = job.created_at  # the first time this create was sent (resubmissions are later)
        best: VideoInfo | None = None
        for info in seen:  # newest first, in the server's order
            if answered.get(info.id, math.inf) < earliest - ORDER_MARGIN:
                break  # everything from here on was created before this job was sent
            if info.id in taken:
                continue
            if info.prompt is not None and info.prompt != job.params.prompt:
                continue
            if info.model and info.model != job.params.model and job.kind == "generate":
                continue
            if info.size and info.size != job.params.size:
                continue
            if parent_video and info.remixed_from and info.remixed_from != parent_video:
                continue
            if skew is not None and info.created_at is not None and info.created_at < earliest + skew - CLOCK_SLACK:
                continue
            best = info  # the earliest plausible one: creates are matched in the order they were made
        return best


# A video whose create was answered this long before another create was sent is certainly listed after (older than)
# anything that create made, even with created_at in whole seconds and ties in either order.
ORDER_MARGIN = 5.0
# How far a video's created_at (in the server's clock, offset applied) may come before its create was sent.
CLOCK_SLACK = 60.0


def _clock_offset(seen: list[VideoInfo], answered: dict[str, float], server_time: float | None,
                  received_at: float | None) -> float | None:
    """The server's clock minus ours: from our own videos (created on the server just before their answer reached
    us), else from the list's Date header; None when neither says."""
    gaps = sorted(i.created_at - answered[i.id] for i in seen if i.id in answered and i.created_at is not None)
    if gaps:
        return gaps[len(gaps) // 2]
    if server_time is not None and received_at is not None:
        return server_time - received_at
    return None
