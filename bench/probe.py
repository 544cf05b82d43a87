"""What a user at the terminal feels of a headless SoraApp, measured from inside its process: keys, and stalls.

Each key is handed to the app as the terminal driver hands it a key from stdin, and timed until the first frame
that shows its effect (the table's cursor moved, the character in the prompt) has been turned into terminal output.
Not pilot.press: it waits for the whole process to go idle, which with live updates and a 5 ms probe timer
measures Pilot's idle heuristic, not the key. A 5 ms timer on the app's event loop records how late each of its
ticks came: the longest wait is the longest the screen could not have answered anything.

Used by the benchmarks' child processes (bench/keys.py, bench/tui_downloads.py), each a fresh interpreter set up as
the TUI sets itself up; `run_child` starts one on a data dir of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TICK = 0.005
ROOT = Path(__file__).resolve().parents[1]


class Probe:
    """Keys timed to the screen and the event loop's lateness, in a running app (inside `app.run_test`)."""

    def __init__(self, app: Any) -> None:
        from textual._compositor import CompositorUpdate
        from textual.events import Key

        self.app = app
        self.stalls: list[tuple[float, str]] = []  # (time between two ticks, what was going on and since when)
        self._phase, self._phase_at = "settling", time.perf_counter()
        self._update, self._key = CompositorUpdate, Key
        self._watch: dict[str, Any] = {"done": None, "at": None}

    @property
    def phase(self) -> str:
        return self._phase

    @phase.setter
    def phase(self, what: str) -> None:
        self._phase, self._phase_at = what, time.perf_counter()

    def start_ticker(self) -> None:
        last = [time.perf_counter()]

        def beat() -> None:
            t = time.perf_counter()
            # where the stall began, in ms into its phase: which frame of "opening the history" it was
            self.stalls.append((t - last[0], f"{self._phase}, +{(last[0] - self._phase_at) * 1000:.0f} ms"))
            last[0] = t

        self.app.set_interval(TICK, beat)

    def watch_frames(self) -> None:
        """From now on a frame is "shown" when the compositor's update has been turned into the bytes a terminal
        would get (headless mode skips that step, so it is done here: a real terminal pays for it)."""
        app, watch, original = self.app, self._watch, self.app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if isinstance(renderable, self._update):
                renderable.render_segments(app.console)
            if watch["done"] is not None and watch["at"] is None and watch["done"]():
                watch["at"] = time.perf_counter()

        app._display = display

    async def timed(self, key: str, char: str | None, done: Callable[[], bool],
                    state: Callable[[], str] | None = None) -> float:
        """Seconds from `key` handed to the app to the first frame shown with `done()` true (watch_frames first);
        `state` says what the screen showed instead, if that never came."""
        watch = self._watch
        watch["done"], watch["at"] = done, None
        t = time.perf_counter()
        self.press(key, char)
        while watch["at"] is None:
            if time.perf_counter() - t > 10:
                shown = f" (it shows {state()!r})" if state is not None else ""
                raise RuntimeError(f"the key {key!r} never reached the screen{shown}")
            await asyncio.sleep(0.0005)
        watch["done"] = None
        return watch["at"] - t

    def press(self, key: str, char: str | None = None) -> None:
        self.app._driver.send_message(self._key(key, char))  # what the terminal driver does with a key from stdin

    def summary(self, timings: list[float], phase: str | None = None) -> dict[str, Any]:
        """p95 and p50 of the key timings; the longest lateness of the ticker (after its first 10 ticks, or only
        while `phase` was going on) and the five longest with what was going on."""
        timings = sorted(timings)
        late = sorted(((gap - TICK, what) for gap, what in self.stalls[10:]
                       if phase is None or what.split(",")[0] == phase), reverse=True)
        return {"p95": timings[int(0.95 * (len(timings) - 1))], "p50": statistics.median(timings),
                "stall": late[0][0] if late else 0.0,
                "worst": [f"{gap * 1000:.0f} ms ({what})" for gap, what in late[:5]]}


async def wait_for(done: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Until `done()`, checked every 10 ms; a RuntimeError naming `what` after `timeout` seconds."""
    t = time.perf_counter()
    while not done():
        if time.perf_counter() - t > timeout:
            raise RuntimeError(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.01)


def run_child(code: str, home: Path, *args: str, what: str = "the benchmark") -> dict[str, Any]:
    """Run `code` in a fresh interpreter with `home` as its data dir (no config but the one there, a dummy API key);
    its last line of output is its figures, as JSON."""
    env = {**os.environ, "SORA_TUI_HOME": str(home), "OPENAI_API_KEY": "bench-key"}
    env.pop("SORA_TUI_CONFIG", None)
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=600,
                         cwd=ROOT, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{what} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
