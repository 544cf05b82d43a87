"""JobService against the real engine and a real history file: lifecycle, lineage, downloads, reconciliation."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams, InvalidParams
from sora_tui.core.status import JobStatus
from sora_tui.service import (
    JobService,
    ServiceError,
)

PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"


async def test_generate_wait_download_records_everything(service: JobService) -> None:
    events: list[object] = []
    service.subscribe(events.append)
    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), auto_download=["video", "thumbnail"])
    # written before the request, then given the server's id
    assert job.video_id and job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS, JobStatus.COMPLETED)
    [done] = await service.wait([job], timeout=60)
    assert done.status == JobStatus.DOWNLOADED
    video = done.file("video")
    assert video is not None and Path(video.path).is_file()
    assert hashlib.sha256(Path(video.path).read_bytes()).hexdigest() == video.sha256
    assert done.file("thumbnail") is not None
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("JobSubmitted") < kinds.index("JobCompleted") < kinds.index("JobDownloaded")
    sidecar = Path(video.path).with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    assert meta["prompt"] == PROMPT and meta["video_id"] == done.video_id
    assert meta["ai_generated"] is False and "not AI" in meta["label"]
    assert "test-key" not in sidecar.read_text()
    assert "test-key" not in service.store.path.read_text()
    # the history on disk says the same after a reopen
    from sora_tui.store import HistoryStore

    again = HistoryStore(service.store.path)
    assert again.get(done.local_id).status == JobStatus.DOWNLOADED  # type: ignore[union-attr]
    again.close()


async def test_download_happens_exactly_once(service: JobService) -> None:
    [job] = await service.generate(GenerationParams(PROMPT), auto_download=["video"])
    [job] = await service.wait([job], timeout=60)
    first = job.file("video")
    again = await service.download(job, "video")
    assert again.path == first.path and again.sha256 == first.sha256  # type: ignore[union-attr]
    assert len([f for f in service.store.get(job.local_id).files if f.variant == "video"]) == 1  # type: ignore[union-attr]


async def test_variations_share_a_group(service: JobService) -> None:
    jobs = await service.generate(GenerationParams(PROMPT), variations=3)
    assert len({j.video_id for j in jobs}) == 3
    assert len({j.group_id for j in jobs}) == 1 and jobs[0].group_id
    done = await service.wait(jobs, timeout=60)
    assert all(j.status == JobStatus.COMPLETED for j in done)


async def test_invalid_input_writes_nothing(service: JobService) -> None:
    with pytest.raises(InvalidParams):
        await service.generate(GenerationParams("  "))
    with pytest.raises(InvalidParams):
        await service.generate(GenerationParams("x", size="1920x1080"))
    with pytest.raises(InvalidParams):
        await service.generate(GenerationParams("x"), variations=0)
    assert service.store.all() == []


async def test_remix_extend_retry_lineage(service: JobService) -> None:
    [src] = await service.generate(GenerationParams(PROMPT, seconds="4"))
    [src] = await service.wait([src], timeout=60)
    remix = await service.remix(src, PROMPT + ", at night")
    ext = await service.extend(src, "the kite climbs higher", "4")
    assert remix.parent_id == src.local_id and remix.kind == "remix"
    assert ext.parent_id == src.local_id and ext.params.seconds == "8"
    remix, ext = await service.wait([remix, ext], timeout=60)
    assert remix.status == ext.status == JobStatus.COMPLETED
    assert service.store.children(src.local_id) and len(service.store.children(src.local_id)) == 2
    again = await service.retry(remix)
    assert again.kind == "remix" and again.parent_id == remix.local_id


async def test_guardrail_failure_then_retry(service: JobService) -> None:
    [job] = await service.generate(GenerationParams("Mickey Mouse dancing on a beach"))
    [job] = await service.wait([job], timeout=60)
    assert job.status == JobStatus.FAILED
    assert job.error is not None and job.error.code == "moderation_blocked"
    with pytest.raises(ServiceError, match="only a completed video"):
        await service.remix(job, "something else")
    retried = await service.retry(job)
    assert retried.parent_id == job.local_id and retried.kind == "retry"


async def test_remix_of_unfinished_job_is_refused(fast_service: JobService) -> None:
    [job] = await fast_service.generate(GenerationParams(PROMPT))
    with pytest.raises(ServiceError, match="Wait for it to complete"):
        await fast_service.remix(job, "other")


async def test_tracking_is_batched(fast_service: JobService) -> None:
    jobs = await fast_service.generate(GenerationParams(PROMPT), variations=8)
    tracker = fast_service.tracker
    before = tracker.requests
    await tracker.poll_once()
    assert tracker.requests - before <= 2  # one list page covers every active job
    done = await fast_service.wait(jobs, timeout=120)
    assert all(j.status == JobStatus.COMPLETED for j in done)


async def test_server_unreachable_on_create_fails_cleanly(tmp_path: Path) -> None:
    from sora_tui.backend import BackendError, VideosBackend
    from sora_tui.store import HistoryStore

    store = HistoryStore(tmp_path / "h.json")
    backend = VideosBackend("http://127.0.0.1:9/v1", "k", timeout=3)
    svc = JobService(store, backend, download_dir=tmp_path)
    with pytest.raises(BackendError):
        await svc.generate(GenerationParams(PROMPT))
    [job] = store.all()
    assert job.status == JobStatus.FAILED and job.error and "Cannot reach" in job.error.message
    await backend.aclose()
    store.close()


async def test_a_create_whose_answer_is_lost_says_so_without_advising_to_send_it_again(tmp_path: Path) -> None:
    """The server acts on the create, then the connection drops: the job is uncertain and its message says what
    happened and that sora-tui checks the list, not the generic 'try again' (which could bill twice)."""
    from sora_tui.backend import VideosBackend
    from sora_tui.engine import EngineConfig, start_engine_thread
    from sora_tui.store import HistoryStore

    store = HistoryStore(tmp_path / "h.json")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "s", faults="lost:1")) as engine:
        backend = VideosBackend(engine.base_url, "k")
        try:
            [job] = await JobService(store, backend, download_dir=tmp_path / "dl").generate(GenerationParams(PROMPT))
        finally:
            await backend.aclose()
    assert job.status == JobStatus.UNCERTAIN and job.error
    message = job.error.message
    assert f"The connection to the server at {engine.base_url} dropped." in message
    assert "may still have been created" in message and "try again" not in message.lower()
    store.close()


async def test_tracking_through_a_dropping_connection_says_it_keeps_trying(tmp_path: Path) -> None:
    """Every request's connection drops: the tracker's notice says what happened and that it tries again by itself,
    not the advice meant for a one-off command."""
    from sora_tui.backend import BackendError, VideosBackend
    from sora_tui.engine import EngineConfig, start_engine_thread
    from sora_tui.service.events import ServiceNotice
    from sora_tui.store import HistoryStore

    store = HistoryStore(tmp_path / "h.json")
    store.add(Job.new(GenerationParams(PROMPT), status=JobStatus.IN_PROGRESS, video_id="video_in_flight"))
    notices: list[ServiceNotice] = []
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "s", faults="reset:1")) as engine:
        backend = VideosBackend(engine.base_url, "k", max_retries=0)
        svc = JobService(store, backend, download_dir=tmp_path / "dl")
        svc.subscribe(lambda e: notices.append(e) if isinstance(e, ServiceNotice) else None)
        try:
            with pytest.raises(BackendError):
                await svc.tracker.run(max_failures=1)
        finally:
            await backend.aclose()
    [notice] = notices
    assert notice.level == "warning" and "dropped." in notice.message
    assert "tries again by itself" in notice.message and "try again;" not in notice.message
    store.close()


async def test_5xx_on_create_is_uncertain_then_reconciled(tmp_path: Path) -> None:
    """A create whose answer was lost is found in the server's list, not resubmitted; one that provably never
    arrived is sent again (a few times at most)."""
    from sora_tui.backend import VideosBackend
    from sora_tui.engine import EngineConfig, start_engine_thread
    from sora_tui.store import HistoryStore

    store = HistoryStore(tmp_path / "h.json")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "s")) as engine:
        backend = VideosBackend(engine.base_url, "k")
        svc = JobService(store, backend, download_dir=tmp_path / "dl")
        # the server created the video, but our process never learned its id (crash / lost answer)
        info = await backend.create(GenerationParams(PROMPT, size="1280x720"))
        lost = Job.new(GenerationParams(PROMPT, size="1280x720"), status=JobStatus.UNCERTAIN)
        lost.created_at = time.time() - 5
        store.add(lost)
        never = Job.new(GenerationParams("a prompt the server never saw"), status=JobStatus.SUBMITTING)
        never.created_at = time.time() - 600
        store.add(never)
        gave_up = Job.new(GenerationParams("sent three times, never arrived"), status=JobStatus.UNCERTAIN,
                          extra={"resubmits": 3})
        gave_up.created_at = time.time() - 600
        store.add(gave_up)
        before = {v.id for v in (await backend.list_page()).videos}
        await svc.tracker.reconcile()
        assert store.get(lost.local_id).video_id == info.id  # type: ignore[union-attr]
        # proven absent from the server's list: sent again, once, as the same job
        resent = store.get(never.local_id)
        assert resent.video_id and resent.video_id not in before and resent.extra["resubmits"] == 1  # type: ignore[union-attr]
        after = (await backend.list_page()).videos
        assert [v.prompt for v in after].count("a prompt the server never saw") == 1
        failed = store.get(gave_up.local_id)
        assert failed.status == JobStatus.FAILED and failed.error.code == "not_submitted"  # type: ignore[union-attr]
        assert "4 attempts" in failed.error.message and "nothing was billed" in failed.error.message  # type: ignore[union-attr]
        [done] = await svc.wait([store.get(lost.local_id)], timeout=30)  # type: ignore[list-item]
        assert done.status == JobStatus.COMPLETED
        await backend.aclose()
    store.close()


async def test_job_unknown_to_server_is_marked_lost(service: JobService) -> None:
    ghost = Job.new(GenerationParams(PROMPT), status=JobStatus.QUEUED)
    ghost.video_id = "video_" + "0" * 32
    service.store.add(ghost)
    await service.tracker.poll_once()
    assert service.store.get(ghost.local_id).status == JobStatus.FAILED  # type: ignore[union-attr]


async def test_track_forever_finishes_what_an_earlier_session_left(service: JobService, local_engine, tmp_path: Path) -> None:
    """The TUI's tracker: a new session on the same history tracks active jobs and fetches pending downloads."""
    import asyncio

    from sora_tui.backend import VideosBackend

    # session one submits (with an automatic download) and goes away before tracking anything
    [left] = await service.generate(GenerationParams(PROMPT, seconds="4"), auto_download=["video"])
    [waited] = await service.generate(GenerationParams(PROMPT + " at dawn", seconds="4"), auto_download=["thumbnail"])
    await service.wait([waited], timeout=60)
    service.store.update(waited.local_id, status=JobStatus.COMPLETED, files=[])  # completed, download not fetched yet
    backend = VideosBackend(local_engine.base_url, "test-key")
    fresh = JobService(service.store, backend, profile="local", download_dir=tmp_path / "downloads2", local_engine=True)
    seen: list[object] = []
    fresh.subscribe(seen.append)
    task = asyncio.create_task(fresh.track_forever())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            a, b = service.store.get(left.local_id), service.store.get(waited.local_id)
            if a.status == JobStatus.DOWNLOADED and b.file("thumbnail") is not None:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("track_forever did not finish the earlier session's jobs")
        assert not task.done()  # it keeps tracking: new jobs are picked up without a restart
        [late] = await fresh.generate(GenerationParams(PROMPT + " at noon", seconds="4"))
        while service.store.get(late.local_id).status != JobStatus.COMPLETED:
            assert time.monotonic() < deadline + 30
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await backend.aclose()
    assert any(type(e).__name__ == "JobDownloaded" for e in seen)


async def test_two_services_never_download_the_same_asset_twice(service: JobService, local_engine, tmp_path: Path) -> None:
    """Two processes' services (here: two instances on one history) fetching one asset: one download, one file."""
    import asyncio

    from sora_tui.backend import VideosBackend

    [job] = await service.generate(GenerationParams(PROMPT, seconds="4"))
    [job] = await service.wait([job], timeout=60)
    backend = VideosBackend(local_engine.base_url, "test-key")
    other = JobService(service.store, backend, profile="local", download_dir=service.download_dir, local_engine=True)
    try:
        a, b = await asyncio.gather(service.download(job), other.download(job))
    finally:
        await backend.aclose()
    assert a.path == b.path and a.sha256 == b.sha256
    assert service.stats["download_attempts"] + other.stats["download_attempts"] == 1
    assert len(list(service.download_dir.glob("*.mp4"))) == 1


async def test_more_takes_join_the_group_and_annotations_persist(service: JobService) -> None:
    [job] = await service.generate(GenerationParams("a heron lands on a pier, wind ambience"))
    assert job.group_id is None
    takes = await service.more_takes(job, 2)
    source = service.store.get(job.local_id)
    assert source.group_id and [t.group_id for t in takes] == [source.group_id] * 2
    assert all(t.kind == "variation" and t.parent_id == job.local_id and t.video_id for t in takes)
    again = await service.more_takes(source, 1)  # an existing group is reused, not replaced
    assert again[0].group_id == source.group_id
    with pytest.raises(InvalidParams, match="between 1 and"):
        await service.more_takes(source, 0)

    marked = await service.annotate(source, starred=True, tags=["keeper", "\x1b]0;x\x07ok", " "], notes="fine\x1b[2J")
    assert marked.starred and marked.tags == ["keeper", "]0;xok"] and marked.notes == "fine[2J"
    assert service.store.get(job.local_id).starred
    unmarked = await service.annotate(marked, starred=False)
    assert not unmarked.starred and unmarked.tags == ["keeper", "]0;xok"]  # untouched fields stay


async def test_more_takes_of_a_remix_is_refused_with_what_to_do(service: JobService) -> None:
    [job] = await service.generate(GenerationParams("a heron lands on a pier"))
    await service.wait([job])
    remix = await service.remix(service.store.get(job.local_id), "the same at night")
    with pytest.raises(ServiceError, match="retry it"):
        await service.more_takes(remix, 2)


async def test_a_service_never_polls_or_loses_jobs_of_another_profile(service: JobService, local_engine, tmp_path: Path) -> None:
    from sora_tui.backend import VideosBackend

    [job] = await service.generate(GenerationParams("a heron lands on a pier"))
    before = service.store.get(job.local_id)
    assert before.is_active
    other_backend = VideosBackend(local_engine.base_url + "/", "test-key")
    other = JobService(service.store, other_backend, profile="elsewhere", download_dir=tmp_path / "o")
    try:
        assert not other.owns(job) and service.owns(job)
        await other.tracker.poll_once()
        assert other.tracker.requests == 0  # nothing of its own to track
        after = service.store.get(job.local_id)
        assert (after.status, after.updated_at) == (before.status, before.updated_at)  # untouched, not declared lost
        await service.tracker.poll_once()
        assert service.tracker.requests > 0  # its own profile does poll it
    finally:
        await other_backend.aclose()


@pytest.mark.parametrize("whole", [True, False])
async def test_a_file_saved_but_never_settled_is_settled_after_a_restart(service: JobService, whole: bool) -> None:
    """A run stopped between recording a download and its sha256 (SIGKILL; the crash harness hit it once downloads
    got fast): a restart settles the file, checked and hashed where it is, or fetched again if it is not whole."""
    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), auto_download=["video"])
    [done] = await service.wait([job], timeout=60)
    video = done.file("video")
    assert video is not None and video.sha256
    if not whole:
        with open(video.path, "r+b") as fh:  # noqa: ASYNC230 - the test damages the file between two awaits
            fh.truncate(video.bytes // 2)

    def never_settled(j: Job) -> None:
        j.files = [replace(f, sha256="") for f in j.files]

    stuck = await service._mutate(done.local_id, never_settled)
    assert [(j.local_id, v) for j, v in service.pending_auto_downloads()] == [(stuck.local_id, "video")]
    attempts = service.stats["download_attempts"]
    await service.resume()
    after = service.store.get(stuck.local_id)
    assert after is not None and after.status == JobStatus.DOWNLOADED
    settled = after.file("video")
    assert settled is not None and settled.sha256 == video.sha256
    assert hashlib.sha256(Path(settled.path).read_bytes()).hexdigest() == video.sha256
    assert service.stats["download_attempts"] == attempts + (0 if whole else 1)
    assert service.pending_auto_downloads() == []


async def test_a_picture_that_gave_up_after_the_video_arrived_is_fetched_again(service: JobService) -> None:
    """The video on disk makes the job 'downloaded'; a thumbnail or spritesheet that gave up (faults, a full disk)
    must still be fetched by wait() and picked up after a restart, not left as a .part (seen in the fault harness)."""
    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), auto_download=["video"])
    [done] = await service.wait([job], timeout=60)
    assert done.status == JobStatus.DOWNLOADED and done.file("spritesheet") is None

    def asked_for_more(j) -> None:  # as if the spritesheet had been asked for and given up
        j.auto_download = ["video", "spritesheet"]

    stuck = await service._mutate(done.local_id, asked_for_more)
    assert [(j.local_id, v) for j, v in service.pending_auto_downloads()] == [(stuck.local_id, "spritesheet")]
    [fixed] = await service.wait([stuck], timeout=60)
    sheet = fixed.file("spritesheet")
    assert sheet is not None and Path(sheet.path).is_file() and not list(Path(sheet.path).parent.glob("*.part"))
    assert service.pending_auto_downloads() == []


async def test_a_rounds_transitions_are_one_write_shown_after_it(service: JobService) -> None:
    """A tracker round's completions are stored together (one fsync) before any is shown; a job another
    process deleted meanwhile is skipped, not fatal to the rest of the round."""
    from dataclasses import replace

    from sora_tui.core.status import JobStatus as S

    jobs = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), variations=3)
    infos = [(await service.backend.retrieve(j.video_id))[0] for j in jobs]  # type: ignore[arg-type]
    done = [replace(i, status=S.COMPLETED, progress=100) for i in infos]
    service.store.delete(jobs[2].local_id)
    shown: list[tuple[str, S | None]] = []
    service.subscribe(lambda e: shown.append((type(e).__name__, getattr(service.store.get(e.job.local_id), "status", None))))
    writes = service.store._storage.writes
    out = await service.apply_all(list(zip(jobs, done, strict=True)))
    assert service.store._storage.writes == writes + 1
    assert [j.status for j in out] == [S.COMPLETED, S.COMPLETED, jobs[2].status]
    assert shown == [("JobCompleted", S.COMPLETED), ("JobCompleted", S.COMPLETED)]  # durable when shown


async def test_a_download_is_saved_and_shown_before_its_checksum_which_follows(service: JobService) -> None:
    """The transfer does not hash (bench/downloads.py): the job is downloaded and shown as such at once, and the
    sha256 of the file on disk is recorded, announced and written to the sidecar right after."""
    from sora_tui.service.events import FileDigested, JobDownloaded

    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"))
    [job] = await service.wait([job], timeout=60)
    seen: list[tuple[str, str, str]] = []
    service.subscribe(lambda e: seen.append((type(e).__name__, e.file.sha256, getattr(service.store.get(e.job.local_id).file("video"), "sha256", "?")))
                      if isinstance(e, (JobDownloaded, FileDigested)) else None)
    record = await service.download(job, "video")
    truth = hashlib.sha256(Path(record.path).read_bytes()).hexdigest()
    assert record.sha256 == truth
    assert seen == [("JobDownloaded", "", ""), ("FileDigested", truth, truth)]  # each one stored before it is shown
    assert service.store.get(job.local_id).file("video").sha256 == truth  # type: ignore[union-attr]
    assert json.loads(Path(record.path).with_suffix(".json").read_text())["files"][0]["sha256"] == truth


async def test_a_file_recorded_without_its_checksum_gets_it_without_a_second_transfer(service: JobService) -> None:
    """A run stopped between saving a file and hashing it leaves the record without a sha256: asking for the
    download again hashes the file on disk instead of fetching it again; the detail and the CLI say it is missing."""
    from sora_tui.cli_format import job_detail

    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), auto_download=["video"])
    [job] = await service.wait([job], timeout=60)

    def forget_digest(j) -> None:
        j.files = [replace(f, sha256="") for f in j.files]

    stopped = await service._mutate(job.local_id, forget_digest)
    assert "sha256 not computed yet" in job_detail(stopped)
    attempts = service.stats["download_attempts"]
    record = await service.download(stopped, "video")
    assert service.stats["download_attempts"] == attempts
    assert record.sha256 == hashlib.sha256(Path(record.path).read_bytes()).hexdigest()
    assert service.store.get(job.local_id).file("video").sha256 == record.sha256  # type: ignore[union-attr]


async def test_closing_the_service_lets_a_saved_files_checksum_finish(service: JobService) -> None:
    from sora_tui.service.events import JobDownloaded

    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"))
    [job] = await service.wait([job], timeout=60)
    saved = asyncio.Event()
    service.subscribe(lambda e: saved.set() if isinstance(e, JobDownloaded) else None)
    service.start_download(job, "video")
    await asyncio.wait_for(saved.wait(), 30)
    await service.aclose()  # cancels the download task while its checksum runs
    video = service.store.get(job.local_id).file("video")  # type: ignore[union-attr]
    assert video is not None and video.sha256 == hashlib.sha256(Path(video.path).read_bytes()).hexdigest()


async def test_a_job_that_leaves_the_history_while_its_file_is_hashed_is_not_an_error(service: JobService) -> None:
    """Another process deletes the job between the file being saved and its sha256 recorded: the download still
    returns the file (it is on disk), and nothing is written back for a job that is gone."""
    from sora_tui.service.events import JobDownloaded

    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"))
    [job] = await service.wait([job], timeout=60)
    service.subscribe(lambda e: service.store.delete(e.job.local_id) if isinstance(e, JobDownloaded) else None)
    record = await service.download(job, "video")
    assert Path(record.path).is_file() and record.sha256 == hashlib.sha256(Path(record.path).read_bytes()).hexdigest()
    assert service.store.get(job.local_id) is None


async def test_waiting_for_a_download_ends_when_it_ends_not_at_the_next_poll(fast_service: JobService) -> None:
    """wait() with an automatic download: done as the file is saved, not up to one poll interval (500 ms here)
    later, and without a request to the server for it."""
    from sora_tui.service.events import JobDownloaded

    saved: list[float] = []
    fast_service.subscribe(lambda e: saved.append(time.monotonic()) if isinstance(e, JobDownloaded) else None)
    jobs = await fast_service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), auto_download=["video"])
    [done] = await fast_service.wait(jobs, timeout=60)
    returned = time.monotonic()
    assert done.status == JobStatus.DOWNLOADED and saved
    assert returned - saved[0] < 0.1, returned - saved[0]

    # the mechanism alone: a long sleep cut short once what it waits for holds, looked at when told to
    tracker, ready = fast_service.tracker, asyncio.Event()

    async def until() -> bool:
        return ready.is_set()

    started = time.monotonic()
    asyncio.get_running_loop().call_later(0.05, lambda: (ready.set(), tracker.settled()))
    await tracker._sleep_or_settle(5.0, until)
    assert time.monotonic() - started < 0.5
    requests = tracker.requests
    asyncio.get_running_loop().call_later(0.05, tracker.settled)  # told, but not yet true: sleeps on, no request
    ready.clear()
    started = time.monotonic()
    await tracker._sleep_or_settle(0.3, until)
    assert 0.29 < time.monotonic() - started and tracker.requests == requests


async def test_a_file_recorded_without_its_checksum_that_is_not_whole_is_fetched_again(service: JobService) -> None:
    """The machine went down between the transfer and the fsync that follows it: the file has its recorded size
    but not its bytes (zeros where the data never reached the disk). Without a sha256 it was never settled, so its
    container is checked, found broken, and the video downloaded again, hashed and recorded."""
    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), auto_download=["video"])
    [job] = await service.wait([job], timeout=60)
    video = Path(job.file("video").path)  # type: ignore[union-attr]
    good = video.read_bytes()

    def forget_digest(j) -> None:
        j.files = [replace(f, sha256="") for f in j.files]

    stopped = await service._mutate(job.local_id, forget_digest)
    video.write_bytes(bytes(len(good)))
    attempts = service.stats["download_attempts"]
    record = await service.download(stopped, "video")
    assert service.stats["download_attempts"] == attempts + 1
    assert Path(record.path).read_bytes() == good and record.sha256 == hashlib.sha256(good).hexdigest()


async def test_the_transfer_does_not_wait_for_the_disk_and_settling_makes_the_file_durable(service: JobService,
                                                                                          monkeypatch) -> None:
    """As curl, a transfer ends when its bytes are in the file at its name; the fsync of the file and of its folder
    come with the checksum after it (bench/downloads.py: waiting for the disk in the transfer cost 0.87x -> 0.55x
    curl's rate), and the sha256 is recorded only after them."""
    import os

    from sora_tui.service.events import FileDigested, JobDownloaded

    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"))
    [job] = await service.wait([job], timeout=60)
    synced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real(fd))[1])
    order: list[tuple[str, list[str]]] = []
    service.subscribe(lambda e: order.append((type(e).__name__, list(synced))) if isinstance(e, (JobDownloaded, FileDigested)) else None)
    record = await service.download(job, "video")
    path = str(Path(record.path).resolve())
    [(downloaded, before), (digested, after)] = order
    assert downloaded == "JobDownloaded" and path not in before and not any(p.endswith(".part") for p in before)
    assert digested == "FileDigested" and path in after and str(Path(path).parent) in after


async def test_what_the_server_accepted_is_what_is_priced(service: JobService) -> None:
    """The create's answer and the completed status carry the seconds and size the server accepted; the history
    keeps them, and the cost is priced on them (an extension on the seconds it added to the whole)."""
    from sora_tui.core.cost import ACCEPTED_SECONDS, ACCEPTED_SIZE, job_cost
    from sora_tui.core.params import MODELS

    service.profile = "lab"  # a priced server on loopback (the built-in engine's own jobs are free whatever the price)
    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"))
    [done] = await service.wait([job], timeout=60)
    stored = service.store.get(done.local_id)
    assert stored is not None
    assert stored.extra[ACCEPTED_SECONDS] == "4" and stored.extra[ACCEPTED_SIZE] == "1280x720"
    cost = job_cost(stored, MODELS)
    assert cost.seconds == 4 and cost.amount == MODELS["sora-2"].price("1280x720") * 4
    longer = await service.extend(done, "the kite keeps climbing", seconds="4")
    [extended] = await service.wait([longer], timeout=60)
    extended = service.store.get(extended.local_id)
    assert extended is not None and int(extended.extra[ACCEPTED_SECONDS]) == 8  # the stitched whole
    assert job_cost(extended, MODELS).seconds == 4  # priced on what it added
