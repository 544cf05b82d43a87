"""The lineage of a job as text: where it came from, what was made from it, its sibling takes, its tags and note.

The history shows it beside its results, the workbench in the composer's place (screens.main).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ...core.i18n import N_, _
from ...core.status import label
from ...core.text import one_line, strip_control
from ..widgets.job_list import STATUS_STYLE
from ..widgets.prompt_cells import KIND_MARK
from .detail import choice_text

if TYPE_CHECKING:
    from ...core.job import Job
    from ...service.reads import HistoryReads

# How each kind of job is named in its lineage.
KIND_NAME = {"generate": N_("generate"), "remix": N_("remix"), "extend": N_("extend"), "edit": N_("edit"),
             "retry": N_("retry"), "variation": N_("variation")}


def on_a_board(job: Job) -> bool:
    """Whether the job was made for a storyboard's shot (board_place then says which)."""
    return isinstance(job.extra.get("board_id"), str)


def board_place(history: HistoryReads, job: Job) -> str | None:
    """Which storyboard and shot the job was made for, as the lineage says it: "Storyboard “Kite day”: shot 3 of 4,
    the chosen take". None when it was not made for one, or the board is no longer kept. Reads the history: in a
    thread."""
    doc = history.board(str(job.extra.get("board_id"))) if on_a_board(job) else None
    if doc is None:
        return None
    shots = [s for s in doc.get("shots") or () if isinstance(s, dict)]
    number = next((n for n, s in enumerate(shots, 1) if s.get("shot_id") == job.extra.get("shot_id")), None)
    title = strip_control(str(doc.get("title") or "")) or _("(untitled board)")
    if number is None:
        return _("Storyboard “{title}”: a shot no longer on it").format(title=title)
    chosen = shots[number - 1].get("chosen") in (job.local_id, job.short_id)
    return (_("Storyboard “{title}”: shot {n} of {count}, the chosen take") if chosen else
            _("Storyboard “{title}”: shot {n} of {count}")).format(title=title, n=number, count=len(shots))


def lineage_text(job: Job, ancestors: list[Job], below: list[tuple[int, Job]], group: list[Job],
                 place: str | None = None) -> Text:
    """The selected job in its family: where it came from, what was made from it, its sibling takes; `place`, the
    storyboard's shot it was made for (board_place)."""
    text = Text()
    text.append(_("Lineage") + "\n", style="bold")
    if place:
        text.append(one_line(place, 100) + "\n", style="italic")
    depth = 0
    for depth, a in enumerate(ancestors):
        text.append("  " * depth + ("└ " if depth else "") + f"{KIND_MARK.get(a.kind, '●')} {a.short_id} ", style="dim")
        text.append(one_line(a.params.prompt, 90) + "\n", style="dim")
    level = len(ancestors)
    text.append("  " * level + ("└ " if level else "") + f"{KIND_MARK.get(job.kind, '●')} {job.short_id} ", style="bold")
    text.append(one_line(job.params.prompt, 90) + "\n", style="bold")
    for d, child in below:
        kind = _(KIND_NAME[child.kind]) if child.kind in KIND_NAME else child.kind
        text.append("  " * (level + d) + f"└ {KIND_MARK.get(child.kind, '●')} {kind} {child.short_id} ")
        text.append(one_line(child.params.prompt, 80) + "\n")
    if not ancestors and not below:
        text.append("  " + _("(nothing was remixed, extended or retried from it)") + "\n", style="dim")
    if len(group) > 1:
        text.append("\n" + _("Takes in its group ({n})").format(n=len(group)) + "\n", style="bold")
        for g in group[:12]:
            mark = "▸ " if g.local_id == job.local_id else "  "
            text.append(f"{mark}{g.short_id} ", style="bold" if mark.strip() else "")
            text.append(Text(label(g.status), style=STATUS_STYLE.get(g.status, "")))
            text.append(" ★" if g.starred else "")
            choice = choice_text(g)
            if choice:
                text.append(" ")
                text.append_text(choice)
            text.append("\n")
    if job.tags or job.notes:
        text.append("\n" + _("Tags") + "  ", style="bold")
        text.append(strip_control(", ".join(job.tags)) or "—")
        if job.notes:
            text.append("\n" + _("Note") + "  ", style="bold")
            text.append(strip_control(job.notes))
        text.append("\n")
    if job.error:
        text.append("\n" + _("Error") + "  ", style="bold red")
        text.append(one_line(job.error.shown, 200) + "\n", style="red")
    return text
