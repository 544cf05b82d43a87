"""What the Pilot tests and the screenshot scenes share: waiting for a condition, reading the history file, the
app's notifications."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The notifications the app shows now: Textual keeps them private, so they are read through the fence.
from sora_tui.tui.textual_fence import notifications

__all__ = ["PRICE", "connected", "count_restyles", "history", "notifications", "shown", "status_text", "wait_until",
           "write_priced_config"]


def status_text(app: Any) -> str:
    try:
        return str(app.screen.query_one("#status-line").render())
    except Exception:  # noqa: BLE001 - no main screen yet, or a modal on top
        return "?"


async def wait_until(pilot: Any, predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> None:
    """Poll `predicate` between frames; on timeout say what was awaited, the status line and the notifications."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            notes = [n.message for n in notifications(pilot.app)]
            raise AssertionError(f"timed out waiting for {what}; status: {status_text(pilot.app)!r}; notifications: {notes}")
        await pilot.pause(0.05)


def shown(widget: Any) -> str:
    """The text a one-line widget that draws itself (KeyBar, TitleBar) shows."""
    return widget.render().plain


def connected(app: Any) -> bool:
    return app.session is not None and app.session.service is not None


def history(home: Path) -> list:
    """The jobs in the history file, read by a separate store as another process would."""
    from sora_tui.store import HistoryStore

    store = HistoryStore(home / "history.json")
    try:
        return store.all()
    finally:
        store.close()


def count_restyles(app: Any) -> list[int]:
    """From now on, how many widgets each restyle of `app` covers (one entry per Stylesheet.update_nodes call)."""
    restyled: list[int] = []
    real = app.stylesheet.update_nodes

    def counting(nodes, animate=False):  # type: ignore[no-untyped-def]
        nodes = list(nodes)
        restyled.append(len(nodes))
        return real(nodes, animate)

    app.stylesheet.update_nodes = counting
    return restyled


PRICE = 0.25  # USD a second in the priced test profile: a 4 s job is $1.00


def write_priced_config(tmp_path: Path, base_url: str, monkeypatch: Any, budget: str = "") -> Path:
    """A config whose default profile "lab" is `base_url` (the real local engine, so it costs nothing) with sora-2
    at PRICE a second, and `budget` (TOML lines such as "budget_daily = 1.5\n"); the paid question on."""
    config = tmp_path / "config.toml"
    config.write_text(f'default_profile = "lab"\n[profiles.lab]\nbase_url = "{base_url}"\napi_key_env = "LAB_KEY"\n'
                      f'{budget}[profiles.lab.models.sora-2]\nprice_per_second = {PRICE}\n', encoding="utf-8")
    monkeypatch.setenv("SORA_TUI_CONFIG", str(config))
    monkeypatch.setenv("LAB_KEY", "sk-test-any-key-the-local-engine-takes")
    monkeypatch.delenv("SORA_TUI_CONFIRM_PAID", raising=False)
    return config
