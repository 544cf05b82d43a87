"""Security: no key anywhere it should not be, no Authorization to another origin, no escape from the
download directory, no terminal control or markup from a server reaching the screen."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import run_cli
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sora_tui.backend import BackendError, VideosBackend
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.service import JobService
from sora_tui.store import HistoryStore

SECRET = "sk-sweep-9f8e7d6c5b4a-SECRET-0011"
HOSTILE_ID = "../../../escape/\u202ecod.exe\x1b]0;x\x07"
NASTY = "\x1b]52;c;ZXZpbA==\x07\x1b[2J[bold red]boom[/] [@click=app.quit]quit[/]"


def serve(app: Any) -> Iterator[str]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def mp4(tmp_path: Path) -> bytes:
    from sora_tui.engine.render import RenderSpec, render

    return render(RenderSpec("a quiet lake", 320, 180, 1.0), tmp_path / "r").video.read_bytes()


@pytest.fixture
def file_host(mp4: bytes) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Another origin that serves the file and records the headers it was sent."""
    seen: list[dict[str, str]] = []

    async def file(request: Request) -> Response:
        seen.append({k.lower(): v for k, v in request.headers.items()})
        return Response(mp4, media_type="video/mp4")

    yield from ((url, seen) for url in serve(Starlette(routes=[Route("/file.mp4", file)])))


@pytest.fixture
def hostile(file_host: tuple[str, list[dict[str, str]]]) -> Iterator[str]:
    """A /v1/videos server with a path-traversing id, escape sequences and markup in its text, and content
    that redirects to another origin."""
    other, _ = file_host

    def video() -> dict[str, Any]:
        return {"id": HOSTILE_ID, "object": "video", "status": "completed", "progress": 100, "model": "sora-2",
                "size": "720x1280", "seconds": "4", "created_at": int(time.time()), "completed_at": int(time.time()),
                "expires_at": int(time.time()) + 3600, "prompt": "a kite", "error": None}

    async def create(request: Request) -> Response:
        return JSONResponse(video())

    async def listing(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [video()], "first_id": HOSTILE_ID, "last_id": HOSTILE_ID,
                             "has_more": False})

    async def one(request: Request) -> Response:
        if request.path_params["rest"].endswith("/content"):
            return RedirectResponse(f"{other}/file.mp4", status_code=302)
        return JSONResponse(video())

    async def remix(request: Request) -> Response:
        return JSONResponse({"error": {"message": NASTY, "type": "invalid_request_error", "param": None,
                                       "code": "bad\x1b[31m"}}, status_code=400)

    app = Starlette(routes=[
        Route("/v1/videos", create, methods=["POST"]), Route("/v1/videos", listing, methods=["GET"]),
        Route("/v1/videos/{rest:path}/remix", remix, methods=["POST"]), Route("/v1/videos/{rest:path}", one),
    ])
    yield from (url + "/v1" for url in serve(app))


async def test_hostile_ids_redirects_and_text(hostile: str, file_host, tmp_path: Path, mp4: bytes) -> None:
    _, seen = file_host
    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(hostile, SECRET)
    downloads = tmp_path / "downloads"
    service = JobService(store, backend, profile="x", download_dir=downloads)
    try:
        [job] = await service.generate(GenerationParams("a kite"), auto_download=["video"])
        [job] = await service.wait([job], timeout=30)
        assert job.status == JobStatus.DOWNLOADED
        video = Path(job.file("video").path)
        # the server's id could not steer the file anywhere: inside the download dir, no controls in the name
        assert video.parent == downloads and video.resolve().is_relative_to(downloads.resolve())
        assert not any(ch in video.name for ch in ("\u202e", "\x1b", "\x07", "/"))
        assert video.read_bytes() == mp4
        # the redirect went to another origin: the key did not go with it
        assert seen and all("authorization" not in h for h in seen)
        assert not (tmp_path / "escape").exists()
        # server text: controls stripped, markup left as plain characters for the UI to show literally
        from sora_tui.backend import BackendError

        with pytest.raises(BackendError) as err:
            await backend.remix(job.video_id, "again")
        shown = err.value.user_message()
        assert "\x1b" not in shown and "\x07" not in shown
        assert "[bold red]boom[/] [@click=app.quit]quit[/]" in shown
    finally:
        await backend.aclose()
        store.close()


def test_hostile_text_reaches_the_terminal_without_controls(hostile: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = run_cli(home, hostile, "generate", "a kite", "--json", env_extra={"OPENAI_API_KEY": SECRET})
    assert r.returncode == 0, r.stderr
    vid = json.loads(r.stdout)["id"]
    remix = run_cli(home, hostile, "remix", vid[:8], "again", env_extra={"OPENAI_API_KEY": SECRET})
    assert remix.returncode == 1 and "failed:" in remix.stderr  # the server refused it, and says why
    for stream in (remix.stdout, remix.stderr, run_cli(home, hostile, "jobs").stdout, run_cli(home, hostile, "show", vid[:8]).stdout):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream
    assert "[bold red]boom[/]" in remix.stderr
    listed = run_cli(home, hostile, "jobs", "--json")
    assert chr(0x202E) not in listed.stdout and "\\u202e" in listed.stdout  # escaped, not raw
    assert HOSTILE_ID in [json.loads(line)["id"] for line in listed.stdout.splitlines()]


async def test_the_key_appears_nowhere(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole session with a distinctive key: history, logs, sidecars, exports, crash reports, CLI output,
    the TUI's screens (as SVG screenshots) and its notifications — the key is in none of them."""
    from textual.widgets import DataTable

    from sora_tui.tui.app import SoraApp
    from sora_tui.tui.screens.detail import JobDetailScreen
    from sora_tui.tui.textual_fence import notifications

    outputs: list[str] = []
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "engine", api_key=SECRET)) as engine:
        env = {"OPENAI_API_KEY": SECRET}
        for args in (["generate", "a kite, slow pan left", "--wait", "--download", "--assets", "video,thumbnail,spritesheet", "--json"],
                     ["jobs", "--json"], ["export", "--format", "csv", "--out", str(tmp_path / "h.csv")],
                     ["export", "--format", "jsonl", "--out", str(tmp_path / "h.jsonl")], ["resume"]):
            r = run_cli(home, engine.base_url, *args, env_extra=env)
            assert r.returncode == 0, r.stderr
            outputs += [r.stdout, r.stderr]
        wrong = run_cli(home, engine.base_url, "generate", "x", env_extra={"OPENAI_API_KEY": SECRET + "-old"})
        outputs += [wrong.stdout, wrong.stderr]
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        app = SoraApp(base_url=engine.base_url)
        async with app.run_test(size=(120, 36)) as pilot:
            while app.session is None or app.session.service is None:
                await pilot.pause(0.05)
            await pilot.pause(0.3)
            outputs.append(app.export_screenshot())
            app.main.query_one(DataTable).focus()
            await pilot.press("enter")
            while not isinstance(app.screen, JobDetailScreen):
                await pilot.pause(0.05)
            outputs.append(app.export_screenshot())
            outputs += [n.message for n in notifications(app)]
    files = [p for p in [*home.rglob("*"), tmp_path / "h.csv", tmp_path / "h.jsonl"] if p.is_file()]
    assert any(p.suffix == ".json" and p.parent.name == "downloads" for p in files)  # a sidecar was written
    assert any(p.name.startswith("sora-tui.log") for p in files)
    leaks = [str(p) for p in files if SECRET.encode() in p.read_bytes()]
    leaks += [f"output {i}" for i, text in enumerate(outputs) if SECRET in text]
    assert not leaks, leaks
    assert "Incorrect API key provided: sk-***" in wrong.stderr or "refused the API key" in wrong.stderr


async def test_a_poll_answered_with_html_or_a_bare_list_is_one_clear_error() -> None:
    """Polls read the JSON body directly (not through the SDK's models): a login page, a JSON array or
    truncated JSON from a misconfigured proxy is one protocol error naming the server, never a crash."""
    answers = iter([
        Response("<html><body>Sign in</body></html>", media_type="text/html"),
        JSONResponse([{"id": "video_1"}]),
        Response('{"data": [{"id": "vid', media_type="application/json"),
    ] * 2)

    async def any_answer(request: Request) -> Response:
        return next(answers)

    app = Starlette(routes=[Route("/v1/videos", any_answer), Route("/v1/videos/{vid}", any_answer)])
    for url in serve(app):
        backend = VideosBackend(f"{url}/v1", "k", max_retries=0)
        try:
            for poll in ("list", "list", "list", "retrieve", "retrieve", "retrieve"):
                with pytest.raises(BackendError) as exc:
                    await (backend.list_page() if poll == "list" else backend.retrieve("video_1"))
                assert exc.value.kind == "protocol"
                assert f"Unexpected response from the server at {url}/v1" in exc.value.user_message()
        finally:
            await backend.aclose()
