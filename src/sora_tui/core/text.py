"""Making untrusted text (prompts, server messages) safe to show in a terminal."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len, split_graphemes

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


# --- widths in terminal cells ----------------------------------------------------------------------------------
# A terminal draws a Japanese glyph (East Asian Wide) in two cells, a combining mark in none, most emoji in two:
# every cut and pad here counts cells (Rich's measure, the one the TUI draws with), never characters, and cuts only
# between graphemes (Rich's split: a base with its combining marks, an emoji with its ZWJ sequence and variation
# selector), so no glyph is split, none is left half drawn and no mark loses its base.
ELLIPSIS = "…"


def _graphemes(text: str) -> list[tuple[int, int]]:
    """(end index, cell width) of each grapheme of `text`, in order."""
    spans, _ = split_graphemes(text)
    return [(end, width) for _, end, width in spans]


def _prefix(text: str, limit: int) -> str:
    """The longest run of whole graphemes from the start of `text` that is at most `limit` cells wide."""
    if limit <= 0:
        return ""
    if text.isascii() and text.isprintable():  # a cell and a grapheme each character: its start is the answer
        return text[:limit]
    # Only the start of the text is split (a 2,000-character prompt cut for a column was split whole, on every row
    # drawn): a grapheme only ever grows as the split reads on, so the first that does not fit in the window does
    # not fit in the whole text either, and the cut falls where it would. When all of the window fits (marks and
    # joiners take no room), the whole text is split.
    window = text[:2 * limit + 8]
    end, over = _fitting(_graphemes(window), limit)
    if over is None and len(window) < len(text):
        end, over = _fitting(_graphemes(text), limit)
    head = text[:end]
    while head and cell_len(head) > limit:  # never wider, even where Rich's split and its measure disagree
        head = head[:-1]
    return head


def _fitting(graphemes: list[tuple[int, int]], limit: int) -> tuple[int, int | None]:
    """(where the run of graphemes from the first that fits in `limit` cells ends, the index of the first that does
    not fit, or None when all do)."""
    end = used = 0
    for at, (stop, width) in enumerate(graphemes):
        if used + width > limit:
            return end, at
        end, used = stop, used + width
    return end, None


def _suffix(text: str, limit: int) -> str:
    """The longest run of whole graphemes at the end of `text` that is at most `limit` cells wide."""
    if limit <= 0:
        return ""
    graphemes = _graphemes(text)
    starts = [0] + [stop for stop, _ in graphemes[:-1]]
    start, used = len(text), 0
    for begin, (_, width) in zip(reversed(starts), reversed(graphemes)):
        if used + width > limit:
            break
        start, used = begin, used + width
    tail = text[start:]
    while tail and cell_len(tail) > limit:
        tail = tail[1:]
    return tail


def _filled(text: str, width: int, right: bool = False) -> str:
    """`text` with spaces after it (before it when `right`) up to `width` cells. Added one at a time and measured
    whole: a space after a lone joiner (U+200D) joins it and counts for nothing."""
    fill = ""
    while cell_len(fill + text if right else text + fill) < width:
        fill += " "
    return fill + text if right else text + fill


def cut(text: str, limit: int) -> str:
    """`text` as it is when it fits in `limit` cells; else its longest whole-grapheme start and '…', exactly
    `limit` cells wide (a space after the '…' where a wide glyph did not fit)."""
    if cell_len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    head = _prefix(text, limit - 1)
    while head and cell_len(head + ELLIPSIS) > limit:  # the '…' measured with what it follows
        head = _prefix(head, cell_len(head) - 1)
    return _filled(head + ELLIPSIS, limit)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """`text` in exactly `width` cells: cut with '…' when longer, filled with spaces (on the left when `right`)
    when shorter."""
    line = cut(text, max(0, width))
    if right and line != text:  # the fill a cut ends with goes before it instead
        line = line.rstrip(" ")
    return _filled(line, width, right)


def one_line(text: str | None, limit: int | None = None, *, fill: bool = False) -> str:
    """A single display line: controls stripped, whitespace runs folded, cut to `limit` cells with '…' (a cut line
    is exactly `limit` cells wide); `fill` pads a shorter one with spaces to `limit` too."""
    line = " ".join(strip_control(text).split())
    if limit is None:
        return line
    return pad(line, limit) if fill else cut(line, limit)


def middle(text: str | None, limit: int) -> str:
    """One display line cut in the middle ('start…end'), at most `limit` cells (exactly `limit` when cut): for file
    names, whose ends say the most."""
    line = one_line(text)
    if cell_len(line) <= limit:
        return line
    if limit <= 1:
        return ELLIPSIS[:max(0, limit)]
    room = limit - 1
    head = _prefix(line, max(1, room // 2))
    tail = _suffix(line[len(head):], room - cell_len(head))
    cut_line = head + ELLIPSIS + tail
    while tail and cell_len(cut_line) > limit:  # measured whole, as with cut()
        tail = tail[1:]
        cut_line = head + ELLIPSIS + tail
    return _filled(cut_line, limit)


# --- columns that fit a width --------------------------------------------------------------------------------
# The prompt column's width is what the others leave; a column a width can do without is added only while the
# prompt keeps at least PROMPT_MIN cells, and the prompt never gets fewer than PROMPT_FLOOR.
PROMPT_MIN, PROMPT_FLOOR = 20, 8


@dataclass(frozen=True)
class Col:
    """A column a table may show: its key, its title (marked, translated where shown), and its rank: 0 for the
    columns every width keeps, then 1, 2, ... in the order the others are added as the width allows."""

    key: str
    title: str
    rank: int = 0


def plan_columns(columns: Iterable[Col], needs: dict[str, int], available: int, padding: int,
                 prompt_min: int = PROMPT_MIN, prompt_floor: int = PROMPT_FLOOR) -> dict[str, int]:
    """The columns shown in `available` cells and each one's content width, in display order. `needs` is each
    column's width (its widest content or title, without the `padding` on both sides); the "prompt" column takes
    what the others leave (its need is only its least: its title). Columns of rank 0 are always shown; the rest are
    added by rank while the prompt keeps `prompt_min` cells, up to the first that does not fit: a wider table shows
    more of the same sequence, never a later column without an earlier one."""
    columns = list(columns)
    shown = {c.key for c in columns if c.rank == 0}

    def used(keys: set[str]) -> int:
        return sum(needs[k] + 2 * padding for k in keys if k != "prompt") + (2 * padding if "prompt" in keys else 0)

    for column in sorted((c for c in columns if c.rank > 0), key=lambda c: c.rank):
        if available - used(shown | {column.key}) < prompt_min:
            break
        shown.add(column.key)
    widths = {c.key: needs[c.key] for c in columns if c.key in shown}
    if "prompt" in widths:  # never narrower than its title (its need) or the floor
        widths["prompt"] = max(prompt_floor, needs.get("prompt", 0), available - used(shown))
    return widths
