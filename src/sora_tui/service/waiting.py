"""Following the jobs over time: waiting until some are done (their automatic downloads too), the TUI's tracking
until it quits, picking up after a restart, and noticing what other processes write to the shared history."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

from ..backend.errors import BackendError
from ..core.i18n import _
from ..core.job import Job
from ..core.status import JobStatus
from ..core.text import strip_control
from .downloads import _to_fetch
from .events import JobChangedElsewhere, ServiceNotice
from .shared import ServiceRoom

log = logging.getLogger(__name__)

CLOCK_SLACK = 5.0  # seconds another process's clock may lag ours when watching the shared history
DOWNLOAD_ROUNDS = 2  # wait() starts a download that gave up this many more times before reporting it
TRACKING_PAUSE = 30.0  # seconds: after an unexpected failure (a full disk), before the tracker tries again


class Waiting(ServiceRoom):
    """Following the jobs over time, until they are done or the app quits."""

    async def wait(self, jobs: list[Job], timeout: float | None = None, max_failures: int | None = None,
                   *, any_of: bool = False) -> list[Job]:
        """Track until these jobs are terminal and their automatic downloads are finished (`any_of`: until one of
        them is; a board's run sends the next shot then)."""
        ids = [j.local_id for j in jobs]

        async def done() -> bool:
            current = [self.store.get(i) for i in ids]
            if not any_of and any(j is None or j.is_active or j.status == JobStatus.UNCERTAIN for j in current):
                return False
            ended = [one_done(j) for j in current]  # every job looked at: each starts its downloads
            return any(ended) if any_of else all(ended)

        def one_done(j: Job | None) -> bool:
            if j is None:
                return True
            if j.is_active or j.status == JobStatus.UNCERTAIN:
                return False
            # DOWNLOADED too: the video being on disk says nothing of a thumbnail or spritesheet that gave up
            if j.status in (JobStatus.COMPLETED, JobStatus.DOWNLOADED):
                for v in _to_fetch(j):
                    key = (j.local_id, v)
                    task = self._downloads.get(key)
                    if task is None or (task.done() and retries[key] < DOWNLOAD_ROUNDS):
                        if task is not None:  # it gave up (its own retries spent): one more round, later
                            retries[key] += 1
                        self.start_download(j, v)
            return not any(k[0] == j.local_id for k, t in self._downloads.items() if not t.done())

        retries: Counter[tuple[str, str]] = Counter()

        await asyncio.wait_for(self.tracker.run(until=done, max_failures=max_failures), timeout)
        return [self.store.get(i) or j for i, j in zip(ids, jobs)]

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
