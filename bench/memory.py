"""The TUI's memory with a 100,000-job history, against the same TUI with an empty history (same run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import history

CHILD = """
import asyncio
from sora_tui.runtime import responsive_gc, responsive_threads
from sora_tui.tui.app import SoraApp

def rss_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024

async def main():
    responsive_threads()
    responsive_gc()  # as the TUI sets itself up (SoraApp)
    app = SoraApp(base_url='http://127.0.0.1:9/v1')  # no server needed: the history is what is measured
    async with app.run_test(size=(160, 45)) as pilot:
        while app.session is None and app.sub_title != 'not connected':
            await pilot.pause(0.1)
        await pilot.pause(1.0)
        print(rss_mb())

asyncio.run(main())
"""


def _tui_rss(home: Path) -> float:
    env = {**os.environ, "SORA_TUI_HOME": str(home), "OPENAI_API_KEY": "bench-key"}
    env.pop("SORA_TUI_CONFIG", None)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run(n: int = 100_000) -> list[dict[str, Any]]:
    with history.tui_homes(n) as (empty, full):
        base, ours = _tui_rss(empty), _tui_rss(full)
    return [{"area": "memory", "what": f"TUI RSS with {n:,} jobs in history", "ours": ours, "base": base, "unit": "MB",
             "target": 300.0, "baseline_label": "the same TUI, empty history",
             "note": "a headless TUI at 160x45 after the history is loaded and the table drawn (VmRSS)"}]
