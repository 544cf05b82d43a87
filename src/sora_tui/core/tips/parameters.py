"""Parameters in prose: a length, a resolution or an orientation written into the prompt that the chosen
Seconds and size contradict. Length and size are parameters, so the text should not say them."""

from __future__ import annotations

import re

from ..i18n import _, pgettext
from ..params import SECONDS_ALL
from . import en, ja
from .ja_words import is_kanji
from .lexicon import Span, split
from .reading import Reading
from .report import CONFLICT, Tip
from .say import quotes


def _parse_size(size: str) -> tuple[int, int] | None:
    width, _x, height = str(size).lower().replace("×", "x").partition("x")
    return (int(width), int(height)) if width.strip().isdigit() and height.strip().isdigit() else None


def parse_seconds(seconds: str | int) -> int | None:
    text = str(seconds).strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _resolution(key: str) -> int | None:
    return en.RESOLUTION.get(key) or ja.RESOLUTION.get(key)


_NUMBER_WORDS = {
    w: i for i, w in enumerate(split(
        "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
        "seventeen|eighteen|nineteen|twenty"))
} | {"thirty": 30, "forty": 40, "sixty": 60}
_CLIP = (
    # "a 10-second clip", "10 seconds long": the clip's own length, not a beat inside it.
    r"(\s*-?\s*(?:long\b|(?:clip|video|shot|film|movie|scene|sequence|take|reel|spot|ad|commercial)s?\b))?"
)
# Starts with a bare \d so the engine can skip ahead to digits, and gives up at once inside a longer number;
# the character before is checked in code.
_DURATION_DIGITS = re.compile(r"(\d(?<!\d\d)\d{0,2}(?:\.\d+)?)\s*-?\s*(seconds?|secs?|s|minutes?|mins?)\b" + _CLIP)
# The same for a text of ASCII alone (every English prompt, and the view of most Japanese ones): \d and \s then
# match what they would anyway, and the engine tests each character for an ASCII digit faster than for a Unicode one.
_DURATION_DIGITS_ASCII = re.compile(_DURATION_DIGITS.pattern, re.ASCII)
_DURATION_WORDS = re.compile(
    r"\b(" + "|".join(_NUMBER_WORDS) + r"|an?)\s*-?\s*(seconds?|minutes?)\b" + _CLIP)
# 10秒, 10秒間, 十秒, 1分; "10秒の動画" and "尺は10秒" are the clip's own length. 5分後 (story time), 10時30分
# (a clock), 5分の1 (a fraction) and 十分 (enough) are not lengths.
_JA_DURATION = re.compile(
    r"(\d{1,3}(?:\.\d+)?|[一二三四五六七八九十]{1,3})\s*(秒|分)(間)?"
    r"((?:くらい|ほど|程度)?の?(?:動画|映像|クリップ|ムービー|ショート)|尺)?(後|前|おき|ごと|毎|の\d|割|咲)?")
_KANJI_NUMBERS = {ch: i for i, ch in enumerate("〇一二三四五六七八九", start=0)}


def _kanji_number(text: str) -> int:
    if "十" not in text:
        return _KANJI_NUMBERS.get(text, 0) if len(text) == 1 else 0
    tens, _x, ones = text.partition("十")
    return (_KANJI_NUMBERS.get(tens, 0) if tens else 1) * 10 + (_KANJI_NUMBERS.get(ones, 0) if ones else 0)


def _ja_durations(r: Reading, secs: int) -> list[Span]:
    text = r.lowered
    bad: list[Span] = []
    for m in _JA_DURATION.finditer(text):
        number, unit, _span, clip, skip = m.groups()
        before = text[m.start() - 1] if m.start() else ""
        if skip or (before and (before.isascii() and (before.isalnum() or before in ".:") or before in "時〇")):
            continue
        if number[0].isdigit():
            value = float(number)
        elif unit == "秒":
            value = _kanji_number(number)
        else:
            continue  # 十分 is "enough", 一分 rarely a length
        if unit == "分" and text[m.end(2):m.end(2) + 1] and is_kanji(text[m.end(2)]) and not _span:
            continue
        value *= 60 if unit == "分" else 1
        whole = bool(clip) or "尺" in text[max(0, m.start() - 4):m.start()] or "長さ" in text[
            max(0, m.start() - 5):m.start()]
        if value > secs or (whole and value != secs):
            bad.append((m.start(), m.end() - len(clip or ""), m.group().strip()))
    return bad


def _duration_conflict(r: Reading, secs: int | None) -> Tip | None:
    if secs is None:
        return None
    lowered = r.view
    digits = _DURATION_DIGITS_ASCII if lowered.isascii() else _DURATION_DIGITS
    matches = [m for m in digits.finditer(lowered)
               if not (m.start() and (lowered[m.start() - 1].isalnum() or lowered[m.start() - 1] in ".:"))]
    if "second" in lowered or "minute" in lowered:
        matches += _DURATION_WORDS.finditer(lowered)
    bad: list[Span] = []
    for m in matches:
        number, unit, clip = m.group(1), m.group(2), m.group(3)
        if number in ("a", "an") and unit.startswith("s"):
            continue  # "a second dog": an ordinal far more often than a duration
        if unit == "s" and float(number) >= 20:
            continue  # "1970s", "90s", "her 30s": decades and ages, not seconds
        value = float(number) if number[0].isdigit() else _NUMBER_WORDS.get(number, 1)  # "a minute"
        value *= 60 if unit.startswith("m") else 1
        # A beat inside the clip ("pauses for 2 seconds") is fine; the clip's own length or a beat that
        # cannot fit is not.
        if value > secs or (clip and value != secs):
            bad.append((m.start(), m.end() - len(clip or ""), m.group().strip()))
    if r.japanese and ("秒" in r.lowered or "分" in r.lowered):
        bad += _ja_durations(r, secs)
    if not bad:
        return None
    bad.sort()
    return Tip("duration-conflict", _("Duration"), CONFLICT, _(
        "The text says {found} but Seconds is {seconds}: length is a parameter — choose it with Seconds "
        "({choices}) and drop it from the text.").format(
        found=quotes(r.source, bad, 2), seconds=secs, choices=pgettext("list separator", ", ").join(SECONDS_ALL)))


def _size_conflicts(r: Reading, size: str, model: str) -> list[Tip]:
    parsed = _parse_size(size)
    if parsed is None:
        return []
    width, height = parsed
    source, hits = r.source, r.hits
    tips = []
    wrong = [s for s in hits.get("resolution", []) if _resolution(s[2]) != min(width, height)]
    if wrong:
        if "pro" in model:
            detail = _("The text asks for {found}, but the size sets the resolution ({size}): drop it from the text "
                       "and choose the size.")
        else:
            detail = _("The text asks for {found}, but the size sets the resolution ({size}): drop it from the text "
                       "and choose the size (sora-2-pro offers 1080x1920 and 1920x1080).")
        tips.append(Tip("resolution-conflict", _("Resolution"), CONFLICT,
                        detail.format(found=quotes(source, wrong, 2), size=size)))
    if height > width and hits.get("landscape"):
        tips.append(Tip("orientation-conflict", _("Orientation"), CONFLICT, _(
            "The text asks for landscape 16:9 ({found}), but the size is {size} (vertical): choose 1280x720, or "
            "drop it from the text.").format(found=quotes(source, hits["landscape"], 2), size=size)))
    elif width > height and hits.get("vertical"):
        tips.append(Tip("orientation-conflict", _("Orientation"), CONFLICT, _(
            "The text asks for vertical 9:16 ({found}), but the size is {size} (landscape): choose 720x1280, or "
            "drop it from the text.").format(found=quotes(source, hits["vertical"], 2), size=size)))
    return tips


def parameter_conflicts(r: Reading, *, model: str, size: str, secs: int | None) -> tuple[Tip, ...]:
    """What the text says against the parameters: its length, then its resolution and orientation."""
    if not r.lowered.strip():
        return ()
    duration = _duration_conflict(r, secs)
    return (*([duration] if duration else []), *_size_conflicts(r, size, model))
