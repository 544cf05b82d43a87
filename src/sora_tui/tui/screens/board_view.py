"""What the storyboard screen shows of a board, apart from the screen: its header line, one row per shot, the
boards' list, and the cost of what is left to send. Plain functions of the board and its progress (no I/O), so
they are the same in the picker, the board and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

from ...core.board import Board, film_seconds
from ...core.board_run import STATE_WORDS, ShotProgress, finished, stuck
from ...core.board_text import join_text, seconds_text, shot_tips, title_line
from ...core.cost import Cost, estimate, money
from ...core.i18n import N_, _
from ...core.text import cut, one_line

if TYPE_CHECKING:
    from ...core.params import ModelSpec

# The shots' table: (key, title) in order; the titles are marked here and translated where the table is made.
COLUMNS = [("n", N_("#")), ("join", N_("Join")), ("seconds", N_("Seconds")), ("takes", N_("Takes")),
           ("tips", N_("Tips")), ("state", N_("State")), ("chosen", N_("Chosen")), ("prompt", N_("Prompt"))]
BOARD_COLUMNS = [("title", N_("Title")), ("shots", N_("Shots")), ("chosen", N_("Chosen")), ("state", N_("State"))]
PROMPT_MIN = 12  # cells the prompt column keeps however narrow the screen
# What the boards' list says of a board as a whole (a shot's own states are core.board_run's STATE_WORDS).
BOARD_STATES = {"empty": N_("no shots"), "draft": N_("draft"), "generating": N_("generating"),
                "ready": N_("takes ready"), "failed": N_("failed"), "done": N_("all chosen")}


def left_to_send(board: Board, shots: Sequence[ShotProgress], models: Mapping[str, ModelSpec]) -> Cost:
    """What sending every shot not generated yet would cost (the service's plan_cost, from the profile's models,
    so that it is said before the server is reached too)."""
    amount: float | None = 0.0
    seconds = 0
    for p in shots:
        if p.state in ("draft", "waiting"):
            one = estimate(board.model, board.size, p.shot.seconds, models, board.takes_for(p.shot))
            amount = None if amount is None or one.amount is None else amount + one.amount
            seconds += one.seconds or 0
    return Cost(None if amount is None else round(amount, 4), amount is not None, True, True, seconds)


def cost_words(cost: Cost, local: bool) -> str:
    """The cost of what is left in words: never "$0.00" for a price that is not known."""
    if not cost.known or cost.amount is None:
        return _("price unknown")
    if cost.amount == 0 and local:
        return _("free (local render)")
    return money(cost.amount)


def header_line(board: Board, shots: Sequence[ShotProgress], profile: Any, width: int | None = None) -> str:
    """"Shiba at dusk — sora-2, 1280x720 · local · film 16 s · free (local render) to send", at most `width` cells:
    the title is cut first, so the length and the cost stay in sight."""
    cost = left_to_send(board, shots, profile.models)
    marker = "\x00"
    line = _("{board} · {profile} · film {seconds} s · {cost} to send").format(
        board=marker, profile=profile.name, seconds=f"{film_seconds(board):g}",
        cost=cost_words(cost, profile.is_local))
    head, _mark, tail = line.partition(marker)
    title = title_line(board)
    if width is not None and cell_len(head + title + tail) > width:
        room = width - cell_len(head + tail)
        if room < 8:
            return cut(head + title + tail, width)
        title = cut(title, room)
    return head + title + tail


def shot_rows(board: Board, shots: Sequence[ShotProgress], prompt_cells: int) -> list[tuple[str, ...]]:
    """One row per shot, in COLUMNS' order; the prompt on one line, cut to `prompt_cells` cells with "…"."""
    rows: list[tuple[str, ...]] = []
    for n, shot in enumerate(board.shots, 1):
        p = shots[n - 1] if n - 1 < len(shots) and shots[n - 1].shot.shot_id == shot.shot_id else None
        state = _(STATE_WORDS[p.state]) if p is not None else _(STATE_WORDS["draft"])
        takes = str(board.takes_for(shot))
        if p is not None and p.takes:
            takes = f"{len(p.usable)}/{len(p.takes)}"
        chosen = p.chosen.short_id if p is not None and p.chosen is not None else "-"
        prompt = one_line(shot.prompt, max(PROMPT_MIN, prompt_cells)) or _("(no prompt yet)")
        tips = "{}/{}".format(*shot_tips(board, shot)[0])  # the prompt's ingredients the tips find (e edits it)
        rows.append((str(n), join_text(shot), seconds_text(shot), takes, tips, state, chosen, prompt))
    return rows


def prompt_cells(width: int, rows: Sequence[tuple[str, ...]], titles: Sequence[str]) -> int:
    """The cells left for the prompt column at `width`: the other columns as wide as their widest cell, two cells
    between columns (a DataTable's padding)."""
    others = 0
    for i, title in enumerate(titles[:-1]):
        others += max([cell_len(title), *(cell_len(row[i]) for row in rows)]) + 2
    return max(PROMPT_MIN, width - others - 2 - 2)  # the prompt's own padding, and the scrollbar's room


def board_state(board: Board, shots: Sequence[ShotProgress]) -> str:
    """The key of BOARD_STATES that says where a board's run stands."""
    if not board.shots:
        return "empty"
    if finished(shots):
        return "done"
    if any(p.busy for p in shots):
        return "generating"
    if stuck(shots):
        return "failed"
    if any(p.state == "ready" for p in shots):
        return "ready"
    return "draft"


def board_row(board: Board, shots: Sequence[ShotProgress], title_cells: int) -> tuple[str, str, str, str]:
    """The boards' list's row: title, shots, chosen x/N, state."""
    chosen = sum(1 for p in shots if p.state == "chosen")
    return (one_line(board.title or _("(untitled board)"), title_cells), str(len(board.shots)),
            f"{chosen}/{len(board.shots)}",
            _(BOARD_STATES[board_state(board, shots)]))


def film_name(title: str) -> str:
    """The film's file name from the board's title, as the CLI names it: letters, digits and dashes, or "film"."""
    name = "-".join("".join(ch if ch.isalnum() else " " for ch in title).split())
    return (name[:80] or "film") + ".mp4"
