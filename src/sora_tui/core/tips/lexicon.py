"""What the languages' lexicons share: the span a keyword is found at, and the trie-shaped alternation."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import partial
from itertools import accumulate
from operator import call
from typing import Any

Span = tuple[int, int, str]  # start, end, lexicon key
Hits = dict[str, list[Span]]  # category -> where its keywords are, in text order
Found = tuple[list[str], list[int], list[int]]  # one pass's keywords in text order: spellings, starts, ends

# Scripts, for the language of a prompt and for the boundaries of Japanese keywords. Half-width katakana are
# gone by the time these are used (NFKC makes them full-width).
KANA = "\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe"
KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006"  # 々 and 〆 count as kanji
# Japanese punctuation, brackets and marks (、。「」・〜…) and the full-width forms NFKC leaves alone.
CJK_MARKS = "\u3000-\u303f\u30fb\uff5e\uff61-\uff65"
JAPANESE = re.compile(f"[{KANA}{KANJI}]")
CJK_RUN = re.compile(f"[{KANA}{KANJI}{CJK_MARKS}]+")


def split(words: str) -> list[str]:
    """'a|b c' -> ['a', 'b c']: long word lists stay readable as one string."""
    return [w.strip() for w in words.split("|") if w.strip()]


def trie_pattern(phrases: Iterable[str], *, gaps: bool = True, split_first: bool = False,
                 ends: Mapping[str, str] | None = None, after_first: str = "") -> str:
    """One alternation shaped as a trie: at each position the engine tries one branch per first character.

    `gaps`: a space in a phrase also matches a hyphen or nothing ("close-up" = "close up" = "closeup"), and an
    apostrophe is optional. Japanese has no spaces to be optional, so its lexicon takes the characters as they are.
    `split_first`: dispatch on the first character (for a lexicon with many first characters, see dispatch).
    `ends`: an assertion a phrase must meet where it ends (what may follow it); `after_first`: one every phrase must
    meet after its first character (what may precede it, as a lookbehind over two characters). Both are checked by
    the engine, so a phrase that fails one gives way to a shorter phrase at the same place.
    """
    ends = ends or {}
    trie: dict[str, Any] = {}  # char -> child node; "" -> the assertion where a phrase ends
    for phrase in phrases:
        node = trie
        for unit in (re.sub(r"[\s\-]+", " ", phrase.replace("’", "'")) if gaps else phrase):
            node = node.setdefault(unit, {})
        node[""] = ends.get(phrase, "")

    def unit_re(unit: str) -> str:
        if gaps and unit == " ":
            return r"[\s\-]*"
        if gaps and unit == "'":
            return "['’]?"
        return re.escape(unit)

    def build(node: dict[str, Any]) -> str:
        alts = [unit_re(unit) + build(child) for unit, child in sorted(node.items()) if unit]
        end: str | None = node.get("")
        if not alts:
            return end or ""
        if end:  # a phrase ends here if its assertion holds; the longer ones are tried first
            return "(?:" + "|".join(alts) + "|" + end + ")"
        if "" in node:  # a keyword ends here; the greedy "?" still prefers the longer one
            return "(?:" + "|".join(alts) + ")?"
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    def dispatch(units: list[str]) -> str:
        # The engine tries an alternation's branches one by one: with hundreds of first characters (kanji)
        # that is hundreds of comparisons at every position. So the pattern starts with the class of first
        # characters (the engine skips ahead to one of them in C), and the character just read picks its branch
        # through a tree of one-character lookbehinds: about log2(n) checks instead of n/2.
        if len(units) <= 4:
            return "(?:" + "|".join(f"(?<={unit_re(unit)})" + build(trie[unit]) for unit in units) + ")"
        half = len(units) // 2
        left, right = units[:half], units[half:]
        return f"(?:(?<=[{re.escape(left[0])}-{re.escape(left[-1])}]){dispatch(left)}|{dispatch(right)})"

    firsts = sorted(unit for unit in trie if unit)
    if split_first and len(firsts) > 8:
        return "[" + "".join(re.escape(unit) for unit in firsts) + "]" + after_first + dispatch(firsts)
    if after_first:
        return "(?:" + "|".join(unit_re(unit) + after_first + build(trie[unit]) for unit in firsts) + ")"
    return build(trie)


def matches(rx: re.Pattern[str], text: str) -> Found | None:
    """Every match of `rx` in `text` (its pattern all in one group, and no other group): split() cuts the text
    around them without a match object each (a long prompt has thousands, each one for the garbage collector to
    track), and where each starts and ends follows from the pieces' lengths."""
    parts = rx.split(text)
    if len(parts) == 1:
        return None
    ends = list(accumulate(map(len, parts)))  # where each piece ends: a gap, a keyword, a gap, ...
    return parts[1::2], ends[0:-1:2], ends[1::2]


def group_hits(found: list[Found], entry: Callable[[str], tuple[str, Collection[str]]]) -> Hits:
    """The keywords of passes that do not overlap, in their categories; `entry`: a spelling's key and categories.

    A 32,000-character prompt holds thousands of keywords, and a Python loop over them cost a millisecond: here
    each distinct spelling gets its key and the appends to its categories' lists once, and the keywords are put in
    place by C loops (map, zip, operator.call)."""
    hits: Hits = {}
    source: dict[str, int] = {}  # category -> the pass its spans came from, -1 for several (to sort)
    for n, (words, starts, ends) in enumerate(found):
        keys: dict[str, str] = {}
        adders: dict[str, Callable[[Span], object]] = {}
        for word in set(words):
            keys[word], categories = entry(word)
            appends = []
            for category in categories:
                spans = hits.get(category)
                if spans is None:
                    spans = hits[category] = []
                    source[category] = n
                elif source[category] != n:
                    source[category] = -1
                appends.append(spans.append)
            adders[word] = appends[0] if len(appends) == 1 else partial(_append_all, tuple(appends))
        deque(map(call, map(adders.__getitem__, words), zip(starts, ends, map(keys.__getitem__, words))), maxlen=0)
    for category, n in source.items():
        if n < 0:
            hits[category].sort()  # keywords of several passes: no two start at the same place
    return {category: spans for category, spans in hits.items() if spans}


def _append_all(appends: tuple[Callable[[Span], None], ...], span: Span) -> None:
    for append in appends:  # a blocker has none
        append(span)
