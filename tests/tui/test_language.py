"""The TUI's language: chosen at start from SORA_TUI_LANG, the setting saved in ui.json, then the locale; switched
with f4 (or the palette), at once, remembered, losing nothing typed; refused with a word when SORA_TUI_LANG decides.
Against the real local engine and a real ui.json."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pilot_helpers import connected, notifications, shown, wait_until
from rich.console import Console
from textual.command import CommandInput, CommandPalette
from textual.widgets import Static, TextArea

from sora_tui.core import i18n
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.help import HelpScreen
from sora_tui.tui.widgets.composer import PromptComposer
from sora_tui.tui.widgets.key_bar import KeyBar, translated
from sora_tui.tui.widgets.tips import TipsPanel
from sora_tui.tui.widgets.title_bar import TitleBar

WIDE = (160, 45)


@pytest.fixture
def unforced(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No SORA_TUI_LANG: the saved setting and the locale decide, as on a user's machine. English again after."""
    monkeypatch.delenv("SORA_TUI_LANG")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    try:
        yield monkeypatch
    finally:
        i18n.set_language("en")


def saved(home: Path) -> dict:
    path = home / "ui.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def help_text(app: SoraApp) -> str:
    console = Console(width=120, file=io.StringIO(), record=True)
    for name in ("#help-intro", "#help-keys", "#help-language"):
        console.print(app.screen.query_one(name, Static).content)
    return console.export_text()


async def test_the_key_bar_and_the_help_speak_japanese_under_ja(ja: None, home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        bar = shown(app.main.query_one(KeyBar))
        assert " f1 ヘルプ " in bar and " ^o 履歴 " in bar and "パレット" in bar
        assert "Help" not in bar and "History" not in bar and "palette" not in bar
        laid_out = app.main.query_one(KeyBar).keys()
        key = next(k for k in laid_out if k.key == "f1")
        assert key.tooltip == "すべてのキーを、使える場所ごとに表示"  # the tooltip too
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        assert "ローカルエンジン" in shown(app.main.query_one(TitleBar))
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = help_text(app)
        assert "どこでも" in text and "ヘルプ" not in text.split("どこでも")[0]  # group titles translated
        assert "表示言語を切り替え" in text and "SORA_TUI_LANG" in text  # f4, and why it does not apply now
        assert "Every key" not in text and "Quit" not in text
        assert app.screen.query_one("#help-box").border_title == "キー一覧 · F1 か esc で閉じる"
        titles = [c.title for c in app.get_system_commands(app.main)]
        assert "表示: 履歴" in titles and "言語: English に切り替え" in titles
        await pilot.press("escape", "ctrl+p")  # the palette's own search box asks in Japanese too
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        assert app.screen.query_one(CommandInput).placeholder == "コマンドを検索…"


def test_an_empty_description_stays_empty_in_japanese(ja: None) -> None:
    # gettext answers "" with the catalog's header: a key without a description must not show that
    assert i18n._("").startswith("Project-Id-Version")
    assert translated("") == "" and translated("Help") == "ヘルプ"


async def test_the_locale_chooses_japanese_when_nothing_else_does(unforced: pytest.MonkeyPatch, home: Path,
                                                                  engine_daemon: Path) -> None:
    unforced.setenv("LANG", "ja_JP.UTF-8")
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert " f1 ヘルプ " in shown(app.main.query_one(KeyBar))


async def test_the_saved_setting_comes_before_the_locale(unforced: pytest.MonkeyPatch, home: Path,
                                                         engine_daemon: Path) -> None:
    unforced.setenv("LANG", "ja_JP.UTF-8")
    (home / "ui.json").write_text(json.dumps({"theme": "textual-light", "language": "en"}), encoding="utf-8")
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert " f1 Help " in shown(app.main.query_one(KeyBar))
        assert app.theme == "textual-light"  # read from the same file, in the same place


async def test_f4_switches_at_once_remembers_it_and_loses_nothing_typed(unforced: pytest.MonkeyPatch, home: Path,
                                                                        engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        bar = app.main.query_one(KeyBar)
        assert " f1 Help " in shown(bar) and i18n.language() == "en"
        prompt = app.main.query_one("#prompt", TextArea)
        prompt.text = "a heron on a misty lake at dawn"
        composer, tips = app.main.query_one(PromptComposer), app.main.query_one(TipsPanel)
        await wait_until(pilot, lambda: tips.report is not None and "Tips" in str(tips.border_title), what="tips")
        await pilot.press("f4")
        await pilot.pause()
        assert i18n.language() == "ja"
        # the composer and the tips say it again in Japanese, about the same prompt
        assert composer.border_title == "プロンプト"
        assert str(tips.border_title).startswith("ヒント")
        assert "文字" in str(composer.query_one("#estimate", Static).render())
        assert " f1 ヘルプ " in shown(bar)
        assert "ローカルエンジン" in shown(app.main.query_one(TitleBar))
        assert "f1 ヘルプ · ctrl+o 履歴" in str(app.main.query_one("#status-line", Static).render())
        assert any(n.message.startswith("表示言語を日本語に") for n in notifications(app))
        assert prompt.text == "a heron on a misty lake at dawn" and app.focused is prompt
        await wait_until(pilot, lambda: saved(home).get("language") == "ja", what="the language saved")
        await pilot.press("f1")  # a screen opened after the switch
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        assert "どこでも" in help_text(app)
        await pilot.press("f4")  # switched while the help is open: the help says it again in English
        await pilot.pause()
        assert "Anywhere" in help_text(app) and "どこでも" not in help_text(app)
        await wait_until(pilot, lambda: saved(home).get("language") == "en", what="English saved")
        await pilot.press("escape")
        await pilot.pause()
        assert " f1 Help " in shown(bar) and prompt.text == "a heron on a misty lake at dawn"

    # the next start uses what was saved, over the locale
    (home / "ui.json").write_text(json.dumps({"language": "ja"}), encoding="utf-8")
    again = SoraApp()
    async with again.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert " f1 ヘルプ " in shown(again.main.query_one(KeyBar))


async def test_sora_tui_lang_decides_and_the_key_says_so(home: Path, engine_daemon: Path) -> None:
    # the test run sets SORA_TUI_LANG=en: it wins over a saved Japanese setting, and f4 cannot change it
    (home / "ui.json").write_text(json.dumps({"language": "ja"}), encoding="utf-8")
    try:
        app = SoraApp()
        async with app.run_test(size=WIDE) as pilot:
            await pilot.pause()
            bar = app.main.query_one(KeyBar)
            assert " f1 Help " in shown(bar)
            await pilot.press("f4")
            await wait_until(pilot, lambda: any("SORA_TUI_LANG=en" in n.message for n in notifications(app)),
                             what="the refusal")
            assert i18n.language() == "en" and " f1 Help " in shown(bar)
            assert saved(home) == {"language": "ja"}  # the user's own choice, kept for when the variable goes
            titles = {c.title: c.help for c in app.get_system_commands(app.main)}
            assert titles["language: Switch to 日本語"] == "Set by SORA_TUI_LANG now"
    finally:
        i18n.set_language("en")


def test_the_help_names_keys_as_the_key_bar_shows_them() -> None:
    from sora_tui.tui.screens.help import key_label

    assert key_label("escape,q,f1") == "escape / q / f1"
    assert key_label(",") == "," and key_label(".") == "."  # the flipbook's frame keys, not " / "
