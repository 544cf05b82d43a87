"""`sora-tui spend`: what was spent, read from the history alone. Real jobs made through the local engine (one
profile priced like a paid server, the free built-in engine, a profile with no price for the size asked), older
jobs written with the real store, and the totals checked by period, profile and model, in text (fitted to the
terminal by cells, in English and Japanese) and in --json."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from sora_tui.core.job import Job
from sora_tui.core.ledger import day_start, month_start
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryStore

KEY = "sk-test-any-key-the-local-engine-takes"
DEAD = "http://127.0.0.1:9/v1"  # nothing listens there


def config(path: Path, base_url: str, *, daily: float | None = None, monthly: float | None = None) -> None:
    """lab: sora-2 at $0.25 a second, sora-2-pro at $0.50 (with budgets when given); odd: sora-2 priced only at
    1280x720, so a 720x1280 job has no known price; quiet: a configured profile with no jobs."""
    budgets = "".join(f"{key} = {value}\n" for key, value in (("budget_daily", daily), ("budget_monthly", monthly))
                      if value is not None)
    path.write_text(
        f'default_profile = "lab"\n\n[profiles.lab]\nbase_url = "{base_url}"\napi_key_env = "LAB_KEY"\n{budgets}'
        '[profiles.lab.models.sora-2]\nprice_per_second = 0.25\n'
        '[profiles.lab.models.sora-2-pro]\nprice_per_second = 0.5\n\n'
        f'[profiles.odd]\nbase_url = "{base_url}"\napi_key_env = "LAB_KEY"\n'
        '[profiles.odd.models.sora-2]\nprice_per_second = { "1280x720" = 0.1 }\n\n'
        f'[profiles.quiet]\nbase_url = "{base_url}"\napi_key_env = "LAB_KEY"\n', encoding="utf-8")


@pytest.fixture
def lab(home: Path, local_engine, monkeypatch: pytest.MonkeyPatch) -> Path:
    config(home / "config.toml", local_engine.base_url, daily=50, monthly=100)
    monkeypatch.setenv("LAB_KEY", KEY)
    return home


def past(home: Path, *jobs: tuple[float, str, str, str, float | None]) -> None:
    """Jobs finished earlier, written with the real store: (when, profile, model, seconds, the estimate)."""
    store = HistoryStore(home / "history.json")
    try:
        for n, (when, profile, model, seconds, estimate) in enumerate(jobs):
            store.add(Job.new(GenerationParams(f"an older shot {n}", model=model, seconds=seconds),
                              status=JobStatus.COMPLETED, video_id=f"video_old{n}", profile=profile,
                              created_at=when, updated_at=when, cost_estimate=estimate))
    finally:
        store.close()


@pytest.fixture
def made(lab: Path, cli) -> dict[str, float]:
    """Today through the engines: on lab a 4 s sora-2 ($1.00) and an 8 s sora-2-pro ($4.00) finished, a 4 s
    sora-2 left as the create answered ($1.00, still being made: no one waited for it); one free job on the
    local engine; one on odd at an unknown price. Before today, on lab: one this month ($2.00, when today is
    not the first) and one last month ($3.00)."""
    for args in (("generate", "a red kite", "--wait"),
                 ("generate", "a red kite, pro", "--model", "sora-2-pro", "--seconds", "8", "--wait"),
                 ("generate", "a red kite still being made"),
                 ("--profile", "local", "generate", "a free kite", "--wait"),
                 ("--profile", "odd", "generate", "a kite at no known price", "--wait")):
        r = cli(*args)
        assert r.code == 0, (args, r.err)
    now = time.time()
    this_month, last_month = month_start(now) + 60, month_start(now) - 5 * 86400
    past(lab, (this_month, "lab", "sora-2", "8", 2.0), (last_month, "lab", "sora-2", "12", 3.0))
    return {"this_month": this_month, "last_month": last_month, "today": day_start(now)}


def row(out: str, *first: str) -> list[str]:
    """The words of the line that starts with these words."""
    for line in out.splitlines():
        words = line.split()
        if words[:len(first)] == list(first):
            return words
    raise AssertionError(f"no line starting {first} in:\n{out}")


def test_totals_by_period_profile_and_model(made: dict[str, float], cli) -> None:
    earlier = 2.0 if made["this_month"] < made["today"] else 0.0  # the first of the month: that job is today's
    r = cli("spend")
    assert r.code == 0, r.err
    out = r.out
    # today: $5.00 done on lab, $1.00 still being made, one job at an unknown price, five jobs
    assert row(out, "Today") == ["Today", f"${5 + (2 - earlier):.2f}", "$1.00", "1", "5" if earlier else "6"]
    assert row(out, "This", "month") == ["This", "month", "$7.00", "$1.00", "1", "6"]
    # this month by profile: free is free, unknown is unknown, neither a $0.00
    assert row(out, "lab") == ["lab", "$7.00", "$1.00", "-", "4"]
    assert row(out, "local") == ["local", "free", "-", "-", "1"]
    assert row(out, "odd") == ["odd", "unknown", "-", "1", "1"]
    assert row(out, "lab", "sora-2-pro") == ["lab", "sora-2-pro", "$4.00", "-", "-", "1"]
    assert row(out, "lab", "sora-2") == ["lab", "sora-2", "$3.00", "$1.00", "-", "3"]
    assert row(out, "local", "sora-2") == ["local", "sora-2", "free", "-", "-", "1"]
    assert "1 job at an unknown price is not in the amounts" in out
    # lab's budgets: what is left of today's $50 and this month's $100 (the running job counts)
    used_today = 6.0 + (2 - earlier)
    assert row(out, "lab", "daily") == ["lab", "daily", "$50.00", f"${used_today:.2f}", f"${50 - used_today:.2f}"]
    assert row(out, "lab", "monthly") == ["lab", "monthly", "$100.00", "$8.00", "$92.00"]


def test_since_counts_from_local_midnight_of_that_day(made: dict[str, float], cli) -> None:
    day = time.strftime("%Y-%m-%d", time.localtime(made["last_month"]))
    r = cli("spend", "--since", day)
    assert r.code == 0, r.err
    assert row(r.out, "Since", day) == ["Since", day, "$10.00", "$1.00", "1", "7"]
    assert f"By profile, since {day}:" in r.out
    assert row(r.out, "lab") == ["lab", "$10.00", "$1.00", "-", "5"]
    assert row(r.out, "lab", "sora-2") == ["lab", "sora-2", "$6.00", "$1.00", "-", "4"]
    # the day after it: last month's job is left out
    after = time.strftime("%Y-%m-%d", time.localtime(made["last_month"] + 86400))
    assert row(cli("spend", "--since", after).out, "Since", after)[2] == "$7.00"


def test_json_is_stable_english_data(made: dict[str, float], cli, ja: None) -> None:
    day = time.strftime("%Y-%m-%d", time.localtime(made["last_month"]))
    r = cli("spend", "--since", day, "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert set(data) == {"currency", "profile", "since", "starts", "periods", "window", "by_profile", "by_model",
                         "budgets"}
    assert data["currency"] == "USD" and data["since"] == day and data["window"]["from"] == "since"
    assert set(data["periods"]) == set(data["starts"]) == {"today", "month", "since"}
    fields = {"spent", "running", "total", "unknown_price_jobs", "jobs", "free_jobs"}
    assert all(set(t) == fields for t in data["periods"].values())
    assert data["periods"]["since"] == {"spent": 10.0, "running": 1.0, "total": 11.0, "unknown_price_jobs": 1,
                                        "jobs": 7, "free_jobs": 1}
    profiles = {p["profile"]: p for p in data["by_profile"]}
    assert [p["profile"] for p in data["by_profile"]] == ["lab", "local", "odd"]  # most spent first
    assert profiles["local"] == {"profile": "local", "spent": 0.0, "running": 0.0, "total": 0.0,
                                 "unknown_price_jobs": 0, "jobs": 1, "free_jobs": 1}
    assert profiles["odd"]["unknown_price_jobs"] == 1 and profiles["odd"]["free_jobs"] == 0
    models = {(m["profile"], m["model"]): m["total"] for m in data["by_model"]}
    assert models == {("lab", "sora-2"): 7.0, ("lab", "sora-2-pro"): 4.0, ("local", "sora-2"): 0.0,
                      ("odd", "sora-2"): 0.0}
    assert [(b["profile"], b["period"], b["limit"]) for b in data["budgets"]] == [("lab", "daily", 50.0),
                                                                                ("lab", "monthly", 100.0)]
    assert data["budgets"][1]["used"] == 8.0 and data["budgets"][1]["left"] == 92.0
    assert r.out.isascii()  # English, whatever the interface's language


def test_one_profile(made: dict[str, float], cli) -> None:
    r = cli("spend", "--profile", "lab", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["profile"] == "lab" and [p["profile"] for p in data["by_profile"]] == ["lab"]
    assert data["periods"]["month"]["total"] == 8.0 and data["periods"]["month"]["unknown_price_jobs"] == 0
    assert cli("--profile", "local", "spend", "--json").json()["periods"]["month"]["free_jobs"] == 1
    text = cli("spend", "--profile", "lab").out
    assert "Spending of profile lab" in text and "local" not in text and "odd" not in text
    # a profile with no jobs, in the config or built in: zeros, not an error
    for name in ("quiet", "openai"):
        r = cli("spend", "--profile", name)
        assert r.code == 0, r.err
        assert row(r.out, "This", "month") == ["This", "month", "$0.00", "-", "-", "0"]
        assert "No jobs this month." in r.out
    # a name neither the config nor the history knows
    r = cli("spend", "--profile", "ghost")
    assert r.code == 2 and "No profile named 'ghost'" in r.err and "lab" in r.err and r.out == ""


def test_a_profile_only_the_history_knows_is_not_unknown(home: Path, cli) -> None:
    past(home, (time.time() - 60, "gone", "sora-2", "4", 0.4))  # its profile was removed from the config since
    r = cli("spend", "--profile", "gone", "--json")
    assert r.code == 0, r.err
    assert r.json()["periods"]["today"]["total"] == 0.4


@pytest.mark.parametrize("bad", ["2025-6-1", "yesterday", "2025-02-30", "2025-06-01T00:00", "06/01/2025", ""])
def test_a_bad_since_is_refused(home: Path, cli, bad: str) -> None:
    r = cli("spend", "--since", bad)
    assert r.code == 2 and r.out == ""
    assert "--since takes a date as YYYY-MM-DD" in r.err and repr(bad) in r.err


def test_offline_no_server_no_engine(home: Path, cli) -> None:
    """The history is read as it is: no engine is started and the configured server is never asked."""
    config(home / "config.toml", DEAD, daily=1)
    past(home, (time.time() - 60, "lab", "sora-2", "4", 1.0))
    started = time.monotonic()
    r = cli("spend")
    assert r.code == 0, r.err
    assert time.monotonic() - started < 20
    assert row(r.out, "Today")[1] == "$1.00"
    assert row(r.out, "lab", "daily") == ["lab", "daily", "$1.00", "$1.00", "$0.00"]
    from sora_tui.engine import running_engine

    assert running_engine(home / "engine") is None


def test_empty_history_and_no_budgets(home: Path, cli) -> None:
    r = cli("spend")
    assert r.code == 0, r.err
    assert row(r.out, "Today") == ["Today", "$0.00", "-", "-", "0"]
    assert "No jobs this month." in r.out and "No budgets set" in r.out


def test_over_budget_says_so(home: Path, cli) -> None:
    config(home / "config.toml", DEAD, daily=1)
    past(home, (time.time() - 60, "lab", "sora-2", "8", 2.0))  # made before the budget was lowered
    assert row(cli("spend").out, "lab", "daily") == ["lab", "daily", "$1.00", "$2.00", "over", "by", "$1.00"]


def test_in_japanese(made: dict[str, float], cli, ja: None) -> None:
    r = cli("spend")
    assert r.code == 0, r.err
    out = r.out
    assert row(out, "今日")[1:3] in (["$5.00", "$1.00"], ["$7.00", "$1.00"])
    assert row(out, "今月") == ["今月", "$7.00", "$1.00", "1", "6"]
    assert row(out, "local") == ["local", "無料", "-", "-", "1"]
    assert row(out, "odd") == ["odd", "不明", "-", "1", "1"]
    assert row(out, "lab", "月次") == ["lab", "月次", "$100.00", "$8.00", "$92.00"]
    assert "プロファイル別（今月）:" in out and "モデル別（今月）:" in out and "予算:" in out
    assert "料金不明のジョブ 1 件" in out
    for english in ("Today", "This month", "free", "unknown", "Spent", "Budgets", "daily"):
        assert english not in out
    bad = cli("spend", "--since", "yesterday")
    assert bad.code == 2 and "YYYY-MM-DD 形式" in bad.err
    assert cli("spend", "--profile", "ghost").err.count("ghost") == 1


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_the_tables_fit_the_terminal_by_cells(home: Path, lang: str, width: int,
                                              request: pytest.FixtureRequest) -> None:
    """Long profile and model names and Japanese titles: every line within the width in cells, the figures
    right-aligned under their titles; a pipe (no width) gets every column."""
    from sora_tui.cli.commands.spend import Spending
    from sora_tui.core.i18n import _
    from sora_tui.core.ledger import Budget

    if lang == "ja":
        request.getfixturevalue("ja")
    long = "a-profile-with-a-very-long-name-for-a-table"
    now = time.time()
    past(home, (now - 30, long, "sora-2-pro-2025-10-06", "4", 2.0), (now - 20, "lab", "sora-2", "4", 1.0),
         (now - 10, "local", "sora-2", "4", 0.0), (now - 5, "odd", "vendor-model-without-a-price", "4", None))
    store = HistoryStore(home / "history.json")
    try:
        rows = store.spending()
    finally:
        store.close()
    report = Spending.of(rows, now, budgets={"lab": Budget(50, 100), long: Budget(daily=9)})
    lines = report.lines(width)
    assert all(cell_len(line) <= width for line in lines), [line for line in lines if cell_len(line) > width]
    assert all(line == line.rstrip() for line in lines)
    assert row("\n".join(lines), _("Today"))[1] == "$3.00"  # the amount is never the column left out
    piped = report.lines(None)
    assert any(long in line and "sora-2-pro-2025-10-06" in line for line in piped)
    assert any(line.split()[:2] == ["odd", "vendor-model-without-a-price"] for line in piped)
    header = next(line for line in piped if line.startswith(_("Period")))
    assert _("Unknown price") in header and _("Jobs") in header
    if width >= 80:  # every column shows, and the figures end under their titles
        header = next(line for line in lines if line.startswith(_("Period")))
        today = next(line for line in lines if line.startswith(_("Today")))
        assert _("Jobs") in header and cell_len(header) == cell_len(today)
