"""The Japanese lexicon: keywords by category, read with boundaries that Japanese script itself gives.

Japanese has no spaces, so a keyword matched anywhere inside the text gives false hits (パン inside パンケーキ,
海 inside 海老). A morphological analyser would cut words properly, but the ones on the registry cost 200-250 MB
and take 0.9-42 ms to cut a 2,000-character prompt (docs/TIPS.md has the figures); these rules cost nothing to
install and keep analyse() under a millisecond:

- a keyword that starts (ends) with katakana must start (end) a katakana run: パン in 「左へパン、」, not in
  パンケーキ or ルパン;
- a keyword of one kanji must not be followed by another kanji (海 in 「夜の海を」, not in 海老 or 海外), nor
  preceded by one unless it is a place suffix (富士山, 渋谷駅); compounds that are keywords are listed as such
  (海辺, 夜空, 足音);
- compounds that look like a keyword and are not are listed as blockers, which the scan reads and drops
  (音楽室 is a setting, not music; カメラマン is a person, not a camera move);
- a verb is found by its stem and its conjugated endings (走る, 走って, 走り, 走った), and its key is the
  dictionary form, so counting actions counts verbs, not spellings.
"""

from __future__ import annotations

import functools
import re

from .ja_words import (
    CAMERA_DOES,
    CAMERA_DOES_KIND,
    CAMERA_KIND,
    CHECK,
    FORMAT,
    FORMAT_NEXT,
    KANJI_AFTER,
    KANJI_BEFORE,
    KATA_AFTER,
    LEX,
    NAME_AFTER,
    RESOLUTION,
    is_kanji,
    is_katakana,
)
from .lexicon import Span, split, trie_pattern

__all__ = ["CAMERA_KIND", "RESOLUTION", "prepare", "scan", "subject"]

_KATA_CLASS = "[ァ-ヺー・ヽヾ]"
_KANJI_CLASS = "[\u3400-\u4dbf\u4e00-\u9fff々〆]"
_NOT_A_NAME = "(?!さん|くん|ちゃん|様|氏|君)"  # 森さん is a person


# パン before a particle or a noun of food is bread (パンを焼く, パン屋, パン生地), not a pan.
_END = {"パン": "(?![をがのとはや粉生])"}


def _end(word: str) -> str:
    """The assertion `word` must meet where it ends (and, for one kanji, where it starts)."""
    check = CHECK.get(word, 0)
    end = ""
    if check & KANJI_BEFORE:
        end += f"(?<!{_KANJI_CLASS}.)"
    if check & KANJI_AFTER:
        end += f"(?!{_KANJI_CLASS})"
    if check & NAME_AFTER:
        end += _NOT_A_NAME
    if check & KATA_AFTER:
        # A look may head a katakana compound (ドキュメンタリータッチ, シネマティックルック); nothing else may.
        suffix = "(?=タッチ|ルック|テイスト|スタイル)|" if "style" in LEX[word][1] else ""
        end += f"(?:{suffix}(?!{_KATA_CLASS}))"
    end += _END.get(word, "")
    if check & FORMAT:
        end += f"(?={FORMAT_NEXT.pattern})"
    return end


def _script(word: str) -> str:
    first = word[0]
    if "\u3041" <= first <= "\u309f":
        return "hiragana"
    if is_katakana(first):
        return "katakana"
    return "kanji" if is_kanji(first) else "other"


@functools.cache
def _passes() -> tuple[re.Pattern[str], ...]:
    """One regex per script of the first character: a pass over the prompt is cheap when the engine can skip to
    the next possible first character, and one alternation of every first character at every position was five
    times slower (docs/TIPS.md). Kanji, with hundreds of first characters, also dispatch on it (see trie_pattern)."""
    groups: dict[str, list[str]] = {}
    for word in LEX:
        groups.setdefault(_script(word), []).append(word)
    ends = {word: _end(word) for word in LEX}
    return tuple(
        re.compile(trie_pattern(words, gaps=False, ends=ends, split_first=script == "kanji",
                                after_first=f"(?<!{_KATA_CLASS}.)" if script == "katakana" else ""))
        for script, words in sorted(groups.items()))


@functools.cache
def _entries() -> dict[str, tuple[str, tuple[str, ...]]]:
    """spelling -> (key, categories), blockers with none: what the scan looks up per keyword found."""
    return {word: (key, tuple(sorted(categories))) for word, (key, categories) in LEX.items()}


def prepare() -> None:
    _passes()
    _entries()


def scan(text: str) -> dict[str, list[Span]]:
    """Where each category's keywords are in `text` (the lowercased, NFKC-normalised prompt)."""
    found: list[tuple[int, str]] = []
    for rx in _passes():
        found += [(m.start(), m.group()) for m in rx.finditer(text)]
    found.sort()
    hits: dict[str, list[Span]] = {}
    entries = _entries()
    reach = 0
    for start, word in found:
        end = start + len(word)
        if end <= reach:
            continue  # inside a longer keyword of another script (やわらかな光 holds 光)
        reach = end
        key, categories = entries[word]
        span = (start, end, key)
        for category in categories:
            spans = hits.get(category)
            if spans is None:
                hits[category] = [span]
            else:
                spans.append(span)
    if "風" in text:
        for m in _STYLE_LIKE.finditer(text):
            if m.group(1) not in _NOT_STYLES and m.group() not in LEX:
                hits.setdefault("style", []).append((m.start(), m.end(), m.group()))
        if "style" in hits:
            hits["style"].sort()
    if "カメラ" in text or "ドローン" in text:
        for m in CAMERA_DOES.finditer(text):
            verb = m.group(1)
            kind = CAMERA_DOES_KIND.get(verb)
            if verb == "動か" and text.startswith(("ない", "さない", "ず"), m.end()):
                kind = "static"  # カメラは動かない
            hits.setdefault("camera", []).append((m.start(), m.end(), "カメラ" + (kind or "動く")))
        if "camera" in hits:
            hits["camera"].sort()
    return hits


# X風 is a look ("in the manner of X") for any X of two kanji or katakana: インタビュー風, 少女漫画風. Winds are
# the exception (季節風 is a monsoon; 台風 and 海風 have one kanji before 風 and do not match).
_STYLE_LIKE = re.compile(r"([ァ-ヺー]{2,}|[\u4e00-\u9fff々]{2,})風(?![\u4e00-\u9fff々])")
_NOT_STYLES = frozenset(split("季節|偏西|貿易|木枯らし"))


# A する-verb the list does not know (ジャンプする, 疾走しながら, 回転して) is still an action, unless its noun is a
# word of another kind (パンする is a camera move, 撮影する is about the camera).
_SURU = re.compile(r"([ァ-ヺー]{2,}|[\u4e00-\u9fff々]{2,})(?=を?す[るれ]|を?し[てたなまょ]|さ[せれ])")
_NOT_SURU_ACTIONS = frozenset(split(
    "撮影|表現|描写|使用|設定|強調|想定|意識|演出|生成|再現|存在|配置|注意|希望|固定|調整|撮る|登録|確認|編集|用意|"
    "指定|参考|意味|説明|紹介|反射|反映|照明|録音|収録"))
_CONTENT = re.compile(r"[ァ-ヺー\u4e00-\u9fff々a-z]")


def subject(text: str, hits: dict[str, list[Span]]) -> tuple[bool, list[Span]]:
    """(a subject besides the action?, the action spans): a verb and some other word of content (a noun in
    kanji, katakana or Latin letters) outside the verbs."""
    actions = hits.get("action", [])
    if not actions:
        for m in _SURU.finditer(text):
            if m.group() not in _NOT_SURU_ACTIONS and m.group() not in LEX:
                actions = [(m.start(), m.end(), m.group())]
                break
    if not actions:
        return False, []
    if len(text) > 120:
        return True, actions
    rest, last = [], 0
    for start, end, _ in actions:
        rest.append(text[last:start])
        last = max(last, end)
    rest.append(text[last:])
    return _CONTENT.search("".join(rest)) is not None, actions
