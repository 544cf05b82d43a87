"""The user's keymap: the config file's [keymap] moves bindings by id; an unknown id, a key that is not one and two
bindings on one key where both work are each reported with the file and the entry's line; the valid entries apply,
and the key bar and the help show the user's keys. Against the real config file and, in Pilot, the real engine."""

from __future__ import annotations

import io
from pathlib import Path

from pilot_helpers import connected, notifications, shown, wait_until
from rich.console import Console
from textual.widgets import Static, TextArea

from sora_tui.config.keymap import read_keymap
from sora_tui.tui.app import SoraApp
from sora_tui.tui.keymap import CheckedKeymap, check, keys_shown, known_ids, load, normal_keys, problems_text
from sora_tui.tui.screens.help import HelpScreen
from sora_tui.tui.screens.history import HistoryScreen
from sora_tui.tui.widgets.key_bar import KeyBar

WIDE = (160, 45)


def write(home: Path, keymap: str, before: str = "") -> Path:
    path = home / "config.toml"
    path.write_text(f"{before}[keymap]\n{keymap}", encoding="utf-8")
    return path


def checked(path: Path) -> CheckedKeymap:
    return check(read_keymap(path))


def problems(path: Path) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in checked(path).problems]


def test_no_keymap_costs_nothing_and_says_nothing(home: Path) -> None:
    assert load(home / "config.toml").keymap == {}  # no file
    (home / "config.toml").write_text('default_profile = "local"\n', encoding="utf-8")
    found = checked(home / "config.toml")
    assert found.keymap == {} and found.problems == ()


def test_entries_are_applied_by_id_in_textuals_names(home: Path) -> None:
    path = write(home, '"job.retry" = "f5"\n"app.history" = "ctrl+h, f9"\n"app.help" = "?"\n')
    found = checked(path)
    assert found.problems == ()
    assert found.keymap == {"job.retry": "f5", "app.history": "ctrl+h,f9", "app.help": "question_mark"}


def test_an_unknown_id_is_reported_with_its_line_and_the_nearest_id(home: Path) -> None:
    path = write(home, '"job.retry" = "f5"\n\n"job.retyr" = "f6"\n"nothing.like.it" = "f7"\n',
                 before='default_profile = "local"\n\n')
    found = problems(path)
    assert found[0] == (6, '"job.retyr": no binding has this id. Did you mean "job.retry"?')
    assert found[1][0] == 7 and "no binding has this id" in found[1][1] and "Did you mean" not in found[1][1]
    assert checked(path).keymap == {"job.retry": "f5"}  # the valid entry applies all the same
    assert str(checked(path).problems[0]).startswith(f"{path}:6: ")  # as a compiler says it, for an editor
    # before the first frame only the keys are checked (the ids once it is drawn): nothing of the screens imported
    assert load(path).problems == () and load(path).keymap["job.retry"] == "f5"


def test_empty_and_unparseable_keys_are_reported_with_their_lines(home: Path) -> None:
    path = write(home, '"job.star" = ""\n"job.copy" = "ctrl+banana"\n"job.open" = 5\n"job.note" = "f5,,f6"\n'
                       '"job.edit" = "Ctrl+e"\n"job.extend" = "  "\n')
    found = dict(problems(path))
    assert found[2] == '"job.star": no key given.'
    assert '"ctrl+banana" is not a key' in found[3]
    assert "expected keys in quotes" in found[4] and "not 5" in found[4]
    assert found[5] == '"job.note": an empty key between commas.'
    assert '"Ctrl+e" is not a key' in found[6]  # Textual's names are lower case
    assert found[7] == '"job.extend": no key given.'
    assert checked(path).keymap == {}


def test_not_toml_is_reported_with_its_line(home: Path) -> None:
    path = write(home, '"job.retry" = "f5"\n"job.star" = \n')
    [(line, message)] = problems(path)
    assert line == 3 and "not valid TOML" in message


def test_lines_are_found_however_the_table_is_written(home: Path) -> None:
    path = home / "config.toml"
    path.write_text('[profiles.x]\nbase_url = "http://127.0.0.1:1"\n\n[keymap]\njob.retyr = "f5"  # dotted\n'
                    '"app.help" = "f8"\n', encoding="utf-8")
    assert [(e.binding_id, e.line) for e in read_keymap(path).entries] == [("job.retyr", 5), ("app.help", 6)]
    path.write_text('[keymap.app]\nhelp = "f6"\n\n[keymap.job]\n# a comment\nstra = "f6"\n', encoding="utf-8")
    assert [(e.binding_id, e.line) for e in read_keymap(path).entries] == [("app.help", 2), ("job.stra", 6)]
    path.write_text('keymap = { "job.retry" = "f5", "job.stra" = "f6" }\n', encoding="utf-8")
    assert [(e.binding_id, e.line) for e in read_keymap(path).entries] == [("job.retry", 1), ("job.stra", 1)]
    path.write_text('keymap = "f5"\n', encoding="utf-8")
    [problem] = read_keymap(path).problems
    assert problem.line == 1 and "expected a table" in problem.message


def test_a_clash_with_a_key_that_stays_is_reported_with_its_line(home: Path) -> None:
    path = write(home, '"job.retry" = "f5"\n"app.tips" = "ctrl+g"\n')
    assert problems(path) == [(3, '"app.tips": ctrl+g is "app.generate" there too; put one of them on another key.')]
    # ... unless that one moves away too
    assert problems(write(home, '"app.generate" = "f9"\n"app.tips" = "ctrl+g"\n')) == []


def test_two_remapped_bindings_on_one_key_are_each_reported(home: Path) -> None:
    found = problems(write(home, '"job.star" = "f5"\n"job.retry" = "f5"\n'))
    assert [line for line, _ in found] == [2, 3]
    assert '"job.star": f5 is "job.retry"' in found[0][1] and '"job.retry": f5 is "job.star"' in found[1][1]


def test_the_apps_keys_clash_with_a_screens_where_both_work(home: Path) -> None:
    # ctrl+j is the workbench's "Jobs" and the history's "Results": the app's key would meet both
    [(line, message)] = problems(write(home, '"app.history" = "ctrl+j"\n'))
    assert line == 2 and '"app.jobs"' in message and '"history.results"' in message
    # Textual's own keys count: tab moves the focus on every screen, ctrl+p opens the palette
    assert "Focus Next" in problems(write(home, '"app.theme" = "tab"\n'))[0][1]
    assert "palette" in problems(write(home, '"app.theme" = "ctrl+p"\n'))[0][1]
    # a dialog stops the app's keys (but the priority ones): y there is no clash with the theme's key
    assert problems(write(home, '"app.theme" = "y"\n')) == []
    assert '"confirm.yes"' in problems(write(home, '"app.quit" = "y"\n'))[0][1]  # ctrl+q works everywhere


def test_a_key_the_table_already_takes_from_textual_is_no_clash(home: Path) -> None:
    # the table's enter is the job's details; DataTable's own enter never ran, moving the details keeps it so
    assert problems(write(home, '"job.details" = "enter,f6"\n')) == []
    assert '"job.details"' in problems(write(home, '"job.retry" = "enter"\n'))[0][1]


def test_every_binding_on_its_own_keys_is_no_clash() -> None:
    """The defaults agree with one another: a keymap that names every binding with its own keys reports nothing
    (a binding added with a key another one in the same place has fails here)."""
    from sora_tui.config.keymap import KeymapEntry, KeymapFile

    ids = known_ids()
    entries = tuple(KeymapEntry(i, b.key, n) for n, (i, b) in enumerate(sorted(ids.items()), 1))
    found = check(KeymapFile(Path("config.toml"), entries))
    assert found.problems == (), problems_text(found.problems)
    assert len(found.keymap) == len(ids) > 60


def test_normal_keys() -> None:
    assert normal_keys("?") == ["question_mark"] and normal_keys("$,=") == ["dollar_sign", "equals_sign"]
    assert normal_keys("ctrl+shift+up") == ["ctrl+shift+up"] and normal_keys("G") == ["G"]
    assert normal_keys("space") == ["space"] and normal_keys("banana") is None and normal_keys("hyper+") is None


def test_problems_are_said_in_japanese(ja: None, home: Path) -> None:
    found = problems(write(home, '"job.retyr" = "f5"\n"job.star" = ""\n'))
    assert found[0][0] == 2 and "job.retry" in found[0][1] and "binding" not in found[0][1]
    assert found[1][0] == 3 and "no key" not in found[1][1]


async def test_a_remapped_key_runs_the_action_and_the_old_one_does_not(home: Path, engine_daemon: Path) -> None:
    write(home, '"app.history" = "ctrl+h,f9"\n"app.help" = "f8"\n')
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        assert not notifications(app)  # a keymap with nothing wrong says nothing
        await pilot.press("ctrl+o")  # the old key: nothing
        await pilot.pause(0.2)
        assert app.screen is app.main
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history by f9")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench again")
        await pilot.press("ctrl+h")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history by ctrl+h")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench again")
        # the key bar shows the user's keys, not the defaults
        bar = shown(app.main.query_one(KeyBar))
        assert " f8 Help " in bar and " ^h History " in bar and "f1" not in bar and "^o" not in bar
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["view: History"].endswith(" · ctrl+h / f9")  # the palette names the user's keys too
        await pilot.press("f1")  # moved away: f1 no longer opens the help
        await pilot.pause(0.2)
        assert app.screen is app.main
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help by f8")
        console = Console(width=150, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#help-keys", Static).content)
        text = console.export_text()
        history_row = next(line for line in text.splitlines() if "Search, filter and browse" in line)
        assert history_row.split()[:3] == ["ctrl+h", "/", "f9"]
        help_row = next(line for line in text.splitlines() if "Every key, grouped" in line)
        assert help_row.split()[0] == "f8"
        assert app.screen.query_one("#help-box").border_title == "Keys · F8 or esc to close"
        intro = app.screen.query_one("#help-intro", Static).content
        assert "ctrl+h opens the history" in intro.plain and "ctrl+g to generate" in intro.plain


async def test_problems_are_shown_until_dismissed_and_the_valid_entries_apply(home: Path,
                                                                            engine_daemon: Path) -> None:
    path = write(home, '"app.history" = "f9"\n"job.retyr" = "f5"\n"app.tips" = "ctrl+g"\n')
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: bool(notifications(app)), what="the keymap's problems")
        [note] = notifications(app)
        assert note.severity == "error" and note.timeout >= 3600
        assert note.message.splitlines() == [
            str(path),
            'line 3: "job.retyr": no binding has this id. Did you mean "job.retry"?',
            'line 4: "app.tips": ctrl+g is "app.generate" there too; put one of them on another key.']
        await pilot.press("f9")  # the valid entry applies
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history by f9")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench again")
        app.main.query_one("#prompt", TextArea).text = "a heron in the reeds at dawn, slow pan, birdsong"
        await pilot.press("ctrl+g")  # the key the clash is about: still the default's (the clashing entry applies,
        await pilot.pause(0.2)  # and Textual gives the key to the first binding that has it)
        assert notifications(app)[0] is note  # still there


async def test_question_mark_opens_the_help_where_it_is_not_typed(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        prompt = app.main.query_one("#prompt", TextArea)
        await pilot.press("question_mark")  # in the prompt it is typed
        await pilot.pause()
        assert prompt.text == "?" and app.screen is app.main
        await pilot.press("ctrl+j", "question_mark")  # in the job table (no key of its own there) it is help
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help by ?")
        await pilot.press("question_mark")  # and closes it, as f1 does
        await wait_until(pilot, lambda: app.screen is app.main, what="the help closed by ?")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        await pilot.press("question_mark")  # the history's search box has the focus: typed there
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)


def test_keys_shown() -> None:
    ids = known_ids()
    assert keys_shown(ids["app.help"], {}) == "f1 / ?"
    assert keys_shown(ids["app.spending"], {}) == "$"  # its own key_display
    assert keys_shown(ids["app.spending"], {"app.spending": "f8,dollar_sign"}) == "f8 / $"


def test_the_keys_doc_lists_every_binding_id() -> None:
    """docs/KEYS.md is where the ids a keymap names are found: each one is in it, with its default keys."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "KEYS.md").read_text(encoding="utf-8")
    missing = []
    for binding_id, binding in sorted(known_ids().items()):
        row = next((line for line in doc.splitlines() if f"| `{binding_id}` |" in line), None)
        first = keys_shown(binding, {}).split(" / ")[0]
        if row is None or f"`{first}`" not in row:
            missing.append(f"{binding_id} ({first})")
    assert not missing, f"docs/KEYS.md lacks: {missing}"
