"""The job service's downloads: one task per asset, with retries that resume, a lock across processes, the file
named by the downloads' rules (service/files.py) and recorded once, its sha256 after it is shown as saved, and a
thumbnail or spritesheet the server cannot give made from the video instead. The transfer itself is the
backend's (backend/downloads.py)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from pathlib import Path

from ..backend.errors import BackendError, map_error
from ..core.i18n import _
from ..core.job import FileRecord, Job, JobError, asset_name
from ..core.params import InvalidParams
from ..core.status import JobStatus
from .errors import ServiceError
from .events import DownloadFailed, DownloadProgressed, FileDigested, JobDownloaded, JobFailed, ServiceNotice
from .files import destination, is_picture, replace_own, write_sidecar
from .shared import ServiceRoom
from .words import _status_word

log = logging.getLogger(__name__)

VARIANTS = ("video", "thumbnail", "spritesheet")
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
RESUME_DOWNLOADS_WITHIN = 2 * 86400  # seconds: assets older than this are long expired on every known server


def check_variants(variants: Iterable[str]) -> None:
    """Refuse a variant there is no such asset of (for automatic downloads too, before their job is written)."""
    for v in variants:
        if v not in VARIANTS:
            raise InvalidParams(_("Unknown download variant {variant}; use video, thumbnail or spritesheet.").format(
                variant=repr(v)), "variant")


class Downloads(ServiceRoom):
    """Each asset of a finished job fetched once, resumed and recorded."""

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
        check_variants([variant])
        fresh = await asyncio.to_thread(self.store.get, job.local_id) or job
        if not fresh.video_id or fresh.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED, JobStatus.EXPIRED):
            raise ServiceError(_("Job {id} is {status}; only completed videos can be downloaded.").format(
                id=fresh.short_id, status=_status_word(fresh.status)))
        existing = await asyncio.to_thread(_on_disk, fresh, variant)  # reads the file: off the loop
        if existing is not None:
            return await self._digested(fresh, existing)
        async with self._download_slots, self._download_lock(fresh.local_id, variant):
            # Another process (a CLI beside the TUI) may have fetched it while we waited for the lock.
            again = await asyncio.to_thread(self.store.get, job.local_id)
            fresh = again or fresh
            existing = await asyncio.to_thread(_on_disk, fresh, variant)  # reads the file: off the loop
            if existing is not None:
                return await self._digested(fresh, existing)
            video_id = fresh.video_id
            assert video_id is not None  # checked above, and a job's server id is never taken away
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
                    result = await self.backend.download(video_id, dest, variant, progress=progress)
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
        # Recorded and shown as saved at once; the checksum follows (_digest).
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

    def pending_auto_downloads(self) -> list[tuple[Job, str]]:
        """Finished jobs whose requested automatic downloads are not on disk yet, or saved but never settled (e.g.
        after a restart)."""
        # Downloaded jobs too (the video is there; a thumbnail or spritesheet may have given up), but only recent
        # ones: servers keep the assets for hours, and decoding every old job of a big history would cost seconds.
        recent = time.time() - RESUME_DOWNLOADS_WITHIN
        jobs = self.store.query(status=JobStatus.COMPLETED.value, profile=self.profile) + \
            self.store.query(status=JobStatus.DOWNLOADED.value, profile=self.profile, since=recent)
        return [(j, v) for j in jobs if self.owns(j) for v in _to_fetch(j)]


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
