"""The tracking, key, ledger and film benchmarks run end to end (the download benchmark needs 1 GB of disk; run it with `python -m bench`)."""

from __future__ import annotations

from bench import tracking


def test_tracking_benchmark_counts_requests_per_interval(monkeypatch) -> None:
    monkeypatch.setattr(tracking, "N_JOBS", 6)
    rows = {r["what"].split(",")[0]: r for r in tracking.run()}
    per_interval = rows["requests per poll interval"]
    assert 0 < per_interval["ours"] <= 2 < per_interval["base"] + 1
    assert rows["completion on the server to shown by the client"]["ours"] > 0


def test_key_benchmark_times_real_keys_on_a_live_table() -> None:
    """bench/keys.py end to end on a small history: the keys and the history search reach the screen, both runs report."""
    from bench import keys

    press, search, stall = keys.run(n=300, live=60, runs=2)
    assert 0 < press["base"] < 1000 and 0 < press["ours"] < 1000  # milliseconds per key, both runs
    assert 0 < search["base"] < 1000 and 0 < search["ours"] < 1000  # the history browser's search, both runs
    assert "matching neon rain reflections" in search["note"]
    assert stall["ours"] >= 0 and stall["base"] >= 0
    # two runs in a row: the worst shown, each one in the note, and where the longest stall was
    figures = search["note"].split("2 runs in a row: ")[1].removesuffix(" ms").split(", ")
    assert len(figures) == 2 and max(float(f) for f in figures) == round(search["ours"], 1)
    assert "ms (" in stall["note"] and ", +" in stall["note"]


def test_ledger_benchmark_agrees_with_the_decoded_totals() -> None:
    """bench/ledger.py end to end on a small history: both ways add up the same month, and the row reports."""
    from bench import ledger

    (row,) = ledger.run(n=2_000)
    assert row["ours"] > 0 and row["base"] > 0 and row["target"] == ledger.TARGET_MS
    assert "both ways agree: yes" in row["note"]


def test_film_benchmark_assembles_the_board_both_ways(monkeypatch) -> None:
    """bench/film.py end to end on 1 s takes: the film has the takes' frames less the dissolves', and ffmpeg (where
    the system has one) is timed on the same takes; without one the row has no baseline and is not counted as met."""
    import shutil

    from bench import film

    monkeypatch.setattr(film, "SECONDS", 1.0)
    monkeypatch.setattr(film, "ROUNDS", 1)
    (row,) = film.run()
    assert row["ours"] > 0 and row["min_ratio"] == 0.67
    assert f"frames in the film: {6 * 24 - 24} (expected {6 * 24 - 24})" in row["note"]
    if shutil.which("ffmpeg"):
        assert row["base"] > 0 and "ffmpeg's: " in row["note"]
    else:
        assert row["base"] is None and "no ffmpeg found" in row["note"]
