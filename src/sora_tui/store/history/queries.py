"""Reading the history: lookups by id (whole or a prefix), searches with filters and sorts, lineage, groups, facets
and the ledger's rows, all from the index; only the jobs returned are decoded.

State owned here: none of its own; it builds the index's _grouped (index.py), for the order it stands for."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from ...core.i18n import _
from ...core.job import Job
from ...core.status import ACTIVE, JobStatus
from .errors import AmbiguousJob, HistoryError, JobNotFound
from .haystack import TextSearch
from .index import _Entry


class Queries(TextSearch):
    """Every read of the history's jobs, under the lock, caught up with other processes' writes first."""

    def spending(self) -> list[_Entry]:
        """Every job as the ledger reads it (core.ledger.Row: when, profile, model, status, cost), from the index:
        nothing is decoded."""
        with self._lock.held():
            self._sync()
            return list(self._entries.values())

    def all(self) -> list[Job]:
        """Every job, newest first. O(n) decoding: at large sizes prefer query(limit=...) or the lookups."""
        with self._lock.held():
            self._sync()
            return [self._job(e) for e in self._newest_first()]

    def __len__(self) -> int:
        with self._lock.held():
            self._sync()
            return len(self._entries)

    def get(self, local_id: str) -> Job | None:
        with self._lock.held():
            self._sync()
            entry = self._entries.get(local_id)
            return self._job(entry) if entry is not None else None

    def by_video_id(self, video_id: str) -> Job | None:
        with self._lock.held():
            self._sync()
            local_id = self._by_video.get(video_id)
            return self._job(self._entries[local_id]) if local_id in self._entries else None

    def updated_after(self, when: float) -> list[Job]:
        """Jobs written (by any process) after `when`, oldest change first."""
        with self._lock.held():
            self._sync()
            hits = [e for e in self._entries.values() if e.updated_at > when]
            hits.sort(key=lambda e: e.updated_at)
            return [self._job(e) for e in hits]

    def facets(self) -> dict[str, list[str]]:
        """The models and profiles that occur in the history (for the history browser's filters)."""
        with self._lock.held():
            self._sync()
            models = {e.model for e in self._entries.values() if e.model}
            profiles = {e.profile for e in self._entries.values() if e.profile}
        return {"model": sorted(models), "profile": sorted(profiles)}

    def lineage(self, local_id: str) -> tuple[list[Job], list[tuple[int, Job]]]:
        """Where a job came from (oldest ancestor first) and what was made from it (depth, job), depth first."""
        with self._lock.held():
            self._sync()
            entry = self._entries.get(local_id)
            if entry is None:
                return [], []
            ancestors: list[_Entry] = []
            seen = {local_id}
            parent = self._entries.get(entry.parent_id) if entry.parent_id else None
            while parent is not None and parent.local_id not in seen:
                seen.add(parent.local_id)
                ancestors.append(parent)
                parent = self._entries.get(parent.parent_id) if parent.parent_id else None
            kids: dict[str, list[_Entry]] = {}
            for e in self._entries.values():
                if e.parent_id:
                    kids.setdefault(e.parent_id, []).append(e)
            below: list[tuple[int, _Entry]] = []

            def walk(node: str, depth: int) -> None:
                for child in sorted(kids.get(node, ()), key=lambda e: e.created_at):
                    if child.local_id in seen or len(below) >= 200:
                        continue
                    seen.add(child.local_id)
                    below.append((depth, child))
                    walk(child.local_id, depth + 1)

            walk(local_id, 1)
            return [self._job(e) for e in reversed(ancestors)], [(d, self._job(e)) for d, e in below]

    def answered_times(self, video_ids: Iterable[str]) -> dict[str, float]:
        """When the create of each of these videos was answered by the server (our clock), for those the history
        holds with such a time: not imported ones, nor those whose answer was lost and which were found later."""
        with self._lock.held():
            self._sync()
            out: dict[str, float] = {}
            for video_id in video_ids:
                local_id = self._by_video.get(video_id)
                if local_id is None or local_id not in self._entries:
                    continue
                job = self._job(self._entries[local_id])
                if job.submitted_at and not job.extra.get("reconciled"):
                    out[video_id] = job.submitted_at
            return out

    def video_ids(self) -> set[str]:
        with self._lock.held():
            self._sync()
            return set(self._by_video)

    def resolve(self, ref: str) -> Job:
        """A job by short id, server id or local id, whole or an unambiguous prefix (exact matches win). A whole
        id is looked up in the index's maps, as quick at 100,000 jobs as at ten; a prefix is a pass over the
        index (nothing decoded)."""
        ref = (ref or "").strip()
        if not ref:
            raise JobNotFound(ref)
        with self._lock.held():
            self._sync()
            entries = self._entries
            owners = {self._by_short.get(ref), self._by_video.get(ref), ref if ref in entries else None}
            exact = sorted((entries[i] for i in owners if i in entries), key=lambda e: e.created_at, reverse=True)
            found = exact or [e for e in self._newest_first() if e.short_id.startswith(ref)
                              or (e.video_id or "").startswith(ref) or e.local_id.startswith(ref)]
            jobs = [self._job(e) for e in found[:6]]
            count = len(found)
        if not jobs:
            raise JobNotFound(ref)
        if count > 1:
            raise AmbiguousJob(ref, jobs, count)
        return jobs[0]

    def active(self) -> list[Job]:
        wanted = {s.value for s in ACTIVE} | {JobStatus.UNCERTAIN.value}
        with self._lock.held():
            self._sync()
            return [self._job(e) for e in self._newest_first() if e.status in wanted]

    def children(self, local_id: str) -> list[Job]:
        with self._lock.held():
            self._sync()
            return [self._job(e) for e in self._newest_first() if e.parent_id == local_id]

    def query(self, **filters: Any) -> list[Job]:
        """The matching jobs themselves: search(...).jobs, with the same filters, sort and limit."""
        return self.search(**filters).jobs

    def search(
        self,
        *,
        status: str | Iterable[str] | None = None,
        text: str | None = None,
        model: str | None = None,
        starred: bool | None = None,
        kept: bool | None = None,
        profile: str | None = None,
        group_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        sort: str = "created_at",
        descending: bool = True,
        limit: int | None = None,
        decode: int | None = None,
    ) -> SearchResult:
        """The jobs that match every filter given (text: in the prompt, tags or notes, any case; kept: the take chosen
        of its group, extra.choice "kept", or with False every other job), sorted, at most
        `limit` of them. Only those returned are decoded. In date order the search stops at the limit (`matched` is
        then None, more than the limit match, unless no filter was given: then it is every job); in another order every
        match is counted and sorted. With `decode`, only that many are decoded; the ids of the rest follow in `later`
        (get_many reads them when they are wanted)."""
        statuses = {status} if isinstance(status, str) else (set(status) if status is not None else None)
        needle = text.casefold() if text else None
        by_date = sort == "created_at"
        by_index = _INDEX_SORTS.get(sort)
        if not by_date and by_index is None:
            _sort_key(sort)  # refuse an unknown field before doing any work
        checks = [(name, value) for name, value in (("model", model), ("starred", starred), ("kept", kept),
                                                   ("profile", profile), ("group_id", group_id)) if value is not None]
        with self._lock.held():
            self._sync()
            order = self._newest_first()
            oldest_first = by_date and not descending
            if needle is not None:
                candidates: Iterable[_Entry] = self._text_hits(needle, oldest_first)
            elif group_id is not None:  # a job's sibling takes, for the history's lineage pane at every move
                members = [order[at] for at in self._groups().get(group_id, ())]
                candidates = reversed(members) if oldest_first else members
            else:
                candidates = reversed(order) if oldest_first else order
            picked: list[_Entry] = []
            stopped = False
            for e in candidates:
                if statuses is not None and e.status not in statuses:
                    continue
                if since is not None and e.created_at < since:
                    continue
                if until is not None and e.created_at > until:
                    continue
                if checks and any(getattr(e, name) != value for name, value in checks):
                    continue
                if by_date and limit is not None and len(picked) >= limit:
                    stopped = True  # already in order: one more than the limit says there are more
                    break
                picked.append(e)
            unfiltered = needle is None and statuses is None and since is None and until is None and not checks
            matched = len(order) if unfiltered else None if stopped else len(picked)
            if by_index is not None:
                picked.sort(key=by_index, reverse=descending)
                picked = picked[:limit] if limit is not None else picked
            if by_date or by_index is not None:  # in order already: decode only the first `decode`
                cut = len(picked) if decode is None else decode
                jobs, later = [self._job(e) for e in picked[:cut]], [e.local_id for e in picked[cut:]]
            else:
                jobs, later = [self._job(e) for e in picked], []
        if not by_date and by_index is None:
            jobs.sort(key=_sort_key(sort), reverse=descending)
            jobs = jobs[:limit] if limit is not None else jobs
            if decode is not None:
                jobs, later = jobs[:decode], [j.local_id for j in jobs[decode:]]
        return SearchResult(jobs, matched, later)

    def get_many(self, local_ids: Iterable[str]) -> list[Job]:
        """These jobs, in this order; those no longer in the history are left out."""
        with self._lock.held():
            self._sync()
            entries = self._entries
            return [self._job(entries[i]) for i in local_ids if i in entries]

    def prepare_search(self) -> None:
        """Build what the history browser's searches need now (a thread's work, before the first keystroke) rather
        than at it: the text search's haystack, and each group's entries (its lineage pane reads a job's takes at
        every move; built at the first move, it held a keystroke up 50 ms)."""
        with self._lock.held():
            self._sync()
            self._haystack_pieces()
            self._groups()

    def scan_on(self, pieces_at_once: int = 4) -> bool:
        """The last text search's scan taken a few pieces further (between the history browser's keystrokes, in a
        thread, after its results are drawn): True while there is more to scan (TextSearch._scan_on)."""
        with self._lock.held():
            return self._scan_on(pieces_at_once)

    def _groups(self) -> dict[str, tuple[int, ...]]:
        """Each group's places in the newest-first order (a scan of 100,000 entries for one group took 45 ms).
        Tuples of ints, which the garbage collector stops tracking at its first pass: a list of entries per group
        was 25,000 objects more for each of its passes to walk while the history browser was open, and one full
        pass held the UI 40 ms (bench/keys.py)."""
        order = self._newest_first()
        if self._grouped is None or self._grouped[0] is not order:
            places: dict[str, list[int]] = {}
            for at, e in enumerate(order):
                if e.group_id:
                    places.setdefault(e.group_id, []).append(at)
            self._grouped = (order, {group: tuple(these) for group, these in places.items()})
        return self._grouped[1]


class SearchResult(NamedTuple):
    jobs: list[Job]
    matched: int | None  # how many matched in all; None: more than the limit (the search stopped there)
    later: Sequence[str] = ()  # the local ids of the matches after `jobs`, in order, not decoded (search(decode=...))


_INDEX_SORTS: dict[str, Callable[[_Entry], Any]] = {  # sorts the index can do without decoding a job
    "status": operator.attrgetter("status"), "model": operator.attrgetter("model"),
    # what each job costs by the one rule (core.cost), as the tables show it: unknown below free and not billed
    "cost": lambda e: e.amount if e.amount is not None else -1.0,
}


def _sort_key(field: str) -> Callable[[Job], Any]:
    if field in ("model", "size", "seconds", "prompt"):
        return lambda j: getattr(j.params, field)
    if field == "status":
        return lambda j: j.status.value
    if field not in Job.__dataclass_fields__:
        raise HistoryError(_("Cannot sort by {field}.").format(field=repr(field)))
    return lambda j: (getattr(j, field) is None, getattr(j, field) or 0)
