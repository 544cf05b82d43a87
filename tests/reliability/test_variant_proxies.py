"""Real `sora-tui` processes against a proxy that drops `?variant=` (engine modes litellm-like,ignore-variant:
every asset request gets the MP4 as video/mp4). The CLI saved that MP4 as `.thumbnail.webp` and exited 0; now
it refuses it, makes the picture from the video (downloading the video first when it is not on disk) and says
so. And `download ID --out DIR` for a file already on disk put nothing in DIR: now DIR gets a copy, never
over a file already there."""

from __future__ import annotations

import json
import os
from pathlib import Path

from filekinds import kind_of
from harness import run_cli, sha256

from sora_tui.engine import EngineConfig, start_engine_thread

PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"
PROXY_ARGS = ("--model", "veo-3", "--size", "1280x720", "--seconds", "8")  # litellm-like: a Veo deployment



def files_of(home: Path, base_url: str, video_id: str) -> dict[str, dict]:
    shown = run_cli(home, base_url, "show", video_id, "--json")
    assert shown.returncode == 0, shown.stderr
    return {f["variant"]: f for f in json.loads(shown.stdout)["files"]}


def test_every_asset_through_a_proxy_that_drops_the_variant(tmp_path: Path) -> None:
    home = tmp_path / "home"
    state = tmp_path / "engine"
    with start_engine_thread(EngineConfig(speed="instant", state_dir=state,
                                          modes="litellm-like,ignore-variant")) as engine:
        url = engine.base_url
        made = run_cli(home, url, "generate", PROMPT, *PROXY_ARGS, "--wait", "--json")
        assert made.returncode == 0, made.stderr
        vid = json.loads(made.stdout)["id"]
        server_video = engine.engine.state.asset(vid, "video")

        # the thumbnail first, with the video not on disk yet: the video is fetched, the picture made from it
        thumb = run_cli(home, url, "download", vid, "--variant", "thumbnail")
        assert thumb.returncode == 0, thumb.stderr
        path = Path(thumb.stdout.strip())
        assert path.name.endswith(".thumbnail.webp") and kind_of(path) == "picture"
        assert "sent a video (video/mp4) instead of the thumbnail" in thumb.stderr
        assert "made the thumbnail from the downloaded video" in thumb.stderr
        assert "Traceback" not in thumb.stderr

        sheet = run_cli(home, url, "download", vid, "--variant", "spritesheet", "--json")
        assert sheet.returncode == 0, sheet.stderr
        doc = json.loads(sheet.stdout)
        assert doc["made_locally"] is True and kind_of(Path(doc["path"])) == "picture"
        assert doc["path"].endswith(".spritesheet.jpg")

        video = run_cli(home, url, "download", vid)
        assert video.returncode == 0, video.stderr
        assert sha256(Path(video.stdout.strip())) == sha256(server_video)

        files = files_of(home, url, vid)
        assert {v: f["made_locally"] for v, f in files.items()} == {
            "video": False, "thumbnail": True, "spritesheet": True}
        assert {v: kind_of(Path(f["path"])) for v, f in files.items()} == {
            "video": "video", "thumbnail": "picture", "spritesheet": "picture"}
        shown = run_cli(home, url, "show", vid)
        assert shown.stdout.count("made locally from the video") == 2, shown.stdout

        # the whole flow at once: generate, wait, download the three assets
        flow = run_cli(home, url, "generate", "the same kite at dusk", *PROXY_ARGS, "--download",
                       "--assets", "video,thumbnail,spritesheet", "--json")
        assert flow.returncode == 0, flow.stderr
        job = json.loads(flow.stdout)
        assert job["status"] == "downloaded"
        got = {f["variant"]: (f["made_locally"], kind_of(Path(f["path"])), bool(f["sha256"]))
               for f in job["files"]}
        assert got == {"video": (False, "video", True), "thumbnail": (True, "picture", True),
                       "spritesheet": (True, "picture", True)}
    for path in (home / "downloads").iterdir():  # nothing under a picture's name holds a video
        if path.name.endswith((".webp", ".jpg")):
            assert kind_of(path) == "picture", path.name


def test_download_out_dir_puts_a_copy_there_when_the_file_is_already_on_disk(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "engine")) as engine:
        url = engine.base_url
        made = run_cli(home, url, "generate", PROMPT, "--size", "1280x720", "--download", "--json")
        assert made.returncode == 0, made.stderr
        job = json.loads(made.stdout)
        vid, original = job["id"], Path(job["files"][0]["path"])
        before = sha256(original)

        out = tmp_path / "out"
        first = run_cli(home, url, "download", vid, "--out", str(out))
        assert first.returncode == 0, first.stderr
        copy = Path(first.stdout.strip())
        assert copy == out / original.name and sha256(copy) == before
        assert "already downloaded" in first.stderr and str(out) in first.stderr

        again = run_cli(home, url, "download", vid, "--out", str(out), "--json")
        assert again.returncode == 0, again.stderr
        doc = json.loads(again.stdout)
        assert doc["path"] == str(copy) and doc["copied_from"] == str(original)
        assert sorted(p.name for p in out.iterdir()) == [original.name]  # nothing written twice

        # a file of the user's at that name in DIR is never replaced: the copy takes `name (2).mp4`
        theirs = tmp_path / "theirs"
        theirs.mkdir()
        (theirs / original.name).write_bytes(b"the user's own video")
        numbered = run_cli(home, url, "download", vid, "--out", str(theirs))
        assert numbered.returncode == 0, numbered.stderr
        placed = Path(numbered.stdout.strip())
        assert placed.name == original.name.removesuffix(".mp4") + " (2).mp4" and sha256(placed) == before
        assert (theirs / original.name).read_bytes() == b"the user's own video"

        # the history still knows the file where it was downloaded, untouched
        assert files_of(home, url, vid)["video"]["path"] == str(original) and sha256(original) == before
        assert not [p for p in (out, theirs) for q in p.iterdir() if q.name.endswith(".tmp")]
        assert os.path.exists(original)
