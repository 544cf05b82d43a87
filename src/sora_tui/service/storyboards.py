"""Storyboards on the service: a board kept in the history, its shots sent (a cut or a dissolve as new takes, a
continue as extensions of the chosen take before it), a take chosen for each shot, the whole run's cost checked
against the budget before anything is sent, and the chosen takes found for the film.

Where a run stands is worked out from the history every time (core/board_run.py), never kept beside it: a run
killed at any point is taken up from what the history holds, and a shot that has takes is never sent again
unless a person asks for it again (`again`, for a shot whose every take failed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.board import Board, BoardError, Shot, segments, shot_prompt
from ..core.board_run import ShotProgress, first_take, link, only_take, progress, sendable
from ..core.board_toml import board_doc, board_from_doc, images_beside, read_board
from ..core.cost import Cost, estimate, local_render
from ..core.i18n import _
from ..core.job import Job
from ..core.params import GenerationParams
from .errors import ServiceError
from .files import honest_label
from .film import Segment as Take
from .submit import Submitting


@dataclass(frozen=True)
class Advanced:
    """What one step of a run did: the board as it is now (takes chosen), every shot's progress, what was sent."""

    board: Board
    shots: list[ShotProgress]
    sent: list[Job]


@dataclass(frozen=True)
class FilmParts:
    """The chosen take of every segment, on disk, in order, and the sidecar that says what made the film."""

    takes: list[Take]
    sidecar: dict[str, Any]


class Storyboards(Submitting):
    """Boards kept in the history and their runs."""

    # --- kept in the history -------------------------------------------------------------------------
    async def save_board(self, board: Board, **run: Any) -> Board:
        """Store `board` (with what its run needs to be taken up again: `run`) in one durable write."""
        doc = {**board_doc(board), "profile": self.profile, **run}
        await asyncio.to_thread(self.store.save_board, doc)
        return board

    def merged(self, board: Board, source: str | None = None) -> Board:
        """`board` as read from a file, with what the history already knows of it: the board's id (by the file it
        came from, when the file gives none) and each shot's id and chosen take (the same shot at the same place,
        with the same prompt, length and join). The file's own ids and choices win. Off the event loop."""
        docs = self.store.boards()
        doc = next((d for d in docs if d["board_id"] == board.board_id), None)
        if doc is None and source is not None:
            doc = next((d for d in docs if d.get("source") == source), None)
            if doc is not None:
                board = replace(board, board_id=str(doc["board_id"]))
        if doc is None:
            return board
        stored = board_from_doc(doc)
        ids = {s.shot_id for s in stored.shots}
        shots = []
        for number, shot in enumerate(board.shots):
            old = stored.shots[number] if number < len(stored.shots) else None
            if shot.shot_id not in ids and old is not None and _same(old, shot):
                shot = replace(shot, shot_id=old.shot_id, chosen=shot.chosen or old.chosen)
            elif shot.shot_id in ids and not shot.chosen:
                shot = replace(shot, chosen=next(s.chosen for s in stored.shots if s.shot_id == shot.shot_id))
            shots.append(shot)
        return replace(board, shots=tuple(shots))

    # --- a run ---------------------------------------------------------------------------------------
    def board_progress(self, board: Board) -> list[ShotProgress]:
        """Every shot's progress, from the history. Off the event loop."""
        return progress(board, self.store.board_jobs(board.board_id), self._find)

    def _find(self, ref: str) -> Job | None:
        try:
            return self.store.resolve(ref)
        except LookupError:
            return None

    def plan_cost(self, board: Board, shots: Iterable[ShotProgress], *, again: bool = False) -> Cost:
        """What sending every shot still to send would cost: each shot's takes × its seconds × the price."""
        amount: float | None = 0.0
        seconds = 0
        for p in shots:
            if p.state in ("draft", "waiting") or (again and p.state == "failed"):
                one = estimate(board.model, board.size, p.shot.seconds, self.models, board.takes_for(p.shot))
                amount = None if amount is None or one.amount is None else amount + one.amount
                seconds += one.seconds or 0
        return Cost(None if amount is None else round(amount, 4), amount is not None, True, True, seconds)

    async def advance(self, board: Board, *, pick_first: bool, again: bool | AbstractSet[str] = False,
                      limit: int | None = None,
                      auto_download: Iterable[str] = ("video",), download_dir: Path | None = None) -> Advanced:
        """One step of a run: choose what can be chosen (a shot with one take the server made; with `pick_first`,
        the first of several), save the board if a choice was made, then send the shots that can go now (no
        more than `limit` generating at once)."""
        shots = await asyncio.to_thread(self.board_progress, board)
        changed = False
        while True:
            chosen = [(p, only_take(p) or (first_take(p) if pick_first else None)) for p in shots]
            picks = [(p, job) for p, job in chosen if job is not None]
            if not picks:
                break
            for p, job in picks:
                board = board.choose(p.shot.shot_id, job.local_id)
            changed = True
            shots = await asyncio.to_thread(self.board_progress, board)
        if changed:
            await self.save_board(board)
        sent: list[Job] = []
        for p in sendable(shots, again=again, limit=limit):
            sent += await self.send_shot(board, shots, p, auto_download=auto_download, download_dir=download_dir)
        if sent:
            shots = await asyncio.to_thread(self.board_progress, board)
        return Advanced(board, shots, sent)

    async def choose_take(self, board: Board, shot_id: str, job: Job | None) -> Board:
        """`board` with `job` as the chosen take of the shot `shot_id` (None: no take), saved."""
        return await self.save_board(board.choose(shot_id, job.local_id if job is not None else None))

    async def send_shot(self, board: Board, shots: list[ShotProgress], p: ShotProgress, *, takes: int | None = None,
                        auto_download: Iterable[str] = ("video",), download_dir: Path | None = None) -> list[Job]:
        """Send the takes of one shot: new generations for a cut or a dissolve, extensions of the chosen take
        before it for a continue. The jobs are written, linked to the board and the shot, before anything goes."""
        shot = p.shot
        count = takes or board.takes_for(shot)
        prompt = shot_prompt(board, shot)
        tags = link(board, shot)
        if shot.join == "continue" and p.number > 1:
            source = shots[p.number - 2].chosen
            if source is None:
                raise ServiceError(_("Shot {n} continues shot {before}, which has no chosen take yet; choose one "
                                     "first.").format(n=p.number, before=p.number - 1))
            return await self.extend_takes(source, prompt, str(shot.seconds), count, auto_download=auto_download,
                                           download_dir=download_dir, link=tags)
        params = GenerationParams(prompt=prompt, model=board.model, size=board.size, seconds=str(shot.seconds),
                                  image=shot.image)
        return await self.generate(params, variations=count, auto_download=auto_download, download_dir=download_dir,
                                   character_ids=[shot.character] if shot.character else (), link=tags)

    # --- the film ---------------------------------------------------------------------------------------
    def film_parts(self, board: Board) -> FilmParts:
        """The chosen takes of `board` for its film (film_parts below). Off the event loop."""
        return film_parts(board, self.store.resolve)


def film_parts(board: Board, resolve: Callable[[str], Job]) -> FilmParts:
    """Each segment's chosen take (a chain of continued shots is one video: its last shot's take, the stitched
    whole), on disk, with the sidecar. ServiceError names the first shot without one; `resolve` finds a job by its
    id (the history's, which raises LookupError for none)."""
    takes: list[Take] = []
    parts: list[dict[str, Any]] = []
    local = True
    for part in segments(board):
        shot = part.shots[-1]
        if not shot.chosen:
            raise ServiceError(_("Shot {n} has no chosen take yet: generate it, then write the take's id under "
                                 "its [[shot]] as chosen = \"ID\".").format(n=part.last))
        job = resolve(shot.chosen)
        video = job.file("video")
        if video is None or not Path(video.path).is_file():
            raise ServiceError(_("Take {id} (shot {n}) is not on disk: run sora-tui download {id} first.").format(
                id=job.short_id, n=part.last))
        takes.append(Take(Path(video.path), part.join, part.dissolve_frames, label=job.short_id))
        local = local and local_render(job.profile, job.server)
        parts.append({"shots": list(range(part.first, part.last + 1)), "take": job.short_id,
                      "video_id": job.video_id, "prompt": job.params.prompt, "model": job.params.model,
                      "profile": job.profile, "server": job.server, "join": part.join,
                      "dissolve_frames": part.dissolve_frames})
    sidecar = {"label": honest_label(local), "ai_generated": not local, "generator": "sora-tui",
               "board": {"id": board.board_id, "title": board.title, "style": board.style, "model": board.model,
                         "size": board.size},
               "segments": parts}
    return FilmParts(takes, sidecar)


def read_board_file(path: Path, models: Mapping[str, Any] | None) -> Board:
    """The board in a TOML file, checked against `models`, its relative image paths taken from the file's folder.
    BoardError (with the line of a mistake) for a file that cannot be read or is not a valid board."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BoardError(_("No such board file: {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BoardError(_("Cannot read the board file {path}: {reason}").format(
            path=path, reason=getattr(exc, "strerror", None) or exc)) from None
    return images_beside(read_board(text, str(path), models=models), str(path.resolve().parent))


def find_board(docs: Iterable[Mapping[str, Any]], ref: str) -> Mapping[str, Any]:
    """The stored board `ref` names among `docs`: by its id, else its exact title, else the start of its id.
    ServiceError says none is, or that several are."""
    docs = list(docs)
    for test in (lambda d: d["board_id"] == ref, lambda d: str(d.get("title") or "") == ref,
                 lambda d: str(d["board_id"]).startswith(ref)):
        found = [d for d in docs if test(d)]
        if len(found) > 1:
            raise ServiceError(_("{ref} names more than one board; use its id (sora-tui board list).").format(
                ref=ref))
        if found:
            return found[0]
    raise ServiceError(_("No board {ref} in the history; sora-tui board list shows them.").format(ref=ref))


def _same(old: Shot, new: Shot) -> bool:
    return (old.prompt, old.seconds, old.join, old.dissolve_frames, old.image, old.character) == (
        new.prompt, new.seconds, new.join, new.dissolve_frames, new.image, new.character)


def stored_run(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a stored board's document says of its run (empty for a board never run)."""
    run = doc.get("run")
    return dict(run) if isinstance(run, Mapping) else {}
