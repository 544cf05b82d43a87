"""The command palette holds every action a key does: made from the bindings themselves, so a binding added anywhere
is there too. Checked on every screen it can be opened from (in Pilot, against the real engine), for every class
with bindings (a walk over them, so a new one is picked up), and by running commands from the palette itself."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import connected, history, wait_until
from textual.binding import Binding
from textual.command import CommandInput, CommandPalette
from textual.screen import ModalScreen
from textual.widgets import Input, TextArea

from sora_tui.core import i18n
from sora_tui.tui.app import SoraApp
from sora_tui.tui.keymap import CATEGORIES, OTHER, OWN_COMMANDS, binding_classes, category, own_bindings
from sora_tui.tui.screens.detail import JobDetailScreen
from sora_tui.tui.screens.help import HelpScreen
from sora_tui.tui.screens.history import HistoryScreen
from sora_tui.tui.screens.modals import TextScreen

WIDE = (160, 45)
PROMPT = "a paper boat on a rain puddle, low angle, slow push-in, soft rain"


def ids_of(cls: type) -> list[Binding]:
    return [b for b in own_bindings(cls) if b.id]


def test_every_binding_can_be_titled_in_the_palette() -> None:
    """Each binding with an id, in every class of the TUI, has what its palette command is made of: a category known
    for its id (a new kind of id needs one in tui/keymap.py) and a description; titles are unique in each class."""
    classes = binding_classes()
    assert {c.__name__ for c in classes} >= {"SoraApp", "MainScreen", "PromptComposer", "JobList", "HistoryScreen",
                                              "JobDetailScreen", "HelpScreen", "CompareScreen"}
    for cls in classes:
        titles = []
        for binding in ids_of(cls):
            assert binding.description, f"{cls.__name__}: {binding.id} has no description for the palette"
            assert category(binding.id or "") != OTHER, f"{binding.id}: no palette category for its first part"
            titles.append(f"{category(binding.id or '')}: {binding.description}")
        assert len(titles) == len(set(titles)), f"{cls.__name__}: two commands would have one title: {titles}"
    assert OTHER not in CATEGORIES.values()


def expected(app: SoraApp) -> dict[str, str]:
    """binding id -> its title, for every binding with an id of the app, its screen and the widgets on it."""
    screen = app.screen
    found: dict[str, str] = {}
    for node in (app, screen, *screen.walk_children()):
        for binding in ids_of(type(node)):
            if binding.id and binding.id not in OWN_COMMANDS:
                words = i18n._(binding.description)
                found.setdefault(binding.id, f"{i18n._(category(binding.id))}: {words}")
    return found


def palette_titles(app: SoraApp) -> list[str]:
    return [c.title for c in app.get_system_commands(app.screen)]


def assert_complete(app: SoraApp, seen: set[str]) -> None:
    titles = palette_titles(app)
    wanted = expected(app)
    missing = {i: t for i, t in wanted.items() if t not in titles}
    assert not missing, f"{type(app.screen).__name__}: not in the palette: {missing}"
    seen.update(wanted)
    assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)


async def run_from_palette(pilot, app: SoraApp, title: str) -> None:  # type: ignore[no-untyped-def]
    """Open the palette with its key, type the command's title and press enter: as the user does."""
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    app.screen.query_one(CommandInput).value = title
    await wait_until(pilot, lambda: app.screen.query_one("CommandList").option_count > 0, what=f"a hit for {title}")
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette), what="the palette closed")


async def test_every_key_on_every_screen_is_in_the_palette(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    seen: set[str] = set(OWN_COMMANDS)  # binding ids checked
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        app.main.query_one("#prompt", TextArea).text = PROMPT
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: bool(history(home)), what="the job")
        await wait_until(pilot, lambda: app.main.jobs_table.selected_local_id is not None, what="a job selected")
        assert_complete(app, seen)
        titles = palette_titles(app)
        # the composer's own keys, which the palette lacked
        for title in ("composer: Generate", "composer: Snippet", "composer: Tips", "composer: Image", "job: Retry",
                      "view: History", "view: Help", "app: Quit"):
            assert title in titles, title
        await pilot.press("ctrl+j", "slash")  # the table's filter box, with its own keys
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="the filter box")
        assert_complete(app, seen)
        await pilot.press("escape", "ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert_complete(app, seen)
        assert "history: Search" in palette_titles(app) and "job: Star" in palette_titles(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="the details")
        assert_complete(app, seen)
        assert "details: Remix" in palette_titles(app)
        await pilot.press("escape", "escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench")
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        assert_complete(app, seen)
        # the storyboards, and a new board (its first shot's editor closed unsaved)
        from sora_tui.tui.screens.board import BoardScreen
        from sora_tui.tui.screens.board_pick import BoardsScreen

        await pilot.press("escape", "ctrl+b")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardsScreen) and app.screen.loaded, what="boards")
        assert_complete(app, seen)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen), what="the title")
        app.screen.query_one(Input).value = "Shiba"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen) and app.screen.query("#shot-prompt"),
                         what="the first shot's editor")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardScreen), what="the board")
        assert_complete(app, seen)
    # what no screen above showed is a dialog's (its keys are in the palette while it is open, as everywhere)
    unseen = {b.id for c in binding_classes() if not issubclass(c, ModalScreen) for b in ids_of(c)} - seen
    assert not unseen, f"keys on no screen this test opened: {unseen}"


async def test_palette_commands_run_their_action(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: connected(app), what="the local engine")
        await run_from_palette(pilot, app, "composer: Tips")  # the checklist (f2)
        await wait_until(pilot, lambda: isinstance(app.screen, TextScreen), what="the checklist")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main, what="the workbench")
        await run_from_palette(pilot, app, "composer: Image")  # the reference image field (ctrl+r)
        await wait_until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "image",
                         what="the image field focused")
        app.main.query_one("#prompt", TextArea).text = PROMPT
        await run_from_palette(pilot, app, "composer: Generate")  # ctrl+g
        await wait_until(pilot, lambda: len(history(home)) == 1, what="the job generated from the palette")
        await wait_until(pilot, lambda: app.main.jobs_table.selected_local_id is not None, what="a job selected")
        await run_from_palette(pilot, app, "job: Star")
        await wait_until(pilot, lambda: any(j.starred for j in history(home)), what="the job starred")
        await run_from_palette(pilot, app, "view: History")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")


async def test_the_palette_speaks_japanese(ja: None, home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        titles = palette_titles(app)
        assert "表示: 履歴" in titles and "入力欄: 生成" in titles
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["表示: 履歴"] == "これまでの全ジョブを検索・絞り込み・閲覧 · ctrl+o"  # what it does, and its key
        assert not [t for t in titles if t.split(":")[0] in ("view", "composer", "job", "app")]
