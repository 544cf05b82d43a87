"""The engine's deviation modes (`--mode`), each seen over real HTTP: raw httpx2 for the shapes, the openai
SDK for what a client does with them (percent-encoded ids, parsing of odd fields)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from sora_tui.engine import EngineConfig, ModeSpecError, parse_modes, start_engine_thread
from sora_tui.engine.modes import HOLD_POLLS, MODES, PRESETS, SLOW_EXPIRY_POLLS

AUTH = {"Authorization": "Bearer test"}
DONE = ("completed", "succeeded", "failed")
VIDEO_KEYS = {"id", "object", "model", "status", "progress", "created_at", "completed_at", "expires_at",
              "prompt", "size", "seconds", "remixed_from_video_id", "error"}

Start = Callable[..., Any]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """start(modes) -> a running engine (instant speed) with those modes; all stopped at the end."""
    handles: list[Any] = []

    def run(modes: str) -> Any:
        config = EngineConfig(speed="instant", state_dir=tmp_path / f"e{len(handles)}", modes=modes)
        handle = start_engine_thread(config)
        handles.append(handle)
        return handle

    yield run
    for handle in handles:
        handle.stop()


def create(base: str, **fields: Any) -> dict[str, Any]:
    r = httpx2.post(f"{base}/videos", json={"prompt": "a red kite, slow pan left", **fields}, headers=AUTH)
    assert r.status_code == 200, r.text
    return r.json()


def polls(client: openai.OpenAI, video_id: str, extra: int = 0) -> list[dict[str, Any]]:
    """Every answer to GET /videos/{id} until the video is done, then `extra` more (raw JSON)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen.append(client.videos.with_raw_response.retrieve(video_id).http_response.json())
        if seen[-1]["status"] in DONE:
            for _ in range(extra):
                seen.append(client.videos.with_raw_response.retrieve(video_id).http_response.json())
            return seen
        time.sleep(0.02)
    raise AssertionError(f"not done: {seen[-1]}")


def sdk(engine: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=engine.base_url, api_key="test", max_retries=0)


# --- choosing modes -------------------------------------------------------------------------------------
def test_parse_modes() -> None:
    assert parse_modes("strict") == parse_modes("") == parse_modes(None) == frozenset()
    assert parse_modes(" Processing , uuid-ids") == {"processing", "uuid-ids"}
    assert parse_modes(["no-list"]) == {"no-list"}
    assert parse_modes("litellm-like,slow-expiry") == PRESETS["litellm-like"] | {"slow-expiry"}
    assert PRESETS["litellm-like"] <= set(MODES)
    with pytest.raises(ModeSpecError, match="unknown mode 'procesing'"):
        parse_modes("procesing")
    with pytest.raises(ValueError):
        EngineConfig(modes="nope")
    assert EngineConfig(modes="processing").modes == {"processing"}
    assert EngineConfig().modes == frozenset()


def test_engine_command_accepts_mode(capsys: pytest.CaptureFixture[str]) -> None:
    from sora_tui.engine.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["--mode", "processing,bogus"])
    assert exc.value.code == 2 and "unknown mode 'bogus'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "litellm-like" in capsys.readouterr().out


def test_strict_is_openai(start: Start) -> None:
    engine = start("strict")
    assert httpx2.get(engine.base_url.rsplit("/v1", 1)[0] + "/health").json()["modes"] == ["strict"]
    v = create(engine.base_url)
    assert set(v) == VIDEO_KEYS and v["id"].startswith("video_") and v["status"] in ("queued", "in_progress")
    words = {p["status"] for p in polls(sdk(engine), v["id"])}
    assert words <= {"queued", "in_progress", "completed"}


# --- status words and progress --------------------------------------------------------------------------
def test_processing_words(start: Start) -> None:
    engine = start("processing")
    v = create(engine.base_url)
    assert v["status"] == "pending" and v["progress"] == 0
    seen = polls(sdk(engine), v["id"])
    words = [p["status"] for p in seen]
    assert words.count("processing") >= HOLD_POLLS and words[-1] == "succeeded"
    assert not {"queued", "in_progress", "completed"} & set(words)
    listed = httpx2.get(f"{engine.base_url}/videos", headers=AUTH).json()
    assert listed["data"][0]["status"] == "succeeded"


def test_unknown_status_word(start: Start) -> None:
    engine = start("unknown-status")
    v = create(engine.base_url)
    words = [p["status"] for p in polls(sdk(engine), v["id"])]
    assert "rendering" in words and "in_progress" not in words and words[-1] == "completed"


def test_no_progress(start: Start) -> None:
    engine = start("no-progress")
    v = create(engine.base_url)
    listed = httpx2.get(f"{engine.base_url}/videos", headers=AUTH).json()["data"]
    answers = [v, *polls(sdk(engine), v["id"]), *listed]
    assert all("progress" not in a for a in answers)
    assert any(a["status"] == "in_progress" for a in answers)


def test_jumpy_progress(start: Start) -> None:
    engine = start("jumpy-progress")
    v = create(engine.base_url)
    seen = polls(sdk(engine), v["id"])
    running = [p["progress"] for p in seen if p["status"] == "in_progress"]
    numbers = [float(p) for p in running]
    assert any(b < a for a, b in itertools.pairwise(numbers)), running  # goes backwards
    assert max(numbers) > 100  # past the end
    assert any(isinstance(p, str) for p in running) and any(isinstance(p, float) for p in running)
    assert seen[-1]["progress"] == 100.0 and isinstance(seen[-1]["progress"], float)


# --- fields ---------------------------------------------------------------------------------------------
def test_extra_fields(start: Start) -> None:
    engine = start("extra-fields")
    v = create(engine.base_url)
    assert VIDEO_KEYS < set(v) and isinstance(v["provider"]["upstream"], dict) and "usage" in v
    done = polls(sdk(engine), v["id"])[-1]
    assert done["status"] == "completed" and done["output"][0]["format"] == "mp4"
    listed = httpx2.get(f"{engine.base_url}/videos", headers=AUTH).json()
    assert listed["total"] == 1 and listed["meta"]["cache"] == {"hit": False}
    assert "provider" in listed["data"][0]
    parsed = sdk(engine).videos.retrieve(v["id"])  # the SDK keeps what it does not know, and still parses
    assert parsed.status == "completed" and parsed.model_extra and "provider" in parsed.model_extra
    failed = polls(sdk(engine), create(engine.base_url, prompt="Mickey Mouse dancing")["id"])[-1]
    assert failed["status"] == "failed" and failed["error"]["code"] == "moderation_blocked"
    assert failed["error"]["details"]  # extra fields inside the error object too


def test_missing_fields(start: Start) -> None:
    engine = start("missing-fields")
    gone = {"expires_at", "completed_at", "created_at", "size", "seconds", "model"}
    v = create(engine.base_url, size="1280x720")
    done = polls(sdk(engine), v["id"])[-1]
    listed = httpx2.get(f"{engine.base_url}/videos", headers=AUTH).json()
    for answer in (v, done, listed["data"][0]):
        assert not gone & set(answer) and answer["id"] == v["id"] and "status" in answer
    assert "first_id" not in listed and listed["last_id"] == v["id"]
    assert done["status"] == "completed"
    # the renderer still used what was asked for
    r = httpx2.get(f"{engine.base_url}/videos/{v['id']}/content", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"


def test_slow_expiry(start: Start) -> None:
    engine = start("slow-expiry")
    v = create(engine.base_url)
    seen = polls(sdk(engine), v["id"], extra=SLOW_EXPIRY_POLLS + 1)
    done = [p["expires_at"] for p in seen if p["status"] == "completed"]
    assert done[:SLOW_EXPIRY_POLLS] == [None] * SLOW_EXPIRY_POLLS
    assert isinstance(done[-1], int) and done[-1] > time.time()


# --- ids ------------------------------------------------------------------------------------------------
def test_uuid_ids_work_through_the_sdk(start: Start, tmp_path: Path) -> None:
    engine = start("uuid-ids")
    client = sdk(engine)
    videos = [client.videos.create(prompt=f"a red kite, take {i}") for i in range(4)]
    ids = [v.id for v in videos]
    assert not any(i.startswith("video_") for i in ids) and len(set(ids)) == 4
    joined = "".join(ids)
    for ch in "/:=+ #?%-":
        assert ch in joined, ch
    assert max(len(i) for i in ids) > 200
    for vid in ids:
        assert polls(client, vid)[-1]["status"] == "completed"
        assert client.videos.retrieve(vid).id == vid
        with client.videos.with_streaming_response.download_content(vid) as resp:
            assert resp.status_code == 200 and resp.read()[4:8] == b"ftyp"
    remix = client.videos.remix(ids[1], prompt="the same kite at dusk")
    assert remix.remixed_from_video_id == ids[1] and not remix.id.startswith("video_")
    page = client.videos.list(limit=1, after=ids[-1], order="desc")
    assert [v.id for v in page.data] == [ids[-2]]
    assert client.videos.delete(ids[3]).deleted is True
    with pytest.raises(openai.NotFoundError) as exc:
        client.videos.retrieve(ids[3])
    assert exc.value.body["code"] == "not_found"  # an OpenAI error about the video, not a missing route
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve("projects/nope/operations/1")
    # opaque ids never name files: everything stays inside the engine's videos/ directory
    state = tmp_path / "e0"
    names = [p.name for p in (state / "videos").iterdir()]
    assert all("/" not in n and n != ".." for n in names) and len(names) == 4  # 4 kept + remix - deleted
    assert sorted(p.name for p in state.iterdir()) == ["characters", "videos"]


# --- missing routes -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("mode", "method", "path", "status"), [
    ("no-list", "GET", "/videos", 404),
    ("no-remix", "POST", "/videos/{id}/remix", 404),
    ("no-edits", "POST", "/videos/edits", 405),
    ("no-extensions", "POST", "/videos/extensions", 405),
    ("no-characters", "POST", "/videos/characters", 405),
    ("no-characters", "GET", "/videos/characters/char_123", 404),
    ("no-delete", "DELETE", "/videos/{id}", 405),
])
def test_missing_routes(start: Start, mode: str, method: str, path: str, status: int) -> None:
    engine = start(mode)
    v = create(engine.base_url)
    polls(sdk(engine), v["id"])
    body = {"prompt": "again", "video": {"id": v["id"]}, "seconds": "4"} if method == "POST" else None
    r = httpx2.request(method, engine.base_url + path.format(id=v["id"]), json=body, headers=AUTH)
    assert r.status_code == status
    # FastAPI's body, not OpenAI's error object: that is how a missing route differs from a missing video
    assert r.json() == {"detail": "Not Found" if status == 404 else "Method Not Allowed"}
    # everything else still works
    assert httpx2.get(f"{engine.base_url}/videos/{v['id']}", headers=AUTH).status_code == 200
    if mode != "no-remix":
        r = httpx2.post(f"{engine.base_url}/videos/{v['id']}/remix", json={"prompt": "at dusk"}, headers=AUTH)
        assert r.status_code == 200
    if mode != "no-list":
        assert httpx2.get(f"{engine.base_url}/videos", headers=AUTH).status_code == 200


def test_strict_has_every_route(start: Start) -> None:
    engine = start("strict")
    body = {"prompt": "x", "video": {"id": "video_nope"}}
    r = httpx2.post(f"{engine.base_url}/videos/edits", json=body, headers=AUTH)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"  # the route is there; no video


# --- other models ---------------------------------------------------------------------------------------
def test_other_models(start: Start) -> None:
    engine = start("other-models")
    base = engine.base_url
    veo = create(base, model="veo-3", size="1920x1080", seconds="8")
    assert (veo["model"], veo["size"], veo["seconds"]) == ("veo-3", "1920x1080", "8")
    wan = create(base, model="wan-2.2")  # defaults follow the model
    assert (wan["size"], wan["seconds"]) == ("832x480", "5")
    assert create(base)["model"] == "sora-2"  # the sora-2 family still works
    for fields, param, fragment in (
        ({"model": "veo-3", "seconds": "4"}, "seconds", "Supported values for veo-3 are: '8'"),
        ({"model": "veo-3", "size": "720x1280"}, "size", "for veo-3 are: 1280x720, 1920x1080"),
        ({"model": "wan-2.2", "size": "1280x720", "seconds": "5"}, "size", "832x480"),
        ({"model": "sora-2", "size": "832x480"}, "size", "Supported values for sora-2"),
        ({"model": "kling-9"}, "model", "veo-3"),
    ):
        r = httpx2.post(f"{base}/videos", json={"prompt": "x", **fields}, headers=AUTH)
        assert r.status_code == 400, fields
        error = r.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert error["param"] == param and fragment in error["message"]
    client = sdk(engine)
    assert polls(client, wan["id"])[-1]["status"] == "completed"
    with client.videos.with_streaming_response.download_content(wan["id"]) as resp:
        assert resp.status_code == 200
    from sora_tui.engine.video_probe import probe

    clip = Path(engine.engine.state.video_dir(wan["id"])) / "video.mp4"
    info = probe(clip)
    assert (info["width"], info["height"]) == (832, 480)
    remix = client.videos.remix(wan["id"], prompt="the same, at night")
    assert (remix.model, remix.size, remix.seconds) == ("wan-2.2", "832x480", "5")


def test_strict_refuses_other_models(start: Start) -> None:
    engine = start("strict")
    r = httpx2.post(f"{engine.base_url}/videos", json={"prompt": "x", "model": "veo-3"}, headers=AUTH)
    assert r.status_code == 400 and r.json()["error"]["param"] == "model"


def test_litellm_like_combines(start: Start) -> None:
    engine = start("litellm-like")
    health = httpx2.get(engine.base_url.rsplit("/v1", 1)[0] + "/health").json()
    assert set(health["modes"]) == PRESETS["litellm-like"]
    client = sdk(engine)
    v = client.videos.create(prompt="a red kite", model="veo-3", size="1280x720", seconds="8")
    assert v.status == "pending" and not v.id.startswith("video_")
    seen = polls(client, v["id"] if isinstance(v, dict) else v.id)
    assert seen[-1]["status"] == "succeeded" and "expires_at" not in seen[-1] and "provider" in seen[-1]
    assert httpx2.get(f"{engine.base_url}/videos", headers=AUTH).status_code == 404
    with pytest.raises(openai.APIStatusError) as exc:
        client.videos.delete(v.id)
    assert exc.value.status_code == 405
