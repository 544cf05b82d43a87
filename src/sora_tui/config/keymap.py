"""The user's keymap: the config file's `[keymap]` table, binding id = keys (`"job.retry" = "f5"`,
`"app.history" = "ctrl+h,f9"`), read with the line each entry is on, so that a problem can be reported where it is.

Only what the file says is read here: whether an id names a binding, and whether its keys clash with others, is for
the TUI (tui/keymap.py), which knows the bindings. tomllib gives no line numbers: each entry's line is found in the
text by parsing the file line by line, as config.editing finds its tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.i18n import _

TABLE = "keymap"


@dataclass(frozen=True)
class KeymapEntry:
    binding_id: str
    keys: Any  # as written: a string when it is one, else whatever the file holds there (reported, not used)
    line: int | None  # 1-based; None where it could not be found in the text


@dataclass(frozen=True)
class KeymapProblem:
    """One thing wrong with the keymap, already said in the interface's language; `line` is 1-based."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class KeymapFile:
    path: Path
    entries: tuple[KeymapEntry, ...] = ()
    problems: tuple[KeymapProblem, ...] = ()  # the file or the table could not be read as a keymap


def read_keymap(path: Path) -> KeymapFile:
    """The `[keymap]` entries of the config file at `path`, each with its line. No file, or one that says nothing of a
    keymap, costs a read and no TOML parser (this runs before the TUI's first frame)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return KeymapFile(path)
    except (OSError, UnicodeDecodeError) as exc:
        return KeymapFile(path, problems=(KeymapProblem(path, None, _(
            "cannot be read ({reason}); the keymap was not applied.").format(reason=_reason(exc))),))
    if TABLE not in text:
        return KeymapFile(path)
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return KeymapFile(path, problems=(KeymapProblem(path, _decode_error_line(exc), _(
            "not valid TOML ({error}); the keymap was not applied.").format(error=exc)),))
    table = data.get(TABLE)
    if table is None:
        return KeymapFile(path)
    lines = text.splitlines()
    if not isinstance(table, dict):
        return KeymapFile(path, problems=(KeymapProblem(path, _line_of(lines, (TABLE,)), _(
            "keymap: expected a table of binding ids and keys, such as [keymap] then \"job.retry\" = \"f5\".")),))
    entries = []
    for key_path, value in _leaves(table, ()):
        # `job.retry = "f5"` without quotes is a dotted key in TOML, a table in a table: the same id.
        entries.append(KeymapEntry(".".join(key_path), value, _line_of(lines, (TABLE, *key_path))))
    return KeymapFile(path, tuple(entries))


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def _decode_error_line(exc: Exception) -> int | None:
    line = getattr(exc, "lineno", None)  # Python 3.14's TOMLDecodeError says it; 3.11's only in its message
    if isinstance(line, int):
        return line
    import re

    found = re.search(r"line (\d+)", str(exc))
    return int(found.group(1)) if found else None


def _leaves(table: dict[str, Any], prefix: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    found: list[tuple[tuple[str, ...], Any]] = []
    for key, value in table.items():
        if isinstance(value, dict) and value:
            found.extend(_leaves(value, (*prefix, key)))
        else:
            found.append(((*prefix, key), value))
    return found


def _line_of(lines: list[str], key_path: tuple[str, ...]) -> int | None:
    """The 1-based line that sets `key_path` (or, for the table itself, opens it): each line parsed on its own as TOML,
    under the table header last seen. A line that is not TOML on its own (inside a multi-line value) is passed over."""
    import tomllib

    table: tuple[str, ...] = ()
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            parsed: Any = tomllib.loads(stripped)
        except tomllib.TOMLDecodeError:
            continue
        if stripped.startswith("["):
            table = ()
            while isinstance(parsed, dict) and len(parsed) == 1:
                key, parsed = next(iter(parsed.items()))
                table = (*table, key)
            if table == key_path:
                return number
            continue
        if any((*table, *path) == key_path or (*table, *path)[:len(key_path)] == key_path
               for path, _value in _leaves(parsed, ())):
            return number
    return None
