"""Prompt tips: reads a video prompt as it is typed and returns the composer's checklist.

Heuristics over keywords, checked against the chosen parameters; every tip is advice, never a blocker. The
prompt's own language decides which lexicons read it (`en.py`, `ja.py`; a prompt that mixes both is read by
both); the tips are written in the interface's language (through the catalog), and the examples they give are in
the prompt's, since they are meant to be typed into it.

analyse() reads the prompt once (reading.py) and hands that reading to each part of the checklist in turn: the
ingredients (ingredients.py), the parameters the text contradicts (parameters.py), craft advice (craft.py) and
the guardrails (guardrails.py), each a Tip (report.py) worded by say.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..params import DEFAULT_MODEL, DEFAULT_SECONDS, DEFAULT_SIZE
from . import en, ja
from .craft import craft_advice
from .guardrails import guardrail_tips
from .ingredients import INGREDIENTS, ingredient_tips
from .parameters import parameter_conflicts, parse_seconds
from .reading import prompt_language, read, snippets_for
from .report import CONFLICT, INFO, MISSING, PRESENT, WARNING, Tip, TipsReport
from .snippets import SNIPPETS, SNIPPETS_JA, snippets

__all__ = ["CONFLICT", "INFO", "INGREDIENTS", "MISSING", "PRESENT", "SNIPPETS", "SNIPPETS_JA", "WARNING", "Tip",
           "TipsReport", "analyse", "prepare", "prompt_language", "snippets", "snippets_for"]


def prepare() -> None:
    """Compile what the first analyse() would (for a thread to do ahead of time)."""
    en.prepare()
    ja.prepare()


def analyse(prompt: str, *, model: str = DEFAULT_MODEL, size: str = DEFAULT_SIZE,
            seconds: str | int = DEFAULT_SECONDS, has_image: bool = False, variations: int = 1,
            characters: Iterable[str] = ()) -> TipsReport:
    """The composer's checklist for `prompt` with these parameters.

    `characters`: names of cameo characters the user may use (consent confirmed when each was created).
    Cheap enough to run on every keystroke: one regex scan of the prompt per language plus a few targeted ones.
    """
    reading = read(prompt)
    ingredients = ingredient_tips(reading)
    present = sum(t.state == PRESENT for t in ingredients)
    secs = parse_seconds(seconds)
    advice = parameter_conflicts(reading, model=model, size=size, secs=secs) + craft_advice(
        reading, present, size=size, secs=secs, has_image=has_image, variations=variations)
    guardrails = guardrail_tips(reading, characters)
    return TipsReport(ingredients, advice, guardrails, reading.language)
