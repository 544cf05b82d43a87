"""The CLI's server commands against the real local engine: profiles (list, check, add), the server's own
videos and importing them, cameo characters, and generate's --fit and --character."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
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
                           env={**os.environ, **proc_env}, timeout=60, check=False)
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
    bare = cli("characters")  # no action: the list, as text (it raised a crash report)
    assert bare.code == 0 and "Mika" in bare.out and "crash" not in bare.err
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


# --- servers that lack an operation, and the server in use ----------------------------------------------
@pytest.fixture
def proxy(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The real engine on loopback in the mode(s) the test names (`@pytest.mark.parametrize("proxy", ...)`)."""
    from sora_tui.engine import EngineConfig, start_engine_thread

    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "proxy", modes=request.param)) as engine:
        yield engine.base_url


@pytest.mark.parametrize("proxy", ["list-400"], indirect=True)
def test_a_proxy_that_refuses_to_list_is_said_to_lack_list_not_blamed_on_the_user(cli, home: Path, proxy: str) -> None:
    env = {"OPENAI_API_KEY": "k"}
    listed = cli("--base-url", proxy, "videos", env=env)
    assert listed.code == 1, listed.err  # a limit of the server: neither bad usage (2) nor unreachable (3)
    assert "does not offer a list of its videos" in listed.err and "HTTP 400" in listed.err
    assert "Change the request" not in listed.err and "BadRequestError" not in listed.err
    assert "import ID" in listed.err
    imported = cli("--base-url", proxy, "import", env=env)
    assert imported.code == 1 and "does not offer a list" in imported.err and "import ID" in imported.err
    checked = cli("profiles", "--json", env={**env, "OPENAI_BASE_URL": proxy})
    assert checked.code == 0, checked.err
    custom = next(row for row in checked.json_lines() if row["name"] == "custom")
    assert custom["check"]["operations"]["list"] is False
    assert all(custom["check"]["operations"][op] for op in ("remix", "edits", "extensions", "characters", "delete"))
    said = cli("profiles", env={**env, "OPENAI_BASE_URL": proxy})
    assert "lacks list" in said.out and "offers list" not in said.out


@pytest.mark.parametrize("proxy", ["remix-500"], indirect=True)
def test_an_operation_that_could_not_be_checked_is_said_to_be_unknown(cli, home: Path, proxy: str) -> None:
    r = cli("--base-url", proxy, "profiles", env={"OPENAI_API_KEY": "k"})
    assert r.code == 0, r.err
    assert "unknown: remix (the server answered 500)" in r.out
    assert "offers list, edits, extensions, characters, delete;" in r.out
    row = next(row for row in cli("--base-url", proxy, "profiles", "--json", env={"OPENAI_API_KEY": "k"}).json_lines()
               if row["name"] == "custom")
    assert row["check"]["operations"]["remix"] is None and row["check"]["unknown"] == {"remix": "the server answered 500"}


@pytest.mark.parametrize("proxy", ["strict"], indirect=True)
def test_profiles_lists_and_marks_the_server_named_by_url_without_starting_the_local_engine(
        cli, home: Path, proxy: str) -> None:
    for how, env, args in (("OPENAI_BASE_URL", {"OPENAI_BASE_URL": proxy}, ()), ("--base-url", {}, ("--base-url", proxy))):
        r = cli(*args, "profiles", "--json", env={"OPENAI_API_KEY": "k", **env})
        assert r.code == 0, r.err
        rows = {row["name"]: row for row in r.json_lines()}
        assert list(rows)[:3] == ["custom", "local", "openai"]
        custom, local = rows["custom"], rows["local"]
        assert custom["active"] and custom["from"] == how and custom["server"] == proxy
        assert custom["check"]["reachable"] and custom["check"]["key_accepted"]
        assert local["default"] and not local["active"]  # the default, but not what a command would use now
        assert "starts on demand" in local["check"]["problem"]
        assert not (home / "engine" / "engine.json").exists()  # no engine started only to be checked
        text = cli(*args, "profiles", env={"OPENAI_API_KEY": "k", **env})
        assert "* custom" in text.out and "* local" not in text.out and "key accepted" in text.out
        assert "the profile in use: custom" in text.err


def test_profiles_add_refuses_what_it_could_not_load_and_edit_and_delete_keep_the_rest(cli, home: Path,
                                                                                      tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "config.toml"
    env = {"SORA_TUI_CONFIG": str(config)}
    bad = cli("profiles", "add", "lab", "--base-url", "http://127.0.0.1:9/v1", "--key-env", "LAB_KEY", "--model",
              "anykey", env=env)
    assert bad.code == 2 and "default_model: 'anykey' is not among its models" in bad.err
    assert not config.exists()  # nothing written that `profiles` would then call invalid
    config.parent.mkdir(mode=0o700)
    config.write_text('# mine\ndefault_profile = "lab"\n\n# the lab box\n[profiles.lab]\n'
                      'base_url = "http://127.0.0.1:9/v1"  # over the VPN\napi_key = "sk-lab-0123456789"\n\n'
                      '[profiles.other]\nbase_url = "http://127.0.0.1:8/v1"\napi_key_env = "OTHER_KEY"\n')
    config.chmod(0o600)
    edited = cli("profiles", "edit", "lab", "--base-url", "http://127.0.0.1:7/v1", env=env)
    assert edited.code == 0, edited.err
    text = config.read_text()
    assert 'base_url = "http://127.0.0.1:7/v1"  # over the VPN' in text and 'api_key = "sk-lab-0123456789"' in text
    assert "# mine" in text and "# the lab box" in text and "[profiles.other]" in text
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    wrong = cli("profiles", "edit", "lab", "--model", "anykey", env=env)
    assert wrong.code == 2 and config.read_text() == text
    refused = cli("profiles", "delete", "lab", env=env)  # not a terminal: it must be told --yes
    assert refused.code == 2 and "--yes" in refused.err and config.read_text() == text
    deleted = cli("profiles", "delete", "lab", "--yes", env=env)
    assert deleted.code == 0 and "was the default" in deleted.err
    data = tomllib.loads(config.read_text())
    assert "lab" not in data["profiles"] and "default_profile" not in data and data["profiles"]["other"]["api_key_env"]
    assert "# mine" in config.read_text() and stat.S_IMODE(config.stat().st_mode) == 0o600
