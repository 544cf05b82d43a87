"""`sora-tui board run FILE.toml`: a board generated end to end, and the boards `resume` takes up.

Costs first: what the run will send and cost is said, and checked against the budget as one plan, before anything
is sent. The board is kept in the history (with its run: how to pick, where the film goes) before the first send,
and every job it sends carries its board and shot, so a run killed at any point is taken up by `sora-tui resume`
(or `board run` again) from what the history holds, without sending any shot twice.

The run steps until every shot has its chosen take: shots that can go are sent (no more than the profile's
concurrency at once; a continued shot once the shot before has its take), and the run waits until one of the takes
in flight is done. A shot's take is chosen alone when it has one; of several, the first the server made
(`--pick first`) or the one the person types (`--pick ask`). Then the film is assembled."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Set as AbstractSet
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...core.board_text import title_line
from ...core.i18n import _, ngettext
from ..exits import EXIT_JOB_FAILED, EXIT_OK, CliError
from ..output import err, print_json, yes
from .board import _file_name, read_file

RUNNING, DONE, STOPPED = "running", "done", "stopped"


async def run(session: Any, args: argparse.Namespace) -> int:
    """`sora-tui board run FILE.toml`."""
    from ...core.board import validate_board
    from ...core.cost import money

    profile = session.profile
    board = read_file(args.file, profile.models)
    if args.pick == "ask" and args.json:
        raise CliError(_("--pick ask asks on the terminal; with --json use --pick first."))
    if args.takes is not None:
        board = replace(board, takes=args.takes)
        from ...core.board import BoardError

        try:
            validate_board(board, profile.models)
        except BoardError as exc:
            raise CliError(exc.message) from None
    source = str(args.file.resolve())
    await session.connect()
    service = session.service
    board = await asyncio.to_thread(service.merged, board, source)
    shots = await asyncio.to_thread(service.board_progress, board)
    plan = service.plan_cost(board, shots, again=True)
    count = sum(board.takes_for(p.shot) for p in shots if p.state in ("draft", "waiting", "failed"))
    cost = (_("price unknown") if plan.amount is None else
            _("free (local render)") if plan.amount == 0 and profile.is_local else money(plan.amount))
    err(title_line(board))
    err(ngettext("{n} take to send, {cost} on profile {profile}.", "{n} takes to send, {cost} on profile {profile}.",
                 count).format(n=count, cost=cost, profile=profile.name))
    await asyncio.to_thread(service.check_plan, plan)
    if count and (plan.amount is None or plan.amount > 0) and not args.yes:  # paid: never by accident
        if not sys.stdin.isatty():
            raise CliError(_("board run sends paid takes on profile {profile}; add --yes to send them when not run "
                             "from a terminal.").format(profile=profile.name))
        if not yes(input(_("Send them? [y/N] "))):
            err(_("nothing sent."))
            return EXIT_OK
    out = args.out.resolve() if args.out is not None else None
    film = (out or Path.cwd().resolve()) / f"{_file_name(board.title)}.mp4"
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CliError(_("Cannot make the folder {path}: {reason}").format(path=out,
                                                                           reason=exc.strerror or exc)) from None
    plan_run = {"state": RUNNING, "pick": args.pick, "takes_dir": str(out) if out else None, "film": str(film)}
    await service.save_board(board, source=source, run=plan_run)
    # Only the shots that failed before this command are sent once more; a shot failing during it waits for the next.
    failed = {p.shot.shot_id for p in shots if p.state == "failed"}
    return await drive(session, board, plan_run, args.json, again=failed)


async def drive(session: Any, board: Any, plan_run: dict[str, Any], as_json: bool | None, *,
                again: AbstractSet[str] = frozenset()) -> int:
    """Step the run of `board` until every shot has its chosen take or nothing more can happen, then assemble the
    film; what became of it on stdout (as JSON with `as_json`; None: not at all). Holds the board's run lock
    throughout."""
    from ...core.board_run import finished, stuck
    from ...core.status import JobStatus

    service = session.service
    takes_dir = Path(plan_run["takes_dir"]) if plan_run.get("takes_dir") else None
    pick = plan_run.get("pick") or "first"
    limit = max(1, int(session.profile.max_concurrency))
    with session.history.board_run_lock(board.board_id, board.title), _notices(session):
        answered_all = True
        while True:
            step = await service.advance(board, pick_first=pick == "first", again=again, limit=limit,
                                         download_dir=takes_dir)
            again = again - {job.extra.get("shot_id") for job in step.sent}
            board = step.board
            if pick == "ask":
                asked, answered_all = await _ask(session, board, step.shots)
                if asked is not board:
                    board = asked
                    continue
                if not answered_all:
                    break
            if finished(step.shots):
                break
            busy = [job for p in step.shots if p.busy for job in p.takes if job.is_active or job.status == JobStatus.UNCERTAIN]
            if not busy:
                break
            await _wait_any(session, busy)
        shots = await asyncio.to_thread(service.board_progress, board)
        film = None
        if finished(shots):
            await _wait_downloads(session, [p.chosen for p in shots if p.chosen is not None])
            film = await _assemble(session, board, Path(plan_run["film"]))
        state = DONE if film is not None else STOPPED if stuck(shots) or not answered_all else RUNNING
        await service.save_board(board, run={**plan_run, "state": state})
    if as_json is not None:
        _report(board, shots, film, as_json)
    return EXIT_OK if film is not None else EXIT_JOB_FAILED


async def _ask(session: Any, board: Any, shots: list[Any]) -> tuple[Any, bool]:
    """Ask on the terminal which take goes on, for each shot with several ready. The board (with the choices, saved)
    and whether every question was answered (the answers are read from stdin: a script can pipe them)."""
    for p in shots:
        if p.state != "ready" or len(p.usable) < 2:
            continue
        err(_("Shot {n} has {count} takes ready:").format(n=p.number, count=len(p.usable)))
        for i, job in enumerate(p.usable, 1):
            video = job.file("video")
            err(f"  {i}) {job.short_id}  {video.path if video else _('(not downloaded)')}")
        while True:
            sys.stderr.write(_("Which take goes on? [1-{count}] ").format(count=len(p.usable)))
            sys.stderr.flush()
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                err(_("No answer: the run is kept. Choose later with sora-tui board run {file} --pick ask (nothing "
                      "is sent again).").format(file=_source(board, session)))
                return board, False
            answer = line.strip()
            if answer.isdigit() and 1 <= int(answer) <= len(p.usable):
                return await session.service.choose_take(board, p.shot.shot_id, p.usable[int(answer) - 1]), True
            err(_("Type a number from 1 to {count}.").format(count=len(p.usable)))
    return board, True


def _source(board: Any, session: Any) -> str:
    doc = session.history.board(board.board_id) or {}
    return str(doc.get("source") or "FILE.toml")


async def _wait_any(session: Any, jobs: list[Any]) -> None:
    from ..progress import ProgressPrinter

    printer = ProgressPrinter(sys.stderr, enabled=sys.stderr.isatty() and not os.environ.get("SORA_TUI_NO_PROGRESS"),
                              only=lambda job: "board_id" in job.extra)
    unsubscribe = session.service.subscribe(printer.on_event)
    try:
        await session.service.wait(jobs, max_failures=8, any_of=True)
    finally:
        unsubscribe()
        printer.finish()


async def _wait_downloads(session: Any, jobs: list[Any]) -> None:
    """The chosen takes' downloads, finished (the film needs them on disk)."""
    missing = [job for job in jobs if job.file("video") is None]
    for job in missing:
        if "video" not in job.auto_download:
            session.service.start_download(job, "video")
    if missing:
        await session.service.wait(missing, max_failures=8)


async def _assemble(session: Any, board: Any, out: Path) -> Any:
    from ...service.film import FilmError, assemble

    service = session.service
    try:
        parts = await asyncio.to_thread(service.film_parts, board)
        return await asyncio.to_thread(assemble, parts.takes, out, sidecar=parts.sidecar)
    except FilmError as exc:
        err(exc.message)
        return None


def _notices(session: Any) -> Any:
    from .follow import notices

    return notices(session)


def _report(board: Any, shots: list[Any], film: Any, as_json: bool) -> None:
    from ...core.board_run import STATE_WORDS, stuck

    blocked = {p.number for p in stuck(shots)}
    if as_json:
        print_json({
            "board_id": board.board_id, "title": board.title,
            "shots": [{"n": p.number, "shot_id": p.shot.shot_id, "join": p.shot.join, "state": p.state,
                       "takes": [job.short_id for job in p.takes],
                       "chosen": p.chosen.short_id if p.chosen is not None else None} for p in shots],
            "film": None if film is None else {"path": str(film.path), "sidecar": str(film.sidecar),
                                               "seconds": film.seconds, "frames": film.frames},
        })
        return
    for p in shots:
        chosen = p.chosen.short_id if p.chosen is not None else "-"
        line = _("Shot {n}: {state}, {takes} (chosen: {chosen})").format(
            n=p.number, state=_(STATE_WORDS[p.state]),
            takes=ngettext("{count} take", "{count} takes", len(p.takes)).format(count=len(p.takes)), chosen=chosen)
        print(line)
        if p.number in blocked and p.state == "failed":
            reasons = {job.error.shown for job in p.takes if job.error is not None}
            for reason in sorted(reasons):
                print(f"  {reason}")
    if film is not None:
        print(_("Film: {path} ({seconds} s, {width}x{height}); what made it: {sidecar}").format(
            path=film.path, seconds=f"{film.seconds:g}", width=film.width, height=film.height, sidecar=film.sidecar))
    elif blocked:
        print(_("The film waits for the shots above. Run the board again to send the failed shots once more (the "
                "others are not sent again)."))


async def resume_boards(session: Any, as_json: bool) -> list[int]:
    """The boards an earlier run left running, taken up (each under its run lock); their exit codes."""
    from ...service.servers import BoardBusy
    from ...service.storyboards import stored_run

    codes = []
    for doc in await asyncio.to_thread(session.history.boards):
        plan_run = stored_run(doc)
        if plan_run.get("state") != RUNNING or doc.get("profile") != session.profile.name:
            continue
        from ...core.board_toml import board_from_doc

        board = board_from_doc(doc)
        if plan_run.get("pick") == "ask" and not sys.stdin.isatty():
            err(_("Board {title} waits for you to choose takes: run sora-tui board run {file} --pick ask.").format(
                title=board.title or board.board_id, file=doc.get("source") or "FILE.toml"))
            continue
        err(_("Taking up the board {title}.").format(title=board.title or board.board_id))
        try:
            # `resume --json` prints its jobs, one JSON line each, and nothing else: `board list --json` has the
            # boards.
            codes.append(await drive(session, board, plan_run, None if as_json else False))
        except BoardBusy as exc:
            err(exc.message if hasattr(exc, "message") else str(exc))
    return codes
