"""Where files live (platformdirs, SORA_TUI_HOME), profiles (which server, which key), and the masked Secret."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .core.i18n import _
from .core.params import LOCAL_MODELS, MODELS, ModelSpec
from .core.redact import LOCAL_ENGINE_KEY as LOCAL_KEY

if TYPE_CHECKING:
    from .core.ledger import Budget

APP_NAME = "sora-tui"

class ConfigError(ValueError):
    """A configuration problem, with a message that names the file, the key and the fix. `field`: the profile
    setting it is about (name, base_url, api_key, api_key_env, default_model), so a form can say it beside it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Secret:
    """A string that never shows itself in repr/str/tracebacks (Textual prints locals on a crash)."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        v = self._value
        if not v:
            return "(none)"
        if len(v) < 16:
            return "••••"
        return f"••••{v[-4:]}"  # the last four, as card statements do: enough to tell keys apart

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.masked()})"

    __str__ = __repr__


@dataclass(frozen=True)
class Paths:
    home: Path
    config_file: Path

    @property
    def history(self) -> Path:
        return self.home / "history.json"

    @property
    def downloads(self) -> Path:
        return self.home / "downloads"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def engine_dir(self) -> Path:
        return self.home / "engine"

    @property
    def crash_dir(self) -> Path:
        return self.home / "crash"

    @classmethod
    def from_env(cls) -> Paths:
        import platformdirs  # deferred: only needed when no override is set

        home_env = os.environ.get("SORA_TUI_HOME")
        home = Path(home_env).expanduser() if home_env else Path(platformdirs.user_data_dir(APP_NAME))
        cfg_env = os.environ.get("SORA_TUI_CONFIG")
        if cfg_env:
            config_file = Path(cfg_env).expanduser()
        elif home_env:
            config_file = home / "config.toml"
        else:
            config_file = Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"
        return cls(home=home, config_file=config_file)

    def ensure(self) -> None:
        """Create the data directories, private to the user."""
        for d in (self.home, self.downloads, self.logs, self.engine_dir):
            d.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(self.home, 0o700)
        except OSError:
            pass


@dataclass
class Profile:
    name: str
    base_url: str | None  # None: the built-in local engine (started on demand)
    api_key: Secret = field(default_factory=lambda: Secret(None))
    api_key_env: str | None = None
    default_model: str = "sora-2"
    models: dict[str, ModelSpec] = field(default_factory=lambda: dict(MODELS))
    timeout: float = 60.0
    max_concurrency: int = 4
    download_dir: Path | None = None
    engine_speed: str = "fast"
    file_template: str | None = None  # None: core.files.DEFAULT_TEMPLATE
    source: str = "built in"  # where it was defined: "built in" or the config file
    budget: Budget | None = None  # daily and monthly spending limits (USD); None: the profile sets none
    # Whether `models` is what the server offers (a built-in or configured profile), so that another model is
    # refused before anything is sent; a server named only by its URL (--base-url) may offer any.
    models_listed: bool = True

    @property
    def is_local(self) -> bool:
        return self.base_url is None

    def describe(self) -> str:
        where = _("built-in local engine (procedural renders, not AI)") if self.is_local else self.base_url
        return f"{self.name}: {where}"


def _read_config(path: Path) -> dict:
    import tomllib  # here, not at the top: the TUI reads its paths from this module before its first frame

    if not path.exists():
        return {}
    try:
        mode = path.stat().st_mode
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: not valid TOML ({error}). Fix the file or move it away.").format(
            path=path, error=exc)) from None
    except OSError as exc:
        raise ConfigError(_("{path}: cannot be read ({reason}).").format(path=path, reason=exc.strerror)) from None
    if not isinstance(data, dict):
        raise ConfigError(_("{path}: expected a TOML table.").format(path=path))
    data["_insecure"] = bool(mode & (stat.S_IRWXG | stat.S_IRWXO))
    return data


def load_profile(
    paths: Paths,
    name: str | None = None,
    base_url: str | None = None,
    environ: dict[str, str] | None = None,
) -> Profile:
    """Pick the profile: --base-url/OPENAI_BASE_URL > --profile > config default > the local engine."""
    env = os.environ if environ is None else environ
    cfg = _read_config(paths.config_file)
    profiles = cfg.get("profiles", {}) if isinstance(cfg.get("profiles", {}), dict) else {}
    engine_speed = str(env.get("SORA_TUI_ENGINE_SPEED", "fast"))
    explicit_url = base_url or (None if name else custom_url(environ=env))
    if explicit_url:
        _check_url(explicit_url, "--base-url" if base_url else "OPENAI_BASE_URL")
        return Profile(
            name="custom",
            base_url=explicit_url.rstrip("/"),
            api_key=Secret(env.get("OPENAI_API_KEY")),
            api_key_env="OPENAI_API_KEY",
            models_listed=False,
        )
    default = cfg.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise ConfigError(_("{path} default_profile: expected a profile name in quotes, not {value}.").format(
            path=paths.config_file, value=repr(default)))
    name = name or default or "local"
    if name == "local" and "local" not in profiles:
        return Profile(name="local", base_url=None, api_key=Secret(LOCAL_KEY), engine_speed=engine_speed,
                       models=dict(LOCAL_MODELS))
    if name == "openai" and "openai" not in profiles:
        return Profile(
            name="openai",
            base_url="https://api.openai.com/v1",
            api_key=Secret(env.get("OPENAI_API_KEY")),
            api_key_env="OPENAI_API_KEY",
        )
    section = profiles.get(name)
    if not isinstance(section, dict):
        known = ", ".join(sorted({"local", "openai", *profiles})) or "local"
        raise ConfigError(_("No profile named {name} (known: {known}). Add [profiles.{table}] to {path}.").format(
            name=repr(name), known=known, table=name, path=paths.config_file))
    return _profile_from(paths, name, section, env, engine_speed, insecure=bool(cfg.get("_insecure")))


def _profile_from(paths: Paths, name: str, section: dict, env: Mapping[str, str], engine_speed: str,
                  insecure: bool = False) -> Profile:
    """[profiles.NAME] checked and read: what load_profile uses, and what add/edit check before writing."""
    url = section.get("base_url")
    if url is not None:
        _check_url(str(url), f"{paths.config_file} [profiles.{name}] base_url", "base_url")
    key_env = section.get("api_key_env")
    key = env.get(str(key_env)) if key_env else section.get("api_key")
    if section.get("api_key") and insecure:
        raise ConfigError(
            _("{path} holds an API key but is readable by other users: run `chmod 600 {path}`.").format(
                path=paths.config_file)
        )
    where = f"{paths.config_file} [profiles.{name}]"
    speed = _text(section, "engine_speed", where, engine_speed)
    if speed not in ("instant", "fast", "realistic"):
        raise ConfigError(_("{where} engine_speed: expected instant, fast or realistic, not {value}.").format(
            where=where, value=repr(speed)))
    download_dir = _text(section, "download_dir", where, "")
    models = _models(section, where, local=url is None)
    default_model = _text(section, "default_model", where, next(iter(models)) if "sora-2" not in models else "sora-2")
    if default_model not in models:
        raise ConfigError(_("{where} default_model: {model} is not among its models ({models}).").format(
            where=where, model=repr(default_model), models=", ".join(models)), "default_model")
    template = _text(section, "file_template", where, "") or None
    if template is not None:
        from .core.files import TemplateError, check_template

        try:
            check_template(template)
        except TemplateError as exc:
            raise ConfigError(_("{where} file_template: {error}").format(where=where, error=exc)) from None
    return Profile(
        name=name,
        base_url=str(url).rstrip("/") if url else None,
        api_key=Secret(str(key) if key else (LOCAL_KEY if not url else None)),
        api_key_env=str(key_env) if key_env else None,
        default_model=default_model,
        models=models,
        timeout=_number(section, "timeout", where, 60.0, 1.0, 3600.0),
        max_concurrency=int(_number(section, "concurrency", where, 4, 1, 64, whole=True)),
        download_dir=Path(download_dir).expanduser() if download_dir else None,
        engine_speed=speed,
        file_template=template,
        budget=_budgets(section, where),
        source=str(paths.config_file),
    )


def _models(section: dict, where: str, local: bool = False) -> dict[str, ModelSpec]:
    """[profiles.X.models.NAME] tables: sizes, seconds, price_per_second (a number, or a table by size with
    "*" for the rest). A profile that lists models offers exactly those; one that lists none offers sora-2's.
    Prices not given are the published ones for a server's profile (none, so unknown, for a model it does not
    know), and 0 for a `local` one: the built-in engine renders on this machine and charges nothing."""
    raw = section.get("models")
    if raw is None:
        return dict(LOCAL_MODELS if local else MODELS)
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(_("{where} models: expected tables like [profiles.NAME.models.sora-2] with sizes and "
                            "seconds.").format(where=where))
    models: dict[str, ModelSpec] = {}
    for name, spec in raw.items():
        at = f"{where.rstrip(']')}.models.{name}]"
        if not isinstance(spec, dict):
            raise ConfigError(_("{where}: expected a table with sizes = [...] and seconds = [...].").format(where=at))
        known = MODELS.get(name)
        sizes = spec.get("sizes", list(known.sizes) if known else None)
        seconds = spec.get("seconds", list(known.seconds) if known else None)
        for key, values in (("sizes", sizes), ("seconds", seconds)):
            if not isinstance(values, list) or not values or not all(isinstance(v, (str, int)) for v in values):
                raise ConfigError(_('{where} sizes: expected a list such as sizes = ["1280x720", "720x1280"]')
                                  .format(where=at) if key == "sizes" else
                                  _('{where} seconds: expected a list such as seconds = ["4", "8"].').format(where=at))
        for size in sizes:
            parts = str(size).lower().split("x")
            if len(parts) != 2 or not all(p.isdigit() and 0 < int(p) <= 8192 for p in parts):
                raise ConfigError(_("{where} sizes: {value} is not WIDTHxHEIGHT (for example 1280x720).").format(
                    where=at, value=repr(size)))
        for sec in seconds:
            if not str(sec).isdigit() or not 0 < int(sec) <= 600:
                raise ConfigError(_("{where} seconds: {value} is not a whole number of seconds (1-600).").format(
                    where=at, value=repr(sec)))
        price = spec.get("price_per_second", {"*": 0.0} if local else known.price_per_second if known else {})
        if isinstance(price, bool) or not isinstance(price, (int, float, dict)):
            raise ConfigError(_("{where} price_per_second: expected a number (USD per second) or a table by "
                                "size.").format(where=at))
        prices = {"*": float(price)} if isinstance(price, (int, float)) else dict(price)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in prices.values()):
            raise ConfigError(_("{where} price_per_second: prices must be numbers of at least 0.").format(where=at))
        models[str(name)] = ModelSpec(str(name), tuple(str(s).lower() for s in sizes), tuple(str(s) for s in seconds),
                                      price_per_second={k: float(v) for k, v in prices.items()})
    return models


def remember_keys(paths: Paths, environ: dict[str, str] | None = None) -> None:
    """Every key this user has configured (each profile's, the environment variables they name, OPENAI_API_KEY),
    remembered for redaction (core/redact.py): a server may echo any of them, and an old history may hold one. A
    config file that cannot be read is left to the command that needs it to report."""
    from .core.redact import remember

    env = os.environ if environ is None else environ
    keys = [env.get("OPENAI_API_KEY")]
    try:
        cfg = _read_config(paths.config_file)
    except ConfigError:
        cfg = {}
    profiles = cfg.get("profiles", {})
    for section in profiles.values() if isinstance(profiles, dict) else ():
        if isinstance(section, dict):
            key, key_env = section.get("api_key"), section.get("api_key_env")
            keys += [key if isinstance(key, str) else None, env.get(key_env) if isinstance(key_env, str) else None]
    remember(*keys)


def custom_url(base_url: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The server --base-url or else OPENAI_BASE_URL names: the `custom` profile, when either is set."""
    env = os.environ if environ is None else environ
    return base_url or env.get("OPENAI_BASE_URL") or None


def profile_names(paths: Paths, custom: bool = False) -> list[str]:
    """Every profile this user can pick: the built-in ones and the config file's, in a stable order. `custom`:
    --base-url or OPENAI_BASE_URL is set, so the profile they make comes first (it is the one in use)."""
    cfg = _read_config(paths.config_file)
    profiles = cfg.get("profiles", {}) if isinstance(cfg.get("profiles", {}), dict) else {}
    builtin = ("custom", "local", "openai") if custom else ("local", "openai")
    return list(builtin) + sorted(n for n in profiles if n not in builtin)


def file_profile(paths: Paths, name: str) -> dict | None:
    """[profiles.NAME] as the config file has it (None: not there), whether or not load_profile accepts it."""
    profiles = _read_config(paths.config_file).get("profiles", {})
    section = profiles.get(name) if isinstance(profiles, dict) else None
    return section if isinstance(section, dict) else None


def default_profile_name(paths: Paths) -> str:
    cfg = _read_config(paths.config_file)
    default = cfg.get("default_profile")
    return default if isinstance(default, str) else "local"


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are all valid in a TOML basic string


BUILT_IN = ("local", "openai", "custom")  # custom: the profile --base-url / OPENAI_BASE_URL make


def add_profile(
    paths: Paths,
    name: str,
    base_url: str,
    *,
    api_key: str | None = None,
    api_key_env: str | None = None,
    default_model: str | None = None,
    make_default: bool = False,
) -> Path:
    """Append [profiles.NAME] to the config file (created 0600 in a 0700 directory; the user's comments and
    other profiles are kept as they are). With a key in it, the file must stay private. Nothing is written
    that load_profile would refuse."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", name or ""):
        raise ConfigError(_("Profile name {name}: use 1-40 letters, digits, '-' or '_'.").format(name=repr(name)),
                          "name")
    if name in BUILT_IN:
        raise ConfigError(_("{name} is a built-in profile; choose another name.").format(name=repr(name)), "name")
    _check_new_settings(name, base_url, api_key_env)
    path = paths.config_file
    cfg = _read_config(path)
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


BUDGET_KEYS = ("budget_daily", "budget_monthly")


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
        _check_url(base_url, _("profile {name} base_url").format(name=name), "base_url")
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
    _profile_from(paths, name, section, {}, "fast")
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
    if name in BUILT_IN and name not in (_read_config(path).get("profiles") or {}):
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
    was_default = _read_config(path).get("default_profile") == name
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
    _read_config(path)  # a file that cannot be read or parsed says so, with its own message
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


def _text(section: dict, key: str, where: str, default: str) -> str:
    value = section.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(_("{where} {key}: expected a string in quotes, not {value}.").format(
            where=where, key=key, value=repr(value)))
    return value


def _number(section: dict, key: str, where: str, default: float, low: float, high: float, whole: bool = False) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not float(value).is_integer()):
        raise ConfigError((_("{where} {key}: expected a whole number, not {value}.") if whole else
                           _("{where} {key}: expected a number, not {value}.")).format(
                               where=where, key=key, value=repr(value)))
    if not low <= value <= high:
        raise ConfigError(_("{where} {key}: {value} is outside {low} to {high}.").format(
            where=where, key=key, value=value, low=f"{low:g}", high=f"{high:g}"))
    return float(value)


def _budgets(section: dict, where: str) -> Budget | None:
    """The profile's budgets, if it sets any (the ledger's module loads only then: not before the TUI's first
    frame, nor for `--help`)."""
    if "budget_daily" not in section and "budget_monthly" not in section:
        return None
    from .core.ledger import Budget

    return Budget(_budget(section, "budget_daily", where), _budget(section, "budget_monthly", where))


def _budget(section: dict, key: str, where: str) -> float | None:
    """A budget in USD (budget_daily, budget_monthly), or None when the profile sets none."""
    if key not in section:
        return None
    return _number(section, key, where, 0.0, 0.0, 1e9)


def _check_url(url: str, where: str, field: str | None = None) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(_("{where}: {url} is not an http(s) URL (for example http://127.0.0.1:4000/v1).").format(
            where=where, url=repr(url)), field)
