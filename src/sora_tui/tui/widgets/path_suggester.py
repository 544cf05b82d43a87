"""PathSuggester: completes a file path in an Input as it is typed (→ accepts it), offering directories and files of
the kinds the field takes. The composer's reference image and the character dialog's video use it."""

from __future__ import annotations

import asyncio
import os

from textual.suggester import Suggester

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


class PathSuggester(Suggester):
    """Completes a file path as it is typed (→ accepts): directories and image files only."""

    def __init__(self, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.suffixes = suffixes

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.startswith(("http://", "https://", "data:")):
            return None
        return await asyncio.to_thread(self._complete, value, self.suffixes)

    @staticmethod
    def _complete(value: str, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> str | None:
        expanded = os.path.expanduser(value)
        folder, stem = os.path.split(expanded)
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        for name in names:
            if not name.startswith(stem) or name == stem or (name.startswith(".") and not stem.startswith(".")):
                continue
            full = os.path.join(folder, name)
            if os.path.isdir(full):
                return value + name[len(stem):] + "/"
            if name.lower().endswith(suffixes):
                return value + name[len(stem):]
        return None
