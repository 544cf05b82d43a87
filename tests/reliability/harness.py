"""Shared pieces of the reliability harnesses: real CLI processes, the server's truth, and the figures file.

Each harness writes its own section of figures from the numbers it measured (never a number typed by hand).
Where the sections go:

- by default (a plain `python -m pytest`): `build/reliability-figures.md` under the repository root, which
  git ignores, so a test run never rewrites a tracked file. Each write prints the file's path.
- with `SORA_TUI_WRITE_RELIABILITY=1` in the environment: the harness's own section of
  `docs/RELIABILITY.md`, between its `<!-- harness:NAME:start -->` and `<!-- harness:NAME:end -->` markers,
  replaced in place. This is how the published figures are refreshed: `python scripts/reliability.py` runs the
  harnesses so. Everything outside the markers (the header and the promise table) is left as it is.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openai

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "RELIABILITY.md"  # tracked: written only when WRITE_DOC_ENV is set to 1
FIGURES = ROOT / "build" / "reliability-figures.md"  # untracked (build/ is in .gitignore): the default
WRITE_DOC_ENV = "SORA_TUI_WRITE_RELIABILITY"
KEY = "sk-harness-key-0123456789"

HEADER = """# Reliability

What sora-tui promises in its README, the test that proves each promise, and the figures the reliability
harnesses measured.
"""

FIGURES_HEADER = f"""# Reliability figures (this checkout's last test run)

Written by the harnesses in `tests/reliability/` on every test run. This file is not tracked; the published
figures are in `docs/RELIABILITY.md`, which the harnesses write only when `{WRITE_DOC_ENV}=1` is set.
"""


def report_path() -> Path:
    """Where write_section writes: docs/RELIABILITY.md when SORA_TUI_WRITE_RELIABILITY=1, else build/."""
    return DOC if os.environ.get(WRITE_DOC_ENV) == "1" else FIGURES


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SORA_TUI_"))}
    env.update(SORA_TUI_HOME=str(home), OPENAI_API_KEY=KEY, SORA_TUI_NO_PROGRESS="1")
    return env


def spawn_cli(home: Path, base_url: str | None, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A real `sora-tui` process on `home`, pointed at `base_url` (None: whatever its config says)."""
    target = ["--base-url", base_url] if base_url else []
    return subprocess.Popen(
        [sys.executable, "-m", "sora_tui", *target, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**cli_env(home), **(env_extra or {})},
    )


def killed_after(proc: subprocess.Popen[str], delay: float) -> bool:
    """Let `proc` run for `delay` seconds, then SIGKILL it if it is still running (its output read either way);
    True when it was killed."""
    try:
        proc.wait(timeout=delay)
        killed = False
    except subprocess.TimeoutExpired:  # still running: this is the moment to kill it
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        killed = True
    proc.communicate()
    return killed


def run_cli(home: Path, base_url: str | None, *args: str, timeout: float = 180,
            env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = spawn_cli(home, base_url, *args, env_extra=env_extra)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def server_videos(base_url: str) -> list[Any]:
    """Every video the server holds, through the SDK's own pagination."""
    client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=3)
    try:
        return list(client.videos.list(limit=100))
    finally:
        client.close()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_section(name: str, title: str, rows: list[tuple[str, Any]], notes: str = "") -> None:
    """Replace (or add) this harness's section of the figures file, atomically, and print the file's path.

    The file is build/reliability-figures.md unless SORA_TUI_WRITE_RELIABILITY=1 is set, in which case it is
    docs/RELIABILITY.md (see the module docstring). The section's format is the same in both.
    """
    report = report_path()
    start, end = f"<!-- harness:{name}:start -->", f"<!-- harness:{name}:end -->"
    table = "\n".join(f"| {label} | {value} |" for label, value in rows)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    block = (f"{start}\n## {title}\n\nLast run: {when}.\n\n| figure | value |\n|---|---|\n{table}\n"
             + (f"\n{notes.strip()}\n" if notes else "") + end)
    report.parent.mkdir(parents=True, exist_ok=True)
    if report.exists():
        text = report.read_text(encoding="utf-8")
    else:
        text = HEADER if report == DOC else FIGURES_HEADER
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = report.with_name(report.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, report)
    print(f"reliability figures: the {name!r} section was written to {report}")
