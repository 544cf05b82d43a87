"""Where files live (platformdirs, SORA_TUI_HOME), profiles (which server, which key), and the masked Secret."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .core.params import MODELS, ModelSpec

APP_NAME = "sora-tui"
LOCAL_KEY = "sora-tui-local"  # the local engine wants *a* bearer key; this one is not a secret


class ConfigError(ValueError):
    """A configuration problem, with a message that names the file, the key and the fix."""


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
        if len(v) <= 8:
            return "••••"
        return f"{v[:3]}…{v[-4:]}"

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

    @property
    def is_local(self) -> bool:
        return self.base_url is None

    def describe(self) -> str:
        where = "built-in local engine (procedural renders, not AI)" if self.is_local else self.base_url
        return f"{self.name}: {where}"


def _read_config(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        mode = path.stat().st_mode
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix the file or move it away.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a TOML table.")
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
    explicit_url = base_url or (None if name else env.get("OPENAI_BASE_URL"))
    if explicit_url:
        _check_url(explicit_url, "--base-url" if base_url else "OPENAI_BASE_URL")
        return Profile(
            name="custom",
            base_url=explicit_url.rstrip("/"),
            api_key=Secret(env.get("OPENAI_API_KEY")),
            api_key_env="OPENAI_API_KEY",
        )
    default = cfg.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise ConfigError(f"{paths.config_file} default_profile: expected a profile name in quotes, not {default!r}.")
    name = name or default or "local"
    if name == "local" and "local" not in profiles:
        return Profile(name="local", base_url=None, api_key=Secret(LOCAL_KEY), engine_speed=engine_speed)
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
        raise ConfigError(f"No profile named {name!r} (known: {known}). Add [profiles.{name}] to {paths.config_file}.")
    url = section.get("base_url")
    if url is not None:
        _check_url(str(url), f"{paths.config_file} [profiles.{name}] base_url")
    key_env = section.get("api_key_env")
    key = env.get(str(key_env)) if key_env else section.get("api_key")
    if section.get("api_key") and cfg.get("_insecure"):
        raise ConfigError(
            f"{paths.config_file} holds an API key but is readable by other users: run `chmod 600 {paths.config_file}`."
        )
    where = f"{paths.config_file} [profiles.{name}]"
    speed = _text(section, "engine_speed", where, engine_speed)
    if speed not in ("instant", "fast", "realistic"):
        raise ConfigError(f"{where} engine_speed: expected instant, fast or realistic, not {speed!r}.")
    download_dir = _text(section, "download_dir", where, "")
    return Profile(
        name=name,
        base_url=str(url).rstrip("/") if url else None,
        api_key=Secret(str(key) if key else (LOCAL_KEY if not url else None)),
        api_key_env=str(key_env) if key_env else None,
        default_model=_text(section, "default_model", where, "sora-2"),
        timeout=_number(section, "timeout", where, 60.0, 1.0, 3600.0),
        max_concurrency=int(_number(section, "concurrency", where, 4, 1, 64, whole=True)),
        download_dir=Path(download_dir).expanduser() if download_dir else None,
        engine_speed=speed,
    )


def _text(section: dict, key: str, where: str, default: str) -> str:
    value = section.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where} {key}: expected a string in quotes, not {value!r}.")
    return value


def _number(section: dict, key: str, where: str, default: float, low: float, high: float, whole: bool = False) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not float(value).is_integer()):
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{where} {key}: expected {kind}, not {value!r}.")
    if not low <= value <= high:
        raise ConfigError(f"{where} {key}: {value} is outside {low:g} to {high:g}.")
    return float(value)


def _check_url(url: str, where: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL (for example http://127.0.0.1:4000/v1).")
