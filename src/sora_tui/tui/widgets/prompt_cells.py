"""The prompt column of the job tables: a job's prompt with its marks, and a remix's, extend's or edit's changes.

A job made from another's video with a prompt of its own shows the words changed from its parent's prompt before
its own, so a remix at 80 columns does not look like its parent with the difference cut off. The parent's prompt is
its row's when the parent is in the table, else read from the history once, in a batch, for every row that wants one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from ...core.diff import word_diff
from ...core.i18n import N_
from ...core.text import one_line
from ..textual_fence import FastDataTable

if TYPE_CHECKING:  # only named in annotations: core.job loads with the history, after the first frame
    from ...core.job import Job

KIND_MARK = {"remix": "↻", "extend": "⇥", "edit": "✎", "retry": "⟲", "variation": "≈"}
# Prompts are kept this long in their cells (cut to their column as they are drawn).
PROMPT_KEPT = 240
# Jobs made from another's video with a prompt of their own: their rows show the words changed from the parent's.
DERIVED = ("remix", "extend", "edit")
CHANGE_KEPT = 40  # each changed phrase shown is cut to this many cells
# A derived prompt that keeps less than this share of its parent's text is a new prompt (an extend's "what happens
# next"), not a change of a few words: its row shows it as it is.
KEPT_SHARE = 0.5
# Punctuation a changed phrase starts or ends with says nothing on its own (", at dusk" is shown "at dusk").
EDGE_PUNCTUATION = " ,.;:!?、。，．：；！？・"


def prompt_changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """The phrases taken out of `old` and put into `new`, as a row shows them; none when `new` is mostly new."""
    parts = word_diff(old, new)
    kept = sum(len(text) for op, text in parts if op == "=")
    if kept < KEPT_SHARE * len(new):
        return [], []
    removed: list[str] = []
    added: list[str] = []
    for op, text in parts:
        phrase = " ".join(text.split()).strip(EDGE_PUNCTUATION)
        if op != "=" and phrase:
            (removed if op == "-" else added).append(phrase)
    return removed, added


def prompt_cell(job: Job, width: int = PROMPT_KEPT, changes: tuple[list[str], list[str]] | None = None) -> Text:
    """The prompt with its marks, on one line; longer than its column, it is cut to it (by cells) as it is drawn.

    `changes` (removed, added): how a derived job's prompt differs from its parent's, shown before it, so a remix
    at 80 columns does not look like its parent with the difference cut off. A take kept among its group's starts
    with a green ✓; one not chosen is dimmed (service/keep.py), whatever else the cell shows."""
    text = _prompt_text(job, width, changes)
    choice = job.extra.get("choice")
    if choice == "kept":
        return Text.assemble(("✓ ", "green"), text)
    if choice == "passed":
        text.style = "dim"
    return text


def _prompt_text(job: Job, width: int, changes: tuple[list[str], list[str]] | None) -> Text:
    marks = ("★ " if job.starred else "") + ("▣ " if job.group_id else "")
    kind = KIND_MARK.get(job.kind)
    if kind:
        marks += kind + " "
    if not changes or not (changes[0] or changes[1]):
        return Text(marks + one_line(job.params.prompt, width))
    text = Text(marks)
    removed, added = changes
    for sign, words, style in (("+", added, "green"), ("-", removed, "red")):
        for phrase in words:
            text.append(sign + one_line(phrase, CHANGE_KEPT), style=style)
            text.append(" ")
    text.append("│ ", style="dim")
    text.append(one_line(job.params.prompt, width))
    return text


class ParentPrompts(FastDataTable):
    """A room of JobList: what a derived job changed from its parent's prompt, and the parents' prompts it needs."""

    # JobList's, which this room reads.
    jobs: dict[str, Job]
    widths: dict[str, int]
    if TYPE_CHECKING:
        def set_cell(self, local_id: str, key: str, value: Text) -> None: ...  # JobList

    def __init__(self, **kwargs: Any) -> None:
        # A derived job's changed words, worked out once (its prompts, then the changes), and the prompts of parents
        # that are not rows here, read from the history once in a batch (None: not found there).
        self._changes: dict[str, tuple[str, str, tuple[list[str], list[str]]]] = {}
        self._parent_prompts: dict[str, str | None] = {}
        self._parents_wanted: set[str] = set()
        super().__init__(**kwargs)

    def changes(self, job: Job) -> tuple[list[str], list[str]] | None:
        """The words taken out of and put into the parent's prompt (core.diff); None while the parent's prompt is
        not known (it is asked for from the history, and the row shows the changes once it is there)."""
        parent = self.jobs.get(job.parent_id) if job.parent_id else None
        if parent is not None:
            old = parent.params.prompt
        elif job.parent_id in self._parent_prompts:
            old = self._parent_prompts[job.parent_id]  # type: ignore[assignment]
            if old is None:
                return None
        else:
            self._want_parent(job.parent_id)  # type: ignore[arg-type]
            return None
        new = job.params.prompt
        cached = self._changes.get(job.local_id)
        if cached is not None and cached[0] == old and cached[1] == new:
            return cached[2]
        found = prompt_changes(old, new)
        self._changes[job.local_id] = (old, new, found)
        return found

    def _want_parent(self, parent_id: str) -> None:
        if not self._parents_wanted:
            self.call_later(self._read_parents)  # one read for every parent the rows added meanwhile want
        self._parents_wanted.add(parent_id)

    def _read_parents(self) -> None:
        wanted, self._parents_wanted = sorted(self._parents_wanted), set()
        history = getattr(getattr(self.app, "session", None), "history", None)
        if not wanted or history is None:
            for parent_id in wanted:
                self._parent_prompts.setdefault(parent_id, None)
            return
        self.run_worker(self._read_parents_from(history, wanted), group="job-parents", exit_on_error=False,
                        description=N_("the prompts remixes were made from"))

    async def _read_parents_from(self, history: Any, wanted: list[str]) -> None:
        import asyncio

        for parent_id in wanted:
            self._parent_prompts[parent_id] = None  # asked once, found or not
        found = await asyncio.to_thread(history.get_many, wanted)
        for parent in found:
            self._parent_prompts[parent.local_id] = parent.params.prompt
        if "prompt" not in self.widths:
            return
        for job in list(self.jobs.values()):
            if job.parent_id in wanted and job.local_id in self.rows:
                self.set_cell(job.local_id, "prompt", prompt_cell(job))
