"""UI cold start: process start to the first interactive frame, sora-tui against a minimal Textual app
(one Input and a Footer) started the same way, in the same run."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sora_tui.engine import stop_engine

MINIMAL = """
import sys
from textual.app import App
from textual.widgets import Footer, Input

class Minimal(App):
    def compose(self):
        yield Input(placeholder="prompt")
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(self.ready)

    def ready(self):
        print("READY", flush=True)
        self.exit()

Minimal().run(headless=True, size=(160, 45))
"""

OURS = """
from sora_tui.tui.app import SoraApp
from sora_tui.tui.screens.main import MainScreen

class Timed(SoraApp):
    def on_main_screen_ready(self, event: MainScreen.Ready) -> None:
        super().on_main_screen_ready(event)
        self.call_after_refresh(self.ready)

    def ready(self):
        print("READY", flush=True)
        self.exit()

Timed().run(headless=True, size=(160, 45))
"""


def _start(code: str, env: dict[str, str]) -> float:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY"):
            took = time.perf_counter() - t
            break
    else:
        raise RuntimeError("the app never drew its first frame")
    proc.wait(30)
    return took


def run(rounds: int = 11) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SORA_TUI_HOME": home, "SORA_TUI_ENGINE_SPEED": "instant"}
        env.pop("SORA_TUI_CONFIG", None)
        # As on a user's machine: Python keeps compiled bytecode (this sandbox sets PYTHONDONTWRITEBYTECODE, which
        # would make our editable install recompile every module on every start while Textual's are precompiled).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _start(MINIMAL, env), _start(OURS, env)  # warm the OS file cache for both
        # 11 rounds: on this machine one start of the minimal app alone varied 212-298 ms (12-02); fewer let a
        # slow moment decide the ratio
        ours, minimal = [], []
        for _ in range(rounds):  # alternating, so neither gets a systematically warmer machine
            minimal.append(_start(MINIMAL, env))
            ours.append(_start(OURS, env))
        stop_engine(Path(home) / "engine")  # the engine the app started on demand
    o, m = statistics.median(ours), statistics.median(minimal)
    return [{"area": "ui", "what": "cold start to the first interactive frame", "ours": o * 1000, "base": m * 1000,
             "unit": "ms", "target": m * 1000 * 1.3, "baseline_label": "a minimal Textual app: Input + Footer",
             "note": f"target = 1.3x the minimal app; median of {rounds}, headless at 160x45, fresh processes"}]
