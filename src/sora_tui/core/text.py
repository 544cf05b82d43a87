"""Making untrusted text (prompts, server messages) safe to show in a terminal."""

from __future__ import annotations

import re

from .redact import redact

# C0 controls except tab/newline, DEL, C1 controls, and bidi overrides/isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_control(text: str | None) -> str:
    """Remove terminal control characters (ESC sequences lose their ESC and become harmless text), and any key a
    server echoed back (core/redact.py)."""
    if not text:
        return ""
    return redact(_UNSAFE.sub("", str(text)))


def one_line(text: str | None, limit: int | None = None) -> str:
    """A single display line: controls stripped, whitespace runs folded, optionally cut with '…'."""
    line = " ".join(strip_control(text).split())
    if limit is not None and len(line) > limit:
        line = line[: max(0, limit - 1)] + "…"
    return line


def middle(text: str | None, limit: int) -> str:
    """One display line cut in the middle ('start…end'): for file names, whose ends say the most."""
    line = one_line(text)
    if len(line) <= limit:
        return line
    head = max(1, (limit - 1) // 2)
    return line[:head] + "…" + line[len(line) - (limit - 1 - head):]
