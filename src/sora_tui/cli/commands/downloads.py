"""`download`: a finished job's video, thumbnail or spritesheet on disk, or a copy in --out of one already there."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ...core.i18n import _
from ..exits import EXIT_OK, CliError
from ..output import err, print_json
from .follow import notices


async def download(session: Any, args: argparse.Namespace) -> int:
    job = session.history.resolve(args.id)
    await session.connect()
    with notices(session):  # a name already taken, a picture made from the video: said on stderr
        record = await session.service.download(job, args.variant, args.out)
    path, copied_from = record.path, None
    if args.out is not None and Path(record.path).parent.resolve() != args.out.resolve():
        path, copied_from = await _copy_out(record, args.out), record.path  # it was on disk elsewhere
    if args.json:
        print_json({"id": job.video_id, "local_id": job.local_id, "variant": record.variant, "path": path,
                    "bytes": record.bytes, "sha256": record.sha256, "short_id": job.short_id,
                    "made_locally": record.made_locally, "copied_from": copied_from})
    else:
        print(path)
    return EXIT_OK


async def _copy_out(record: Any, out: Path) -> str:
    """`download --out DIR` for a file already downloaded elsewhere: a copy of it in DIR (a hard link where
    the filesystem allows), never over a file there, and said."""
    import asyncio

    from ...core.job import asset_name
    from ...service.files import copy_into
    from ...service.servers import BackendError

    asset = asset_name(record.variant)
    try:
        placed, how = await asyncio.to_thread(copy_into, Path(record.path), out)
    except OSError as exc:
        raise CliError(_("the {asset} is already downloaded ({path}), but no copy could be put in {dir}: {reason}. "
                         "Choose a writable directory.").format(asset=asset, path=record.path, dir=out,
                                                                 reason=exc.strerror or exc)) from None
    except BackendError as exc:  # every name a copy could take there is taken
        raise CliError(_("the {asset} is already downloaded ({path}), but {reason}").format(
            asset=asset, path=record.path, reason=exc.user_message())) from None
    said = {
        "linked": _("the {asset} was already downloaded to {path}; linked it into {dir} as {name} (a hard link: the "
                    "same file, no extra space)."),
        "copied": _("the {asset} was already downloaded to {path}; copied it to {copy}."),
        "already there": _("the {asset} was already downloaded to {path}; {dir} already holds the same file as "
                           "{name}; nothing was written."),
    }[how]
    err(said.format(asset=asset, path=record.path, dir=out, name=placed.name, copy=placed))
    return str(placed)
