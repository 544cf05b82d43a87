"""The base of the app's full screens: not styled twice before its first frame, and its workers' failures said."""

from __future__ import annotations

from ..failures import ReportsWorkerFailures
from ..textual_fence import PromptFramesScreen, StyledOnceScreen


class StyledOnce(ReportsWorkerFailures, StyledOnceScreen, PromptFramesScreen):  # type: ignore[type-arg]
    """A full screen of the app: its first resume does not restyle what was just styled (StyledOnceScreen says why
    and how much that saves), and a worker of its own that fails is said, not raised (ReportsWorkerFailures)."""
