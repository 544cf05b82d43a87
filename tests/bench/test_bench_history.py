"""The history benchmark runs (small sizes here; `python -m bench` runs the real ones) and compares like with like."""

from __future__ import annotations

import os

import pytest


def test_history_benchmark_runs_and_ours_agrees_with_tinydb(tmp_path) -> None:
    import random

    from tinydb import TinyDB

    from bench import history
    from sora_tui.store import HistoryStore

    rng = random.Random(3)
    docs = [history.synthetic_doc(i, rng) for i in range(300)]
    path = tmp_path / "history.json"
    history.write_tinydb_file(path, docs)
    store = HistoryStore(path)  # opens a file stock TinyDB wrote
    assert len(store) == 300
    needle = "lighthouse"
    ours = {j.local_id for j in store.query(text=needle)}
    plain = {d["local_id"] for d in TinyDB(tmp_path / "history.json").table("jobs").all() if needle in d["params"]["prompt"]}
    assert ours == plain and ours
    store.close()
    os.chdir(tmp_path)
    rows = history.run(sizes=(300,))
    assert {r["what"].split(",")[0] for r in rows} == {
        "durable status write p50", "open the history", "incremental prompt search"}
    assert all(r["ours"] > 0 and r["base"] > 0 for r in rows)


@pytest.fixture(autouse=True)
def _keep_cwd():
    cwd = os.getcwd()
    yield
    os.chdir(cwd)
