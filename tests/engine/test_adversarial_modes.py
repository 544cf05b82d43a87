"""The engine's adversarial modes (`--mode clock-behind,echo-key,control-text,...`): servers that misbehave on
purpose (skewed clocks, echoed keys, terminal escapes, lying downloads, stalls, provider errors), each seen
over real HTTP on loopback: raw httpx2 and sockets for the wire, the openai SDK for what a client gets."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import openai
import pytest
from test_modes import create, polls, sdk

from sora_tui.engine import EngineConfig, ModeSpecError, parse_modes, start_engine_thread
from sora_tui.engine.modes import DEPLOYMENT_TAG, HOSTILE, HOSTILE_ID, LIST_400_MESSAGE, MODES, help_text

KEY = "sk-echo-0123456789abcdef-SECRET"
AUTH = {"Authorization": f"Bearer {KEY}"}
ADVERSARIAL = ("clock-behind", "clock-ahead", "echo-key", "control-text", "lying-content", "range-416",
               "stall-headers", "retry-after-long", "ignore-variant", "shared-suffix-ids", "list-400",
               "remix-500")
TERMINAL = ("\x1b[2J", "\x1b]52;c;SGVsbG8=\x07", "\u202e", "\u009b")

Start = Callable[..., Any]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """start(modes) -> a running engine (instant speed) with those modes; all stopped at the end."""
    handles: list[Any] = []

    def run(modes: str) -> Any:
        handle = start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / f"e{len(handles)}",
                                                  modes=modes))
        handles.append(handle)
        return handle

    yield run
    for handle in handles:
        handle.stop()


def client(engine: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=engine.base_url, api_key=KEY, max_retries=0)


def completed(engine: Any, **fields: Any) -> dict[str, Any]:
    v = create(engine.base_url, **fields)
    done = polls(sdk(engine), v["id"])[-1]
    assert done["status"] in ("completed", "succeeded"), done
    return done


def url(engine: Any, video_id: str, tail: str = "") -> str:
    return f"{engine.base_url}/videos/{quote(video_id, safe='')}{tail}"


def asset(engine: Any, video_id: str, variant: str = "video") -> bytes:
    return Path(engine.engine.state.asset(video_id, variant)).read_bytes()


def error_of(resp: httpx2.Response) -> dict[str, Any]:
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
    return body["error"]


# --- choosing them --------------------------------------------------------------------------------------
def test_adversarial_modes_are_named_and_listed() -> None:
    assert set(ADVERSARIAL) <= set(MODES)
    text = help_text()
    for name in ADVERSARIAL:
        assert f"  {name} " in text, name
        assert parse_modes(name) == {name}
    assert all(len(line) <= 110 for line in text.splitlines()[: len(MODES)])
    with pytest.raises(ModeSpecError, match="'clock-ahead' and 'clock-behind' cannot be combined"):
        parse_modes("clock-behind,clock-ahead")
    assert parse_modes("control-text, uuid-ids") == {"control-text", "uuid-ids"}


# --- clocks ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("mode", "skew"), [("clock-behind", -900), ("clock-ahead", 900), ("strict", 0)])
def test_clock_skew(start: Start, mode: str, skew: int) -> None:
    engine = start(mode)
    done = completed(engine)
    now = time.time()
    assert abs(done["created_at"] - (now + skew)) < 10
    assert abs(done["completed_at"] - (now + skew)) < 10
    assert done["expires_at"] - done["completed_at"] == 3600
    r = httpx2.get(f"{engine.base_url}/videos", headers=AUTH)
    listed = r.json()["data"][0]
    assert (listed["created_at"], listed["completed_at"]) == (done["created_at"], done["completed_at"])
    answers = [r, httpx2.get(url(engine, "video_nope"), headers=AUTH),  # an error
               httpx2.get(engine.base_url.rsplit("/v1", 1)[0] + "/health")]  # outside /v1
    for answer in answers:
        dates = answer.headers.get_list("date")
        assert len(dates) == 1, dates  # uvicorn's own Date is not sent beside the engine's
        assert abs(parsedate_to_datetime(dates[0]).timestamp() - (time.time() + skew)) < 10
    # a character's timestamp runs on the same clock
    files = {"video": ("clip.mp4", asset(engine, done["id"]), "video/mp4")}
    ch = httpx2.post(f"{engine.base_url}/videos/characters", data={"name": "Kite"}, files=files, headers=AUTH)
    assert ch.status_code == 200 and abs(ch.json()["created_at"] - (time.time() + skew)) < 10


# --- echo-key -------------------------------------------------------------------------------------------
def test_echo_key_in_every_error(start: Start) -> None:
    engine = start("echo-key")
    base = engine.base_url
    suffix = f" (request made with key {KEY})"
    for r in (httpx2.get(url(engine, "video_nope"), headers=AUTH),
              httpx2.post(f"{base}/videos", json={"prompt": "x", "seconds": "7"}, headers=AUTH),
              httpx2.delete(f"{base}/videos", headers=AUTH),  # 405
              httpx2.get(f"{base}/nowhere", headers=AUTH)):
        assert r.status_code >= 400
        assert error_of(r)["message"].endswith(suffix), r.text
        assert int(r.headers["content-length"]) == len(r.content)  # the longer body is announced right
    with pytest.raises(openai.NotFoundError) as exc:
        client(engine).videos.retrieve("video_nope")
    assert KEY in str(exc.value)
    # a job the server refuses names the key too; the guardrail's own names fail the same way
    for prompt in ("a forbidden-topic, in the rain", "Mickey Mouse dancing"):
        failed = polls(client(engine), create(base, prompt=prompt)["id"])[-1]
        assert failed["status"] == "failed"
        assert failed["error"] == {"code": "moderation_blocked",
                                   "message": f"Authorization failed for key {KEY}: the prompt was blocked"}
    assert completed(engine)["error"] is None


def test_forbidden_topic_is_only_refused_in_echo_key(start: Start) -> None:
    engine = start("strict")
    assert completed(engine, prompt="a forbidden-topic, in the rain")["error"] is None
    r = httpx2.get(url(engine, "video_nope"), headers=AUTH)
    assert KEY not in r.text


# --- control-text ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("modes", ["control-text", "control-text,uuid-ids"])
def test_control_text_everywhere_yet_it_works(start: Start, modes: str, tmp_path: Path) -> None:
    engine = start(modes)
    c = client(engine)
    videos = [c.videos.create(prompt=f"a red kite, take {i}") for i in range(4 if "uuid-ids" in modes else 1)]
    for v in videos:
        assert HOSTILE_ID in v.id and "\x1b]0;pwned\x07" in v.id
        assert all(ch in v.id for ch in ("\u202e", "\u009b"))
        assert polls(c, v.id)[-1]["status"] == "completed"
        got = c.videos.retrieve(v.id)
        assert got.id == v.id
        assert all(t in got.model and t in got.prompt for t in TERMINAL)
        with c.videos.with_streaming_response.download_content(v.id) as resp:
            assert resp.status_code == 200 and resp.read()[4:8] == b"ftyp"
    if "uuid-ids" in modes:
        joined = "".join(v.id for v in videos)
        assert all(ch in joined for ch in "/:=+ #?%")
    ids = [v.id for v in videos]
    assert {v.id for v in c.videos.list(limit=10).data} == set(ids)
    remix = c.videos.remix(ids[0], prompt="the same kite at dusk")
    assert remix.remixed_from_video_id == ids[0] and HOSTILE_ID in remix.id
    assert polls(c, remix.id)[-1]["status"] == "completed"
    assert c.videos.delete(remix.id).deleted is True
    # errors: message and code both carry the escapes; a failed job's too
    r = httpx2.get(url(engine, ids[0] + "x"), headers=AUTH)
    error = error_of(r)
    assert r.status_code == 404 and all(t in error["message"] and t in error["code"] for t in TERMINAL)
    assert error["code"].replace("\x1b[2J", "").startswith("not_found")
    failed = polls(c, c.videos.create(prompt="Mickey Mouse dancing").id)[-1]
    assert failed["status"] == "failed"
    assert all(t in failed["error"]["message"] and t in failed["error"]["code"] for t in TERMINAL)
    # whatever the ids hold, the engine's files stay inside its videos/ directory
    state = tmp_path / "e0"
    assert sorted(p.name for p in state.iterdir()) == ["characters", "videos"]
    assert all(p.name.isascii() and p.name.isprintable() for p in (state / "videos").iterdir())


def test_echo_key_and_control_text_combine(start: Start) -> None:
    engine = start("echo-key,control-text")
    error = error_of(httpx2.get(url(engine, "video_nope"), headers=AUTH))
    assert error["message"].endswith(f" (request made with key {KEY})")
    assert all(t in error["message"] for t in TERMINAL)
    failed = polls(client(engine), create(engine.base_url, prompt="forbidden-topic")["id"])[-1]
    assert KEY in failed["error"]["message"] and "\u202e" in failed["error"]["message"]


# --- downloads ------------------------------------------------------------------------------------------
def test_lying_content(start: Start) -> None:
    engine = start("lying-content")
    vid = completed(engine)["id"]
    clip = asset(engine, vid)
    total = len(clip)
    r = httpx2.get(url(engine, vid, "/content"), headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    assert r.content == clip
    for start_at in (100, total - 20):
        r = httpx2.get(url(engine, vid, "/content"), headers={**AUTH, "Range": f"bytes={start_at}-"})
        assert r.status_code == 206
        assert r.headers["content-range"] == f"bytes {start_at}-{total - 1}/{total}"
        assert "content-type" not in r.headers
        assert len(r.content) == total - start_at == int(r.headers["content-length"])
        assert r.content != clip[start_at:] and r.content.endswith(b"</html>")
    r = httpx2.get(url(engine, vid, "/content"), headers={**AUTH, "Range": "bytes=100-"})
    assert r.content.startswith(b"<!doctype html><html>")
    for variant in ("thumbnail", "spritesheet"):
        r = httpx2.get(url(engine, vid, f"/content?variant={variant}"), headers=AUTH)
        assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
        assert r.content == asset(engine, vid, variant)


def test_range_416_without_content_range(start: Start) -> None:
    engine = start("range-416")
    vid = completed(engine)["id"]
    r = httpx2.get(url(engine, vid, "/content"), headers=AUTH)
    assert r.status_code == 200 and r.content == asset(engine, vid)
    for header in ("bytes=100-", "bytes=0-0", "bytes=-10"):
        r = httpx2.get(url(engine, vid, "/content"), headers={**AUTH, "Range": header})
        assert r.status_code == 416 and "content-range" not in r.headers
        assert error_of(r)["code"] == "range_not_satisfiable"
    strict = start("strict")
    vid = completed(strict)["id"]
    r = httpx2.get(url(strict, vid, "/content"), headers={**AUTH, "Range": "bytes=100-"})
    assert r.status_code == 206 and r.headers["content-type"] == "video/mp4"


def test_ignore_variant(start: Start) -> None:
    engine = start("ignore-variant")
    vid = completed(engine)["id"]
    clip = asset(engine, vid)
    for variant in ("thumbnail", "spritesheet", "video"):
        r = httpx2.get(url(engine, vid, f"/content?variant={variant}"), headers=AUTH)
        assert r.status_code == 200 and r.headers["content-type"] == "video/mp4" and r.content == clip
    with client(engine).videos.with_streaming_response.download_content(vid, variant="thumbnail") as resp:
        assert resp.read() == clip
    strict = start("strict")
    vid = completed(strict)["id"]
    r = httpx2.get(url(strict, vid, "/content?variant=thumbnail"), headers=AUTH)
    assert r.headers["content-type"] == "image/webp" and r.content == asset(strict, vid, "thumbnail")


def test_stall_headers(tmp_path: Path) -> None:
    handle = start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path, modes="stall-headers"))
    stalled: list[socket.socket] = []
    try:
        vid = completed(handle)["id"]
        host, port = "127.0.0.1", handle.port
        for path in (f"/v1/videos/{vid}/content", "/v1/videos/video_nope/content"):
            conn = socket.create_connection((host, port), timeout=5)
            stalled.append(conn)
            head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KEY}\r\n\r\n"
            conn.sendall(head.encode())
        for conn in stalled:
            conn.settimeout(1.5)
            with pytest.raises(TimeoutError):
                conn.recv(1)  # not a byte of a status line
        # the rest of the server answers meanwhile
        assert httpx2.get(url(handle, vid), headers=AUTH, timeout=5).json()["id"] == vid
        assert httpx2.get(f"{handle.base_url}/videos", headers=AUTH, timeout=5).status_code == 200
    finally:
        began = time.monotonic()
        handle.stop()
        took = time.monotonic() - began
        for conn in stalled:
            conn.close()
    assert took < 1.5, f"stop() took {took:.1f} s with stalled requests open"


def test_retry_after_long(start: Start) -> None:
    engine = start("retry-after-long")
    base = engine.base_url
    r = httpx2.post(f"{base}/videos", json={"prompt": "a red kite"}, headers=AUTH)
    assert r.status_code == 429 and r.headers["retry-after"] == "600"
    error = error_of(r)
    assert error["code"] == "rate_limit_exceeded" and error["type"] == "requests"
    assert httpx2.get(f"{base}/videos", headers=AUTH).json()["data"] == []  # nothing was made
    assert completed(engine)["error"] is None  # the next create works
    assert client(engine).videos.create(prompt="and another").id.startswith("video_")


def test_retry_after_long_through_the_sdk(start: Start) -> None:
    engine = start("retry-after-long")
    with pytest.raises(openai.RateLimitError) as exc:
        client(engine).videos.create(prompt="a red kite")
    assert exc.value.response.headers["retry-after"] == "600"
    assert client(engine).videos.create(prompt="a red kite").id.startswith("video_")


# --- ids ------------------------------------------------------------------------------------------------
def test_shared_suffix_ids(start: Start) -> None:
    engine = start("shared-suffix-ids")
    c = client(engine)
    videos = [c.videos.create(prompt=f"a red kite, take {i}") for i in range(3)]
    ids = [v.id for v in videos]
    assert len(DEPLOYMENT_TAG) == 48 and len(set(ids)) == 3
    for vid in ids:
        head, tag = vid.split("_", 1)[1].split("_", 1)
        assert vid.startswith("video_") and len(head) == 12 and int(head, 16) >= 0 and tag == DEPLOYMENT_TAG
    assert len({vid[-12:] for vid in ids}) == 1 and len({vid[-48:] for vid in ids}) == 1
    for vid in ids:
        assert polls(c, vid)[-1]["status"] == "completed" and c.videos.retrieve(vid).id == vid
    assert [v.id for v in c.videos.list(order="asc", after=ids[0]).data] == ids[1:]
    remix = c.videos.remix(ids[0], prompt="at dusk")
    assert remix.id.endswith(DEPLOYMENT_TAG) and remix.remixed_from_video_id == ids[0]
    assert c.videos.delete(ids[2]).deleted is True
    with pytest.raises(openai.NotFoundError):
        c.videos.retrieve(ids[2])
    assert c.videos.retrieve(ids[1]).status == "completed"  # the same suffix, another video


# --- failing routes -------------------------------------------------------------------------------------
def test_list_400(start: Start) -> None:
    engine = start("list-400")
    vid = completed(engine)["id"]
    r = httpx2.get(f"{engine.base_url}/videos", headers=AUTH)
    assert r.status_code == 400
    assert r.json() == {"error": {"message": LIST_400_MESSAGE, "type": "invalid_request_error", "param": None,
                                  "code": "400"}}
    with pytest.raises(openai.BadRequestError):
        client(engine).videos.list()
    assert httpx2.get(url(engine, vid), headers=AUTH).status_code == 200


def test_remix_500(start: Start) -> None:
    engine = start("remix-500")
    vid = completed(engine)["id"]
    r = httpx2.post(url(engine, vid, "/remix"), json={"prompt": "at dusk"}, headers=AUTH)
    assert r.status_code == 500
    error = error_of(r)
    assert error["type"] == "server_error" and "Sorry about that" in error["message"]
    with pytest.raises(openai.InternalServerError):
        client(engine).videos.remix(vid, prompt="at dusk")
    assert [v["id"] for v in httpx2.get(f"{engine.base_url}/videos", headers=AUTH).json()["data"]] == [vid]


# --- together -------------------------------------------------------------------------------------------
def test_adversarial_modes_combine(start: Start) -> None:
    engine = start("control-text,uuid-ids,shared-suffix-ids,echo-key,clock-ahead,lying-content,processing")
    c = client(engine)
    v = c.videos.create(prompt="a red kite")
    assert HOSTILE_ID in v.id and v.id.endswith(DEPLOYMENT_TAG) and v.status == "pending"
    done = polls(c, v.id)[-1]
    assert done["status"] == "succeeded" and done["created_at"] > time.time() + 800
    with c.videos.with_streaming_response.download_content(v.id) as resp:
        assert resp.headers["content-type"] == "application/octet-stream" and resp.read()[4:8] == b"ftyp"
    r = httpx2.get(url(engine, v.id + "x"), headers=AUTH)
    assert r.status_code == 404 and HOSTILE in error_of(r)["message"]
    assert json.loads(r.content)["error"]["message"].endswith(f"key {KEY})")
    assert parsedate_to_datetime(r.headers["date"]).timestamp() > time.time() + 800
