"""The headless CLI end to end: real processes, the real local engine, a real history file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sora_tui.engine.render import probe

PROMPT = "a red kite over a windy beach, slow pan left, gulls crying"


def test_generate_download_json_then_jobs_after_restart(cli, home: Path) -> None:
    r = cli("generate", PROMPT, "--seconds", "4", "--size", "1280x720", "--wait", "--download",
            "--assets", "video,thumbnail,spritesheet", "--json")
    assert r.code == 0, r.err
    job = r.json()
    assert job["status"] == "downloaded" and job["id"].startswith("video_")
    files = {f["variant"]: f for f in job["files"]}
    assert set(files) == {"video", "thumbnail", "spritesheet"}
    video = Path(files["video"]["path"])
    assert video.is_file() and video.parent == home / "downloads"
    info = probe(video)
    assert (info["width"], info["height"]) == (1280, 720)
    assert abs(info["duration"] - 4.0) < 0.1
    assert info["video_codec"] == "h264" and info["has_audio"] and info["audio_codec"] == "aac"
    assert Path(files["thumbnail"]["path"]).read_bytes()[8:12] == b"WEBP"
    assert Path(files["spritesheet"]["path"]).read_bytes()[:2] == b"\xff\xd8"
    # a new process still lists it
    listed = cli("jobs", "--json").json_lines()
    assert [j["id"] for j in listed] == [job["id"]]
    shown = cli("show", job["id"][:14], "--json").json()
    assert shown["local_id"] == job["local_id"]
    human = cli("show", job["id"])
    assert PROMPT in human.out and "downloaded" in human.out


def test_generate_without_wait_then_resume_and_download(cli, home: Path) -> None:
    r = cli("generate", PROMPT, "--json")
    assert r.code == 0, r.err
    vid = r.json()["id"]
    assert cli("resume", "--json").code == 0
    d = cli("download", vid, "--variant", "thumbnail", "--json")
    assert d.code == 0, d.err
    assert Path(d.json()["path"]).is_file()
    out = home / "elsewhere"
    d2 = cli("download", vid, "--out", str(out))
    assert d2.code == 0 and Path(d2.out.strip()).parent == out


def test_remix_retry_and_export(cli, home: Path) -> None:
    first = cli("generate", PROMPT, "--wait", "--json").json()
    remix = cli("remix", first["id"], PROMPT + " at dusk", "--wait", "--json")
    assert remix.code == 0, remix.err
    assert remix.json()["parent_id"] == first["local_id"] and remix.json()["status"] == "completed"
    retry = cli("retry", first["id"], "--wait", "--json")
    assert retry.code == 0 and retry.json()["kind"] == "retry"
    ext = cli("extend", first["id"], "the kite loops", "--seconds", "4", "--wait", "--json")
    assert ext.code == 0, ext.err
    assert ext.json()["params"]["seconds"] == "8"
    lines = cli("export", "--format", "jsonl").json_lines()
    assert len(lines) == 4
    target = home / "export.csv"
    assert cli("export", "--format", "csv", "--out", str(target)).code == 0
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert len(rows) == 5


def test_variations_are_json_lines(cli) -> None:
    r = cli("generate", PROMPT, "--variations", "3", "--json")
    assert r.code == 0, r.err
    jobs = r.json_lines()
    assert len(jobs) == 3 and len({j["group_id"] for j in jobs}) == 1


def test_bad_input_exit_2_and_nothing_written(cli) -> None:
    for args, fragment in [
        (("generate", "   "), "prompt is empty"),
        (("generate", "x", "--size", "1920x1080"), "sora-2 does not render 1920x1080"),
        (("generate", "x", "--seconds", "7"), "4, 8, 12, 16, 20"),
        (("generate", "x", "--variations", "99"), "Variations must be between 1 and 8"),
        (("show", "nope"), "nope"),
        (("download", "nope"), "nope"),
    ]:
        r = cli(*args)
        assert r.code == 2, (args, r.err)
        assert fragment in r.err, (args, r.err)
        assert r.out == ""
    assert cli("jobs", "--json").out == ""


def test_failed_job_exit_1(cli) -> None:
    r = cli("generate", "Pikachu surfing a wave", "--wait", "--json")
    assert r.code == 1
    job = r.json()
    assert job["status"] == "failed" and job["error"]["code"] == "moderation_blocked"


def test_unreachable_server_exit_3_one_message(cli) -> None:
    r = cli("--base-url", "http://127.0.0.1:9/v1", "generate", "x", env={"OPENAI_API_KEY": "sk-secret-value-123"})
    assert r.code == 3
    assert "Cannot reach the server" in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert "sk-secret-value-123" not in r.err


def test_missing_key_for_remote_profile_exit_3(cli) -> None:
    r = cli("--base-url", "http://127.0.0.1:9/v1", "generate", "x")
    assert r.code == 3 and "OPENAI_API_KEY" in r.err


def test_version_and_help(cli) -> None:
    assert cli("--version").out.startswith("sora-tui ")
    h = cli("--help")
    assert h.code == 0 and "generate" in h.out and "Exit codes" in h.out
