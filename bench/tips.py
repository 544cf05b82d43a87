"""The prompt tips: analyse() on every keystroke, for English, Japanese and mixed prompts of 2,000 and 32,000
characters (the API's limit), and the cost of compiling the word lists once (`python -m bench tips`)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

# Realistic prompts, dense with keywords (every one of the six ingredients, a lens, a framing), repeated to length.
ENGLISH = (
    "A young woman in a yellow raincoat walks along a rain-soaked Tokyo street at night, neon signs "
    "reflecting in puddles. Slow dolly left, wide shot, cinematic, 35 mm. Ambience: rain hiss, her footsteps. "
)
JAPANESE = (
    "黄色いレインコートを着た若い女性が、雨に濡れた夜の東京の路地をゆっくり歩いていく。水たまりにネオンサインが映り込み、"
    "遠くで電車の音が響く。カメラは彼女の背後から手持ちで追いかけ、交差点で立ち止まった瞬間に正面へ回り込む。"
    "シネマティック、35mm、浅い被写界深度。環境音：雨音、足音、遠くのクラクション。"
)
MIXED = (
    "夕暮れの海辺を走る柴犬、slow dolly left、golden hour の逆光、cinematic、35mm film、"
    "ambience: 波の音と風、遠くのカモメ。drone shot で海岸線を追う。"
)
LENGTHS = (2_000, 32_000)
TARGET_MS = {2_000: 1.0, 32_000: 10.0}


def _prompt(base: str, length: int) -> str:
    return (base * (length // len(base) + 1))[:length]


def _median_ms(prompt: str, rounds: int) -> float:
    from sora_tui.core.tips import analyse

    analyse(prompt, size="1280x720", seconds="8")  # warm
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        analyse(prompt, size="1280x720", seconds="8")
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)


def _compile_ms() -> tuple[float, float]:
    """(import of sora_tui.core.tips, prepare()) in a fresh process, median of 5."""
    code = ("import time; t = time.perf_counter(); import sora_tui.core.tips as tips; u = time.perf_counter(); "
            "tips.prepare(); print((u - t) * 1000, (time.perf_counter() - u) * 1000)")
    runs = [tuple(map(float, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                            check=True).stdout.split())) for _ in range(5)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def run() -> list[dict[str, Any]]:
    from sora_tui.core.tips import prepare

    prepare()
    rows: list[dict[str, Any]] = []
    for length in LENGTHS:
        rounds = 200 if length < 10_000 else 30
        english = _median_ms(_prompt(ENGLISH, length), rounds)
        for name, base in (("English", ENGLISH), ("Japanese", JAPANESE), ("mixed Japanese and English", MIXED)):
            ours = english if base is ENGLISH else _median_ms(_prompt(base, length), rounds)
            rows.append({
                "area": "tips", "what": f"analyse() a {length:,}-character {name} prompt", "ours": ours,
                "base": None if base is ENGLISH else english, "unit": "ms", "target": TARGET_MS[length],
                "baseline_label": None if base is ENGLISH else "the English prompt of the same length",
                "note": f"median of {rounds} calls, keyword-dense text repeated to length"})
    imported, compiled = _compile_ms()
    rows.append({"area": "tips", "what": "compile the word lists once (in a thread, after the first frame)",
                 "ours": compiled, "base": None, "unit": "ms",
                 "note": f"English and Japanese patterns; the import before it takes {imported:.0f} ms (median of 5 "
                         "fresh processes)"})
    return rows
