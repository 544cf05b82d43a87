"""The `sora-tui` command: the TUI by default, and the headless commands the README lists (their exit codes too).

Everything it says to a person is in the interface's language, argparse's own words too (translated_argparse).
`--json` makes the whole process speak English, so a message a program reads never changes with the user's
locale. The rooms: language (which one), parser (the command line), exits (the exit codes and the error behind
each), output, listing, progress and tables (what is printed), and commands/ (one module per group of commands).

Importing the package stays light: `sora-tui --help` loads no command, no service and no Textual."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..core import i18n
from .exits import EXIT_JOB_FAILED, EXIT_OK, EXIT_SERVER, EXIT_USAGE, CliError, run_reported
from .language import choose_language, wants_json
from .output import PROG, job_json, wrap_cells, yes
from .parser import build_parser
from .translated_argparse import ArgumentParser, HelpFormatter, translate_argparse

__all__ = [
    "EXIT_JOB_FAILED", "EXIT_OK", "EXIT_SERVER", "EXIT_USAGE", "PROG", "ArgumentParser", "CliError", "HelpFormatter",
    "build_parser", "choose_language", "job_json", "main", "translate_argparse", "wants_json", "wrap_cells", "yes",
]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    choose_language(argv)
    args = build_parser().parse_args(argv)
    if getattr(args, "json", False):  # an option argparse took that the first look did not see as --json
        i18n.set_language("en")
    from ..crash import crash_guard

    with crash_guard() as guard:
        code = run_reported(lambda: _dispatch(args))
    return guard.exit_code if guard.crashed else code


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        from ..tui.app import run_tui

        return run_tui(profile=args.profile, base_url=args.base_url)
    if args.command == "engine":
        from .commands import engine

        return engine.run(args)
    import asyncio  # here, not at the top: `sora-tui --help` starts without it

    from .commands import run

    return asyncio.run(run(args))
