"""What the history store raises: the history cannot be used as asked, cannot be written, or a job reference
matches no job or more than one."""

from __future__ import annotations

from ...core.i18n import _, ngettext
from ...core.job import Job
from ...core.text import one_line


class HistoryError(Exception):
    """The history cannot be used as asked; the message says why and what to do."""


class HistoryWriteError(HistoryError):
    """The history's files could not be written (a full or read-only disk): the change was not made."""


class JobNotFound(LookupError):
    def __init__(self, ref: str) -> None:
        super().__init__(_("No job matches {ref}; `sora-tui jobs` lists the ids.").format(ref=repr(one_line(ref, 80))))
        self.ref = ref


class AmbiguousJob(LookupError):
    def __init__(self, ref: str, candidates: list[Job], count: int | None = None) -> None:
        count = len(candidates) if count is None else count
        lines = [f"  {one_line(j.short_id)}  {one_line(j.params.prompt, 50)}" for j in candidates[:5]]
        if count > 5:
            lines.append("  " + _("… and {n} more").format(n=count - 5))
        super().__init__(ngettext("{ref} matches {n} job; give more of the id, or one of these:",
                                  "{ref} matches {n} jobs; give more of the id, or one of these:", count).format(
                                      ref=repr(one_line(ref, 80)), n=count) + "\n" + "\n".join(lines))
        self.ref = ref
        self.candidates = candidates
