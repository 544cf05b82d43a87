"""`python scripts/reliability.py`: run the reliability harnesses and write the figures they measure into
docs/RELIABILITY.md, each harness its own section (as `python -m bench` writes docs/PERFORMANCE.md).

A plain test run measures the same figures but writes them to build/reliability-figures.md, which git ignores:
the published ones change only when someone asks for them, with this command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The harnesses that write a section (tests/reliability/harness.py's write_section); a test keeps this list whole.
HARNESSES = (
    "tests/reliability/test_crash_harness.py",
    "tests/reliability/test_fault_harness.py",
    "tests/reliability/test_concurrency_harness.py",
    "tests/reliability/test_board_crash.py",
)
WRITE_DOC_ENV = "SORA_TUI_WRITE_RELIABILITY"  # what the harnesses read (tests/reliability/harness.py)


def main(argv: list[str] | None = None) -> int:
    env = {**os.environ, WRITE_DOC_ENV: "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *HARNESSES, *(argv or [])]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
