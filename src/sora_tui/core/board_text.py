"""A board as people read it, the same in the CLI and the TUI: its title line, how each shot joins the one before,
its seconds, and what the tips find in each shot's prompt."""

from __future__ import annotations

from functools import lru_cache

from .board import Board, Shot, shot_prompt
from .i18n import _, language


def title_line(board: Board) -> str:
    """"Shiba at dusk — sora-2, 1280x720"."""
    return _("{title} — {model}, {size}").format(title=board.title or _("(untitled board)"), model=board.model,
                                                 size=board.size)


def join_text(shot: Shot) -> str:
    """How a shot follows the one before, in words ("dissolve 12f")."""
    if shot.join == "dissolve":
        return _("dissolve {frames}f").format(frames=shot.dissolve_frames)
    return {"cut": _("cut"), "continue": _("continue")}.get(shot.join, shot.join)


def seconds_text(shot: Shot) -> str:
    """A shot's seconds; what a continued shot adds to the video before it, with a plus."""
    return f"+{shot.seconds}" if shot.join == "continue" else str(shot.seconds)


def shot_tips(board: Board, shot: Shot) -> tuple[tuple[int, int], tuple[str, ...], tuple[str, ...]]:
    """What the tips find in the prompt `shot` sends (with the board's style line), at the board's settings: (the
    ingredients present, of how many), the ids of those missing, and their names (in the interface's language)."""
    return _tips(shot_prompt(board, shot), board.model, board.size, shot.seconds, bool(shot.image), language())


@lru_cache(maxsize=256)
def _tips(prompt: str, model: str, size: str, seconds: int, image: bool,
          language: str) -> tuple[tuple[int, int], tuple[str, ...], tuple[str, ...]]:
    """(`language`: the interface's, whose words the names are in: a switch of language is not served from the
    cache.)"""
    from .tips import analyse

    report = analyse(prompt, model=model, size=size, seconds=seconds, has_image=image)
    missing = [tip for tip in report.ingredients if tip.state == "missing"]
    return report.score, tuple(tip.id for tip in missing), tuple(tip.label for tip in missing)
