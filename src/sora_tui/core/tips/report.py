"""The checklist's shape: one Tip a line, the report that holds them, and the states a tip can be in."""

from __future__ import annotations

from dataclasses import dataclass

PRESENT = "present"
MISSING = "missing"
CONFLICT = "conflict"
WARNING = "warning"
INFO = "info"


@dataclass(frozen=True)
class Tip:
    """One checklist line. `detail` is a plain sentence: what was found (quoted) or what to add."""

    id: str
    label: str
    state: str  # present | missing | conflict | warning | info
    detail: str


@dataclass(frozen=True)
class TipsReport:
    """The checklist: `ingredients` always, `advice` and `guardrails` only where they apply."""

    ingredients: tuple[Tip, ...]  # always the six, in INGREDIENTS order
    advice: tuple[Tip, ...]  # only what applies to this prompt and these parameters
    guardrails: tuple[Tip, ...]  # rights, personal data, cameo; the "publishing" reminder is always last
    language: str = "en"  # the prompt's language: the one its snippets and examples are in

    @property
    def score(self) -> tuple[int, int]:
        """(ingredients present, ingredients in all)."""
        return sum(t.state == PRESENT for t in self.ingredients), len(self.ingredients)

    @property
    def tips(self) -> tuple[Tip, ...]:
        return self.ingredients + self.advice + self.guardrails

    def get(self, tip_id: str) -> Tip | None:
        return next((t for t in self.tips if t.id == tip_id), None)
