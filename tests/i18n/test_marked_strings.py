"""A user-facing string that is not in the catalogs fails here: an AST scan of the code that talks to people (the
TUI, the CLI, and the messages the service, backend, store and config layers hand them) for English text given
straight to what shows it — a toast, a label, a key description, a dialog, a print, an argparse help, an error a
user reads — instead of through `_()` / `N_()`.

It reads the code, so it also catches the screens no test opens. What it cannot see (text built far from where it
is shown) is covered by the Japanese screen tests, which look for English words left on screen."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "sora_tui"
# The engine answers programs over HTTP; the locale folder holds catalogs; nothing else is exempt.
SKIP = ("engine/", "locale/")

# Calls whose text arguments a person reads: the name of the function or method called.
SHOWN_BY = {
    "notify", "Label", "Static", "Button", "Checkbox", "RadioButton", "Input", "TextArea", "Tab", "TabPane",
    "Collapsible", "Rule", "Select", "OptionList", "Option", "Binding", "ServiceNotice", "print", "exit",
    "add_argument", "add_parser", "ArgumentParser", "add_argument_group", "add_mutually_exclusive_group",
    "error", "HistoryError", "HistoryWriteError", "ApiError", "UserError", "ConfigError", "ProfileError",
    "ImageSizeMismatch", "ParamError", "CapabilityError", "Refused", "DownloadError", "BackendError",
    "InvalidParams", "ServiceError", "PictureError", "TemplateError", "CorruptHistory", "SessionError",
}
LOGGERS = {"log", "logger", "_log", "LOG", "logging"}
# Keyword arguments that are text for a person, whatever the call.
SHOWN_KEYWORDS = {"help", "description", "epilog", "title", "placeholder", "tooltip", "label", "message",
                  "advice", "prompt", "border_title", "border_subtitle", "sub_title", "usage"}
# Attributes that are shown when assigned: self.title = "...", widget.border_title = "...".
SHOWN_ATTRIBUTES = {"title", "sub_title", "border_title", "border_subtitle", "tooltip", "placeholder"}
# Calls that never show their text to a person.
NEVER_SHOWN = {"log", "debug", "info", "warning", "exception", "critical", "getLogger", "startswith",
               "endswith", "replace", "split", "join", "get", "setdefault", "add_class", "remove_class",
               "has_class", "query", "query_one", "query_exactly_one", "set_class", "environ", "getenv"}

WORDS = re.compile(r"[A-Za-z]{3,}")  # "sk-…", "ID", "OK" are not sentences


def _is_words(text: str) -> bool:
    """English a person would read: a word of three letters or more, outside format fields, and not an identifier-like token
    (a CSS id, a key name, a file suffix)."""
    bare = re.sub(r"\{[^}]*\}", "", text)
    if not WORDS.search(bare):
        return False
    if re.fullmatch(r"[#.]?[a-z0-9_\-]+", bare.strip()):  # "job-table", "#composer", "ctrl+s" style names
        return False
    return not re.fullmatch(r"(ctrl|shift|alt|f\d+|escape|enter|tab|space|[a-z])(\+[a-z0-9_]+)*(,\S+)*", bare.strip())


def _literal_texts(node: ast.AST) -> list[str]:
    """The English literal text in an argument: a plain string, or the literal parts of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value for v in node.values if isinstance(v, ast.Constant))]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _literal_texts(node.left) + _literal_texts(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_texts(node.body) + _literal_texts(node.orelse)
    return []


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def unmarked(rel: str, code: str) -> list[str]:
    """'file:line: text' for each English text in `code` shown without going through the catalogs."""
    tree = ast.parse(code)
    found: list[str] = []

    def report(node: ast.AST, texts: list[str]) -> None:
        for text in texts:
            if _is_words(text):
                found.append(f"{rel}:{node.lineno}: {text!r}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id in LOGGERS:
                continue  # log lines stay English: they are read by whoever fixes a problem, with any locale
            if name in NEVER_SHOWN or name in ("_", "N_", "ngettext", "pgettext"):
                continue
            if name in SHOWN_BY:
                args = node.args
                if name == "Binding":  # Binding(key, action, description, ...): only the description is text
                    args = node.args[2:3]
                elif name in ("add_argument", "add_parser", "Option", "Select", "Input", "TextArea", "Tab",
                              "TabPane"):
                    args = []  # their positionals are names, values and ids; their text is in keywords
                for arg in args:
                    report(node, _literal_texts(arg))
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS:
                    report(node, _literal_texts(keyword.value))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in SHOWN_ATTRIBUTES:
                    report(node, _literal_texts(node.value))
    return found


def _sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if not p.relative_to(SRC).as_posix().startswith(SKIP))


def test_no_user_facing_string_bypasses_the_catalogs() -> None:
    found = [line for path in _sources() for line in unmarked(path.relative_to(SRC).as_posix(), path.read_text())]
    assert not found, "shown without _() or N_():\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("code", "caught"),
    [
        ('self.notify("Download finished")', True),
        ('self.notify(_("Download finished"))', False),
        ('Binding("q", "quit", "Quit")', True),
        ('Binding("q", "quit", N_("Quit"))', False),
        ('parser.add_argument("--seconds", help="Length of the video")', True),
        ('print(f"Saved {path}")', True),
        ('self.title = "History"', True),
        ('self.notify("", timeout=2)', False),
        ('log.warning("retrying %s", name)', False),
        ('log.error("create failed: %s", e)', False),
        ('raise BackendError("No answer from the server")', True),
        ('Label("#composer")', False),
    ],
)
def test_the_scan_tells_marked_from_unmarked(code: str, caught: bool) -> None:
    assert bool(unmarked("probe.py", code)) is caught, code
