"""Interpreter settings for an interactive process whose event loop shares the GIL with worker threads."""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL = 0.001


def responsive_threads() -> None:
    """Let the event loop get the GIL back within ~1 ms of a worker thread taking it (the default is 5 ms).

    Downloads and history writes run in threads; with five downloads at once the default let them keep
    the loop — and so the screen — waiting 35-75 ms at a time; at 1 ms the worst wait measured 14-20 ms
    with the same throughput (bench/downloads.py)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


# Young collections every 10,000 allocations (default 700), the middle every 3rd (10); full passes left to
# full_pass_if_due, or the collector's own after FULL_PASS_HELD middle collections (default 10).
GC_THRESHOLDS = (10_000, 3)
FULL_PASS_EVERY = 10  # middle collections between two full passes, as the collector's default
FULL_PASS_HELD = 100  # while the user is never quiet, the collector runs one itself after this many


def responsive_gc() -> None:
    """Collect young objects every 10,000 allocations instead of 700, the middle generation more often, and full
    passes when the program says (full_pass_if_due).

    Redrawing the live job table turns thousands of short-lived objects into cyclic garbage each second
    (Textual's render caches refer to themselves). At the defaults they outlive the young collections and
    pile up for the full one: with 1,000 live jobs that paused the UI for 110-150 ms at a time. With these
    thresholds they die in the young generations and the longest collection measured 31 ms
    (bench/keys.py). Long-lived state is also frozen out of the full collections once loaded (tui/app.py).
    A full pass still walks every object alive since (30-45 ms with 1,000 live jobs in the table); one that landed
    on a keystroke held its results that long, so the TUI runs them when no key came for a moment."""
    import gc

    young, middle = GC_THRESHOLDS
    gc.set_threshold(young, middle, FULL_PASS_HELD)


def full_pass_if_due(quiet: bool) -> bool:
    """A full collection now, if one is due (FULL_PASS_EVERY middle collections since the last) and `quiet` (no key
    or click for a moment): True when it ran."""
    if quiet and gc.get_count()[2] >= FULL_PASS_EVERY:
        gc.collect()
        return True
    return False


def pause_gc() -> bool:
    """Stop the cyclic garbage collector for a stretch that allocates much and frees little. True when this call
    stopped it, and so is the one to resume it; False when it was off already (someone else's pause)."""
    if not gc.isenabled():
        return False
    gc.disable()
    return True


def resume_gc(freeze: bool = True) -> None:
    """Run the collector again. With `freeze`, what was allocated meanwhile (modules, classes, the first frame's
    widgets: it lives as long as the process) moves out of its way first: none of it was ever collected, and the
    first collection would otherwise walk all of it."""
    if freeze:
        gc.freeze()
    gc.enable()
