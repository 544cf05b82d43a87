"""CLI commands about servers rather than jobs: profiles (list, check, add), the server's own videos (list,
import into the history) and cameo characters. Kept apart from cli.py, which handles the job commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .core.i18n import N_, _


def add_commands(sub: Any) -> None:
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
    pe = prs.add_parser("edit", help=_("change a profile of the config file (what is not given stays as it is)"))
    pe.add_argument("name", metavar=_("NAME"), help=_("the profile's name"))
    pe.add_argument("--base-url", dest="profile_url", metavar="URL", help=_("the server's /v1 URL"))
    key = pe.add_mutually_exclusive_group()
    key.add_argument("--key-env", metavar=_("NAME"), help=key_env)
    key.add_argument("--key-stdin", action="store_true", help=key_stdin)
    pe.add_argument("--model", metavar=_("MODEL"), help=_("default model (\"\" removes it: the server's first)"))
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


COMMANDS = ("profiles", "videos", "import", "characters")


async def run(session_or_none: Any, args: argparse.Namespace, out: Any) -> int:
    """`out` is cli's small output toolbox (print_json, err, CliError, exit codes)."""
    if args.command == "profiles":
        return await _profiles(args, out)
    if args.command == "characters" and args.characters_command in (None, "list"):
        return _characters_list(args, out)
    raise AssertionError(args.command)


async def run_connected(session: Any, args: argparse.Namespace, out: Any) -> int:
    if args.command == "videos":
        return await _videos(session, args, out)
    if args.command == "import":
        return await _import(session, args, out)
    if args.command == "characters":
        return await _characters(session, args, out)
    raise AssertionError(args.command)


def needs_server(args: argparse.Namespace) -> bool:
    if args.command == "profiles":
        return False
    if args.command == "characters":
        return args.characters_command in ("create", "show")
    return True


# --- profiles -------------------------------------------------------------------------------------------
async def _profiles(args: argparse.Namespace, out: Any) -> int:
    import asyncio

    from .backend.capabilities import check_profile
    from .config import ConfigError, Paths, custom_url, default_profile_name, load_profile, profile_names

    paths = Paths.from_env()
    if args.profiles_command in ("add", "edit", "delete"):
        return _change_profile(paths, args, out)
    override = custom_url(args.base_url)
    default = default_profile_name(paths)
    # the one a command given these options would use (load_profile's order)
    active = "custom" if args.base_url or (override and not args.profile) else args.profile or default
    rows: list[dict[str, Any]] = []
    for name in profile_names(paths, custom=bool(override)):
        try:
            profile = load_profile(paths, None, args.base_url) if name == "custom" and override else load_profile(paths, name)
        except ConfigError as exc:
            rows.append({"name": name, "error": str(exc)})
            continue
        row: dict[str, Any] = {
            "name": name, "default": name == default, "active": name == active,
            "server": profile.base_url or LOCAL_SERVER,
            "key_from": ("not needed" if profile.is_local else f"${profile.api_key_env}" if profile.api_key_env
                         else "config file" if profile.api_key else "missing"),
            "default_model": profile.default_model, "models": sorted(profile.models),
        }
        if name == "custom" and override:
            row["from"] = "--base-url" if args.base_url else "OPENAI_BASE_URL"
        if not args.no_check:
            base_url = None
            if profile.is_local:
                from .engine import EngineStartError, ensure_engine, running_engine

                try:
                    if name == active:  # the commands will use it: starting it now is no waste
                        base_url = await asyncio.to_thread(ensure_engine, paths.engine_dir, profile.engine_speed)
                    else:
                        base_url = await asyncio.to_thread(running_engine, paths.engine_dir)
                        if base_url is None:
                            row["check"] = {"problem": _("the local engine starts on demand (not started just "
                                                         "to check it)")}
                except (EngineStartError, OSError) as exc:  # an OS error while spawning it, too
                    row["check"] = {"problem": _("the local engine did not start: {reason}").format(reason=exc)}
            if "check" not in row:
                row["check"] = (await check_profile(profile, base_url=base_url)).to_dict()
        rows.append(row)
    if args.json:
        for row in rows:
            out.print_json(row)
        return out.EXIT_OK
    for row in rows:
        name = _pad(out.safe(row["name"]), 14)
        if "error" in row:
            print(f"  {name} {out.safe(row['error'])}")
            continue
        mark = "*" if row["active"] else " "
        server = _("local engine (on demand)") if row["server"] == LOCAL_SERVER else out.safe(row["server"])
        key = _(KEY_FROM[row["key_from"]]) if row["key_from"] in KEY_FROM else row["key_from"]
        fields = {"server": server, "key": key, "model": out.safe(row["default_model"]), "source": row.get("from")}
        said = (_("{server}  (key: {key}; model {model}; from {source})") if "from" in row
                else _("{server}  (key: {key}; model {model})"))
        print(f"{mark} {name} " + said.format(**fields))
        check = row.get("check")
        if check:
            from .backend.capabilities import CheckResult

            print(f"    {out.safe(CheckResult(**check).summary())}")
    out.err(_("* the profile in use: {name}").format(name=active) if active == default
            else _("* the profile in use: {name} (the default is {default})").format(name=active, default=default))
    return out.EXIT_OK


# What the profile listing says where a key comes from (the JSON keeps these English words).
KEY_FROM = {"not needed": N_("not needed"), "config file": N_("config file"), "missing": N_("missing")}
LOCAL_SERVER = "local engine (on demand)"


def _pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` terminal cells."""
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def _change_profile(paths: Any, args: argparse.Namespace, out: Any) -> int:
    from .config import add_profile, delete_profile, edit_profile

    secret = None
    if args.profiles_command != "delete" and args.key_stdin:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise out.CliError(_("--key-stdin: no key on standard input."), out.EXIT_USAGE)
    if args.profiles_command == "add":
        path = add_profile(paths, args.name, args.profile_url, api_key=secret, api_key_env=args.key_env,
                           default_model=args.model, make_default=args.default)
        out.err(_("added profile {name} to {path} (private: chmod 600)").format(name=args.name, path=path) if secret
                else _("added profile {name} to {path}").format(name=args.name, path=path))
        return out.EXIT_OK
    if args.profiles_command == "edit":
        path = edit_profile(paths, args.name, args.profile_url, api_key=secret, api_key_env=args.key_env,
                            default_model=args.model)
        out.err(_("changed profile {name} in {path} (private: chmod 600)").format(name=args.name, path=path))
        return out.EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise out.CliError(_("profiles delete needs --yes when not run from a terminal."), out.EXIT_USAGE)
        answer = input(_("Remove profile {name} from {path}? [y/N] ").format(name=args.name, path=paths.config_file))
        if not out.yes(answer):
            out.err(_("not removed."))
            return out.EXIT_OK
    path, was_default = delete_profile(paths, args.name)
    if was_default:
        out.err(_("removed profile {name} from {path}; it was the default, so the local engine is the default "
                  "again").format(name=args.name, path=path))
    else:
        out.err(_("removed profile {name} from {path}").format(name=args.name, path=path))
    return out.EXIT_OK


# --- the server's videos ----------------------------------------------------------------------------------
def _no_list(session: Any, exc: Any, out: Any, instead: str) -> Exception:
    """What it means that the server has no list: a limit of that server, neither bad usage nor a fault here."""
    if exc.status:
        said = _("the server of profile {name} does not offer a list of its videos (it answered HTTP {status}), so "
                 "sora-tui cannot see what it holds. Your own jobs are unaffected: each is tracked by itself. "
                 "{instead}")
    else:
        said = _("the server of profile {name} does not offer a list of its videos, so sora-tui cannot see what it "
                 "holds. Your own jobs are unaffected: each is tracked by itself. {instead}")
    return out.CliError(said.format(name=session.profile.name, status=exc.status, instead=instead),
                        out.EXIT_JOB_FAILED)


async def _videos(session: Any, args: argparse.Namespace, out: Any) -> int:
    from .backend.errors import BackendError

    try:
        remote = await session.service.list_remote(limit=args.limit)
    except BackendError as exc:
        if exc.kind != "unsupported":
            raise
        raise _no_list(session, exc, out, _("`sora-tui import ID` still adds a video whose id you know.")) from None
    import asyncio

    known = await asyncio.to_thread(session.store.video_ids)
    for info in remote:
        if args.json:
            out.print_json({"id": info.id, "status": info.status.value, "server_status": info.raw_status,
                            "progress": info.progress, "model": info.model, "size": info.size, "seconds": info.seconds,
                            "created_at": info.created_at, "in_history": info.id in known})
        else:
            mark = " " if info.id in known else "+"
            print(f"{mark} {out.safe(info.id)}  {out.safe(info.raw_status or info.status.value):<11} "
                  f"{out.safe(info.model or '?')}  {out.safe(info.size or '?')}  {out.safe(str(info.seconds or '?'))} s")
    if not args.json:
        missing = sum(1 for i in remote if i.id not in known)
        out.err(_("{total} on the server, {missing} not in the local history (+); `sora-tui import` adds "
                  "them.").format(total=len(remote), missing=missing))
    return out.EXIT_OK


async def _import(session: Any, args: argparse.Namespace, out: Any) -> int:
    from .backend.errors import BackendError
    from .core.status import label

    try:
        jobs = await session.service.import_remote(ids=args.ids or None, limit=args.limit)
    except BackendError as exc:
        if exc.kind != "unsupported" or args.ids:
            raise
        raise _no_list(session, exc, out, _("Name the videos to add instead: `sora-tui import ID …`.")) from None
    for job in jobs:
        if args.json:
            out.print_json(out.job_json(job))
        else:
            print(_("imported {id} {video_id} ({status})").format(id=job.short_id, video_id=out.safe(job.video_id),
                                                                   status=label(job.status)))
    if not args.json and not jobs:
        out.err(_("nothing to import: every video the server lists is already in the history."))
    return out.EXIT_OK


# --- characters ---------------------------------------------------------------------------------------------
def _characters_list(args: argparse.Namespace, out: Any) -> int:
    from .config import Paths
    from .store.characters import CharacterBook

    book = CharacterBook(Paths.from_env().home / "characters.json")
    entries = book.all()
    for c in entries:
        if args.json:
            out.print_json(c.to_dict())
        else:
            print(_("{id}  {name}  ({profile}, from {source})").format(
                id=out.safe(c.id), name=out.safe(c.name), profile=c.profile, source=out.safe(Path(c.source).name)))
    if not args.json and not entries:
        out.err(_("no characters yet; `sora-tui characters create NAME VIDEO --consent` makes one."))
    return out.EXIT_OK


CHARACTER_FIELDS = (("id", N_("id")), ("name", N_("name")), ("status", N_("status")),
                    ("created_at", N_("created")))


async def _characters(session: Any, args: argparse.Namespace, out: Any) -> int:
    if args.characters_command == "show":
        data = await session.service.get_character(args.id)
        if args.json:
            out.print_json(data)
        else:
            shown = [(_(title), out.safe(str(data[key]))) for key, title in CHARACTER_FIELDS if key in data]
            from rich.cells import cell_len

            width = max((cell_len(title) for title, _value in shown), default=0)
            for title, value in shown:
                print(" " * (width - cell_len(title)) + f"{title}  {value}")
        return out.EXIT_OK
    if not args.consent:
        if not sys.stdin.isatty():
            raise out.CliError(_("creating a character needs --consent: confirm that everyone whose face or voice is "
                                 "in the video agreed to this use."), out.EXIT_USAGE)
        answer = input(_("Does everyone whose face or voice is in {video} agree to it becoming a character? "
                         "[y/N] ").format(video=args.video))
        if not out.yes(answer):
            out.err(_("not created: consent was not confirmed."))
            return out.EXIT_USAGE
    character = await session.service.create_character(args.name, args.video, consent=True)
    if args.json:
        out.print_json(character.to_dict())
    else:
        print(_("created character {name}: {id} — write its name verbatim in a prompt (at most 2 per "
                "video).").format(name=out.safe(character.name), id=out.safe(character.id)))
    return out.EXIT_OK
