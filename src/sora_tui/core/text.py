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


# What JSON lets stand raw inside a string and a terminal acts on: DEL, C1 controls (U+009B alone starts a
# control sequence on many terminals) and the bidi overrides/isolates. JSON escapes C0 controls itself.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_for_terminal(json_text: str) -> str:
    """JSON text (as json.dumps(..., ensure_ascii=False) writes it) with DEL, the C1 controls and the bidi
    controls written as \\uXXXX escapes: harmless on a terminal, and exactly the same data to a JSON parser.
    They can only occur inside strings, where such an escape means the very same character; everything else is
    left as it is."""
    return _UNSAFE_IN_JSON.sub(_json_escape, json_text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


# A cell starting with one of these is read as a formula by spreadsheets (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value as a CSV cell that is safe to print and to open in a spreadsheet. Every terminal control (C0
    but tab and newline, DEL, C1, bidi) becomes a visible escape (\\x1b, \\u202e); a cell that would start a
    formula gets a leading ' (OWASP's advice). Newlines stay: the CSV quoting keeps a multi-line prompt in its
    one cell for any CSV reader, and on a terminal a newline only starts a line (the carriage return, which
    could write over one, is escaped). The escapes cannot be told from the same text typed out: JSON lines is
    the export that reads back exactly."""
    text = "" if value is None else str(value)
    safe = _UNSAFE.sub(_visible_escape, text)
    return "'" + safe if text.startswith(_FORMULA_START) else safe


def _visible_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
