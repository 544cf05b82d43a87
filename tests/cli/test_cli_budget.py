"""Budgets from the command line: a profile priced like a paid server (served by the real local engine, so it costs
nothing to test) with budget_daily. `generate` under the budget sends; one that would pass it exits 2 with the
reason, writes nothing and sends nothing; variations count as their total; `profiles edit --budget-daily` changes
the limit in the config file, line for line; and two `generate` processes at the same moment cannot both pass a
budget that allows one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

KEY = "sk-test-any-key-the-local-engine-takes"
PRICE = 0.25  # USD a second: a 4 s sora-2 job is $1.00
PROMPT = "a red kite over a windy beach at golden hour"


def write_config(path: Path, base_url: str, budget: str) -> str:
    text = (f'# my settings\ndefault_profile = "lab"\n\n[profiles.lab]\nbase_url = "{base_url}"\n'
            f'api_key_env = "LAB_KEY"  # the key lives in the environment\n{budget}'
            f'[profiles.lab.models.sora-2]\nprice_per_second = {PRICE}\n')
    path.write_text(text, encoding="utf-8")
    return text


@pytest.fixture
def config(home: Path, local_engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The config file of the priced profile `lab`, with a daily budget of $1.50: one job fits, two do not."""
    path = tmp_path / "config.toml"
    write_config(path, local_engine.base_url, "budget_daily = 1.5\n")
    monkeypatch.setenv("SORA_TUI_CONFIG", str(path))
    monkeypatch.setenv("LAB_KEY", KEY)
    return path


def engine_videos(engine) -> list[dict]:
    """The videos the engine made, from its own list endpoint: what reached it, whatever the history says."""
    request = urllib.request.Request(f"{engine.base_url}/videos?limit=100", headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def history(cli) -> list[dict]:
    return cli("jobs", "--json").json_lines()


def test_under_the_budget_sends_and_over_it_nothing_is_written_or_sent(config: Path, local_engine, cli) -> None:
    first = cli("generate", PROMPT, "--wait", "--json")
    assert first.code == 0, first.err
    assert len(engine_videos(local_engine)) == 1
    again = cli("generate", PROMPT, "--json")
    assert again.code == 2 and again.out == ""
    assert ("Not sent: it would pass lab's daily budget of $1.50. Spent today, with the jobs still running: $1.00; "
            "this costs $1.00. Nothing was sent.") in again.err
    assert "sora-tui profiles edit lab --budget-daily AMOUNT" in again.err
    assert len(history(cli)) == 1 and len(engine_videos(local_engine)) == 1
    # raised from the command line, the same job is sent
    raised = cli("profiles", "edit", "lab", "--budget-daily", "2")
    assert raised.code == 0, raised.err
    assert "set the daily budget of lab to $2.00" in raised.err
    sent = cli("generate", PROMPT, "--json")
    assert sent.code == 0, sent.err
    assert len(history(cli)) == 2 and len(engine_videos(local_engine)) == 2
    assert cli("spend", "--json").json()["budgets"] == [
        {"profile": "lab", "period": "daily", "limit": 2.0, "used": 2.0, "left": 0.0, "unknown_price_jobs": 0}]


def test_variations_count_as_their_total(config: Path, local_engine, cli) -> None:
    assert cli("profiles", "edit", "lab", "--budget-daily", "2.50").code == 0
    three = cli("generate", PROMPT, "--variations", "3")  # $3.00 at once, though each take alone fits
    assert three.code == 2 and "this costs $3.00" in three.err and "$2.50" in three.err
    assert history(cli) == [] and engine_videos(local_engine) == []
    two = cli("generate", PROMPT, "--variations", "2", "--json")
    assert two.code == 0, two.err
    assert len(history(cli)) == 2 and len(engine_videos(local_engine)) == 2


def test_in_japanese(config: Path, local_engine, cli, ja: None) -> None:
    assert cli("generate", PROMPT).code == 0
    over = cli("generate", PROMPT)
    assert over.code == 2
    assert "送信しませんでした: lab の1日の予算 $1.50 を超えます" in over.err and "今回の料金: $1.00" in over.err
    changed = cli("profiles", "edit", "lab", "--budget-monthly", "40")
    assert changed.code == 0 and "lab の月の予算を $40.00 にしました" in changed.err


def test_profiles_edit_writes_numbers_and_keeps_the_file_line_for_line(home: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch, cli) -> None:
    path = tmp_path / "config.toml"
    before = write_config(path, "http://127.0.0.1:9/v1", "").splitlines()
    monkeypatch.setenv("SORA_TUI_CONFIG", str(path))
    r = cli("profiles", "edit", "lab", "--budget-daily", "12.50", "--budget-monthly", "$100")
    assert r.code == 0, r.err
    assert "set the daily budget of lab to $12.50" in r.err and "set the monthly budget of lab to $100.00" in r.err
    after = path.read_text(encoding="utf-8").splitlines()
    at = before.index('api_key_env = "LAB_KEY"  # the key lives in the environment') + 1
    assert after == before[:at] + ["budget_daily = 12.5", "budget_monthly = 100"] + before[at:]
    lab = tomllib.loads(path.read_text(encoding="utf-8"))["profiles"]["lab"]
    assert lab["budget_daily"] == 12.5 and lab["budget_monthly"] == 100 and not isinstance(lab["budget_daily"], str)
    # changed in place, then removed: the rest stays as it was
    assert cli("profiles", "edit", "lab", "--budget-daily", "3").code == 0
    assert path.read_text(encoding="utf-8").splitlines() == before[:at] + ["budget_daily = 3",
                                                                          "budget_monthly = 100"] + before[at:]
    removed = cli("profiles", "edit", "lab", "--budget-daily", "none")
    assert removed.code == 0 and "removed the daily budget of lab" in removed.err
    assert path.read_text(encoding="utf-8").splitlines() == before[:at] + ["budget_monthly = 100"] + before[at:]
    # with another setting at once: both written
    both = cli("profiles", "edit", "lab", "--model", "sora-2", "--budget-monthly", "NONE")
    assert both.code == 0, both.err
    assert tomllib.loads(path.read_text(encoding="utf-8"))["profiles"]["lab"] == {
        "base_url": "http://127.0.0.1:9/v1", "api_key_env": "LAB_KEY", "default_model": "sora-2",
        "models": {"sora-2": {"price_per_second": PRICE}}}
    # refused, and nothing written
    kept = path.read_text(encoding="utf-8")
    for bad in ("-1", "abc", "nan", "inf", "2e9"):
        r = cli("profiles", "edit", "lab", "--budget-daily", bad)
        assert r.code == 2 and "expected an amount in USD from 0" in r.err and repr(bad) in r.err, (bad, r.err)
    assert path.read_text(encoding="utf-8") == kept


def test_profiles_add_with_a_budget(home: Path, local_engine, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    monkeypatch.setenv("LAB_KEY", KEY)
    r = cli("profiles", "add", "lab", "--base-url", local_engine.base_url, "--key-env", "LAB_KEY",
            "--budget-daily", "0", "--default")
    assert r.code == 0, r.err
    assert "added profile lab" in r.err and "set the daily budget of lab to $0.00" in r.err
    assert tomllib.loads((home / "config.toml").read_text(encoding="utf-8"))["profiles"]["lab"]["budget_daily"] == 0
    refused = cli("generate", PROMPT)  # sora-2 at its published price: $0.40 is past a budget of nothing
    assert refused.code == 2 and "daily budget of $0.00" in refused.err
    assert history(cli) == [] and engine_videos(local_engine) == []


# Runs the real command in a process of its own, held at the history write until the test releases it: the one
# moment where the budget is checked (under the history's lock) and the jobs are written. The real write runs.
RACER = r"""
import os, sys, time
from pathlib import Path

from sora_tui import cli
from sora_tui.store.history import HistoryStore

gate = Path(os.environ["RACE_GATE"])
real = HistoryStore.add_many


def add_many(self, jobs, admit=None):
    (gate / f"arrived-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not (gate / "go").exists():
        if time.monotonic() > deadline:
            sys.exit("never released")
        time.sleep(0.002)
    return real(self, jobs, admit)


HistoryStore.add_many = add_many
sys.exit(cli.main(sys.argv[1:]))
"""


def test_two_processes_at_once_cannot_both_pass_a_budget_that_allows_one(config: Path, local_engine, cli,
                                                                         tmp_path: Path) -> None:
    """Both processes are held just before the history write until both have got there: each has read the
    config, opened the history (empty then), reached the server and priced its job at $1.00 against $1.50, so
    neither has written a job the other could see. Released together, a check made on what each process had
    read would let both through, and two jobs would be sent; only a check made after taking the history's lock,
    on the history as the other process left it, refuses the second. Exactly one job reaching the engine proves
    the check and the write are one step under that lock."""
    gate = tmp_path / "gate"
    gate.mkdir()
    env = {**os.environ, "RACE_GATE": str(gate)}
    racers = [subprocess.Popen([sys.executable, "-c", RACER, "generate", PROMPT, "--json"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
              for _ in range(2)]
    try:
        deadline = time.monotonic() + 90
        while len(list(gate.glob("arrived-*"))) < 2:
            assert all(p.poll() is None for p in racers), [p.communicate() for p in racers]
            assert time.monotonic() < deadline, "the processes never reached the history write"
            time.sleep(0.01)
        (gate / "go").touch()
        results = [p.communicate(timeout=90) for p in racers]
    finally:
        for p in racers:
            if p.poll() is None:
                p.kill()
                p.wait()
    codes = sorted(p.returncode for p in racers)
    assert codes == [0, 2], results
    refused = next(err for p, (_out, err) in zip(racers, results, strict=True) if p.returncode == 2)
    assert "Not sent: it would pass lab's daily budget of $1.50" in refused and "Traceback" not in refused
    assert len(history(cli)) == 1
    assert len(engine_videos(local_engine)) == 1
