"""Logging to a file in the data dir (never the screen, which belongs to the TUI), with secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

# Anything shaped like a bearer token or an OpenAI-style key, whatever its origin.
_KEYISH = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+[A-Za-z0-9_\-.]{6,})")


class RedactFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        record.msg, record.args = _KEYISH.sub("[redacted]", text), ()
        return True


def setup_logging(log_dir: Path, secrets: list[str] | None = None, level: int = logging.INFO) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "sora-tui.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter([*(secrets or []), os.environ.get("OPENAI_API_KEY", "")]))
    root = logging.getLogger("sora_tui")
    root.handlers = [h for h in root.handlers if not isinstance(h, logging.handlers.RotatingFileHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False  # nothing reaches stderr (and so the TUI's screen)
    return path
