"""The keys of the job tables (the live table and the history's results), and the moves that are the table's own.

Each key asks for something on the selected job (JobList's `Action`, which the app's job actions answer), marks it, or
moves: as in vi, less, lazygit and k9s, and to the selected job's lineage where the screen has no room beside the
table for it.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from ...core.i18n import N_
from ..textual_fence import FastDataTable

JOB_KEYS: list[BindingType] = [
    Binding("enter", "job('details')", N_("Details"), tooltip=N_("Everything about the selected job, with its picture"), id="job.details"),
    Binding("r", "job('retry')", N_("Retry"), tooltip=N_("Run the selected job again with the same settings"), id="job.retry"),
    Binding("v", "job('variations')", N_("Takes"), tooltip=N_("Two more takes of the same prompt and settings, in its group"), id="job.variations"),
    Binding("m", "job('remix')", N_("Remix"), tooltip=N_("A new prompt applied to the selected video (pre-filled with the old one)"), id="job.remix"),
    Binding("x", "job('extend')", N_("Extend"), tooltip=N_("Add 4-20 seconds to the selected video"), id="job.extend", show=False),
    Binding("e", "job('edit')", N_("Edit"), tooltip=N_("Edit the selected video with a new prompt"), id="job.edit", show=False),
    Binding("d", "job('download')", N_("Download"), tooltip=N_("Download the video (resumable, checksummed)"), id="job.download"),
    Binding("D", "job('download_variant')", N_("Download…"), tooltip=N_("Choose: video, thumbnail or spritesheet"), id="job.download_variant", show=False),
    Binding("o", "job('open')", N_("Open"), tooltip=N_("Open the downloaded MP4 in the system player"), id="job.open", show=False),
    Binding("c", "job('copy')", N_("Copy…"), tooltip=N_("Copy the prompt, the id or the file path"), id="job.copy"),
    Binding("p", "job('reuse')", N_("To composer"), tooltip=N_("Send the prompt and its settings back to the composer"), id="job.reuse", show=False),
    Binding("s", "job('star')", N_("Star"), tooltip=N_("Star or unstar the selected job"), id="job.star"),
    Binding("n", "job('note')", N_("Note"), tooltip=N_("Tags and a note on the selected job"), id="job.note", show=False),
    Binding("delete", "job('delete')", N_("Delete"), tooltip=N_("Delete the video on the server (asks first)"), id="job.delete", show=False),
    Binding("L", "lineage", N_("Lineage"), tooltip=N_("Show the selected job's lineage where the screen has no room for it; again to go back"), id="job.lineage", show=False),
    Binding("space", "mark", N_("Mark"), tooltip=N_("Mark or unmark the selected job (compare marked jobs with =)"), id="job.mark", show=False),
    Binding("equals_sign", "job('compare')", N_("Compare"), tooltip=N_("The takes side by side: the marked jobs, or the selected job's group"), id="job.compare", key_display="=", show=False),
    # Moving as in vi, less, lazygit and k9s; the arrows, page keys and home/end still work (DataTable's).
    Binding("j", "cursor_down", N_("Down"), tooltip=N_("The next job"), id="jobs.down", show=False),
    Binding("k", "cursor_up", N_("Up"), tooltip=N_("The previous job"), id="jobs.up", show=False),
    Binding("g", "scroll_top", N_("First"), tooltip=N_("The first job in the table"), id="jobs.first", show=False),
    Binding("G", "scroll_bottom", N_("Last"), tooltip=N_("The last job in the table"), id="jobs.last", show=False),
    Binding("ctrl+d", "half_page(1)", N_("Half page down"), tooltip=N_("Half a page of jobs down"), id="jobs.half_down", show=False),
    Binding("ctrl+u", "half_page(-1)", N_("Half page up"), tooltip=N_("Half a page of jobs up"), id="jobs.half_up", show=False),
]


class TableMoves(FastDataTable):
    """A room of JobList: the moves its keys make that DataTable has not (half pages, the lineage in its place)."""

    # --- the lineage, where the screen has no room for it beside the table ----------------------------------------
    def action_lineage(self) -> None:
        """The screen's own way to show the selected job's lineage (the workbench: in place of the composer), or its
        lineage box made to take the table's place but a few rows (the history, where a short terminal hides it);
        again to go back."""
        screen = self.screen
        toggle = getattr(screen, "toggle_lineage", None)
        if toggle is not None:
            toggle()
        elif screen.query("#lineage-box"):
            screen.toggle_class("-lineage")
        else:
            return
        self.keep_cursor_in_view()

    # --- moving ------------------------------------------------------------------------------------------
    def action_half_page(self, direction: int) -> None:
        """Half a page of rows down (1) or up (-1), as ctrl+d and ctrl+u do in vi and less."""
        if not self.row_count:
            return
        rows = max(1, (self.scrollable_content_region.height - self.header_height) // 2)
        row = max(0, min(self.row_count - 1, self.cursor_row + direction * rows))
        self.move_cursor(row=row)
