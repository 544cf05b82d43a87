"""Crash handling: an unexpected error writes a report file (no local variables, no keys) instead of a traceback."""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .core.i18n import N_, _
from .core.text import strip_control

# True whatever failed: what the server accepted runs on there, and the history holds what was saved before the error.
# Marked only: `crash_message` says it in the interface's language.
AFTER_A_CRASH = N_("Jobs the server already accepted keep running there; `sora-tui resume` picks them up.")


@dataclass
class CrashGuard:
    crashed: bool = False
    exit_code: int = 70
    report: Path | None = None


def write_report(exc: BaseException, where: Path | None = None) -> Path | None:
    from .config import Paths

    try:
        directory = where or Paths.from_env().crash_dir
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / time.strftime("crash-%Y%m%d-%H%M%S.txt")
        # format_exception without locals: a key held in a local variable must not land in the report.
        from .core.redact import redact, remember

        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        remember(os.environ.get("OPENAI_API_KEY"))
        text = redact(text)
        path.write_text(f"sora-tui crash report\npython {sys.version}\n\n{text}", encoding="utf-8")
        return path
    except OSError:
        return None


def crash_message(summary: str, report: Path | None) -> str:
    """What a person reads after an unexpected error, in the interface's language: what failed (`summary`, the
    error's own words, as they are), where the report is, and that their jobs are safe. The report file itself
    stays in English: it is for whoever fixes the bug."""
    if report is not None:
        said = _("sora-tui: unexpected error ({summary}). A report was written to {report}. {after}")
    else:
        said = _("sora-tui: unexpected error ({summary}). {after}")
    return said.format(summary=summary, report=report, after=_(AFTER_A_CRASH))


@contextlib.contextmanager
def crash_guard() -> Iterator[CrashGuard]:
    guard = CrashGuard()
    try:
        yield guard
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 - the last line of defence: never a traceback on the user's screen
        guard.crashed = True
        guard.report = write_report(exc)
        summary = f"{type(exc).__name__}: {strip_control(str(exc))[:200]}"
        print(crash_message(summary, guard.report), file=sys.stderr)
