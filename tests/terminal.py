"""Running the CLI with its stderr on a pseudo-terminal, where it shows progress (on a pipe it shows none)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from collections.abc import Callable


def on_a_terminal(args: list[str], env: dict[str, str],
                  meanwhile: Callable[[], object] | None = None) -> tuple[int, str, list[str]]:
    """`python -m sora_tui ARGS` with stderr on a pseudo-terminal: the exit code, stdout, stderr's lines.
    `meanwhile` runs once the command has said something (it is following its jobs then)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "sora_tui", *args], stdout=subprocess.PIPE, stderr=follower,
                                stdin=subprocess.DEVNULL, text=True, env=env)
        os.close(follower)
        said = b""
        while True:
            ready, _r, _x = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the terminal's other end is closed, the process gone
                    break
                if not chunk:
                    break
                said += chunk
                if meanwhile is not None:
                    meanwhile()
                    meanwhile = None
            elif proc.poll() is not None:
                break
        out, _e = proc.communicate(timeout=120)
    finally:
        os.close(leader)
    return proc.returncode, out, said.decode().replace("\r\n", "\n").splitlines()
