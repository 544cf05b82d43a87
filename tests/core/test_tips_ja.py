"""Tips for Japanese prompts and prompts that mix Japanese and English: the lexicon, the conflicts with the
settings, the guardrails, the snippets, and precision and recall over a labelled set (tests/data/tips)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sora_tui.core.tips import (
    INGREDIENTS,
    SNIPPETS_JA,
    Tip,
    TipsReport,
    analyse,
    prompt_language,
    snippets_for,
)
from sora_tui.core.tips.reading import read

DATA = Path(__file__).resolve().parent.parent / "data" / "tips" / "ja_prompts.json"
INGREDIENT_IDS = [i for i, _ in INGREDIENTS]
EXAMPLE = "夕暮れの海辺を走る柴犬、カメラはゆっくり左へパン、波の音"
FULLER = "夕暮れの海辺を走る柴犬。カメラはゆっくり左へパン。シネマティック、35mm、環境音は波の音と風。"


def tip(report: TipsReport, tip_id: str) -> Tip:
    found = report.get(tip_id)
    assert found is not None, f"no {tip_id!r} tip in {[t.id for t in report.tips]}"
    return found


def present(prompt: str) -> set[str]:
    return {t.id for t in analyse(prompt).ingredients if t.state == "present"}


# --- The example of the issue ---------------------------------------------------------------------------------


def test_example_prompt_reads_five_of_six() -> None:
    report = analyse(EXAMPLE)
    assert report.score == (5, 6) and report.language == "ja"
    assert "“走る”" in tip(report, "subject").detail
    assert "“海辺”" in tip(report, "setting").detail
    assert "パン" in tip(report, "camera").detail
    assert "“夕暮れ”" in tip(report, "lighting").detail
    assert "“波の音”" in tip(report, "sound").detail
    style = tip(report, "style")
    assert style.state == "missing" and "「シネマティック」" in style.detail  # a Japanese example for a Japanese prompt


def test_fuller_prompt_reads_six_of_six() -> None:
    report = analyse(FULLER, seconds="8")
    assert report.score == (6, 6)
    assert "“シネマティック”" in tip(report, "style").detail
    # 35mm is a lens: the framing nudge asks for a shot, not for a lens.
    assert "lens" not in tip(report, "framing").detail and "「引きのショット」" in tip(report, "framing").detail
    assert analyse(FULLER.replace("35mm", "35ｍｍ")).score == (6, 6)  # full-width letters and digits


# --- Boundaries: a keyword inside another word is not a keyword -------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "ingredient"),
    [
        ("パンケーキを焼く", "camera"),  # pan
        ("フライパンを振る", "camera"),
        ("ルパン三世が走る", "camera"),
        ("アンパンマンが飛ぶ", "camera"),
        ("パンダが竹を食べる", "camera"),
        ("海老を茹でる", "setting"),  # sea
        ("海外のニュースを読む", "setting"),
        ("山田さんが座る", "setting"),  # mountain
        ("森さんが笑う", "setting"),  # forest
        ("カメラマンが歩く", "camera"),  # a person with a camera, not a camera move
        ("音楽室で待つ", "sound"),  # a music room is a place
        ("撮影が終わる", "lighting"),  # 影 (shadow) inside 撮影 (filming)
        ("観光客が歩く", "lighting"),  # 光 (light) inside 観光 (sightseeing)
        ("声優が待つ", "sound"),
    ],
)
def test_keyword_inside_a_word_is_not_found(prompt: str, ingredient: str) -> None:
    assert ingredient not in present(prompt), read(prompt).hits.get(ingredient)


@pytest.mark.parametrize(
    ("prompt", "ingredient"),
    [
        ("左へパンする", "camera"),
        ("ゆっくりパン、", "camera"),
        ("夜の海を見る", "setting"),
        ("富士山の麓", "setting"),  # a place name ending in 山
        ("渋谷駅の前", "setting"),
        ("影が伸びる", "lighting"),
        ("光が差す", "lighting"),
        ("ﾊﾟﾝ", "camera"),  # half-width katakana (NFKC)
    ],
)
def test_keyword_standing_alone_is_found(prompt: str, ingredient: str) -> None:
    assert ingredient in present(prompt), read(prompt).hits


def test_verb_forms_are_one_action() -> None:
    # 走る, 走って, 走り, 走った: one verb, four spellings, one key.
    hits = read("犬が走る。走って、走り、走った").hits
    assert {key for _, _, key in hits["action"]} == {"走る"}


# --- The prompt's language, not the interface's ---------------------------------------------------------------


def test_prompt_language() -> None:
    assert prompt_language(EXAMPLE) == "ja"
    assert prompt_language("A fox trots across the snow at dawn") == "en"
    assert prompt_language("drone shot で東京の夜景、cinematic") == "ja"
    assert prompt_language("A long English prompt about a fox in Tokyo (東京) at night") == "en"


def test_mixed_prompt_uses_both_lexicons() -> None:
    report = analyse("白い犬が草原を駆け回る、golden hour、drone shot、slow motion、birdsong")
    assert report.score == (6, 6)
    assert "“golden hour”" in tip(report, "lighting").detail
    assert "“drone shot”" in tip(report, "camera").detail
    assert "“駆け回”" in tip(report, "subject").detail
    # English keywords glued to Japanese still have their word boundaries (で, に are not letters of "shot").
    assert "camera" in present("drone shotで撮る")
    assert "camera" not in present("shotgunで撃つ")


def test_english_prompt_in_japanese_interface_is_read_in_english(ja: None) -> None:
    report = analyse("A red fox trots across fresh snow at dawn")
    assert report.language == "en"
    assert report.get("subject").state == "present"
    assert report.get("subject").label == "被写体と動作"
    camera = tip(report, "camera")
    assert camera.detail.startswith("カメラの動き") and '"slow dolly left"' in camera.detail


def test_japanese_prompt_in_japanese_interface(ja: None) -> None:
    report = analyse(EXAMPLE)
    assert report.score == (5, 6)
    assert tip(report, "setting").detail == "検出：「夕暮れ」、「海辺」"
    assert "「シネマティック」" in tip(report, "style").detail
    assert tip(report, "publishing").label == "公開の前に"


# --- Conflicts with the settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "seconds", "quoted"),
    [
        ("10秒の動画で猫が歩く", "4", "10秒"),
        ("１０秒間、猫が歩く", "4", "１０秒間"),  # full-width digits count, and are quoted as written
        ("十秒間走り続ける犬", "8", "十秒間"),
        ("猫が歩く4秒の動画", "8", "4秒"),  # the clip's own length, shorter than chosen
        ("尺は12秒で", "8", "12秒"),
        ("1分の映像", "12", "1分"),
    ],
)
def test_duration_conflict_in_japanese(prompt: str, seconds: str, quoted: str) -> None:
    found = tip(analyse(prompt, seconds=seconds), "duration-conflict")
    assert f"“{quoted}”" in found.detail and f"Seconds is {seconds}" in found.detail


@pytest.mark.parametrize(
    ("prompt", "seconds"),
    [
        ("猫が2秒間止まってから歩き出す", "8"),  # a beat inside the clip
        ("5分後、雨が止む", "4"),  # story time
        ("10時30分の駅", "4"),  # a clock
        ("十分に明るい部屋", "4"),  # "enough"
        ("8秒の動画", "8"),
    ],
)
def test_no_duration_conflict_in_japanese(prompt: str, seconds: str) -> None:
    assert analyse(prompt, seconds=seconds).get("duration-conflict") is None


@pytest.mark.parametrize("word", ["縦型", "縦長", "9:16", "９：１６", "縦動画"])
def test_vertical_words_conflict_with_a_landscape_size(word: str) -> None:
    found = tip(analyse(f"{word}で、猫が歩く", size="1280x720"), "orientation-conflict")
    assert "vertical 9:16" in found.detail
    assert analyse(f"{word}で、猫が歩く", size="720x1280").get("orientation-conflict") is None


@pytest.mark.parametrize("word", ["横長", "横型", "16:9", "１６：９"])
def test_landscape_words_conflict_with_a_vertical_size(word: str) -> None:
    found = tip(analyse(f"{word}の動画、猫が歩く", size="720x1280"), "orientation-conflict")
    assert "landscape 16:9" in found.detail


def test_tall_window_is_not_a_vertical_video() -> None:
    assert analyse("縦長の窓から光が差す部屋", size="1280x720").get("orientation-conflict") is None


def test_resolution_in_japanese_prompt() -> None:
    assert tip(analyse("4K画質で猫が歩く", size="1280x720"), "resolution-conflict").state == "conflict"
    assert tip(analyse("フルHDで猫が歩く", size="1280x720"), "resolution-conflict").state == "conflict"


# --- Craft advice ---------------------------------------------------------------------------------------------


def test_several_camera_moves_in_japanese() -> None:
    found = tip(analyse("猫が歩く。ゆっくり左へパンしてからズームイン"), "one-camera-move")
    assert "パン" in found.detail and "ズームイン" in found.detail
    assert analyse("ショット1：左へパン。\nショット2：ズームイン。").get("one-camera-move") is None


def test_several_actions_in_japanese() -> None:
    found = tip(analyse("犬が走り、止まり、振り返り、吠える", seconds="8"), "several-actions")
    assert found.state == "warning"
    assert analyse("犬が走る", seconds="8").get("several-actions") is None


def test_vague_words_in_japanese() -> None:
    report = analyse("きれいな照明の中、美しい猫が歩く")
    assert "“きれいな照明”" in tip(report, "vague").detail
    assert report.get("lighting").state == "missing"  # praise is not a light


def test_long_japanese_prompt_counts_characters() -> None:
    prompt = "猫が雪の上をゆっくり歩いていく。" * 30  # 480 characters
    assert tip(analyse(prompt), "simple").detail.startswith("480 characters")


def test_japanese_dialogue() -> None:
    prompt = "二人が話す。\nセリフ：\n- ユキ：「やっと着いたね、ずいぶん長い道のりだった。」\n- ハル：「本当に、もう歩けないよ。」\n"
    found = tip(analyse(prompt, seconds="4"), "dialogue-length")
    assert "characters" in found.detail
    assert analyse(prompt, seconds="12").get("dialogue-length") is None
    loose = tip(analyse("彼女が「着いたね」と言う"), "dialogue-block")
    assert "「セリフ：」" not in loose.detail and "セリフ：- アンナ" in loose.detail
    assert analyse("「OPEN」と書かれた看板").get("dialogue-block") is None  # lettering, not speech


# --- Guardrails -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "tip_id", "quoted"),
    [
        ("ピカチュウが踊る", "rights-character", "ピカチュウ"),
        ("ﾋﾟｶﾁｭｳが踊る", "rights-character", "ピカチュウ"),
        ("ドラえもんが空を飛ぶ", "rights-character", "ドラえもん"),
        ("ダース・ベイダーが歩く", "rights-character", "ダース・ベイダー"),
        ("ダースベイダーが歩く", "rights-character", "ダースベイダー"),
        ("大谷翔平がホームランを打つ", "rights-person", "大谷翔平"),
        ("テイラー・スウィフトが歌う", "rights-person", "テイラー・スウィフト"),
        ("ジブリ風の森", "rights-style", "ジブリ風"),
        ("新海誠のような空", "rights-style", "新海誠"),
    ],
)
def test_rights_in_japanese(prompt: str, tip_id: str, quoted: str) -> None:
    found = tip(analyse(prompt), tip_id)
    assert found.state == "warning" and quoted in found.detail


@pytest.mark.parametrize("prompt", ["マリオネットが踊る", "トランプで遊ぶ子ども", "ワンピースを着た女性", "ラーメンのナルト"])
def test_no_rights_warning_for_ordinary_words(prompt: str) -> None:
    report = analyse(prompt)
    assert not {"rights-character", "rights-person", "rights-style"} & {t.id for t in report.guardrails}


@pytest.mark.parametrize(
    ("prompt", "masked", "secret"),
    [
        ("電話は090-1234-5678まで", "phone number “***-****-**78”", "1234"),
        ("固定電話03-1234-5678に連絡", "phone number “**-****-**78”", "1234"),
        ("携帯09012345678", "phone number “*********78”", "09012345678"),
        ("〒100-0001 東京都千代田区", "postal code “〒***-****”", "100-0001"),
        ("住所は東京都千代田区千代田1丁目1番1号です", "address “東京都千代田区千代田*丁目*番*号”", "1丁目1番"),
        ("大阪府大阪市北区梅田3-1-1に住む", "address “大阪府大阪市北区梅田*-*-*”", "3-1-1"),
        ("マイナンバーは1234 5678 9012", "ID number “**** **** 9012”", "1234 5678"),
        ("メールはtaro.yamada@example.jpまで", "email “t***@e***.jp”", "taro.yamada"),
    ],
)
def test_japanese_personal_data_is_masked(prompt: str, masked: str, secret: str) -> None:
    found = tip(analyse(prompt), "personal-data")
    assert masked in found.detail and secret not in found.detail


@pytest.mark.parametrize("prompt", ["1980年代の東京", "3丁目の夕日", "2024-01-15の朝", "35mm、4K、24fps"])
def test_no_japanese_personal_data(prompt: str) -> None:
    assert analyse(prompt).get("personal-data") is None


def test_cameo_in_japanese() -> None:
    assert "“私が”" in tip(analyse("私が海辺を走る"), "cameo").detail
    assert "“自分の顔”" in tip(analyse("自分の顔で話す"), "cameo").detail
    assert analyse("私立高校の生徒が走る").get("cameo") is None
    report = analyse("@aliceが手を振る", characters=["@alice"])
    assert report.get("cameo") is None and report.get("cameo-character") is not None


# --- Snippets -------------------------------------------------------------------------------------------------


def test_japanese_snippets_match_the_english_ones() -> None:
    from sora_tui.core.tips import SNIPPETS

    assert set(SNIPPETS_JA) == set(SNIPPETS)
    assert snippets_for(EXAMPLE) is SNIPPETS_JA
    assert snippets_for("A fox at dawn") is SNIPPETS


@pytest.mark.parametrize(("ingredient", "snippet"), [(i, s) for i in INGREDIENT_IDS for s in SNIPPETS_JA[i]])
def test_each_japanese_snippet_makes_its_ingredient_present(ingredient: str, snippet: str) -> None:
    assert tip(analyse(snippet), ingredient).state == "present", read(snippet).hits


@pytest.mark.parametrize("snippet", SNIPPETS_JA["camera"])
def test_a_japanese_camera_snippet_is_one_move(snippet: str) -> None:
    assert analyse(snippet).get("one-camera-move") is None


@pytest.mark.parametrize("snippet", SNIPPETS_JA["shot"])
def test_japanese_shot_snippets_are_framing(snippet: str) -> None:
    assert tip(analyse(snippet), "camera").detail.startswith("Framing found"), read(snippet).hits


def test_japanese_template_is_a_complete_prompt() -> None:
    report = analyse(SNIPPETS_JA["template"][0], seconds="4", variations=2)
    assert report.score == (6, 6)
    assert [t.id for t in report.advice] == []


def test_snippet_examples_follow_the_prompt_not_the_interface(ja: None) -> None:
    # Japanese interface, English prompt: the advice is Japanese, its example is English (it goes in the prompt).
    detail = tip(analyse("A fox trots"), "setting").detail
    assert '"on a rain-soaked city street at night"' in detail and "例" in detail


# --- Size -----------------------------------------------------------------------------------------------------


def test_longest_japanese_prompt_is_read_to_the_end() -> None:
    tail = "10秒の縦型動画、ピカチュウ、電話090-1234-5678"
    prompt = (FULLER * (32_000 // len(FULLER) + 1))[: 32_000 - len(tail)] + tail
    report = analyse(prompt, size="1280x720", seconds="8")
    assert report.score == (6, 6)
    for tip_id in ("duration-conflict", "orientation-conflict", "simple", "rights-character", "personal-data"):
        assert report.get(tip_id) is not None, tip_id


# --- Precision and recall over the labelled set ---------------------------------------------------------------


def labelled(which: str | None = None) -> list[dict]:
    prompts = json.loads(DATA.read_text(encoding="utf-8"))["prompts"]
    return [p for p in prompts if which is None or p["set"] == which]


def scores(prompts: list[dict]) -> dict[str, tuple[float, float, int, int, int]]:
    """Per ingredient: (precision, recall, true positives, false positives, false negatives)."""
    out = {}
    for ingredient in INGREDIENT_IDS:
        tp = fp = fn = 0
        for item in prompts:
            found = ingredient in present(item["prompt"])
            wanted = ingredient in item["present"]
            tp += found and wanted
            fp += found and not wanted
            fn += wanted and not found
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        out[ingredient] = (precision, recall, tp, fp, fn)
    return out


def test_the_labelled_set_is_large_enough() -> None:
    assert len(labelled()) >= 60
    assert len(labelled("held-out")) >= 20
    for item in labelled():
        assert set(item["present"]) <= set(INGREDIENT_IDS), item


@pytest.mark.parametrize("which", ["dev", "held-out"])
def test_precision_and_recall_per_ingredient(which: str) -> None:
    failures = {i: s for i, s in scores(labelled(which)).items() if s[0] < 0.9 or s[1] < 0.9}
    detail = {}
    for ingredient in failures:
        detail[ingredient] = [(p["prompt"], "missed" if ingredient in p["present"] else "false hit")
                              for p in labelled(which)
                              if (ingredient in present(p["prompt"])) != (ingredient in p["present"])]
    assert not failures, (failures, detail)


@pytest.mark.parametrize("item", [p for p in labelled() if p.get("traps")], ids=lambda p: p["prompt"][:12])
def test_traps_are_not_keywords(item: dict) -> None:
    reading = read(item["prompt"])
    for trap in item["traps"]:
        at = item["prompt"].index(trap["word"])
        inside = [s for s in reading.hits.get(trap["not"], []) if at <= s[0] < at + len(trap["word"])]
        assert not inside, (trap, inside)


# --- The tips panel -------------------------------------------------------------------------------------------


async def panel_text(prompt: str, size: str = "1280x720") -> tuple[str, str]:
    """(border title, what the panel shows) for `prompt`, in a real Textual app holding the real TipsPanel."""
    from textual.app import App, ComposeResult

    from sora_tui.core.params import GenerationParams
    from sora_tui.tui.widgets.tips import TipsPanel

    class Host(App):
        def compose(self) -> ComposeResult:
            yield TipsPanel(id="tips")

    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        panel = app.query_one(TipsPanel)
        panel.show(GenerationParams(prompt=prompt, size=size), 1)
        for _ in range(40):  # the word lists compile in a thread first
            await pilot.pause(0.05)
            if panel.report is not None and panel.report.ingredients[0].detail != analyse("").ingredients[0].detail:
                break
        await pilot.pause(0.1)
        lines = "\n".join("".join(seg.text for seg in panel.render_line(y)) for y in range(panel.size.height))
        return str(panel.border_title), lines


async def test_panel_reads_the_example_in_japanese(ja: None) -> None:
    title, shown = await panel_text(EXAMPLE)
    assert title == "ヒント 5/6"
    assert "✓ 被写体と動作" in shown and "✓ カメラの動き" in shown
    assert "○ スタイル — スタイルをはっきりと" in shown  # the advice in Japanese, its example in the prompt's
    assert "アドバイス" in shown and "公開の前に" in shown


async def test_panel_reads_a_japanese_prompt_in_an_english_interface() -> None:
    title, shown = await panel_text(EXAMPLE)
    assert title == "Tips 5/6"
    assert "✓ Subject & action" in shown and "✓ Setting" in shown and "✓ Sound" in shown
    assert "○ Style — Name the style plainly and early" in shown
