"""FastDataTable: a DataTable that draws only what changed, quickly, through DataTable's private drawing hooks.

DataTable (Textual 8.2.8) re-renders every visible cell after any one cell's update, draws each cell through Rich's
layout, works out its styles again on every line, measures every new cell with Rich, and sizes itself only after the
first frame. Each override here is measured (bench/keys.py) and each draws what DataTable's own way draws
(tests/tui/test_job_table.py). The tables of jobs are built on it (widgets/job_list.py); what they need of DataTable's
private state goes through the two methods at the top, resized_columns and keep_cursor_in_view.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._segment_tools import line_crop
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import DuplicateKey, Row, RowKey

from ...core.text import cut

_PLAIN = Style()  # what a segment without a style has (ours always have one)


class _FrameComponentStyles:
    """A component's styles whose rich_style is worked out once per frame (FastDataTable.render_lines); the rest as is."""

    __slots__ = ("_frame", "_key", "_styles")

    def __init__(self, styles: object, frame: dict[object, Any], names: tuple[str, ...]) -> None:
        self._styles, self._frame, self._key = styles, frame, names

    @property
    def rich_style(self) -> Style:
        style = self._frame.get(self._key)
        if style is None:
            style = self._frame[self._key] = self._styles.rich_style  # type: ignore[attr-defined]
        return style

    def __getattr__(self, name: str) -> object:
        return getattr(self._styles, name)


class FastDataTable(DataTable):
    """A DataTable whose cells are drawn again only when they change, one-line Text cells drawn straight to segments,
    and its styles worked out once a frame. Cells given as one-line Text with fixed column widths take the fast paths;
    anything else takes DataTable's own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Rendered cells that survive other cells' updates (see _render_cell), and each cell's version
        # (before DataTable's own set-up, which already clears caches).
        self._cells_drawn: LRUCache[tuple[object, ...], object] = LRUCache(10_000)
        self._cell_version: dict[tuple[object, object], int] = {}
        # Body cells drawn for what they show, wherever they are (_body_line), and each place's click style.
        self._cells_unplaced: LRUCache[tuple[object, ...], tuple[object, list[Segment]]] = LRUCache(1_500)
        self._metas: dict[tuple[int, int], Style] = {}
        super().__init__(*args, **kwargs)

    def resized_columns(self) -> None:
        """The columns' widths were changed in place: forget what was drawn at the old ones, and take the new
        virtual width."""
        self._clear_caches()
        self._update_dimensions([])
        self.refresh()

    def keep_cursor_in_view(self) -> None:
        """Once the table is drawn again (at its new size), scroll so that the cursor's row is on screen."""
        self.call_after_refresh(self._scroll_cursor_into_view)

    def on_mount(self) -> None:
        # The size the columns (and any rows loaded already) need, before the screen's first layout: DataTable works
        # it out when it first idles, which is after the first frame, and the new size laid out and painted the
        # whole screen again straight after it (10-15 ms of the cold start). The same calculation, done earlier.
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)

    # A table's virtual size is its rows and columns, and Textual lays the whole screen out again when it changes (a
    # layout reactive): each keystroke of a history search that listed another number of rows, 10-20 ms of its frame
    # (bench/keys.py). What the table's size changes for the rest of the screen is whether its scrollbars show, and
    # those lay it out through their own reactives when they come or go; the rest is the table's own: how far it
    # scrolls and its scrollbars' thumbs, set here as a layout would set them.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self) -> None:
        self._scroll_update(self.virtual_size)
        # DataTable widens its columns when it next idles, but rows drawn before that stay cached at the old
        # widths (cut-off cells until some later update). A new virtual size means new widths: draw again.
        self.notify_style_update()
        self.refresh()

    def add_rows_at_once(self, rows: Iterable[tuple[str, Sequence[object]]]) -> None:
        """One-line rows (key, cells) added at the end as add_row adds them one after another, with what add_row
        does again for each (the columns put in order twice, the cursor checked, the table counted as changed) done
        once: 55 rows of a search's page took 5 ms through add_row, most of a keystroke's work on the loop.
        tests/tui/test_table_lines.py checks the table is the one add_row makes."""
        columns = self.ordered_columns
        locations, data, table_rows, new_rows = self._row_locations, self._data, self.rows, self._new_rows
        start = index = self.row_count
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            locations[row_key] = index
            data[row_key] = {column.key: cell for column, cell in zip_longest(columns, cells)}
            table_rows[row_key] = Row(row_key, 1, None, False)
            new_rows.add(row_key)
            index += 1
        if index == start:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        # the first row of an empty table: a cursor where there was none, said as add_row says it
        if start == 0 and len(self.columns) > 0 and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    # --- drawing only the cells that changed ---------------------------------------------------------
    # DataTable keys its cache of rendered cells on a counter that every update_cell bumps, so one changed cell
    # re-renders every visible cell (a few hundred Rich renders, 50-100 ms at 160x45 with live rows updating
    # every second: the event loop's longest stalls in bench/keys.py). Body cells are cached here on what they
    # show instead: the cell's own version (bumped when it is updated; a header cell's label), where its row and
    # column are now, the width and the style.
    def update_cell(self, row_key, column_key, value, *, update_width: bool = False) -> None:  # type: ignore[no-untyped-def, override]
        key = (getattr(row_key, "value", row_key), getattr(column_key, "value", column_key))
        self._cell_version[key] = self._cell_version.get(key, 0) + 1
        super().update_cell(row_key, column_key, value, update_width=update_width)

    def remove_row(self, row_key) -> None:  # type: ignore[no-untyped-def, override]
        # Bumped, not forgotten: a row added again under the same key must not find the old row's drawings.
        row = getattr(row_key, "value", row_key)
        for column in self.columns:
            self._cell_version[(row, column.value)] = self._cell_version.get((row, column.value), 0) + 1
        super().remove_row(row_key)

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cells_drawn.clear()

    def clear(self, columns: bool = False):  # type: ignore[no-untyped-def, override]
        self._cells_drawn.clear()
        self._cell_version.clear()
        return super().clear(columns)

    def _render_cell(self, row_index: int, column_index: int, base_style, width: int,  # type: ignore[no-untyped-def, override]
                     cursor: bool = False, hover: bool = False):
        if column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        header = row_index < 0
        row_key = self._header_row_key if header else self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        fixed_rows, fixed_columns, *flags = self._cell_flags()
        fixed = not header and (row_index < fixed_rows or column_index < fixed_columns)
        # Keyed on the styles the cell is drawn with, not on the table's focus: a focus change redraws only the cells
        # whose style it changes (the cursor row), not all of them.
        component_style, post_style = self._get_styles_to_render_cell(header, False, fixed, hover, cursor, *flags)
        if header:
            version = self.columns[column_key].label.plain  # type: ignore[index]  # a drawn cell's keys are set
        else:
            version = self._cell_version.get((row_key.value, column_key.value), 0)  # type: ignore[union-attr,assignment]
        key = (row_key, column_key, row_index, column_index, version, base_style, component_style, post_style, width)
        lines = self._cells_drawn.get(key)
        if lines is None:
            if header:
                cell, height = self.columns[column_key].label, self.header_height  # type: ignore[index]
            else:
                cell, height = self._data[row_key][column_key], self.rows[row_key].height  # type: ignore[index]
            lines = self._one_line_cell(cell, height, row_index, column_index, base_style + component_style,
                                        post_style, width)
            if lines is None:
                lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
            self._cells_drawn[key] = lines
        return lines

    # --- whole body lines, from cells drawn wherever they were -------------------------------------------------
    # DataTable makes each line through its own caches, all keyed on the counter every change bumps, a list per cell,
    # a crop and a simplify: ~0.2 ms a line with every cell drawn already. After a search every visible row is new or
    # has moved, so every line and every cell was made again (15-25 ms of the keystroke's frame, bench/keys.py). A
    # body line of one-line cells is put together here from cells drawn once for what they show (the Text, its
    # width, its styles), wherever the row is now; the place each cell is at (what a click reads) is added as the
    # line is made. The header, fixed rows or columns, row labels, taller rows, another cursor or any other cell go
    # DataTable's way. tests/tui/test_job_table.py checks the lines are DataTable's own.
    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        line = self._body_line(y, x1, x2, base_style)
        return super()._render_line(y, x1, x2, base_style) if line is None else line

    def _body_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip | None:
        fixed_rows, fixed_columns, *flags = self._cell_flags()
        if fixed_rows or fixed_columns or self._labelled_row_exists or self.cursor_type != "row":
            return None
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return None
        row, cells = self.rows.get(row_key), self._data.get(row_key)
        if row is None or cells is None or row.height != 1 or line_no or row_key is self._header_row_key:
            return None
        row_index = self._row_locations.get(row_key)
        if row_index is None:
            return None
        cursor = self.cursor_coordinate.row == row_index
        hover = self.hover_coordinate.row == row_index
        row_style = self._get_row_style(row_index, base_style)
        component, post = self._get_styles_to_render_cell(False, False, False, hover, cursor, *flags)
        pre = row_style + component
        drawn = self._cells_unplaced
        segments: list[Segment] = []
        used = 0
        for column_index, column in enumerate(self.ordered_columns):
            cell = cells.get(column.key)
            width = column.get_render_width(self)
            used += width
            key = (id(cell), cell.plain if type(cell) is Text else None, pre, post, width)
            entry = drawn.get(key)
            if entry is not None and entry[0] is cell:
                line = entry[1]
            else:
                made = self._cell_segments(cell, 1, pre, post, width)
                if made is None:
                    return None
                line = made
                drawn[key] = (cell, line)  # the cell is kept with it, so its id is not another's while it is here
            meta = self._meta(row_index, column_index)
            segments += [Segment(text, (style or _PLAIN) + meta) for text, style, _control in line]
        # The rest of the width, as DataTable extends a row: its style with the cursor's and hover's, and a place out
        # of bounds.
        extend, _ = self._get_styles_to_render_cell(False, False, False, hover, cursor, flags[0], flags[1], False,
                                                    False)
        place = (row_index, -1)
        end = self._metas.get(place)
        if end is None:
            end = self._metas[place] = Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        segments.append(Segment(" " * max(0, self.size.width - used), row_style + extend + end))
        if len(self._metas) > 6_000:  # one a place drawn at: a long table scrolled through
            self._metas.clear()
        width = self.size.width
        return Strip(line_crop(segments, x1, x2, width)).adjust_cell_length(width, base_style).simplify()

    # --- one frame's styles ------------------------------------------------------------------------------------
    # DataTable asks for the table's style and its rows' component styles on every line it draws, and each answer
    # walks the widget's ancestors (about a third of a live table's frame: 0.6 ms a line at 160x45). Within one
    # render_lines call the styles cannot change, so each is worked out once there.
    _frame_styles: dict[object, Any] | None = None

    def render_lines(self, crop):  # type: ignore[no-untyped-def, override]
        self._frame_styles = {}
        try:
            return super().render_lines(crop)
        finally:
            self._frame_styles = None

    @property
    def rich_style(self) -> Style:
        frame = self._frame_styles
        if frame is None:
            return super().rich_style
        style = frame.get(None)
        if style is None:
            style = frame[None] = super().rich_style
        return style

    def get_component_styles(self, *names: str):  # type: ignore[no-untyped-def, override]
        styles = super().get_component_styles(*names)
        frame = self._frame_styles
        return styles if frame is None else _FrameComponentStyles(styles, frame, names)

    def _update_dimensions(self, new_rows) -> None:  # type: ignore[no-untyped-def, override]
        """Fit the columns to new rows. DataTable measures each new cell with Rich (1,000 new rows: 12,000
        measurements, ~200 ms on the event loop at once, bench/keys.py); a one-line Text's width is its cell length,
        which is what that measurement finds. Rows with anything else go to DataTable's own way."""
        columns = self.ordered_columns
        rest = []
        for row_key in new_rows:
            row, cells = self.rows.get(row_key), self._data.get(row_key)
            if row is None or cells is None or row.label is not None or row.auto_height:
                rest.append(row_key)
                continue
            widths = []
            for column in columns:
                cell = cells.get(column.key)
                if type(cell) is not Text or len(cell.plain.splitlines()) > 1:
                    break
                widths.append(max(1, cell.cell_len))
            else:
                for column, width in zip(columns, widths):
                    if width > column.content_width:  # noqa: PLR1730 (no max() call for every new cell)
                        column.content_width = width
                continue
            rest.append(row_key)
        super()._update_dimensions(rest)  # the rest, and the new virtual size

    def _cell_flags(self) -> tuple[int, int, bool, bool, bool, bool]:
        """The table settings every cell's drawing depends on (reactives: a dozen reads a cell added up), once a frame."""
        frame = self._frame_styles
        flags = frame.get("flags") if frame is not None else None
        if flags is None:
            flags = (self.fixed_rows, self.fixed_columns, self.show_cursor, self._show_hover_cursor,
                     self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            if frame is not None:
                frame["flags"] = flags
        return flags  # type: ignore[return-value]

    def _one_line_cell(self, cell: object, height: int, row_index: int, column_index: int, pre: Style, post: Style,
                       width: int) -> list[list[Segment]] | None:
        """A one-line Text cell (or column label) that fits its column, drawn straight to segments: what DataTable gets
        from Rich (a Padding in a Styled, laid out by the console) for 5-10x less time, which is most of a frame that
        redraws the table (bench/keys.py) and a fifth of the first frame's drawing. A cell wider than its column is
        cut to it by cells, with '…' (DataTable would crop it, maybe in the middle of a wide glyph). Anything else
        (several lines, tabs, centred) returns None and takes DataTable's own path.
        tests/tui/test_job_table.py checks the two draw the same."""
        line = self._cell_segments(cell, height, pre, post, width)
        if line is None:
            return None
        meta = self._meta(row_index, column_index)
        return [[Segment(text, (style or _PLAIN) + meta) for text, style, _control in line]]

    def _meta(self, row_index: int, column_index: int) -> Style:
        """The style that tells a click which cell it is on (DataTable's meta), made once for each place."""
        place = (row_index, column_index)
        meta = self._metas.get(place)
        if meta is None:
            meta = self._metas[place] = Style.from_meta({"row": row_index, "column": column_index})
        return meta

    def _cell_segments(self, cell: object, height: int, pre: Style, post: Style, width: int) -> list[Segment] | None:
        """_one_line_cell's segments, before the place they are drawn at is added to their styles."""
        pad = self.cell_padding
        inner = width - 2 * pad
        if type(cell) is not Text or inner <= 0 or height != 1:
            return None
        plain = cell.plain
        justify = cell.justify or "default"
        if "\n" in plain or "\t" in plain or justify not in ("default", "left", "right"):
            return None
        length = cell.cell_len
        if length > inner:
            cell = cell.copy()
            cell.plain = plain = cut(plain, inner)
            length = cell.cell_len
        if justify == "right" and plain != plain.rstrip():
            return None
        blank = pre + post
        console = self.app.console
        own = console.get_style(cell.style) if cell.style else None
        spaces_style = (pre + own + post) if own else blank  # padding Rich adds inside the Text carries its style
        line = [Segment(" " * pad, blank)] if pad else []
        if justify == "right" and length < inner:
            line.append(Segment(" " * (inner - length), spaces_style))
        # Text.render leaves out the Text's own style when it has no spans (Rich's layout adds it as a span)
        pieces = cell.render(console, end="") if cell.spans else ((plain, own, None),)
        for text, style, _control in pieces:
            if text:
                line.append(Segment(text, (pre + style + post) if style else blank))
        if length < inner and justify != "right":
            line.append(Segment(" " * (inner - length), spaces_style if justify == "left" else blank))
        if pad:
            line.append(Segment(" " * pad, blank))
        return list(Segment.simplify(line))  # once, here: a line of them is not simplified again per cell
