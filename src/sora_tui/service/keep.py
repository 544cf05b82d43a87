"""Choosing the best take: keep one take of a group, pass the others. The choice is the user's own mark on the
history, like a star: it sends nothing to a server, so it works on a history browsed offline as well.

A take's choice is `extra["choice"]`: "kept" (chosen: starred too), "passed" (another take of a group where one
was kept), or absent (undecided). One take of a group is kept at a time: keeping another passes the one kept
before. Passing never unstars a take: the star may have been the user's own before the choice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.i18n import _
from ..core.job import Job
from .errors import ServiceError
from .shared import ServiceRoom

if TYPE_CHECKING:
    from ..store.history import HistoryStore

KEPT = "kept"
PASSED = "passed"


def choice_of(job: Job) -> str | None:
    """The take's choice: KEPT, PASSED, or None (undecided, or not a choice this version knows)."""
    choice = job.extra.get("choice")
    return choice if choice in (KEPT, PASSED) else None


def _choose(choice: str, star: bool) -> Callable[[Job], bool]:
    def apply(job: Job) -> bool:
        if job.extra.get("choice") == choice and (job.starred or not star):
            return False  # as chosen already: not written, not in the answer
        job.extra = {**job.extra, "choice": choice}
        if star:
            job.starred = True
        return True

    return apply


def keep_take(history: HistoryStore, job: Job) -> list[Job]:
    """Keep `job` and pass the other takes of its group, in one write to the history (a job without a group is
    kept alone). The jobs changed, the kept one first (if it changed), then the passed ones newest first; a take
    already as chosen is left out. ServiceError if the job is no longer in the history."""
    takes = [job.local_id]
    if job.group_id:
        # the group's ids from the index, nothing decoded: each take is read as it stands under the write's lock
        found = history.search(group_id=job.group_id, decode=0)
        takes += [local_id for local_id in found.later if local_id != job.local_id]
    there = False  # the chosen take was found (it is the first of `takes`, so known before any other is passed)
    keep, pass_ = _choose(KEPT, star=True), _choose(PASSED, star=False)

    def gone() -> ServiceError:
        return ServiceError(_("{job} is no longer in the history.").format(job=job.short_id or job.local_id))

    def chosen(j: Job) -> bool:
        nonlocal there
        there = True
        return keep(j)

    def passing(j: Job) -> bool:
        if not there:
            raise gone()  # inside the write, before anything is written: no take is passed for one that is gone
        return pass_(j)

    changed = history.mutate_many({local_id: chosen if local_id == job.local_id else passing for local_id in takes})
    if not there:
        raise gone()
    return list(changed.values())


class Keeping(ServiceRoom):
    """A room of JobService: the user's choice among takes."""

    async def keep(self, job: Job) -> list[Job]:
        """Keep this take (starred, extra.choice "kept") and pass the other takes of its group, in one history
        write, off the event loop; no server is asked. Returns every job it changed (the caller shows them)."""
        changed = await asyncio.to_thread(keep_take, self.store, job)
        return [self._mine(j) for j in changed]
