"""Shared pieces of the reliability harnesses: real CLI processes, the server's truth, and the figures file.

Each harness writes its own section of docs/RELIABILITY.md from the numbers it measured, so the
document always says what the last run of the harness saw (never a number typed by hand).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openai

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "docs" / "RELIABILITY.md"
KEY = "sk-harness-key-0123456789"

HEADER = """# Reliability figures

Written by the harnesses in `tests/reliability/` each time they run (they are part of the CI suite,
`python -m pytest`): real `sora-tui` processes against the built-in engine on loopback, a real
history file, and the server's own list and files as the truth to check against. Nothing here is
typed by hand; each section says when it was last measured.

Beside these figures, the same folder holds tests with no numbers to report: the bad-input
catalogue (`test_bad_input.py`, 39 commands with their exact answer and proof that nothing
changed), damaged state (`test_damaged_state.py`: a truncated or garbage history, a data dir that
cannot be made, a read-only and a full download disk) and security (`test_security.py`: the key in
no file, output or screen; no Authorization across origins; hostile ids and server text).
"""


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
    """Replace (or add) this harness's section of docs/RELIABILITY.md, atomically."""
    start, end = f"<!-- harness:{name}:start -->", f"<!-- harness:{name}:end -->"
    table = "\n".join(f"| {label} | {value} |" for label, value in rows)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    block = (f"{start}\n## {title}\n\nLast run: {when}.\n\n| figure | value |\n|---|---|\n{table}\n"
             + (f"\n{notes.strip()}\n" if notes else "") + end)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else HEADER
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = REPORT.with_name(REPORT.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, REPORT)
