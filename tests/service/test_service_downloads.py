"""JobService.download against the real engine and real files: a name already taken is left alone and said, the
job's own damaged file is replaced in place, a server that never answers is given up on in bounded time (and a
cancel is immediate), and servers that answer ranges badly still end with the server's bytes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from sora_tui.backend import BackendError, VideosBackend
from sora_tui.backend.downloads import part_path
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.service import JobService
from sora_tui.service.events import ServiceNotice
from sora_tui.service.jobs import DOWNLOAD_STALLS

PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"


async def _completed(service: JobService) -> Job:
    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"))
    [job] = await service.wait([job], timeout=60)
    assert job.status == JobStatus.COMPLETED
    return job


async def test_a_users_file_at_the_name_is_left_alone_and_the_job_saved_beside_it(service: JobService) -> None:
    notices: list[ServiceNotice] = []
    service.subscribe(lambda e: notices.append(e) if isinstance(e, ServiceNotice) else None)
    job = await _completed(service)
    planned = service.namer.path_for(job, "video", service.download_dir)
    planned.parent.mkdir(parents=True)
    planned.write_bytes(b"the user's own video")
    stem = planned.name.removesuffix(".mp4")
    (planned.parent / f"{stem}.json").write_text('{"mine": true}')  # and the user's own notes beside it

    video = await service.download(job, "video")
    picture = await service.download(job, "thumbnail")
    assert planned.read_bytes() == b"the user's own video"
    assert json.loads((planned.parent / f"{stem}.json").read_text()) == {"mine": True}
    assert Path(video.path).name == f"{stem} (2).mp4"  # what is recorded is where it went
    assert service.store.get(job.local_id).file("video").path == video.path  # type: ignore[union-attr]
    assert hashlib.sha256(Path(video.path).read_bytes()).hexdigest() == video.sha256
    # its picture and its sidecar take the same stem
    assert Path(picture.path).name == f"{stem} (2).thumbnail.webp"
    sidecar = json.loads((planned.parent / f"{stem} (2).json").read_text())
    assert sidecar["local_id"] == job.local_id and {f["file"] for f in sidecar["files"]} == {
        f"{stem} (2).mp4", f"{stem} (2).thumbnail.webp"}
    said = [n.message for n in notices if planned.name in n.message]
    assert len(said) == 1 and f"saved as {stem} (2).mp4" in said[0] and "did not write" in said[0]


async def test_a_foreign_file_at_the_sidecars_name_is_never_replaced(service: JobService) -> None:
    notices: list[str] = []
    service.subscribe(lambda e: notices.append(e.message) if isinstance(e, ServiceNotice) else None)
    job = await _completed(service)
    planned = service.namer.path_for(job, "video", service.download_dir)
    planned.parent.mkdir(parents=True)
    theirs = planned.with_suffix(".json")
    victim = planned.parent / "victim.txt"
    victim.write_text("precious")
    theirs.symlink_to(victim)  # a symlink where the sidecar goes: neither it nor its target is written
    video = await service.download(job, "video")
    assert Path(video.path) == planned and video.sha256  # the video itself had its name free
    assert theirs.is_symlink() and victim.read_text() == "precious"
    assert any("description file could not be written" in n and theirs.name in n for n in notices), notices
    assert not list(planned.parent.glob("*.tmp"))


async def test_the_jobs_own_damaged_file_is_replaced_in_place(service: JobService) -> None:
    """Re-fetching a recorded file that is no longer whole (its checksum never recorded) may replace it: the
    app wrote it. The name stays, and no numbered copy appears."""
    [job] = await service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), auto_download=["video"])
    [job] = await service.wait([job], timeout=60)
    recorded = job.file("video")
    assert recorded is not None
    good = Path(recorded.path).read_bytes()

    def forget_digest(j: Job) -> None:
        j.files = [replace(f, sha256="") for f in j.files]

    stopped = await service._mutate(job.local_id, forget_digest)
    Path(recorded.path).write_bytes(bytes(len(good)))  # the bytes never reached the disk
    again = await service.download(stopped, "video")
    assert again.path == recorded.path and Path(again.path).read_bytes() == good
    assert sorted(p.name for p in Path(recorded.path).parent.glob("*.mp4")) == [Path(recorded.path).name]


@pytest.fixture
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[JobService, Job, Path]]:
    """A job completed on a plain engine, then a service on an engine in the given modes over the same state
    (a server that starts answering downloads badly); yields the service, the job and the server's file."""
    from sora_tui.store import HistoryStore

    modes, timeout = request.param
    state = tmp_path / "state"
    store = HistoryStore(tmp_path / "history.json")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=state)) as plain:
        backend = VideosBackend(plain.base_url, "k")
        job = await _completed(JobService(store, backend, profile="p", download_dir=tmp_path / "dl"))
        await backend.aclose()
    with start_engine_thread(EngineConfig(speed="instant", state_dir=state, modes=modes)) as engine:
        backend = VideosBackend(engine.base_url, "k", timeout=timeout)
        service = JobService(store, backend, profile="p", download_dir=tmp_path / "dl")
        try:
            yield service, job, engine.engine.state.asset(job.video_id, "video")
        finally:
            await service.aclose()
            await backend.aclose()
            store.close()


@pytest.mark.parametrize("rig", [("lying-content", 60), ("range-416", 60)], indirect=True, ids=["lying", "416"])
async def test_a_download_left_half_way_ends_with_the_servers_bytes_on_servers_that_answer_ranges_badly(
        rig: tuple[JobService, Job, Path]) -> None:
    """lying-content: ranges answered with an HTML page as application/octet-stream (it used to be appended and
    recorded as done, with a wrong sha256). range-416: ranges refused without Content-Range (it used to fail
    every try with advice to change the request)."""
    service, job, served = rig
    truth = served.read_bytes()
    dest = service.namer.path_for(job, "video", service.download_dir)
    dest.parent.mkdir(parents=True)
    for cut in (60_000, len(truth) - 40):  # an HTML tail of 40 bytes passed the old container check
        part_path(dest).write_bytes(truth[:cut])
        record = await service.download(job, "video")
        assert Path(record.path) == dest and record.sha256 == hashlib.sha256(truth).hexdigest()
        assert dest.read_bytes() == truth and not part_path(dest).exists()
        dest.unlink()
        await service._mutate(job.local_id, lambda j: setattr(j, "files", []))


@pytest.mark.parametrize("rig", [("stall-headers", 0.5)], indirect=True)
async def test_a_server_that_never_answers_is_given_up_on_in_bounded_time(rig: tuple[JobService, Job, Path]) -> None:
    """stall-headers: /content takes the request and never answers. Each try is one request (no SDK retries
    under the service's own), and tries that time out without a byte end the download after DOWNLOAD_STALLS
    of them: 2 x the timeout + a 0.5 s pause, where it used to be DOWNLOAD_ATTEMPTS x 3 x the timeout."""
    service, job, _ = rig
    attempts = service.stats["download_attempts"]
    started = time.monotonic()
    with pytest.raises(BackendError) as info:
        await service.download(job, "video")
    took = time.monotonic() - started
    assert info.value.kind == "timeout" and "did not answer in time" in info.value.user_message()
    assert service.stats["download_attempts"] - attempts == DOWNLOAD_STALLS == 2
    assert took < 2 * 0.5 + 0.5 + 1.0, took


@pytest.mark.parametrize("rig", [("stall-headers", 10)], indirect=True)
async def test_closing_the_service_during_a_stalled_download_is_immediate(rig: tuple[JobService, Job, Path]) -> None:
    """Quitting the TUI (or Ctrl+C in the CLI) while /content sends nothing: it used to wait out the read
    timeout, times the SDK's retries (58 s and 121 s were measured); the service closes within a second."""
    service, job, _ = rig
    task = service.start_download(job, "video")
    await asyncio.sleep(1.0)  # the request is out; no headers will come
    assert not task.done()
    started = time.monotonic()
    await service.aclose()
    assert time.monotonic() - started < 1.0
    assert task.cancelled() or task.done()
