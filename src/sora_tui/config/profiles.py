"""The profiles as the config file and the environment define them: which server, which key, which models at
which prices, and which budgets. Read and checked here, with messages that name the file, the key and the fix;
config.editing writes the file."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.i18n import _
from ..core.params import LOCAL_MODELS, MODELS, ModelSpec
from ..core.redact import LOCAL_ENGINE_KEY as LOCAL_KEY
from .paths import Paths, Secret

if TYPE_CHECKING:
    from ..core.ledger import Budget

BUILT_IN = ("local", "openai", "custom")  # custom: the profile --base-url / OPENAI_BASE_URL make
BUDGET_KEYS = ("budget_daily", "budget_monthly")


class ConfigError(ValueError):
    """A configuration problem, with a message that names the file, the key and the fix. `field`: the profile
    setting it is about (name, base_url, api_key, api_key_env, default_model), so a form can say it beside it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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


def read_config(path: Path) -> dict:
    import tomllib  # here, not at the top: the TUI imports this module (with its paths) before its first frame

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
    cfg = read_config(paths.config_file)
    profiles = cfg.get("profiles", {}) if isinstance(cfg.get("profiles", {}), dict) else {}
    engine_speed = str(env.get("SORA_TUI_ENGINE_SPEED", "fast"))
    explicit_url = base_url or (None if name else custom_url(environ=env))
    if explicit_url:
        check_url(explicit_url, "--base-url" if base_url else "OPENAI_BASE_URL")
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
    return profile_from(paths, name, section, env, engine_speed, insecure=bool(cfg.get("_insecure")))


def profile_from(paths: Paths, name: str, section: dict, env: Mapping[str, str], engine_speed: str,
                  insecure: bool = False) -> Profile:
    """[profiles.NAME] checked and read: what load_profile uses, and what add/edit check before writing."""
    url = section.get("base_url")
    if url is not None:
        check_url(str(url), f"{paths.config_file} [profiles.{name}] base_url", "base_url")
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
        from ..core.files import TemplateError, check_template

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
        sizes: Any = spec.get("sizes", list(known.sizes) if known else None)
        seconds: Any = spec.get("seconds", list(known.seconds) if known else None)
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
    from ..core.redact import remember

    env = os.environ if environ is None else environ
    keys = [env.get("OPENAI_API_KEY")]
    try:
        cfg = read_config(paths.config_file)
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
    cfg = read_config(paths.config_file)
    profiles = cfg.get("profiles", {}) if isinstance(cfg.get("profiles", {}), dict) else {}
    builtin = ("custom", "local", "openai") if custom else ("local", "openai")
    return list(builtin) + sorted(n for n in profiles if n not in builtin)


def file_profile(paths: Paths, name: str) -> dict | None:
    """[profiles.NAME] as the config file has it (None: not there), whether or not load_profile accepts it."""
    profiles = read_config(paths.config_file).get("profiles", {})
    section = profiles.get(name) if isinstance(profiles, dict) else None
    return section if isinstance(section, dict) else None


def default_profile_name(paths: Paths) -> str:
    cfg = read_config(paths.config_file)
    default = cfg.get("default_profile")
    return default if isinstance(default, str) else "local"


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
    from ..core.ledger import Budget

    return Budget(_budget(section, "budget_daily", where), _budget(section, "budget_monthly", where))


def _budget(section: dict, key: str, where: str) -> float | None:
    """A budget in USD (budget_daily, budget_monthly), or None when the profile sets none."""
    if key not in section:
        return None
    return _number(section, key, where, 0.0, 0.0, 1e9)


def check_url(url: str, where: str, field: str | None = None) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(_("{where}: {url} is not an http(s) URL (for example http://127.0.0.1:4000/v1).").format(
            where=where, url=repr(url)), field)
