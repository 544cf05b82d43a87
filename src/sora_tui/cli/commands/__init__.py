"""The headless commands, one module per group, and run(): a parsed command line handed to its handler.

The commands that read only local files (the history, the config file, the character list) run without a
session; the others check their input against the profile and the history first, then connect."""

from __future__ import annotations

import argparse

from ..output import err
from . import board, board_run, delete, downloads, follow, generate, history, profiles, server, spend

# Each of these connects itself once its input is checked.
HANDLERS = {
    "generate": generate.generate, "remix": generate.derived, "edit": generate.derived, "extend": generate.derived,
    "retry": generate.retry, "download": downloads.download, "delete": delete.delete, "resume": follow.resume,
    "board": board_run.run, "videos": server.videos, "import": server.import_videos, "characters": server.characters,
}
CONNECTED_FIRST = ("videos", "import", "characters")  # these are connected before they run


async def run(args: argparse.Namespace) -> int:
    from ...session import prepare

    if args.command == "export":
        return history.export(args)
    if args.command in ("jobs", "show"):
        return history.jobs_or_show(args)
    if args.command == "spend":
        return spend.run(args)
    if args.command == "board" and args.board_command != "run":
        return board.run(args)
    if args.command == "profiles":
        return await profiles.run(args)
    if args.command == "characters" and args.characters_command in (None, "list"):
        return server.list_characters(args)
    session = prepare(args.profile, args.base_url)
    if session.history.recovery_note:
        err(session.history.recovery_note)
    try:
        if args.command in CONNECTED_FIRST:
            await session.connect()
        return await HANDLERS[args.command](session, args)
    finally:
        await session.aclose()
