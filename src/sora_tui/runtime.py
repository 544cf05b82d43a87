"""Interpreter settings for an interactive process whose event loop shares the GIL with worker threads."""

from __future__ import annotations

import sys

SWITCH_INTERVAL = 0.001


def responsive_threads() -> None:
    """Let the event loop get the GIL back within ~1 ms of a worker thread taking it (the default is 5 ms).

    Downloads and history writes run in threads; with five downloads at once the default let them keep
    the loop — and so the screen — waiting 35-75 ms at a time; at 1 ms the worst wait measured 14-20 ms
    with the same throughput (bench/downloads.py)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
