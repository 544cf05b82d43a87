"""The client survives whatever a server may answer: video objects and lists generated from the protocol's own
schemas, then the same shapes with any JSON in any field, served by a real loopback server to the real backend,
tracked by the real service and written to a real history.

Whatever comes, polling yields a normalised observation or one clear protocol error (never another exception), a
running job is never shown as done, nothing shown carries a terminal control character, and the history takes it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sora_tui.backend import BackendError, VideosBackend
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import ACTIVE, JobStatus
from sora_tui.core.text import strip_control
from sora_tui.service import JobService
from sora_tui.store import HistoryStore

SPEC = yaml.safe_load((Path(__file__).parent.parent / "data" / "openai-videos.openapi.yaml").read_text())
SCHEMAS = SPEC["components"]["schemas"]


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a JSON schema allows, for the parts of JSON Schema the protocol's schemas use (refs, objects with
    required and optional properties, anyOf, enums, strings, integers, booleans, null, arrays). hypothesis-jsonschema
    would do this, but its releases reach into Hypothesis internals that current Hypothesis no longer has."""
    if "$ref" in schema:
        return st.deferred(lambda: from_schema(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]))
    if "anyOf" in schema:
        return st.one_of([from_schema(s) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries({k: from_schema(v) for k, v in props.items() if k in required},
                                     optional={k: from_schema(v) for k, v in props.items() if k not in required})
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=4)
    if kind == "integer":
        if schema.get("format") == "unixtime":
            return st.integers(min_value=0, max_value=2**32)
        return st.integers(min_value=-(2**31), max_value=2**31)
    return {"string": st.text(max_size=40), "boolean": st.booleans(), "null": st.none()}.get(kind, st.none())


def _schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
HOSTILE_TEXT = st.sampled_from(["\x1b]0;pwned\x07", "\x1b[2J", "\u202eevil", "\u009b31m", "[bold]x[/]", "進行中", ""])
# Every field the spec names, each holding anything at all (a gateway's idea of a video object).
LOOSE_VIDEO = st.fixed_dictionaries({"id": st.text(min_size=1, max_size=40)}, optional={
    key: st.one_of(JSON, HOSTILE_TEXT) for key in SCHEMAS["VideoResource"]["properties"] if key != "id"})


class Answers:
    """What the loopback server says next: one video object (GET /videos/{id}) and one page (GET /videos)."""

    video: Any = None
    page: Any = None


def _app(answers: Answers) -> Starlette:
    async def one(request: Request) -> Response:
        return JSONResponse(answers.video)

    async def many(request: Request) -> Response:
        return JSONResponse(answers.page)

    return Starlette(routes=[Route("/v1/videos", many), Route("/v1/videos/{vid:path}", one)])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Answers]]:
    import socket
    import threading

    import uvicorn

    answers = Answers()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    srv = uvicorn.Server(uvicorn.Config(_app(answers), log_level="error", access_log=False, lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1", answers
    srv.should_exit = True
    thread.join(10)
    sock.close()


def _check(info: Any) -> None:
    assert isinstance(info.status, JobStatus)
    assert 0 <= info.progress <= 100
    if info.status in ACTIVE:
        assert info.progress <= 99  # a job still running is never shown as done
    if info.status == JobStatus.COMPLETED:
        assert info.progress == 100
    for when in (info.created_at, info.completed_at, info.expires_at):
        assert when is None or (isinstance(when, float) and math.isfinite(when) and when >= 0)
    for shown in (info.raw_status, info.error_code, info.error_message):
        assert shown is None or shown == strip_control(shown)  # what is shown carries no control character


async def _survives(base_url: str, answers: Answers, video: Any, tmp_path: Path) -> None:
    answers.video = video
    answers.page = {"object": "list", "data": [video], "first_id": None, "last_id": None, "has_more": False}
    backend = VideosBackend(base_url, "k", max_retries=0)
    store = HistoryStore(tmp_path / f"h-{time.monotonic_ns()}.json")
    try:
        try:
            info, _ = await backend.retrieve("video_1")
        except BackendError as exc:
            assert exc.kind == "protocol"  # not a video object at all: one clear error
            return
        _check(info)
        page = await backend.list_page()
        assert len(page.videos) <= 1
        for listed in page.videos:
            _check(listed)
        # the service records the observation and the history takes it, whatever it holds
        job = Job.new(GenerationParams("a kite"), status=JobStatus.QUEUED, video_id=info.id or "video_1")
        store.add(job)
        service = JobService(store, backend, download_dir=tmp_path / "dl")
        recorded = await service.apply(job, info)
        again = store.get(job.local_id)
        assert again is not None and again.status == recorded.status
        if again.error is not None:
            assert again.error.message == strip_control(again.error.message)
    finally:
        await backend.aclose()
        store.close()


SETTINGS = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(video=from_schema(_schema("VideoResource")))
async def test_every_video_object_the_protocol_allows(video: dict[str, Any], server, tmp_path: Path) -> None:
    await _survives(*server, video, tmp_path)


@SETTINGS
@given(video=st.one_of(LOOSE_VIDEO, JSON))
async def test_any_json_in_any_field(video: Any, server, tmp_path: Path) -> None:
    await _survives(*server, video, tmp_path)


@SETTINGS
@given(page=from_schema(_schema("VideoListResource")))
async def test_every_list_the_protocol_allows(page: dict[str, Any], server) -> None:
    base_url, answers = server
    answers.page = page
    backend = VideosBackend(base_url, "k", max_retries=0)
    try:
        listed = await backend.list_page()
    finally:
        await backend.aclose()
    assert len(listed.videos) == len(page["data"])
    for info in listed.videos:
        _check(info)
    assert listed.has_more is page["has_more"]
