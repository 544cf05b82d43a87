"""The CLI's server commands against the real local engine: profiles (list, check, add), the server's own
videos and importing them, cameo characters, and generate's --fit and --character."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from PIL import Image


def engine_url(home: Path) -> str:
    import json

    return json.loads((home / "engine" / "engine.json").read_text())["base_url"]


def test_profiles_lists_and_checks_every_server(cli, home: Path) -> None:
    r = cli("profiles", "--json")
    assert r.code == 0, r.err
    rows = {row["name"]: row for row in r.json_lines()}
    assert set(rows) >= {"local", "openai"} and rows["local"]["default"]
    local = rows["local"]["check"]
    assert local["reachable"] and local["key_accepted"]
    assert local["operations"] == {op: True for op in ("list", "remix", "edits", "extensions", "characters", "delete")}
    assert rows["openai"]["check"]["problem"].startswith("no key")
    assert "OPENAI_API_KEY" not in r.out or rows["openai"]["key_from"] == "$OPENAI_API_KEY"


def test_profiles_add_writes_a_private_config_and_never_prints_the_key(cli, home: Path, tmp_path: Path) -> None:
    secret = "sk-test-0123456789abcdefXYZW"
    r = cli("profile", "--help")  # a typo is a usage error, not a crash
    assert r.code == 2
    proc_env = {"SORA_TUI_CONFIG": str(tmp_path / "cfg" / "config.toml")}
    import subprocess
    import sys

    added = subprocess.run([sys.executable, "-m", "sora_tui", "profiles", "add", "gw", "--base-url", engine_url_or_start(cli, home),
                            "--key-stdin", "--default"], input=secret + "\n", capture_output=True, text=True,
                           env={**os.environ, **proc_env}, timeout=60)
    assert added.returncode == 0, added.stderr
    config = tmp_path / "cfg" / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600 and stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    data = tomllib.loads(config.read_text())
    assert data["default_profile"] == "gw" and data["profiles"]["gw"]["api_key"] == secret
    listed = cli("profiles", env=proc_env)
    assert listed.code == 0 and "* gw" in listed.out and "key accepted" in listed.out
    assert secret not in listed.out + listed.err + added.stdout + added.stderr
    again = cli("profiles", "add", "gw", "--base-url", "http://x.example/v1", "--key-env", "X", env=proc_env)
    assert again.code == 2 and "already has a profile 'gw'" in again.err
    bad = cli("profiles", "add", "../evil", "--base-url", "ftp://x", "--key-env", "X", env=proc_env)
    assert bad.code == 2 and "Profile name" in bad.err


def engine_url_or_start(cli, home: Path) -> str:
    if not (home / "engine" / "engine.json").exists():
        cli("profiles")  # checking the local profile starts the engine on demand
    return engine_url(home)


def test_a_profile_with_its_own_models_is_validated_and_used(cli, home: Path, tmp_path: Path) -> None:
    url = engine_url_or_start(cli, home)
    config = tmp_path / "config.toml"
    config.write_text(f'''
default_profile = "veo"
[profiles.veo]
base_url = "{url}"
api_key_env = "VEO_KEY"
file_template = "{{model}}-{{id}}"
[profiles.veo.models.sora-2-pro]
sizes = ["1280x720"]
seconds = ["8"]
price_per_second = 0.5
''')
    env = {"SORA_TUI_CONFIG": str(config), "VEO_KEY": "k"}
    wrong = cli("generate", "a fox", "--seconds", "4", env=env)
    assert wrong.code == 2 and "8" in wrong.err
    ok = cli("generate", "a fox runs through snow", "--download", "--json", env=env)
    assert ok.code == 0, ok.err
    job = ok.json()
    assert job["params"]["size"] == "1280x720" and job["params"]["seconds"] == "8" and job["cost_estimate"] == 4.0
    assert Path(job["files"][0]["path"]).name.startswith("sora-2-pro-")
    config.write_text(config.read_text().replace('seconds = ["8"]', 'seconds = ["eight"]'))
    broken = cli("generate", "a fox", env=env)
    assert broken.code == 2 and "models.sora-2-pro] seconds" in broken.err


def test_videos_lists_the_server_and_import_adds_what_the_history_lacks(cli, home: Path, tmp_path: Path) -> None:
    made = cli("generate", "a heron on a pier, wind ambience", "--wait", "--json")
    assert made.code == 0, made.err
    video_id = made.json()["id"]
    other = {"SORA_TUI_HOME": str(tmp_path / "other"), "OPENAI_API_KEY": "k"}
    url = engine_url(home)
    listed = cli("--base-url", url, "videos", "--json", env=other)
    assert listed.code == 0, listed.err
    row = next(v for v in listed.json_lines() if v["id"] == video_id)
    assert row["in_history"] is False and row["status"] == "completed"
    imported = cli("--base-url", url, "import", "--json", env=other)
    assert imported.code == 0 and imported.json()["id"] == video_id and imported.json()["kind"] == "import"
    assert imported.json()["params"]["prompt"] == "a heron on a pier, wind ambience"
    again = cli("--base-url", url, "import", env=other)
    assert again.code == 0 and "nothing to import" in again.err
    fetched = cli("--base-url", url, "download", video_id[:14], env=other)
    assert fetched.code == 0, fetched.err
    missing = cli("--base-url", url, "import", "video_does_not_exist", env=other)
    assert missing.code == 1 and "video_does_not_exist" not in missing.out


def test_characters_need_consent_are_remembered_and_used_by_name(cli, home: Path, tmp_path: Path) -> None:
    made = cli("generate", "a dancer spins, close-up, music", "--download", "--json")
    clip = made.json()["files"][0]["path"]
    refused = cli("characters", "create", "Mika", clip)
    assert refused.code == 2 and "--consent" in refused.err
    created = cli("characters", "create", "Mika", clip, "--consent", "--json")
    assert created.code == 0, created.err
    character = created.json()
    assert character["id"].startswith("char_") and character["name"] == "Mika" and character["consent_confirmed_at"]
    listed = cli("characters", "list", "--json")
    assert [c["id"] for c in listed.json_lines()] == [character["id"]]
    shown = cli("characters", "show", character["id"], "--json")
    assert shown.code == 0 and shown.json()["name"] == "Mika"
    not_named = cli("generate", "a dancer spins", "--character", "Mika")
    assert not_named.code == 2 and "write its name 'Mika' in the prompt" in not_named.err
    used = cli("generate", "Mika spins under neon, close-up", "--character", "mika", "--wait", "--json")
    assert used.code == 0, used.err
    assert used.json()["extra"]["character_ids"] == [character["id"]]
    unknown = cli("generate", "x spins", "--character", "Nobody")
    assert unknown.code == 2 and "characters list" in unknown.err


def test_generate_fit_makes_the_reference_image_match(cli, home: Path, tmp_path: Path) -> None:
    picture = tmp_path / "square.png"
    Image.new("RGB", (500, 500), (10, 200, 30)).save(picture)
    refused = cli("generate", "the field sways in the wind", "--image", str(picture))
    assert refused.code == 2 and "500x500" in refused.err
    fitted = cli("generate", "the field sways in the wind", "--image", str(picture), "--fit", "crop", "--json")
    assert fitted.code == 0, fitted.err
    sent = Path(fitted.json()["params"]["image"])
    with Image.open(sent) as img:
        assert img.size == (720, 1280)
    assert cli("generate", "x", "--fit", "pad").code == 2
