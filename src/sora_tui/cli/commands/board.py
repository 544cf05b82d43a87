"""`sora-tui board show FILE.toml`: a storyboard file read and checked before anything is generated, and shown:
its shots and how each joins the one before, the film's segments and length, a timeline, and what generating
every take would cost on the profile (costs first). Nothing is sent: it reads the file and the config alone.

`sora-tui board assemble FILE.toml`: the chosen takes joined into the film (service/film.py), locally."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ...core.board import Board, cost_estimate, film_seconds, segments, timeline
from ...core.board_toml import read_board
from ...core.cost import money, price_per_second
from ...core.i18n import N_, _, ngettext
from ...core.text import Col, one_line
from ..exits import EXIT_OK, CliError
from ..output import print_json, terminal_width
from ..tables import table

COLUMNS = [Col("n", N_("#")), Col("join", N_("Join")), Col("seconds", N_("Seconds")), Col("takes", N_("Takes")),
           Col("prompt", N_("Prompt"))]
PROMPT_CELLS = 60  # a shot's prompt on one line, cut to this many cells (to the terminal's width first)


def run(args: argparse.Namespace) -> int:
    """`sora-tui board show` (or `board assemble`)."""
    if args.board_command == "assemble":
        return assemble(args)
    from ...config import ConfigError, Paths, load_profile

    try:
        profile = load_profile(Paths.from_env(), args.profile, args.base_url)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    board = read_file(args.file, profile.models)
    estimate = cost_estimate(board, lambda model, size: price_per_second(model, size, profile.models))
    if args.json:
        print_json(board_json(board, estimate, profile.name))
        return EXIT_OK
    for line in board_text(board, estimate, profile.name, profile.is_local, terminal_width()):
        print(line)
    return EXIT_OK


def assemble(args: argparse.Namespace) -> int:
    """`sora-tui board assemble`: the chosen take of each segment (a chain of continued shots is one video: its last
    shot's take, the stitched whole), downloaded already, joined as the board says into one MP4 with its sidecar."""
    from ...config import ConfigError, Paths, load_profile
    from ...core.cost import local_render
    from ...service.files import honest_label
    from ...service.film import FilmError, assemble
    from ...service.film import Segment as Take
    from ...session import open_store

    paths = Paths.from_env()
    try:
        profile = load_profile(paths, args.profile, args.base_url)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    board = read_file(args.file, profile.models)
    store = open_store(paths)
    try:
        takes, shots = [], []
        for part in segments(board):
            shot = part.shots[-1]
            if not shot.chosen:
                raise CliError(_("Shot {n} has no chosen take yet: generate it, then write the take's id under its "
                                 "[[shot]] as chosen = \"ID\".").format(n=part.last))
            job = store.resolve(shot.chosen)
            video = job.file("video")
            if video is None or not Path(video.path).is_file():
                raise CliError(_("Take {id} (shot {n}) is not on disk: run sora-tui download {id} first.").format(
                    id=job.short_id, n=part.last))
            takes.append(Take(Path(video.path), part.join, part.dissolve_frames, label=job.short_id))
            shots.append({"shots": list(range(part.first, part.last + 1)), "take": job.short_id,
                          "video_id": job.video_id, "prompt": job.params.prompt, "model": job.params.model,
                          "profile": job.profile, "server": job.server, "join": part.join,
                          "dissolve_frames": part.dissolve_frames, "local": local_render(job.profile, job.server)})
    finally:
        store.close()
    out = args.out if args.out is not None else Path.cwd() / f"{_file_name(board.title)}.mp4"
    if out.is_dir():
        out = out / f"{_file_name(board.title)}.mp4"
    local = all(shot["local"] for shot in shots)
    sidecar = {"label": honest_label(local), "ai_generated": not local, "generator": "sora-tui",
               "board": {"title": board.title, "style": board.style, "model": board.model, "size": board.size},
               "segments": [{k: v for k, v in shot.items() if k != "local"} for shot in shots]}
    try:
        result = assemble(takes, out, sidecar=sidecar)
    except FilmError as exc:
        raise CliError(exc.message) from None
    if args.json:
        print_json({"film": str(result.path), "sidecar": str(result.sidecar), "seconds": result.seconds,
                    "frames": result.frames, "width": result.width, "height": result.height})
    else:
        print(_("Film: {path} ({seconds} s, {width}x{height}); what made it: {sidecar}").format(
            path=result.path, seconds=f"{result.seconds:g}", width=result.width, height=result.height,
            sidecar=result.sidecar))
    return EXIT_OK


def _file_name(title: str) -> str:
    """The film's file name from the board's title: letters, digits and dashes (any script), or "film"."""
    name = "-".join("".join(ch if ch.isalnum() else " " for ch in title).split())
    return name[:80] or "film"


def read_file(path: Path, models: Any) -> Board:
    """The board in `path`, checked against the profile's models; what is wrong with it (with its line) as a usage
    error."""
    from ...core.board import BoardError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(_("No such board file: {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(_("Cannot read the board file {path}: {reason}").format(path=path, reason=exc)) from None
    try:
        return read_board(text, str(path), models=models)
    except BoardError as exc:
        raise CliError(exc.message) from None


def _join(shot: Any) -> str:
    if shot.join == "dissolve":
        return _("dissolve {frames}f").format(frames=shot.dissolve_frames)
    return {"cut": _("cut"), "continue": _("continue")}[shot.join]


def board_text(board: Board, estimate: Any, profile: str, local: bool, width: int | None) -> list[str]:
    """The board for people: a title line, the shots as a table, the timeline, the film's length and the cost."""
    lines = [_("{title} — {model}, {size}").format(title=board.title or _("(untitled board)"), model=board.model,
                                                    size=board.size)]
    if board.style:
        lines.append(_("Style: {style}").format(style=one_line(board.style, (width or 100) - 8)))
    rows = [{"n": str(n), "join": _join(shot), "seconds": (f"+{shot.seconds}" if shot.join == "continue"
                                                           else str(shot.seconds)),
             "takes": str(board.takes_for(shot)), "prompt": one_line(shot.prompt, PROMPT_CELLS)}
            for n, shot in enumerate(board.shots, 1)]
    lines += ["", *table(COLUMNS, rows, width, right=("n", "seconds", "takes"), names=("prompt",)), ""]
    lines.append(timeline(board, min(width or 100, 100)))
    parts = segments(board)
    lines.append(ngettext("Film: {seconds} s in {n} segment (a chain of continued shots is one video).",
                          "Film: {seconds} s in {n} segments (a chain of continued shots is one video).",
                          len(parts)).format(seconds=f"{film_seconds(board):g}", n=len(parts)))
    takes = sum(board.takes_for(shot) for shot in board.shots)
    if estimate.total is None:
        cost = _("unknown: profile {profile} has no price for {model} (shot {n})").format(
            profile=profile, model=board.model, n=estimate.unknown_shot)
    elif estimate.total == 0:
        cost = _("free (local render)") if local else money(0)
    else:
        cost = money(estimate.total)
    lines.append(ngettext("Generating it: {n} take, {cost} on profile {profile}. Nothing is sent until you run it.",
                          "Generating it: {n} takes, {cost} on profile {profile}. Nothing is sent until you run it.",
                          takes).format(n=takes, cost=cost, profile=profile))
    return lines


def board_json(board: Board, estimate: Any, profile: str) -> dict[str, Any]:
    """The board for scripts, in English: its settings, each shot with its cost, the segments and the total."""
    return {
        "title": board.title, "style": board.style, "model": board.model, "size": board.size, "profile": profile,
        "shots": [{"prompt": shot.prompt, "seconds": shot.seconds, "join": shot.join,
                   "dissolve_frames": shot.dissolve_frames, "image": shot.image, "character": shot.character,
                   "takes": board.takes_for(shot), "chosen": shot.chosen, "cost_usd": cost}
                  for shot, cost in zip(board.shots, estimate.per_shot, strict=True)],
        "segments": [{"shots": list(range(part.first, part.last + 1)), "seconds": part.seconds, "join": part.join,
                      "dissolve_frames": part.dissolve_frames} for part in segments(board)],
        "film_seconds": film_seconds(board), "cost_usd": estimate.total,
    }
