"""What every room of the job service shares: its settings and state, its listeners, and its writes to the
history (off the event loop, each remembered as its own).

JobService (service/jobs.py) is composed of rooms of one purpose each, every one a ServiceRoom: submitting
(service/submit.py), the server's reports (service/reports.py), downloads (service/downloads.py), the server's
own videos and characters (service/server_videos.py), following jobs over time (service/waiting.py) and the
user's choice among takes (service/keep.py).
JobService sets the state up and sends the creates; the tracker (service/tracker.py) sees it only through the
narrow TrackedService protocol."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.job import FileRecord, Job
from ..core.text import strip_control
from .events import Event

if TYPE_CHECKING:
    from ..backend.videos import VideosBackend
    from ..core.ledger import Budget
    from ..core.params import ModelSpec
    from ..store.history import HistoryStore
    from .files import DownloadNamer
    from .tracker import Tracker

log = logging.getLogger(__name__)


class ServiceRoom:
    """The state JobService.__init__ sets up (service/jobs.py), and what every room does with it."""

    store: HistoryStore
    characters: Any  # store.CharacterBook, where created characters are remembered
    backend: VideosBackend
    profile: str
    download_dir: Path
    models: dict[str, ModelSpec] | None
    models_listed: bool
    budget: Budget
    local_engine: bool
    namer: DownloadNamer
    tracker: Tracker
    stats: Counter[str]
    _listeners: list[Callable[[Event], Any]]
    _download_slots: asyncio.Semaphore
    _downloads: dict[tuple[str, str], asyncio.Task[FileRecord | None]]
    _digests: set[asyncio.Task[FileRecord]]
    _own_writes: dict[str, float]

    if TYPE_CHECKING:  # what the rooms ask of one another (JobService has them all)
        async def _send(self, job: Job) -> Job: ...

        def start_download(self, job: Job, variant: str = "video",
                           out_dir: Path | None = None) -> asyncio.Task[FileRecord | None]: ...

        def pending_auto_downloads(self) -> list[tuple[Job, str]]: ...

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

    # --- the user's own marks ----------------------------------------------------------------------
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

    # --- which jobs are this service's -----------------------------------------------------------
    def owns(self, job: Job) -> bool:
        """Whether this job lives on this service's server: jobs made through another profile or base URL share
        the history but must never be polled (or declared lost) here."""
        if job.profile != self.profile:
            return False
        # the local engine's loopback port changes between starts; its state (and the jobs) carry over
        return self.local_engine or not job.server or job.server.rstrip("/") == self.backend.base_url.rstrip("/")
