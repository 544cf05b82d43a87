"""A take made for a storyboard says so in its lineage: the board's title, the shot and whether it is the chosen
take; a job made elsewhere says nothing of boards and reads nothing for it."""

from __future__ import annotations

from pathlib import Path

from sora_tui.core.board import Board, Shot
from sora_tui.core.board_toml import board_doc
from sora_tui.core.job import Job
from sora_tui.core.params import GenerationParams
from sora_tui.store import HistoryStore
from sora_tui.tui.screens.lineage import board_place, lineage_text, on_a_board


def test_the_lineage_names_the_board_and_the_shot(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.json")
    try:
        board = Board(title="凧の一日", shots=(Shot("a red kite", 4, shot_id="sht_a"),
                                              Shot("it loops", 4, "continue", shot_id="sht_b")))
        take = Job.new(GenerationParams("it loops"), extra={"board_id": board.board_id, "shot_id": "sht_b"})
        other = Job.new(GenerationParams("it loops"), extra={"board_id": board.board_id, "shot_id": "sht_b"})
        loose = Job.new(GenerationParams("a kite, on its own"))
        store.add_many([take, other, loose])
        assert board_place(store, take) is None  # the board is not kept (yet): nothing to name
        store.save_board(board_doc(board.choose("sht_b", take.local_id)))
        assert board_place(store, take) == "Storyboard “凧の一日”: shot 2 of 2, the chosen take"
        assert board_place(store, other) == "Storyboard “凧の一日”: shot 2 of 2"
        assert not on_a_board(loose) and board_place(store, loose) is None
        gone = Job.new(GenerationParams("x"), extra={"board_id": board.board_id, "shot_id": "sht_gone"})
        assert board_place(store, gone) == "Storyboard “凧の一日”: a shot no longer on it"
        text = lineage_text(take, [], [], [take], board_place(store, take)).plain
        assert text.splitlines()[1] == "Storyboard “凧の一日”: shot 2 of 2, the chosen take"
        assert "Storyboard" not in lineage_text(loose, [], [], [loose]).plain
    finally:
        store.close()
