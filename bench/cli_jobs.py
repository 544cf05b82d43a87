"""The headless CLI on a large history: the peak memory of `sora-tui jobs --search` listing every one of
50,000 matches, against `sora-tui jobs --limit 1` on the same history in the same run (the same open and
index, one job printed): what listing the matches adds to the memory of the command."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import history

NEEDLE = "a"  # in nearly every synthetic prompt: the most matches a search can have

# The child reads its own peak (VmHWM) as it exits. Not wait4's ru_maxrss: that keeps the high-water mark of
# the process as forked, before its exec, which is this benchmark's own memory (663 MB for every command).
CHILD = """
import atexit, os, runpy, sys

def peak():
    with open('/proc/self/status') as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith('VmHWM:'))
    with open(os.environ['BENCH_PEAK_FILE'], 'w') as out:
        out.write(str(kb))

atexit.register(peak)
if sys.argv[1:] == ['--import-only']:
    import sora_tui.cli
else:
    sys.argv[0] = 'sora-tui'
    runpy.run_module('sora_tui', run_name='__main__', alter_sys=True)
"""


def peak_rss(home: Path, *args: str) -> tuple[float, int]:
    """A real `sora-tui` process on `home` (`--import-only`: one that only imports the CLI): its peak RSS in
    MB and how many lines it printed."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile() as err:
        report = Path(tmp) / "peak"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SORA_TUI_"))}
        env.update(SORA_TUI_HOME=str(home), BENCH_PEAK_FILE=str(report))
        proc = subprocess.Popen([sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE, stderr=err,
                                env=env, stdin=subprocess.DEVNULL)
        out = proc.stdout
        assert out is not None
        lines = sum(block.count(b"\n") for block in iter(lambda: out.read(1 << 16), b""))
        if proc.wait():
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{args} exited {proc.returncode}: {tail}")
        return int(report.read_text()) / 1024, lines


def run(n: int = 50_000) -> list[dict[str, Any]]:
    with history.tui_homes(n) as (_, full):
        base, _ = peak_rss(full, "jobs", "--limit", "1")
        ours, matched = peak_rss(full, "jobs", "--search", NEEDLE)
        as_json, _ = peak_rss(full, "jobs", "--search", NEEDLE, "--json")
        every, listed = peak_rss(full, "jobs")
        bare, _ = peak_rss(full, "--import-only")
    what = f"`sora-tui jobs --search` peak RSS, {matched:,} of {n:,} jobs matching"
    return [{"area": "memory", "what": what, "ours": ours, "base": base, "unit": "MB", "min_ratio": 0.8,
             "baseline_label": "`jobs --limit 1`, same history",
             "note": f"peak RSS of the whole process (its VmHWM as it exits) listing every match of "
                     f"'{NEEDLE}'; the same with --json: {as_json:.0f} MB, `jobs` listing all {listed:,}: "
                     f"{every:.0f} MB, a bare `import sora_tui.cli`: {bare:.0f} MB. The matches are read 500 "
                     "at a time and printed as they come (decoding them all at once first, as before 12-06: "
                     "218 MB against 80 MB, 0.36x)"}]
