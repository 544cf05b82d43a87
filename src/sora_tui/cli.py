"""The `sora-tui` command: the TUI by default, and the headless commands the README lists (their exit codes too).

Everything it says to a person is in the interface's language, argparse's own words too: the usage prefix, the
section titles, -h's help and the parse errors go through our catalog here (argparse would ask the standard
library's gettext, which knows neither our catalog nor our choice of language). `--json` makes the whole process
speak English, so a message a program reads never changes with the user's locale."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .core import i18n
from .core.i18n import N_, _, ngettext, pgettext
from .core.text import json_for_terminal, strip_control

PROG = "sora-tui"
# Exit codes (the contract): 0 ok, 1 a job failed, 2 bad usage or bad input, 3 server unreachable or auth failure.
EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_SERVER = 0, 1, 2, 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- the language ------------------------------------------------------------------------------------------
def choose_language(argv: Sequence[str]) -> str:
    """English for --json (what a program reads stays the same whatever LANG says); otherwise SORA_TUI_LANG, the
    language saved in the TUI, then the locale, as the TUI chooses it."""
    if wants_json(argv):
        return i18n.set_language("en")
    saved = None if i18n.forced() else _saved_language()
    return i18n.set_language(i18n.detect(saved=saved))


def wants_json(argv: Sequence[str]) -> bool:
    """--json among the options (argparse also takes an unambiguous prefix such as --js); not after `--`, where
    it would be a prompt."""
    for arg in argv:
        if arg == "--":
            return False
        if len(arg) > 2 and "--json".startswith(arg):
            return True
    return False


def _saved_language() -> str | None:
    from .tui.preferences import load  # the TUI's own small file: no Textual behind it

    value = load().get("language")
    return value if isinstance(value, str) else None


# --- argparse in our words ---------------------------------------------------------------------------------
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
        width = _cells(text)
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


def _cells(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # only for text that is not ASCII: English help does without it

    return cell_len(text)


# What may break: at a space, or between two glyphs of a script written without spaces; never before closing
# punctuation (、。）」), a small kana or the long-vowel mark, nor after an opening bracket: Japanese keeps those
# with their neighbour.
_ATOM = re.compile(r"\s+|[「『（]*(?:[\x21-\x7e]+|[^\x00-\x7f\s])"
                   r"[、。，．）」』!?)\]\.,:;ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々・]*|\S")


def wrap_cells(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells (a word longer than that stays whole on a line of its own)."""
    text = re.sub(r"\s+", " ", text).strip()
    lines: list[str] = []
    line, used = "", 0
    for atom in _ATOM.findall(text):
        if atom == " ":
            if line:
                line, used = line + " ", used + 1
            continue
        size = _cells(atom)
        if line and used + size > width:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + atom, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose every word is ours: its sections are titled in the interface's language, -h is
    our own, and a usage error is said in the interface's language (still exit code 2, as argparse does)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
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
        self.commands = super().add_subparsers(**kwargs)  # its `choices`: each command's parser, by name
        return self.commands

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        text = _("{prog}: error: {message}").format(prog=self.prog, message=translate_argparse(message))
        self.exit(EXIT_USAGE, text + "\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line. Its words are in the language chosen when it is built (choose_language first)."""
    p = ArgumentParser(
        prog=PROG,
        description=_("Terminal workbench for /v1/videos (Sora 2 protocol) servers. With no command, opens the "
                      "TUI."),
        epilog=_("Exit codes: 0 ok, 1 a job failed, 2 bad usage or input, 3 server unreachable or auth failure."),
    )
    p.add_argument("--version", action="version", version=f"sora-tui {__version__}",
                   help=_("show the version and exit"))
    p.add_argument("--profile", metavar=_("NAME"), help=_("profile from the config file (default: local engine)"))
    p.add_argument("--base-url", metavar="URL", help=_("talk to this /v1 server (key from OPENAI_API_KEY)"))
    sub = p.add_subparsers(dest="command", metavar=_("COMMAND"))

    e = sub.add_parser("engine", help=_("run the built-in local /v1/videos engine in the foreground"))
    e.add_argument("--host", default="127.0.0.1", metavar=_("HOST"),
                   help=_("the address to listen on (default: 127.0.0.1)"))
    e.add_argument("--port", type=int, default=8089, metavar=_("PORT"),
                   help=_("the port to listen on; 0 picks a free one (default: 8089)"))
    e.add_argument("--speed", choices=["instant", "fast", "realistic"], default="fast",
                   help=_("how long a render takes (default: fast)"))
    e.add_argument("--faults", default="", metavar=_("SPEC"),
                   help=_("failures to inject, e.g. 429:0.2,500:0.1,reset:0.05,slow:0.1,truncate:0.05"))
    e.add_argument("--seed", type=int, default=0, metavar="N", help=_("the seed of the injected failures"))
    e.add_argument("--state-dir", type=Path, default=None, metavar=_("DIR"),
                   help=_("where the engine keeps videos (default: in the data dir)"))
    e.add_argument("--api-key-env", metavar=_("NAME"), default=None,
                   help=_("accept only the key in this environment variable (default: any non-empty key)"))
    from .engine.modes import parse_modes  # light: loads no server code

    e.add_argument("--mode", type=parse_modes, default=frozenset(), metavar=_("LIST"),
                   help=_("answer like another kind of server, e.g. processing,uuid-ids or litellm-like "
                          "(python -m sora_tui.engine --help lists them); default strict"))

    g = sub.add_parser("generate", help=_("create a video (or N variations)"))
    g.add_argument("prompt", metavar=_("PROMPT"), help=_("what the video shows"))
    g.add_argument("--model", metavar=_("MODEL"), help=_("the model (default: the profile's)"))
    g.add_argument("--size", metavar=_("WxH"), help=_("width x height, e.g. 1280x720 (default: 720x1280)"))
    g.add_argument("--seconds", metavar=_("SECONDS"), help=_("length in seconds, e.g. 4, 8 or 12 (default: 4)"))
    g.add_argument("--image", metavar=_("PATH"), help=_("reference image (first frame): path, URL or data URL"))
    g.add_argument("--fit", choices=["crop", "pad", "scale"],
                   help=_("make a reference image of another size fit: crop to fill, pad (letterbox) or scale "
                          "(stretch)"))
    g.add_argument("--character", action="append", default=[], metavar=_("ID_OR_NAME"),
                   help=_("a cameo character (from `characters list`) to use; its name must appear in the prompt"))
    g.add_argument("--variations", type=int, default=1, metavar="N", help=_("make N videos at once (1-8)"))
    g.add_argument("--wait", action="store_true", help=_("wait until the jobs finish"))
    g.add_argument("--download", action="store_true", help=_("download when finished (implies --wait)"))
    g.add_argument("--assets", default="video", metavar=_("LIST"),
                   help=_("with --download: comma list of video,thumbnail,spritesheet (default video)"))
    g.add_argument("--out", type=Path, metavar=_("DIR"), help=_("with --download: save in DIR"))
    g.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    j = sub.add_parser("jobs", help=_("list the history"))
    j.add_argument("--status", metavar=_("STATUS"),
                   help=_("only jobs in this status, e.g. completed, failed, in_progress"))
    j.add_argument("--search", metavar=_("TEXT"), help=_("only prompts/tags/notes containing TEXT"))
    j.add_argument("--limit", type=int, default=None, metavar="N", help=_("at most N jobs, newest first"))
    j.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    s = sub.add_parser("show", help=_("one job in detail"))
    s.add_argument("id", metavar="ID", help=_("the job's id (its start is enough)"))
    s.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    d = sub.add_parser("download", help=_("download a finished job's video, thumbnail or spritesheet"))
    d.add_argument("id", metavar="ID", help=_("the job's id (its start is enough)"))
    d.add_argument("--variant", choices=["video", "thumbnail", "spritesheet"], default="video",
                   help=_("a picture the server cannot give is made from the video (default: video)"))
    d.add_argument("--out", type=Path, metavar=_("DIR"),
                   help=_("save it in DIR (already on disk elsewhere: a copy in DIR, never over a file there)"))
    d.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    for name, helptext in (("remix", _("remix a completed video with a new prompt")),
                           ("edit", _("edit a completed video with a new prompt")),
                           ("extend", _("extend a completed video (stitched)"))):
        r = sub.add_parser(name, help=helptext)
        r.add_argument("id", metavar="ID", help=_("the job's id (its start is enough)"))
        r.add_argument("prompt", metavar=_("PROMPT"), help=_("the new prompt"))
        if name == "extend":
            r.add_argument("--seconds", default="4", metavar=_("SECONDS"),
                           help=_("seconds to add: 4, 8, 12, 16 or 20"))
        r.add_argument("--wait", action="store_true", help=_("wait until the jobs finish"))
        r.add_argument("--download", action="store_true", help=_("download when finished (implies --wait)"))
        r.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    rt = sub.add_parser("retry", help=_("run a job again with the same parameters"))
    rt.add_argument("id", metavar="ID", help=_("the job's id (its start is enough)"))
    rt.add_argument("--wait", action="store_true", help=_("wait until the jobs finish"))
    rt.add_argument("--download", action="store_true", help=_("download when finished (implies --wait)"))
    rt.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    dl = sub.add_parser("delete", help=_("delete a video on the server (the history keeps the record)"))
    dl.add_argument("id", metavar="ID", help=_("the job's id (its start is enough)"))
    dl.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    dl.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    rs = sub.add_parser("resume", help=_("reconcile and finish jobs left running by an earlier session"))
    rs.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    x = sub.add_parser("export", help=_("export the history"))
    x.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help=_("the file format (default: jsonl)"))
    x.add_argument("--out", type=Path, metavar=_("FILE"), help=_("write to FILE (default: standard output)"))

    sp = sub.add_parser("spend", help=_("what was spent today, this month and by profile and model, and the budgets "
                                        "left (from the history; no server)"))
    sp.add_argument("--since", metavar=_("DATE"),
                    help=_("also count from this day on (YYYY-MM-DD, from local midnight), and break down by profile "
                           "and model since then (default: this month)"))
    sp.add_argument("--profile", dest="spend_profile", metavar=_("NAME"), help=_("only this profile's jobs"))
    sp.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))

    from . import cli_server, cli_spend

    cli_server.add_commands(sub)
    changes = sub.choices["profiles"].commands.choices
    for action in ("add", "edit"):  # a profile's budgets are set where its other settings are
        cli_spend.add_budget_options(changes[action])
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    choose_language(argv)
    args = build_parser().parse_args(argv)
    if getattr(args, "json", False):  # an option argparse took that the first look did not see as --json
        i18n.set_language("en")
    from .crash import crash_guard

    with crash_guard() as guard:
        code = _dispatch(args)
    return guard.exit_code if guard.crashed else code


def _dispatch(args: argparse.Namespace) -> int:
    from .backend.errors import BackendError
    from .config import ConfigError
    from .core.files import TemplateError
    from .core.params import InvalidParams
    from .service.jobs import ServiceError
    from .session import SessionError
    from .store.history import HistoryError

    try:
        if args.command is None:
            from .tui.app import run_tui

            return run_tui(profile=args.profile, base_url=args.base_url)
        if args.command == "engine":
            return _engine(args)
        import asyncio  # here, not at the top: `sora-tui --help` starts without it

        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        _err(_("interrupted; jobs keep running on the server — `sora-tui resume` picks them up."))
        return 130
    except BrokenPipeError:
        # The reader went away (`sora-tui jobs | head -1`): it has what it wanted; end quietly, as Unix tools do.
        _silence_stdout()
        return EXIT_OK
    except HistoryError as exc:  # the history cannot be used as asked (newer, a directory, a full disk)
        _err(str(exc))
        return EXIT_USAGE
    except (InvalidParams, ServiceError, TemplateError) as exc:
        _err(getattr(exc, "message", str(exc)))
        return EXIT_USAGE
    except ConfigError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except LookupError as exc:  # JobNotFound / AmbiguousJob from the store
        _err(str(exc.args[0]) if exc.args else str(exc))
        return EXIT_USAGE
    except SessionError as exc:
        _err(exc.message)
        return exc.exit_code
    except CliError as exc:
        _err(exc.message)
        return exc.code
    except BackendError as exc:
        _err(exc.user_message())
        return EXIT_SERVER if exc.kind in ("auth", "unreachable", "timeout") else (EXIT_USAGE if exc.kind == "bad_request" else EXIT_JOB_FAILED)


def yes(answer: str) -> bool:
    """A [y/N] question's answer: y or yes, or the interface language's own word for it."""
    word = answer.strip().lower()
    return word in ("y", "yes") or (bool(word) and word in _("y,yes").lower().split(","))


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _err(message: str) -> None:
    from .core.text import strip_control

    print(f"{PROG}: {strip_control(message)}", file=sys.stderr)  # the command's name, as Unix tools say theirs


def _engine(args: argparse.Namespace) -> int:
    from .config import Paths
    from .engine import EngineConfig, serve

    state_dir = args.state_dir
    if state_dir is None:
        paths = Paths.from_env()
        paths.ensure()
        state_dir = paths.engine_dir / "foreground"
    from .engine.faults import FaultSpecError
    from .engine.launcher import EngineStartError

    def listening(base_url: str) -> None:
        print(_("sora-tui local engine (procedural renders, not AI) on {url} — any bearer key works. Ctrl+C stops "
                "it.").format(url=base_url), file=sys.stderr, flush=True)

    if not 0 <= args.port <= 65535:
        raise CliError(_("--port takes a number from 0 to 65535 (0 picks a free one)."))
    required = None
    if args.api_key_env:
        required = os.environ.get(args.api_key_env, "").strip()
        if not required:
            raise CliError(_("--api-key-env: the environment variable {name} is not set or empty.").format(
                name=args.api_key_env))
    config = EngineConfig(host=args.host, port=args.port, speed=args.speed, faults=args.faults, seed=args.seed,
                          state_dir=state_dir, api_key=required, modes=args.mode)
    try:
        serve(config, on_listening=listening)
    except KeyboardInterrupt:  # Ctrl+C is how the foreground engine is meant to stop
        print(_("sora-tui local engine stopped."), file=sys.stderr)
    except FaultSpecError as exc:
        raise CliError(f"--faults: {exc}") from None
    except EngineStartError as exc:
        raise CliError(_("{reason}. Pick another --port (0 picks a free one).").format(reason=exc)) from None
    return EXIT_OK


async def _run(args: argparse.Namespace) -> int:
    from .session import prepare

    if args.command == "export":
        return _export(args)
    if args.command in ("jobs", "show"):
        return _history(args)
    from . import cli_server, cli_spend

    if args.command == "spend":
        return cli_spend.run(args, _toolbox())
    if args.command in cli_server.COMMANDS and not cli_server.needs_server(args):
        if cli_spend.changes_budget(args):
            return await cli_spend.change_budgets(args, _toolbox(), lambda: cli_server.run(None, args, _toolbox()))
        return await cli_server.run(None, args, _toolbox())
    # Each handler checks its input against the profile and the history first, then connects.
    session = prepare(args.profile, args.base_url)
    if session.store.recovery_note:
        _err(session.store.recovery_note)
    try:
        if args.command in cli_server.COMMANDS:
            await session.connect()
            return await cli_server.run_connected(session, args, _toolbox())
        handler = {
            "generate": _generate, "download": _download, "remix": _derived, "edit": _derived, "extend": _derived,
            "retry": _retry, "delete": _delete, "resume": _resume,
        }[args.command]
        return await handler(session, args)
    finally:
        await session.aclose()


def _toolbox() -> Any:
    """What cli_server's commands print and raise with (one set of output rules for every command)."""
    from types import SimpleNamespace

    from .core.text import strip_control

    return SimpleNamespace(print_json=_print_json, err=_err, CliError=CliError, job_json=job_json, safe=strip_control,
                           yes=yes, EXIT_OK=EXIT_OK, EXIT_USAGE=EXIT_USAGE, EXIT_JOB_FAILED=EXIT_JOB_FAILED, EXIT_SERVER=EXIT_SERVER)


# --- output ----------------------------------------------------------------------------------------
def job_json(job: Any) -> dict[str, Any]:
    doc = job.to_doc()
    doc["id"] = job.video_id
    if doc.get("error"):
        doc["error"].pop("said", None)  # --json is English whatever language the reason was said in
    return doc


def _print_json(obj: Any) -> None:
    # Safe on a terminal and the same data for a parser: the export's JSON lines are written the same way.
    sys.stdout.write(json_for_terminal(json.dumps(obj, ensure_ascii=False)) + "\n")


def _print_jobs(jobs: list[Any], as_json: bool) -> None:
    from .cli_format import job_line, jobs_header, terminal_width
    from .core.status import JobStatus, label

    for job in jobs:  # why a job failed goes to stderr, whatever stdout carries
        if job.status in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED, JobStatus.UNCERTAIN) and job.error:
            _err(_("{id} {status}: {reason}").format(id=job.short_id, status=label(job.status),
                                                     reason=job.error.shown))
    if as_json:
        if len(jobs) == 1:
            _print_json(job_json(jobs[0]))
        else:
            for job in jobs:
                _print_json(job_json(job))
        return
    width = terminal_width()
    if width is not None and jobs:
        print(jobs_header(width))
    for job in jobs:
        print(job_line(job, width))


def _exit_for(jobs: list[Any]) -> int:
    from .core.status import JobStatus

    bad = {JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED, JobStatus.UNCERTAIN}
    return EXIT_JOB_FAILED if any(j.status in bad or _missing_downloads(j) for j in jobs) else EXIT_OK


def _missing_downloads(job: Any) -> list[str]:
    """Assets asked for with --download that are not on disk (the download failed)."""
    from .core.status import JobStatus

    if job.status not in (JobStatus.COMPLETED, JobStatus.DOWNLOADED):
        return []
    return [v for v in job.auto_download if job.file(v) is None]


def _assets(text: str) -> list[str]:
    items = [a.strip() for a in text.split(",") if a.strip()]
    bad = [a for a in items if a not in ("video", "thumbnail", "spritesheet")]
    if bad:
        raise CliError(_("--assets takes video, thumbnail and/or spritesheet, not {given}.").format(given=",".join(bad)))
    if not items:
        raise CliError(_("--assets needs at least one of video, thumbnail and spritesheet."))
    return items


def _asset_name(variant: str) -> str:
    """What a person calls a kind of file (the variant itself stays the word the commands take)."""
    names = {"video": pgettext("asset", "video"), "thumbnail": pgettext("asset", "thumbnail"),
             "spritesheet": pgettext("asset", "spritesheet")}
    return names.get(variant, variant)


@contextlib.contextmanager
def _notices(session: Any) -> Iterator[None]:
    """What the service says while a job is being sent (the server asked to wait ten minutes before another
    create...) reaches stderr: a command that pauses says why, terminal or not."""
    from .service.events import ServiceNotice

    unsubscribe = session.service.subscribe(lambda event: _err(event.message) if isinstance(event, ServiceNotice) else None)
    try:
        yield
    finally:
        unsubscribe()


async def _follow(session: Any, jobs: list[Any] | None, as_json: bool) -> list[Any]:
    """Wait for jobs, showing progress on a terminal's stderr (never on stdout, which may be JSON)."""
    from .cli_format import ProgressPrinter
    from .service.events import DownloadFailed

    printer = ProgressPrinter(sys.stderr, enabled=sys.stderr.isatty() and not os.environ.get("SORA_TUI_NO_PROGRESS"))
    failures: dict[tuple[str, str], str] = {}

    def on_event(event: Any) -> None:
        printer.on_event(event)
        if isinstance(event, DownloadFailed):
            failures[(event.job.local_id, event.variant)] = event.message

    unsubscribe = session.service.subscribe(on_event)
    try:
        printer.start(jobs or [])
        done = await (session.service.wait(jobs, max_failures=8) if jobs is not None else session.service.resume(max_failures=8))
    finally:
        unsubscribe()
        printer.finish()
    for job in done:
        for variant in _missing_downloads(job):
            ref = job.short_id
            again = (f"sora-tui download {ref}" + ("" if variant == "video" else f" --variant {variant}")
                     + f" --out {_('DIR')}")
            reason = failures.get((job.local_id, variant), _("it did not finish."))
            _err(_("could not save the {asset} of {id}: {reason} The video is still on the server; fetch it with: "
                   "{command}").format(asset=_asset_name(variant), id=ref, reason=reason, command=again))
    return done


async def _generate(session: Any, args: argparse.Namespace) -> int:
    from .core.params import GenerationParams, validate_params

    profile = session.profile
    model = args.model or profile.default_model
    spec = profile.models.get(model)
    params = GenerationParams(
        prompt=args.prompt,
        model=model,
        size=args.size or ("720x1280" if spec is None or "720x1280" in spec.sizes else spec.sizes[0]),
        seconds=args.seconds or ("4" if spec is None or "4" in spec.seconds else spec.seconds[0]),
        image=args.image,
    )
    validate_params(params, profile.models, listed_only=profile.models_listed)
    if not 1 <= args.variations <= 8:
        raise CliError(_("Variations must be between 1 and 8."))
    if args.fit and not args.image:
        raise CliError(_("--fit needs --image."))
    characters = _characters(session, args.character, args.prompt)
    if args.image and not args.fit:
        from .service.reference import ImageSizeMismatch, check_reference_image

        try:
            check_reference_image(args.image, params.size)
        except ImageSizeMismatch as exc:
            raise CliError(_("{reason} Or let sora-tui make it fit: --fit crop (fill the frame, cutting the edges), "
                             "--fit pad (letterbox) or --fit scale (stretch).").format(reason=exc.message)) from None
    if args.fit:
        from .service.reference import fit_reference_image

        fitted = fit_reference_image(args.image, params.size, args.fit, session.paths.home / "references")
        _err(_("fitted {image} to {size} ({fit}): {path}").format(image=args.image, size=params.size, fit=args.fit,
                                                                  path=fitted))
        params = GenerationParams(params.prompt, params.model, params.size, params.seconds, str(fitted))
    auto = _assets(args.assets) if args.download else []
    await session.connect()
    with _notices(session):
        jobs = await session.service.generate(params, variations=args.variations, auto_download=auto,
                                              download_dir=args.out, character_ids=characters)
    if args.wait or args.download:
        jobs = await _follow(session, jobs, args.json)
    _print_jobs(jobs, args.json)
    return _exit_for(jobs)


def _characters(session: Any, refs: list[str], prompt: str) -> list[str]:
    """--character values: ids, or names from the local character list; the name must be in the prompt."""
    from .store.characters import CharacterBook

    book = CharacterBook(session.paths.home / "characters.json")
    ids = []
    for ref in refs:
        found = book.find(ref)
        if found is None and not ref.startswith("char"):
            raise CliError(_("--character {ref}: no such character here; `sora-tui characters list` shows "
                             "them.").format(ref=repr(ref)))
        if found is not None and found.name not in prompt:
            raise CliError(_("--character {ref}: write its name {name} in the prompt, exactly as it is; that is how "
                             "the server knows where the character appears.").format(ref=repr(ref),
                                                                                      name=repr(found.name)))
        ids.append(found.id if found else ref)
    if len(ids) > 2:
        raise CliError(_("At most 2 characters per video."))
    return ids


async def _derived(session: Any, args: argparse.Namespace) -> int:
    from .core.params import validate_prompt

    job = session.store.resolve(args.id)
    validate_prompt(args.prompt)
    auto = ["video"] if args.download else []
    service = (await session.connect()).service
    with _notices(session):
        if args.command == "remix":
            new = await service.remix(job, args.prompt, auto_download=auto)
        elif args.command == "edit":
            new = await service.edit(job, args.prompt, auto_download=auto)
        else:
            new = await service.extend(job, args.prompt, args.seconds, auto_download=auto)
    jobs = [new]
    if args.wait or args.download:
        jobs = await _follow(session, jobs, args.json)
    _print_jobs(jobs, args.json)
    return _exit_for(jobs)


async def _retry(session: Any, args: argparse.Namespace) -> int:
    job = session.store.resolve(args.id)
    await session.connect()
    with _notices(session):
        new = await session.service.retry(job, auto_download=["video"] if args.download else [])
    jobs = [new]
    if args.wait or args.download:
        jobs = await _follow(session, jobs, args.json)
    _print_jobs(jobs, args.json)
    return _exit_for(jobs)


async def _download(session: Any, args: argparse.Namespace) -> int:
    job = session.store.resolve(args.id)
    await session.connect()
    with _notices(session):  # a name already taken, a picture made from the video: said on stderr
        record = await session.service.download(job, args.variant, args.out)
    path, copied_from = record.path, None
    if args.out is not None and Path(record.path).parent.resolve() != args.out.resolve():
        path, copied_from = await _copy_out(record, args.out), record.path  # it was on disk elsewhere
    if args.json:
        _print_json({"id": job.video_id, "local_id": job.local_id, "variant": record.variant, "path": path,
                     "bytes": record.bytes, "sha256": record.sha256, "short_id": job.short_id,
                     "made_locally": record.made_locally, "copied_from": copied_from})
    else:
        print(path)
    return EXIT_OK


async def _copy_out(record: Any, out: Path) -> str:
    """`download --out DIR` for a file already downloaded elsewhere: a copy of it in DIR (a hard link where
    the filesystem allows), never over a file there, and said."""
    import asyncio

    from .backend.errors import BackendError
    from .service.files import copy_into

    asset = _asset_name(record.variant)
    try:
        placed, how = await asyncio.to_thread(copy_into, Path(record.path), out)
    except OSError as exc:
        raise CliError(_("the {asset} is already downloaded ({path}), but no copy could be put in {dir}: {reason}. "
                         "Choose a writable directory.").format(asset=asset, path=record.path, dir=out,
                                                                 reason=exc.strerror or exc)) from None
    except BackendError as exc:  # every name a copy could take there is taken
        raise CliError(_("the {asset} is already downloaded ({path}), but {reason}").format(
            asset=asset, path=record.path, reason=exc.user_message())) from None
    said = {
        "linked": _("the {asset} was already downloaded to {path}; linked it into {dir} as {name} (a hard link: the "
                    "same file, no extra space)."),
        "copied": _("the {asset} was already downloaded to {path}; copied it to {copy}."),
        "already there": _("the {asset} was already downloaded to {path}; {dir} already holds the same file as "
                           "{name}; nothing was written."),
    }[how]
    _err(said.format(asset=asset, path=record.path, dir=out, name=placed.name, copy=placed))
    return str(placed)


async def _delete(session: Any, args: argparse.Namespace) -> int:
    job = session.store.resolve(args.id)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(_("delete needs --yes when not run from a terminal (it cannot be undone)."))
        answer = input(_("Delete {id} ({video_id}) on the server? This cannot be undone. [y/N] ").format(
            id=job.short_id, video_id=strip_control(job.video_id)))
        if not yes(answer):
            _err(_("not deleted."))
            return EXIT_OK
    await session.connect()
    updated = await session.service.delete_remote(job)
    if args.json:
        _print_json({"id": updated.video_id, "deleted": True, "short_id": updated.short_id})
    else:
        print(_("deleted {id} ({video_id}) on the server (still in your history)").format(
            id=updated.short_id, video_id=strip_control(updated.video_id)))
    return EXIT_OK


async def _resume(session: Any, args: argparse.Namespace) -> int:
    await session.connect()
    jobs = await _follow(session, None, args.json)  # None: whatever an earlier session left
    _print_jobs(jobs, args.json) if jobs else (None if args.json else print(_("nothing to resume")))
    return _exit_for(jobs)


def _history(args: argparse.Namespace) -> int:
    from .config import Paths
    from .session import open_store

    store = open_store(Paths.from_env())
    try:
        if store.recovery_note:
            _err(store.recovery_note)
        if args.command == "show":
            job = store.resolve(args.id)
            if args.json:
                _print_json(job_json(job))
            else:
                from .cli_format import job_detail

                print(job_detail(job))
            return EXIT_OK
        from .cli_format import job_line, jobs_header, terminal_width

        # On a terminal the listing fits its width, under a header; a pipe gets every column and no header.
        width = None if args.json else terminal_width()
        # The matches' ids only, then their jobs a page at a time, each page printed and let go: decoding
        # every match at once held them all (`jobs --search` over 50,000 matches peaked at 218 MB, 80 MB for
        # one match).
        ids = store.search(status=args.status, text=args.search, limit=args.limit, decode=0).later
        if ids and width is not None:
            print(jobs_header(width))
        for at in range(0, len(ids), _PAGE):
            for job in store.get_many(ids[at:at + _PAGE]):
                if args.json:
                    _print_json(job_json(job))
                else:
                    print(job_line(job, width))
        if not ids and not args.json:
            _err(_("no jobs in the history yet — try: sora-tui generate \"a red kite over a windy beach\" --wait"))
        return EXIT_OK
    finally:
        store.close()


_PAGE = 500  # jobs decoded at a time when a command prints many


def _export(args: argparse.Namespace) -> int:
    from .config import Paths
    from .session import open_store

    store = open_store(Paths.from_env())
    try:
        lines = store.export(args.format)
        if args.out:
            tmp = args.out.with_name(args.out.name + ".tmp")
            try:
                with open(tmp, "w", encoding="utf-8", newline="") as fh:
                    fh.writelines(line if line.endswith("\n") else line + "\n" for line in lines)
                os.replace(tmp, args.out)
            except OSError as exc:
                tmp.unlink(missing_ok=True) if tmp.parent.is_dir() else None
                raise CliError(_("cannot write {path}: {reason}. Choose a path in an existing, writable "
                                 "directory.").format(path=args.out, reason=exc.strerror or exc)) from None
            _err(_("exported to {path}").format(path=args.out))
        else:
            for line in lines:
                sys.stdout.write(line if line.endswith("\n") else line + "\n")
        return EXIT_OK
    finally:
        store.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
