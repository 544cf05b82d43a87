"""追う (to follow) as a camera move: when the camera is what follows (its subject, or a sentence with no subject in a
prompt that directs the camera), and when it is the subject's own action (犬が猫を追う, 猫を追う犬)."""

from __future__ import annotations

import pytest

from sora_tui.core.tips import analyse
from sora_tui.core.tips.reading import read


def tracking(prompt: str) -> list[str]:
    """The camera-following spans read in `prompt`, as the text they quote."""
    reading = read(prompt)
    return [reading.source[start:end] for start, end, key in reading.hits.get("camera", []) if key == "カメラtracking"]


def camera_state(prompt: str) -> str:
    found = analyse(prompt).get("camera")
    assert found is not None
    return found.state


# --- The camera follows ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "quoted"),
    [
        ("カメラが柴犬をゆっくり追う", "カメラが柴犬をゆっくり追う"),
        ("ドローンが車をゆっくり追う", "ドローンが車をゆっくり追う"),
        # A subject and its verb further apart than the few words CAMERA_DOES reads: the whole sentence counts.
        ("ドローンが海沿いの道を走る赤い車をゆっくり追う。", "ドローンが海沿いの道を走る赤い車をゆっくり追う"),
        ("カメラは低い位置から、柴犬をゆっくり追っていく", "カメラは低い位置から、柴犬をゆっくり追っ"),
    ],
)
def test_the_camera_as_subject_follows(prompt: str, quoted: str) -> None:
    assert tracking(prompt) == [quoted]
    assert camera_state(prompt) == "present"


def test_a_later_shot_without_a_subject_follows_in_a_prompt_about_the_camera() -> None:
    prompt = "ショット1：固定カメラで、砂浜を走る柴犬。\nショット2：後ろからゆっくり追う。"
    assert tracking(prompt) == ["後ろからゆっくり追う"]
    # Two shots, one move each: no "several camera moves" warning; on one line it is one shot with two moves.
    assert analyse(prompt).get("one-camera-move") is None
    assert analyse(prompt.replace("\n", "")).get("one-camera-move") is not None


@pytest.mark.parametrize(
    "prompt",
    [
        "ローアングルで、走る柴犬を後ろからゆっくり追う。",  # a framing directs the camera
        "撮影：夜の商店街を歩く女性を、少し離れて後ろから追う。",  # the camera named
        "夕暮れの海辺、slow dolly left、drone shot で海岸線を追う。",  # an English move or rig
        "手持ちカメラ。雪の森を走る子どもたち。後ろからゆっくり追いかける。",
    ],
)
def test_a_subjectless_follow_is_the_cameras(prompt: str) -> None:
    assert tracking(prompt), read(prompt).hits.get("camera")
    assert camera_state(prompt) == "present"


def test_the_follow_is_quoted_from_its_clause_when_short_and_from_its_verb_when_long() -> None:
    assert tracking("ローアングルで、走る柴犬を後ろからゆっくり追う。") == ["走る柴犬を後ろからゆっくり追う"]
    long = "手持ちカメラ。夜明けの静かな港町の石畳の細い坂道をゆっくり下っていく白い猫を後ろから追う。"
    assert tracking(long) == ["追う"]


def test_following_stays_an_action_too() -> None:
    # As with the camera's other moves, the verb still counts among the actions (as CAMERA_DOES leaves it).
    reading = read("ローアングルで、走る柴犬を後ろからゆっくり追う。")
    assert {key for _, _, key in reading.hits["action"]} == {"走る", "追う"}


# --- The subject follows --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prompt",
    [
        "犬が猫を追う",  # its own subject, no camera anywhere
        "公園で犬が猫を追う。夕方、やわらかな光",
        "固定カメラ。公園で犬が猫を追う。",  # its own subject, in a prompt about the camera
        "柴犬が砂浜を走る。後ろから子どもがゆっくり追う。固定カメラ",
        "手持ちカメラ。柴犬が砂浜を走り、後ろから追う。",  # the subject of the sentence carries across 、
        "少年が夕焼けの河川敷で凧を追いかける。ローアングル",
        "カメラマンが被写体を追いかける",  # a person with a camera, not the camera
        "猫を追う犬、手持ちカメラ、公園",  # 追う describes the dog
        "柴犬が走る。後ろからゆっくり追う。",  # no subject, but nothing in the prompt is about the camera
        "固定カメラ。追い風の中を歩く",  # 追い風 is a tailwind
        "固定カメラ。猫を追わない犬",  # not following
    ],
)
def test_the_subject_follows(prompt: str) -> None:
    assert tracking(prompt) == [], read(prompt).hits.get("camera")


def test_a_dog_chasing_a_cat_is_an_action_not_a_camera_move() -> None:
    report = analyse("犬が猫を追う")
    assert report.get("camera").state == "missing"
    assert "“追う”" in report.get("subject").detail
    # In a prompt with a still camera it adds no second move.
    assert analyse("固定カメラ。公園で犬が猫を追う。").get("one-camera-move") is None


def test_the_follow_conflicts_with_a_still_camera_in_one_shot() -> None:
    found = analyse("固定カメラ。後ろからゆっくり追う。").get("one-camera-move")
    assert found is not None and "“固定カメラ”" in found.detail and "“後ろからゆっくり追う”" in found.detail


def test_japanese_interface_quotes_the_follow(ja: None) -> None:
    detail = analyse("ローアングルで、走る柴犬を後ろからゆっくり追う。").get("camera").detail
    assert detail == "検出：「走る柴犬を後ろからゆっくり追う」"
