"""Reading the prompt: normalised (full-width forms, NFKC), lowered, its Japanese blanked out for the English
lexicon, its language told, and every lexicon's keywords found in it once, for all the checks to share."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..i18n import language
from . import en, ja
from .lexicon import CJK_RUN, JAPANESE, Span
from .snippets import snippets


@dataclass
class Reading:
    """The prompt as the checks see it."""

    source: str  # what quotes are cut from: the user's own spelling where the positions allow
    text: str  # NFKC: full-width digits and letters as ASCII (１０秒 = 10秒), half-width katakana as full-width
    lowered: str
    view: str  # `lowered` with Japanese blanked out (same length), for the English lexicon's word boundaries
    plain_view: str  # `text` likewise, for personal data (masks keep the user's case)
    language: str  # the prompt's main language: "ja" or "en"
    japanese: int  # Japanese characters in it
    hits: dict[str, list[Span]]


# Split keeps the runs (odd places) between the rest: blanking them is then a few C loops, not a Python call per run
# (a mixed prompt has a run every few words, and re.sub with a function took more than twice as long).
_CJK_SPLIT = re.compile(f"({CJK_RUN.pattern})")


def _blank(text: str) -> tuple[str, int]:
    parts = _CJK_SPLIT.split(text)
    if len(parts) == 1:
        return text, 0
    sizes = list(map(len, parts[1::2]))
    parts[1::2] = map(" ".__mul__, sizes)
    return "".join(parts), sum(sizes)


# Full-width and half-width forms (１０秒, ３５ｍｍ, ﾊﾟﾝ) and the ideographic space: what NFKC changes in almost every
# Japanese prompt. NFKC over a whole 32,000-character prompt costs 4 ms once one such character is in it, so these
# runs are normalised alone (str.translate with a table was slower still: a dict lookup per character).
_WIDTH_FORMS = re.compile("([\u3000\uff00-\uffef]+)")


def _nfkc(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text):
        return text
    # Each distinct run is normalised once (a prompt repeats its "：" and "１０" forms), then put back in place.
    parts = _WIDTH_FORMS.split(text)
    forms = parts[1::2]
    normal = {run: unicodedata.normalize("NFKC", run) for run in set(forms)}
    parts[1::2] = map(normal.__getitem__, forms)
    text = "".join(parts)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def read(prompt: str) -> Reading:
    nfc = unicodedata.normalize("NFC", prompt or "")
    text = _nfkc(nfc)
    lowered = text.lower()
    # Quotes come from the user's own spelling, unless normalising or lowercasing changed the length (e.g. "İ").
    source = (nfc if len(nfc) == len(text) else text) if len(lowered) == len(text) else lowered
    if JAPANESE.search(text):
        view, japanese = _blank(lowered)
        plain_view = view if text == lowered else _blank(text)[0] if len(text) == len(lowered) else view
        latin = len(view) - view.count(" ")
        lang = "ja" if japanese * 3 >= latin else "en"
        hits = ja.scan(lowered)
        if latin:
            for category, spans in en.scan(view).items():
                hits[category] = sorted(hits.get(category, []) + spans)
        if "追" in lowered:  # the camera following reads the keywords of both languages
            following = ja.follows(lowered, hits)
            if following:
                hits["camera"] = sorted(hits.get("camera", []) + following)
    else:
        view, plain_view, japanese = lowered, text, 0
        lang = "en" if any(ch.isalpha() for ch in lowered[:200]) else language()
        hits = en.scan(lowered)
    return Reading(source, text, lowered, view, plain_view, lang, japanese, hits)


def prompt_language(prompt: str) -> str:
    """The language a prompt is written in ("ja" or "en"); an empty one is in the interface's language."""
    text = _nfkc(prompt or "")
    if not text.strip():
        return language()
    if JAPANESE.search(text):
        view, japanese = _blank(text)
        return "ja" if japanese * 3 >= len(view) - view.count(" ") else "en"
    return "en" if any(ch.isalpha() for ch in text) else language()


def snippets_for(prompt: str) -> dict[str, tuple[str, ...]]:
    """The snippets to offer for this prompt: in its language (Japanese snippets for a Japanese prompt)."""
    return snippets(prompt_language(prompt))
