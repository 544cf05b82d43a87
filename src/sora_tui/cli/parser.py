"""The command line: the global options and every command's arguments, with their help in the interface's
language (translated_argparse lays it out). Built when a command runs, after the language is chosen."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.i18n import _
from .output import PROG
from .translated_argparse import ArgumentParser


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
    _engine(sub)
    _job_commands(sub)
    _spend(sub)
    _board(sub)
    _server_commands(sub)
    return p


def _board(sub: Any) -> None:
    b = sub.add_parser("board", help=_("storyboards: a shot list in a TOML file, turned into one film"))
    bs = b.add_subparsers(dest="board_command", metavar=_("COMMAND"), required=True)
    show = bs.add_parser("show", help=_("check a board file and show its shots, timeline, film length and cost "
                                        "(nothing is sent)"))
    show.add_argument("file", type=Path, metavar=_("FILE.toml"), help=_("the board file"))
    show.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))
    asm = bs.add_parser("assemble", help=_("join the chosen takes (chosen = \"ID\" under each shot, downloaded) into "
                                           "one MP4, as the board's joins say, with a sidecar"))
    asm.add_argument("file", type=Path, metavar=_("FILE.toml"), help=_("the board file"))
    asm.add_argument("--out", type=Path, metavar=_("PATH"),
                     help=_("the film's file, or a folder for it (default: the board's title .mp4 here)"))
    asm.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))
    run = bs.add_parser("run", help=_("generate a board end to end: every shot's takes (a continue extends the take "
                                      "chosen before it), a take chosen for each, then the film"))
    run.add_argument("file", type=Path, metavar=_("FILE.toml"), help=_("the board file"))
    run.add_argument("--takes", type=int, metavar=_("N"),
                     help=_("takes of every shot that does not say its own (1-8; default: the board's takes)"))
    run.add_argument("--pick", choices=("first", "ask"), default="first",
                     help=_("which take of a shot goes on: the first the server made, or ask on the terminal "
                            "(default: first)"))
    run.add_argument("--out", type=Path, metavar=_("DIR"),
                     help=_("the folder for the takes and the film (default: the downloads folder, the film here)"))
    run.add_argument("--yes", action="store_true",
                     help=_("send on a priced profile without asking (what it costs is still said first)"))
    run.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))
    bs.add_parser("list", help=_("the boards kept in the history")).add_argument(
        "--json", action="store_true", help=_("print JSON (in English) instead of text"))
    exp = bs.add_parser("export", help=_("write a board kept in the history as a TOML file (its ids and chosen takes "
                                         "with it)"))
    exp.add_argument("board", metavar=_("BOARD"), help=_("the board's id (or its start) or its title"))
    exp.add_argument("--out", type=Path, metavar=_("FILE.toml"), help=_("the file to write (default: print it)"))


def _engine(sub: Any) -> None:
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
    from ..local_engine import parse_modes  # light: loads no server code

    e.add_argument("--mode", type=parse_modes, default=frozenset(), metavar=_("LIST"),
                   help=_("answer like another kind of server, e.g. processing,uuid-ids or litellm-like "
                          "(python -m sora_tui.engine --help lists them); default strict"))


def _job_commands(sub: Any) -> None:
    """generate, jobs, show, download, remix, edit, extend, retry, delete, resume and export."""
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
    j.add_argument("--kept", action="store_true",
                   help=_("only the takes kept with Keep (k in the TUI's compare view): one a group"))
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


def _spend(sub: Any) -> None:
    sp = sub.add_parser("spend", help=_("what was spent today, this month and by profile and model, and the budgets "
                                        "left (from the history; no server)"))
    sp.add_argument("--since", metavar=_("DATE"),
                    help=_("also count from this day on (YYYY-MM-DD, from local midnight), and break down by profile "
                           "and model since then (default: this month)"))
    sp.add_argument("--profile", dest="spend_profile", metavar=_("NAME"), help=_("only this profile's jobs"))
    sp.add_argument("--json", action="store_true", help=_("print JSON (in English) instead of text"))


def _server_commands(sub: Any) -> None:
    """profiles (with their budgets), videos, import and characters."""
    as_json = _("print JSON (in English) instead of text")
    key_env = _("the environment variable that holds the key")
    key_stdin = _("read the key from standard input (kept in the config file, chmod 600)")
    pr = sub.add_parser("profiles", help=_("list the profiles and check each server (reachable, key, operations)"))
    pr.add_argument("--no-check", action="store_true", help=_("only list; do not contact the servers"))
    pr.add_argument("--json", action="store_true", help=as_json)
    prs = pr.add_subparsers(dest="profiles_command", metavar=_("ACTION"))
    pa = prs.add_parser("add", help=_("add a profile to the config file (created private to you)"))
    pa.add_argument("name", metavar=_("NAME"), help=_("the profile's name"))
    pa.add_argument("--base-url", dest="profile_url", required=True, metavar="URL", help=_("the server's /v1 URL"))
    key = pa.add_mutually_exclusive_group(required=True)
    key.add_argument("--key-env", metavar=_("NAME"), help=key_env)
    key.add_argument("--key-stdin", action="store_true", help=key_stdin)
    pa.add_argument("--model", metavar=_("MODEL"), help=_("default model"))
    pa.add_argument("--default", action="store_true", help=_("make it the default profile"))
    _budget_options(pa)  # a profile's budgets are set where its other settings are
    pe = prs.add_parser("edit", help=_("change a profile of the config file (what is not given stays as it is)"))
    pe.add_argument("name", metavar=_("NAME"), help=_("the profile's name"))
    pe.add_argument("--base-url", dest="profile_url", metavar="URL", help=_("the server's /v1 URL"))
    key = pe.add_mutually_exclusive_group()
    key.add_argument("--key-env", metavar=_("NAME"), help=key_env)
    key.add_argument("--key-stdin", action="store_true", help=key_stdin)
    pe.add_argument("--model", metavar=_("MODEL"), help=_("default model (\"\" removes it: the server's first)"))
    _budget_options(pe)
    pd = prs.add_parser("delete", help=_("remove a profile from the config file"))
    pd.add_argument("name", metavar=_("NAME"), help=_("the profile's name"))
    pd.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))

    v = sub.add_parser("videos", help=_("the videos the server has, marking those not in the local history"))
    v.add_argument("--limit", type=int, default=100, metavar="N", help=_("at most N videos (default: 100)"))
    v.add_argument("--json", action="store_true", help=as_json)
    im = sub.add_parser("import", help=_("add videos that exist on the server but not in the local history"))
    im.add_argument("ids", nargs="*", metavar="ID", help=_("server video ids (default: every one not in the history)"))
    im.add_argument("--limit", type=int, default=100, metavar="N",
                    help=_("look at this many of the server's newest videos"))
    im.add_argument("--json", action="store_true", help=as_json)

    ch = sub.add_parser("characters",
                        help=_("cameo characters: create from a video you have the rights to, list, show"))
    chs = ch.add_subparsers(dest="characters_command", metavar=_("ACTION"))
    ch.set_defaults(json=False)  # `characters` alone lists them, as text
    cc = chs.add_parser("create", help=_("create a character from a short video (2-4 s works best)"))
    cc.add_argument("name", metavar=_("NAME"), help=_("the character's name (write it in a prompt to use it)"))
    cc.add_argument("video", type=Path, metavar=_("VIDEO"), help=_("the video file it is made from"))
    cc.add_argument("--consent", action="store_true",
                    help=_("confirm that everyone whose face or voice is in the video agreed to this use"))
    cc.add_argument("--json", action="store_true", help=as_json)
    cl = chs.add_parser("list", help=_("the characters created from here (kept locally with their ids)"))
    cl.add_argument("--json", action="store_true", help=as_json)
    cs = chs.add_parser("show", help=_("ask the server about one character"))
    cs.add_argument("id", metavar="ID", help=_("the character's id"))
    cs.add_argument("--json", action="store_true", help=as_json)


# --- profiles add / edit --budget-daily / --budget-monthly ---------------------------------------------
REMOVE = "none"  # --budget-daily none: no daily limit any more
MAX_BUDGET = 1e9  # what the config file accepts


def budget_amount(text: str) -> float | str:
    """An argparse type: an amount in USD of at least 0 ("12.50", "$12.50"), or "none" to remove the limit."""
    word = text.strip()
    if word.lower() == REMOVE:
        return REMOVE
    try:
        value = float(word.removeprefix("$").replace(",", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= MAX_BUDGET:
        raise argparse.ArgumentTypeError(
            _("expected an amount in USD from 0 to 1,000,000,000, such as 5 or 12.50, or none to remove the limit; "
              "not {value}").format(value=repr(text)))
    return value


def _budget_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--budget-daily", type=budget_amount, metavar="USD",
                        help=_("refuse a job that would take this profile's spending today past USD (none: no daily "
                               "limit)"))
    parser.add_argument("--budget-monthly", type=budget_amount, metavar="USD",
                        help=_("refuse a job that would take this profile's spending this month past USD (none: no "
                               "monthly limit)"))
