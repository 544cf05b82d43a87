"""write_whole: a file a person asked for (a board exported) is there whole or not at all, over an older one."""

from __future__ import annotations

from pathlib import Path

import pytest

from sora_tui.durable import write_whole


def test_a_file_is_replaced_whole_and_a_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "board.toml"
    target.write_text("old", encoding="utf-8")
    write_whole(target, 'title = "凧の一日"\n')
    assert target.read_text(encoding="utf-8") == 'title = "凧の一日"\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.toml"]
    with pytest.raises(OSError):
        write_whole(tmp_path / "no-such-folder" / "board.toml", "new")
    with pytest.raises(OSError):  # a folder where the file should be: the rename fails, the temporary file goes
        (tmp_path / "taken").mkdir()
        write_whole(tmp_path / "taken", "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.toml", "taken"]
    assert target.read_text(encoding="utf-8") == 'title = "凧の一日"\n'
