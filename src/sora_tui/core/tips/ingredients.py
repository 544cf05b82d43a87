"""The six ingredients of a prompt (subject and action, setting, camera, lighting, style, sound): which are
there, quoted as found, and how to add the ones that are not."""

from __future__ import annotations

from ..i18n import N_, _
from . import en, ja
from .reading import Reading
from .report import MISSING, PRESENT, Tip
from .say import example, quotes

INGREDIENTS: tuple[tuple[str, str], ...] = (
    ("subject", N_("Subject & action")),
    ("setting", N_("Setting")),
    ("camera", N_("Camera move")),
    ("lighting", N_("Lighting")),
    ("style", N_("Style")),
    ("sound", N_("Sound")),
)


def _missing(ident: str, lang: str) -> str:
    def ex(name: str) -> str:
        return example(lang, name)

    if ident == "subject":
        return _("Say who or what is on screen and what it does, e.g. {example}.").format(example=ex("subject"))
    if ident == "setting":
        return _("Say where and when, e.g. {example}.").format(example=ex("setting"))
    if ident == "camera":
        return _("Direct the camera with one move, e.g. {first}, {second} or {third}.").format(
            first=ex("camera1"), second=ex("camera2"), third=ex("static"))
    if ident == "lighting":
        return _("Name the light, its source and direction, e.g. {example}.").format(example=ex("lighting"))
    if ident == "style":
        return _("Name the style plainly and early, e.g. {first}, {second} or {third}.").format(
            first=ex("style1"), second=ex("style2"), third=ex("style3"))
    return _("Sora 2 makes sound in sync with the picture, so ask for it, e.g. {example}.").format(
        example=ex("sound"))


def ingredient_tips(r: Reading) -> tuple[Tip, ...]:
    lang, hits, source = r.language, r.hits, r.source
    if not r.lowered.strip():
        return tuple(Tip(i, _(label), MISSING, _missing(i, lang)) for i, label in INGREDIENTS)
    tips = []
    for ident, label in INGREDIENTS:
        label = _(label)
        if ident == "subject":
            if r.japanese:
                subject, spans = ja.subject(r.lowered, hits)
                if not spans and r.view.strip():  # no verb in either lexicon: English -ing words may still say it
                    subject, spans = en.subject(r.view, hits)
            else:
                subject, spans = en.subject(r.view, hits)
            if subject:
                tips.append(Tip(ident, label, PRESENT, _("Action: {found}.").format(found=quotes(source, spans, 2))))
            elif spans:
                tips.append(Tip(ident, label, MISSING, _(
                    "Found the action {found} but not who does it: name the subject, e.g. {example}.").format(
                    found=quotes(source, spans, 1), example=example(lang, "subject"))))
            else:
                tips.append(Tip(ident, label, MISSING, _(
                    "No action found: say what the subject does, in beats, e.g. {example}.").format(
                    example=example(lang, "beats"))))
            continue
        spans = hits.get(ident, [])
        if spans:
            tips.append(Tip(ident, label, PRESENT, _("Found {found}.").format(found=quotes(source, spans))))
        elif ident == "camera" and hits.get("shot"):
            tips.append(Tip(ident, label, MISSING, _(
                "Framing found ({found}) but no camera move: add one, e.g. {move}, or say {static}.").format(
                found=quotes(source, hits["shot"], 2), move=example(lang, "push"), static=example(lang, "static"))))
        elif ident == "sound" and hits.get("silence"):
            tips.append(Tip(ident, label, MISSING, _(
                "A silent shot ({found}) still needs one small sound cue, e.g. {example}.").format(
                found=quotes(source, hits["silence"], 1), example=example(lang, "cue"))))
        else:
            tips.append(Tip(ident, label, MISSING, _missing(ident, lang)))
    return tuple(tips)
