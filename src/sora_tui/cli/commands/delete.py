"""`delete`: a job's video removed from the server, after asking; the history keeps its record."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ...core.i18n import _
from ...core.text import strip_control
from ..exits import EXIT_OK, CliError
from ..output import err, print_json, yes


async def delete(session: Any, args: argparse.Namespace) -> int:
    job = session.history.resolve(args.id)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(_("delete needs --yes when not run from a terminal (it cannot be undone)."))
        answer = input(_("Delete {id} ({video_id}) on the server? This cannot be undone. [y/N] ").format(
            id=job.short_id, video_id=strip_control(job.video_id)))
        if not yes(answer):
            err(_("not deleted."))
            return EXIT_OK
    await session.connect()
    updated = await session.service.delete_remote(job)
    if args.json:
        print_json({"id": updated.video_id, "deleted": True, "short_id": updated.short_id})
    else:
        print(_("deleted {id} ({video_id}) on the server (still in your history)").format(
            id=updated.short_id, video_id=strip_control(updated.video_id)))
    return EXIT_OK
