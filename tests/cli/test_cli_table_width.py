"""`sora-tui jobs` as a table: on a terminal its lines fit the terminal's width in cells, with Japanese prompts and
Japanese titles, the columns lined up by cells; written to a pipe every column is there and the prompt is cut at a
fixed width."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import termios

import pytest
from rich.cells import cell_len

from sora_tui.cli.listing import LISTING, PIPED_PROMPT, job_detail, job_line, jobs_header
from sora_tui.cli.output import terminal_width
from sora_tui.core.i18n import _
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus

JA = "夕暮れの海辺を走る柴犬、カメラはゆっくり左へパン、波の音"
EN = "a red kite climbs over a windswept beach at golden hour, slow dolly left, cinematic 35 mm, gulls"


def jobs() -> list[Job]:
    made = []
    for i, status in enumerate([JobStatus.IN_PROGRESS, JobStatus.DOWNLOADED, JobStatus.CANCELED, JobStatus.FAILED]):
        job = Job.new(GenerationParams(JA if i % 2 == 0 else EN, model="sora-2-pro", size="1792x1024", seconds="12"),
                      status=status, progress=42)
        made.append(job)
    return made


def starts(line: str, piece: str) -> int:
    """Where `piece` starts in `line`, in cells."""
    return cell_len(line[:line.index(piece)])


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("width", [60, 80, 100, 120, 160, 200])
def test_the_listing_fits_the_terminal_by_cells(lang: str, width: int, request: pytest.FixtureRequest) -> None:
    if lang == "ja":
        request.getfixturevalue("ja")
    header = jobs_header(width)
    lines = [job_line(job, width) for job in jobs()]
    assert _("Prompt") in header and _("Status") in header and "ID" in header
    for line in (header, *lines):
        assert cell_len(line) <= width, (width, line)
        assert line == line.rstrip()
    # the columns line up by cells: each row's prompt starts under the header's title
    column = starts(header, _("Prompt"))
    for job, line in zip(jobs(), lines):
        assert starts(line, job.params.prompt[:3]) == column
    # a Japanese prompt is cut by cells with '…' and keeps whole glyphs
    japanese = lines[0]
    if cell_len(JA) > width - column:
        assert japanese.endswith("…") and JA.startswith(japanese[japanese.index(JA[:3]):-1])
    else:
        assert japanese.endswith(JA)
    # the status shown is the word a person reads, in the interface's language
    assert _("in progress") in lines[0] and _("downloaded") in lines[1]
    if width >= 120:  # wide enough for every column
        for col in LISTING:
            assert _(col.title) in header


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_piped_the_listing_has_every_column_and_a_fixed_prompt_width(lang: str, request: pytest.FixtureRequest) -> None:
    if lang == "ja":
        request.getfixturevalue("ja")
    header = jobs_header()
    lines = [job_line(job) for job in jobs()]
    for col in LISTING:
        assert _(col.title) in header
    assert starts(lines[0], JA[:3]) == starts(lines[1], EN[:3]) == starts(header, _("Prompt"))
    prompt = lines[1][lines[1].index(EN[:3]):]
    assert cell_len(prompt) == PIPED_PROMPT and prompt.endswith("…")
    assert lines[0].endswith(JA)  # 56 cells: whole
    assert "sora-2-pro" in lines[0] and "1792x1024" in lines[0] and "12s" in lines[0]


def test_terminal_width_reads_the_terminal_not_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 97, 0, 0))
        with open(follower, "w", closefd=False) as terminal:
            assert terminal_width(terminal) == 97
            monkeypatch.setenv("COLUMNS", "132")
            assert terminal_width(terminal) == 132
    finally:
        os.close(leader)
        os.close(follower)
    read, write = os.pipe()
    try:
        with open(write, "w", closefd=False) as pipe:
            assert terminal_width(pipe) is None
    finally:
        os.close(read)
        os.close(write)


def test_details_line_up_by_cells_in_japanese(ja: None) -> None:
    import re

    text = job_detail(jobs()[0])
    rows = text.splitlines()[:18]  # label, at least two spaces, value
    values = [re.fullmatch(r"(\S.*?)  +(\S.*)", row) for row in rows]
    assert all(values), rows
    # every value starts in the same cell, whatever the label's script (one cell of padding per two of a kanji)
    assert len({cell_len(row) - cell_len(match.group(2)) for row, match in zip(rows, values)}) == 1, rows
    assert "状態" in text and "生成中" in text and "プロンプト:" in text
