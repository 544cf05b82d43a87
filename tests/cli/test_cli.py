"""The headless CLI end to end: real processes, the real local engine, a real history file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sora_tui.engine.video_probe import probe

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
        (("generate", "x", "--model", "sora-3"), "no model 'sora-3'; use one of sora-2, "),
        (("show", "nope"), "nope"),
        (("download", "nope"), "nope"),
    ]:
        r = cli(*args)
        assert r.code == 2, (args, r.err)
        assert fragment in r.err, (args, r.err)
        assert r.out == ""
    assert cli("jobs", "--json").out == ""


def test_a_reference_image_of_another_size_is_refused_naming_the_fits(cli, tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "frame.png"
    Image.new("RGB", (640, 480), "teal").save(image)
    r = cli("generate", PROMPT, "--size", "1280x720", "--image", str(image))
    assert r.code == 2 and r.out == ""
    assert "is 640x480 but the video is 1280x720" in r.err
    assert "--fit crop" in r.err and "--fit pad" in r.err and "--fit scale" in r.err
    fitted = cli("generate", PROMPT, "--size", "1280x720", "--image", str(image), "--fit", "scale", "--json")
    assert fitted.code == 0, fitted.err


def test_a_server_named_only_by_its_url_may_offer_any_model(cli, local_engine) -> None:
    """Its models are not known: the server decides (here it refuses: a job that failed, exit 1, not bad usage)."""
    r = cli("--base-url", local_engine.base_url, "generate", "x", "--model", "veo-3", "--wait",
            env={"OPENAI_API_KEY": "sk-any-key-0123456789"})
    assert r.code == 1 and "veo-3" in r.err


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


def test_engine_command_serves_the_protocol_and_stops_cleanly(home: Path, tmp_path: Path) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys
    import time

    import httpx2
    import openai

    proc = subprocess.Popen(
        [sys.executable, "-m", "sora_tui", "engine", "--port", "0", "--speed", "instant", "--seed", "7",
         "--state-dir", str(tmp_path / "fg")],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True, env=os.environ.copy(),
    )
    try:
        banner = proc.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", banner)
        assert match and "not AI" in banner, banner
        base = match.group(1)
        assert httpx2.get(base + "/videos").status_code == 401  # no bearer key
        client = openai.OpenAI(base_url=base, api_key="any-key", max_retries=0)
        video = client.videos.create(prompt=PROMPT, seconds="4", size="1280x720")
        deadline = time.monotonic() + 30
        while (video := client.videos.retrieve(video.id)).status != "completed":
            assert time.monotonic() < deadline and video.status in ("queued", "in_progress"), video.status
            time.sleep(0.05)
        body = client.videos.download_content(video.id).read()
        assert body[4:8] == b"ftyp" and len(body) > 10_000
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_engine_command_refuses_bad_faults_and_a_busy_port(cli) -> None:
    import socket

    r = cli("engine", "--api-key-env", "SORA_TUI_TEST_UNSET_KEY_VAR")
    assert r.code == 2 and "SORA_TUI_TEST_UNSET_KEY_VAR is not set" in r.err
    r = cli("engine", "--faults", "429:0.2,bogus:1")
    assert r.code == 2 and "--faults" in r.err and "unknown fault 'bogus'" in r.err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = cli("engine", "--port", str(port))
    assert r.code == 2 and f"cannot listen on 127.0.0.1:{port}" in r.err and "--port" in r.err


def test_bad_key_is_one_clear_message_exit_3(cli, tmp_path: Path) -> None:
    from sora_tui.engine import EngineConfig, start_engine_thread

    wrong = "sk-wrong-key-abcdef-123456"
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "e", api_key="sk-the-right-one-999")) as engine:
        r = cli("--base-url", engine.base_url, "generate", PROMPT, "--wait", env={"OPENAI_API_KEY": wrong})
        listed = cli("--base-url", engine.base_url, "resume", env={"OPENAI_API_KEY": wrong})
    assert r.code == 3, r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "refused the API key" in lines[0] and "Check the API key" in lines[0], r.err
    assert wrong not in r.err and wrong not in r.out
    assert listed.code in (0, 3) and wrong not in listed.err
    # the job that was refused is in the history as failed, with the reason, and no key
    shown = cli("jobs", "--json").json_lines()
    assert [j["status"] for j in shown] == ["failed"] and "API key" in shown[0]["error"]["message"]
