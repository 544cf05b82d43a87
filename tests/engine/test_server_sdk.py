"""The official openai SDK (sync and async) against the local engine; every JSON body checked against the spec."""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path
from typing import Any

import jsonschema
import openai
import pytest
import yaml
from PIL import Image

from sora_tui.engine.video_probe import probe

SPEC = Path(__file__).parent.parent / "data" / "openai-videos.openapi.yaml"
PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    spec = yaml.safe_load(SPEC.read_text())
    components = spec["components"]["schemas"]
    # The spec lags the service: 16/20 s and the sora-2-pro 1080p sizes exist.
    components["VideoSeconds"]["enum"] = ["4", "8", "12", "16", "20"]
    components["VideoSize"]["enum"] = ["720x1280", "1280x720", "1024x1792", "1792x1024", "1080x1920", "1920x1080"]
    return spec


def check(schemas: dict[str, Any], name: str, body: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": schemas["components"]}
    jsonschema.validate(body, schema)


def png(w: int, h: int, colour: tuple[int, int, int] = (30, 160, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(buf, "PNG")
    return buf.getvalue()


def wait_done(client: openai.OpenAI, video_id: str) -> Any:
    deadline = time.time() + 60
    while time.time() < deadline:
        v = client.videos.retrieve(video_id)
        if v.status in ("completed", "failed"):
            return v
        time.sleep(0.05)
    raise AssertionError("not done")


@pytest.fixture
def client(local_engine) -> openai.OpenAI:
    return openai.OpenAI(base_url=local_engine.base_url, api_key="test", max_retries=0)


def test_sync_sdk_every_method(client: openai.OpenAI, schemas: dict[str, Any], tmp_path: Path) -> None:
    raw = client.videos.with_raw_response.create(prompt=PROMPT, size="1280x720", seconds="4")
    check(schemas, "VideoResource", raw.http_response.json())
    assert raw.headers["openai-poll-after-ms"]
    assert raw.headers["x-sora-tui-engine"] == "local-render"
    video = raw.parse()
    assert video.status in ("queued", "in_progress") and video.seconds == "4"
    done = wait_done(client, video.id)
    assert done.status == "completed" and done.progress == 100 and done.expires_at > done.completed_at
    check(schemas, "VideoResource", client.videos.with_raw_response.retrieve(video.id).http_response.json())

    # content, all three variants
    for variant, ctype in (("video", "video/mp4"), ("thumbnail", "image/webp"), ("spritesheet", "image/jpeg")):
        resp = client.videos.with_raw_response.download_content(video.id, variant=variant)
        assert resp.headers["content-type"] == ctype
        assert int(resp.headers["content-length"]) == len(resp.http_response.content)
    client.videos.download_content(video.id).write_to_file(tmp_path / "v.mp4")
    info = probe(tmp_path / "v.mp4")
    assert (info["width"], info["height"], info["video_codec"], info["audio_codec"]) == (1280, 720, "h264", "aac")

    # image reference: an upload and a data URL, both of the right size
    up = client.videos.create(prompt="a meadow, zoom in", size="720x1280", input_reference=("ref.png", png(720, 1280), "image/png"))
    data_url = "data:image/png;base64," + base64.b64encode(png(720, 1280)).decode()
    # the SDK's create() only sends multipart and rejects an {image_url} object, so this goes as the spec's JSON body
    du = client.post("/videos", body={"prompt": "a meadow", "input_reference": {"image_url": data_url}}, cast_to=openai.types.Video)
    assert wait_done(client, up.id).status == wait_done(client, du.id).status == "completed"

    remix = client.videos.remix(video.id, prompt=PROMPT + " at night")
    assert remix.remixed_from_video_id == video.id and remix.size == "1280x720"
    check(schemas, "VideoResource", remix.to_dict())

    # edit and extend by uploading a file (the SDK sends `video` as multipart)
    mp4 = (tmp_path / "v.mp4").read_bytes()
    edited = client.videos.edit(prompt="same shot, golden hour", video=("v.mp4", mp4, "video/mp4"), extra_body={"model": "sora-2"})
    assert wait_done(client, edited.id).status == "completed"
    extended = client.videos.extend(prompt="the kite climbs", seconds="4", video=("v.mp4", mp4, "video/mp4"))
    assert extended.seconds == "8"

    # characters
    char = client.videos.create_character(name="Kite Pilot", video=("v.mp4", mp4, "video/mp4"))
    check(schemas, "VideoCharacterResource", char.to_dict())
    assert client.videos.get_character(char.id).name == "Kite Pilot"
    with_char = client.videos.create(prompt="Kite Pilot runs on the beach", extra_body={"character_ids": [char.id]})
    assert with_char.status == "queued" or with_char.status == "in_progress"

    page = client.videos.list(limit=2)
    check(schemas, "VideoListResource", client.videos.with_raw_response.list(limit=2).http_response.json())
    assert len(page.data) == 2 and page.has_more

    deleted = client.videos.delete(remix.id) if wait_done(client, remix.id) else None
    assert deleted is not None and deleted.deleted and deleted.id == remix.id
    check(schemas, "DeletedVideoResource", deleted.to_dict())
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(remix.id)

    polled = client.videos.create_and_poll(prompt="snow falling at night, static camera", poll_interval_ms=50)
    assert polled.status == "completed"


async def test_async_sdk_every_method(local_engine, tmp_path: Path) -> None:
    client = openai.AsyncOpenAI(base_url=local_engine.base_url, api_key="test", max_retries=0)
    try:
        video = await client.videos.create_and_poll(prompt=PROMPT, poll_interval_ms=50)
        assert video.status == "completed"
        got = await client.videos.retrieve(video.id)
        assert got.id == video.id
        content = await client.videos.download_content(video.id, variant="thumbnail")
        assert content.content[8:12] == b"WEBP"
        async with client.videos.with_streaming_response.download_content(video.id) as resp:
            total = 0
            async for chunk in resp.iter_bytes():
                total += len(chunk)
            assert total == int(resp.headers["content-length"])
        remix = await client.videos.remix(video.id, prompt="the same at dawn")
        ext = await client.post("/videos/extensions", body={"video": {"id": video.id}, "prompt": "more", "seconds": "8"},
                                cast_to=openai.types.Video)
        assert ext.seconds == "12"
        edit = await client.post("/videos/edits", body={"video": {"id": video.id}, "prompt": "rain"}, cast_to=openai.types.Video)
        assert edit.size == video.size
        char = await client.videos.create_character(name="Gull", video=("v.mp4", _mp4(tmp_path), "video/mp4"))
        assert (await client.videos.get_character(char.id)).name == "Gull"
        ids = [v.id async for v in client.videos.list(limit=1)]
        assert {video.id, remix.id, ext.id, edit.id} <= set(ids)
        await client.videos.poll(remix.id, poll_interval_ms=50)
        assert (await client.videos.delete(remix.id)).deleted
    finally:
        await client.close()


def _mp4(tmp_path: Path) -> bytes:
    from sora_tui.engine.render import RenderSpec, render

    return render(RenderSpec("a small clip", 64, 64, 1.0), tmp_path / "clip").video.read_bytes()


def test_list_pagination(client: openai.OpenAI, schemas: dict[str, Any]) -> None:
    made = [client.videos.create(prompt=f"clip {i}, static").id for i in range(25)]
    first = client.videos.list(limit=10)
    assert first.has_more and len(first.data) == 10
    assert [v.id for v in first.data] == made[::-1][:10]  # newest first by default
    every = [v.id for v in client.videos.list(limit=10)]  # the SDK follows after= through every page
    assert every == made[::-1]
    asc = client.videos.with_raw_response.list(limit=10, order="asc", after=made[4]).http_response.json()
    check(schemas, "VideoListResource", asc)
    assert [v["id"] for v in asc["data"]] == made[5:15]
    assert asc["first_id"] == made[5] and asc["last_id"] == made[14] and asc["has_more"] is True
    empty = client.videos.with_raw_response.list(limit=0).http_response.json()
    assert empty["data"] == [] and empty["first_id"] is None and empty["has_more"] is True
