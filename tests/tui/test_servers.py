"""Servers from the TUI, by keyboard, against the real local engine: profiles (check, add with a masked key,
switch), importing the server's videos, cameo characters (consent, insert, generate with them)."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import pytest
from pilot_helpers import connected, history, wait_until
from textual.widgets import Checkbox, DataTable, Input, Select, TextArea

from sora_tui.core.status import JobStatus
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.characters import CharacterScreen
from sora_tui.tui.screens.modals import ChoiceScreen, ConfirmScreen, TextScreen
from sora_tui.tui.screens.profiles import ProfilesScreen, SetupScreen

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
        await pilot.press("ctrl+g")
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
        assert "Type the key" in str(app.screen.query_one("#setup-note").render())
        app.screen.query_one("#setup-key-env", Input).value = "MY_KEY"
        app.screen.query_one("#setup-url", Input).value = "ftp://nowhere"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("not an http(s) URL" in n.message for n in app._notifications), what="refusal")
        assert not config.exists()


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
        await wait_until(pilot, lambda: any("already in the history" in n.message for n in app._notifications), what="nothing new")


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
