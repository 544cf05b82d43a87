"""Craft advice: how to write a prompt that films well. Start simple, one action per short clip, one camera
move per shot, dialogue that fits the clip, concrete words, framing, the reference image and several takes."""

from __future__ import annotations

import re
from bisect import bisect_right

from ..i18n import _, ngettext, pgettext
from . import en, ja
from .lexicon import JAPANESE, Span
from .reading import Reading
from .report import INFO, WARNING, Tip
from .say import EXAMPLES, example, quote, quotes

_LONG_PROMPT_WORDS = 120
_CAMERA_KINDS = {**en.CAMERA_KIND, **ja.CAMERA_KIND}
_camera_kind = _CAMERA_KINDS.get

_DIALOGUE_HEAD = re.compile(r"^[ \t>*_#-]*(?:dialog(?:ue)?|セリフ|台詞|会話)[*_]*[ \t]*:[ \t]*",
                            re.MULTILINE | re.IGNORECASE)
_SECTION_HEAD = re.compile(
    r"^\s*(?:cinematography|actions?|background sound|sound|audio|avoid|camera|lighting|style|shot\s*\d+|"
    r"scene\s*\d+|撮影|カメラ|照明|ライティング|スタイル|画風|音|サウンド|効果音|背景音|環境音|動き|アクション|"
    r"ショット\s*\d+|シーン\s*\d+|カット\s*\d+)\s*:", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"\n]{1,400}"|“[^”\n]{1,400}”|「[^」\n]{1,400}」')
_SPEAKER = re.compile(r"^[\s\-*•]*[^\W\d][\w .'’-]{0,30}:\s*")
_WORD = re.compile(r"[^\W\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")
# Shot blocks: one camera move per *shot*, so multi-shot prompts are checked block by block.
# Line heads are searched from the newline before them (the text gets one in front), so the engine skips ahead
# to each newline instead of trying every position (1.4 ms on a 32,000-character prompt, now 0.1).
_SHOT_HEAD = re.compile(
    r"\n\s*(?:(?:shot|scene|ショット|シーン|カット)\s*\d+|\[?\d{1,2}:\d{2}|\d{1,2}(?:\.\d+)?\s*[-–]\s*\d{1,2}(?:\.\d+)?\s*s\b)")
_SHOT_CUT = re.compile(r"cut to\b|カットが?切り替わ|場面が(?:変わ|切り替わ)")


def _camera_moves_tip(r: Reading) -> Tip | None:
    moves = [s for s in r.hits.get("camera", []) if _camera_kind(s[2])]
    if len({_camera_kind(key) for _, _, key in moves}) < 2:
        return None
    lowered = r.lowered
    breaks = [m.start() for m in _SHOT_HEAD.finditer("\n" + lowered)]
    if "cut to" in lowered or "切り替わ" in lowered or "場面が" in lowered:  # what _SHOT_CUT needs, found in C
        breaks += [m.start() for m in _SHOT_CUT.finditer(lowered)
                   if not (m.group().startswith("c") and m.start() and lowered[m.start() - 1].isalnum())]
        breaks.sort()
    blocks: dict[int, list[Span]] = {0: moves}  # one shot: no need to place each move
    if breaks:
        blocks = {}
        for span in moves:
            blocks.setdefault(bisect_right(breaks, span[0]), []).append(span)
    for spans in blocks.values():
        if len({_camera_kind(key) for _, _, key in spans}) >= 2:
            return Tip("one-camera-move", _("One camera move"), WARNING, _(
                "Several camera moves in one shot ({found}): keep one move per shot, or split the prompt into "
                "shots.").format(found=quotes(r.source, spans)))
    return None


def _may_head_dialogue(r: Reading) -> bool:
    """Whether the prompt holds a word _DIALOGUE_HEAD starts with: its line-start anchor lets the engine skip nothing,
    and a 32,000-character prompt cost 0.2 ms to search. Case-insensitively "dialog" is also spelt with "İ" or "ı"
    (the only letters besides ASCII that match its letters), which lowercasing does not turn into "i"."""
    text, lowered = r.text, r.lowered
    return ("dialog" in lowered or "セリフ" in text or "台詞" in text or "会話" in text or "ı" in lowered
            or "İ" in text)


def _dialogue(r: Reading, secs: int | None) -> list[Tip]:
    text, hits = r.text, r.hits
    block_lines = block_words = block_chars = 0
    blocks: list[tuple[int, int]] = []  # (start, end) of each Dialogue: block, in order
    for head in _DIALOGUE_HEAD.finditer(text) if _may_head_dialogue(r) else ():
        if blocks and head.start() < blocks[-1][1]:
            continue
        pos = end = head.end()
        lines = 0
        while pos <= len(text):
            stop = text.find("\n", pos)
            stop = len(text) if stop < 0 else stop
            line = text[pos:stop]
            # The block ends at a blank line, the next section, or the next "Dialogue:" (linear, not per head).
            if pos > head.end() and ((lines and not line.strip()) or _SECTION_HEAD.match(line)
                                     or _DIALOGUE_HEAD.match(line)):
                break
            if line.strip():
                lines += 1
                spoken = _SPEAKER.sub("", line, count=1)
                block_words += len(_WORD.findall(spoken))
                block_chars += len(JAPANESE.findall(spoken))
            pos = end = stop + 1
        blocks.append((head.start(), end))
        block_lines += lines
    starts = [a for a, _x in blocks]

    def outside(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i < 0 or pos >= blocks[i][1]

    loose: list[re.Match[str]] = []
    if any(outside(start) for start, _x, _y in hits.get("speech", [])):
        loose = [m for m in _QUOTED.finditer(text) if outside(m.start())]
    tips = []
    lines_total = block_lines + len(loose)
    words_total = block_words + sum(len(_WORD.findall(m.group())) for m in loose)
    chars_total = block_chars + sum(len(JAPANESE.findall(m.group())) for m in loose)
    # Spoken Japanese runs at about 6-8 characters a second; English at about 3 words.
    if secs and lines_total and (lines_total > max(2, secs // 2) or words_total > secs * 3 or chars_total > secs * 6):
        if chars_total > words_total:
            detail = ngettext(
                "{lines} line of dialogue ({chars} characters) is a lot for {seconds} s: keep about 1–2 short "
                "exchanges per 4 s, or choose a longer clip.",
                "{lines} lines of dialogue ({chars} characters) is a lot for {seconds} s: keep about 1–2 short "
                "exchanges per 4 s, or choose a longer clip.", lines_total)
        else:
            detail = ngettext(
                "{lines} line of dialogue ({words} words) is a lot for {seconds} s: keep about 1–2 short exchanges "
                "per 4 s, or choose a longer clip.",
                "{lines} lines of dialogue ({words} words) is a lot for {seconds} s: keep about 1–2 short exchanges "
                "per 4 s, or choose a longer clip.", lines_total)
        tips.append(Tip("dialogue-length", _("Dialogue length"), WARNING, detail.format(
            lines=lines_total, words=words_total, chars=chars_total, seconds=secs)))
    if loose:
        tips.append(Tip("dialogue-block", _("Dialogue block"), INFO, _(
            "Put spoken lines in their own {head} block with labelled speakers, e.g. {example}").format(
            head=quote(EXAMPLES[r.language]["dialogue_head"]), example=EXAMPLES[r.language]["dialogue"])))
    return tips


def craft_advice(r: Reading, present: int, *, size: str, secs: int | None, has_image: bool,
                 variations: int) -> tuple[Tip, ...]:
    """The advice that applies to this prompt, after the conflicts with the parameters (parameters.py).

    `present`: how many of the six ingredients the prompt has."""
    tips: list[Tip] = []
    hits, source, lang = r.hits, r.source, r.language
    empty = not r.lowered.strip()
    # Japanese has no spaces between words: about three characters make a word there.
    words = len(r.view.split()) + r.japanese // 3 if r.japanese else max(len(r.lowered.split()), len(r.lowered) // 8)
    if empty:
        tips.append(Tip("simple", _("Start simple"), INFO, _(
            "Start with one subject, one action and one place, e.g. {example}, then add detail step by step.").format(
            example=example(lang, "simple"))))
    elif words > _LONG_PROMPT_WORDS:
        if lang == "ja":
            count = len("".join(r.text.split()))
            detail = ngettext(
                "{n} character is a lot for a first try: start short (one subject, one action and one place) and "
                "add detail step by step.",
                "{n} characters is a lot for a first try: start short (one subject, one action and one place) and "
                "add detail step by step.", count).format(n=count)
        else:
            detail = ngettext(
                "{n} word is a lot for a first try: start short (one subject, one action and one place) and add "
                "detail step by step.",
                "{n} words is a lot for a first try: start short (one subject, one action and one place) and add "
                "detail step by step.", words).format(n=words)
        tips.append(Tip("simple", _("Start simple"), INFO, detail))
    actions, sequence = hits.get("action", []), hits.get("sequence", [])
    if secs is not None and secs > 4 and (len({key for _x, _y, key in actions}) >= 4 or len(sequence) >= 2):
        beats = actions or sequence
        tips.append(Tip("several-actions", _("Several actions"), WARNING, _(
            "Several actions ({found}) in {seconds} s: short clips follow instructions better — try two shorter "
            "clips, or one clip and an extension.").format(found=quotes(source, beats), seconds=secs)))
    camera = _camera_moves_tip(r)
    tips += [camera] if camera else []
    if not empty:
        tips += _dialogue(r, secs)
    if hits.get("vague"):
        if any(key.startswith(("move", "moving", "素早く")) for _x, _y, key in hits["vague"]):
            detail = _("Vague words ({found}): describe the action in beats, e.g. {example}.").format(
                found=quotes(source, hits["vague"]), example=example(lang, "beats"))
        else:
            detail = _("Vague words ({found}): show it with concrete nouns and verbs, e.g. {example}.").format(
                found=quotes(source, hits["vague"]), example=example(lang, "concrete"))
        tips.append(Tip("vague", _("Concrete words"), INFO, detail))
    if present >= 3 and not hits.get("shot"):
        sep = pgettext("list separator", ", ")
        framing = sep.join((example(lang, "framing1"), example(lang, "framing2")))
        if hits.get("lens"):
            detail = _("Give the shot: framing and angle ({framing}).").format(framing=framing)
        else:
            detail = _("Give the shot: framing and angle ({framing}) and a lens or focus ({lens}).").format(
                framing=framing, lens=sep.join((example(lang, "lens1"), example(lang, "lens2"))))
        tips.append(Tip("framing", _("Framing"), INFO, detail))
    if has_image:
        tips.append(Tip("image", _("Reference image"), INFO, _(
            "The image is the first frame (it must be {size}; jpeg, png or webp; no human faces): describe what "
            "happens next, not what is already in it.").format(size=size)))
    if variations <= 1:
        tips.append(Tip("variations", _("Several takes"), INFO,
                        _("Make a few takes (variations) of the same prompt and keep the most natural one.")))
    return tuple(tips)
