"""The user's keys: the config file's `[keymap]` (config/keymap.py reads it) checked against every binding the TUI
has, and applied with Textual's keymap (App.set_keymap, by Binding.id); and the command palette's commands, made
from the same bindings so that the palette holds every action a key does and cannot drift from them.

Checked before the first frame: an id no binding has (with the nearest ids), keys that are empty or not keys, and
two bindings that work in the same place put on one key. Every problem names the config file and the entry's line;
the valid entries are applied all the same (docs/KEYS.md says so). The bindings are found by walking the TUI's
classes, so one added anywhere is checked, remappable and in the palette without being listed here."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

from ..config.keymap import KeymapFile, KeymapProblem, read_keymap
from ..core.i18n import N_, _

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")

# The palette's category for each binding, by the first part of its id ("job.retry": job). The app's own keys are
# sorted into what they are about, as the palette titled them before it was made from the bindings.
CATEGORIES = {
    "composer": N_("composer"), "job": N_("job"), "jobs": N_("table"), "history": N_("history"),
    "detail": N_("details"), "preview": N_("preview"), "compare": N_("compare"), "help": N_("help"),
    "profiles": N_("profile"), "setup": N_("profile"), "spending": N_("spending"), "budget": N_("spending"),
    "character": N_("character"), "confirm": N_("dialog"), "choice": N_("dialog"), "prompt": N_("dialog"),
    "note": N_("dialog"), "snippet": N_("dialog"), "text": N_("dialog"), "picture": N_("dialog"),
    "board": N_("storyboard"), "boards": N_("storyboard"), "shot": N_("storyboard"), "film": N_("storyboard"),
    "ask": N_("dialog"),
}
APP_CATEGORIES = {
    "app.generate": N_("composer"), "app.snippet": N_("composer"), "app.tips": N_("composer"),
    "app.history": N_("view"), "app.boards": N_("view"), "app.help": N_("view"), "app.spending": N_("view"),
    "app.jobs": N_("view"), "app.composer": N_("view"), "app.quit": N_("app"), "app.theme": N_("theme"), "app.language": N_("language"),
    "app.profiles": N_("profile"),
}
OTHER = N_("keys")  # a binding whose id's first part has no category yet
# The app's keys whose palette command is said differently (it names the state it changes to): SoraApp makes them.
OWN_COMMANDS = frozenset({"app.theme", "app.language", "app.profiles"})


# --- the bindings ---------------------------------------------------------------------------------------------
@cache
def binding_classes() -> tuple[type[DOMNode], ...]:
    """Every class of the TUI (the app, its screens and widgets) that declares bindings with ids, each module of
    tui.screens and tui.widgets imported first so that a class nothing has opened yet is found too."""
    from . import screens, widgets
    from .app import SoraApp

    for package in (screens, widgets):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    found: list[type[DOMNode]] = [SoraApp]
    stack: list[type[DOMNode]] = list(DOMNode.__subclasses__())
    seen: set[type[DOMNode]] = set()
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack.extend(cls.__subclasses__())
        if cls is not SoraApp and _ours(cls) and any(b.id for b in own_bindings(cls)):
            found.append(cls)
    return tuple(sorted(found, key=lambda c: (c is not SoraApp, c.__module__, c.__qualname__)))


def _ours(cls: type) -> bool:
    return cls.__module__.startswith("sora_tui.")


def own_bindings(cls: type[DOMNode]) -> list[Binding]:
    """The bindings the TUI declares for `cls` (on it and on its own base classes; not Textual's), as declared:
    one Binding for "escape,q"."""
    found: list[Binding] = []
    for base in reversed(cls.__mro__):
        declared = base.__dict__.get("BINDINGS")
        if declared and _ours(base):
            found.extend(b for b in declared if isinstance(b, Binding))
    return found


def known_ids() -> dict[str, Binding]:
    return {b.id: b for cls in binding_classes() for b in own_bindings(cls) if b.id}


def _place(cls: type[DOMNode]) -> list[tuple[Binding, bool]]:
    """Every binding of `cls` with its bases', Textual's included (a table's enter, a screen's tab), one per key."""
    found: list[tuple[Binding, bool]] = []
    for base in reversed(cls.__mro__):
        declared = base.__dict__.get("BINDINGS")
        if declared:
            found.extend((b, _ours(base)) for b in Binding.make_bindings(declared))
    return found


def places() -> list[list[tuple[Binding, bool]]]:
    """The groups of bindings that work together: each screen's or widget's own, and the app's with each screen's
    (a modal screen stops the app's keys, but for the priority ones)."""
    from textual.app import App

    classes = binding_classes()
    app_class = classes[0]
    assert issubclass(app_class, App)
    palette = Binding(app_class.COMMAND_PALETTE_BINDING, "command_palette", N_("palette"))
    app_keys = [*_place(app_class), *((b, False) for b in Binding.make_bindings([palette]))]
    found = [app_keys]
    for cls in classes[1:]:
        own = _place(cls)
        found.append(own)
        if issubclass(cls, Screen):
            reaching = [(b, ours) for b, ours in app_keys if b.priority] if issubclass(cls, ModalScreen) else app_keys
            found.append([*reaching, *own])
    return found


# --- keys ---------------------------------------------------------------------------------------------------
def normal_keys(keys: str) -> list[str] | None:
    """A keymap entry's keys ("ctrl+h, f9", "?") as Textual names them (["ctrl+h", "f9"], ["question_mark"]), or
    None where one is empty or not a key."""
    parts = [k.strip() for k in keys.split(",")]
    if not parts or not all(parts) or not all(is_key(k) for k in parts):
        return None
    return [b.key for b in Binding.make_bindings([Binding(",".join(parts), "")])]


def is_key(key: str) -> bool:
    from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

    *modifiers, name = key.split("+")
    if not name or any(m not in MODIFIERS for m in modifiers):
        return False
    if len(name) == 1:
        return name.isprintable() and not name.isspace()
    if name in {k.value for k in Keys} or name in KEY_NAME_REPLACEMENTS.values():
        return True
    # a character's name (question_mark, dollar_sign); any Unicode name would do for Textual ("banana" is 🍌), but
    # a key written by name on a keyboard's own is ASCII: another character is written as itself
    character = key_to_character(name)
    return character is not None and character.isascii() and character.isprintable() and not character.isspace()


def key_shown(key: str) -> str:
    """A key as help shows it: "question_mark" as "?", "ctrl+g" and "escape" as they are written."""
    from textual.keys import key_to_character

    if "+" not in key and len(key) > 1:
        character = key_to_character(key)
        if character and character.isprintable() and not character.isspace():
            return character
    return key


def keys_shown(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The keys `binding` is on now, as help shows them ("escape / q"): the user's where the keymap moved it."""
    moved = keymap.get(binding.id) if binding.id else None
    if moved is None:
        if binding.key_display:
            return binding.key_display
        keys = [k.strip() for k in binding.key.split(",")]
    else:
        keys = moved.split(",")
    return " / ".join(key_shown(k) for k in keys)


def key_now(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The first key `binding` is on now, as the help shows it ("f1", "ctrl+o", "?"); "" where it is on none."""
    return keys_shown(binding, keymap).split(" / ")[0].strip()


def key_capitalised(key: str) -> str:
    """A key where a title or a sentence starts with it: an F-key as the keyboard prints it ("F1"), others as shown."""
    return key.upper() if re.fullmatch(r"f\d+", key) else key


def bound_key(node: DOMNode, binding_id: str, owner: type[DOMNode] | None = None, said: str | None = None) -> str:
    """The key a hint on screen names for the binding `binding_id` ("{help} help"): its first key now, the user's
    where the keymap moved it, "" where it is on none (the hint then leaves that part out). The binding is looked
    for on `owner`, the class that declares it, or else on `node` and the nodes it is in, up to the app; the keymap
    is `node`'s app's. `said`: how the hint has always written the default key where that is shorter than the help
    writes it ("esc" in a dialog's key line), kept while the keymap leaves the binding where it is."""
    from textual.app import App

    app = node if isinstance(node, App) else node.app
    classes = [owner] if owner is not None else [type(n) for n in (node, *node.ancestors)]
    return declared_key(classes, binding_id, getattr(app, "keymap", None) or {}, said)


def declared_key(classes: Iterable[type[DOMNode]], binding_id: str, keymap: Mapping[str, str],
                 said: str | None = None) -> str:
    """bound_key for the binding `binding_id` declared by one of `classes`, with `keymap` applied."""
    binding = next((b for cls in classes for b in own_bindings(cls) if b.id == binding_id), None)
    if binding is None:
        return ""
    if said is not None and binding_id not in keymap:
        return said
    return key_now(binding, keymap)


def screen_keys(screen: DOMNode, prefix: str, **said: str) -> dict[str, str]:
    """bound_key for every binding of `screen`'s class whose id starts with `prefix` ("profiles"), by the rest of its
    id ({"add": "a", "use": "enter", …}), for a title or a message that names them; `said` as bound_key's."""
    return {b.id.split(".", 1)[1]: bound_key(screen, b.id, type(screen), said.get(b.id.split(".", 1)[1]))
            for b in own_bindings(type(screen)) if b.id and b.id.startswith(prefix + ".")}


def key_pieces(node: DOMNode, binding_id: str, *said: str) -> list[str | tuple[str, str]]:
    """A dialog's key line names a binding's keys in bold ("n / esc", for Text.assemble): as `said` writes them while
    the keymap leaves the binding (declared by `node`'s class) where it is, else the first key the keymap put it on."""
    moved = bound_key(node, binding_id, type(node), said="")
    pieces: list[str | tuple[str, str]] = []
    for key in [moved] if moved else said:
        pieces.extend([" / ", (key, "bold")] if pieces else [(key, "bold")])
    return pieces


# --- checking -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckedKeymap:
    keymap: dict[str, str]  # what is applied: binding id -> keys, Textual's names, comma-separated
    problems: tuple[KeymapProblem, ...]
    path: Path | None = None
    read: KeymapFile | None = None  # the entries, for the check against the bindings (with_bindings)
    lines: Mapping[str, int | None] = field(default_factory=dict)  # binding id -> its entry's line


def load(path: Path) -> CheckedKeymap:
    """The config file's keymap, its keys checked: what is applied before the first frame. No keymap, nothing more
    than a read; and nothing here imports the screens (with_bindings does, once the first frame is drawn)."""
    read = read_keymap(path)
    if not read.entries and not read.problems:
        return CheckedKeymap({}, (), path, read)
    return keys_checked(read)


def check(read: KeymapFile) -> CheckedKeymap:
    """Everything checked at once: the keys, then the ids and the clashes."""
    return with_bindings(keys_checked(read))


def keys_checked(read: KeymapFile) -> CheckedKeymap:
    """Each entry's keys: a string, not empty, each one a key. Those that pass are what is applied."""
    path = read.path
    problems: list[KeymapProblem] = list(read.problems)
    keymap: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    for entry in read.entries:
        said = f"\"{entry.binding_id}\""
        if not isinstance(entry.keys, str):
            problems.append(KeymapProblem(path, entry.line, _(
                "{entry}: expected keys in quotes, such as \"f5\" or \"ctrl+h,f9\", not {value}.").format(
                entry=said, value=repr(entry.keys))))
            continue
        if not entry.keys.strip():
            problems.append(KeymapProblem(path, entry.line, _("{entry}: no key given.").format(entry=said)))
            continue
        keys = normal_keys(entry.keys)
        if keys is None:
            bad = next((k.strip() for k in entry.keys.split(",") if not k.strip() or not is_key(k.strip())), "")
            message = (_("{entry}: \"{key}\" is not a key (keys are written as f5, ctrl+h, shift+tab, ? or "
                         "question_mark).").format(entry=said, key=bad) if bad
                       else _("{entry}: an empty key between commas.").format(entry=said))
            problems.append(KeymapProblem(path, entry.line, message))
            continue
        keymap[entry.binding_id] = ",".join(dict.fromkeys(keys))
        lines[entry.binding_id] = entry.line
    return CheckedKeymap(keymap, _in_order(problems), path, read, lines)


def with_bindings(checked: CheckedKeymap) -> CheckedKeymap:
    """Then against the bindings: an id none has (with the nearest one), and clashes. Imports every screen and
    widget (some 200 ms): SoraApp runs it in a thread once the first frame is drawn. What is applied stays the same
    (an unknown id moves nothing, a clashing entry is applied as written); the keymap returned lacks unknown ids."""
    read = checked.read
    if read is None or not read.entries:
        return checked
    path = read.path
    problems = list(checked.problems)
    ids = known_ids()
    for entry in read.entries:
        if entry.binding_id in ids:
            continue
        said = f"\"{entry.binding_id}\""
        near = difflib.get_close_matches(entry.binding_id, list(ids), n=1, cutoff=0.6)
        problems.append(KeymapProblem(path, entry.line, _(
            "{entry}: no binding has this id. Did you mean \"{suggestion}\"?").format(entry=said, suggestion=near[0])
            if near else _("{entry}: no binding has this id (docs/KEYS.md lists them).").format(entry=said)))
    known = {i: k for i, k in checked.keymap.items() if i in ids}
    problems.extend(_clashes(known, checked.lines, path))
    return CheckedKeymap(known, _in_order(problems), path, read, checked.lines)


def _in_order(problems: list[KeymapProblem]) -> tuple[KeymapProblem, ...]:
    return tuple(sorted(problems, key=lambda p: p.line or 0))  # in the file's order, as they are fixed


def _clashes(keymap: Mapping[str, str], lines: Mapping[str, int | None], path: Path) -> list[KeymapProblem]:
    """Two bindings on one key in a place where both work, one of them put there by the keymap. A key of Textual's
    own that one of the TUI's bindings already takes by default (the table's enter) is not a clash: it never ran."""
    if not keymap:
        return []
    said: dict[tuple[str, str], set[str]] = {}
    for place in places():
        defaults = {b.key for b, ours in place if ours}
        on_key: dict[str, list[tuple[Binding, bool]]] = {}
        for binding, ours in place:
            if not ours and binding.key in defaults:
                continue
            moved = bool(binding.id and binding.id in keymap)
            for key in (keymap[binding.id].split(",") if moved and binding.id else [binding.key]):
                on_key.setdefault(key, []).append((binding, moved))
        for key, bindings in on_key.items():
            for binding, moved in bindings:
                if not moved or not binding.id:
                    continue
                others = {_name(b) for b, _m in bindings if b.id != binding.id or b.id is None}
                if others:
                    said.setdefault((binding.id, key), set()).update(others)
    return [KeymapProblem(path, lines.get(binding_id), _(
        "\"{id}\": {key} is {other} there too; put one of them on another key.").format(
        id=binding_id, key=key_shown(key), other=_(" and ").join(sorted(others))))
        for (binding_id, key), others in sorted(said.items())]


def _name(binding: Binding) -> str:
    if binding.id:
        return f"\"{binding.id}\""
    # Textual's own keys are described by Textual, in English
    return f"\"{_(binding.description) if binding.description else binding.action}\""


def problems_text(problems: tuple[KeymapProblem, ...], *, with_path: bool = True) -> str:
    """One problem a line: "path:line: what" (as compilers say it, for an editor to jump to), or, under a title that
    names the file, "line N: what"."""
    if with_path:
        return "\n".join(str(p) for p in problems)
    return "\n".join(_("line {line}: {problem}").format(line=p.line, problem=p.message) if p.line else p.message
                     for p in problems)


# --- the palette --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BoundCommand:
    title: str
    help: str
    binding: Binding
    node: DOMNode


def category(binding_id: str) -> str:
    """The palette's category for a binding id, marked (translate it where shown)."""
    return APP_CATEGORIES.get(binding_id) or CATEGORIES.get(binding_id.split(".")[0], OTHER)


def command_title(binding: Binding) -> str:
    verb = _(binding.description) if binding.description else binding.action  # "Download…" asks: kept
    return _("{category}: {verb}").format(category=_(category(binding.id or "")), verb=verb)


def binding_commands(app: Any, screen: Screen[Any] | None) -> Iterator[BoundCommand]:
    """A palette command for every binding with an id that works where the palette was opened: the app's, the
    screen's and those of every widget on it, its help saying what it does and its key. A job table with no job
    selected offers nothing."""
    nodes: list[DOMNode] = [app]
    if screen is not None:
        nodes.extend([screen, *screen.walk_children()])
    seen: set[str] = set(OWN_COMMANDS)
    for node in nodes:
        if _ours(type(node)) and hasattr(node, "selected_local_id") and not node.selected_local_id:
            continue
        for binding in own_bindings(type(node)):
            if not binding.id or binding.id in seen:
                continue
            seen.add(binding.id)
            # what it does, then its key (the user's, where the keymap moved it): the palette teaches the keys
            keys = keys_shown(binding, getattr(app, "keymap", None) or {})
            said = _(binding.tooltip) if binding.tooltip else ""
            yield BoundCommand(command_title(binding), f"{said} · {keys}" if said else keys, binding, node)
