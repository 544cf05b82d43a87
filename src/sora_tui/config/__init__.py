"""Where files live (platformdirs, SORA_TUI_HOME), profiles (which server, which key), and the masked Secret.

The rooms: paths (the data directory, the config file, Secret), profiles (reading and checking the profiles) and
editing (writing the config file). Every name is importable from here, as it always was."""

from .editing import add_profile, delete_profile, edit_profile
from .paths import APP_NAME, Paths, Secret
from .profiles import (
    BUDGET_KEYS,
    BUILT_IN,
    ConfigError,
    Profile,
    custom_url,
    default_profile_name,
    file_profile,
    load_profile,
    profile_names,
    remember_keys,
)

__all__ = [
    "APP_NAME", "BUDGET_KEYS", "BUILT_IN", "ConfigError", "Paths", "Profile", "Secret", "add_profile", "custom_url",
    "default_profile_name", "delete_profile", "edit_profile", "file_profile", "load_profile", "profile_names",
    "remember_keys",
]
