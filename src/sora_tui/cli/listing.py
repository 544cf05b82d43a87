"""Jobs as plain text: the `jobs` listing (its columns fitted to the terminal's width in cells, or all of them for
a pipe) and `show`'s details."""

from __future__ import annotations

import time
from typing import Any

from rich.cells import cell_len

from ..core.cost import cost_cell_text, cost_cells, cost_text, job_cost
from ..core.i18n import N_, _, ngettext, pgettext
from ..core.job import SHORT_ID_LENGTH, Job, asset_name
from ..core.status import label, labels
from ..core.text import Col, one_line, pad, plan_columns, strip_control


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "-"


# The listing's columns (`sora-tui jobs`): on a terminal, those that fit its width (in cells) with the prompt taking
# the rest; written to a pipe or a file, all of them with the prompt cut at PIPED_PROMPT cells. Columns are two
# cells apart.
LISTING = (Col("id", N_("ID")), Col("status", N_("Status")), Col("model", N_("Model"), 3), Col("size", N_("Size"), 4),
           Col("secs", N_("Sec"), 5), Col("cost", N_("Cost"), 2), Col("when", N_("Created"), 1),
           Col("prompt", N_("Prompt")))
RIGHT = ("size", "secs", "cost")  # numbers line up on the right
PIPED_PROMPT = 60


def listing_widths(width: int | None) -> dict[str, int]:
    """Each shown column's cells (the prompt's: what is left of `width`, or PIPED_PROMPT when there is no width)."""
    needs = {"id": SHORT_ID_LENGTH, "status": max(cell_len(text) for text in labels()) + 4,  # " 42%"
             "model": 10, "size": 9, "secs": 3, "when": 16,
             "cost": cost_cells()}
    needs = {c.key: max(cell_len(_(c.title)), needs.get(c.key, 0)) for c in LISTING}
    if width is None:
        return {**needs, "prompt": PIPED_PROMPT}
    return plan_columns(LISTING, needs, width, padding=1)


def _line(cells: dict[str, str], widths: dict[str, int]) -> str:
    """One row: each cell padded (or cut) to its column by cells; the last one is only cut, and nothing trails."""
    keys = list(widths)
    parts = []
    for key in keys:
        text = cells[key]
        if key == keys[-1]:
            parts.append(one_line(text, widths[key]))
        else:
            parts.append(pad(text, widths[key], right=key in RIGHT))
    return "  ".join(parts).rstrip(" ")


def jobs_header(width: int | None = None) -> str:
    """The listing's column titles, for the same `width` as its lines (see job_line)."""
    widths = listing_widths(width)
    return _line({c.key: _(c.title) for c in LISTING}, widths)


def job_line(job: Job, width: int | None = None) -> str:
    """One job as a line of the listing, no wider than `width` cells: terminal_width() for a terminal (then with
    jobs_header(width) above the lines), None for a pipe or a file."""
    cost = cost_cell_text(job_cost(job))
    status = label(job.status)
    if job.is_active and job.progress:
        status += f" {job.progress}%"
    cells = {"id": job.short_id,  # the id the TUI shows too; `show --json` has the server's
             "status": status, "model": strip_control(job.params.model), "size": strip_control(job.params.size),
             "secs": f"{job.params.seconds}s", "cost": cost, "when": _when(job.created_at),
             "prompt": one_line(job.params.prompt)}
    return _line(cells, listing_widths(width))


def job_detail(job: Job) -> str:
    rows: list[tuple[str, Any]] = [
        (_("short id"), job.short_id),
        (_("id"), job.video_id or _("(not on the server)")),
        (_("local id"), job.local_id),
        (_("status"), label(job.status) + (f" ({job.progress}%)" if job.is_active else "")),
        (_("kind"), job.kind),
        (_("model"), job.params.model),
        (_("size"), job.params.size),
        (_("seconds"), job.params.seconds),
        (_("reference image"), job.params.image or "-"),
        (_("profile"), job.profile),
        (_("server"), job.server or "-"),
        (_("parent"), job.parent_id or "-"),
        (_("variation group"), job.group_id or "-"),
        (pgettext("job detail", "cost"), cost_text(job_cost(job))),
        (_("created"), _when(job.created_at)),
        (_("completed"), _when(job.completed_at)),
        (_("assets expire"), _when(job.expires_at)),
        (_("starred"), _("yes") if job.starred else _("no")),
    ]
    choice = job.extra.get("choice") if isinstance(job.extra, dict) else None  # what Keep made of the take
    if choice == "kept":
        rows.append((_("take"), _("kept (the one chosen of its group)")))
    elif choice == "passed":
        rows.append((_("take"), _("not chosen (another take of its group was kept)")))
    if isinstance(job.extra.get("board_id"), str):  # made for a storyboard's shot (sora-tui board list)
        rows.append((_("storyboard"), f"{job.extra['board_id']} / {job.extra.get('shot_id') or '-'}"))
    if job.tags:
        rows.append((_("tags"), ", ".join(job.tags)))
    if job.error:
        rows.append((_("error"), f"{job.error.code}: {job.error.shown}"))
    for f in job.files:
        made = "  " + _("made locally from the video (the server did not give it)") if f.made_locally else ""
        size = ngettext("{count} byte", "{count} bytes", f.bytes).format(count=f"{f.bytes:,}")
        rows.append((_("file ({variant})").format(variant=asset_name(f.variant)),
                     f"{f.path}  {size}  {f.digest_label(16)}{made}"))
    width = max(cell_len(k) for k, _v in rows)  # labels line up by cells: a Japanese one is two a glyph
    lines = [f"{pad(k, width)}  {strip_control(str(v))}" for k, v in rows]
    lines.append("")
    lines.append(_("prompt:"))
    lines.append(strip_control(job.params.prompt))
    if job.notes:
        lines += ["", _("notes:"), strip_control(job.notes)]
    return "\n".join(lines)

