"""`profiles`: the profiles listed, each server checked (reachable, key, operations), and `profiles add`, `edit`
(with the budgets) and `delete` changing the config file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ...core.cost import money
from ...core.i18n import N_, _
from ...core.text import strip_control
from ..exits import EXIT_OK, EXIT_USAGE, CliError
from ..output import err, print_json, yes
from ..parser import REMOVE


async def run(args: argparse.Namespace) -> int:
    import asyncio

    from ...config import ConfigError, Paths, custom_url, default_profile_name, load_profile, profile_names
    from ...service.servers import check_profile

    paths = Paths.from_env()
    if args.profiles_command in ("add", "edit", "delete"):
        return _change_profile(paths, args)
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
                from ...session import SessionError, local_engine_url, running_local_engine

                try:
                    if name == active:  # the commands will use it: starting it now is no waste
                        base_url = await local_engine_url(paths, profile)
                    else:
                        base_url = await asyncio.to_thread(running_local_engine, paths)
                        if base_url is None:
                            row["check"] = {"problem": _("the local engine starts on demand (not started just "
                                                         "to check it)")}
                except SessionError as exc:  # it did not start, or an OS error while spawning it
                    row["check"] = {"problem": exc.message}
            if "check" not in row:
                row["check"] = (await check_profile(profile, base_url=base_url)).to_dict()
        rows.append(row)
    if args.json:
        for row in rows:
            print_json(row)
        return EXIT_OK
    for row in rows:
        name = _pad(strip_control(row["name"]), 14)
        if "error" in row:
            print(f"  {name} {strip_control(row['error'])}")
            continue
        mark = "*" if row["active"] else " "
        server = _("local engine (on demand)") if row["server"] == LOCAL_SERVER else strip_control(row["server"])
        key = _(KEY_FROM[row["key_from"]]) if row["key_from"] in KEY_FROM else row["key_from"]
        fields = {"server": server, "key": key, "model": strip_control(row["default_model"]),
                  "source": row.get("from")}
        said = (_("{server}  (key: {key}; model {model}; from {source})") if "from" in row
                else _("{server}  (key: {key}; model {model})"))
        print(f"{mark} {name} " + said.format(**fields))
        check = row.get("check")
        if check:
            from ...service.servers import CheckResult

            print(f"    {strip_control(CheckResult(**check).summary())}")
    err(_("* the profile in use: {name}").format(name=active) if active == default
        else _("* the profile in use: {name} (the default is {default})").format(name=active, default=default))
    return EXIT_OK


# What the profile listing says where a key comes from (the JSON keeps these English words).
KEY_FROM = {"not needed": N_("not needed"), "config file": N_("config file"), "missing": N_("missing")}
LOCAL_SERVER = "local engine (on demand)"


def _pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` terminal cells."""
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def _change_profile(paths: Any, args: argparse.Namespace) -> int:
    from ...config import add_profile, delete_profile, edit_profile

    secret = None
    if args.profiles_command != "delete" and args.key_stdin:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise CliError(_("--key-stdin: no key on standard input."), EXIT_USAGE)
    if args.profiles_command == "add":
        budgets = _budgets(args)
        path = add_profile(paths, args.name, args.profile_url, api_key=secret, api_key_env=args.key_env,
                           default_model=args.model, make_default=args.default, budgets=budgets)
        err(_("added profile {name} to {path} (private: chmod 600)").format(name=args.name, path=path) if secret
            else _("added profile {name} to {path}").format(name=args.name, path=path))
        _say_budgets(args.name, path, budgets)
        return EXIT_OK
    if args.profiles_command == "edit":
        budgets = _budgets(args)
        path = edit_profile(paths, args.name, args.profile_url, api_key=secret, api_key_env=args.key_env,
                            default_model=args.model, budgets=budgets)
        if not budgets or args.profile_url or args.key_env or args.key_stdin or args.model is not None:
            # its other settings were given too (or nothing at all): said as the budgets are
            err(_("changed profile {name} in {path} (private: chmod 600)").format(name=args.name, path=path))
        _say_budgets(args.name, path, budgets)
        return EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(_("profiles delete needs --yes when not run from a terminal."), EXIT_USAGE)
        answer = input(_("Remove profile {name} from {path}? [y/N] ").format(name=args.name, path=paths.config_file))
        if not yes(answer):
            err(_("not removed."))
            return EXIT_OK
    path, was_default = delete_profile(paths, args.name)
    if was_default:
        err(_("removed profile {name} from {path}; it was the default, so the local engine is the default "
              "again").format(name=args.name, path=path))
    else:
        err(_("removed profile {name} from {path}").format(name=args.name, path=path))
    return EXIT_OK


def _budgets(args: argparse.Namespace) -> dict[str, float | None]:
    """--budget-daily and --budget-monthly as given, for the config file: USD, or None to remove that limit."""
    return {key: (None if value == REMOVE else value)
            for key, value in (("budget_daily", args.budget_daily), ("budget_monthly", args.budget_monthly))
            if value is not None}


def _say_budgets(name: str, path: Any, budgets: dict[str, float | None]) -> None:
    """Each budget the command set or removed, said on stderr."""
    said = {
        ("budget_daily", True): _("set the daily budget of {name} to {amount} in {path}"),
        ("budget_monthly", True): _("set the monthly budget of {name} to {amount} in {path}"),
        ("budget_daily", False): _("removed the daily budget of {name} from {path}: no daily limit now"),
        ("budget_monthly", False): _("removed the monthly budget of {name} from {path}: no monthly limit now"),
    }
    for key, value in budgets.items():
        err(said[key, value is not None].format(name=name, path=path, amount=money(value) if value is not None else ""))
