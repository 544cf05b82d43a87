"""Where a board's run stands, from the jobs made for it: each shot's state, the takes it has, the one chosen, and
which shots may be sent now. Plain rules, no I/O: the service sends and saves, the CLI and the TUI drive it.

A shot's takes are the jobs whose extras name the board and the shot. A continued shot's takes are only those that
extend the take now chosen for the shot before it: choose another take there and the shot is to be generated
again from it (the old extensions stay in the history, no longer the shot's).

States, in the order a shot goes through them:
- draft: no take yet, and it can be sent;
- waiting: a continued shot whose shot before has no chosen take yet;
- generating: a take is being made (or its create is being reconciled after a crash);
- ready: takes are done, at least one completed, none chosen yet;
- chosen: a take is chosen;
- failed: every take failed (or expired before anything could use it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal

from .board import Board, Shot
from .i18n import N_
from .job import Job
from .status import ACTIVE, JobStatus

ShotState = Literal["draft", "waiting", "generating", "ready", "chosen", "failed"]
STATE_WORDS: dict[str, str] = {"draft": N_("draft"), "waiting": N_("waiting"), "generating": N_("generating"),
                               "ready": N_("takes ready"), "chosen": N_("chosen"), "failed": N_("failed")}
# A take the film (or an extension) can use: the server made it.
USABLE = frozenset({JobStatus.COMPLETED, JobStatus.DOWNLOADED})
_BUSY = ACTIVE | {JobStatus.UNCERTAIN}


@dataclass(frozen=True)
class ShotProgress:
    """One shot of a run: its number (from 1), its takes (oldest first), the chosen take (a Job) and its state."""

    number: int
    shot: Shot
    state: ShotState
    takes: tuple[Job, ...]
    chosen: Job | None

    @property
    def usable(self) -> tuple[Job, ...]:
        """The takes the server made, oldest first."""
        return tuple(job for job in self.takes if job.status in USABLE)

    @property
    def busy(self) -> bool:
        return self.state == "generating"


def link(board: Board, shot: Shot) -> dict[str, str]:
    """What a job made for `shot` carries in its extras."""
    return {"board_id": board.board_id, "shot_id": shot.shot_id}


def _matches(job: Job, ref: str) -> bool:
    return job.local_id == ref or job.short_id == ref


def progress(board: Board, jobs: Iterable[Job], lookup: Callable[[str], Job | None] | None = None) -> list[ShotProgress]:
    """Every shot's progress, from the jobs made for the board (any order; others are ignored). `lookup` finds a
    chosen take that is not one of the shot's own (a take chosen by hand in the board's file)."""
    by_shot: dict[str, list[Job]] = {}
    for job in sorted(jobs, key=lambda j: j.created_at):
        if job.extra.get("board_id") == board.board_id:
            by_shot.setdefault(str(job.extra.get("shot_id")), []).append(job)
    result: list[ShotProgress] = []
    before: Job | None = None
    for number, shot in enumerate(board.shots, 1):
        takes = by_shot.get(shot.shot_id, [])
        if shot.join == "continue" and number > 1:
            source = before.local_id if before is not None else None
            takes = [job for job in takes if source is not None and job.extra.get("source_id") == source]
        chosen = None
        if shot.chosen:
            chosen = next((job for job in takes if _matches(job, shot.chosen)), None)
            if chosen is None and lookup is not None:
                chosen = lookup(shot.chosen)
                # A continue's take goes on from the take chosen before it: one that extends another (a choice
                # made before the shot before was chosen again) is no choice now.
                if chosen is not None and shot.join == "continue" and number > 1 and (
                        before is None or chosen.extra.get("source_id") != before.local_id):
                    chosen = None
            if chosen is not None and chosen.status not in USABLE | {JobStatus.EXPIRED}:
                chosen = None
        state: ShotState
        if chosen is not None:
            state = "chosen"
        elif any(job.status in _BUSY for job in takes):
            state = "generating"
        elif any(job.status in USABLE for job in takes):
            state = "ready"
        elif takes:
            state = "failed"
        elif shot.join == "continue" and number > 1 and before is None:
            state = "waiting"
        else:
            state = "draft"
        result.append(ShotProgress(number, shot, state, tuple(takes), chosen))
        before = chosen
    return result


def sendable(shots: Sequence[ShotProgress], *, again: bool | AbstractSet[str] = False,
             limit: int | None = None) -> list[ShotProgress]:
    """The shots to send now, in order: drafts, and failed shots a person asked for once more (`again`: all of them,
    or those whose shot ids it holds), no more than `limit` while others are generating (the profile's
    concurrency)."""
    def asked(p: ShotProgress) -> bool:
        return again is True or (not isinstance(again, bool) and p.shot.shot_id in again)

    wanted = [p for p in shots if p.state == "draft" or (p.state == "failed" and asked(p))]
    if limit is None:
        return wanted
    room = max(0, limit - sum(1 for p in shots if p.busy))
    return wanted[:room]


def first_take(shot: ShotProgress) -> Job | None:
    """The take `--pick first` chooses: once no take is still being made, the first the server made."""
    if shot.state != "ready":
        return None
    usable = shot.usable
    return usable[0] if usable else None


def only_take(shot: ShotProgress) -> Job | None:
    """The take chosen without asking: a shot whose takes are done with exactly one the server made."""
    if shot.state != "ready" or len(shot.usable) != 1:
        return None
    return shot.usable[0]


def finished(shots: Sequence[ShotProgress]) -> bool:
    """Every shot has its chosen take."""
    return all(p.state == "chosen" for p in shots)


def stuck(shots: Sequence[ShotProgress]) -> list[ShotProgress]:
    """The shots that stop the run: failed, or waiting behind a shot that failed."""
    out: list[ShotProgress] = []
    blocked = False
    for p in shots:
        if p.state == "failed":
            out.append(p)
            blocked = True
        elif p.state == "waiting" and blocked:
            out.append(p)
        elif p.shot.join != "continue":
            blocked = False
    return out
