"""`sora-tui board show FILE.toml`: a storyboard file read and checked before anything is generated, and shown:
its shots and how each joins the one before, the film's segments and length, a timeline, and what generating
every take would cost on the profile (costs first). Nothing is sent: it reads the file and the config alone.

`sora-tui board assemble FILE.toml`: the chosen takes joined into the film (service/film.py), locally."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ...core.board import Board, cost_estimate, film_seconds, segments, timeline
from ...core.board_text import join_text, seconds_text, shot_tips, title_line
from ...core.cost import money, price_per_second
from ...core.i18n import N_, _, ngettext, pgettext
from ...core.text import Col, one_line
from ..exits import EXIT_OK, CliError
from ..output import print_json, terminal_width
from ..tables import table

COLUMNS = [Col("n", N_("#")), Col("join", N_("Join")), Col("seconds", N_("Seconds")), Col("takes", N_("Takes")),
           Col("tips", N_("Tips")), Col("prompt", N_("Prompt"))]
LIST_COLUMNS = [Col("id", N_("Board")), Col("title", N_("Title")), Col("shots", N_("Shots")),
                Col("state", N_("State"))]
PROMPT_CELLS = 60  # a shot's prompt on one line, cut to this many cells (to the terminal's width first)


def run(args: argparse.Namespace) -> int:
    """`sora-tui board show` (or `board assemble`)."""
    if args.board_command == "assemble":
        return assemble(args)
    if args.board_command in ("list", "export"):
        return stored(args)
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
    from ...service.errors import ServiceError
    from ...service.film import FilmError, assemble
    from ...service.storyboards import film_parts
    from ...session import open_store

    paths = Paths.from_env()
    try:
        profile = load_profile(paths, args.profile, args.base_url)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    board = read_file(args.file, profile.models)
    out = film_path(args.out, board.title)
    store = open_store(paths)
    try:
        parts = film_parts(board, store.resolve)
    except ServiceError as exc:
        raise CliError(exc.message) from None
    finally:
        store.close()
    try:
        result = assemble(parts.takes, out, sidecar=parts.sidecar)
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


def stored(args: argparse.Namespace) -> int:
    """`sora-tui board list` (the boards kept in the history) and `board export BOARD` (one as a TOML file)."""
    from ...config import Paths
    from ...core.board_toml import board_from_doc, write_board
    from ...session import open_store

    store = open_store(Paths.from_env())
    try:
        docs = store.boards()
    finally:
        store.close()
    if args.board_command == "export":
        from ...service.errors import ServiceError
        from ...service.storyboards import find_board

        try:
            text = write_board(board_from_doc(find_board(docs, args.board)))
        except ServiceError as exc:
            raise CliError(exc.message) from None
        if args.out is None:
            sys.stdout.write(text)
            return EXIT_OK
        _write_text(args.out, text)
        print(_("Wrote {path}").format(path=args.out))
        return EXIT_OK
    rows = []
    for doc in docs:
        board = board_from_doc(doc)
        run = doc.get("run") if isinstance(doc.get("run"), dict) else {}
        chosen = sum(1 for shot in board.shots if shot.chosen)
        rows.append({"board_id": board.board_id, "title": board.title, "shots": len(board.shots), "chosen": chosen,
                     "state": str(run.get("state") or "draft"), "film": run.get("film"),
                     "source": doc.get("source"), "updated_at": doc.get("updated_at")})
    if args.json:
        print_json(rows)
        return EXIT_OK
    if not rows:
        print(_("No boards yet: sora-tui board run FILE.toml runs one (docs/storyboard-sample.toml is a start)."))
        return EXIT_OK
    words = {"draft": _("draft"), "running": _("running"), "done": _("done"), "stopped": _("stopped")}
    shown = [{"id": row["board_id"], "title": one_line(row["title"] or _("(untitled board)"), 40),
              "shots": _("{chosen}/{shots} chosen").format(chosen=row["chosen"], shots=row["shots"]),
              "state": words.get(row["state"], row["state"])} for row in rows]
    for line in table(LIST_COLUMNS, shown, terminal_width(), names=("title",)):
        print(line)
    return EXIT_OK


def _write_text(path: Path, text: str) -> None:
    """`text` into `path` whole or not at all; a usage error says why it could not be."""
    from ...durable import write_whole

    try:
        write_whole(path, text)
    except OSError as exc:
        raise CliError(_("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None


def film_path(out: Path | None, title: str) -> Path:
    """Where the film goes: `out` (a folder: the title's name in it), else the title's name here. A film is an
    MP4: another suffix would give the film and its sidecar (.json) the same name, so it is refused."""
    name = f"{_file_name(title)}.mp4"
    if out is None:
        return Path.cwd() / name
    if out.is_dir():
        return out / name
    if out.suffix.lower() != ".mp4":
        raise CliError(_("The film is an MP4: give --out a name ending in .mp4, or a folder (not {path}).").format(
            path=out))
    return out


def _file_name(title: str) -> str:
    """The film's file name from the board's title: letters, digits and dashes (any script), or "film"."""
    name = "-".join("".join(ch if ch.isalnum() else " " for ch in title).split())
    return name[:80] or "film"


def read_file(path: Path, models: Any) -> Board:
    """The board in `path`, checked against the profile's models; what is wrong with it (with its line) as a usage
    error."""
    from ...core.board import BoardError
    from ...service.storyboards import read_board_file

    try:
        return read_board_file(path, models)
    except BoardError as exc:
        raise CliError(exc.message) from None


def board_text(board: Board, estimate: Any, profile: str, local: bool, width: int | None) -> list[str]:
    """The board for people: a title line, the shots as a table (with how many of the prompt's ingredients the tips
    find in each), what the tips would add, the timeline, the film's length and the cost."""
    tips = [shot_tips(board, shot) for shot in board.shots]
    lines = [title_line(board)]
    if board.style:
        lines.append(_("Style: {style}").format(style=one_line(board.style, (width or 100) - 8)))
    rows = [{"n": str(n), "join": join_text(shot), "seconds": seconds_text(shot),
             "takes": str(board.takes_for(shot)), "tips": "{}/{}".format(*tips[n - 1][0]),
             "prompt": one_line(shot.prompt, PROMPT_CELLS)}
            for n, shot in enumerate(board.shots, 1)]
    lines += ["", *table(COLUMNS, rows, width, right=("n", "seconds", "takes", "tips"), names=("prompt",)), ""]
    for n, (_score, _ids, missing) in enumerate(tips, 1):  # what the tips would add to each (with the style line)
        if missing:
            lines.append(_("Shot {n} could say more: {missing}").format(
                n=n, missing=pgettext("between the items of a list", ", ").join(missing)))
    if any(score[0] < score[1] for score, _ids, _names in tips):
        lines.append("")
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
        "board_id": board.board_id, "title": board.title, "style": board.style, "model": board.model,
        "size": board.size, "profile": profile,
        "shots": [{"shot_id": shot.shot_id, "prompt": shot.prompt, "seconds": shot.seconds, "join": shot.join,
                   "dissolve_frames": shot.dissolve_frames, "image": shot.image, "character": shot.character,
                   "takes": board.takes_for(shot), "chosen": shot.chosen, "cost_usd": cost,
                   "tips": {"present": tips[0][0], "of": tips[0][1], "missing": list(tips[1])}}
                  for shot, cost, tips in zip(board.shots, estimate.per_shot,
                                              [shot_tips(board, shot) for shot in board.shots], strict=True)],
        "segments": [{"shots": list(range(part.first, part.last + 1)), "seconds": part.seconds, "join": part.join,
                      "dissolve_frames": part.dissolve_frames} for part in segments(board)],
        "film_seconds": film_seconds(board), "cost_usd": estimate.total,
    }
