"""Opening the history browser: the other screens' styles are read while the workbench is idle after start (not when
the first of them opens), a double ctrl+o opens one browser, and its filters and index are read after its first page."""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import wait_until
from textual.css.stylesheet import Stylesheet

from sora_tui.tui.app import SoraApp
from sora_tui.tui.css import SCREENS_CSS
from sora_tui.tui.screens.history import HistoryScreen, HistoryTable
from sora_tui.tui.widgets.picker import Picker

OFFLINE = "http://127.0.0.1:9/v1"


def _read(app: SoraApp) -> bool:
    return all(app.stylesheet.has_source(str(path), "") for path in SCREENS_CSS)


async def test_the_screens_styles_are_read_once_the_workbench_is_up(home: Path, monkeypatch) -> None:
    reparsed: list[int] = []
    original = Stylesheet.reparse

    def counted(self) -> None:  # type: ignore[no-untyped-def]
        reparsed.append(1)
        original(self)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the session")
        await wait_until(pilot, lambda: _read(app), what="the screens' styles", timeout=10)
        reparsed.clear()
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        assert reparsed == []  # nothing parsed again as it opened
        picker = app.screen.query_one("#filter-status", Picker)
        assert picker.region.width == 12  # styled by screens.tcss: a filter at 100 columns (narrow) is 12 wide


async def test_ctrl_o_twice_opens_one_history(home: Path) -> None:
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the session")
        await pilot.press("ctrl+o", "ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        await pilot.pause(0.2)
        assert sum(isinstance(s, HistoryScreen) for s in app.screen_stack) == 1


async def test_the_filters_fill_in_after_the_first_page(home: Path) -> None:
    from sora_tui.core.job import Job
    from sora_tui.core.params import GenerationParams
    from sora_tui.store import HistoryStore

    store = HistoryStore(home / "history.json")
    for model in ("sora-2", "sora-2-pro"):
        store.add(Job.new(GenerationParams(f"a kite, made with {model}", model=model)))
    store.close()
    app = SoraApp(base_url=OFFLINE)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, what="the session")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query_one(HistoryTable).row_count == 2, what="the first page")
        models = screen.query_one("#filter-model", Picker)
        await wait_until(pilot, lambda: len(models.options) == 3, what="the models to filter by")
        assert [value for _, value in models.options] == ["", "sora-2", "sora-2-pro"]
