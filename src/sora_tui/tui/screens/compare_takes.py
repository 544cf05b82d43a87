"""What the compare view shows of each take, apart from the screen: its flipbook, read from what is on disk (no
server is asked: compare works offline), and its prompt's changes against the first take's, word by word.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from ...core.diff import word_diff, words
from ...core.i18n import _
from ...core.status import JobStatus
from ...core.status import label as status_label
from ...core.text import strip_control
from ..widgets.frames import PreviewError, load_frames, load_thumbnail, video_frames

if TYPE_CHECKING:
    from PIL.Image import Image

    from ...core.job import Job

CONTEXT = 16  # cells of words kept either side of a change in a take's prompt diff; the rest is cut to "…"
REMOVED = Style(color="red", strike=True, dim=True)
ADDED = Style(color="green", bold=True)


def take_frames(job: Job) -> list[Image]:
    """A take's flipbook, from what is on disk (no server is asked: compare works offline): its spritesheet, else the
    same frames decoded from its video, else its thumbnail as a still. PreviewError says why there is none. Reads
    and decodes: call it off the UI thread."""
    from ...service.files import is_picture

    size = job.params.size
    sheet, video, thumb = job.file("spritesheet"), job.file("video"), job.file("thumbnail")
    if sheet is not None and is_picture(Path(sheet.path)):
        return load_frames(sheet.path, size)
    if video is not None and os.path.isfile(video.path):
        return video_frames(video.path, size)
    if thumb is not None and is_picture(Path(thumb.path)):
        return [load_thumbnail(thumb.path)]
    if video is not None:
        raise PreviewError(_("The video ({name}) is not on disk any more; download it again (d) to compare it.")
                           .format(name=os.path.basename(video.path)))
    if job.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED):
        raise PreviewError(_("No picture: the take is {status}.").format(status=status_label(job.status)))
    raise PreviewError(_("Not downloaded: download its video (d in the jobs table) to compare it."))


def flat_text(text: str) -> str:
    """The text on one line: control characters out, every run of white space one space."""
    return re.sub(r"\s+", " ", strip_control(text))


def _cut(text: str, head: bool, tail: bool) -> str:
    """An unchanged stretch of a prompt, shortened to about CONTEXT cells of words at the end(s) that touch a change
    (by cells, not words: a Japanese word is a short run of one script)."""
    tokens = words(text)
    if cell_len(text) <= CONTEXT * ((1 if head else 0) + (1 if tail else 0)) + 6:
        return text

    def taken(order: list[str]) -> list[str]:
        kept: list[str] = []
        cells = 0
        for token in order:
            if cells >= CONTEXT and token.strip():
                break
            kept.append(token)
            cells += cell_len(token)
        return kept

    before = "".join(taken(tokens)).rstrip() if head else ""
    after = "".join(reversed(taken(tokens[::-1]))).lstrip() if tail else ""
    if before and after:
        return f"{before} … {after}"
    return f"{before} …" if before else f"… {after}"


def diff_text(old: str, new: str) -> Text:
    """What `new` changes in `old`, word by word: removed words struck through in red, added ones in green, the
    unchanged stretches cut to the few words around each change."""
    parts = word_diff(old, new)
    text = Text()
    last = len(parts) - 1
    for n, (op, piece) in enumerate(parts):
        piece = flat_text(piece)
        if op == "=":
            text.append(_cut(piece, head=n > 0, tail=n < last))
        else:
            if op == "+" and n and parts[n - 1][0] == "-" and not piece[:1].isspace() \
                    and not text.plain[-1:].isspace():
                text.append(" ")  # a replacement: the words taken out and those put in, not run together
            text.append(piece, REMOVED if op == "-" else ADDED)
    return text
