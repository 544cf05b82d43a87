"""Guardrails: famous characters, real people, borrowed styles (a studio, or a living artist named after
"in the style of"), personal data, cameo consent and names, and the reminder before publishing."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..i18n import _
from ..text import one_line
from . import en, personal
from .lexicon import Span, split
from .reading import Reading
from .report import INFO, WARNING, Tip
from .say import MAX_QUOTES, example, listing, quote, quotes

_MAX_FINDINGS = 20
# "in the style of Someone": a name the curated list does not know may still be a living artist.
_STYLE_OF = re.compile(r"(?i:\b(?:in\s+the\s+)?(?:style|manner)\s+of)\s+([^\W\d_][\w'’.\-]*(?:\s+[\w'’.\-]+){0,3})")
_NAME_PARTICLES = frozenset(split("de|da|van|von|del|la|le|di|du|der|den|y"))
_PUBLIC_DOMAIN_ARTISTS = frozenset(split(
    "van gogh|vincent van gogh|monet|claude monet|rembrandt|vermeer|hokusai|katsushika hokusai|hiroshige|"
    "da vinci|leonardo da vinci|michelangelo|klimt|gustav klimt|turner|caravaggio|renoir|cézanne|cezanne|"
    "degas|seurat|botticelli|raphael|goya|el greco|dürer|durer|bosch|bruegel|manet|gauguin|munch|"
    "edvard munch|velázquez|velazquez|titian|constable|whistler|sargent|toulouse-lautrec|mucha|"
    "alphonse mucha|shakespeare|dickens"))
_MENTION = re.compile(r"@(?<![\w@.]@)\w[\w.]{0,29}(?<!\.)")
# A name's edge, for cameo names: a Latin letter or digit beside it would make it another word; Japanese would not.
_EDGE = r"[^\W\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"


def _style_of_names(r: Reading) -> list[Span]:
    if "style of" not in r.view and "manner of" not in r.view:
        return []
    names: list[Span] = []
    text = r.plain_view
    for m in _STYLE_OF.finditer(text):
        words: list[re.Match[str]] = []
        for word in re.finditer(r"[^\s.,;:!?]+", m.group(1)):
            if not (word.group()[:1].isupper() or (words and word.group() in _NAME_PARTICLES)):
                break
            words.append(word)
        while words and words[-1].group() in _NAME_PARTICLES:
            words.pop()
        if not words:
            continue
        start, end = m.start(1), m.start(1) + words[-1].end()
        name = " ".join(text[start:end].split())
        if not en.known(name) and name.lower() not in _PUBLIC_DOMAIN_ARTISTS:
            names.append((start, end, name.lower()))
            if len(names) >= _MAX_FINDINGS:
                break
    return names


def guardrail_tips(r: Reading, characters: Iterable[str]) -> tuple[Tip, ...]:
    tips: list[Tip] = []
    hits, source, text = r.hits, r.source, r.text
    if hits.get("character"):
        tips.append(Tip("rights-character", _("Famous character"), WARNING, _(
            "Names a well-known character ({found}): these are refused or infringe someone's rights — describe an "
            "original character instead.").format(found=quotes(source, hits["character"]))))
    if hits.get("person"):
        tips.append(Tip("rights-person", _("Real person"), WARNING, _(
            "Names a real person ({found}): do not depict real people without their consent — describe a fictional "
            "person, or use their own cameo.").format(found=quotes(source, hits["person"]))))
    styles = sorted(hits.get("studio", []) + _style_of_names(r))
    if styles:
        tips.append(Tip("rights-style", _("Borrowed style"), WARNING, _(
            "Borrows the style of {found}: describe the look in your own words (e.g. {example}) rather than naming a "
            "studio or living artist.").format(found=quotes(source, styles), example=example(r.language, "look"))))
    found = personal.find(r.plain_view, text, capitals=text != r.lowered)
    if found:
        shown = [_("{kind} “{value}”").format(kind=_(kind), value=value) for kind, value in found[:MAX_QUOTES]]
        tips.append(Tip("personal-data", _("Personal data"), WARNING, _(
            "Looks like personal data ({found}): remove it — the prompt is sent to the server and kept in your "
            "history.").format(found=listing(shown, max(0, len(found) - MAX_QUOTES)))))
    # Cameo characters the caller knows were created with consent; their names must appear verbatim.
    used: list[str] = []
    near: list[tuple[str, str]] = []
    known: set[str] = set()
    for name in dict.fromkeys(n.strip() for n in characters):
        if not name:
            continue
        known |= {name.lower(), name.lower().removeprefix("@")}
        pattern = rf"(?<!{_EDGE})" + re.escape(name) + rf"(?!{_EDGE})"
        if re.search(pattern, text):
            used.append(name)
        elif found_name := re.search(pattern, text, re.IGNORECASE):
            near.append((name, found_name.group()))
    cameo = [s for s in hits.get("cameo", []) if not used] + hits.get("self", [])
    for m in _MENTION.finditer(r.plain_view) if "@" in text else ():
        if m.group().lower() not in known and m.group().lower()[1:] not in known:
            cameo.append((m.start(), m.end(), m.group().lower()))
            if len(cameo) >= _MAX_FINDINGS:
                break
    if cameo:
        cameo.sort()
        tips.append(Tip("cameo", _("Cameo consent"), WARNING, _(
            "Uses a face or voice ({found}): use a person's likeness only with their confirmed consent, through a "
            "cameo they created.").format(found=quotes(source, cameo))))
    if used:
        tips.append(Tip("cameo-character", _("Cameo character"), INFO, _(
            "Cameo character {names} used — consent was confirmed when it was created.").format(
            names=listing([quote(one_line(n)) for n in used]))))
    if near:
        tips.append(Tip("cameo-verbatim", _("Cameo name"), WARNING, _(
            "Write the cameo name exactly as {name} (the text has {found}), or it will not be recognised.").format(
            name=quote(one_line(near[0][0])), found=quote(one_line(near[0][1])))))
    tips.append(Tip("publishing", _("Before publishing"), INFO, _(
        "Review every video before using it, label published videos as AI-generated, and check that your plan "
        "allows commercial use.")))
    return tuple(tips)
