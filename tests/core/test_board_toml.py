"""A board's file: what is written reads back as the same board, and every mistake in a hand-written file is one
message with its line (and the key nearest a misspelt one)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sora_tui.core.board import Board, BoardError, Shot, check_board, film_seconds, segments, validate_board
from sora_tui.core.board_toml import HEADER, read_board, toml_string, write_board

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "storyboard-sample.toml"
SMALL = settings(max_examples=150, deadline=None, derandomize=True, database=None)

# Prompt text as people paste it: Japanese, emoji, quotes, backslashes, line breaks, tabs, TOML's own syntax.
_PIECES = st.sampled_from(["夕暮れの浜辺", "柴犬が走る。", "🐕", "👨\u200d👩\u200d👧", '"', "'", "\\", "\\n", "\n", "\t",
                           '"""', "'''", "[[shot]]", "# not a comment", "key = 1", "é", "\u3000", " "])
_TEXT = st.lists(st.one_of(_PIECES, st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                            max_size=8)), max_size=6).map("".join)
_PROMPT = _TEXT.filter(lambda t: bool(t.strip()))
_ONE_LINE = _TEXT.map(lambda t: t.replace("\n", " ").replace("\r", " "))
_ID = st.from_regex(r"[A-Za-z0-9_\-]{1,16}", fullmatch=True)
_OPTIONAL = st.none() | _ONE_LINE.filter(lambda t: bool(t.strip()))


@st.composite
def boards(draw: st.DrawFn) -> Board:
    count = draw(st.integers(min_value=1, max_value=6))
    shots = []
    for number in range(1, count + 1):
        join = "cut" if number == 1 else draw(st.sampled_from(["cut", "continue", "dissolve"]))
        continued = join == "continue"
        shots.append(Shot(
            prompt=draw(_PROMPT), seconds=draw(st.sampled_from([4, 8, 12])), join=join,
            dissolve_frames=draw(st.integers(min_value=1, max_value=90)) if join == "dissolve" else None,
            image=None if continued else draw(_OPTIONAL), character=None if continued else draw(_OPTIONAL),
            takes=draw(st.none() | st.integers(min_value=1, max_value=8)), chosen=draw(_OPTIONAL),
            shot_id=f"sht_{number}_{draw(_ID)}" if draw(st.booleans()) else Shot("x").shot_id))
    return Board(title=draw(_ONE_LINE), style=draw(_TEXT), model=draw(st.sampled_from(["sora-2", "sora-2-pro"])),
                 size="1280x720", takes=draw(st.integers(min_value=1, max_value=8)), shots=tuple(shots),
                 board_id=draw(st.none() | _ID) or Board().board_id)


@SMALL
@given(boards())
def test_a_written_board_reads_back_the_same(board: Board) -> None:
    assume(not check_board(board))  # a bidi override in a prompt, a dissolve too long: not a valid board
    text = write_board(board)
    assert text.startswith(HEADER)
    assert read_board(text) == board


def test_the_writer_escapes_what_toml_needs_and_keeps_japanese_as_text() -> None:
    assert toml_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert toml_string("一\n二\t三\r\x7f\x85\u202e🐕") == '"一\\n二\\t三\\r\\u007F\\u0085\\u202E🐕"'
    for text in ('a "b" \\ c', "一\n二\t三\r\x7f\x85\u202e🐕", "\x00\x1b"):
        assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text


def test_the_file_has_a_stable_key_order_and_leaves_unset_keys_out() -> None:
    board = Board(title="t", shots=(Shot("a", 8, shot_id="sht_00000001"),
                                    Shot("b", 4, "dissolve", 12, takes=3, chosen="video_1", shot_id="sht_00000002")),
                  board_id="brd_000000000001")
    body = write_board(board)[len(HEADER):]
    assert body == (
        '\ntitle = "t"\nstyle = ""\nmodel = "sora-2"\nsize = "720x1280"\ntakes = 1\nboard_id = "brd_000000000001"\n'
        '\n[[shot]]\nprompt = "a"\nseconds = 8\njoin = "cut"\nshot_id = "sht_00000001"\n'
        '\n[[shot]]\nprompt = "b"\nseconds = 4\njoin = "dissolve"\ndissolve_frames = 12\ntakes = 3\n'
        'chosen = "video_1"\nshot_id = "sht_00000002"\n')


def test_a_hand_written_file_needs_no_ids_and_gets_them_on_saving() -> None:
    board = read_board('title = "Kite"\n[[shot]]\nprompt = "A red kite"\n[[shot]]\nprompt = "It climbs"\n'
                       'join = "continue"\n')
    assert board.board_id.startswith("brd_") and all(s.shot_id.startswith("sht_") for s in board.shots)
    assert (board.model, board.size, board.takes, board.shots[0].seconds) == ("sora-2", "720x1280", 1, 4)
    again = read_board(write_board(board))
    assert again == board  # the ids made on reading are kept by the file


def test_the_sample_board_is_valid() -> None:
    board = read_board(SAMPLE.read_text(encoding="utf-8"), str(SAMPLE))
    assert validate_board(board) == board
    assert [s.join for s in board.shots] == ["cut", "continue", "dissolve", "cut"]
    assert board.shots[2].dissolve_frames == 12 and board.style and "shiba" in board.shots[0].prompt.lower()
    assert [(p.first, p.seconds) for p in segments(board)] == [(1, 12), (3, 8), (4, 8)]
    assert film_seconds(board) == pytest.approx(27.5)


def error(text: str) -> BoardError:
    with pytest.raises(BoardError) as info:
        read_board(text, "shiba.toml")
    return info.value


GOOD_TOP = 'title = "Shiba"\nsize = "1280x720"\n'


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD_TOP + '[[shot]]\nprompt = "a shiba"\nsecnds = 8\n', 5,
         "shiba.toml: Line 5 (shot 1): Unknown key secnds; did you mean seconds?"),
        (GOOD_TOP + 'titel = "x"\n[[shot]]\nprompt = "a"\n', 3, "Line 3: Unknown key titel; did you mean title?"),
        (GOOD_TOP + 'zzz = 1\n[[shot]]\nprompt = "a"\n', 3, "Unknown key zzz; the keys here are title, style,"),
        (GOOD_TOP + '[[shot]]\nprompt = "a"\nseconds = "8"\n', 5,
         "seconds must be a whole number without quotes, like seconds = 8, not \"8\"."),
        (GOOD_TOP + '[[shot]]\nprompt = "a"\ntakes = true\n', 5, "takes must be a whole number"),
        (GOOD_TOP + '[[shot]]\nprompt = "a"\nseconds = 8.0\n', 5, "not 8.0"),
        ('title = 7\n[[shot]]\nprompt = "a"\n', 1, 'title must be text in double quotes, like title = "Shiba at dusk"'),
        (GOOD_TOP + '[[shot]]\nprompt = "a"\n\n[[shot]]\nseconds = 8\n', 6, "Line 6 (shot 2): This shot has no prompt"),
        (GOOD_TOP + '[[shot]]\nprompt = "a"\n[[shot]]\nprompt = "b"\njoin = "disolve"\n', 7,
         'join must be "cut", "continue" or "dissolve", not "disolve"; did you mean "dissolve"?'),
        (GOOD_TOP + '[shot]\nprompt = "a"\n', 3, "Write each shot as [[shot]], with two brackets"),
        (GOOD_TOP + '[[shots]]\nprompt = "a"\n', 3, "Unknown key shots; did you mean shot?"),
        (GOOD_TOP + '[[shot]]\nprompt = "a"\nsize = "720x1280"\n', 5,
         "size is a setting of the whole board: move it above the first [[shot]]."),
        ('prompt = "a"\n', 1, "prompt is a setting of a shot: put it under a [[shot]] line."),
        (GOOD_TOP, None, "shiba.toml: The board has no shots"),
        ('title = "Shiba\n[[shot]]\n', 1, "shiba.toml: Line 1, column 15: This is not valid TOML (Illegal character"),
        (GOOD_TOP + '[[shot]]\nprompt = "a"\nseconds = \n', 5, "Line 5, column 11: This is not valid TOML"),
        (GOOD_TOP + 'title = "again"\n', 3, "Line 3, column"),
    ],
)
def test_every_mistake_names_its_line(text: str, line: int | None, message: str) -> None:
    problem = error(text)
    assert problem.line == line
    assert message in problem.message


def test_a_broken_rule_from_a_file_names_the_shot_and_the_line_of_its_key() -> None:
    text = (GOOD_TOP + '\n[[shot]]\nprompt = "A shiba on the beach"\nseconds = 8\n\n[[shot]]\nprompt = """\n'
            '[[shot]]\nseconds = 99\n"""\nseconds = 4\njoin = "continue"\nimage = "dog.png"\n')
    problem = error(text)
    assert (problem.shot, problem.key, problem.line) == (2, "image", 15)
    assert problem.message == ('shiba.toml: Line 15 (shot 2): A continued shot extends the shot before and takes no '
                               'image; remove the image line or make its join "cut".')
    # a rule about a key the file leaves out points at the shot's [[shot]] line
    problem = error(GOOD_TOP + '[[shot]]\nprompt = "a"\n[[shot]]\nprompt = "b"\njoin = "dissolve"\n')
    assert (problem.shot, problem.key, problem.line) == (2, "dissolve_frames", 5)
    problem = error('model = "sora-2"\nsize = "1920x1080"\n[[shot]]\nprompt = "a"\n')
    assert (problem.key, problem.line) == ("size", 2)
    assert "sora-2 does not render 1920x1080" in problem.message


def test_a_copied_shot_with_its_id_is_caught() -> None:
    shot = '[[shot]]\nprompt = "a"\nshot_id = "sht_00000001"\n'
    problem = error(GOOD_TOP + shot + shot)
    assert (problem.shot, problem.line) == (2, 8) and "same shot_id as shot 1" in problem.message


def test_japanese_file_errors(ja: None) -> None:
    problem = error(GOOD_TOP + '[[shot]]\nprompt = "柴犬"\nsecnds = 8\n')
    assert problem.line == 5 and "secnds" in problem.message and "seconds" in problem.message
    assert problem.message.startswith("shiba.toml: 5行目（ショット1）: ")
    board = read_board(GOOD_TOP + '[[shot]]\nprompt = "夕暮れの浜辺を走る柴犬"\n')
    assert read_board(write_board(board)) == board and "夕暮れの浜辺を走る柴犬" in write_board(board)
