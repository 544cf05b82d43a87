"""Storyboards: an ordered list of shots that becomes one film.

A board shares its look (the style line added to every prompt), its model and its size across its shots. Each shot
joins the one before it in one of three ways:

- "cut": a new generation; the film cuts to it.
- "continue": an extension of the previous shot's chosen take, by the seconds it adds. A shot that cuts or
  dissolves and the shots that continue it make one *segment*: one video on the server, one clip in the film.
- "dissolve": a new generation that fades in over the end of the segment before it, for `dissolve_frames` frames.

This module is the model alone: what a board is, the rules it must keep, and what follows from it (segments,
length, cost, a one-line timeline). The file a person writes by hand is read and written in board_toml.py. The
history, the runs against a server and the assembly of the chosen takes build on these.
"""

from __future__ import annotations

import difflib
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from rich.cells import cell_len

from .i18n import _
from .params import (
    DEFAULT_MODEL,
    DEFAULT_SECONDS,
    DEFAULT_SIZE,
    MAX_PROMPT_CHARS,
    MODELS,
    SECONDS_ALL,
    InvalidParams,
    ModelSpec,
    parse_size,
    validate_prompt,
)

Join = Literal["cut", "continue", "dissolve"]
JOINS: tuple[Join, ...] = ("cut", "continue", "dissolve")
DEFAULT_SHOT_SECONDS = int(DEFAULT_SECONDS)
# The frame rate boards are planned at; the assembler uses the real rate of the files it joins.
FPS = 24
# What one extension may add, whatever the model (the servers' extend endpoint takes these).
CONTINUE_SECONDS = tuple(int(s) for s in SECONDS_ALL)
# One segment is one video extended again and again: the servers stop at 6 extensions and 120 s.
MAX_CONTINUES = 6
MAX_SEGMENT_SECONDS = 120
# As many takes of one shot as the composer's variations allow.
MAX_TAKES = 8
# What the timeline draws where a shot starts.
JOIN_MARKS: dict[str, str] = {"cut": "│", "continue": "→", "dissolve": "╳"}
_FILL = "━"
# Terminal controls, DEL, C1 and bidi overrides (as in a prompt): never meaningful in a title or a style line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")
# Kana and kanji, for telling a Japanese prompt from another.
_JAPANESE = re.compile("[\u3041-\u3096\u30a1-\u30fa\u30fc\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]")
_ENDS_SENTENCE = ("。", "．", "！", "？", ".", "!", "?", "」", "』")
_IDENT = re.compile(r"[A-Za-z0-9_\-]+")


def quoted(text: str) -> str:
    """`text` in double quotes, as a board file would write it (for messages)."""
    return json.dumps(text, ensure_ascii=False)


def new_board_id() -> str:
    return "brd_" + secrets.token_hex(6)


def new_shot_id() -> str:
    return "sht_" + secrets.token_hex(4)


class BoardError(ValueError):
    """A board that breaks a rule, or a board file that cannot be read.

    `message` is the whole text for the person (translated), with the line (and the column, for a syntax error)
    when the board came from a file; `reason` is the same without the place. `shot` is the shot's number (from 1)
    and `key` the setting at fault, when there is one.
    """

    def __init__(self, reason: str, *, line: int | None = None, column: int | None = None, shot: int | None = None,
                 key: str | None = None, source: str = "") -> None:
        if line is not None and column is not None:
            message = _("Line {line}, column {column}: {reason}").format(line=line, column=column, reason=reason)
        elif line is not None and shot is not None:
            message = _("Line {line} (shot {shot}): {reason}").format(line=line, shot=shot, reason=reason)
        elif line is not None:
            message = _("Line {line}: {reason}").format(line=line, reason=reason)
        elif shot is not None:
            message = _("Shot {shot}: {reason}").format(shot=shot, reason=reason)
        else:
            message = reason
        if source:  # a path in front, as compilers write it: no words to translate
            message = f"{source}: {message}"
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.line = line
        self.column = column
        self.shot = shot
        self.key = key
        self.source = source


@dataclass(frozen=True)
class Shot:
    """One shot of a board.

    seconds: how long it is; for a "continue" shot, the seconds it adds to the segment (4, 8, 12, 16 or 20).
    join: how it follows the shot before ("cut", "continue" or "dissolve"); the first shot's is "cut".
    dissolve_frames: for "dissolve" only, how many frames the two segments overlap while one fades into the other.
    image: a reference image for the first frame (a path); character: a character id. Neither for "continue".
    takes: how many takes to generate of this shot, when not the board's number.
    chosen: the job id (or short id) of the take chosen for the film, once one is.
    """

    prompt: str
    seconds: int = DEFAULT_SHOT_SECONDS
    join: Join = "cut"
    dissolve_frames: int | None = None
    image: str | None = None
    character: str | None = None
    takes: int | None = None
    chosen: str | None = None
    shot_id: str = field(default_factory=new_shot_id)


@dataclass(frozen=True)
class Board:
    """A storyboard: shots sharing one look, model and size.

    style: a line added to every shot's prompt so the look stays the same ("" for none).
    takes: how many takes of each shot to generate, unless the shot says otherwise.
    board_id: a stable id, made when the board is created and kept in its file.
    """

    title: str = ""
    style: str = ""
    model: str = DEFAULT_MODEL
    size: str = DEFAULT_SIZE
    takes: int = 1
    shots: tuple[Shot, ...] = ()
    board_id: str = field(default_factory=new_board_id)

    def takes_for(self, shot: Shot) -> int:
        """The takes to generate of `shot`: its own number, else the board's."""
        return self.takes if shot.takes is None else shot.takes

    def choose(self, shot_id: str, chosen: str | None) -> Board:
        """This board with `chosen` as the take of the shot `shot_id` (None: no take chosen)."""
        if not any(s.shot_id == shot_id for s in self.shots):
            raise KeyError(shot_id)
        return replace(self, shots=tuple(replace(s, chosen=chosen) if s.shot_id == shot_id else s
                                         for s in self.shots))


@dataclass(frozen=True)
class Segment:
    """A shot that cuts or dissolves and the shots continuing it: one video, one clip of the film.

    first: the number (from 1) of its first shot. join: how it follows the segment before ("cut" for the first);
    dissolve_frames: the overlap with the segment before (0 for a cut).
    """

    first: int
    shots: tuple[Shot, ...]
    seconds: int
    join: Literal["cut", "dissolve"]
    dissolve_frames: int = 0

    @property
    def frames(self) -> int:
        return self.seconds * FPS

    @property
    def last(self) -> int:
        return self.first + len(self.shots) - 1


def segments(board: Board) -> list[Segment]:
    """The board's segments in order. (A first shot that continues, which the rules refuse, starts one anyway.)"""
    groups: list[tuple[int, list[Shot]]] = []
    for number, shot in enumerate(board.shots, 1):
        if shot.join == "continue" and groups:
            groups[-1][1].append(shot)
        else:
            groups.append((number, [shot]))
    result = []
    for first, shots in groups:
        head = shots[0]
        dissolve = head.join == "dissolve" and first > 1
        result.append(Segment(first, tuple(shots), sum(s.seconds for s in shots), "dissolve" if dissolve else "cut",
                              (head.dissolve_frames or 0) if dissolve else 0))
    return result


def film_seconds(board: Board) -> float:
    """How long the film is: its segments end to end, less what the dissolves overlap."""
    return sum(s.seconds - s.dissolve_frames / FPS for s in segments(board))


def is_japanese(text: str) -> bool:
    """True when most of `text` is Japanese (a third of its characters kana or kanji, as the tips read it)."""
    letters = [ch for ch in text if not ch.isspace()]
    return bool(letters) and len(_JAPANESE.findall(text)) * 3 >= len(letters)


def shot_prompt(board: Board, shot: Shot) -> str:
    """What is sent for `shot`: its prompt, then the board's style line, joined as a sentence in the prompt's
    language would be ("。" after a Japanese prompt, ". " after another, nothing more after its own full stop)."""
    prompt = shot.prompt.strip()
    style = board.style.strip()
    if not style:
        return prompt
    japanese = is_japanese(prompt)
    if prompt.endswith(_ENDS_SENTENCE):
        separator = "" if japanese and not prompt.endswith((".", "!", "?")) else " "
    else:
        separator = "。" if japanese else ". "
    return prompt + separator + style


@dataclass(frozen=True)
class CostEstimate:
    """What a board's takes cost: `total` and `per_shot` in USD (None when a price is unknown, never $0), and
    `unknown_shot`, the number of the first shot whose price is unknown."""

    total: float | None
    per_shot: tuple[float | None, ...]
    unknown_shot: int | None = None


def cost_estimate(board: Board, price_per_second: Callable[[str, str], float | None]) -> CostEstimate:
    """Every shot's takes × seconds × the price per second of the board's model at its size."""
    per_shot: list[float | None] = []
    unknown: int | None = None
    for number, shot in enumerate(board.shots, 1):
        price = price_per_second(board.model, board.size)
        if price is None:
            unknown = unknown or number
            per_shot.append(None)
        else:
            per_shot.append(round(board.takes_for(shot) * shot.seconds * price, 4))
    total = None if unknown else round(sum(c or 0.0 for c in per_shot), 4)
    return CostEstimate(total, tuple(per_shot), unknown)


def check_board(board: Board, models: Mapping[str, ModelSpec] | None = None) -> list[BoardError]:
    """Every rule `board` breaks, in the order of the board (an empty list for a valid board). `models`: what the
    server renders (the published models when None)."""
    models = MODELS if models is None else models
    problems: list[BoardError] = []

    def bad(reason: str, shot: int | None = None, key: str | None = None) -> None:
        problems.append(BoardError(reason, shot=shot, key=key))

    spec = models.get(board.model)
    if spec is None:
        near = difflib.get_close_matches(board.model, list(models), n=1)
        bad((_("The model {model} is not one this server renders; did you mean {near}?").format(
            model=quoted(board.model), near=near[0]) if near else
             _("The model {model} is not one this server renders; use one of {models}.").format(
            model=quoted(board.model), models=", ".join(models))), key="model")
    elif board.size not in spec.sizes:
        bad(_("{model} does not render {size}; choose one of {sizes}.").format(
            model=board.model, size=board.size, sizes=", ".join(spec.sizes)), key="size")
    else:
        parse_size(board.size)  # listed sizes are WIDTHxHEIGHT; a profile's typo fails here rather than later
    for key, value in (("title", board.title), ("style", board.style)):
        if _CONTROL.search(value) or (key == "title" and "\n" in value):
            bad(_("The {key} contains a control character or a line break; remove it.").format(key=key), key=key)
    if not 1 <= board.takes <= MAX_TAKES:
        bad(_("takes must be between 1 and {max}, not {takes}.").format(max=MAX_TAKES, takes=board.takes),
            key="takes")
    if not _IDENT.fullmatch(board.board_id):
        bad(_("board_id {id} is not an id (letters, digits, _ and -); delete the line and a new one is made.").format(
            id=quoted(board.board_id)), key="board_id")
    if not board.shots:
        bad(_("The board has no shots; add a [[shot]] table with a prompt."))
    seen: dict[str, int] = {}
    for number, shot in enumerate(board.shots, 1):
        _check_shot(board, spec, number, shot, seen, bad)
    _check_segments(board, bad)
    return problems


def _check_shot(board: Board, spec: ModelSpec | None, number: int, shot: Shot, seen: dict[str, int],
                bad: Callable[[str, int | None, str | None], None]) -> None:
    try:
        validate_prompt(shot.prompt)
    except InvalidParams as error:
        bad(error.message, number, "prompt")
    else:
        length = len(shot_prompt(board, shot))
        if length > MAX_PROMPT_CHARS:
            bad(_("With the style line the prompt has {count} characters; the limit is {limit}. Shorten it or the "
                  "style.").format(count=f"{length:,}", limit=f"{MAX_PROMPT_CHARS:,}"), number, "prompt")
    if shot.join not in JOINS:
        bad(_("join must be \"cut\", \"continue\" or \"dissolve\", not {join}.").format(join=quoted(shot.join)),
            number, "join")
    elif number == 1 and shot.join != "cut":
        bad(_("The first shot cannot {join}: there is no shot before it. Make its join \"cut\".").format(
            join=shot.join), number, "join")
    if shot.join == "continue":
        if shot.seconds not in CONTINUE_SECONDS:
            bad(_("A continued shot adds {choices} seconds, not {seconds}.").format(
                choices=", ".join(SECONDS_ALL), seconds=shot.seconds), number, "seconds")
        for key, value in (("image", shot.image), ("character", shot.character)):
            if value is not None:
                bad(_("A continued shot extends the shot before and takes no {key}; remove the {key} line or make "
                      "its join \"cut\".").format(key=key), number, key)
    elif spec is not None and str(shot.seconds) not in spec.seconds:
        bad(_("{model} does not render {seconds} s; choose one of {choices} seconds.").format(
            model=board.model, seconds=shot.seconds, choices=", ".join(spec.seconds)), number, "seconds")
    if shot.join == "dissolve" and (shot.dissolve_frames is None or shot.dissolve_frames < 1):
        bad(_("A dissolve needs dissolve_frames, a number of frames of 1 or more (24 frames are 1 second)."),
            number, "dissolve_frames")
    elif shot.join != "dissolve" and shot.dissolve_frames is not None:
        bad(_("dissolve_frames is only for join = \"dissolve\"; this shot's join is \"{join}\". Change the join "
              "or remove dissolve_frames.").format(join=shot.join), number, "dissolve_frames")
    if shot.takes is not None and not 1 <= shot.takes <= MAX_TAKES:
        bad(_("takes must be between 1 and {max}, not {takes}.").format(max=MAX_TAKES, takes=shot.takes),
            number, "takes")
    for key, text in (("image", shot.image), ("character", shot.character), ("chosen", shot.chosen)):
        if text is not None and (not text.strip() or _CONTROL.search(text) or "\n" in text):
            bad(_("{key} is empty or has a control character; remove the line or write a value.").format(key=key),
                number, key)
    if not _IDENT.fullmatch(shot.shot_id):
        bad(_("shot_id {id} is not an id (letters, digits, _ and -); delete the line and a new one is made.").format(
            id=quoted(shot.shot_id)), number, "shot_id")
    elif shot.shot_id in seen:
        bad(_("This shot has the same shot_id as shot {other}; delete the shot_id line of the copy and a new one "
              "is made.").format(other=seen[shot.shot_id]), number, "shot_id")
    else:
        seen[shot.shot_id] = number


def _check_segments(board: Board, bad: Callable[[str, int | None, str | None], None]) -> None:
    parts = segments(board)
    for index, part in enumerate(parts):
        continues = len(part.shots) - 1
        if continues > MAX_CONTINUES:
            bad(_("Shots {first} to {last} continue one video {count} times; at most {max} continues are possible. "
                  "Make one of them a cut.").format(first=part.first, last=part.last, count=continues,
                                                    max=MAX_CONTINUES), part.first + MAX_CONTINUES + 1, "join")
        if part.seconds > MAX_SEGMENT_SECONDS:
            bad(_("Shots {first} to {last} make one video of {seconds} s; one video can be at most {max} s. Make "
                  "one of them a cut or shorten them.").format(first=part.first, last=part.last, seconds=part.seconds,
                                                                max=MAX_SEGMENT_SECONDS), part.last, "seconds")
        if part.join != "dissolve" or part.dissolve_frames < 1:
            continue
        before = parts[index - 1]
        for other in (before, part):
            if part.dissolve_frames >= other.frames:
                bad((_("A dissolve of {frames} frames is not shorter than shot {first} ({seconds} s = {length} "
                       "frames); make dissolve_frames smaller.") if other.first == other.last else
                     _("A dissolve of {frames} frames is not shorter than shots {first} to {last} ({seconds} s = "
                       "{length} frames); make dissolve_frames smaller.")).format(
                    frames=part.dissolve_frames, first=other.first, last=other.last, seconds=other.seconds,
                    length=other.frames), part.first, "dissolve_frames")
                break
        else:
            out = parts[index + 1].dissolve_frames if index + 1 < len(parts) else 0
            if out and part.dissolve_frames + out >= part.frames:
                bad((_("The dissolves into and out of shot {first} ({frames} frames together) are not shorter "
                       "than it is ({length} frames); make dissolve_frames smaller.") if part.first == part.last else
                     _("The dissolves into and out of shots {first} to {last} ({frames} frames together) are not "
                       "shorter than they are ({length} frames); make dissolve_frames smaller.")).format(
                    first=part.first, last=part.last, frames=part.dissolve_frames + out, length=part.frames),
                    part.first, "dissolve_frames")


def validate_board(board: Board, models: Mapping[str, ModelSpec] | None = None) -> Board:
    """`board` when it keeps every rule; otherwise BoardError for the first it breaks."""
    problems = check_board(board, models)
    if problems:
        raise problems[0]
    return board


def timeline(board: Board, width: int) -> str:
    """The board on one line at most `width` terminal cells wide: each shot as long as its seconds, numbered,
    after the mark of its join (│ cut, → continue, ╳ dissolve), e.g. "│1 8s━━━━━→2 +4s━━╳3 8s━━━━━".

    With less room the seconds go, then the numbers; with too little even for the marks, it ends with "…"."""
    shots = board.shots
    if width <= 0 or not shots:
        return ""

    def label(number: int, shot: Shot, full: bool) -> str:
        mark = JOIN_MARKS.get(shot.join, "│") if number > 1 else JOIN_MARKS["cut"]
        if not full:
            return mark + str(number)
        seconds = _("+{seconds}s") if shot.join == "continue" else _("{seconds}s")
        return mark + str(number) + " " + seconds.format(seconds=shot.seconds)

    for full in (True, False):
        labels = [label(n, s, full) for n, s in enumerate(shots, 1)]
        need = sum(cell_len(text) + 1 for text in labels)  # a label and at least one cell of fill
        if need <= width:
            return "".join(text + _FILL * fill for text, fill in zip(labels, _fills(board, labels, width), strict=True))
    marks = "".join(JOIN_MARKS.get(s.join, "│") if n > 1 else JOIN_MARKS["cut"] for n, s in enumerate(shots, 1))
    return marks if len(marks) <= width else marks[:width - 1] + "…"


def _fills(board: Board, labels: list[str], width: int) -> list[int]:
    """Cells of fill after each label: the whole width shared by seconds (largest remainders), at least one each."""
    total = sum(max(s.seconds, 1) for s in board.shots)
    spans = [width * max(s.seconds, 1) / total for s in board.shots]
    floors = [max(int(span), cell_len(text) + 1) for span, text in zip(spans, labels, strict=True)]
    # Labels wider than their share took cells from the others: give back from the longest shots first.
    while sum(floors) > width:
        widest = max(range(len(floors)), key=lambda i: floors[i] - cell_len(labels[i]))
        floors[widest] -= 1
    order = sorted(range(len(spans)), key=lambda i: spans[i] - int(spans[i]), reverse=True)
    for i in order[:width - sum(floors)]:
        floors[i] += 1
    return [cells - cell_len(text) for cells, text in zip(floors, labels, strict=True)]
