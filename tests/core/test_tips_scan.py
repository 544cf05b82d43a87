"""The keyword scan's faster forms give what the plain rules give: each rule is written here the simple way (a
Python loop, one regex) and compared with the scan on prompts that take every path, overlaps between the passes
included."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from sora_tui.core.tips import en, ja
from sora_tui.core.tips.ja_words import LEX
from sora_tui.core.tips.lexicon import CJK_RUN, Span
from sora_tui.core.tips.reading import _blank, _nfkc, read

BENCH_JA = ("黄色いレインコートを着た若い女性が、雨に濡れた夜の東京の路地をゆっくり歩いていく。水たまりにネオンサインが映り込み、"
            "カメラは彼女の背後から手持ちで追いかけ、交差点で立ち止まった瞬間に正面へ回り込む。環境音：雨音、足音。")
OVERLAPS = [
    "やわらかな光が差し込む",  # a hiragana keyword holds a kanji one: 光 is dropped
    "駅のホームで待つ",  # a kanji keyword holds a katakana one
    "ネオン街を歩く、パン屋の前",  # katakana keywords hold kanji ones
    "手持ちょうちん",  # partial overlap: 手持ち and ちょうちん, both kept
    "きれいな照明の中を歩く",
]


def reference_scan(text: str) -> dict[str, list[Span]]:
    """The rule: every pass's keywords in text order, less those inside a longer keyword of another pass."""
    found = sorted((m.start(), m.group()) for rx in ja._passes() for m in rx.finditer(text))
    hits: dict[str, list[Span]] = {}
    reach = 0
    for start, word in found:
        if start + len(word) <= reach:
            continue
        reach = start + len(word)
        key, categories = LEX[word]
        for category in categories:
            hits.setdefault(category, []).append((start, start + len(word), key))
    return hits


def keyword_soup(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    words = sorted(LEX)
    glue = list("のをがは、。 光音ちいかうー") + ["ょうちん", "かな光"]
    return ["".join(rng.choice(words)[rng.randint(0, 1):] + rng.choice(glue) for _ in range(rng.randint(1, 6)))
            for _ in range(count)]


@pytest.mark.parametrize("prompt", [BENCH_JA, BENCH_JA * 20, *OVERLAPS, *keyword_soup(23, 400)])
def test_japanese_scan_follows_the_rule(prompt: str) -> None:
    text = read(prompt).lowered
    got = {category: spans for category, spans in ja.scan(text).items() if category not in ("style", "camera")}
    want = {category: spans for category, spans in reference_scan(text).items() if category not in ("style", "camera")}
    assert got == want


def passes_overlap(text: str) -> bool:
    found = [([m.group() for m in ms], [m.start() for m in ms], [m.end() for m in ms])
             for ms in (list(rx.finditer(text)) for rx in ja._passes()) if ms]
    return ja._overlap(found)


def test_overlaps_are_told_apart() -> None:
    assert all(passes_overlap(text) for text in OVERLAPS)
    assert not passes_overlap(read(BENCH_JA * 20).lowered)  # the bench's prompt takes the grouped path
    assert not passes_overlap("夕暮れの海辺を走る柴犬、シネマティック、波の音")
    assert passes_overlap("カメラはゆっくり左へパン")  # 左へパン holds パン


def test_overlapping_keywords_of_two_passes() -> None:
    hits = ja.scan("やわらかな光が差し込む")
    assert [key for _, _, key in hits["lighting"]][:1] == ["やわらかな光"]
    assert (5, 6, "光") not in hits["lighting"]
    partial = ja.scan("手持ちょうちん")
    assert {key for _, _, key in partial["camera"]} == {"手持ち"} and partial["lighting"][0][2] == "ちょうちん"


def reference_en_scan(view: str) -> dict[str, list[Span]]:
    hits: dict[str, list[Span]] = {}
    for m in en._lexicon_re().finditer(view):
        key = en._key(m.group())
        for category in en._LEXICON.get(key, ()):
            hits.setdefault(category, []).append((m.start(), m.end(), key))
    return hits


@pytest.mark.parametrize("prompt", [
    "A young woman walks along a rain-soaked Tokyo street at night, neon signs. Slow dolly left, wide shot, 35 mm. "
    * 30,
    "golden  hour, close-up then close up, closeup; drone-shot",
    "夕暮れの海辺、slow dolly left、golden hour の逆光、cinematic",
])
def test_english_scan_follows_the_rule(prompt: str) -> None:
    view = read(prompt).view
    assert en.scan(view) == reference_en_scan(view)


STYLE_LIKE = re.compile(r"([ァ-ヺー]{2,}|[\u4e00-\u9fff々]{2,})風(?![\u4e00-\u9fff々])")


@pytest.mark.parametrize("text", [
    "インタビュー風の映像", "少女漫画風", "季節風が吹く", "台風", "アニメ風景", "風風風。", "漢字アニメ風", "ー風", "ア風",
    "ドキュメンタリー風、映画風", "海風", "x少女漫画風y", "山々風", "風", "",
])
def test_style_like_is_what_its_regex_finds(text: str) -> None:
    assert ja._style_like(text) == [m.span() for m in STYLE_LIKE.finditer(text)]


def test_style_like_on_random_text() -> None:
    rng = random.Random(5)
    alphabet = "風風漢字季節々アニメーィあのa 、"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert ja._style_like(text) == [m.span() for m in STYLE_LIKE.finditer(text)], text


def reference_blank(text: str) -> tuple[str, int]:
    return CJK_RUN.sub(lambda m: " " * len(m.group()), text), sum(len(run) for run in CJK_RUN.findall(text))


def reference_nfkc(text: str) -> str:
    text = re.sub("[\u3000\uff00-\uffef]+", lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize("text", [
    "", "abc", "夕暮れの海辺、slow dolly left", "１０秒、３５ｍｍ", "ﾊﾟﾝケーキ", "ｶﾞ\u3099", "全角　スペース",
    "ﾞ単独", "（１）！？", BENCH_JA,
])
def test_blank_and_nfkc_follow_their_rules(text: str) -> None:
    assert _blank(text) == reference_blank(text)
    assert _nfkc(text) == reference_nfkc(text)


def test_a_pass_is_skipped_only_without_the_pieces_all_its_keywords_hold() -> None:
    words_of: dict[str, list[str]] = {}
    for word in LEX:
        words_of.setdefault(ja._script(word), []).append(word)
    for (_script, words), needles in zip(sorted(words_of.items()), ja._needles(), strict=True):
        assert all(any(needle in word for needle in needles) for word in words) if needles else True
    assert any(ja._needles())  # the digit-first keywords have theirs
    for prompt, key in (("35ミリレンズで撮る", "35ミリレンズ"), ("1970年代風の映像", "1970年代風")):
        assert key in {k for spans in ja.scan(prompt).values() for _, _, k in spans}
