"""The hints on screen that name a key (the status line's "f1 help · ctrl+o history", the tips panel's "ctrl+n
snippet · f2 all tips", a dialog's key line, the advice that says "press d") name the key the binding is on now:
the user's where the config file's [keymap] moved it, the default otherwise, in English and in Japanese. Read from
what the real app draws, on the real local engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pilot_helpers import connected, notifications, wait_until
from rich.cells import cell_len
from rich.console import Group
from rich.text import Text
from textual.widgets import DataTable, Input

from sora_tui.tui.app import SoraApp
from sora_tui.tui.keymap import key_pieces
from sora_tui.tui.screens.modals import ConfirmScreen, PromptScreen
from sora_tui.tui.screens.profile_setup import SetupScreen
from sora_tui.tui.screens.profiles import ProfilesScreen
from sora_tui.tui.widgets.tips import HintKeys, keys_line

SMALL, WIDE = (80, 24), (160, 45)
# help on a long key (ctrl+shift+h), the history on two (the first is shown), the snippets and the checklist moved
REMAPPED = '"app.help" = "ctrl+shift+h"\n"app.history" = "f9,ctrl+h"\n"app.snippet" = "f8"\n"app.tips" = "f12"\n'


def write_keymap(home: Path, keymap: str) -> None:
    (home / "config.toml").write_text(f"[keymap]\n{keymap}", encoding="utf-8")


def drawn(widget: Any) -> list[str]:
    """The lines `widget` draws on screen, as the terminal gets them (cut where the widget cuts them)."""
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


def panel_lines(tips: Any) -> list[str]:
    """The tips panel's lines, every one (beside the composer its last lines are often below its edge)."""
    content = tips.content
    return [part.plain for part in content.renderables] if isinstance(content, Group) else content.plain.splitlines()


def status_line(app: SoraApp) -> str:
    return "".join(drawn(app.main.query_one("#status-line")))


async def settled(pilot: Any, app: SoraApp) -> None:
    """Connected (the status line then carries its hint) and the tips read once (the panel then has its last line)."""
    await wait_until(pilot, lambda: connected(app) and app.server_state == "reachable", what="the local engine")
    await wait_until(pilot, lambda: app.main.query_one("#tips").report is not None, what="the tips")
    await pilot.pause(0.1)


@pytest.mark.parametrize(("lang", "status", "tips"), [
    ("en", "f1 help · ctrl+o history", "ctrl+n snippet · f2 all tips"),
    ("ja", "f1 ヘルプ · ctrl+o 履歴", "ctrl+n スニペット · f2 すべてのヒント"),  # the Japanese keeps its wording
])
async def test_the_defaults_are_shown_as_they_always_were(home: Path, engine_daemon: Path, request: Any, lang: str,
                                                          status: str, tips: str) -> None:
    if lang == "ja":
        request.getfixturevalue("ja")
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await settled(pilot, app)
        assert status_line(app).endswith(status)
        assert panel_lines(app.main.query_one("#tips"))[-1] == tips


async def test_remapped_keys_are_named_in_the_status_line_and_the_tips(home: Path, engine_daemon: Path) -> None:
    write_keymap(home, REMAPPED)
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await settled(pilot, app)
        assert not notifications(app)  # a keymap with nothing wrong in it
        line = status_line(app)
        assert line.endswith("ctrl+shift+h help · f9 history") and "f1" not in line and "ctrl+o" not in line
        tips = panel_lines(app.main.query_one("#tips"))
        assert tips[-1] == "f8 snippet · f12 all tips" and not any("ctrl+n" in line for line in tips)
        await pilot.press("f12")  # the whole checklist, on its new key, names the snippets' new key
        await wait_until(pilot, lambda: app.screen is not app.main, what="the checklist by f12")
        assert "f8 inserts a snippet" in app.screen.body.plain


async def test_at_80_columns_the_hints_fit_with_a_long_key(home: Path, engine_daemon: Path) -> None:
    write_keymap(home, REMAPPED)
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await settled(pilot, app)
        status = app.main.query_one("#status-line")
        assert status.size.height == 1 and cell_len(status_line(app)) <= SMALL[0]
        assert "ctrl+shift+h help · f9 history" in status_line(app)
        tips = app.main.query_one("#tips")
        text = "\n".join(drawn(tips))  # the narrow layout's summary: the snippets' key on its first lines
        assert "· f8 snippets" in text and "ctrl+n" not in text
        assert all(cell_len(line) <= SMALL[0] for line in drawn(tips))


async def test_in_japanese_the_hints_name_the_users_keys(home: Path, engine_daemon: Path, ja: None) -> None:
    write_keymap(home, REMAPPED)
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await settled(pilot, app)
        assert status_line(app).endswith("ctrl+shift+h ヘルプ · f9 履歴")
        assert panel_lines(app.main.query_one("#tips"))[-1] == "f8 スニペット · f12 すべてのヒント"
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await settled(pilot, app)
        tips = drawn(app.main.query_one("#tips"))
        assert "· f8 スニペット" in "".join(tips) and all(cell_len(line) <= SMALL[0] for line in tips)
        assert "ctrl+shift+h ヘルプ" in status_line(app) and cell_len(status_line(app)) <= SMALL[0]


async def test_a_dialogs_key_line_names_the_moved_keys(home: Path, engine_daemon: Path) -> None:
    write_keymap(home, '"confirm.yes" = "ctrl+y"\n"prompt.cancel" = "ctrl+c,f10"\n')
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        app.push_screen(ConfirmScreen("Delete", "Delete it?"))
        await pilot.pause(0.2)
        keys = str(app.screen.query_one(".dialog-keys").render())
        assert keys.startswith("ctrl+y yes") and "n / esc no" in keys  # the one moved; the other as always
        app.pop_screen()
        app.push_screen(PromptScreen("remix", "vid_1", "a boat"))
        await pilot.pause(0.2)
        assert str(app.screen.query_one(".dialog-keys").render()) == "ctrl+g submit   ctrl+c cancel"


def test_a_hint_whose_key_is_gone_is_left_out() -> None:
    assert keys_line(HintKeys("ctrl+n", "f2")) == "ctrl+n snippet · f2 all tips"
    assert keys_line(HintKeys("", "f2")) == "f2 all tips"
    assert keys_line(HintKeys("ctrl+n", "")) == "ctrl+n snippet"
    assert keys_line(HintKeys("", "")) == ""


async def test_key_pieces_keep_the_default_look_and_show_the_first_moved_key(home: Path) -> None:
    write_keymap(home, '"confirm.no" = "question_mark,f10"\n')
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        screen = ConfirmScreen("t", "q")
        app.push_screen(screen)
        await pilot.pause(0.1)
        assert Text.assemble(*key_pieces(screen, "confirm.yes", "y")).plain == "y"
        assert Text.assemble(*key_pieces(screen, "confirm.no", "n", "esc")).plain == "?"  # as help writes it


async def test_the_history_that_cannot_open_names_the_key_that_closes_it(home: Path, tmp_path: Path,
                                                                         monkeypatch: Any) -> None:
    from sora_tui.tui.screens.history import HistoryScreen

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("SORA_TUI_HOME", str(blocker / "home"))  # no data dir: the history cannot open
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"history.close" = "f10,escape"\n', encoding="utf-8")
    monkeypatch.setenv("SORA_TUI_CONFIG", str(config))
    app = SoraApp(base_url="http://127.0.0.1:9/v1")
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.sub_title == "not connected", what="the failure")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history screen")
        count = app.screen.query_one("#history-count")
        await wait_until(pilot, lambda: "could not open; f10 shows why" in str(count.render()), what="the note")
        await pilot.press("f10")
        await wait_until(pilot, lambda: not isinstance(app.screen, HistoryScreen), what="the history closed by f10")


# The profiles screen's keys moved: add, use (the one that reconnects) and the setup form's save; its cancel is left.
PROFILES_REMAPPED = '"profiles.add" = "f6"\n"profiles.use" = "u"\n"setup.save" = "f7"\n'
SPARE = '\n[profiles.spare]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "SPARE_KEY"\n'


async def profiles_hints(home: Path, keymap: str, keys: tuple[str, str]) -> list[str]:
    """What the profiles screen and its setup form say that names a key, in order: the refusals to change and to
    remove the built-in profile, the add form's title, the change form's title and what saving the profile in use
    says. `keys`: the add and save keys as the keymap has them, to press. The profile in use is one of the config
    file's, on a server that is not there: nothing here needs it to answer."""
    write_keymap(home, keymap + SPARE)
    add, save = keys
    said: list[str] = []
    app = SoraApp(profile="spare")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="the profiles screen")
        profiles = app.screen
        table = profiles.query_one(DataTable)
        await wait_until(pilot, lambda: "spare" in table.rows and "local" in table.rows, what="the profiles")
        table.move_cursor(row=table.get_row_index("local"))
        for key, verb in (("e", "change"), ("d", "remove")):
            await pilot.press(key)
            said.append(await told(pilot, app, lambda message: message.startswith("local ") and message not in said,
                                  f"the refusal to {verb}"))
        for opens in (add, "e"):
            if opens == "e":
                table.move_cursor(row=table.get_row_index("spare"))
            await pilot.press(opens)
            await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what=f"the form by {opens}")
            said.append(str(app.screen.query_one("#setup-box").border_title))
            if opens == "e":
                app.screen.query_one("#setup-url", Input).value = "http://127.0.0.1:10/v1"
                await pilot.press(save)
            else:
                await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is profiles, what="back to the profiles")
        said.append(await told(pilot, app, lambda message: str(home / "config.toml") in message, "the profile saved"))
    return said


async def told(pilot: Any, app: SoraApp, about: Any, what: str) -> str:
    """The message of the newest notification `about` says is the one (the server not answering is said too)."""
    await wait_until(pilot, lambda: any(about(n.message) for n in notifications(app)), what=what)
    return [n.message for n in notifications(app) if about(n.message)][-1]


async def test_the_profiles_hints_keep_the_default_keys(home: Path, engine_daemon: Path) -> None:
    said = await profiles_hints(home, "", ("a", "ctrl+s"))
    assert said[:4] == ["local is built in, so it cannot be changed here; press a to add a profile of your own.",
                        "local is built in, so it cannot be removed here; press a to add a profile of your own.",
                        "Add a server · ctrl+s save · esc cancel", "Change profile spare · ctrl+s save · esc cancel"]
    assert said[4].endswith(" It is the profile in use: enter on it reconnects with the change.")


async def test_the_profiles_hints_name_the_moved_keys(home: Path, engine_daemon: Path) -> None:
    said = await profiles_hints(home, PROFILES_REMAPPED, ("f6", "f7"))
    assert said[:4] == ["local is built in, so it cannot be changed here; press f6 to add a profile of your own.",
                        "local is built in, so it cannot be removed here; press f6 to add a profile of your own.",
                        "Add a server · f7 save · esc cancel", "Change profile spare · f7 save · esc cancel"]
    assert said[4].startswith("Saved profile spare in ")
    assert said[4].endswith(" It is the profile in use: u on it reconnects with the change.")


async def test_in_japanese_the_profiles_hints_name_the_moved_keys(home: Path, engine_daemon: Path,
                                                                  ja: None) -> None:
    said = await profiles_hints(home, PROFILES_REMAPPED, ("f6", "f7"))
    assert said[:4] == ["local は組み込みのため、ここでは変更できません。f6 で自分のプロファイルを追加してください。",
                        "local は組み込みのため、ここでは削除できません。f6 で自分のプロファイルを追加してください。",
                        "サーバーを追加 · f7 保存 · esc キャンセル", "プロファイル spare を編集 · f7 保存 · esc キャンセル"]
    assert said[4].endswith("使用中のプロファイルです。u で変更を反映して再接続します。")
