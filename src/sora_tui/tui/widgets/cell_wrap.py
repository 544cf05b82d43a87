"""Text wrapped by terminal cells, not characters: a Japanese glyph is two cells, a combining mark none, and a
line never starts with the punctuation that closes what comes before it (kinsoku). For text drawn cell by cell
(a preview's message, the spending screens' paragraphs), where Textual's own wrapping is not used.
"""
from __future__ import annotations

import re

from rich.cells import cell_len, split_graphemes

# Japanese punctuation that never starts a line (kinsoku): the character before it goes down with it.
_NO_LINE_START = frozenset("、。，．,.）」』】〕〉》!?！？ー・：；ゃゅょっぁぃぅぇぉャュョッァィゥェォ")


def _chop(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` cells, between graphemes (a Japanese glyph is two cells, a
    combining mark goes with its base); a line never starts with closing punctuation."""
    graphemes, _length = split_graphemes(text)
    lines: list[list[tuple[str, int]]] = [[]]
    used = 0
    for start, end, cells in graphemes:
        piece = text[start:end]
        if used + cells > width and lines[-1]:
            carried: list[tuple[str, int]] = []
            if piece in _NO_LINE_START and len(lines[-1]) > 1:
                carried = [lines[-1].pop()]
            lines.append(carried)
            used = sum(c for _g, c in carried)
        lines[-1].append((piece, cells))
        used += cells
    return ["".join(g for g, _c in line) for line in lines]


def wrap_cells(paragraph: str, width: int, *, fill_wide: bool = False) -> list[str]:
    """`paragraph` in lines of at most `width` terminal cells: broken at spaces, and a run wider than a line (a
    long file name, a Japanese sentence, which has no spaces) cut where the line is full, never inside a
    character. fill_wide: Japanese is broken between any two of its characters too (_wrap_wide)."""
    width = max(2, width)  # a two-cell character needs two
    if fill_wide:
        return _wrap_wide(paragraph, width)
    lines: list[str] = []
    line = ""
    for word in re.findall(r"\S+", paragraph):
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
            continue
        if line and cell_len(word) <= width:
            lines.append(line)
            line = word
            continue
        # wider than a line: fill this one first, then cut the rest by cells
        pieces = _chop(joined, width)
        lines.extend(piece.rstrip() for piece in pieces[:-1])
        line = pieces[-1].lstrip()
    if line:
        lines.append(line)
    return lines or [""]


_CLOSING = frozenset(":;,.)]}!?%")  # narrow punctuation that closes what comes before it


def _closes(piece: str) -> bool:
    """Whether a line may not start with this piece (it closes what comes before it)."""
    return piece in _NO_LINE_START or piece[0] in _CLOSING


def _wrap_wide(paragraph: str, width: int) -> list[str]:
    """Lines of at most `width` cells that break at spaces and before or after any wide (Japanese) character, so a
    Japanese sentence fills its lines even with spaced words in it ("… $1.50 を超えます。…"), while a run of narrow
    characters ("$1.00", a command) stays whole unless it is wider than a line. A line never starts with closing
    punctuation: what it closes goes down with it."""
    tokens: list[tuple[str, int, bool]] = []  # (text, cells, a space before it)
    for n, word in enumerate(re.findall(r"\S+", paragraph)):
        spaced, run = n > 0, ""
        graphemes, _length = split_graphemes(word)
        for start, end, cells in [*graphemes, (len(word), len(word), 2)]:  # a wide sentinel ends the last run
            if cells < 2:
                run += word[start:end]
                continue
            for piece in (_chop(run, width) if run else []):
                tokens.append((piece, cell_len(piece), spaced))
                spaced = False
            run = ""
            if end > start:
                tokens.append((word[start:end], cells, spaced))
                spaced = False
    lines: list[list[tuple[str, int, bool]]] = [[]]
    used = 0
    for token in tokens:
        piece, cells, spaced = token
        gap = 1 if spaced and lines[-1] else 0
        if used + gap + cells > width and lines[-1]:
            carried: list[tuple[str, int, bool]] = []
            first = token
            while not first[2] and _closes(first[0]) and len(lines[-1]) > 1:  # "）:" goes down with what it closes
                first = lines[-1].pop()
                carried.insert(0, first)
            lines.append(carried)
            used, gap = sum(c for _p, c, _s in carried), 0
        lines[-1].append(token)
        used += gap + cells
    return ["".join((" " if spaced and i else "") + piece for i, (piece, _c, spaced) in enumerate(line))
            for line in lines if line] or [""]
