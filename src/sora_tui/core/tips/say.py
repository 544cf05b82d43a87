"""How the tips say things: the examples they give (in the prompt's language, since they are typed into it),
and quoting and listing what was found (in the interface's language)."""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from ..i18n import _, ngettext, pgettext
from ..text import one_line
from .lexicon import Span

# Examples are typed into the prompt, so they are in the prompt's language, not the interface's.
EXAMPLES: dict[str, dict[str, str]] = {
    "en": {
        "subject": "a red fox trots across fresh snow", "setting": "on a rain-soaked city street at night",
        "camera1": "slow dolly left", "camera2": "steady zoom-in", "static": "static shot", "push": "slow push-in",
        "lighting": "soft window light from the left", "style1": "cinematic", "style2": "anime",
        "style3": "16mm documentary", "sound": "ambience: wind and distant gulls; effects: footsteps on gravel",
        "beats": "takes four steps, pauses, looks back", "cue": "distant traffic hiss",
        "simple": "a red fox trots across fresh snow at dawn",
        "concrete": "wet asphalt, zebra crossing, neon reflections", "framing1": "wide shot",
        "framing2": "low-angle close-up", "lens1": "35 mm", "lens2": "shallow focus",
        "look": "hand-drawn 2D animation, soft pastel palette", "dialogue_head": "Dialogue:",
        "dialogue": 'Dialogue: - Anna: "We made it."',
    },
    "ja": {
        "subject": "新雪の上を小走りする赤いキツネ", "setting": "雨に濡れた夜の街で", "camera1": "ゆっくり左へドリー",
        "camera2": "一定の速さでズームイン", "static": "固定カメラ", "push": "ゆっくりプッシュイン",
        "lighting": "左の窓から入るやわらかな自然光", "style1": "シネマティック", "style2": "アニメ調",
        "style3": "16mmのドキュメンタリー風", "sound": "環境音：風と遠くのカモメ、効果音：砂利を踏む足音",
        "beats": "4歩進み、立ち止まり、振り返る", "cue": "遠くの車の走行音", "simple": "夜明けの新雪の上を小走りする赤いキツネ",
        "concrete": "濡れたアスファルト、横断歩道、ネオンの映り込み", "framing1": "引きのショット",
        "framing2": "ローアングルのクローズアップ", "lens1": "35mm", "lens2": "浅い被写界深度",
        "look": "手描きの2Dアニメ、やわらかなパステル調", "dialogue_head": "セリフ：",
        "dialogue": "セリフ：- アンナ：「着いたね。」",
    },
}


def example(lang: str, name: str) -> str:
    """An example as the prompt's language quotes it."""
    text = EXAMPLES[lang][name]
    return f"「{text}」" if lang == "ja" else f'"{text}"'


MAX_QUOTES = 3
_KEY = itemgetter(2)


def listing(items: list[str], more: int = 0) -> str:
    """'a, b and c', or 'a, b, c and 2 more', in the interface's language."""
    if not items:
        return ""
    sep = pgettext("list separator", ", ")
    if more:
        return ngettext("{items} and {n} more", "{items} and {n} more", more).format(items=sep.join(items), n=more)
    if len(items) == 1:
        return items[0]
    return _("{items} and {last}").format(items=sep.join(items[:-1]), last=items[-1])


def quote(text: str) -> str:
    return pgettext("quoted text", "“{text}”").format(text=text)


def quotes(source: str, spans: Iterable[Span], limit: int = MAX_QUOTES) -> str:
    """'“a”, “b” and 2 more': each distinct keyword once, as the user wrote it."""
    spans = list(spans)
    seen: dict[str, str] = {}
    for start, end, key in spans:
        if key not in seen:
            seen[key] = one_line(source[start:end])
            if len(seen) == limit:
                more = len(set(map(_KEY, spans))) - limit
                break
    else:
        more = 0
    return listing([quote(q) for q in seen.values()], more)
