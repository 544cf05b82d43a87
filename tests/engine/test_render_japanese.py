"""The local renderer reads Japanese prompts: the same cues as the English words, and no false hits."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

import av
import numpy as np
import pytest

from sora_tui.engine import render_scene
from sora_tui.engine.render import FPS, RenderSpec, render
from sora_tui.engine.render_audio import SAMPLE_RATE, ambience
from sora_tui.engine.render_frames import _cues, _printable
from sora_tui.engine.render_scene import Camera, read_prompt
from sora_tui.engine.video_probe import probe

# (Japanese or mixed prompt, its English equivalent): each pair must be read as the same scene
EQUIVALENTS = [
    ("夕焼けの海、赤い凧、左へパン、波の音", "a red kite over the sea at sunset, pan left, waves"),
    ("夕暮れの森に雨、ゆっくりズームイン", "a forest at dusk, rain, slow zoom in"),
    ("夜の街、青と金色のネオン、右へパン、雪", "a city at night, blue and gold neon, pan right, snow"),
    ("朝の霧、緑の草原、ドリー", "morning fog, a green meadow, dolly"),
    ("ドローンで空撮した雪山", "drone shot of a snowy mountain"),
    ("俯瞰で見る桜並木、音楽", "a bird's-eye view of sakura trees, music"),
    ("固定カメラ、静かな部屋、白い猫", "static camera, a quiet room, a white cat"),
    ("真夜中の雨音", "the sound of rain at midnight"),
    ("黄昏の砂浜からズームアウト、焚き火", "twilight beach, zoom out, campfire"),
    ("灯台の周りをオービット、嵐", "orbit around a lighthouse, storm"),
    ("紫の空へチルトアップ", "tilt up to a purple sky"),
    ("車が右から左へ走る", "a car drives from right to left"),
    ("昼の公園、蛍、ピンクの風船", "a park during the day, fireflies, a pink balloon"),
    ("秋の並木道、落ち葉、そよ風", "an avenue in autumn, leaves, breeze"),
    ("夜明けの湖、霧雨、カメラが左へゆっくり移動", "a lake at dawn, drizzle, track slowly left"),
    # mixed prompts, and full-width letters and half-width katakana (NFKC)
    ("夕焼けのbeach、pan left、カモメ", "sunset beach, pan left, gulls"),
    ("赤いkiteとblueの空", "a red kite and a blue sky"),
    ("ｻﾝｾｯﾄの海、ＲＥＤ kite、ｽﾞｰﾑｲﾝ", "sunset sea, red kite, zoom in"),
]


@pytest.mark.parametrize(("japanese", "english"), EQUIVALENTS)
def test_japanese_prompt_reads_as_its_english_equivalent(japanese: str, english: str) -> None:
    ja, en = read_prompt(japanese), read_prompt(english)
    assert ja == en
    assert (ja.time_word, ja.colours, ja.particles, ja.camera, ja.ambience) != (None, (), None, Camera("static"), None)


def test_each_kind_of_cue_is_read() -> None:
    scene = read_prompt("夜の海に雪、赤と青の凧、右へパン、波の音")
    assert scene.time_word == "night" and scene.colours == ("red", "blue") and scene.particles == "snow"
    assert scene.camera.name == "pan right" and scene.ambience == "waves"
    assert read_prompt("雨の街").ambience == "rain" and read_prompt("夜の街").ambience == "traffic"
    assert read_prompt("静かな朝、BGMなし").ambience == "music"  # a word read is a word read: "no BGM" still names it
    assert read_prompt("音楽と静寂").ambience == "music"
    assert read_prompt("静寂の森").ambience == "birds"  # the place's sound first: quiet is the last resort
    assert read_prompt("静寂").ambience == "quiet"


# (prompt, what it must not be read as)
TRAPS = [
    ("パンケーキを焼く", "camera"),  # pancake, not a pan
    ("焼きたてのパンを食べる", "camera"),  # bread
    ("パンケーキ屋の右側", "camera"),
    ("海老フライ定食", "ambience"),  # prawns, not the sea
    ("海苔巻きと海鮮丼", "ambience"),
    ("上海の地図", "ambience"),
    ("北海道の牧場", "ambience"),
    ("電波塔と脳波の図", "ambience"),
    ("焼き鳥の屋台", "ambience"),
    ("アニメ風のキャラクター", "ambience"),  # a style, not wind
    ("和風の風景画", "ambience"),
    ("お風呂と風船", "ambience"),
    ("赤ちゃんが笑う", "colours"),
    ("面白い話を告白する", "colours"),
    ("ブルーベリーとグリーンピース", "colours"),  # a katakana word matches a whole katakana run
    ("青春の物語", "colours"),
    ("紫外線と赤外線", "colours"),
    ("朝鮮半島の王朝", "time_word"),
    ("スノーボードの板", "particles"),
    ("蛍光灯の下", "particles"),
    ("火星の探査機", "particles"),
    ("秋葉原の雪駄", "particles"),
    ("ナイトクラブの看板", "time_word"),
]
NEUTRAL = read_prompt("")


@pytest.mark.parametrize(("prompt", "field"), TRAPS)
def test_false_hits_do_not_trigger(prompt: str, field: str) -> None:
    assert getattr(read_prompt(prompt), field) == getattr(NEUTRAL, field)


def test_longer_words_are_read_for_what_they_are() -> None:
    assert read_prompt("夜明けの海").time_word == "dawn"  # not night
    assert read_prompt("白昼の街").time_word == "day" and read_prompt("白昼の街").colours == ()
    assert read_prompt("花吹雪").particles == "petals"  # blossoms, not a blizzard
    assert read_prompt("桜色のドレス").colours == ("pink",) and read_prompt("桜色のドレス").particles is None
    assert read_prompt("青緑の湖").colours == ("teal",)
    assert read_prompt("ネオンサインの路地").colours == ("neon",)
    assert read_prompt("そよ風と強風").ambience == "wind"
    assert read_prompt("鳥瞰図").camera.name == "overhead" and read_prompt("鳥瞰図").ambience is None
    assert read_prompt("パンするカメラ").camera.name == "pan right"
    assert read_prompt("カメラがゆっくり寄っていく").camera.name == "zoom in"


def test_english_prompts_read_as_before() -> None:
    scene = read_prompt("a red kite over a windy beach at sunset, slow pan left, gulls crying, rain")
    assert (scene.time_word, scene.colours, scene.particles, scene.camera.name, scene.ambience) == (
        "sunset", ("red",), "rain", "pan left", "rain")
    assert read_prompt("snow at night, zoom in").camera == Camera("zoom in", zoom=1.35)
    assert read_prompt("a field").camera == Camera("static") and read_prompt("a field").ambience is None


def test_japanese_tables_stand_for_english_words() -> None:
    tables = [(render_scene.JA_TIME_WORDS, render_scene.TIME_WORDS), (render_scene.JA_COLOURS, render_scene.COLOURS),
              (render_scene.JA_PARTICLES, render_scene.PARTICLES), (render_scene.JA_AMBIENCE, render_scene.AMBIENCE)]
    used = set()
    for japanese, english in tables:
        assert set(japanese) <= set(english)
        for terms in japanese.values():
            for term in terms:
                assert term == unicodedata.normalize("NFKC", term).lower()  # the form prompts are compared in
                used.add(term)
    for term, longer in render_scene.JA_NOT_IN.items():
        assert term in used
        rx = re.compile(render_scene._japanese(term))
        for word in longer:
            assert term in word and rx.search(word) is None, (term, word)


def sky(path: Path, index: int = 0) -> np.ndarray:
    """Mean colour of the sky's middle right: clear of the mark, the ball's drop and the hills."""
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == index:
                rgb = f.to_ndarray(format="rgb24")
                break
    h, w = rgb.shape[:2]
    return rgb[int(h * 0.36):int(h * 0.46), w // 2:].reshape(-1, 3).astype(float).mean(axis=0)


def audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])


def test_a_japanese_prompt_renders_its_scene(tmp_path: Path) -> None:
    night = render(RenderSpec("夜の野原、静か", 320, 180, 1.0), tmp_path / "night")
    day = render(RenderSpec("昼の森", 320, 180, 1.0), tmp_path / "day")
    info = probe(night.video)
    assert (info["width"], info["height"], info["video_codec"], info["audio_codec"]) == (320, 180, "h264", "aac")
    assert abs(info["duration"] - 1.0) <= 1.0 / FPS + 0.03
    assert sky(night.video).sum() < sky(day.video).sum() - 200  # 夜 is darker than 昼

    # the same scene as the English words: the prompts differ (and so do the hills), the sky does not
    sunset_ja = render(RenderSpec("夕焼けの海、赤い凧", 320, 180, 0.5), tmp_path / "ja")
    sunset_en = render(RenderSpec("a red kite over the sea at sunset", 320, 180, 0.5), tmp_path / "en")
    assert np.abs(sky(sunset_ja.video) - sky(sunset_en.video)).max() < 3
    warm = sky(sunset_ja.video)
    assert warm[0] - warm[2] > 80

    # what is heard before the ball's first impact is the prompt's sound bed: 静か is quieter than 波の音
    waves = render(RenderSpec("夜の野原、波の音", 320, 180, 1.0), tmp_path / "waves")
    first = int(min(night.impacts[0], waves.impacts[0]) * SAMPLE_RATE)
    bed = slice(int(0.1 * SAMPLE_RATE), first - int(0.05 * SAMPLE_RATE))
    def rms(samples: np.ndarray) -> float:
        return float(np.sqrt(np.mean(samples[bed] ** 2)))

    assert rms(audio(night.video)) * 5 < rms(audio(waves.video))


def test_sound_beds_for_music_and_quiet() -> None:
    n = SAMPLE_RATE

    def rms(kind: str | None) -> float:
        return float(np.sqrt(np.mean(ambience(kind, n, np.random.default_rng(1), 0.0) ** 2)))

    assert rms("quiet") < rms(None) / 4
    assert rms("music") > rms(None)
    music = ambience("music", n, np.random.default_rng(1), 0.0)
    assert np.abs(music).max() < 0.08  # below the impacts' onsets, which stay the loudest sounds
    spectrum = np.abs(np.fft.rfft(music))
    assert abs(int(np.argmax(spectrum)) * SAMPLE_RATE / n - 261.63) < 200  # tonal: notes of the arpeggio


def test_the_mark_says_what_was_read_when_the_prompt_cannot_be_drawn() -> None:
    from PIL import ImageFont

    font = ImageFont.load_default(size=12)
    assert _printable(font, "a red kite") == "a red kite"
    assert _printable(font, "café — kite") == "cafe - kite"
    assert _printable(font, "夕焼けの海") is None
    assert _cues(read_prompt("夕焼けの海、赤い凧、左へパン")) == "sunset \u00b7 red \u00b7 pan left \u00b7 sound: waves"
    assert _cues(read_prompt("猫")) == "no cues: daylight, static camera"


def test_a_japanese_prompt_through_the_engine(local_engine, tmp_path: Path) -> None:
    import httpx2

    auth = {"Authorization": "Bearer test"}
    base = local_engine.base_url
    r = httpx2.post(f"{base}/videos", json={"prompt": "夜の野原、雪、右へパン", "size": "1280x720", "seconds": "4"},
                    headers=auth)
    assert r.status_code == 200, r.text
    vid = r.json()["id"]
    for _ in range(600):
        status = httpx2.get(f"{base}/videos/{vid}", headers=auth).json()["status"]
        if status in ("completed", "failed"):
            break
        time.sleep(0.05)
    assert status == "completed"
    video = tmp_path / "video.mp4"
    video.write_bytes(httpx2.get(f"{base}/videos/{vid}/content", headers=auth).content)
    info = probe(video)
    assert (info["width"], info["height"], info["video_codec"], info["has_audio"]) == (1280, 720, "h264", True)
    day = render(RenderSpec("昼の野原", 320, 180, 0.5), tmp_path / "day")
    assert sky(video).sum() < sky(day.video).sum() - 200
