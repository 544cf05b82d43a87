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
import sys
from bisect import bisect_right
from itertools import chain, repeat
from operator import gt, lt

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
from .lexicon import Found, Span, group_hits, matches, split, trie_pattern

__all__ = ["CAMERA_KIND", "RESOLUTION", "follows", "prepare", "scan", "subject"]

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
        re.compile("(" + trie_pattern(words, gaps=False, ends=ends, split_first=script == "kanji",
                                      after_first=f"(?<!{_KATA_CLASS}.)" if script == "katakana" else "") + ")")
        for script, words in sorted(groups.items()))  # one group: see lexicon.matches


@functools.cache
def _needles() -> tuple[tuple[str, ...], ...]:
    """For each pass, a few pieces one of which every keyword of the pass holds (ミリ and 0年 for the ones that
    start with a digit: 35ミリ, 1970年代), or none when it would take more: a pass is skipped when the prompt has
    none of its pieces, which the `in` operator finds far faster than a pass over the prompt."""
    groups: dict[str, list[str]] = {}
    for word in LEX:
        groups.setdefault(_script(word), []).append(word)
    needles = []
    for _script_name, words in sorted(groups.items()):
        left, chosen = set(words), list[str]()
        while left and len(chosen) < 3 and len(words) <= 100:  # hundreds of keywords hold hundreds of pieces
            counts: dict[str, int] = {}
            for word in left:
                for piece in {word[i:i + 2] for i in range(len(word) - 1)}:
                    counts[piece] = counts.get(piece, 0) + 1
            if not counts:
                break
            best = max(sorted(counts), key=counts.__getitem__)
            chosen.append(best)
            left = {word for word in left if best not in word}
        needles.append(tuple(chosen) if not left else ())
    return tuple(needles)


@functools.cache
def _entries() -> dict[str, tuple[str, tuple[str, ...]]]:
    """spelling -> (key, categories), blockers with none: what the scan looks up per keyword found."""
    return {word: (key, tuple(sorted(categories))) for word, (key, categories) in LEX.items()}


def prepare() -> None:
    _passes()
    _needles()
    _entries()


def _overlap(found: list[Found]) -> bool:
    """Whether a keyword found by one pass runs into one found by another (やわらかな光 holds 光).

    Checked pass against pass by bisection, in C loops over the smaller one: the long prompts this matters for
    have thousands of keywords, and overlaps are rare."""
    for i, (_words, starts, ends) in enumerate(found):
        for _others, starts2, ends2 in found[i + 1:]:
            big_starts, big_ends, small_starts, small_ends = (
                (starts, ends, starts2, ends2) if len(starts) >= len(starts2) else (starts2, ends2, starts, ends))
            # For each keyword of the smaller pass, how many of the larger one start before it (no two start alike).
            before = list(map(bisect_right, repeat(big_starts, len(small_starts)), small_starts))
            if any(map(gt, map(([-1] + big_ends).__getitem__, before), small_starts)):
                return True  # the larger pass's keyword before it is still running where it starts
            if any(map(lt, map((big_starts + [sys.maxsize]).__getitem__, before), small_ends)):
                return True  # the larger pass's next keyword starts before it ends
    return False


def _merged(found: list[Found]) -> dict[str, list[Span]]:
    """The keywords of every pass in text order, each one inside a longer keyword of another pass dropped."""
    entries = _entries()
    hits: dict[str, list[Span]] = {}
    reach = 0
    for start, end, word in sorted(chain.from_iterable(zip(starts, ends, words) for words, starts, ends in found)):
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
    return hits


def scan(text: str) -> dict[str, list[Span]]:
    """Where each category's keywords are in `text` (the lowercased, NFKC-normalised prompt)."""
    found: list[Found] = []
    for rx, needles in zip(_passes(), _needles()):
        if needles and not any(needle in text for needle in needles):
            continue
        keywords = matches(rx, text)
        if keywords:
            found.append(keywords)
    hits = _merged(found) if len(found) > 1 and _overlap(found) else group_hits(found, _entries().__getitem__)
    if "風" in text:
        for start, end in _style_like(text):
            if text[start:end - 1] not in _NOT_STYLES and text[start:end] not in LEX:
                hits.setdefault("style", []).append((start, end, text[start:end]))
        if "style" in hits:
            hits["style"].sort()
    if "カメラ" in text or "ドローン" in text:
        for m in _camera_does(text):
            verb = m.group(1)
            kind = CAMERA_DOES_KIND.get(verb)
            if verb == "動か" and text.startswith(("ない", "さない", "ず"), m.end()):
                kind = "static"  # カメラは動かない
            hits.setdefault("camera", []).append((m.start(), m.end(), "カメラ" + (kind or "動く")))
        if "camera" in hits:
            hits["camera"].sort()
    return hits


_CAMERA_NOUNS = (re.compile("カメラ"), re.compile("ドローン"))  # a literal: the engine finds each one in C


def _camera_does(text: str) -> list[re.Match[str]]:
    """CAMERA_DOES.finditer(text), tried only where カメラ or ドローン starts (its pattern starts with either: searched
    as it is, the engine tried every カ and ド of the prompt)."""
    starts = sorted(m.start() for noun in _CAMERA_NOUNS for m in noun.finditer(text))
    found: list[re.Match[str]] = []
    reach = 0
    for start in starts:
        if start >= reach and (m := CAMERA_DOES.match(text, start)):
            found.append(m)
            reach = m.end()
    return found


# X風 is a look ("in the manner of X") for any X of two kanji or katakana: インタビュー風, 少女漫画風. Winds are
# the exception (季節風 is a monsoon; 台風 and 海風 have one kanji before 風 and do not match).
# Searched from each 風, then back to the start of the run before it: a pattern that starts with the run tried every
# kanji and katakana of the prompt (0.8 ms at 32,000 characters when the prompt had one 風 in it).
_STYLE_WIND = re.compile(r"風(?<=[ァ-ヺー]{2}風|[\u4e00-\u9fff々]{2}風)(?![\u4e00-\u9fff々])")


def _is_kata(ch: str) -> bool:
    return "ァ" <= ch <= "ヺ" or ch == "ー"


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch == "々"


def _style_like(text: str) -> list[tuple[int, int]]:
    """(start, end) of each X風: a run of two katakana or more before 風, or of two kanji or more ending with it
    (the run that holds the 風), and no kanji after it."""
    found = []
    for m in _STYLE_WIND.finditer(text):
        start = m.start() - 2
        same = _is_kata if _is_kata(text[start]) else _is_han
        while start and same(text[start - 1]):
            start -= 1
        found.append((start, m.end()))
    return found


_NOT_STYLES = frozenset(split("季節|偏西|貿易|木枯らし"))


# 追う (to follow) is a camera move when the camera is what follows. With カメラ or ドローン as its subject it is read
# by CAMERA_DOES within a few words (カメラが柴犬をゆっくり追う), and here across a whole sentence
# (ドローンが海沿いの道を走る赤い車をゆっくり追う). A 追う with no subject in its sentence is the camera too, in a
# prompt that directs the camera somewhere else (a move or a framing found, or the camera named): a later shot written
# 「後ろからゆっくり追う」, or "drone shot で海岸線を追う". One with a subject of its own (犬が猫を追う) or that
# describes a noun (猫を追う犬) is the subject's action, and so is a subjectless one in a prompt that never mentions
# the camera. Either way 追う stays an action too, as the camera's moves read by CAMERA_DOES do.
_FOLLOW_FORMS = frozenset(("追う", "追っ", "追い", "追いかけ"))  # not 追わない (not following) or 追え
_FOLLOW_KEYS = frozenset(("追う", "追いかける"))
_NOUN_NEXT = re.compile(f"{_KANJI_CLASS}|{_KATA_CLASS}")
# Read on the reversed text, from the verb back to the start of its clause, of its sentence, or to a subject marker.
_BACK_TO_CLAUSE = re.compile(r"[^、,。.!?\n:がはも]*")
_BACK_TO_SENTENCE = re.compile(r"[^。.!?\n:がはも]*")
_CAMERA_WORDS = ("カメラ", "ドローン")
_FOLLOW_QUOTE = 24  # a longer clause is quoted from its verb


def _run_end(run: re.Pattern[str], text: str, pos: int) -> int:
    """Where a run of characters (a pattern that always matches, maybe empty) read from `pos` ends."""
    found = run.match(text, pos)
    return found.end() if found else pos


def follows(text: str, hits: dict[str, list[Span]]) -> list[Span]:
    """Camera moves ("カメラtracking") that a 追う of `text` (the lowercased prompt, read) makes, beyond those
    CAMERA_DOES found. `hits`: the prompt's keywords in both languages."""
    verbs = [(start, end) for start, end, key in hits.get("action", ())
             if key in _FOLLOW_KEYS and text[start:end] in _FOLLOW_FORMS]
    if not verbs:
        return []
    read = {end for _x, end, key in hits.get("camera", ()) if key == "カメラtracking"}
    directed: bool | None = None
    rev = text[::-1]
    size = len(text)
    found: list[Span] = []
    for start, end in verbs:
        if start + 2 in read or _NOUN_NEXT.match(text, end):
            continue  # CAMERA_DOES has it (its verb is 追う, 追っ or 追い); 猫を追う犬 tells which dog
        back = _run_end(_BACK_TO_CLAUSE, rev, size - start)
        head = size - back  # where the clause starts
        if back < size and rev[back] in "、,":
            back = _run_end(_BACK_TO_SENTENCE, rev, back)  # a subject earlier in the sentence is its subject too
        if back < size and rev[back] in "がはも":
            marker = size - back - 1
            camera = next((word for word in _CAMERA_WORDS if text.endswith(word, 0, marker)), None)
            if camera is None:
                continue  # its own subject does the following
            head = marker - len(camera)
        else:
            if directed is None:
                directed = bool(hits.get("camera") or hits.get("shot")) or any(
                    word in text for word in (*_CAMERA_WORDS, "撮影"))
            if not directed:
                continue
            while head < start and text[head] == " ":
                head += 1
        found.append((head if end - head <= _FOLLOW_QUOTE else start, end, "カメラtracking"))
    return found


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
