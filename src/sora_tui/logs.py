"""Logging to a file in the data dir (never the screen, which belongs to the TUI), with secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from .core.redact import redact, remember


class RedactFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        remember(*secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        return True


class QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A log file that cannot be written (a full or read-only disk) is not worth a word on the user's terminal:
    logging's default prints "--- Logging error ---" and a stack dump to stderr, over the CLI's output and the TUI.
    What failed is counted instead, for whoever asks."""

    failures = 0

    def handleError(self, record: logging.LogRecord) -> None:  # logging's own name
        type(self).failures += 1


def setup_logging(log_dir: Path, secrets: list[str] | None = None, level: int = logging.INFO) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "sora-tui.log"
    handler = QuietFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter([*(secrets or []), os.environ.get("OPENAI_API_KEY", "")]))
    root = logging.getLogger("sora_tui")
    root.handlers = [h for h in root.handlers if not isinstance(h, logging.handlers.RotatingFileHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False  # nothing reaches stderr (and so the TUI's screen)
    return path
