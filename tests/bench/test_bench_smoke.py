"""The tracking and engine benchmarks run end to end (the download benchmark needs 1 GB of disk; run it with `python -m bench`)."""

from __future__ import annotations

from bench import tracking


def test_tracking_benchmark_counts_requests_per_interval(monkeypatch) -> None:
    monkeypatch.setattr(tracking, "N_JOBS", 6)
    rows = {r["what"].split(",")[0]: r for r in tracking.run()}
    per_interval = rows["requests per poll interval"]
    assert 0 < per_interval["ours"] <= 2 < per_interval["base"] + 1
    assert rows["completion on the server to shown by the client"]["ours"] > 0
