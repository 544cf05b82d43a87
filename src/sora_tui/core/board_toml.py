"""A storyboard's documents: the TOML file a person writes by hand, read strictly and written back in a stable
order, and the document the history keeps.

    title = "Shiba at dusk"
    style = "35 mm film, warm evening light"
    size = "1280x720"

    [[shot]]
    prompt = "A shiba inu trots along the beach at dusk"
    seconds = 8

Reading names the line of every mistake: a TOML syntax error (with its column), a key it does not know (with the
known key nearest its spelling, so `secnds = 8` is never silently ignored), a value of the wrong type, and the first
rule the board breaks (board.py). Ids a hand-written file leaves out are made on reading and written on saving.

The writer is ours (no TOML library writes): basic strings with escapes for quotes, backslashes and control
characters, Japanese and other text as UTF-8, so `read_board(write_board(board)) == board` for every valid board.
"""

from __future__ import annotations

import difflib
import posixpath
import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .board import (
    DEFAULT_SHOT_SECONDS,
    JOINS,
    Board,
    BoardError,
    Join,
    Shot,
    check_board,
    new_board_id,
    new_shot_id,
    quoted,
)
from .i18n import _
from .params import DEFAULT_MODEL, DEFAULT_SIZE, ModelSpec

BOARD_KEYS = ("title", "style", "model", "size", "takes", "board_id")
SHOT_KEYS = ("prompt", "seconds", "join", "dissolve_frames", "image", "character", "takes", "chosen", "shot_id")
# What a value looks like when it has the wrong type: the key written as it should be.
_EXAMPLES: dict[str, str] = {
    "title": '"Shiba at dusk"', "style": '"35 mm film, warm light"', "model": '"sora-2"', "size": '"1280x720"',
    "board_id": '"brd_0123456789ab"', "prompt": '"A shiba inu runs along the beach"', "join": '"cut"',
    "image": '"shiba.png"', "character": '"char_0123"', "chosen": '"video_0123"', "shot_id": '"sht_01234567"',
    "takes": "2", "seconds": "8", "dissolve_frames": "12",
}
_WHOLE = frozenset({"takes", "seconds", "dissolve_frames"})

HEADER = """\
# A sora-tui storyboard: shots generated one by one and joined into one film, in the order written here.
# Edit it by hand; sora-tui checks the file when it reads it and names the line of any mistake.
#
# title, style, model, size, takes: the board's. style is added to every shot's prompt, so the look stays the
# same; size is every shot's; takes is how many takes of each shot to generate (a shot can say its own).
# Each [[shot]] is one shot: prompt, seconds, join, and if wanted image (a reference image), character, takes.
#   join = "cut"       a new video; the film cuts to it. The first shot always cuts.
#   join = "continue"  extends the chosen take of the shot before by `seconds` (4, 8, 12, 16 or 20);
#                      it takes no image or character.
#   join = "dissolve"  a new video fading in over the end of the one before for `dissolve_frames` frames
#                      (24 frames are 1 second).
# board_id, shot_id and chosen are written by sora-tui: keep them (a copied shot needs no shot_id line).
"""

# Characters a basic string writes as escapes: TOML refuses controls raw, and a terminal acts on C1 controls and
# bidi overrides when the file is shown.
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]')
_SYNTAX_PLACE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")
_HEADER_LINE = re.compile(r"\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_LINE = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+)\s*[.=]""")


def toml_string(text: str) -> str:
    """`text` as a TOML basic string."""
    def escape(match: re.Match[str]) -> str:
        ch = match.group()
        return _ESCAPES.get(ch) or f"\\u{ord(ch):04X}"

    return '"' + _NEEDS_ESCAPE.sub(escape, text) + '"'


def write_board(board: Board) -> str:
    """`board` as its file: the comments saying what the file is, the board's keys, then one [[shot]] per shot
    (keys in a fixed order; a shot's unset keys left out)."""
    lines = [HEADER]
    for key in BOARD_KEYS:
        lines.append(f"{key} = {_toml(getattr(board, key))}")
    for shot in board.shots:
        lines += ["", "[[shot]]"]
        lines += [f"{key} = {_toml(getattr(shot, key))}" for key in SHOT_KEYS if getattr(shot, key) is not None]
    return "\n".join(lines) + "\n"


def _toml(value: str | int) -> str:
    return toml_string(value) if isinstance(value, str) else str(value)


@dataclass
class _Places:
    """Where things are in the text (line numbers from 1): what tomllib does not say."""

    top: dict[str, int] = field(default_factory=dict)
    shots: list[tuple[int, dict[str, int]]] = field(default_factory=list)  # each [[shot]]: its line, its keys'
    tables: dict[str, int] = field(default_factory=dict)  # other table headers, by name

    def line(self, shot: int | None, key: str | None) -> int | None:
        if shot is not None and 0 < shot <= len(self.shots):
            header, keys = self.shots[shot - 1]
            return keys.get(key or "") or self.tables.get(f"shot.{key}") or header
        return self.top.get(key or "") or self.tables.get(key or "")


def _unquote(name: str) -> str:
    parts = [p.strip().strip("\"'") for p in name.split(".")]
    return ".".join(parts)


def _places(text: str) -> _Places:
    """A light scan of the lines: table headers and the keys under them (skipping multi-line strings' insides)."""
    places = _Places()
    keys = places.top
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if open_quote is not None:
            closes = re.search(r'(?<!\\)"""', line) if open_quote == '"""' else "'''" in line
            if closes:
                open_quote = None
            continue
        header = _HEADER_LINE.match(line)
        if header:
            name = _unquote(header.group(2))
            keys = {}
            if header.group(1) == "[[" and name == "shot":
                places.shots.append((number, keys))
            else:
                places.tables.setdefault(name, number)
            continue
        key = _KEY_LINE.match(line)
        if key:
            keys.setdefault(_unquote(key.group(1)), number)
            rest = line[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    open_quote = quote
                    break
    return places


def read_board(text: str, source: str = "", *, models: Mapping[str, ModelSpec] | None = None) -> Board:
    """The board in `text` (a board file; `source` names it in messages), checked against `models` (the
    published models when None). Raises BoardError naming the line of the first mistake."""
    places = _places(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        reason = str(error)
        where = _SYNTAX_PLACE.search(reason)
        line = column = None
        if where:
            reason = reason[:where.start()]
            if where.group(1):
                line, column = int(where.group(1)), int(where.group(2))
            else:
                line = max(1, len(text.splitlines()))
        raise BoardError(_("This is not valid TOML ({reason}). Check the quotes, brackets and = signs here and on "
                           "the line before.").format(reason=reason), line=line, column=column,
                         source=source) from None
    board = _Reader(places, source).board(data)
    problems = check_board(board, models)
    if problems:
        first = problems[0]
        raise BoardError(first.reason, line=places.line(first.shot, first.key), shot=first.shot, key=first.key,
                         source=source)
    return board


@dataclass
class _Reader:
    """Turns tomllib's tables into a Board, refusing unknown keys and wrong types with their lines."""

    places: _Places
    source: str

    def fail(self, reason: str, shot: int | None = None, key: str | None = None) -> BoardError:
        return BoardError(reason, line=self.places.line(shot, key), shot=shot, key=key, source=self.source)

    def board(self, data: dict[str, Any]) -> Board:
        self.known(data, (*BOARD_KEYS, "shot"), None)
        raw = data.get("shot", [])
        if isinstance(raw, dict):
            raise self.fail(_("Write each shot as [[shot]], with two brackets on each side, not [shot]."), key="shot")
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            raise self.fail(_("shot is for the shots: write each as a [[shot]] table, not shot = ..."), key="shot")
        shots = tuple(self.shot(item, number) for number, item in enumerate(raw, 1))
        takes = self.whole(data, "takes", None)
        board_id = self.text(data, "board_id", None)
        return Board(title=self.text(data, "title", None) or "", style=self.text(data, "style", None) or "",
                     model=self.text(data, "model", None) or DEFAULT_MODEL,
                     size=self.text(data, "size", None) or DEFAULT_SIZE, takes=1 if takes is None else takes,
                     shots=shots, board_id=new_board_id() if board_id is None else board_id)

    def shot(self, data: dict[str, Any], number: int) -> Shot:
        self.known(data, SHOT_KEYS, number)
        prompt = self.text(data, "prompt", number)
        if prompt is None:
            raise self.fail(_("This shot has no prompt; add a line such as prompt = \"A shiba inu runs along the "
                              "beach\"."), number)
        join = self.text(data, "join", number) or "cut"
        if join not in JOINS:
            near = difflib.get_close_matches(join, JOINS, n=1)
            reason = (_("join must be \"cut\", \"continue\" or \"dissolve\", not {join}.").format(join=quoted(join))
                      if not near else _("join must be \"cut\", \"continue\" or \"dissolve\", not {join}; did you "
                                         "mean \"{near}\"?").format(join=quoted(join), near=near[0]))
            raise self.fail(reason, number, "join")
        joined: Join = "continue" if join == "continue" else "dissolve" if join == "dissolve" else "cut"
        seconds = self.whole(data, "seconds", number)
        shot_id = self.text(data, "shot_id", number)
        return Shot(prompt=prompt, seconds=DEFAULT_SHOT_SECONDS if seconds is None else seconds, join=joined,
                    dissolve_frames=self.whole(data, "dissolve_frames", number),
                    image=self.text(data, "image", number), character=self.text(data, "character", number),
                    takes=self.whole(data, "takes", number), chosen=self.text(data, "chosen", number),
                    shot_id=new_shot_id() if shot_id is None else shot_id)

    def known(self, data: dict[str, Any], keys: tuple[str, ...], shot: int | None) -> None:
        for key in data:
            if key in keys:
                continue
            if shot is not None and key in BOARD_KEYS:
                reason = _("{key} is a setting of the whole board: move it above the first [[shot]].").format(key=key)
            elif shot is None and key in SHOT_KEYS:
                reason = _("{key} is a setting of a shot: put it under a [[shot]] line.").format(key=key)
            else:
                near = difflib.get_close_matches(key, keys, n=1)
                reason = (_("Unknown key {key}; did you mean {near}?").format(key=key, near=near[0]) if near else
                          _("Unknown key {key}; the keys here are {keys}.").format(key=key, keys=", ".join(keys)))
            raise self.fail(reason, shot, key)

    def text(self, data: dict[str, Any], key: str, shot: int | None) -> str | None:
        value = data.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.fail(_("{key} must be text in double quotes, like {key} = {example}, not {value}.").format(
            key=key, example=_EXAMPLES[key], value=_shown(value)), shot, key)

    def whole(self, data: dict[str, Any], key: str, shot: int | None) -> int | None:
        value = data.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self.fail(_("{key} must be a whole number without quotes, like {key} = {example}, not {value}.").format(
            key=key, example=_EXAMPLES[key], value=_shown(value)), shot, key)


def _shown(value: object) -> str:
    """A value as the file wrote it, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = toml_string(value)
        return text if len(text) <= 40 else text[:38] + "…\""
    if isinstance(value, list):
        return "[…]"
    if isinstance(value, dict):
        return "{…}"
    return str(value)


# --- the board as the history stores it, and its images ------------------------------------------------
def images_beside(board: Board, folder: str) -> Board:
    """`board` with each shot's reference image that is a relative path taken from `folder` (where the board's file
    is), as a person writing `image = "shiba.png"` beside the file means it; URLs, data URLs and absolute paths
    stay as they are."""
    def placed(image: str | None) -> str | None:
        if not image or "://" in image or image.startswith(("data:", "/", "~")):
            return image
        return posixpath.join(folder, image)

    return replace(board, shots=tuple(replace(s, image=placed(s.image)) for s in board.shots))


def board_doc(board: Board) -> dict[str, Any]:
    """`board` as the history stores it (plain JSON types; the shots in order)."""
    doc = asdict(board)
    doc["shots"] = [asdict(shot) for shot in board.shots]
    return doc


_SHOT_FIELDS = frozenset(Shot.__dataclass_fields__)
_BOARD_FIELDS = frozenset(Board.__dataclass_fields__) - {"shots"}


def board_from_doc(doc: Mapping[str, Any]) -> Board:
    """The board a stored document holds. Fields this version does not know (a newer sora-tui wrote them) are
    left out, as a job's are; the board is not checked here (board_from_doc of board_doc gives it back)."""
    shots = tuple(Shot(**{k: v for k, v in shot.items() if k in _SHOT_FIELDS})
                  for shot in doc.get("shots") or () if isinstance(shot, Mapping) and "prompt" in shot)
    fields = {k: v for k, v in doc.items() if k in _BOARD_FIELDS}
    return Board(**fields, shots=shots)
