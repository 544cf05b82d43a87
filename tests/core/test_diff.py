"""Word diffs of prompts: words in English, runs of one script in Japanese, and the parts always add up to both texts."""

from __future__ import annotations

import itertools
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from sora_tui.core.diff import changed_words, word_diff, words


def old_and_new(parts: list[tuple[str, str]]) -> tuple[str, str]:
    return "".join(t for op, t in parts if op != "+"), "".join(t for op, t in parts if op != "-")


def test_a_remix_of_english_words() -> None:
    old, new = "a red kite over the sea at sunset", "a red kite over the sea in neon rain"
    assert word_diff(old, new) == [("=", "a red kite over the sea "), ("-", "at sunset"), ("+", "in neon rain")]
    assert changed_words(old, new) == (["at sunset"], ["in neon rain"])


def test_changes_in_two_places_are_two_changes() -> None:
    old, new = "a cat in sunset light, slow dolly left", "a dog in neon light, slow dolly left"
    assert changed_words(old, new) == (["cat", "sunset"], ["dog", "neon"])
    assert word_diff(old, new)[:3] == [("=", "a "), ("-", "cat"), ("+", "dog")]


def test_words_are_not_cut_into_letters() -> None:
    # "sunset" and "sunrise" share letters, not a word
    assert word_diff("at sunset", "at sunrise") == [("=", "at "), ("-", "sunset"), ("+", "sunrise")]
    assert changed_words("1080p, 4 seconds", "720p, 4 seconds") == (["1080p"], ["720p"])


def test_japanese_differs_in_runs_of_one_script_not_in_every_character() -> None:
    old, new = "夕暮れの海辺を走る柴犬", "夜明けの海辺を走る柴犬"
    parts = word_diff(old, new)
    assert parts == [("-", "夕暮れの"), ("+", "夜明けの"), ("=", "海辺を走る柴犬")]
    assert words("カメラはゆっくり左へパン。4秒") == ["カメラ", "はゆっくり", "左", "へ", "パン", "。", "4", "秒"]
    # a katakana word swapped for another: the kanji and kana around it stay equal
    assert changed_words("海辺をカメラが走る", "海辺をドローンが走る") == (["カメラ"], ["ドローン"])


def test_mixed_prompt() -> None:
    old, new = "柴犬 runs on the beach, 夕暮れ, 35mm film", "柴犬 runs on the beach, ネオン, 35mm film"
    assert changed_words(old, new) == (["夕暮れ"], ["ネオン"])
    assert old_and_new(word_diff(old, new)) == (old, new)


def test_only_additions_or_removals_and_whitespace() -> None:
    assert word_diff("a kite", "a red kite") == [("=", "a "), ("+", "red "), ("=", "kite")]
    assert word_diff("a red kite", "a kite") == [("=", "a "), ("-", "red "), ("=", "kite")]
    assert word_diff("", "new") == [("+", "new")]
    assert word_diff("old", "") == [("-", "old")]
    assert word_diff("", "") == [] and word_diff("same", "same") == [("=", "same")]
    assert changed_words("a  red kite", "a red\nkite") == ([], [])  # whitespace alone changes no word


def test_no_quadratic_blow_up_on_long_prompts() -> None:
    vocabulary = ["the", "a", "red", "kite", "sea", "over", "dusk", "neon", "rain", "slow", "dolly", "left", "海辺",
                  "カメラ", "、"]
    old = " ".join(vocabulary[(i * 7) % len(vocabulary)] for i in range(6000))[:32000]
    new = " ".join(vocabulary[(i * 11) % len(vocabulary)] for i in range(6000))[:32000]
    start = time.perf_counter()
    parts = word_diff(old, new)
    local = word_diff(old, old[:16000] + " neon rain " + old[16000:])
    assert time.perf_counter() - start < 2.0  # milliseconds in practice; seconds were quadratic
    assert old_and_new(parts) == (old, new)
    assert ("+", " neon rain") in local or any(op == "+" and "neon rain" in t for op, t in local)


TEXT = st.text(alphabet=st.sampled_from(list("ab cd,.\n夕暮れの海辺カメラ4秒 ")), max_size=60)
WORDS = st.lists(st.sampled_from(["a", "red", "kite", " ", "  ", "\n", "夕暮れ", "の", "海辺", "カメラ", "、", "4",
                                  "秒", "neon", ","]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, WORDS), st.one_of(TEXT, WORDS))
def test_parts_add_up_to_both_texts(old: str, new: str) -> None:
    parts = word_diff(old, new)
    assert old_and_new(parts) == (old, new)
    assert all(text for _, text in parts)  # no empty part
    assert all(a[0] != b[0] for a, b in itertools.pairwise(parts))  # no two parts in a row with the same op
    assert all(not (a[0] == "+" and b[0] == "-") for a, b in itertools.pairwise(parts))  # removed before added
    assert "".join(words(old)) == old
    removed, added = changed_words(old, new)
    assert all(r.strip() for r in removed + added)
