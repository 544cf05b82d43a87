"""The whole client (JobService -> VideosBackend -> openai SDK -> HTTP) against servers that deviate from
OpenAI the way gateways, proxies and self-hosted servers do: the local engine in its --mode settings."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sora_tui.backend import VideosBackend
from sora_tui.backend.errors import BackendError, is_missing_route
from sora_tui.core.params import MODELS, GenerationParams, ModelSpec
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.service import JobService
from sora_tui.service.events import DownloadFailed, JobEvent, ServiceNotice

OTHER_MODELS = {
    **MODELS,
    "veo-3": ModelSpec("veo-3", ("1280x720", "1920x1080"), ("8",)),
    "wan-2.2": ModelSpec("wan-2.2", ("832x480", "480x832"), ("5",)),
}
# A warning printed to stderr would paint over the TUI (pydantic warns about a string "progress", for one).
pytestmark = pytest.mark.filterwarnings("error::UserWarning")


@dataclass
class Rig:
    modes: frozenset[str]
    engine: Any
    service: JobService
    backend: VideosBackend
    events: list[Any]
    progress: dict[str, list[int]]  # local_id -> progress shown, in order

    def server_bytes(self, video_id: str, variant: str = "video") -> bytes:
        return Path(self.engine.engine.state.asset(video_id, variant)).read_bytes()


@pytest.fixture
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    from sora_tui.store import HistoryStore

    config = EngineConfig(speed="instant", state_dir=tmp_path / "engine", modes=request.param)
    engine = start_engine_thread(config)
    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(engine.base_url, "test-key", max_retries=0)
    models = OTHER_MODELS if "other-models" in engine.engine.modes else None
    # local_engine=False: the service treats this as a remote server it knows nothing special about
    service = JobService(store, backend, profile="deviant", download_dir=tmp_path / "downloads",
                         models=models)
    events: list[Any] = []
    progress: dict[str, list[int]] = {}

    def listen(event: Any) -> None:
        events.append(event)
        if isinstance(event, JobEvent):  # the number the TUI would draw, at the moment it is told
            progress.setdefault(event.job.local_id, []).append(event.job.progress)

    service.subscribe(listen)
    try:
        yield Rig(engine.engine.modes, engine, service, backend, events, progress)
    finally:
        await service.aclose()
        await backend.aclose()
        store.close()
        engine.stop()


def params_for(modes: frozenset[str]) -> GenerationParams:
    if "other-models" in modes:
        return GenerationParams("a red kite over a windy beach", model="veo-3", size="1280x720", seconds="8")
    return GenerationParams("a red kite over a windy beach", size="1280x720", seconds="4")


async def finish(rig: Rig, jobs: list[Any]) -> list[Any]:
    done = await rig.service.wait(jobs, timeout=90, max_failures=3)
    for job in done:
        assert job.status == JobStatus.DOWNLOADED, (job.status, job.error)
        record = job.file("video")
        data = Path(record.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record.sha256 and len(data) == record.bytes
        assert data == rig.server_bytes(job.video_id)  # the right bytes: this video's, whole
        assert Path(record.path).resolve().is_relative_to((rig.service.download_dir).resolve())
        shown = rig.progress[job.local_id]
        assert shown == sorted(shown) and all(0 <= p <= 100 for p in shown), shown  # never backwards
        assert shown[-1] == 100
    return done


async def expect_unsupported(call: Any, operation: str) -> BackendError:
    with pytest.raises(BackendError) as exc:
        await call
    error = exc.value
    assert error.kind == "unsupported", (error.kind, error.message)
    assert f"This server does not offer {operation}" in error.user_message()
    assert "Traceback" not in error.user_message()
    return error


FLOWS = [
    "strict", "processing", "unknown-status", "no-progress", "jumpy-progress", "extra-fields",
    "missing-fields", "slow-expiry", "uuid-ids", "no-list", "other-models", "litellm-like",
    "litellm-like,slow-expiry,unknown-status",
]


@pytest.mark.parametrize("rig", FLOWS, indirect=True)
async def test_generate_wait_download_remix_extend(rig: Rig) -> None:
    service, modes = rig.service, rig.modes
    [job] = await service.generate(params_for(modes), auto_download=["video"])
    assert job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS) and job.video_id
    if "uuid-ids" in modes:
        assert not job.video_id.startswith("video_")
    [done] = await finish(rig, [job])
    assert done.completed_at is not None
    if {"missing-fields", "slow-expiry"} & modes:
        assert done.expires_at is None  # not known yet: nothing is made up
    else:
        assert done.expires_at and done.expires_at > done.completed_at
    if "no-list" in modes:
        assert service.tracker.list_supported is False  # it polled each job instead
    else:
        assert service.tracker.list_supported is True

    follow_ups = [await service.remix(done, "the same kite at dusk", auto_download=["video"])]
    if "no-extensions" in modes:
        failed = await service.extend(done, "the kite lands on the sand", "4")
        assert failed.status == JobStatus.FAILED and failed.error.code == "unsupported"
        assert "This server does not offer extensions" in failed.error.message
        await expect_unsupported(rig.backend.extend(done.video_id, "the kite lands", "4"), "extensions")
    else:
        extension = await service.extend(done, "the kite lands on the sand", "4", auto_download=["video"])
        follow_ups.append(extension)
    finished = await finish(rig, follow_ups)
    remix = finished[0]
    assert remix.kind == "remix" and remix.params.model == done.params.model
    info, _ = await rig.backend.retrieve(remix.video_id)
    assert info.remixed_from == done.video_id
    if len(finished) > 1:
        assert finished[1].params.seconds == str(int(done.params.seconds) + 4)
    if "no-delete" in modes:
        await expect_unsupported(service.delete_remote(remix), "deleting videos")
    else:
        await service.delete_remote(remix)
        with pytest.raises(BackendError) as exc:
            await rig.backend.retrieve(remix.video_id)
        assert exc.value.kind == "not_found"  # a missing video is still "not found", not a missing route
    assert not [e for e in rig.events if isinstance(e, DownloadFailed)]
    assert not [e for e in rig.events if isinstance(e, ServiceNotice) and e.level == "error"]


@pytest.mark.parametrize(("rig", "operation"), [
    ("no-remix", "remix"), ("no-edits", "edits"), ("no-extensions", "extensions"),
    ("no-delete", "deleting videos"), ("no-characters", "characters"), ("no-list", "a list of videos"),
], indirect=["rig"])
async def test_missing_operation_is_unsupported(rig: Rig, operation: str) -> None:
    service, backend = rig.service, rig.backend
    [job] = await service.generate(params_for(rig.modes), auto_download=["video"])
    [done] = await finish(rig, [job])
    calls = {
        "remix": lambda: backend.remix(done.video_id, "at dusk"),
        "edits": lambda: backend.edit(done.video_id, "in watercolour"),
        "extensions": lambda: backend.extend(done.video_id, "it lands", "4"),
        "deleting videos": lambda: backend.delete(done.video_id),
        "characters": lambda: backend.create_character("Kite", Path(done.file("video").path)),
        "a list of videos": lambda: backend.list_page(),
    }
    error = await expect_unsupported(calls[operation](), operation)
    assert error.status in (404, 405)
    if operation == "characters":
        await expect_unsupported(backend.get_character("char_123"), "characters")
    # through the service, a derived job fails with that message and the history says why
    derived = {"remix": service.remix, "edits": service.edit}
    if operation in derived:
        failed = await derived[operation](done, "again")
        assert failed.status == JobStatus.FAILED and failed.error.code == "unsupported"
        assert f"does not offer {operation}" in failed.error.message
        assert service.store.get(failed.local_id).status == JobStatus.FAILED
    if operation == "a list of videos":
        with pytest.raises(BackendError) as exc:
            await service.list_remote()
        assert exc.value.kind == "unsupported"


@pytest.mark.parametrize("rig", ["list-400"], indirect=True)
async def test_a_list_refused_with_400_is_a_missing_list_not_a_bad_request(rig: Rig) -> None:
    """LiteLLM in front of a provider that cannot list answers 400 ("list videos is not supported for this
    provider"): the server lacks the list; nothing the user chose was wrong. Reconciling and tracking go on."""
    from sora_tui.core.job import Job

    error = await expect_unsupported(rig.backend.list_page(), "a list of videos")
    assert error.status == 400 and "Change the request" not in error.user_message()
    with pytest.raises(BackendError) as exc:
        await rig.service.list_remote()
    assert exc.value.kind == "unsupported"
    lost = Job.new(params_for(rig.modes), status=JobStatus.UNCERTAIN, profile="deviant", server=rig.backend.base_url)
    rig.service.store.add(lost)  # a create whose answer was lost: looked up in a list the server cannot give
    assert await rig.service.tracker.reconcile() is False
    assert rig.service.tracker.list_supported is False
    [job] = await rig.service.generate(params_for(rig.modes), auto_download=["video"])
    await finish(rig, [job])  # tracked with one GET per job


@pytest.mark.parametrize("rig", ["list-400,remix-500"], indirect=True)
async def test_the_check_says_what_is_missing_and_what_could_not_be_told(rig: Rig) -> None:
    from sora_tui.backend.capabilities import probe

    result = await probe(rig.engine.base_url, "test-key")
    assert result.reachable and result.key_accepted
    assert result.operations["list"] is False and result.operations["remix"] is None
    assert result.unknown == {"remix": "the server answered 500"}
    assert result.summary() == ("reachable, key accepted; offers edits, extensions, characters, delete; lacks list; "
                                "unknown: remix (the server answered 500)")


@pytest.mark.parametrize("rig", ["strict", "uuid-ids"], indirect=True)
async def test_missing_video_is_not_found_not_unsupported(rig: Rig) -> None:
    backend = rig.backend
    calls = (backend.retrieve("video_gone"), backend.remix("video_gone", "x"), backend.delete("video_gone"),
             backend.edit("video_gone", "x"), backend.extend("projects/p/operations/gone", "x", "4"))
    for call in calls:
        with pytest.raises(BackendError) as exc:
            await call
        assert exc.value.kind == "not_found", exc.value.message


@pytest.mark.parametrize(("status", "body", "missing"), [
    (404, {"detail": "Not Found"}, True),  # FastAPI/Starlette router
    (404, "404 page not found", True),  # Go's net/http
    (404, "<html><body><h1>404 Not Found</h1></body></html>", True),  # nginx
    (404, None, True),
    (404, {"message": "Invalid URL (POST /v1/videos/x/remixx)", "type": "invalid_request_error", "param": None,
           "code": None}, True),  # OpenAI itself
    (405, {"detail": "Method Not Allowed"}, True),
    (501, {"message": "remix is not implemented for this provider"}, True),
    (404, {"message": "No video found with id 'video_1'.", "type": "invalid_request_error", "param": "video_id",
           "code": "not_found"}, False),
    (404, {"message": "Not found", "code": "not_found"}, False),  # it names what it did not find
    (404, {"detail": "Video video_1 not found"}, False),  # a FastAPI gateway about the video
    (404, {"message": "The video is no longer available. Downloads expire after 1 hours."}, False),
    (400, {"detail": "Not Found"}, False),
])
def test_missing_route_or_missing_video(status: int, body: Any, missing: bool) -> None:
    assert is_missing_route(status, body) is missing
