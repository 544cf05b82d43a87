"""What the commands say and how: stdout for the answer (text, or JSON lines under --json), stderr for everything
said about it, text fitted to the terminal's width in cells, and a [y/N] question's answer read back.

Kept light (no Rich tables, no service events): the package imports it for `sora-tui --help`."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, TextIO

from ..core.i18n import _
from ..core.text import json_for_terminal, strip_control

PROG = "sora-tui"


def err(message: str) -> None:
    print(f"{PROG}: {strip_control(message)}", file=sys.stderr)  # the command's name, as Unix tools say theirs


def job_json(job: Any) -> dict[str, Any]:
    doc = job.to_doc()
    doc["id"] = job.video_id
    if doc.get("error"):
        doc["error"].pop("said", None)  # --json is English whatever language the reason was said in
    return doc


def print_json(obj: Any) -> None:
    # Safe on a terminal and the same data for a parser: the export's JSON lines are written the same way.
    sys.stdout.write(json_for_terminal(json.dumps(obj, ensure_ascii=False)) + "\n")


def print_jobs(jobs: list[Any], as_json: bool) -> None:
    from ..core.status import JobStatus, label
    from .listing import job_line, jobs_header

    for job in jobs:  # why a job failed goes to stderr, whatever stdout carries
        if job.status in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED, JobStatus.UNCERTAIN) and job.error:
            err(_("{id} {status}: {reason}").format(id=job.short_id, status=label(job.status),
                                                    reason=job.error.shown))
    if as_json:
        if len(jobs) == 1:
            print_json(job_json(jobs[0]))
        else:
            for job in jobs:
                print_json(job_json(job))
        return
    width = terminal_width()
    if width is not None and jobs:
        print(jobs_header(width))
    for job in jobs:
        print(job_line(job, width))


def yes(answer: str) -> bool:
    """A [y/N] question's answer: y or yes, or the interface language's own word for it."""
    word = answer.strip().lower()
    return word in ("y", "yes") or (bool(word) and word in _("y,yes").lower().split(","))


# --- the terminal's width, in cells ------------------------------------------------------------------------
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


def cells(text: str) -> int:
    """How many terminal cells `text` takes (a Japanese glyph: two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # only for text that is not ASCII: English help does without it

    return cell_len(text)


# What may break: at a space, or between two glyphs of a script written without spaces; never before closing
# punctuation (、。）」), a small kana or the long-vowel mark, nor after an opening bracket: Japanese keeps those
# with their neighbour.
_ATOM = re.compile(r"\s+|[「『（]*(?:[\x21-\x7e]+|[^\x00-\x7f\s])"
                   r"[、。，．）」』!?)\]\.,:;ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々・]*|\S")


def wrap_cells(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells (a word longer than that stays whole on a line of its own)."""
    text = re.sub(r"\s+", " ", text).strip()
    lines: list[str] = []
    line, used = "", 0
    for atom in _ATOM.findall(text):
        if atom == " ":
            if line:
                line, used = line + " ", used + 1
            continue
        size = cells(atom)
        if line and used + size > width:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + atom, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines
