"""`sora-tui jobs` and `show` say what a job cost: free on the local engine, not billed when the server never created
the job, in English and in Japanese; `--json` keeps the stored estimate as data."""

from __future__ import annotations

from pathlib import Path

PROMPT = "a lighthouse at dusk, waves below, slow zoom"
DEAD = "http://127.0.0.1:9/v1"  # nothing listens: the create never reaches a server


def _local_job(cli) -> dict:
    r = cli("generate", PROMPT, "--seconds", "4", "--wait", "--json")
    assert r.code == 0, r.err
    return r.json()


def _row(out: str, short: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(short))


def test_jobs_and_show_on_the_local_engine_say_free(cli, home: Path) -> None:
    job = _local_job(cli)
    assert job["cost_estimate"] == 0  # the data keeps its number; only what people read says "free"
    listing = cli("jobs")
    row = _row(listing.out, job["short_id"])
    assert "free" in row.split() and "$" not in listing.out
    shown = cli("show", job["short_id"])
    assert "free (local render)" in shown.out and "$" not in shown.out


def test_a_job_that_never_reached_the_server_is_not_billed(cli, home: Path) -> None:
    r = cli("--base-url", DEAD, "generate", "x", "--json", env={"OPENAI_API_KEY": "sk-any-key-0123456789"})
    assert r.code == 3
    listed = cli("jobs", "--json").json_lines()
    assert len(listed) == 1 and listed[0]["status"] == "failed"
    short = listed[0]["short_id"]
    assert listed[0]["cost_estimate"] > 0  # estimated at sora-2's price before it was sent
    row = _row(cli("jobs").out, short)
    assert "none" in row.split() and "$" not in row
    shown = cli("show", short).out
    assert "not billed" in shown and "$" not in shown


def test_in_japanese(cli, home: Path, ja: None) -> None:
    job = _local_job(cli)
    row = _row(cli("jobs").out, job["short_id"])
    assert "無料" in row.split() and "$" not in row
    shown = cli("show", job["short_id"]).out
    assert "無料（ローカルレンダー）" in shown and "$" not in shown
    assert cli("--base-url", DEAD, "generate", "x", env={"OPENAI_API_KEY": "sk-any-key-0123456789"}).code == 3
    failed = next(j for j in cli("jobs", "--json").json_lines() if j["status"] == "failed")
    assert "未請求" in _row(cli("jobs").out, failed["short_id"]).split()
    assert "未請求" in cli("show", failed["short_id"]).out
