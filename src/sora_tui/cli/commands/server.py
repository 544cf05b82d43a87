"""The commands about what a server holds rather than about our jobs: its videos (`videos`, and `import` into the
history) and cameo characters (`characters create`, `show`, and `list` from the local list)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ...core.i18n import N_, _
from ...core.text import strip_control
from ..exits import EXIT_JOB_FAILED, EXIT_OK, EXIT_USAGE, CliError
from ..output import err, job_json, print_json, yes


def _no_list(session: Any, exc: Any, instead: str) -> Exception:
    """What it means that the server has no list: a limit of that server, neither bad usage nor a fault here."""
    if exc.status:
        said = _("the server of profile {name} does not offer a list of its videos (it answered HTTP {status}), so "
                 "sora-tui cannot see what it holds. Your own jobs are unaffected: each is tracked by itself. "
                 "{instead}")
    else:
        said = _("the server of profile {name} does not offer a list of its videos, so sora-tui cannot see what it "
                 "holds. Your own jobs are unaffected: each is tracked by itself. {instead}")
    return CliError(said.format(name=session.profile.name, status=exc.status, instead=instead),
                    EXIT_JOB_FAILED)


async def videos(session: Any, args: argparse.Namespace) -> int:
    from ...service.servers import BackendError

    try:
        remote = await session.service.list_remote(limit=args.limit)
    except BackendError as exc:
        if exc.kind != "unsupported":
            raise
        raise _no_list(session, exc, _("`sora-tui import ID` still adds a video whose id you know.")) from None
    import asyncio

    known = await asyncio.to_thread(session.history.video_ids)
    for info in remote:
        if args.json:
            print_json({"id": info.id, "status": info.status.value, "server_status": info.raw_status,
                        "progress": info.progress, "model": info.model, "size": info.size, "seconds": info.seconds,
                        "created_at": info.created_at, "in_history": info.id in known})
        else:
            mark = " " if info.id in known else "+"
            print(f"{mark} {strip_control(info.id)}  {strip_control(info.raw_status or info.status.value):<11} "
                  f"{strip_control(info.model or '?')}  {strip_control(info.size or '?')}  "
                  f"{strip_control(str(info.seconds or '?'))} s")
    if not args.json:
        missing = sum(1 for i in remote if i.id not in known)
        err(_("{total} on the server, {missing} not in the local history (+); `sora-tui import` adds "
              "them.").format(total=len(remote), missing=missing))
    return EXIT_OK


async def import_videos(session: Any, args: argparse.Namespace) -> int:
    from ...core.status import label
    from ...service.servers import BackendError

    try:
        jobs = await session.service.import_remote(ids=args.ids or None, limit=args.limit)
    except BackendError as exc:
        if exc.kind != "unsupported" or args.ids:
            raise
        raise _no_list(session, exc, _("Name the videos to add instead: `sora-tui import ID …`.")) from None
    for job in jobs:
        if args.json:
            print_json(job_json(job))
        else:
            print(_("imported {id} {video_id} ({status})").format(
                id=job.short_id, video_id=strip_control(job.video_id), status=label(job.status)))
    if not args.json and not jobs:
        err(_("nothing to import: every video the server lists is already in the history."))
    return EXIT_OK


# --- characters ---------------------------------------------------------------------------------------------
def list_characters(args: argparse.Namespace) -> int:
    from ...config import Paths
    from ...service.servers import character_book

    book = character_book(Paths.from_env().home)
    entries = book.all()
    for c in entries:
        if args.json:
            print_json(c.to_dict())
        else:
            print(_("{id}  {name}  ({profile}, from {source})").format(
                id=strip_control(c.id), name=strip_control(c.name), profile=c.profile,
                source=strip_control(Path(c.source).name)))
    if not args.json and not entries:
        err(_("no characters yet; `sora-tui characters create NAME VIDEO --consent` makes one."))
    return EXIT_OK


CHARACTER_FIELDS = (("id", N_("id")), ("name", N_("name")), ("status", N_("status")),
                    ("created_at", N_("created")))


async def characters(session: Any, args: argparse.Namespace) -> int:
    if args.characters_command == "show":
        data = await session.service.get_character(args.id)
        if args.json:
            print_json(data)
        else:
            shown = [(_(title), strip_control(str(data[key]))) for key, title in CHARACTER_FIELDS if key in data]
            from rich.cells import cell_len

            width = max((cell_len(title) for title, _value in shown), default=0)
            for title, value in shown:
                print(" " * (width - cell_len(title)) + f"{title}  {value}")
        return EXIT_OK
    if not args.consent:
        if not sys.stdin.isatty():
            raise CliError(_("creating a character needs --consent: confirm that everyone whose face or voice is "
                             "in the video agreed to this use."), EXIT_USAGE)
        answer = input(_("Does everyone whose face or voice is in {video} agree to it becoming a character? "
                         "[y/N] ").format(video=args.video))
        if not yes(answer):
            err(_("not created: consent was not confirmed."))
            return EXIT_USAGE
    character = await session.service.create_character(args.name, args.video, consent=True)
    if args.json:
        print_json(character.to_dict())
    else:
        print(_("created character {name}: {id} — write its name verbatim in a prompt (at most 2 per "
                "video).").format(name=strip_control(character.name), id=strip_control(character.id)))
    return EXIT_OK
