"""Writing the config file: a profile added, changed in place or removed, with the user's comments, other
settings and other profiles kept line for line, nothing written that the profiles' reader would refuse, and the
file rewritten private (0600)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..core.i18n import _
from .paths import Paths
from .profiles import BUDGET_KEYS, BUILT_IN, ConfigError, check_url, profile_from, read_config


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are all valid in a TOML basic string


def add_profile(
    paths: Paths,
    name: str,
    base_url: str,
    *,
    api_key: str | None = None,
    api_key_env: str | None = None,
    default_model: str | None = None,
    make_default: bool = False,
    budgets: Mapping[str, float | None] | None = None,
) -> Path:
    """Append [profiles.NAME] to the config file (created 0600 in a 0700 directory; the user's comments and
    other profiles are kept as they are). With a key in it, the file must stay private. `budgets`: as
    edit_profile takes them, written in the same write (None: that limit is not set). Nothing is written that
    load_profile would refuse."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", name or ""):
        raise ConfigError(_("Profile name {name}: use 1-40 letters, digits, '-' or '_'.").format(name=repr(name)),
                          "name")
    if name in BUILT_IN:
        raise ConfigError(_("{name} is a built-in profile; choose another name.").format(name=repr(name)), "name")
    _check_new_settings(name, base_url, api_key_env)
    _check_budgets(budgets or {})
    path = paths.config_file
    cfg = read_config(path)
    if name in (cfg.get("profiles") or {}):
        raise ConfigError(_("{path} already has a profile {name}; edit it there or choose another name.").format(
            path=path, name=repr(name)), "name")
    lines = ["", f"[profiles.{name}]", f"base_url = {_toml_string(base_url.rstrip('/'))}"]
    if api_key_env:
        lines.append(f"api_key_env = {_toml_string(api_key_env)}")
    elif api_key:
        lines.append(f"api_key = {_toml_string(api_key)}")
    if default_model:
        lines.append(f"default_model = {_toml_string(default_model)}")
    lines += [f"{key} = {_toml_number(value)}" for key, value in (budgets or {}).items() if value is not None]
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    text = old.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    if make_default:
        head, sep, rest = text.partition("\n[")  # top-level keys must come before the first table
        setting = f"default_profile = {_toml_string(name)}"
        if re.search(r"^default_profile\s*=.*$", head, flags=re.MULTILINE):
            head = re.sub(r"^default_profile\s*=.*$", setting, head, flags=re.MULTILINE)
        else:
            head = setting + "\n" + head
        text = head + sep + rest
    _check_written(paths, name, text)
    _write_private(path, text.lstrip("\n"))
    return path


def _check_budgets(budgets: Mapping[str, float | None]) -> None:
    import math

    for key, value in budgets.items():
        if key not in BUDGET_KEYS:
            raise ValueError(key)  # a caller's mistake, not the user's
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value < 0):
            raise ConfigError(_("{key}: expected an amount in USD of at least 0, not {value}.").format(
                key=key, value=repr(value)), key)


def _toml_number(value: float) -> str:
    """A TOML number as a person would write it: 5 for a whole amount, 12.5 otherwise (repr keeps every digit)."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _check_new_settings(name: str, base_url: str | None, api_key_env: str | None) -> None:
    import re

    if base_url is not None:
        check_url(base_url, _("profile {name} base_url").format(name=name), "base_url")
    if api_key_env is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", api_key_env):
        raise ConfigError(_("{name} is not an environment variable name.").format(name=repr(api_key_env)),
                          "api_key_env")


def _check_written(paths: Paths, name: str, text: str) -> dict:
    """The config file as it would be written: readable, and [profiles.NAME] as load_profile accepts it. Returns
    that profile's table."""
    import tomllib

    try:
        profiles = tomllib.loads(text).get("profiles", {})  # never write a file we could not read back
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: the change would not be valid TOML ({error}); edit the file itself.").format(
            path=paths.config_file, error=exc)) from None
    section = profiles.get(name) if isinstance(profiles, dict) else None
    if not isinstance(section, dict):
        raise ConfigError(_("{path}: [profiles.{name}] could not be written; edit the file itself.").format(
            path=paths.config_file, name=name))
    profile_from(paths, name, section, {}, "fast")
    return section


def edit_profile(
    paths: Paths,
    name: str,
    base_url: str | None = None,
    *,
    api_key: str | None = None,
    api_key_env: str | None = None,
    default_model: str | None = None,
    budgets: Mapping[str, float | None] | None = None,
) -> Path:
    """Change [profiles.NAME] in place: its base URL, its key and its default model (None keeps each as it is; a
    default model of "" removes it). A typed key replaces the environment variable and the other way round;
    with neither, the stored key stays. `budgets`: budget_daily and budget_monthly in USD, written as TOML numbers
    (None removes that limit; one not named stays as it is). Its other settings, the user's comments and the
    other profiles are kept line for line; nothing is written that load_profile would refuse, and the file is
    rewritten private (0600)."""
    path = paths.config_file
    if name in BUILT_IN and name not in (read_config(path).get("profiles") or {}):
        raise ConfigError(_("{name} is a built-in profile and cannot be changed; add a profile instead.").format(
            name=repr(name)), "name")
    _check_new_settings(name, base_url, api_key_env)
    _check_budgets(budgets or {})
    lines = _config_lines(path)
    section = _own_table(lines, name, path)
    wanted: dict[str, str | float | None] = {}
    if base_url is not None:
        wanted["base_url"] = base_url.rstrip("/")
    if default_model is not None:
        wanted["default_model"] = default_model or None
    if api_key:
        wanted.update(api_key=api_key, api_key_env=None)
    elif api_key_env:
        wanted.update(api_key_env=api_key_env, api_key=None)
    wanted.update(budgets or {})
    for key, value in wanted.items():
        found = _key_line(lines, section, key)
        if value is None:
            if found is not None:
                del lines[found]
                section = (section[0], section[1] - 1)
            continue
        setting = f"{key} = {_toml_string(value) if isinstance(value, str) else _toml_number(value)}"
        if found is not None:
            indent = lines[found][: len(lines[found]) - len(lines[found].lstrip())]
            comment = _trailing_comment(lines[found])
            lines[found] = indent + setting + (f"  {comment}" if comment else "")
        else:
            lines.insert(_last_setting(lines, section) + 1, setting)
            section = (section[0], section[1] + 1)
    text = "\n".join(lines) + "\n"
    written = _check_written(paths, name, text)
    if any(written.get(key) != value for key, value in wanted.items()):
        raise ConfigError(_("{path}: [profiles.{name}] is written in a way sora-tui cannot change safely; edit the "
                            "file itself.").format(path=path, name=name))
    if written.get("base_url") and not written.get("api_key") and not written.get("api_key_env"):
        raise ConfigError(_("Type the key, or name the environment variable that holds it."), "api_key")
    _write_private(path, text)
    return path


def delete_profile(paths: Paths, name: str) -> tuple[Path, bool]:
    """Remove [profiles.NAME] and its sub-tables (its models) from the config file; the user's other profiles,
    settings and the comments outside that table are kept. Returns the file and whether it was the default
    profile (default_profile is then removed: the local engine is the default again)."""
    import re
    import tomllib

    path = paths.config_file
    lines = _config_lines(path)
    _own_table(lines, name, path)
    kept = list(lines)
    for start, end, table in reversed(_tables(lines)):  # from the bottom, so the earlier lines keep their places
        if table[:2] != ("profiles", name):
            continue
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1  # comments at its end may be about what follows: they stay, as do the blank lines
        del kept[start:end]
        if 0 < start < len(kept) and not kept[start - 1].strip() and not kept[start].strip():
            del kept[start]  # one blank line between what was either side of it, not two
    was_default = read_config(path).get("default_profile") == name
    if was_default:
        first = next((i for i, line in enumerate(kept) if line.lstrip().startswith("[")), len(kept))
        kept = [line for i, line in enumerate(kept)
                if i >= first or not re.match(r"\s*default_profile\s*=", line)]
    text = "\n".join(kept).strip("\n") + "\n"
    try:
        cfg = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        cfg = {"profiles": {name: None}}
    if name in (cfg.get("profiles") or {}) or (was_default and "default_profile" in cfg):
        raise ConfigError(_("{path}: [profiles.{name}] is written in a way sora-tui cannot remove safely; edit the "
                            "file itself.").format(path=path, name=name))
    _write_private(path, text)
    return path, was_default


def _config_lines(path: Path) -> list[str]:
    read_config(path)  # a file that cannot be read or parsed says so, with its own message
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def _tables(lines: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Every table header in the file: (its line, the line after its last, its dotted name as keys)."""
    import tomllib

    heads: list[tuple[int, tuple[str, ...]]] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("["):
            continue
        if stripped.startswith("[["):
            heads.append((i, ("[[",)))  # an array of tables: never one of ours, but it ends the table above
            continue
        try:
            node: object = tomllib.loads(stripped)
        except tomllib.TOMLDecodeError:
            continue  # a line of a multi-line value that happens to start with "["
        keys: list[str] = []
        while isinstance(node, dict) and len(node) == 1:
            key, node = next(iter(node.items()))
            keys.append(key)
        heads.append((i, tuple(keys)))
    return [(start, heads[n + 1][0] if n + 1 < len(heads) else len(lines), table)
            for n, (start, table) in enumerate(heads)]


def _own_table(lines: list[str], name: str, path: Path) -> tuple[int, int]:
    """Where [profiles.NAME] is: (its header's line, the line after its last)."""
    found = [(start, end) for start, end, table in _tables(lines) if table == ("profiles", name)]
    if len(found) != 1:
        raise ConfigError(_("{path} has no table [profiles.{name}] that sora-tui can change; edit the file "
                            "itself.").format(path=path, name=name), "name")
    return found[0]


def _key_line(lines: list[str], section: tuple[int, int], key: str) -> int | None:
    import re

    pattern = re.compile(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    return next((i for i in range(section[0] + 1, section[1]) if pattern.match(lines[i])), None)


def _last_setting(lines: list[str], section: tuple[int, int]) -> int:
    """The table's last line that is not blank or a comment (those may belong to the next table)."""
    for i in range(section[1] - 1, section[0], -1):
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            return i
    return section[0]


def _trailing_comment(line: str) -> str:
    import tomllib

    for i, char in enumerate(line):
        if char == "#":
            try:
                tomllib.loads(line[:i])
            except tomllib.TOMLDecodeError:
                continue  # a '#' inside the value
            return line[i:]
    return ""


def _write_private(path: Path, text: str) -> None:
    """Write `path` as 0600 via a temp file and a rename, in a 0700 directory created if needed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
