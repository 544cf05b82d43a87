"""What changed between two prompts, word by word: a remix's prompt against its parent's, one take's against another's.

Prompts are cut into words before they are compared. Text with spaces has words between them; Japanese has no
spaces, so a word there is a run of one script (kanji, hiragana, katakana): 「夕暮れの海辺」 and 「夜明けの海辺」
differ in one run (夕暮れ / 夜明け), not in every character. Latin letters and digits make one word together
("1080p", "4k"), each punctuation mark is a word of its own, and whitespace is kept as words too, so the parts
put together again give back the very texts compared.

The comparison is difflib's on the words, after the common start and end are set aside (a remix usually changes a
few words in the middle): a 32,000-character prompt is compared in milliseconds.
"""

from __future__ import annotations

import difflib
import re

# The kinds of character a word is a run of. Anything else (punctuation, symbols, emoji) is a word by itself.
_SPACE, _WORD, _KANJI, _HIRAGANA, _KATAKANA, _OTHER = range(6)

# Runs of one kind. Kanji include 々 (repeats the kanji before it) and 〆; katakana include the long vowel mark ー and
# the half-width forms. The word class is letters and digits that are none of the Japanese scripts.
_KANJI_CHARS = "\u3005\u3006\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HIRAGANA_CHARS = "\u3041-\u309f"
_KATAKANA_CHARS = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_TOKEN = re.compile(
    rf"\s+|[{_KANJI_CHARS}]+|[{_HIRAGANA_CHARS}]+|[{_KATAKANA_CHARS}]+"
    rf"|(?:(?![{_KANJI_CHARS}{_HIRAGANA_CHARS}{_KATAKANA_CHARS}])\w)+|.",
    re.DOTALL,
)

Part = tuple[str, str]  # (op, text): "=" in both, "-" only in the old text, "+" only in the new


def words(text: str) -> list[str]:
    """The text cut into words (whitespace runs included): joined, they give the text back."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Part]:
    """The two texts as parts in order: ("=", text) in both, ("-", text) only in `old`, ("+", text) only in `new`.

    Where a change is, its removed part comes before its added one; no two parts in a row have the same op, and no
    part is empty. Joining the "=" and "-" parts gives `old`; joining the "=" and "+" parts gives `new`."""
    if old == new:
        return [("=", old)] if old else []
    a, b = words(old), words(new)
    # The common start and end first: cheap, and what is left for difflib is usually a few words.
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[len(a) - 1 - end] == b[len(b) - 1 - end]:
        end += 1
    mid_a, mid_b = a[start:len(a) - end], b[start:len(b) - end]
    raw: list[Part] = [("=", "".join(a[:start]))]
    # autojunk stays on: on long texts the commonest words (spaces, "the") are not used to anchor a match, which keeps
    # the comparison from growing with the square of the words; the gaps that leaves are merged below.
    matcher = difflib.SequenceMatcher(None, mid_a, mid_b)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            raw.append(("=", "".join(mid_a[i1:i2])))
        else:
            raw.append(("-", "".join(mid_a[i1:i2])))
            raw.append(("+", "".join(mid_b[j1:j2])))
    raw.append(("=", "".join(a[len(a) - end:])))
    return _tidy(raw)


def _tidy(raw: list[Part]) -> list[Part]:
    """Parts read as a person would: whitespace alone left equal between two changes joins them (a changed phrase
    is one change, not a change per word); each change is its removed text, then its added text."""
    parts = [p for p in raw if p[1]]
    merged: list[Part] = []
    removed: list[str] = []
    added: list[str] = []

    def close_change() -> None:
        if removed:
            merged.append(("-", "".join(removed)))
        if added:
            merged.append(("+", "".join(added)))
        removed.clear()
        added.clear()

    for index, (op, text) in enumerate(parts):
        if op == "=":
            between_changes = ((removed or added) and not text.strip() and index + 1 < len(parts)
                               and parts[index + 1][0] != "=")
            if between_changes:
                removed.append(text)
                added.append(text)
                continue
            close_change()
            if merged and merged[-1][0] == "=":
                merged[-1] = ("=", merged[-1][1] + text)
            else:
                merged.append(("=", text))
        else:
            (removed if op == "-" else added).append(text)
    close_change()
    return merged


def changed_words(old: str, new: str) -> tuple[list[str], list[str]]:
    """What was taken out and what was put in, each change as its words on one line (whitespace folded), in order.
    A change of whitespace alone is no change of words."""
    removed: list[str] = []
    added: list[str] = []
    for op, text in word_diff(old, new):
        phrase = " ".join(text.split())
        if op != "=" and phrase:
            (removed if op == "-" else added).append(phrase)
    return removed, added
