"""The composer, the details, the profiles (F3) and the dialogs in Japanese, against the real local engine: labels
from the catalog, a Japanese prompt kept exactly as typed from the composer to the job, and text measured in
terminal cells (a Japanese glyph is two) so that at 80x24 nothing is cut in half or pushed off."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import connected, history, notifications, wait_until
from rich.cells import cell_len
from rich.style import Style
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.keys import _character_to_key
from textual.widgets import Checkbox, DataTable, Input, Label, OptionList, Static, TextArea

from sora_tui.core.status import JobStatus
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.characters import CharacterScreen
from sora_tui.tui.screens.detail import JobDetailScreen
from sora_tui.tui.screens.modals import ConfirmScreen, NoteScreen, PromptScreen, SnippetScreen
from sora_tui.tui.screens.profile_setup import SetupScreen
from sora_tui.tui.screens.profiles import ProfilesScreen
from sora_tui.tui.widgets.cell_drawing import message_strips
from sora_tui.tui.widgets.cell_wrap import wrap_cells
from sora_tui.tui.widgets.picker import Picker

SMALL = (80, 24)
WIDE = (160, 45)
SCENE = "夕暮れの海辺を走る柴犬、カメラはゆっくり左へパン、波の音"
LONG = "、".join([SCENE] * 4)  # 131 characters, 262 cells: wraps over several lines at 80 columns


def lines_of(widget) -> list[str]:
    """What a widget draws, line by line (its whole height, scrolled out of view or not)."""
    width, height = widget.size
    return ["".join(seg.text for seg in strip) for strip in widget.render_lines(Region(0, 0, width, height))]


def unwrapped(lines: list[str]) -> str:
    return "".join(line.rstrip() for line in lines)


async def type_text(pilot, text: str) -> None:
    """Key by key, each event carrying its character as a terminal's does: Pilot's press() loses the character of
    keys it names from their Unicode name, such as 「、」 (ideographic_comma)."""
    for char in text:
        event = events.Key(_character_to_key(char), char)
        event.set_sender(pilot.app)
        pilot.app._driver.send_message(event)
        await pilot.pause()


@pytest.fixture(autouse=True)
def no_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


async def test_a_japanese_prompt_goes_from_the_composer_to_the_job_and_its_details_untouched(
        home: Path, engine_daemon: Path, ja: None) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        composer = app.main.query_one("#composer")
        assert composer.border_title == "プロンプト"
        assert "縦長" in app.main.query_one("#size", Picker).label()
        assert app.main.query_one("#seconds", Picker).label() == "4秒"
        assert app.main.query_one("#prompt", TextArea).placeholder.startswith("ショットを説明")
        # typed key by key, as an input method hands the characters over
        await pilot.click("#prompt")
        await type_text(pilot, SCENE)
        assert app.main.query_one("#prompt", TextArea).text == SCENE
        estimate = str(app.main.query_one("#estimate", Static).render())
        # the counter counts characters (what the server's limit counts), not cells
        assert f"{len(SCENE)}/" in estimate and "文字" in estimate and "無料（ローカルレンダー）" in estimate
        app.main.query_one("#prompt", TextArea).text = LONG
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: history(home) and history(home)[0].status == JobStatus.DOWNLOADED,
                         what="the job")
        job = history(home)[0]
        assert job.params.prompt == LONG

        await pilot.press("ctrl+j", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="the details")
        detail = app.screen
        assert detail.query_one("#detail-box").border_title == f"ジョブ {job.short_id}"
        text = detail.query_one("#detail-text", Static)
        await pilot.pause()
        drawn = lines_of(text)
        # every glyph of the prompt is drawn, none cut at the edge, and no line is wider than the column
        assert LONG in unwrapped(drawn)
        assert all(cell_len(line) <= text.size.width for line in drawn)
        for label in ("サーバーID", "状態", "秒数", "料金", "ファイル"):
            assert any(line.lstrip().startswith(label) for line in drawn), label
        # the label column ends in the same cell on every row, Japanese labels being two cells a glyph
        ends = {cell_len(line[:line.index(label) + len(label)])
                for line in drawn for label in ("サーバーID", "ローカルID", "状態", "モデル", "料金")
                if label in line}
        assert len(ends) == 1
        assert any("ダウンロード済み" in line for line in drawn)
        assert "動画" in unwrapped(drawn)  # the files, named in Japanese


async def test_the_remix_dialog_is_in_japanese_and_keeps_a_japanese_prompt(home: Path, engine_daemon: Path,
                                                                             ja: None) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        app.main.query_one("#prompt", TextArea).text = SCENE
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: history(home) and history(home)[0].status == JobStatus.DOWNLOADED,
                         what="the job")
        source = history(home)[0]
        await pilot.press("ctrl+j", "m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the remix dialog")
        dialog = app.screen
        assert dialog.query_one(".dialog").border_title == f"{source.short_id} をリミックス"
        assert "変えることを1つだけ" in str(dialog.query_one(".dialog-hint", Static).render())
        assert "送信" in str(dialog.query_one(".dialog-keys", Static).render())
        area = dialog.query_one("#new-prompt", TextArea)
        assert area.text == SCENE
        await type_text(pilot, "、夜に")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any(j.kind == "remix" for j in history(home)), what="the remix")
        remix = next(j for j in history(home) if j.kind == "remix")
        assert remix.params.prompt == SCENE + "、夜に" and remix.parent_id == source.local_id


async def test_snippets_come_in_the_prompts_language_and_join_the_japanese_way(home: Path, engine_daemon: Path,
                                                                                ja: None) -> None:
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        prompt = app.main.query_one("#prompt", TextArea)
        prompt.text = ""
        await pilot.press("ctrl+n")  # nothing written yet: the interface's language
        await wait_until(pilot, lambda: isinstance(app.screen, SnippetScreen), what="the snippets")
        await type_text(pilot, "パン")
        options = app.screen.query_one("#snippets", OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert shown == ["カメラ", "  左から右へパン"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: prompt.text == "左から右へパン", what="the snippet inserted")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, SnippetScreen), what="the snippets again")
        await type_text(pilot, "リムライト")
        await pilot.press("enter")
        await wait_until(pilot, lambda: prompt.text == "左から右へパン、リムライト", what="joined with 、")
        # an English prompt is offered English snippets, whatever the interface's language
        prompt.text = "a red kite over a beach"
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, SnippetScreen), what="the snippets in English")
        await type_text(pilot, "slow dolly")
        await pilot.press("enter")
        await wait_until(pilot, lambda: prompt.text == "a red kite over a beach, slow dolly left", what="joined with ,")


async def test_profiles_and_the_setup_form_in_japanese(home: Path, engine_daemon: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch, ja: None) -> None:
    monkeypatch.setenv("SORA_TUI_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    app = SoraApp()
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="profiles")
        table = app.screen.query_one(DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["プロファイル", "サーバー", "キーの場所", "確認"]
        await wait_until(pilot, lambda: "✓ 接続可" in str(table.get_cell("local", "check")), what="the local check")
        assert str(table.get_cell("local", "key")) == "不要"
        note = str(app.screen.query_one("#profiles-note", Static).render())
        assert "キー: 不要 · 確認:" in note and "設定ファイル:" in note
        # with two-cell glyphs in it, the table still shows every column whole at 80 columns
        assert any("✓ 接続可" in line for line in lines_of(table))
        await pilot.press("e")  # the built-in local profile: said why not, in a whole Japanese sentence
        await wait_until(pilot, lambda: any("組み込みのため、ここでは変更できません" in n.message
                                            for n in notifications(app)), what="the refusal")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="the setup form")
        setup = app.screen
        assert str(setup.query_one("#setup-name-label", Label).render()) == "プロファイル名"
        setup.query_one("#setup-key-env", Input).value = ""
        await pilot.press("ctrl+s")
        assert "キーを入力するか" in str(setup.query_one("#setup-key-label", Label).render())
        assert "保存していません" in str(setup.query_one("#setup-note", Static).render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfilesScreen), what="back to profiles")


class DialogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("")


async def test_confirm_and_character_dialogs_in_japanese_keep_long_text_whole_at_80_columns(ja: None) -> None:
    app = DialogApp()
    async with app.run_test(size=SMALL) as pilot:
        answers: list[bool | None] = []
        app.push_screen(ConfirmScreen("ジョブの削除", LONG + "を削除しますか?"), answers.append)
        await pilot.pause()
        question = app.screen.query(Static).first()
        drawn = lines_of(question)
        assert LONG + "を削除しますか?" in unwrapped(drawn)
        assert all(cell_len(line) <= question.size.width for line in drawn)
        assert "はい" in str(app.screen.query_one(".dialog-keys", Static).render())
        await pilot.press("n")
        assert answers == [False]

        notes: list = []
        app.push_screen(NoteScreen("abc123", [], ""), notes.append)
        await pilot.pause()
        assert app.screen.query_one(".dialog").border_title == "タグとメモ · abc123"
        app.screen.query_one("#tags", Input).value = "夕暮れ, " + "夕暮れの海辺を走る柴犬" * 3
        await pilot.press("ctrl+s")
        # a tag is cut at 40 cells, between whole glyphs: 20 Japanese characters
        assert notes[0].tags == ["夕暮れ", ("夕暮れの海辺を走る柴犬" * 2)[:20]]

        app.push_screen(CharacterScreen())
        await pilot.pause()
        assert "同意" in str(app.screen.query_one("#character-consent-text", Static).render())
        assert str(app.screen.query_one(Checkbox).label) == "確認しました"
        await pilot.press("ctrl+s")
        assert "名前を入力し" in str(app.screen.query_one("#character-note", Static).render())


def test_preview_messages_wrap_by_cells_and_keep_every_glyph() -> None:
    message = "サムネイル(thumb_夕暮れ.jpg)が見つかりません。先にダウンロードしてください。"
    for width in (9, 20, 31):
        lines = wrap_cells(message, width)
        assert "".join(lines) == message
        assert all(cell_len(line) <= width for line in lines)
        assert not any(line.startswith(("。", "、", ")")) for line in lines)
    strips = message_strips(message, 20, 8, Style())
    assert all(strip.cell_length == 20 for strip in strips)
    assert "".join("".join(seg.text for seg in strip).strip() for strip in strips) == message
    # English wraps at spaces as it did
    assert wrap_cells("The thumbnail (x.jpg) is missing; download it first.", 20) == [
        "The thumbnail", "(x.jpg) is missing;", "download it first."]
