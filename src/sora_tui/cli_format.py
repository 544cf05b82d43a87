"""Plain-text rendering of jobs for the CLI: one-line listings, details, and live progress on stderr."""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

from rich.cells import cell_len

from .core.cost import cost_cell_text, cost_cells, cost_text, job_cost
from .core.i18n import N_, _, ngettext, pgettext
from .core.job import SHORT_ID_LENGTH, Job, asset_name
from .core.status import JobStatus, label, labels
from .core.text import Col, cut, one_line, pad, plan_columns, strip_control
from .service.events import (
    DownloadFailed,
    DownloadProgressed,
    Event,
    JobCompleted,
    JobDownloaded,
    JobFailed,
    JobProgressed,
    JobSubmitted,
    JobUncertain,
    ServiceNotice,
)


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


def terminal_width(stream: TextIO | None = None) -> int | None:
    """The width in cells of the terminal `stream` (stdout) writes to, COLUMNS first as POSIX has it; None when it
    is not a terminal (a pipe or a file gets every column, the same whatever the terminal)."""
    stream = sys.stdout if stream is None else stream
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):  # closed or not a real stream
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


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


class ProgressPrinter:
    """One status line per event on a terminal's stderr; silent when not a terminal."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self._last: dict[str, str] = {}

    def start(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._say(job, label(job.status))

    def _say(self, job: Job, text: str) -> None:
        if not self.enabled:
            return
        if self._last.get(job.local_id) == text:
            return
        self._last[job.local_id] = text
        self.stream.write(f"  {job.short_id}  {strip_control(text)}\n")
        self.stream.flush()

    def on_event(self, event: Event) -> None:
        if isinstance(event, ServiceNotice):
            if self.enabled:
                self.stream.write(f"  ! {strip_control(event.message)}\n")
            return
        job = event.job
        if isinstance(event, DownloadProgressed):
            if event.total:
                pct = int(100 * event.received / event.total)
                self._say(job, _("downloading the {asset}: {pct}%").format(asset=asset_name(event.variant),
                                                                          pct=pct // 10 * 10))
        elif isinstance(event, JobDownloaded):
            self._say(job, _("downloaded the {asset}: {path}").format(asset=asset_name(event.file.variant),
                                                                      path=event.file.path))
        elif isinstance(event, DownloadFailed):
            self._say(job, _("the download of the {asset} failed: {message}").format(
                asset=asset_name(event.variant), message=event.message))
        elif isinstance(event, JobFailed):
            if job.error:
                self._say(job, _("{status}: {message}").format(status=label(job.status), message=job.error.shown))
            else:
                self._say(job, label(job.status))
        elif isinstance(event, JobCompleted):
            self._say(job, label(JobStatus.COMPLETED))
        elif isinstance(event, JobUncertain):
            self._say(job, _("uncertain: checking whether the server got it"))
        elif isinstance(event, (JobProgressed, JobSubmitted)):
            bucket = job.progress // 10 * 10
            self._say(job, f"{label(job.status)} {bucket}%" if job.status in (JobStatus.IN_PROGRESS,) else label(job.status))

    def finish(self) -> None:
        if self.enabled:
            self.stream.flush()


# --- tables of figures (`sora-tui spend`) ------------------------------------------------------------------------
NAME_FLOOR = 8  # cells a name column keeps before columns are left out to make room


def table(columns: list[Col], rows: list[dict[str, str]], width: int | None, *, right: tuple[str, ...] = (),
          names: tuple[str, ...] = ()) -> list[str]:
    """A title line and one line per row, the columns two cells apart, each as wide as its widest cell (in cells:
    a Japanese title is two a glyph). On a terminal (`width` cells) the `names` columns (free text: profile and
    model names) are cut with '…' first, to no fewer than NAME_FLOOR cells; then the columns of the highest rank
    are left out until the rest fit. A pipe (`width` None) gets every column whole."""
    needs = {c.key: max([cell_len(_(c.title))] + [cell_len(row.get(c.key, "")) for row in rows]) for c in columns}
    shown = list(columns)
    widths = _fit(shown, needs, width, names)
    while widths is None:
        droppable = [c for c in shown if c.rank > 0]
        if not droppable:
            widths = {c.key: min(needs[c.key], NAME_FLOOR) if c.key in names else needs[c.key] for c in shown}
            break
        shown.remove(max(droppable, key=lambda c: c.rank))
        widths = _fit(shown, needs, width, names)
    lines = [_table_line({c.key: _(c.title) for c in shown}, widths, right)]
    lines += [_table_line(row, widths, right) for row in rows]
    if width is not None:  # the last resort at a very narrow width: no line wraps
        lines = [cut(line, width).rstrip(" ") for line in lines]
    return lines


def _fit(shown: list[Col], needs: dict[str, int], width: int | None, names: tuple[str, ...]) -> dict[str, int] | None:
    """Each shown column's cells within `width`, the name columns cut (the widest first) down to NAME_FLOOR; None
    when they do not fit even so."""
    widths = {c.key: needs[c.key] for c in shown}
    if width is None:
        return widths
    over = sum(widths.values()) + 2 * (len(widths) - 1) - width
    cuttable = [k for k in widths if k in names]
    while over > 0:
        widest = max(cuttable, key=lambda k: widths[k], default=None)
        if widest is None or widths[widest] <= NAME_FLOOR:
            return None
        widths[widest] -= 1
        over -= 1
    return widths


def _table_line(cells: dict[str, str], widths: dict[str, int], right: tuple[str, ...]) -> str:
    return "  ".join(pad(cells.get(key, ""), size, right=key in right) for key, size in widths.items()).rstrip(" ")
