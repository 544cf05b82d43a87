"""CharacterBook: the cameo characters created from this machine, with their server ids, in characters.json.

The server knows a character by id only; people know it by name and by the clip it came from. Small file,
rewritten whole via a temp file and a rename under a lock, so a crash never leaves half a list.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Character:
    id: str
    name: str
    source: str  # the video file it was made from
    profile: str
    server: str = ""
    created_at: float = field(default_factory=time.time)
    consent_confirmed_at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Character:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


class CharacterBook:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> list[Character]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            # keep what cannot be read for the user, start a fresh list
            self.path.replace(self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}"))
            return []
        items = data.get("characters", []) if isinstance(data, dict) else []
        return [Character.from_dict(c) for c in items if isinstance(c, dict) and c.get("id") and c.get("name")]

    def all(self) -> list[Character]:
        with self._locked():
            return self._read()

    def add(self, character: Character) -> None:
        with self._locked():
            items = [c for c in self._read() if c.id != character.id] + [character]
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"characters": [c.to_dict() for c in items]}, indent=1), encoding="utf-8")
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, self.path)

    def find(self, ref: str) -> Character | None:
        """By id, or by name (case-insensitive)."""
        items = self.all()
        return next((c for c in items if c.id == ref), None) or next(
            (c for c in items if c.name.casefold() == ref.casefold()), None)
