"""What a prompt asks the local renderer for: palette, weather particles, camera move, ambience — keyword tables.

The English words are the tables' keys. Japanese words (the JA_* tables) each stand for one English word and
take its place in the "first match wins" order, so a Japanese or mixed prompt reads as its English equivalent.
Prompts are compared after NFKC (full-width letters, half-width katakana) and lower-casing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

RGB = tuple[int, int, int]

# time of day -> (sky top, sky horizon, ground)
TIMES: dict[str, tuple[RGB, RGB, RGB]] = {
    "night": ((8, 10, 32), (28, 34, 78), (14, 18, 30)),
    "midnight": ((4, 6, 22), (20, 24, 60), (10, 12, 24)),
    "dusk": ((44, 32, 92), (214, 112, 98), (42, 36, 60)),
    "twilight": ((36, 30, 96), (150, 96, 150), (36, 34, 58)),
    "sunset": ((72, 46, 118), (250, 128, 60), (70, 44, 40)),
    "golden": ((120, 110, 170), (255, 190, 90), (110, 86, 48)),
    "dawn": ((96, 104, 168), (252, 170, 150), (70, 74, 70)),
    "sunrise": ((110, 130, 196), (255, 176, 112), (76, 80, 60)),
    "morning": ((120, 176, 232), (214, 232, 246), (86, 126, 70)),
    "noon": ((60, 130, 230), (170, 210, 250), (90, 140, 70)),
    "day": ((70, 140, 230), (180, 215, 250), (92, 142, 72)),
    "afternoon": ((90, 150, 220), (220, 220, 200), (110, 140, 70)),
    "fog": ((150, 156, 162), (196, 200, 204), (120, 124, 126)),
    "storm": ((40, 44, 56), (96, 102, 116), (44, 50, 48)),
}
TIME_WORDS: dict[str, str] = {
    "night": "night", "nighttime": "night", "moonlit": "night", "moonlight": "night", "midnight": "midnight",
    "dusk": "dusk", "twilight": "twilight", "evening": "dusk", "sunset": "sunset", "golden hour": "golden",
    "golden": "golden", "dawn": "dawn", "sunrise": "sunrise", "morning": "morning", "noon": "noon",
    "midday": "noon", "daylight": "day", "day": "day", "afternoon": "afternoon", "fog": "fog", "foggy": "fog",
    "mist": "fog", "misty": "fog", "overcast": "fog", "storm": "storm", "stormy": "storm", "thunderstorm": "storm",
}
COLOURS: dict[str, RGB] = {
    "red": (220, 40, 40), "crimson": (180, 20, 50), "orange": (250, 140, 30), "yellow": (250, 220, 50),
    "gold": (240, 190, 60), "green": (50, 180, 80), "emerald": (30, 160, 100), "teal": (20, 150, 150),
    "cyan": (40, 220, 230), "blue": (40, 90, 230), "navy": (20, 30, 100), "purple": (140, 60, 200),
    "violet": (150, 80, 220), "magenta": (220, 50, 180), "pink": (250, 130, 180), "white": (240, 240, 240),
    "black": (20, 20, 24), "grey": (128, 128, 128), "gray": (128, 128, 128), "brown": (130, 80, 40),
    "neon": (255, 40, 200), "silver": (200, 205, 215),
}
PARTICLES: dict[str, str] = {
    "rain": "rain", "rainy": "rain", "raining": "rain", "drizzle": "rain", "downpour": "rain", "thunderstorm": "rain",
    "snow": "snow", "snowy": "snow", "snowing": "snow", "snowfall": "snow", "blizzard": "snow", "snowflakes": "snow",
    "petals": "petals", "cherry blossom": "petals", "cherry blossoms": "petals", "sakura": "petals", "blossoms": "petals",
    "leaves": "leaves", "autumn": "leaves", "fall foliage": "leaves",
    "fireflies": "sparks", "sparks": "sparks", "embers": "sparks", "fireworks": "sparks", "stars": "stars",
}
# ambience words -> sound bed
AMBIENCE: dict[str, str] = {
    "rain": "rain", "storm": "rain", "drizzle": "rain", "wind": "wind", "windy": "wind", "breeze": "wind",
    "sea": "waves", "ocean": "waves", "waves": "waves", "beach": "waves", "surf": "waves",
    "gulls": "birds", "seagulls": "birds", "birds": "birds", "birdsong": "birds", "chirping": "birds",
    "forest": "birds", "woods": "birds", "jungle": "birds",
    "city": "traffic", "traffic": "traffic", "street": "traffic", "fire": "crackle", "campfire": "crackle",
    # last: "a quiet beach" (「静かな海」) is still the sea, quietly
    "music": "music", "melody": "music", "bgm": "music", "quiet": "quiet", "silent": "quiet", "silence": "quiet",
}


# Japanese words for the same cues, by the English word each stands for. A katakana word matches a whole
# katakana run only (パン is not in パンケーキ); JA_NOT_IN lists the longer words a kanji or kana word is part
# of without meaning it (海 is not in 海老, 赤 not in 赤ちゃん).
JA_TIME_WORDS: dict[str, tuple[str, ...]] = {
    "night": ("夜", "ナイト"), "moonlit": ("月夜", "月明かり"), "moonlight": ("月光", "ムーンライト"),
    "midnight": ("真夜中", "深夜", "ミッドナイト"),
    "dusk": ("夕暮れ", "夕暮", "日暮れ", "夕闇"), "evening": ("夕方", "夕刻", "宵"),
    "twilight": ("黄昏", "たそがれ", "薄暮", "トワイライト"),
    "sunset": ("夕焼け", "夕焼", "夕日", "夕陽", "日没", "日の入り", "サンセット"),
    "golden hour": ("ゴールデンアワー", "マジックアワー"),
    "dawn": ("夜明け", "明け方", "暁", "黎明"), "sunrise": ("日の出", "朝焼け", "朝日", "朝陽", "サンライズ"),
    "morning": ("朝", "午前", "モーニング"), "noon": ("正午", "真昼"), "daylight": ("昼間", "白昼"),
    "day": ("昼",), "afternoon": ("午後", "昼下がり"),
    "fog": ("霧", "フォグ"), "mist": ("靄", "もや", "霞", "ミスト"), "overcast": ("曇り", "曇天", "くもり", "どんより"),
    "storm": ("嵐", "台風", "ストーム"), "thunderstorm": ("雷雨",),
}
JA_COLOURS: dict[str, tuple[str, ...]] = {
    "red": ("赤", "レッド"), "crimson": ("真紅", "深紅", "紅色", "クリムゾン"), "orange": ("橙", "オレンジ"),
    "yellow": ("黄色", "イエロー"), "gold": ("金色", "黄金", "ゴールド"), "green": ("緑", "みどり", "グリーン"),
    "emerald": ("エメラルド",), "teal": ("青緑", "ティール"), "cyan": ("水色", "シアン"), "blue": ("青", "ブルー"),
    "navy": ("紺", "ネイビー"), "purple": ("紫", "パープル"), "violet": ("すみれ色", "菫色", "バイオレット"),
    "magenta": ("赤紫", "マゼンタ"), "pink": ("桃色", "桜色", "ピンク"), "white": ("白", "ホワイト"),
    "black": ("黒", "ブラック"), "grey": ("灰色", "グレー", "グレイ"), "brown": ("茶色", "ブラウン"),
    "neon": ("ネオン", "ネオンサイン", "ネオンライト"), "silver": ("銀色", "シルバー"),
}
JA_PARTICLES: dict[str, tuple[str, ...]] = {
    "rain": ("雨", "レイン"), "drizzle": ("小雨", "霧雨"), "downpour": ("豪雨", "大雨", "土砂降り", "どしゃ降り"),
    "thunderstorm": ("雷雨",),
    "snow": ("雪", "スノー"), "snowfall": ("降雪",), "blizzard": ("吹雪",), "snowflakes": ("雪の結晶",),
    "petals": ("花びら",), "cherry blossoms": ("花吹雪", "桜吹雪"), "sakura": ("桜", "さくら", "サクラ"),
    "leaves": ("落ち葉", "枯れ葉", "枯葉", "木の葉"), "autumn": ("秋", "紅葉", "もみじ"),
    "fireflies": ("蛍", "ホタル"), "sparks": ("火花", "スパーク"), "embers": ("火の粉",), "fireworks": ("花火",),
    "stars": ("星", "星空"),
}
JA_AMBIENCE: dict[str, tuple[str, ...]] = {
    "rain": ("雨", "雨音", "レイン"), "storm": ("嵐", "台風", "ストーム"), "drizzle": ("小雨", "霧雨"),
    "wind": ("風", "ウインド", "ウィンド"), "windy": ("強風", "突風", "暴風"),
    "breeze": ("そよ風", "微風", "潮風", "海風", "夜風", "北風", "秋風", "春風", "浜風", "ブリーズ"),
    "sea": ("海", "海原"), "ocean": ("大洋", "海洋", "オーシャン"), "waves": ("波", "波の音", "波音", "さざ波", "潮騒"),
    "beach": ("浜辺", "砂浜", "海辺", "海岸", "渚", "ビーチ"), "surf": ("サーフ", "サーフィン"),
    "gulls": ("鴎", "かもめ", "カモメ", "ウミネコ"), "birds": ("鳥", "小鳥", "野鳥", "バード"),
    "birdsong": ("さえずり", "囀り", "鳥の声"),
    "forest": ("森", "森林", "フォレスト"), "woods": ("雑木林", "木立"), "jungle": ("密林", "ジャングル"),
    "city": ("街", "都会", "都市", "市街", "シティ"), "traffic": ("交通", "渋滞", "車の音"),
    "street": ("道路", "路上", "ストリート"), "fire": ("炎", "ファイヤー", "ファイア"),
    "campfire": ("焚き火", "たき火", "焚火", "暖炉", "キャンプファイヤー", "キャンプファイア"),
    "music": ("音楽", "ミュージック"), "melody": ("旋律", "メロディ", "メロディー"),
    "quiet": ("静か", "しずか"), "silent": ("無音", "サイレント"), "silence": ("静寂",),
}
JA_NOT_IN: dict[str, tuple[str, ...]] = {
    "夜": ("夜明け",), "朝": ("朝鮮", "朝廷", "王朝"), "霧": ("霧雨", "霧吹"), "霞": ("霞が関", "霞ヶ関"),
    "もや": ("もやし", "もやもや"), "曇り": ("曇りガラス",),
    "赤": ("赤ちゃん", "赤ん坊", "赤字", "赤道", "赤外", "赤紫"), "青": ("青春", "青年", "青少年", "青緑"),
    "緑": ("青緑",), "紫": ("紫外", "赤紫"), "白": ("面白", "告白", "白状", "白昼"), "黒": ("黒字",),
    "雨": ("雨戸", "雨樋", "雨どい"), "雪": ("雪駄", "雪辱", "花吹雪", "桜吹雪"), "吹雪": ("花吹雪", "桜吹雪"),
    "桜": ("桜色",), "さくら": ("さくらんぼ",), "秋": ("秋葉", "秋田"), "蛍": ("蛍光",),
    "星": ("火星", "木星", "金星", "土星", "水星", "惑星", "衛星"),
    "海": ("海老", "海苔", "海外", "海鮮", "海馬", "海胆", "海産", "上海", "北海道", "東海道"),
    "波": ("電波", "音波", "脳波", "周波", "電磁波", "波長", "寒波", "余波", "波乱", "波及"),
    "鳥": ("焼き鳥", "焼鳥", "鳥肌", "鳥居", "鳥瞰"),
    # 〜風 after a noun is a style (アニメ風, 和風), and 風 begins words that are not wind (風景, 風呂)
    "風": ("風景", "風呂", "風船", "風味", "風邪", "風格", "風習", "風貌", "風刺", "風情", "風俗", "風潮"),
}

_KATAKANA = "\u30a1-\u30fa\u30fc-\u30ff"  # letters, ー and the iteration marks; not the ・ between words
_NK = f"(?<![{_KATAKANA}])"  # no katakana before: the run starts here
_KN = f"(?![{_KATAKANA}])"  # no katakana after: the run ends here
# English words are matched on a copy of the prompt in which every other script is a space: "\b" is then a
# boundary for them even beside Japanese (「赤いkiteの」), and an English prompt reads as it always has.
_NOT_LATIN = re.compile("[^\x00-\u024f\u2019]")
_SLOW = "(?:ゆっくり(?:と)?|静かに|そっと)?"


@dataclass(frozen=True)
class Camera:
    """A camera move over the clip: offsets are fractions of the frame, zoom a scale factor at the end."""

    name: str
    dx: float = 0.0  # horizontal travel of the view over the clip (+ = to the right)
    dy: float = 0.0  # vertical travel (+ = down)
    zoom: float = 1.0  # scale at the end (start is 1.0)


# (English pattern, Japanese pattern, move); the first that matches wins
_CAMERA_PATTERNS: list[tuple[str, str, Camera]] = [
    (r"\b(zoom|push|dolly)(ing|s)?[- ]in\b|\bpush(es|ing)? forward\b",
     f"{_NK}(?:ズーム ?イン|ズームアップ|ドリー ?イン|プッシュ ?イン){_KN}|カメラが{_SLOW}(?:前進|寄|近づ)",
     Camera("zoom in", zoom=1.35)),
    (r"\b(zoom|pull|dolly)(ing|s)?[- ](out|back)\b|\bpull(s|ing)? away\b",
     f"{_NK}(?:ズーム ?アウト|ズームバック|ドリー ?アウト|ドリーバック|プル ?バック){_KN}|カメラが{_SLOW}(?:後退|引|離れ|遠ざか)",
     Camera("zoom out", zoom=0.75)),
    (r"\b(pan|dolly|truck|track)(s|ing)?( slowly| gently)? (to the )?left\b|\bfrom right to left\b",
     (f"左(?:へ|に|方向へ|方向に|側へ|側に){_SLOW}(?:パン|ドリー|トラック|トラッキング){_KN}"
      f"|カメラ(?:が|を)左(?:へ|に){_SLOW}移動|右から左"),
     Camera("pan left", dx=-0.35)),
    (r"\b(pan|dolly|truck|track)(s|ing)?( slowly| gently)? (to the )?right\b|\bfrom left to right\b",
     (f"右(?:へ|に|方向へ|方向に|側へ|側に){_SLOW}(?:パン|ドリー|トラック|トラッキング){_KN}"
      f"|カメラ(?:が|を)右(?:へ|に){_SLOW}移動|左から右"),
     Camera("pan right", dx=0.35)),
    (r"\btilt(s|ing)? up\b|\bcrane up\b|\brise(s)? up\b",
     (f"{_NK}(?:チルト ?アップ|ティルト ?アップ|クレーン ?アップ){_KN}|上(?:へ|に|方向へ){_SLOW}(?:チルト|ティルト){_KN}"
      f"|カメラが{_SLOW}上昇"),
     Camera("tilt up", dy=-0.25)),
    (r"\btilt(s|ing)? down\b|\bcrane down\b",
     (f"{_NK}(?:チルト ?ダウン|ティルト ?ダウン|クレーン ?ダウン){_KN}|下(?:へ|に|方向へ){_SLOW}(?:チルト|ティルト){_KN}"
      f"|カメラが{_SLOW}下降"),
     Camera("tilt down", dy=0.25)),
    (r"\borbit(s|ing)?\b|\barc(s|ing)? around\b",
     f"{_NK}オービット{_KN}|周回|回り込|まわり込|(?:周り|周囲|まわり)を{_SLOW}(?:ぐるりと|ぐるっと)?(?:回|まわ|一周)",
     Camera("orbit", dx=0.3, zoom=1.15)),
    (r"\bstatic (shot|camera|frame|view)\b|\blocked[- ]off\b|\bfixed (camera|shot)\b|\btripod\b",
     f"固定|定点|据え置き|三脚|{_NK}フィックス{_KN}",
     Camera("static")),
    (r"\bdrone\b|\baerial\b|\bflyover\b|\bfly-through\b",
     f"{_NK}ドローン(?:ショット)?{_KN}|空撮|上空から",
     Camera("drone", dx=0.25, zoom=1.2)),
    (r"\boverhead (shot|view|angle)\b|\bbird[’']?s[- ]eye\b|\btop[- ]down\b|\bfrom above\b",
     "俯瞰|鳥瞰|真上から|上から見下ろ",
     Camera("overhead", dy=0.25)),
    # a move named without its direction; パン alone is bread (パンを焼く), so it must be a verb here
    (r"\b(zoom|pan|dolly|tracking shot)\b",
     (f"{_NK}(?:ズーム|ドリー|トラッキング|トラッキングショット|パンニング){_KN}|{_NK}パン(?=する|して|しな|させ|撮影)"
      f"|カメラ(?:が|を)パン{_KN}"),
     Camera("pan right", dx=0.3)),
]


@dataclass(frozen=True)
class Scene:
    sky_top: RGB
    sky_horizon: RGB
    ground: RGB
    accent: RGB  # the ball's colour
    particles: str | None
    camera: Camera
    ambience: str | None
    time_word: str | None
    colours: tuple[str, ...] = ()  # the colour words read, in the table's order (the first tints the sky)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _japanese(term: str) -> str:
    """A Japanese word as a pattern: a katakana edge must be the edge of its katakana run, and the word must not
    be part of a longer word listed in JA_NOT_IN."""
    def kata(ch: str) -> bool:
        return "\u30a1" <= ch <= "\u30fa" or "\u30fc" <= ch <= "\u30ff"

    if term == "風":  # wind only where it is not the 〜風 of a style: nothing kanji, katakana or Latin before it
        guards = [f"(?<![\u3400-\u9fff{_KATAKANA}0-9a-z])"]
    else:
        guards = [_NK] if kata(term[0]) else []
    for longer in JA_NOT_IN.get(term, ()):
        for i in (m.start() for m in re.finditer(f"(?={re.escape(term)})", longer)):  # every place (もや in もやもや)
            pre, post = re.escape(longer[:i]), re.escape(longer[i + len(term):])
            ahead = f"(?!{re.escape(term)}{post})"
            guards.append(f"(?:(?<!{pre})|{ahead})" if pre and post else (f"(?<!{pre})" if pre else ahead))
    return "".join(guards) + re.escape(term) + (_KN if kata(term[-1]) else "")


def _patterns(word: str, japanese: dict[str, tuple[str, ...]]) -> tuple[str, re.Pattern[str], re.Pattern[str] | None]:
    terms = japanese.get(word, ())
    return (word, re.compile(rf"\b{re.escape(word)}\b"),
            re.compile("|".join(_japanese(t) for t in terms)) if terms else None)


_Words = list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]  # (English word, its pattern, its Japanese words')


@dataclass(frozen=True)
class _Tables:
    times: _Words
    colours: _Words
    particles: _Words
    ambience: _Words
    cameras: list[tuple[re.Pattern[str], re.Pattern[str], Camera]]


@cache
def _tables() -> _Tables:
    """The compiled patterns, in the order they are tried; built on the first prompt, not at import."""
    def by_length(words: dict[str, str]) -> list[str]:
        return sorted(words, key=len, reverse=True)

    return _Tables(
        times=[_patterns(w, JA_TIME_WORDS) for w in by_length(TIME_WORDS)],
        colours=[_patterns(w, JA_COLOURS) for w in COLOURS],
        particles=[_patterns(w, JA_PARTICLES) for w in by_length(PARTICLES)],
        ambience=[_patterns(w, JA_AMBIENCE) for w in AMBIENCE],
        cameras=[(re.compile(en), re.compile(ja), move) for en, ja, move in _CAMERA_PATTERNS],
    )


def normalise(prompt: str) -> str:
    """The text the tables are matched against: NFKC (full-width letters and digits, half-width katakana), lower case."""
    return unicodedata.normalize("NFKC", prompt).lower()


def read_prompt(prompt: str) -> Scene:
    """Turn a prompt into scene settings; the first matching words win (documented tables above)."""
    tables = _tables()
    text = normalise(prompt)
    latin = _NOT_LATIN.sub(" ", text)
    other = latin != text  # only then can a Japanese word be there

    def found(words: _Words) -> Iterator[str]:
        return (w for w, en, ja in words if en.search(latin) or (other and ja is not None and ja.search(text)))

    time_key = next((TIME_WORDS[w] for w in found(tables.times)), None)
    top, horizon, ground = TIMES[time_key or "day"]
    names = tuple(found(tables.colours))
    colours = [COLOURS[w] for w in names]
    if colours:
        tint = colours[0]
        top, horizon = _mix(top, tint, 0.35), _mix(horizon, tint, 0.5)
    accent = colours[1] if len(colours) > 1 else (colours[0] if colours else (250, 90, 60))
    if accent == horizon:
        accent = (250, 250, 250)
    particles = next((PARTICLES[w] for w in found(tables.particles)), None)
    camera = next((move for en, ja, move in tables.cameras if en.search(latin) or (other and ja.search(text))),
                  Camera("static"))
    ambience = next((AMBIENCE[w] for w in found(tables.ambience)), None)
    if ambience is None and particles == "rain":
        ambience = "rain"
    return Scene(top, horizon, ground, accent, particles, camera, ambience, time_key, names)
