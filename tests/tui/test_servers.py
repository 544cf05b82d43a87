"""Servers from the TUI, by keyboard, against the real local engine: profiles (check, add with a masked key,
switch), importing the server's videos, cameo characters (consent, insert, generate with them)."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import pytest
from pilot_helpers import connected, history, notifications, wait_until
from textual.widgets import Checkbox, DataTable, Input, Select, TextArea

from sora_tui.core.status import JobStatus
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.characters import CharacterScreen
from sora_tui.tui.screens.modals import ChoiceScreen, ConfirmScreen, TextScreen
from sora_tui.tui.screens.profile_setup import SetupScreen
from sora_tui.tui.screens.profiles import ProfilesScreen

WIDE = (160, 45)
SECRET = "sk-typed-once-0123456789abcdefWXYZ"


@pytest.fixture
def config(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cfg" / "config.toml"
    monkeypatch.setenv("SORA_TUI_CONFIG", str(path))
    return path


def engine_url(home: Path) -> str:
    return json.loads((home / "engine" / "engine.json").read_text())["base_url"]


def screen_text(app: SoraApp) -> str:
    return app.export_screenshot()


async def test_add_a_server_with_a_masked_key_switch_to_it_and_back(home: Path, engine_daemon: Path, config: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        url = engine_url(home)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles")
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 2 and "✓ reachable" in str(table.get_cell("local", "check")),
                         what="the local check")
        assert "no key" in str(table.get_cell("openai", "check"))
        # the whole report of the selected profile is written out under the table (nothing cut at 80 columns)
        await wait_until(pilot, lambda: "key accepted; offers list" in str(app.screen.query_one("#profiles-note").render()),
                         what="the full report")
        await pilot.press("down")
        await wait_until(pilot, lambda: "no key: set OPENAI_API_KEY" in str(app.screen.query_one("#profiles-note").render()),
                         what="openai's report")
        await pilot.press("up")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="the setup dialog")
        setup = app.screen
        setup.query_one("#setup-kind", Select).value = "other"
        await pilot.pause()
        setup.query_one("#setup-name", Input).value = "lab"
        setup.query_one("#setup-url", Input).value = url
        setup.query_one("#setup-key", Input).focus()
        await pilot.press(*SECRET)
        assert setup.query_one("#setup-key", Input).password
        assert SECRET not in screen_text(app) and "•" * 8 in screen_text(app)  # typed once, masked
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen) and
                         "lab" in app.screen.query_one(DataTable).rows, what="the new profile listed")
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert tomllib.loads(config.read_text())["profiles"]["lab"]["api_key"] == SECRET
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: "✓ reachable" in str(table.get_cell("lab", "check")), what="the lab check")
        assert SECRET not in screen_text(app)
        table.move_cursor(row=table.get_row_index("lab"))
        await wait_until(pilot, lambda: "key accepted" in str(app.screen.query_one("#profiles-note").render()),
                         what="the lab report")
        await pilot.press("enter")
        await wait_until(pilot, lambda: connected(app) and app.session.profile.name == "lab", what="the switch")
        assert "lab" in app.sub_title and SECRET not in app.sub_title
        app.main.query_one("#prompt", TextArea).text = "a lantern floats over a lake, night, crickets"
        await pilot.press("ctrl+g", "ctrl+g")  # a server profile is priced: the first asks, the second sends
        await wait_until(pilot, lambda: any(j.profile == "lab" and j.status == JobStatus.DOWNLOADED for j in history(home)),
                         what="a job on the new profile")
        # and back: the job made through 'lab' is not polled or declared lost by the local profile
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles")
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: "local" in table.rows, what="the list")
        table.move_cursor(row=table.get_row_index("local"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: connected(app) and app.session.profile.name == "local", what="back to local")
    logs = "".join(p.read_text(errors="replace") for p in (home / "logs").glob("*"))
    assert SECRET not in logs and SECRET not in (home / "history.json").read_text()


async def test_setup_refuses_an_incomplete_form_with_a_reason(home: Path, engine_daemon: Path, config: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup")
        app.screen.query_one("#setup-key-env", Input).value = ""
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SetupScreen)
        assert "Type the key" in label(app, "key")
        app.screen.query_one("#setup-key-env", Input).value = "MY_KEY"
        app.screen.query_one("#setup-url", Input).value = "ftp://nowhere"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "not an http(s) URL" in label(app, "url"), what="the refusal beside the URL")
        assert "Type the key" not in label(app, "key")  # what was fixed no longer says so
        # what `profiles` would then call invalid is refused before it is saved, beside its field
        app.screen.query_one("#setup-url", Input).value = "http://127.0.0.1:9/v1"
        app.screen.query_one("#setup-model", Input).value = "anykey"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "'anykey' is not among its models" in label(app, "model"), what="the model")
        assert isinstance(app.screen, SetupScreen) and app.screen.query_one("#setup-model", Input).has_focus
        assert "Not saved" in str(app.screen.query_one("#setup-note").render())
        assert not config.exists()
        app.screen.query_one("#setup-model", Input).value = ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="saved once it is right")
        assert tomllib.loads(config.read_text())["profiles"]["openai-main"]["api_key_env"] == "MY_KEY"


def label(app: SoraApp, field: str) -> str:
    return str(app.screen.query_one(f"#setup-{field}-label").render())


CONFIG_TEXT = """# my servers
default_profile = "lab"   # the one at work

# the lab box, over the VPN
[profiles.lab]
base_url = "{url}"  # the lab
api_key = "{secret}"
timeout = 30

[profiles.spare]
base_url = "http://127.0.0.1:9/v1"
api_key_env = "SPARE_KEY"
"""


async def test_edit_and_delete_a_profile_keep_the_key_the_comments_and_the_others(home: Path, engine_daemon: Path,
                                                                                 config: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        url = engine_url(home)
        config.parent.mkdir(mode=0o700)
        config.write_text(CONFIG_TEXT.format(url=url, secret=SECRET))
        config.chmod(0o600)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles")
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: "spare" in table.rows, what="the config's profiles")
        table.move_cursor(row=table.get_row_index("local"))
        await pilot.press("e")  # built in: said so, nothing opens
        await wait_until(pilot, lambda: any("built in" in n.message for n in notifications(app)), what="the refusal")
        assert isinstance(app.screen, ProfilesScreen)

        table.move_cursor(row=table.get_row_index("lab"))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="the form")
        form = app.screen
        assert form.query_one("#setup-name", Input).disabled and form.query_one("#setup-name", Input).value == "lab"
        assert form.query_one("#setup-url", Input).value == url
        key = form.query_one("#setup-key", Input)
        assert key.value == "" and key.password and "keep the stored key" in label(app, "key")
        assert SECRET not in screen_text(app)
        form.query_one("#setup-model", Input).value = "anykey"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "'anykey' is not among its models" in label(app, "model"), what="the refusal")
        assert SECRET in config.read_text() and "anykey" not in config.read_text()
        form.query_one("#setup-model", Input).value = "sora-2-pro"
        await pilot.press("ctrl+s")  # the key field left empty: the stored key stays
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="saved")
        text = config.read_text()
        data = tomllib.loads(text)["profiles"]
        assert data["lab"] == {"base_url": url, "api_key": SECRET, "timeout": 30, "default_model": "sora-2-pro"}
        assert data["spare"] == {"base_url": "http://127.0.0.1:9/v1", "api_key_env": "SPARE_KEY"}
        for kept in ("# my servers", 'default_profile = "lab"   # the one at work', "# the lab box, over the VPN",
                     f'base_url = "{url}"  # the lab'):
            assert kept in text, kept
        assert stat.S_IMODE(config.stat().st_mode) == 0o600

        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: "lab" in table.rows, what="the list again")
        table.move_cursor(row=table.get_row_index("lab"))
        await pilot.press("e")  # a key typed into the form replaces the stored one, masked all along
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="the form")
        app.screen.query_one("#setup-key", Input).focus()
        await pilot.press(*"sk-new-typed-key-0123456789")
        assert "sk-new-typed-key" not in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="saved")
        assert tomllib.loads(config.read_text())["profiles"]["lab"]["api_key"] == "sk-new-typed-key-0123456789"

        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: "lab" in table.rows, what="the list again")
        table.move_cursor(row=table.get_row_index("lab"))
        before = config.read_text()
        await pilot.press("d")  # asks first; no keeps it
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="back")
        assert config.read_text() == before
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: any("Removed profile lab" in n.message for n in notifications(app)),
                         what="the removal")
        await wait_until(pilot, lambda: "spare" in app.screen.query_one(DataTable).rows
                         and "lab" not in app.screen.query_one(DataTable).rows, what="the list without it")
        text = config.read_text()
        assert "lab" not in tomllib.loads(text)["profiles"] and "default_profile" not in tomllib.loads(text)
        assert "# my servers" in text and 'api_key_env = "SPARE_KEY"' in text and "sk-new-typed-key" not in text
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("local"))
        await pilot.press("d")  # nor can a built-in one
        await wait_until(pilot, lambda: any("built in" in n.message and "removed" in n.message
                                            for n in notifications(app)), what="the refusal")


async def test_the_server_named_by_url_is_listed_checked_and_in_use(home: Path, engine_daemon: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_tui.engine import EngineConfig, start_engine_thread

    monkeypatch.setenv("OPENAI_API_KEY", "sk-anything-123456")
    with start_engine_thread(EngineConfig(speed="instant", state_dir=tmp_path / "gateway")) as engine:
        monkeypatch.setenv("OPENAI_BASE_URL", engine.base_url)
        app = SoraApp()
        async with app.run_test(size=WIDE) as pilot:
            await wait_until(pilot, lambda: connected(app), what="the gateway")
            await pilot.press("f3")
            await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles")
            table = app.screen.query_one(DataTable)
            await wait_until(pilot, lambda: "custom" in table.rows and "✓ reachable" in str(table.get_cell("custom", "check"))
                             and "starts on demand" in str(table.get_cell("local", "check")), what="the checks")
            assert list(table.rows)[:3] == ["custom", "local", "openai"]
            assert str(table.get_cell("custom", "name")).startswith("● custom")
            assert not str(table.get_cell("local", "name")).startswith("●")
            await wait_until(pilot, lambda: "key accepted; offers list" in str(app.screen.query_one("#profiles-note").render()),
                             what="its report")
            assert "OPENAI_BASE_URL" in str(app.screen.query_one("#profiles-note").render())
            assert not (home / "engine" / "engine.json").exists()  # nothing started only to be checked
            table.move_cursor(row=table.get_row_index("local"))
            await pilot.press("enter")
            await wait_until(pilot, lambda: connected(app) and app.session.profile.name == "local", what="local")
            await pilot.press("f3")  # and back to the server named by URL
            await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles")
            table = app.screen.query_one(DataTable)
            await wait_until(pilot, lambda: "custom" in table.rows, what="the list")
            table.move_cursor(row=table.get_row_index("custom"))
            await pilot.press("enter")
            await wait_until(pilot, lambda: connected(app) and app.session.profile.name == "custom", what="custom")
            assert app.session.base_url == engine.base_url


async def test_import_the_servers_videos_from_the_palette(home: Path, engine_daemon: Path) -> None:
    from openai import OpenAI

    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        client = OpenAI(base_url=engine_url(home), api_key="k")  # another tool made this one
        made = client.videos.create(prompt="a windmill turns slowly at dusk", seconds="4", size="1280x720")
        app.action_import_videos()
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: any(j.video_id == made.id for j in history(home)), what="the import")
        job = next(j for j in history(home) if j.video_id == made.id)
        assert job.kind == "import" and job.params.prompt == "a windmill turns slowly at dusk"
        await wait_until(pilot, lambda: job.local_id in app.main.query_one(DataTable).rows, what="the row")
        app.action_import_videos()
        await wait_until(pilot, lambda: any("already in the history" in n.message for n in notifications(app)), what="nothing new")


async def test_characters_need_consent_and_go_into_the_prompt_verbatim(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        app.main.query_one("#prompt", TextArea).text = "a dancer spins, close-up, music"
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: history(home) and history(home)[0].status == JobStatus.DOWNLOADED, what="a clip")
        clip = history(home)[0].file("video").path
        app.action_create_character()
        await wait_until(pilot, lambda: isinstance(app.screen, CharacterScreen), what="the character dialog")
        app.screen.query_one("#character-name", Input).value = "Mika"
        app.screen.query_one("#character-video", Input).value = clip
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, CharacterScreen) and "Confirm consent" in str(app.screen.query_one("#character-note").render())
        app.screen.query_one("#character-consent", Checkbox).value = True
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: (home / "characters.json").exists(), what="the character saved")
        character = json.loads((home / "characters.json").read_text())["characters"][0]
        assert character["name"] == "Mika" and character["id"].startswith("char_")
        app.main.query_one("#prompt", TextArea).text = "under neon lights, slow dolly left"
        app.action_insert_character()
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the character list")
        await pilot.press("1")
        prompt = app.main.query_one("#prompt", TextArea)
        await wait_until(pilot, lambda: "Mika" in prompt.text, what="the name in the prompt")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: len(history(home)) == 2, what="the job with the character")
        job = next(j for j in history(home) if "Mika" in j.params.prompt)
        assert job.extra["character_ids"] == [character["id"]]
        # what the server says of it (GET /videos/characters/{id}), from the palette
        app.action_show_character()
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the character list again")
        await pilot.press("1")
        await wait_until(pilot, lambda: isinstance(app.screen, TextScreen), what="the character's page")
        page = str(app.screen.query_one(".dialog").query_one("Static").render())
        assert character["id"] in page and "Mika" in page
