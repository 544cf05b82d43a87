"""argparse in our words: its error messages, its section titles, its -h and its help layout in the interface's
language. argparse would ask the standard library's gettext, which knows neither our catalog nor our choice of
language; and it measures text in characters, where a Japanese glyph takes two cells and a Japanese sentence has no
spaces to break at."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ..core.i18n import N_, _, ngettext
from .exits import EXIT_USAGE
from .output import cells, wrap_cells

# argparse's messages as the standard library writes them (a name given to each field) -> ours, in the catalog.
# A message not listed here (a newer Python's rewording) is shown as argparse wrote it: English, never lost.
_ARGPARSE_MESSAGES: tuple[tuple[str, str], ...] = (
    ("argument %(argument_name)s: %(message)s", N_("argument {argument_name}: {message}")),
    ("the following arguments are required: %(names)s", N_("the following arguments are required: {names}")),
    ("one of the arguments %(names)s is required", N_("one of the arguments {names} is required")),
    ("unrecognized arguments: %(names)s", N_("unrecognized arguments: {names}")),
    ("invalid choice: %(value)r (choose from %(choices)s)", N_("invalid choice: {value} (choose from {choices})")),
    ("invalid int value: %(value)r", N_("not a whole number: {value}")),
    ("invalid %(type)s value: %(value)r", N_("invalid {type} value: {value}")),
    ("expected one argument", N_("expected one argument")),
    ("expected at most one argument", N_("expected at most one argument")),
    ("expected at least one argument", N_("expected at least one argument")),
    ("not allowed with argument %(name)s", N_("not allowed with argument {name}")),
    ("ambiguous option: %(option)s could match %(matches)s", N_("ambiguous option: {option} could match {matches}")),
    ("ignored explicit argument %(value)r", N_("ignored explicit argument {value}")),
    ("unexpected option string: %(name)s", N_("unexpected option string: {name}")),
    ("unknown parser %(parser_name)r (choices: %(choices)s)", N_("unknown command {parser_name} (choices: {choices})")),
)
_COUNTED = re.compile(r"expected (?P<n>\d+) arguments?")


def _pattern(template: str) -> re.Pattern[str]:
    pieces = re.split(r"%\((\w+)\)[sr]", template)  # literal, field name, literal, ...
    pattern = "".join(re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>.+?)" for i, piece in enumerate(pieces))
    return re.compile(pattern, re.DOTALL)


_compiled: list[tuple[re.Pattern[str], str]] = []


def translate_argparse(message: str) -> str:
    """One of argparse's error messages in the interface's language (the fields as argparse filled them)."""
    if not _compiled:
        for template, ours in _ARGPARSE_MESSAGES:
            _compiled.append((_pattern(template), ours))
    for pattern, ours in _compiled:
        found = pattern.fullmatch(message)
        if found:
            fields = dict(found.groupdict())
            if "message" in fields:  # "argument --size: <argparse's own reason>"
                fields["message"] = translate_argparse(fields["message"])
            return _(ours).format(**fields)
    counted = _COUNTED.fullmatch(message)
    if counted:
        n = int(counted.group("n"))
        return ngettext("expected {n} argument", "expected {n} arguments", n).format(n=n)
    return message


class HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, measured in terminal cells: a Japanese word is two cells a glyph and a Japanese sentence
    has no spaces to break at. The usage prefix and the metavars stand in as placeholders of their width while
    argparse lays the text out, and are put back in the finished text."""

    def __init__(self, prog: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(prog, *args, **kwargs)
        self._stand_ins: dict[str, str] = {}

    def _stand_in(self, text: str) -> str:
        if text.isascii():
            return text
        width = cells(text)
        if width == len(text):
            return text
        token = chr(0xE000 + len(self._stand_ins)) * width  # private-use glyphs: never in our own text
        self._stand_ins[token] = text
        return token

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, self._stand_in(_("usage: ") if prefix is None else prefix))

    def _metavar_formatter(self, action: argparse.Action, default_metavar: str) -> Callable[[int], tuple[str, ...]]:
        formatter = super()._metavar_formatter(action, default_metavar)
        return lambda size: tuple(self._stand_in(m) for m in formatter(size))

    def format_help(self) -> str:
        text = super().format_help()
        for token, original in self._stand_ins.items():
            text = text.replace(token, original)
        return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_cells(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap_cells(text, width - len(indent)))


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The one of `choices` that `word` was most likely meant to be: the only one it starts, else the nearest by
    difflib (option names compared without their dashes, which every one shares); None when none is close."""
    starting = [c for c in choices if c.startswith(word)]
    if len(starting) == 1:
        return starting[0]
    bare = {c.lstrip("-"): c for c in choices}
    near = difflib.get_close_matches(word.lstrip("-"), list(bare), n=1, cutoff=0.6)
    return bare[near[0]] if near else None


def unknown_command(word: str, commands: Sequence[str]) -> str:
    """What a mistyped command or sub-command (`generat`, `profiles ad`) is told."""
    meant = closest(word, commands)
    if meant is not None:
        return _("unknown command '{name}'; did you mean '{suggestion}'?").format(name=word, suggestion=meant)
    return _("unknown command '{name}'; the commands are: {commands}").format(name=word, commands=", ".join(commands))


def unknown_option(word: str, options: Sequence[str]) -> str:
    """What a mistyped option (`--mdoel`) is told."""
    meant = closest(word, options)
    if meant is not None:
        return _("unknown option '{name}'; did you mean '{suggestion}'?").format(name=word, suggestion=meant)
    return _("unknown option '{name}'; the options are: {options}").format(name=word, options=", ".join(options))


class _Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """argparse's sub-commands, each parser told the parser it is a command of (to say where a global option
    written after the command belongs)."""

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        parser = super().add_parser(name, **kwargs)
        parser.outer = getattr(self, "outer", None)
        return parser


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose every word is ours: its sections are titled in the interface's language, -h is
    our own, and a usage error is said in the interface's language (still exit code 2, as argparse does)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.outer: argparse.ArgumentParser | None = None  # the parser this one is a command of
        self._given: list[str] = []
        self.register("action", "parsers", _Commands)
        # argparse's own two groups keep their titles in its words; ours hold every argument instead (an empty
        # group is not shown).
        self.positional_group = self.add_argument_group(_("positional arguments"))
        self.option_group = self.add_argument_group(_("options"))
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help=_("show this help and exit"))

    def add_argument(self, *names: Any, **kwargs: Any) -> argparse.Action:  # type: ignore[override]
        optional = bool(names) and isinstance(names[0], str) and names[0][:1] in self.prefix_chars
        group = self.option_group if optional else self.positional_group
        return group.add_argument(*names, **kwargs)

    def add_mutually_exclusive_group(self, **kwargs: Any) -> Any:
        return self.option_group.add_mutually_exclusive_group(**kwargs)

    def add_subparsers(self, **kwargs: Any) -> Any:
        # Titled, so that argparse puts the commands in a group of ours rather than its own "positional arguments".
        kwargs.setdefault("title", _("positional arguments"))
        kwargs.setdefault("parser_class", ArgumentParser)
        commands: Any = super().add_subparsers(**kwargs)
        commands.outer = self
        return commands

    # --- "did you mean": argparse (3.11) says only "invalid choice" or "unrecognized arguments" -------------------
    def parse_known_args(self, args: Any = None, namespace: Any = None) -> tuple[Any, list[str]]:
        self._given = list(sys.argv[1:] if args is None else args)
        parsed, extras = super().parse_known_args(args, namespace)
        # A command's parser sees its own arguments (argparse hands each command the rest of the line), so an option
        # left over here is one this parser does not know: said now, in the terms of this command.
        for arg in extras:
            if arg == "--":
                break
            if self._unknown_option(arg):
                self.error(self._about_option(arg))
        return parsed, extras

    def _about_option(self, arg: str) -> str:
        name = arg.split("=", 1)[0]
        return self._misplaced(name) or unknown_option(name, self._option_names())

    def _misplaced(self, name: str) -> str | None:
        """`sora-tui generate … --profile work`: an option of sora-tui itself (or of the group a command is in)
        written after the command, where argparse does not look for it."""
        outer = self.outer
        while outer is not None:
            if name in outer._option_string_actions:
                command = self.prog.removeprefix(outer.prog).strip()
                return _("'{name}' is an option of {prog}, not of {command}: write it before the command, as in "
                         "{prog} {name} … {command} …").format(name=name, prog=outer.prog, command=command)
            outer = getattr(outer, "outer", None)
        return None

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if isinstance(action, argparse._SubParsersAction) and action.choices is not None and value not in action.choices:
            # `--profiel work jobs`: argparse set the unknown option aside and took its value for the command; the
            # option is what was mistyped.
            given = self._given
            for arg in given[:given.index(value)] if value in given else []:
                if arg == "--":
                    break
                if self._unknown_option(arg):
                    raise argparse.ArgumentError(None, self._about_option(arg))
            raise argparse.ArgumentError(None, unknown_command(value, list(action.choices)))
        super()._check_value(action, value)

    def _unknown_option(self, arg: str) -> bool:
        """Whether `arg` looks like an option this parser does not have (not a value: a negative number, a prompt
        that starts with a dash and holds a space)."""
        found: Any = self._parse_optional(arg) if arg[:1] in self.prefix_chars and len(arg) > 1 else None
        if isinstance(found, list):  # newer Pythons answer with every (action, ...) the string could be
            found = found[0] if len(found) == 1 else None
        return found is not None and found[0] is None and not self._negative_number_matcher.match(arg)

    def _option_names(self) -> list[str]:
        return [name for action in self._actions for name in action.option_strings]

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        text = _("{prog}: error: {message}").format(prog=self.prog, message=translate_argparse(message))
        self.exit(EXIT_USAGE, text + "\n")
