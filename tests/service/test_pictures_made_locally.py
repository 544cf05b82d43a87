"""Thumbnails and spritesheets from servers that cannot give them, against the real engine and real files:
a proxy that drops `?variant=` answers every asset with the MP4 (engine mode ignore-variant), which must
never be saved under a picture's name; the picture is made from the downloaded video instead, as it is for a
server without the variant (404), and recorded as made locally. And `download --out DIR` for a file already
on disk puts a copy in DIR by the downloads' no-clobber rule."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from filekinds import kind_of
from PIL import Image

from sora_tui.backend import BackendError, VideosBackend
from sora_tui.backend.downloads import part_path
from sora_tui.core.job import FileRecord, Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.engine import EngineConfig, start_engine_thread
from sora_tui.engine.render import RenderSpec, render
from sora_tui.service import JobService
from sora_tui.service.events import ServiceNotice
from sora_tui.store import HistoryStore
from sora_tui.tui.widgets.frames import load_frames, sprite_grid

PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"


@dataclass
class Rig:
    engine: Any
    service: JobService
    backend: VideosBackend
    notices: list[str]

    def server_file(self, job: Job, variant: str = "video") -> Path:
        return Path(self.engine.engine.state.asset(job.video_id, variant))


@pytest.fixture
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    config = EngineConfig(speed="instant", state_dir=tmp_path / "engine", modes=request.param)
    engine = start_engine_thread(config)
    store = HistoryStore(tmp_path / "history.json")
    backend = VideosBackend(engine.base_url, "test-key", max_retries=0)
    service = JobService(store, backend, profile="proxy", download_dir=tmp_path / "downloads")
    notices: list[str] = []
    service.subscribe(lambda e: notices.append(e.message) if isinstance(e, ServiceNotice) else None)
    try:
        yield Rig(engine, service, backend, notices)
    finally:
        await service.aclose()
        await backend.aclose()
        store.close()
        engine.stop()


async def completed(rig: Rig, **kw: Any) -> Job:
    [job] = await rig.service.generate(GenerationParams(PROMPT, size="1280x720", seconds="4"), **kw)
    [job] = await rig.service.wait([job], timeout=60)
    assert job.status in (JobStatus.COMPLETED, JobStatus.DOWNLOADED), (job.status, job.error)
    return job



def assert_no_video_under_a_picture_name(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.name.endswith((".webp", ".jpg", ".webp.part", ".jpg.part")):
            assert kind_of(path) == "picture", f"{path.name} holds {kind_of(path)}"


@pytest.mark.parametrize("rig", ["ignore-variant", "ignore-variant,lying-content"], indirect=True)
async def test_a_video_sent_for_a_picture_is_refused_before_anything_is_written(rig: Rig,
                                                                                 tmp_path: Path) -> None:
    """By its Content-Type (video/mp4 for a thumbnail), and by its bytes when the type says nothing
    (lying-content sends application/octet-stream): nothing is left at the picture's name or its .part."""
    job = await completed(rig)
    for variant, name in (("thumbnail", "x.thumbnail.webp"), ("spritesheet", "x.spritesheet.jpg")):
        dest = tmp_path / "out" / name
        with pytest.raises(BackendError) as refused:
            await rig.backend.download(job.video_id, dest, variant)
        error = refused.value
        assert error.kind == "wrong_asset" and not error.retryable
        assert f"instead of the {variant} of {job.video_id}" in error.message
        assert "a video" in error.message and "?variant=" in error.user_message()
        if "lying-content" not in rig.engine.engine.modes:
            assert "video/mp4" in error.message
        assert not dest.exists() and not part_path(dest).exists()
    # the video itself is what it should be, and comes whole
    video = await rig.backend.download(job.video_id, tmp_path / "out" / "x.mp4", "video")
    assert video.path.read_bytes() == rig.server_file(job).read_bytes()


@pytest.mark.parametrize("rig", ["ignore-variant"], indirect=True)
async def test_a_picture_the_proxy_cannot_give_is_made_from_the_video(rig: Rig, tmp_path: Path) -> None:
    job = await completed(rig)  # not downloaded: making the picture fetches the video first
    thumb = await rig.service.download(job, "thumbnail")
    sheet = await rig.service.download(job, "spritesheet")
    done = rig.service.store.get(job.local_id)
    video = done.file("video")
    assert video is not None and not video.made_locally
    assert Path(video.path).read_bytes() == rig.server_file(job).read_bytes()
    for record, fmt in ((thumb, "WEBP"), (sheet, "JPEG")):
        assert record.made_locally and record.sha256
        data = Path(record.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record.sha256 and len(data) == record.bytes
        assert Path(record.path).parent == Path(video.path).parent  # beside the video, under its stem
        with Image.open(record.path) as img:
            assert img.format == fmt
    with Image.open(thumb.path) as img:
        assert img.size == (640, 360)
    # the spritesheet is laid out as the engine lays out its own, so the flipbook reads it the same way
    with Image.open(sheet.path) as img, Image.open(rig.server_file(job, "spritesheet")) as engines:
        assert img.size == engines.size == (800, 180)
        assert sprite_grid(img.size, job.params.size) == (5, 2)
    assert len(load_frames(sheet.path, job.params.size)) == 10
    assert_no_video_under_a_picture_name(rig.service.download_dir)
    assert done.status == JobStatus.DOWNLOADED
    # recorded as made locally: in the history (as another process reads it), and in the sidecar
    again = HistoryStore(tmp_path / "history.json")
    try:
        stored = again.get(job.local_id)
        assert {f.variant: f.made_locally for f in stored.files} == {
            "video": False, "thumbnail": True, "spritesheet": True}
    finally:
        again.close()
    sidecar = json.loads(Path(video.path).with_suffix(".json").read_text())
    assert {f["variant"]: f["made_locally"] for f in sidecar["files"]} == {
        "video": False, "thumbnail": True, "spritesheet": True}
    made = [n for n in rig.notices if "made the" in n]
    assert len(made) == 2 and "sent a video (video/mp4) instead of the thumbnail" in made[0], rig.notices
    # asked again, the pictures on disk are kept as they are
    assert await rig.service.download(job, "thumbnail") == thumb
    assert rig.service.stats["pictures_made_locally"] == 2


@pytest.mark.parametrize("rig", ["litellm-like,ignore-variant"], indirect=True)
async def test_automatic_downloads_of_every_asset_through_such_a_proxy(rig: Rig) -> None:
    """generate -> wait -> video, thumbnail and spritesheet at once: the pictures wait for the video's own
    download (it is fetched once) and are made from it."""
    [job] = await rig.service.generate(GenerationParams(PROMPT, model="sora-2", size="1280x720", seconds="4"),
                                       auto_download=["video", "thumbnail", "spritesheet"])
    [done] = await rig.service.wait([job], timeout=90, max_failures=3)
    assert done.status == JobStatus.DOWNLOADED
    made = {f.variant: f.made_locally for f in done.files}
    assert made == {"video": False, "thumbnail": True, "spritesheet": True}
    assert all(f.sha256 for f in done.files)
    assert {f.variant: kind_of(Path(f.path)) for f in done.files} == {
        "video": "video", "thumbnail": "picture", "spritesheet": "picture"}
    assert len(list(rig.service.download_dir.glob("*.mp4"))) == 1
    assert_no_video_under_a_picture_name(rig.service.download_dir)


@pytest.mark.parametrize("rig", ["strict"], indirect=True)
async def test_a_server_without_the_variant_gets_it_made_from_the_video_on_disk(rig: Rig) -> None:
    job = await completed(rig, auto_download=["video"])
    for variant in ("thumbnail", "spritesheet"):
        rig.server_file(job, variant).unlink()  # the server answers 404 for it from now on
    attempts = rig.service.stats["download_attempts"]
    thumb = await rig.service.download(job, "thumbnail")
    assert thumb.made_locally and kind_of(Path(thumb.path)) == "picture"
    assert rig.service.stats["download_attempts"] == attempts + 1  # one refused request; the video is here
    assert any("HTTP 404" in n and "made the thumbnail from the downloaded video" in n for n in rig.notices)


@pytest.mark.parametrize("rig", ["ignore-variant"], indirect=True)
async def test_a_video_an_earlier_version_saved_as_a_picture_is_replaced_in_place(rig: Rig) -> None:
    """Histories written before the check hold the MP4 under the picture's name, with its sha256: it is not
    trusted as the picture, and the picture made from the video takes its name."""
    job = await completed(rig, auto_download=["video"])
    video = job.file("video")
    assert video is not None
    wrong = Path(video.path).with_name(Path(video.path).name.removesuffix(".mp4") + ".thumbnail.webp")
    shutil.copyfile(video.path, wrong)
    old = FileRecord("thumbnail", str(wrong), wrong.stat().st_size, video.sha256, time.time())

    def add(j: Job) -> None:
        j.files = [*j.files, old]

    job = await rig.service._mutate(job.local_id, add)
    thumb = await rig.service.download(job, "thumbnail")
    assert thumb.path == str(wrong) and thumb.made_locally and kind_of(wrong) == "picture"
    assert sorted(p.name for p in wrong.parent.glob("*.webp")) == [wrong.name]


def test_the_spritesheet_of_a_long_1080p_clip_is_made_in_bounded_time(tmp_path: Path) -> None:
    """A 12 s 1080p render: only the frames needed are decoded (measured: well under a second here; the bound
    is loose for a busy machine), and a deadline stops a file that would take too long, saying so."""
    from sora_tui.service.pictures import PictureError, make_picture, spritesheet

    clip = render(RenderSpec(PROMPT, 1920, 1080, 12.0), tmp_path / "render").video
    started = time.monotonic()
    sheet = spritesheet(clip)
    assert time.monotonic() - started < 15
    assert sheet.size == (800, 180) and sprite_grid(sheet.size, "1920x1080") == (5, 2)
    with pytest.raises(PictureError) as slow:
        make_picture(clip, tmp_path / "x.spritesheet.jpg", "spritesheet", deadline=0)
    assert "took longer than" in slow.value.message and not list(tmp_path.glob("*.jpg*"))
    (tmp_path / "not-a-video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    with pytest.raises(PictureError) as broken:
        make_picture(tmp_path / "not-a-video.mp4", tmp_path / "y.thumbnail.webp", "thumbnail")
    assert "not-a-video.mp4" in broken.value.message and not list(tmp_path.glob("y.*"))


@pytest.mark.parametrize("rig", ["strict"], indirect=True)
async def test_a_file_on_disk_is_put_in_another_folder_without_replacing_anything(rig: Rig,
                                                                                   tmp_path: Path) -> None:
    from sora_tui.service.files import copy_into

    job = await completed(rig, auto_download=["video"])
    video = Path(job.file("video").path)  # type: ignore[union-attr]
    out = tmp_path / "elsewhere"
    placed, how = copy_into(video, out)
    assert (placed, how) == (out / video.name, "linked") and os.path.samefile(placed, video)
    assert copy_into(video, out) == (placed, "already there")  # asked again: nothing new
    # a file of the user's at the name is left alone: the copy takes the next free name
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / video.name).write_bytes(b"the user's own video")
    placed, how = copy_into(video, theirs)
    assert placed.name == video.name.removesuffix(".mp4") + " (2).mp4" and how == "linked"
    assert (theirs / video.name).read_bytes() == b"the user's own video"
    # across filesystems, where no hard link can be made: the bytes are copied
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) and \
            os.stat("/dev/shm").st_dev != os.stat(video).st_dev:
        other = Path(tempfile.mkdtemp(dir="/dev/shm"))
        try:
            placed, how = copy_into(video, other)
            assert how == "copied" and placed.read_bytes() == video.read_bytes()
            assert not os.path.samefile(placed, video) and not list(other.glob(".*.tmp"))
        finally:
            shutil.rmtree(other)
    assert not list(out.glob(".*.tmp")) and not list(theirs.glob(".*.tmp"))
    stays = rig.service.store.get(job.local_id).file("video")
    assert stays is not None and stays.path == str(video)  # the history's record stays where it was
