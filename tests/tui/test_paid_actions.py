"""No paid action by accident: on a priced profile a paid key asks first (the same key again or enter sends, escape
cancels), typing meant for the prompt never acts on jobs, and a refused job is not sent again as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pilot_helpers import (
    connected,
    history,
    notifications,
    status_text,
    wait_until,
    write_priced_config,
)
from textual.widgets import TextArea

from sora_tui.core.status import JobStatus
from sora_tui.tui.app import SoraApp
from sora_tui.tui.widgets.job_table import JobTable

WIDE = (160, 45)
PROMPT = "a red kite over a windy beach at golden hour, gulls crying"


@pytest.fixture
def priced(home: Path, local_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A profile with a price, served by the real local engine (so it costs nothing to test)."""
    write_priced_config(tmp_path, local_engine.base_url, monkeypatch)
    return home


def notified(app: SoraApp, text: str) -> bool:
    return any(text in str(n.message) for n in notifications(app))


def done(home: Path, count: int) -> bool:
    jobs = history(home)
    return len(jobs) == count and all(j.status in (JobStatus.DOWNLOADED, JobStatus.COMPLETED, JobStatus.FAILED)
                                      for j in jobs)


async def first_job(pilot, home: Path, prompt: str = PROMPT, *, confirm: bool = False) -> JobTable:
    """Generate one job from the composer (confirming on a priced profile), wait until it ended, select it."""
    app = pilot.app
    await wait_until(pilot, lambda: connected(app), what="the server")
    app.main.query_one("#prompt", TextArea).text = prompt
    await pilot.press("ctrl+g")
    if confirm:
        await pilot.pause(0.5)
        assert history(home) == [], "ctrl+g alone sent a job on a priced profile"
        assert "$1.00" in status_text(app) and "ctrl+g" in status_text(app)
        await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: done(home, 1), what="the first job")
    table = app.main.query_one(JobTable)
    await wait_until(pilot, lambda: table.row_count == 1, what="its row")
    table.focus()
    await pilot.pause()
    return table


async def test_on_a_priced_profile_a_paid_key_asks_first_and_a_second_key_sends_once(priced: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await first_job(pilot, priced, confirm=True)
        # r alone: nothing sent; the status line says what it would send and what it costs (4 s at $0.25)
        await pilot.press("r")
        await wait_until(pilot, lambda: "Retry" in status_text(app), what="the question")
        assert "$1.00" in status_text(app) and "sora-2" in status_text(app)
        await pilot.pause(0.5)
        assert len(history(priced)) == 1
        # the same key again sends exactly one retry
        await pilot.pause(0.4)  # a deliberate second press, not typing
        await pilot.press("r")
        await wait_until(pilot, lambda: len(history(priced)) == 2, what="the retry")
        assert "Retry" not in status_text(app)
        await pilot.pause(0.5)
        assert len(history(priced)) == 2
        # escape cancels
        await pilot.press("r")
        await wait_until(pilot, lambda: "Retry" in status_text(app), what="the question")
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert len(history(priced)) == 2 and "Retry" not in status_text(app)
        # takes: two of them, twice the price; enter sends
        await pilot.pause(0.4)
        await pilot.press("v")
        await wait_until(pilot, lambda: "2 takes of" in status_text(app), what="the question")
        assert "$2.00" in status_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(history(priced)) == 4, what="the takes")
        await pilot.pause(0.5)
        assert len(history(priced)) == 4


async def test_on_the_free_local_engine_retry_sends_at_once(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await first_job(pilot, home)
        await pilot.press("r")
        await wait_until(pilot, lambda: len(history(home)) == 2, what="the retry")
        assert "Retry" not in status_text(app)


async def test_the_setting_off_sends_at_once_and_is_remembered(priced: Path) -> None:
    (priced / "ui.json").write_text(json.dumps({"confirm_paid": False}), encoding="utf-8")
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await first_job(pilot, priced)  # ctrl+g sends at once too
        await pilot.press("r")
        await wait_until(pilot, lambda: len(history(priced)) == 2, what="the retry")
        # switched back on from the palette's command: remembered in ui.json
        app.action_toggle_confirm_paid()
        await wait_until(pilot, lambda: json.loads((priced / "ui.json").read_text()).get("confirm_paid") is True,
                         what="the setting saved")
        await pilot.pause(0.4)
        await pilot.press("r")
        await wait_until(pilot, lambda: "Retry" in status_text(app), what="the question")
        await pilot.pause(0.5)
        assert len(history(priced)) == 2


async def test_the_environment_turns_the_question_off(priced: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORA_TUI_CONFIRM_PAID", "0")
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await first_job(pilot, priced)
        await pilot.press("r")
        await wait_until(pilot, lambda: len(history(priced)) == 2, what="the retry")


async def typing_into_the_table(pilot, home: Path, confirm: bool = False):  # type: ignore[no-untyped-def]
    """A first job on screen, the prompt emptied and the table focused: where a slip of typing starts."""
    table = await first_job(pilot, home, confirm=confirm)
    prompt = pilot.app.main.query_one("#prompt", TextArea)
    prompt.text = ""
    table.focus()
    await pilot.pause(0.4)
    return table, prompt


async def test_text_typed_into_the_table_goes_to_the_prompt_and_sends_nothing(home: Path, engine_daemon: Path) -> None:
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        _table, prompt = await typing_into_the_table(pilot, home)
        await pilot.press(*"a red kite")
        await pilot.pause(0.8)
        assert prompt.text == "a red kite" and app.focused is prompt
        job = history(home)[0]
        assert len(history(home)) == 1 and not job.starred


async def test_typing_that_begins_with_a_paid_key_sends_nothing(priced: Path) -> None:
    """'rain' typed into the table on a priced profile: r asks, the a that follows at once is typing, and the
    whole word ends up in the prompt."""
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        _table, prompt = await typing_into_the_table(pilot, priced, confirm=True)
        await pilot.press(*"rain")
        await pilot.pause(0.8)
        assert prompt.text == "rain" and "Retry" not in status_text(app)
        assert len(history(priced)) == 1


async def test_a_bound_key_in_a_burst_of_typing_does_not_act(home: Path, engine_daemon: Path) -> None:
    """s (star) right after other typing is a letter of the prompt, not a star."""
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        table, prompt = await typing_into_the_table(pilot, home)
        await pilot.press("s")  # one deliberate press still stars
        await wait_until(pilot, lambda: history(home)[0].starred, what="the star")
        assert app.focused is table
        await pilot.pause(0.4)
        await pilot.press("a", "s")  # a is no job key: typing, which the s right after it is part of
        await pilot.pause(0.8)
        assert prompt.text == "as" and history(home)[0].starred


async def test_retry_of_a_refused_job_opens_the_composer_instead(home: Path, engine_daemon: Path) -> None:
    refused = "mickey mouse waving on a pier at dawn, slow dolly in"
    app = SoraApp()
    async with app.run_test(size=WIDE) as pilot:
        await first_job(pilot, home, refused)
        job = history(home)[0]
        assert job.status == JobStatus.FAILED and job.error.code == "moderation_blocked"
        prompt = app.main.query_one("#prompt", TextArea)
        prompt.text = ""
        await pilot.press("r")
        await wait_until(pilot, lambda: prompt.text == refused, what="the prompt in the composer")
        assert notified(app, "moderation_blocked") and notified(app, "mickey mouse")
        assert app.focused is prompt
        await pilot.pause(0.5)
        assert len(history(home)) == 1
        # more takes of it would be refused too: the same
        prompt.text = ""
        app.main.query_one(JobTable).focus()
        await pilot.pause(0.4)
        await pilot.press("v")
        await wait_until(pilot, lambda: prompt.text == refused, what="the prompt in the composer again")
        await pilot.pause(0.5)
        assert len(history(home)) == 1
