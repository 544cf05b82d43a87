"""What the storyboard screen says of a board, apart from the screen: the header's cost (never $0 for a price that is
not known), the shots' rows cut in terminal cells, the boards' list, the film's name; and the timeline drawn again
at the screen's width when the terminal is resized."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pilot_helpers import wait_until
from rich.cells import cell_len
from textual.widgets import Static

from sora_tui.core.board import Board, Shot
from sora_tui.core.board_run import progress
from sora_tui.core.params import ModelSpec
from sora_tui.tui.screens.board_view import board_row, film_name, header_line, shot_rows

SIZE = "1280x720"


@dataclass
class Profile:  # what the header reads of a profile
    name: str
    models: dict[str, ModelSpec] = field(default_factory=dict)
    is_local: bool = False


def board(*prompts: str, takes: int = 1) -> Board:
    shots = tuple(Shot(prompt=p, seconds=4, join="cut" if n == 0 else "continue") for n, p in enumerate(prompts))
    return Board(title="Shiba at dusk", model="sora-2", size=SIZE, takes=takes, shots=shots)


def test_the_header_says_the_cost_left_and_never_zero_for_an_unknown_price() -> None:
    b = board("a shiba runs", "it stops", takes=2)
    shots = progress(b, [])
    priced = Profile("lab", {"sora-2": ModelSpec("sora-2", (SIZE,), price_per_second={"*": 0.25})})
    assert header_line(b, shots, priced).endswith("film 8 s · $4.00 to send")
    unknown = Profile("lab", {"sora-2": ModelSpec("sora-2", (SIZE,))})
    line = header_line(b, shots, unknown)
    assert "price unknown to send" in line and "$0" not in line
    local = Profile("local", {"sora-2": ModelSpec("sora-2", (SIZE,), price_per_second={"*": 0.0})}, is_local=True)
    assert "free (local render) to send" in header_line(b, shots, local)
    # narrow: the title is cut first, the length and the cost stay whole
    narrow = header_line(b, shots, priced, 50)
    assert cell_len(narrow) <= 50 and narrow.endswith("$4.00 to send") and "…" in narrow


def test_rows_cut_a_japanese_prompt_in_cells() -> None:
    b = board("柴犬が夕暮れの浜辺を走る、カメラはゆっくりと横に移動する", "それから波打ち際で立ち止まる")
    rows = shot_rows(b, progress(b, []), 16)
    # the tips read the Japanese prompts: subject, setting, camera move and more in the first; little in the second
    assert rows[0][:7] == ("1", "cut", "4", "1", "4/6", "draft", "-")
    assert rows[1][1:3] == ("continue", "+4") and rows[1][4] == "1/6" and rows[1][5] == "waiting"
    # exactly 16 cells: a wide glyph that did not fit left a space after the "…"
    assert cell_len(rows[0][7]) == 16 and rows[0][7].rstrip().endswith("…")
    assert cell_len(rows[1][7]) == 16 and rows[1][7].startswith("それから")
    assert board_row(b, progress(b, []), 40) == ("Shiba at dusk", "2", "0/2", "draft")


def test_the_film_is_named_after_the_title() -> None:
    assert film_name("Shiba at dusk!") == "Shiba-at-dusk.mp4"
    assert film_name("夕暮れの柴犬") == "夕暮れの柴犬.mp4"
    assert film_name("  ") == "film.mp4"


async def test_the_timeline_is_drawn_again_at_the_new_width(home: Path, engine_daemon: Path, tmp_path: Path) -> None:
    from test_board_screen import board_file, imported

    from sora_tui.tui.app import SoraApp

    app = SoraApp()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await imported(pilot, board_file(tmp_path))

        def drawn() -> str:
            return str(screen.query_one("#board-timeline", Static).render())

        await wait_until(pilot, lambda: cell_len(drawn()) > 140, what="the wide timeline")
        assert drawn().startswith("│1 4s━") and "╳3 4s" in drawn()
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: cell_len(drawn()) <= 78, what="the narrow timeline")
        assert "╳3 4s" in drawn()
