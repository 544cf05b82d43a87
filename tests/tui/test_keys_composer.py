"""The composer's keys: ctrl+e edits the prompt in the user's own editor ($VISUAL, else $EDITOR) with the app
suspended, ctrl+a selects all, and readline's editing keys; each failure of the editor leaves the prompt as it was.

The editor is real: a small Python script run as a subprocess, which edits the file it is given. Pilot's headless
driver cannot suspend, so the app runs on Textual's headless driver made able to (there is no terminal to hand over
in a test; suspending it does nothing but count), passed the way Textual chooses a driver: `driver_class` and a
test run that is not forced headless. One test keeps Textual's own headless driver to see the refusal."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from pilot_helpers import notifications, wait_until
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input, Static, TextArea

from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.help import key_groups
from sora_tui.tui.widgets.composer import PromptComposer

SIZE = (100, 30)

FAKE_EDITOR = """\
import json, os, pathlib, stat, sys
log, mode, *rest = sys.argv[1:]
path = pathlib.Path(rest[-1])
given = rest[:-1]
folder = path.parent
pathlib.Path(log).write_text(json.dumps({
    "path": str(path), "text": path.read_text(encoding="utf-8"), "args": given,
    "folder_mode": stat.S_IMODE(os.stat(folder).st_mode)}), encoding="utf-8")
if mode == "append":
    path.write_text(path.read_text(encoding="utf-8") + given[0] + "\\n", encoding="utf-8")
elif mode == "replace":
    path.write_text(given[0] + "\\n", encoding="utf-8")
elif mode == "fail":
    sys.exit(3)
elif mode == "latin1":
    path.write_bytes("un caf\\xe9 au bord de la mer".encode("latin-1"))
elif mode == "remove":
    path.unlink()
elif mode == "interrupt":  # ctrl+c typed in a terminal in its own mode: SIGINT to the app too, and the editor ends
    import signal
    os.kill(os.getppid(), signal.SIGINT)
    sys.exit(130)
"""


class SuspendingHeadlessDriver(HeadlessDriver):
    """Textual's headless driver, able to suspend: the app really goes through App.suspend and back."""

    suspended = 0
    resumed = 0

    @property
    def can_suspend(self) -> bool:
        return True

    def suspend_application_mode(self) -> None:
        type(self).suspended += 1
        super().suspend_application_mode()

    def resume_application_mode(self) -> None:
        type(self).resumed += 1
        super().resume_application_mode()


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Sets $EDITOR (and unsets $VISUAL) to the fake editor in `mode`; returns the log the editor writes."""
    script = tmp_path / "fake editor.py"  # a space in the path: the variable is split as a shell would
    script.write_text(f"#!{sys.executable}\n{FAKE_EDITOR}", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "editor-log.json"
    monkeypatch.delenv("VISUAL", raising=False)

    def use(mode: str, *args: str, variable: str = "EDITOR") -> Path:
        quoted = " ".join(f"'{a}'" for a in (str(script), str(log), mode, *args))
        monkeypatch.setenv(variable, quoted)
        return log

    return use


def suspendable_app() -> SoraApp:
    SuspendingHeadlessDriver.suspended = SuspendingHeadlessDriver.resumed = 0
    app = SoraApp()
    app.driver_class = SuspendingHeadlessDriver
    return app


def prompt(app: SoraApp) -> TextArea:
    return app.main.query_one("#prompt", TextArea)


async def start(pilot, text: str) -> TextArea:
    area = prompt(pilot.app)
    area.focus()
    area.text = text
    area.move_cursor(area.document.end)
    await pilot.pause()
    return area


def said(app: SoraApp) -> list[str]:
    return [n.message for n in notifications(app)]


async def test_ctrl_e_edits_the_prompt_in_editor_and_reads_it_back(home: Path, engine_daemon: Path, editor) -> None:
    import json

    log = editor("append", " at dusk, slow pan left")
    app = suspendable_app()
    async with app.run_test(size=SIZE, headless=False, notifications=True) as pilot:
        area = await start(pilot, "a red kite over a windy beach")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert area.text == "a red kite over a windy beach at dusk, slow pan left"  # the editor's newline dropped
        assert area.cursor_location == area.document.end
        assert app.focused is area
        assert (SuspendingHeadlessDriver.suspended, SuspendingHeadlessDriver.resumed) == (1, 1)
        seen = json.loads(log.read_text(encoding="utf-8"))
        assert seen["text"] == "a red kite over a windy beach" and seen["args"] == [" at dusk, slow pan left"]
        assert seen["path"].endswith(".txt") and seen["folder_mode"] == 0o700  # a private folder
        assert not Path(seen["path"]).parent.exists()  # removed after
        # the estimate line and the tips read the new prompt at once
        await wait_until(pilot, lambda: "52/" in str(app.main.query_one("#estimate", Static).render()),
                         what="the character count of the edited prompt")
        # one undo step brings the prompt from before the editor back
        await pilot.press("ctrl+z")
        assert area.text == "a red kite over a windy beach"
        assert not said(app)


async def test_visual_wins_over_editor_and_may_carry_arguments(home: Path, engine_daemon: Path, editor,
                                                                monkeypatch) -> None:
    import json

    log = editor("replace", "夕暮れの海辺、凧が舞う", variable="VISUAL")
    monkeypatch.setenv("EDITOR", "an-editor-that-is-not-there")
    app = suspendable_app()
    async with app.run_test(size=SIZE, headless=False, notifications=True) as pilot:
        area = await start(pilot, "「夜明けの海辺」")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert area.text == "夕暮れの海辺、凧が舞う"
        assert json.loads(log.read_text(encoding="utf-8"))["text"] == "「夜明けの海辺」"  # UTF-8 both ways


@pytest.mark.parametrize(("mode", "expected"), [
    ("fail", "exited with status 3, so the prompt is unchanged"),
    ("latin1", "not UTF-8, so the prompt is unchanged"),
    ("remove", "removed the file"),
    ("interrupt", "exited with status 130, so the prompt is unchanged"),  # and the app goes on
])
async def test_an_editor_that_fails_leaves_the_prompt(home: Path, engine_daemon: Path, editor, mode: str,
                                                      expected: str) -> None:
    editor(mode)
    app = suspendable_app()
    async with app.run_test(size=SIZE, headless=False, notifications=True) as pilot:
        area = await start(pilot, "a red kite")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert area.text == "a red kite"
        assert (SuspendingHeadlessDriver.suspended, SuspendingHeadlessDriver.resumed) == (1, 1)  # resumed all the same
        message = next(m for m in said(app) if expected in m)
        if mode == "latin1":
            # the edit that could not be read is kept, named, and private
            kept = Path(message.split("kept in ")[1].split(": save")[0])
            try:
                assert kept.read_bytes() == "un café au bord de la mer".encode("latin-1")
                assert stat.S_IMODE(kept.stat().st_mode) == 0o600
            finally:
                kept.unlink()


async def test_no_editor_set_says_how_to_set_one(home: Path, engine_daemon: Path, monkeypatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "  ")  # blank counts as unset
    app = suspendable_app()
    async with app.run_test(size=SIZE, headless=False, notifications=True) as pilot:
        area = await start(pilot, "a red kite")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert area.text == "a red kite"
        assert said(app) == ["Set $VISUAL or $EDITOR to edit the prompt in your editor, e.g. export EDITOR=nano"]
        assert SuspendingHeadlessDriver.suspended == 0


async def test_an_editor_not_found_is_named(home: Path, engine_daemon: Path, monkeypatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "no-such-editor-anywhere --wait")
    app = suspendable_app()
    async with app.run_test(size=SIZE, headless=False, notifications=True) as pilot:
        area = await start(pilot, "a red kite")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert area.text == "a red kite"
        assert any("no-such-editor-anywhere (from $EDITOR) was not found" in m for m in said(app)), said(app)


async def test_a_terminal_that_cannot_suspend_is_said(home: Path, engine_daemon: Path, editor) -> None:
    log = editor("replace", "never written")
    app = SoraApp()  # Textual's own headless driver: it cannot suspend
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        area = await start(pilot, "a red kite")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert area.text == "a red kite"
        assert not log.exists()  # the editor never ran
        assert any("cannot be suspended here" in m for m in said(app)), said(app)


async def test_the_editors_message_in_japanese(home: Path, engine_daemon: Path, monkeypatch, ja) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = suspendable_app()
    async with app.run_test(size=SIZE, headless=False, notifications=True) as pilot:
        await start(pilot, "凧")
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert any("$VISUAL" in m and "EDITOR=nano" in m and "設定" in m for m in said(app)), said(app)


async def test_readline_keys_and_select_all(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        area = await start(pilot, "a red kite over the sea")
        await pilot.press("ctrl+a")  # select all, no longer the line's start
        assert area.selected_text == "a red kite over the sea"
        await pilot.press(*"gulls")
        assert area.text == "gulls"

        await start(pilot, "a red kite over the sea")
        await pilot.press("f7")  # the second key for it, for terminals where ctrl+a is taken (GNU screen)
        assert area.selected_text == "a red kite over the sea"

        await start(pilot, "a red kite over the sea")
        await pilot.press("ctrl+w")
        assert area.text == "a red kite over the "
        await pilot.press("alt+b", "alt+b")
        assert area.cursor_location == (0, len("a red kite "))
        await pilot.press("alt+f")
        assert area.cursor_location == (0, len("a red kite over"))
        await pilot.press("alt+d")
        assert area.text == "a red kite over "
        await pilot.press("alt+b", "ctrl+k")
        assert area.text == "a red kite "
        await pilot.press("ctrl+u")
        assert area.text == ""

        # two lines: ctrl+u and ctrl+k stop at the line's edge; ctrl+k at the end of a line joins the next
        await start(pilot, "a red kite\nover the sea")
        area.move_cursor((1, 5))
        await pilot.press("ctrl+u")
        assert area.text == "a red kite\nthe sea"
        area.move_cursor((0, 5))
        await pilot.press("ctrl+k")
        assert area.text == "a red\nthe sea"
        await pilot.press("ctrl+k")
        assert area.text == "a redthe sea"

        # a terminal's alt+d (ESC d) reaches the app as the key "alt+d" carrying the character "d", as Textual's
        # parser makes it: a key, never the letter typed
        await start(pilot, "a red kite over the sea")
        area.move_cursor((0, len("a red kite")))
        app.post_message(events.Key("alt+d", "d"))
        await pilot.pause()
        assert area.text == "a red kite the sea"
        app.post_message(events.Key("alt+x", "x"))  # bound to nothing: nothing happens
        await pilot.pause()
        assert area.text == "a red kite the sea"

        # home and end still go to the line's start and end
        await pilot.press("home")
        assert area.cursor_location == (0, 0)
        await pilot.press("end")
        assert area.cursor_location == (0, len("a red kite the sea"))


async def test_the_prompts_keys_stay_in_the_prompt(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=SIZE) as pilot:
        area = await start(pilot, "a red kite")
        # on the model picker, ctrl+u and ctrl+a do not reach into the prompt
        app.main.query_one("#model").focus()
        await pilot.pause()
        await pilot.press("ctrl+u", "ctrl+a", "ctrl+w")
        assert area.text == "a red kite" and area.selected_text == ""
        # in the image field, the field's own keys: ctrl+a goes to its start there
        image = app.main.query_one("#image", Input)
        image.focus()
        image.value = "shots/kite.png"
        image.cursor_position = len(image.value)
        await pilot.press("ctrl+a")
        assert image.cursor_position == 0 and area.text == "a red kite"
        # the composer's select_all (for the command palette) focuses the prompt and selects it
        app.main.query_one(PromptComposer).select_all()
        await pilot.pause()
        assert app.focused is area and area.selected_text == "a red kite"


def test_every_composer_key_has_an_id_and_a_description_and_is_in_the_help() -> None:
    groups = dict(key_groups())
    composer = {b.id: b for b in groups["composer"]}
    for binding_id, key in [("composer.editor", "ctrl+e"), ("composer.select_all", "ctrl+a,f7"),
                            ("composer.delete_line_start", "ctrl+u"), ("composer.delete_line_end", "ctrl+k"),
                            ("composer.delete_word_left", "ctrl+w"), ("composer.delete_word_right", "alt+d"),
                            ("composer.word_left", "alt+b"), ("composer.word_right", "alt+f")]:
        assert composer[binding_id].key == key and composer[binding_id].description
    assert composer["composer.editor"].tooltip
    # none of them is also a key of the app or of the main screen (each would shadow the other)
    from sora_tui.tui.screens.main import MainScreen

    def keys(bindings) -> set[str]:
        return {k.strip() for b in bindings for k in b.key.split(",")}

    ours = keys(b for b in PromptComposer.BINDINGS)
    assert not ours & keys(SoraApp.BINDINGS) and not ours & keys(MainScreen.BINDINGS)
