"""The storyboard model: its rules (one message per broken rule, naming the shot), its segments and length, the
prompt each shot sends, its cost and its one-line timeline."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from sora_tui.core.board import (
    FPS,
    MAX_CONTINUES,
    Board,
    BoardError,
    Shot,
    check_board,
    cost_estimate,
    film_seconds,
    segments,
    shot_prompt,
    timeline,
    validate_board,
)
from sora_tui.core.params import LOCAL_MODELS, MODELS, ModelSpec

SMALL = settings(max_examples=120, deadline=None, derandomize=True, database=None)


def shiba(**changes: Any) -> Board:
    """The four shots of the sample: cut, continue, dissolve 12 frames, cut."""
    shots = (
        Shot("A shiba inu trots along the beach at dusk", 8, shot_id="sht_00000001"),
        Shot("It sniffs a wave and hops back", 4, "continue", shot_id="sht_00000002"),
        Shot("Close-up of its face in the low sun", 8, "dissolve", 12, shot_id="sht_00000003"),
        Shot("It sits and watches the sunset", 8, shot_id="sht_00000004"),
    )
    board = Board(title="Shiba at dusk", style="35 mm film, warm light", size="1280x720", takes=2, shots=shots,
                  board_id="brd_000000000001")
    return replace(board, **changes)


def with_shot(board: Board, number: int, shot: Shot) -> Board:
    shots = list(board.shots)
    shots[number - 1] = shot
    return replace(board, shots=tuple(shots))


def only_problem(board: Board) -> BoardError:
    problems = check_board(board)
    assert len(problems) == 1, [p.message for p in problems]
    return problems[0]


def test_the_sample_shape_is_valid_and_new_ids_have_their_shape() -> None:
    assert validate_board(shiba()) == shiba()
    fresh = Board(shots=(Shot("a kite"),))
    assert fresh.board_id.startswith("brd_") and len(fresh.board_id) == 16
    assert fresh.shots[0].shot_id.startswith("sht_") and len(fresh.shots[0].shot_id) == 12
    assert Board().board_id != Board().board_id
    assert fresh.takes_for(fresh.shots[0]) == 1 and shiba().takes_for(Shot("x", takes=3)) == 3


@pytest.mark.parametrize(
    ("number", "shot", "key", "fragment"),
    [
        (1, Shot("   ", 8), "prompt", "The prompt is empty"),
        (1, Shot("a\x1bb", 8), "prompt", "control character"),
        (1, Shot("a dog", 10), "seconds", "sora-2 does not render 10 s; choose one of 4, 8, 12, 16, 20 seconds"),
        (1, Shot("a dog", 8, "continue"), "join", "The first shot cannot continue"),
        (1, Shot("a dog", 8, "dissolve", 12), "join", "The first shot cannot dissolve"),
        (2, Shot("runs", 6, "continue"), "seconds", "A continued shot adds 4, 8, 12, 16, 20 seconds, not 6"),
        (2, Shot("runs", 4, "continue", image="dog.png"), "image", "takes no image"),
        (2, Shot("runs", 4, "continue", character="char_1"), "character", "takes no character"),
        (3, Shot("face", 8, "dissolve"), "dissolve_frames", "needs dissolve_frames"),
        (3, Shot("face", 8, "dissolve", 0), "dissolve_frames", "needs dissolve_frames"),
        (4, Shot("sunset", 8, dissolve_frames=12), "dissolve_frames", 'only for join = "dissolve"'),
        (4, Shot("sunset", 8, takes=0), "takes", "between 1 and 8, not 0"),
        (4, Shot("sunset", 8, image=" "), "image", "image is empty"),
        (4, Shot("sunset", 8, shot_id="sht 1"), "shot_id", "is not an id"),
        (4, Shot("sunset", 8, shot_id="sht_00000001"), "shot_id", "same shot_id as shot 1"),
    ],
)
def test_each_broken_rule_is_one_message_naming_the_shot(number: int, shot: Shot, key: str, fragment: str) -> None:
    problem = only_problem(with_shot(shiba(), number, shot))
    assert (problem.shot, problem.key) == (number, key)
    assert fragment in problem.reason
    assert problem.message == f"Shot {number}: {problem.reason}"
    assert problem.line is None  # a board from no file has no lines
    with pytest.raises(BoardError) as info:
        validate_board(with_shot(shiba(), number, shot))
    assert info.value.message == problem.message


@pytest.mark.parametrize(
    ("changes", "key", "fragment"),
    [
        ({"shots": ()}, None, "no shots"),
        ({"model": "sora2"}, "model", 'The model "sora2" is not one this server renders; did you mean sora-2?'),
        ({"model": "veo"}, "model", "use one of sora-2,"),
        ({"size": "1920x1080"}, "size", "sora-2 does not render 1920x1080"),
        ({"takes": 9}, "takes", "between 1 and 8"),
        ({"title": "two\nlines"}, "title", "line break"),
        ({"style": "warm\x07"}, "style", "control character"),
        ({"board_id": ""}, "board_id", "is not an id"),
    ],
)
def test_board_wide_rules(changes: dict[str, object], key: str | None, fragment: str) -> None:
    problem = only_problem(shiba(**changes))
    assert (problem.shot, problem.key) == (None, key)
    assert fragment in problem.message


def test_models_a_server_lists_decide_model_size_and_seconds() -> None:
    other = {"veo-3": ModelSpec("veo-3", ("1920x1080",), ("6", "8"))}
    board = Board(model="veo-3", size="1920x1080", shots=(Shot("a kite", 6), Shot("it climbs", 4, "continue")))
    assert check_board(board, other) == []
    assert check_board(board, MODELS)[0].key == "model"
    assert check_board(shiba(), LOCAL_MODELS) == []
    assert check_board(shiba(model="sora-2-pro", size="1920x1080")) == []


def test_a_segment_holds_six_continues_and_120_seconds_at_most() -> None:
    continues = tuple(Shot(f"on {n}", 4, "continue") for n in range(MAX_CONTINUES))
    board = Board(shots=(Shot("start", 4), *continues))
    assert check_board(board) == [] and len(segments(board)) == 1
    problem = only_problem(Board(shots=(Shot("start", 4), *continues, Shot("one more", 4, "continue"))))
    assert problem.shot == 8 and "continue one video 7 times; at most 6" in problem.message
    assert "Shots 1 to 8" in problem.message
    long = Board(shots=(Shot("a", 4), Shot("b", 4), *(Shot(f"on {n}", 20, "continue") for n in range(6))))
    problem = only_problem(long)
    assert problem.shot == 8 and "Shots 2 to 8 make one video of 124 s; one video can be at most 120 s" in \
        problem.message


def test_a_dissolve_is_shorter_than_both_segments_it_joins() -> None:
    board = Board(shots=(Shot("a", 4), Shot("b", 8, "dissolve", 4 * FPS - 1)))
    assert check_board(board) == []
    problem = only_problem(Board(shots=(Shot("a", 4), Shot("b", 8, "dissolve", 4 * FPS))))
    assert problem.shot == 2 and problem.key == "dissolve_frames"
    assert "A dissolve of 96 frames is not shorter than shot 1 (4 s = 96 frames)" in problem.message
    # the segment after counts its continues: 4 + 4 s = 192 frames
    assert check_board(Board(shots=(Shot("a", 12), Shot("b", 4, "dissolve", 100), Shot("c", 4, "continue")))) == []
    problem = only_problem(Board(shots=(Shot("a", 12), Shot("b", 4, "dissolve", 100))))
    assert "not shorter than shot 2 (4 s = 96 frames)" in problem.message
    problem = only_problem(Board(shots=(Shot("a", 4), Shot("b", 4, "continue"), Shot("c", 12, "dissolve", 200))))
    assert "not shorter than shots 1 to 2 (8 s = 192 frames)" in problem.message
    # a segment between two dissolves holds both overlaps
    problem = only_problem(Board(shots=(Shot("a", 8), Shot("b", 4, "dissolve", 50), Shot("c", 8, "dissolve", 50))))
    assert problem.shot == 2 and "into and out of shot 2 (100 frames together) are not shorter than it is (96 frames)" in problem.message


def test_segments_and_the_films_length() -> None:
    parts = segments(shiba())
    assert [(p.first, p.last, p.seconds, p.join, p.dissolve_frames) for p in parts] == [
        (1, 2, 12, "cut", 0), (3, 3, 8, "dissolve", 12), (4, 4, 8, "cut", 0)]
    assert parts[0].frames == 12 * FPS
    assert film_seconds(shiba()) == pytest.approx(12 + 8 + 8 - 12 / FPS)
    assert isinstance(film_seconds(shiba()), float)
    assert segments(Board()) == [] and film_seconds(Board()) == 0.0


@pytest.mark.parametrize(
    ("prompt", "style", "sent"),
    [
        ("A shiba runs", "35 mm film.", "A shiba runs. 35 mm film."),
        ("A shiba runs.", "35 mm film.", "A shiba runs. 35 mm film."),
        ("A shiba runs!  ", "  35 mm film.", "A shiba runs! 35 mm film."),
        ("夕暮れの浜辺を走る柴犬", "35mmフィルム、暖かい光。", "夕暮れの浜辺を走る柴犬。35mmフィルム、暖かい光。"),
        ("夕暮れの浜辺を走る柴犬。", "暖かい光。", "夕暮れの浜辺を走る柴犬。暖かい光。"),
        ("柴犬が「わん」と鳴く", "暖かい光。", "柴犬が「わん」と鳴く。暖かい光。"),
        ("A shiba, 柴犬, runs on the sand", "warm", "A shiba, 柴犬, runs on the sand. warm"),
        ("A shiba runs", "   ", "A shiba runs"),
    ],
)
def test_each_shot_sends_its_prompt_with_the_style_line(prompt: str, style: str, sent: str) -> None:
    board = Board(style=style, shots=(Shot(prompt),))
    assert shot_prompt(board, board.shots[0]) == sent


def test_the_style_line_counts_toward_the_prompts_limit() -> None:
    problems = check_board(shiba(style="x" * 31_990))
    assert [p.shot for p in problems] == [1, 2, 3, 4]
    assert "With the style line the prompt has 32,033 characters; the limit is 32,000" in problems[0].message
    assert check_board(shiba(style="x" * 31_900)) == []


def test_cost_is_takes_times_seconds_times_the_price() -> None:
    board = with_shot(shiba(), 4, Shot("It sits and watches the sunset", 8, takes=1, shot_id="sht_00000004"))
    estimate = cost_estimate(board, lambda model, size: MODELS[model].price(size))
    assert estimate.per_shot == pytest.approx((1.6, 0.8, 1.6, 0.8))  # 2 takes × 8 s × $0.10, ..., 1 take × 8 s
    assert estimate.total == pytest.approx(4.8) and estimate.unknown_shot is None
    free = cost_estimate(board, lambda model, size: LOCAL_MODELS[model].price(size))
    assert free.total == 0.0 and free.per_shot == (0.0, 0.0, 0.0, 0.0)
    unknown = cost_estimate(board, lambda model, size: None)
    assert unknown.total is None and unknown.unknown_shot == 1 and unknown.per_shot == (None,) * 4


def test_the_timeline_at_80_columns() -> None:
    line = timeline(shiba(), 80)
    assert line == "│1 8s" + "━" * 18 + "→2 +4s" + "━" * 5 + "╳3 8s" + "━" * 18 + "│4 8s" + "━" * 18
    assert cell_len(line) == 80
    # less room: the seconds go, then the numbers, then the marks are cut
    assert timeline(shiba(), 20) == "│1━━━━→2━━╳3━━━│4━━━"
    assert timeline(shiba(), 12) == "│1━→2━╳3━│4━"
    assert timeline(shiba(), 4) == "│→╳│"
    assert timeline(shiba(), 3) == "│→…"
    assert timeline(shiba(), 0) == "" and timeline(Board(), 80) == ""


@SMALL
@given(seconds=st.lists(st.sampled_from([4, 8, 12, 16, 20]), min_size=1, max_size=30),
       joins=st.lists(st.sampled_from(["cut", "continue", "dissolve"]), min_size=30, max_size=30),
       width=st.integers(min_value=1, max_value=200))
def test_the_timeline_never_outgrows_its_width(seconds: list[int], joins: list[str], width: int) -> None:
    board = Board(shots=tuple(Shot("x", s, "cut" if i == 0 else joins[i], 12 if joins[i] == "dissolve" else None)
                              for i, s in enumerate(seconds)))
    line = timeline(board, width)
    assert cell_len(line) <= width
    numbers = [int(n) for n in re.findall(r"[│→╳](\d+)", line)]
    assert numbers in ([], list(range(1, len(seconds) + 1)))  # every shot numbered, in order, or none
    if width >= 4 * len(seconds):  # room for "→30" and a cell of fill each: numbered
        assert numbers
    if width >= 10 * len(seconds):  # room for "→30 +20s" and a cell each: the seconds too
        assert [int(n) for n in re.findall(r"(\d+)s", line)] == seconds


def test_japanese_messages_and_timeline(ja: None) -> None:
    problem = only_problem(with_shot(shiba(), 2, Shot("runs", 4, "continue", image="dog.png")))
    assert problem.message.startswith("ショット2: ")
    assert "image" in problem.message and "延長" in problem.message  # the key's name is kept as the file writes it
    line = timeline(shiba(), 80)
    assert cell_len(line) <= 80 and "→2 +4秒" in line
    assert cell_len(timeline(shiba(), 30)) <= 30
