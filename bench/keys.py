"""Key press to updated screen with 1,000 live jobs updating every second and a 100,000-job history, and the
longest event-loop stall meanwhile; against the same TUI with an empty history and 20 rows that do not change (same run).

The live jobs are driven the way the service drives them: a JobProgressed event per job per second, handed to
the app's service-event bridge as the tracker hands it, so the figure is the UI's own cost; tracking itself is benchmarked in
bench/tracking.py. Each key is handed to the app as the terminal driver hands it a key from stdin, and timed
until the first frame that shows its effect (the table's cursor moved, the character in the prompt) has been
turned into terminal output (bench/probe.py, shared with bench/tui_downloads.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import history
from .probe import run_child

CHILD = r"""
import asyncio, json, sys, time
from sora_tui.runtime import responsive_gc, responsive_threads
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.tui.app import SoraApp
from sora_tui.service.events import JobProgressed
from sora_tui.tui.widgets.job_table import JobTable
from bench.probe import Probe, wait_for
from sora_tui.tui.screens.history import HistoryScreen
from sora_tui.tui.widgets.history_table import HistoryTable
from textual.widgets import Input, Static

LIVE, UPDATING = int(sys.argv[1]), sys.argv[2] == "updating"

async def main():
    responsive_threads()
    responsive_gc()  # as the TUI sets itself up (SoraApp)
    app = SoraApp(base_url="http://127.0.0.1:9/v1")  # no server: the UI's own cost is what is measured
    async with app.run_test(size=(160, 45)) as pilot:
        while app.session is None or app.session.service is None:  # the history is open and the table filled
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        for n in list(app._notifications):
            app._unnotify(n)
        probe = Probe(app)
        now = time.time()
        jobs = [Job.new(GenerationParams(f"live job {i}: a kite over dunes, slow pan left, wind"),
                        status=JobStatus.IN_PROGRESS, video_id=f"video_{i:032x}", progress=1,
                        submitted_at=now - 5) for i in range(LIVE)]
        def update():  # one tracker round: every live job progressed, as the service reports it to the app
            for job in jobs:
                job.progress = min(99, job.progress + 1)
                app._on_service_event(JobProgressed(job))
        update()
        if UPDATING:
            app.set_interval(1.0, update)
        probe.start_ticker()
        await pilot.pause(2.5)  # let the table fill and a few update rounds pass
        table = app.main.query_one(JobTable)
        table.focus()
        await pilot.pause(0.2)
        probe.watch_frames()

        timings = []
        probe.phase = "arrow keys"
        for key in ["down", "up"] * 60:
            row = table.cursor_row
            want = min(table.row_count - 1, row + 1) if key == "down" else max(0, row - 1)
            timings.append(await probe.timed(key, None, lambda w=want: table.cursor_row == w))
            await asyncio.sleep(0.03)
        # typing in the prompt (the tips read it as it is typed)
        prompt = app.main.query_one("#prompt")
        prompt.focus()
        await pilot.pause(0.2)
        typed = ""
        probe.phase = "typing"
        for ch in "a red kite over dunes at dusk, slow pan left":
            typed += ch
            key = "space" if ch == " " else "comma" if ch == "," else ch
            timings.append(await probe.timed(key, ch, lambda t=typed: prompt.text.endswith(t)))
            await asyncio.sleep(0.03)
        # searching the history browser (ctrl+o): each character until the results of its search are on screen
        probe.phase = "opening the history"
        probe.press("ctrl+o")
        await wait_for(lambda: isinstance(app.screen, HistoryScreen), "the history browser")
        count = app.screen.query_one("#history-count", Static)
        search = app.screen.query_one("#history-search", Input)
        # Each key is timed until both its count line and its rows are drawn: per widget, how many times it was
        # changed, and how many of those a frame has drawn (a frame with the widget, or the whole screen, in it).
        changes = {}
        def counted(widget, method):
            seen = changes[widget] = [0, 0]
            change = getattr(widget, method)
            def counted_change(*args, **kwargs):
                seen[0] += 1
                return change(*args, **kwargs)
            setattr(widget, method, counted_change)
        counted(app.screen.query_one(HistoryTable), "load")
        counted(count, "update")
        display = app._display  # the probe's: it checks whether the frame shows the key's effect
        def display_rows(screen, update):
            for widget, seen in changes.items():
                if widget in screen._dirty_widgets or screen in screen._dirty_widgets:
                    seen[1] = seen[0]
            display(screen, update)
        app._display = display_rows
        await wait_for(lambda: " job" in str(count.render()), "the history's first page")
        await pilot.pause(1.0)  # as a user reading the first page: the search's index is built in a thread meanwhile
        searched = []
        probe.phase = "history search"
        for phrase in ("lighthouse at dusk", "neon rain reflections"):
            search.value = ""  # a new search: the box emptied (not timed), the whole history listed again
            await wait_for(lambda: "matching" not in str(count.render()), "the unfiltered history")
            await pilot.pause(0.3)
            typed = ""
            for ch in phrase:
                typed += ch
                shown = f"matching {typed.strip()}"  # the count line of this keystroke's search (the rows came with it)
                searched.append(await probe.timed("space" if ch == " " else ch, ch, lambda t=typed, m=shown: search.value == t
                                                  and (str(count.render()) + " ").find(m + " ") >= 0
                                                  and all(done == drawn for done, drawn in changes.values()),
                                                  lambda: f"{search.value!r}: {count.render()}"))
                await asyncio.sleep(0.03)
        history = probe.summary(searched)
        print(json.dumps({**probe.summary(timings), "rows": table.row_count, "search_p95": history["p95"],
                          "search_p50": history["p50"], "search_count": str(count.render())}))

asyncio.run(main())
"""


BASE_ROWS = 20  # the baseline's table: a few still rows, so the arrow keys have somewhere to go


def _measure(home: Path, live: int, updating: bool) -> dict[str, float]:
    return run_child(CHILD, home, str(live), "updating" if updating else "still", what="the key benchmark")


RUNS = 5  # the history browser's targets hold in this many runs in a row, or they are not met (the worst is shown)


def run(n: int = 100_000, live: int = 1_000, runs: int = 1) -> list[dict[str, Any]]:
    """The figures of `runs` runs of each side in turn (the history made once); each row shows the worst run, its
    note every run's figure."""
    with history.tui_homes(n) as (empty, full):
        # The 250 MB just written (the history, its backup and index) on disk first: the first run otherwise shared
        # the cores with the kernel writing them back.
        os.sync()
        pairs = [(_measure(empty, BASE_ROWS, updating=False), _measure(full, live, updating=True)) for _ in range(runs)]

    def worst(key: str, side: int) -> float:
        return max(pair[side][key] for pair in pairs)

    def each(key: str) -> str:
        return "" if runs == 1 else f"; {runs} runs in a row: " + ", ".join(f"{p[1][key] * 1000:.1f}" for p in pairs) + " ms"

    base, ours = pairs[-1]
    what = f"key press to updated screen, p95 ({live:,} live jobs updating every second, {n:,} in history)"
    return [
        {"area": "ui", "what": what, "ours": worst("p95", 1) * 1000, "base": worst("p95", 0) * 1000, "unit": "ms",
         "target": 50.0, "baseline_label": "the same TUI, empty history, 20 still rows",
         "note": f"120 arrow keys in the job table and 44 typed characters, 30 ms apart; p50 {ours['p50'] * 1000:.1f} ms "
                 f"(baseline p50 {base['p50'] * 1000:.1f} ms){each('p95')}"},
        {"area": "ui", "what": f"key press to search results shown in the history browser, p95 ({n:,} jobs)",
         "ours": worst("search_p95", 1) * 1000, "base": worst("search_p95", 0) * 1000, "unit": "ms", "target": 35.0,
         "baseline_label": "the same TUI, empty history",
         "note": f"typing 'lighthouse at dusk', then 'neon rain reflections', in the browser's search box (ctrl+o), 30 ms apart, each timed until the "
                 f"count line of its search and its rows are on screen; p50 {ours['search_p50'] * 1000:.1f} ms "
                 f"(baseline p50 {base['search_p50'] * 1000:.1f} ms); last: '{ours['search_count']}'{each('search_p95')}"},
        {"area": "ui", "what": "longest event-loop stall during that run", "ours": worst("stall", 1) * 1000,
         "base": worst("stall", 0) * 1000, "unit": "ms", "target": 50.0,
         "baseline_label": "the same TUI, empty history, 20 still rows",
         "note": "lateness of a 5 ms timer on the UI's event loop, over the whole run (keys, typing, the history search); "
                 f"the longest, with what was going on and how far into it: {'; '.join(ours['worst'][:3])}{each('stall')}"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
