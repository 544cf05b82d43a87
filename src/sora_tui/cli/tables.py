"""Tables of figures (`sora-tui spend`): columns as wide as their widest cell, fitted to the terminal by cutting
the name columns and then leaving out the columns that matter least."""

from __future__ import annotations

from rich.cells import cell_len

from ..core.i18n import _
from ..core.text import Col, cut, pad

NAME_FLOOR = 8  # cells a name column keeps before columns are left out to make room


def table(columns: list[Col], rows: list[dict[str, str]], width: int | None, *, right: tuple[str, ...] = (),
          names: tuple[str, ...] = ()) -> list[str]:
    """A title line and one line per row, the columns two cells apart, each as wide as its widest cell (in cells:
    a Japanese title is two a glyph). On a terminal (`width` cells) the `names` columns (free text: profile and
    model names) are cut with '…' first, to no fewer than NAME_FLOOR cells; then the columns of the highest rank
    are left out until the rest fit. A pipe (`width` None) gets every column whole."""
    needs = {c.key: max([cell_len(_(c.title))] + [cell_len(row.get(c.key, "")) for row in rows]) for c in columns}
    shown = list(columns)
    widths = _fit(shown, needs, width, names)
    while widths is None:
        droppable = [c for c in shown if c.rank > 0]
        if not droppable:
            widths = {c.key: min(needs[c.key], NAME_FLOOR) if c.key in names else needs[c.key] for c in shown}
            break
        shown.remove(max(droppable, key=lambda c: c.rank))
        widths = _fit(shown, needs, width, names)
    lines = [_table_line({c.key: _(c.title) for c in shown}, widths, right)]
    lines += [_table_line(row, widths, right) for row in rows]
    if width is not None:  # the last resort at a very narrow width: no line wraps
        lines = [cut(line, width).rstrip(" ") for line in lines]
    return lines


def _fit(shown: list[Col], needs: dict[str, int], width: int | None, names: tuple[str, ...]) -> dict[str, int] | None:
    """Each shown column's cells within `width`, the name columns cut (the widest first) down to NAME_FLOOR; None
    when they do not fit even so."""
    widths = {c.key: needs[c.key] for c in shown}
    if width is None:
        return widths
    over = sum(widths.values()) + 2 * (len(widths) - 1) - width
    cuttable = [k for k in widths if k in names]
    while over > 0:
        widest = max(cuttable, key=lambda k: widths[k], default=None)
        if widest is None or widths[widest] <= NAME_FLOOR:
            return None
        widths[widest] -= 1
        over -= 1
    return widths


def _table_line(cells: dict[str, str], widths: dict[str, int], right: tuple[str, ...]) -> str:
    return "  ".join(pad(cells.get(key, ""), size, right=key in right) for key, size in widths.items()).rstrip(" ")
