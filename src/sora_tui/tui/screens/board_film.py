"""The storyboard's film and file: the chosen takes downloaded where they are not yet, assembled in a thread into
the downloads folder under the board's title; and the board written to a TOML file whole (a temporary file
renamed over it), so a failure never leaves half a board. BoardScreen runs these in its workers; their failures
(ServiceError, FilmError, BoardError) are said there."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from ...core.board import BoardError
from ...core.i18n import _
from ...service.errors import ServiceError
from .board_pick import board_progress

if TYPE_CHECKING:
    from .board import BoardScreen


async def assemble_film(screen: BoardScreen) -> None:
    """The film of `screen`'s board, written where _film_path says; what became of it said on the screen."""
    from ...service.film import assemble
    from ...service.storyboards import film_parts

    session = screen.session
    board = screen.board
    shots = await asyncio.to_thread(board_progress, session, board)
    unchosen = next((p for p in shots if p.state != "chosen"), None)
    if unchosen is not None:
        from ..keymap import screen_keys

        keys = screen_keys(screen, "board")
        raise ServiceError(_("Shot {n} has no chosen take yet: {generate} generates it, {choose} chooses its take.")
                           .format(n=unchosen.number, generate=keys["generate"], choose=keys["choose"]))
    missing = [p.chosen for p in shots if p.chosen is not None and p.chosen.file("video") is None]
    if missing:
        service = session.service
        if service is None:
            raise ServiceError(_("The chosen takes are not all downloaded, and the server is not reached: connect, "
                                 "then assemble again."))
        for job in missing:
            if "video" not in job.auto_download:
                service.start_download(job, "video")
        screen.say(_("Downloading the chosen takes first…"))
        await service.wait(missing, max_failures=8)
    if session.service is not None:
        parts = await asyncio.to_thread(session.service.film_parts, board)
    else:  # the takes are on disk: a film is made without a server
        parts = await asyncio.to_thread(film_parts, board, session.history.resolve)
    out = screen._film_path()
    result = await asyncio.to_thread(assemble, parts.takes, out, sidecar=parts.sidecar)
    screen.film = result.path
    screen.say(_("Film: {path} ({seconds} s, {width}x{height}).").format(
        path=result.path, seconds=f"{result.seconds:g}", width=result.width, height=result.height))


def write_whole(path: Path, text: str) -> None:
    """`text` into `path` whole or not at all; BoardError says why it could not be."""
    from ...durable import write_whole as durable_write

    try:
        durable_write(path, text)
    except OSError as exc:
        raise BoardError(_("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None


async def export_board(screen: BoardScreen, typed: str) -> None:
    """`screen`'s board written to the TOML file `typed` names; asked again, with why, when it cannot be."""
    from ...core.board_toml import write_board

    path = Path(typed.strip()).expanduser()
    if not typed.strip() or path.is_dir():
        screen.action_export(typed, _("Give the path of a file, such as board.toml."))
        return
    try:
        await asyncio.to_thread(write_whole, path, write_board(screen.board))
    except BoardError as exc:
        screen.action_export(typed, exc.message)
        return
    screen.say(_("Written to {path}.").format(path=path))
