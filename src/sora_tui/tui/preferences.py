"""The TUI's own small preferences (the theme, the language, whether paid sends ask first), kept in the data dir beside the history as ui.json."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _path() -> Path:
    from ..config import Paths

    return Paths.from_env().home / "ui.json"


def load() -> dict[str, Any]:
    """What was saved, or nothing: a missing or damaged file only means the defaults."""
    try:
        text = _path().read_text(encoding="utf-8")
    except (OSError, ValueError):
        return {}
    import json  # only when there is a file: this runs before the first frame, and most starts have none

    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def save(**values: Any) -> None:
    import json

    path = _path()
    data = {**load(), **values}
    tmp = path.with_name(f".ui.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only data dir: the setting is simply not remembered
