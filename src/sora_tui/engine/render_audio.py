"""The local renderer's soundtrack: an ambience bed from the prompt plus a thud at every impact of the ball."""

from __future__ import annotations

from typing import Any

import numpy as np

SAMPLE_RATE = 48_000
IMPACT_SECONDS = 0.09
_NOTES = np.array([261.63, 329.63, 392.0, 440.0, 523.25, 440.0, 392.0, 329.63], np.float32)  # C major pentatonic


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def _lowpass(x: np.ndarray, alpha: float) -> np.ndarray:
    """One-pole low-pass via an exponential moving average done with cumulative sums in blocks (vectorised)."""
    # A cheap FIR approximation keeps this fast: average over a window of ~1/alpha samples.
    k = max(1, int(1 / max(alpha, 1e-4)))
    c = np.cumsum(np.concatenate([np.zeros(k, np.float32), x]))
    return ((c[k:] - c[:-k]) / k).astype(np.float32)


def ambience(kind: str | None, n: int, rng: np.random.Generator, t0: float) -> np.ndarray:
    t = (np.arange(n, dtype=np.float32) / SAMPLE_RATE) + t0
    if kind == "rain":
        return 0.10 * _noise(rng, n)
    if kind == "wind":
        gust = 0.5 + 0.5 * np.sin(2 * np.pi * 0.3 * t)
        return 0.16 * _lowpass(_noise(rng, n), 0.02) * gust * 3
    if kind == "waves":
        swell = (0.5 + 0.5 * np.sin(2 * np.pi * 0.18 * t)) ** 2
        return 0.22 * _lowpass(_noise(rng, n), 0.05) * swell * 3
    if kind == "birds":
        bed = 0.03 * _lowpass(_noise(rng, n), 0.05)
        chirp = np.zeros(n, np.float32)
        for start in rng.uniform(0, max(n / SAMPLE_RATE - 0.2, 0.01), max(1, n // SAMPLE_RATE * 2)):
            i0 = int(start * SAMPLE_RATE)
            m = min(int(0.12 * SAMPLE_RATE), n - i0)
            if m <= 0:
                continue
            tt = np.arange(m, dtype=np.float32) / SAMPLE_RATE
            freq = 2600 + 1400 * np.sin(2 * np.pi * 9 * tt)
            chirp[i0:i0 + m] += 0.06 * np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE) * np.hanning(m)
        return bed + chirp
    if kind == "traffic":
        return 0.08 * _lowpass(_noise(rng, n), 0.01) * 3 + 0.01 * np.sin(2 * np.pi * 70 * t)
    if kind == "crackle":
        pops = (rng.random(n) > 0.9993).astype(np.float32) * rng.uniform(-0.4, 0.4, n).astype(np.float32)
        return 0.02 * _noise(rng, n) + pops
    if kind == "music":
        # a slow pentatonic arpeggio over a low drone, soft enough that the ball's impacts stay the loudest sounds
        step = 0.3
        index = np.floor(t / step).astype(np.int64)
        since = (t - index * step).astype(np.float32)
        freq = _NOTES[index % len(_NOTES)]
        env = (1.0 - np.exp(-since * 80.0)) * np.exp(-since * 5.0)
        return (0.045 * env * np.sin(2 * np.pi * freq * since) + 0.01 * np.sin(2 * np.pi * 130.81 * t)).astype(np.float32)
    if kind == "quiet":
        return 0.003 * _lowpass(_noise(rng, n), 0.05)  # room tone: near silence, the impacts alone
    return 0.012 * np.sin(2 * np.pi * 110 * t) + 0.008 * np.sin(2 * np.pi * 165 * t)


def impact_sound(rng: np.random.Generator, strength: float) -> np.ndarray:
    m = int(IMPACT_SECONDS * SAMPLE_RATE)
    tt = np.arange(m, dtype=np.float32) / SAMPLE_RATE
    env = np.exp(-tt * 45).astype(np.float32)
    thud = np.sin(2 * np.pi * 95 * tt) + 0.5 * np.sin(2 * np.pi * 190 * tt)
    click = _noise(rng, m) * np.exp(-tt * 300)
    return (0.75 * strength * env * (thud + 0.6 * click)).astype(np.float32)


def soundtrack(spec: Any, seconds: float, impacts: list[float], parts: list[tuple[str | None, float]], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed ^ 0x5EED)
    n = round(seconds * SAMPLE_RATE)
    out = np.zeros(n, np.float32)
    pos, t0 = 0, 0.0
    for kind, secs in parts:
        m = min(n - pos, round(secs * SAMPLE_RATE))
        if m <= 0:
            break
        out[pos:pos + m] = ambience(kind, m, rng, t0)
        pos += m
        t0 += secs
    for k, t in enumerate(impacts):
        i0 = round(t * SAMPLE_RATE)
        snd = impact_sound(rng, max(0.25, 0.85 ** k))
        m = min(len(snd), n - i0)
        if m > 0:
            out[i0:i0 + m] += snd[:m]
    return np.clip(out, -0.98, 0.98)
