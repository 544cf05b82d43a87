"""Fault injection for tests (`--faults 429:0.2,500:0.1,reset:0.05,slow:0.1,truncate:0.05,lost:0.05`).

Each /v1 request draws once from a seeded RNG (reproducible with --seed). Semantics:
  429          answered before handling, with Retry-After: 1 (nothing created)
  500/502/503  an OpenAI-shaped server error before handling (nothing created)
  reset        the connection drops before any response (nothing created)
  slow         handled at once, answered after a 2 s stall (content: the stall is mid-body)
  truncate     content downloads: full Content-Length announced, half the body sent, connection closed;
               other requests: treated as reset
  lost         the request IS handled (a create creates the job) but the response is lost: the connection
               drops — what a client sees when a network dies after the server acted
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass

KINDS = ("429", "500", "502", "503", "reset", "slow", "truncate", "lost")


class FaultSpecError(ValueError):
    pass


@dataclass
class FaultPlan:
    rates: list[tuple[str, float]]
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {k: 0 for k, _ in self.rates}
        self.requests = 0
        # (monotonic time, "METHOD path?query", fault or None) per request, for harnesses that check how
        # clients behave after a fault (did they wait for Retry-After?). Bounded.
        self.log: deque[tuple[float, str, str | None]] = deque(maxlen=50_000)

    @classmethod
    def parse(cls, spec: str, seed: int = 0) -> FaultPlan:
        rates: list[tuple[str, float]] = []
        for item in (spec or "").split(","):
            item = item.strip()
            if not item:
                continue
            kind, _, prob = item.partition(":")
            kind = kind.strip().lower()
            if kind not in KINDS:
                raise FaultSpecError(f"unknown fault {kind!r}; use {', '.join(KINDS)}")
            try:
                p = float(prob)
            except ValueError:
                raise FaultSpecError(f"fault {kind!r} needs a probability, e.g. {kind}:0.1") from None
            if not 0.0 <= p <= 1.0:
                raise FaultSpecError(f"probability for {kind!r} must be between 0 and 1")
            rates.append((kind, p))
        if sum(p for _, p in rates) > 1.0 + 1e-9:
            raise FaultSpecError("fault probabilities add up to more than 1")
        return cls(rates, seed)

    def draw(self, request: str = "") -> str | None:
        if not self.rates:
            return None
        with self._lock:
            self.requests += 1
            x = self._rng.random()
            acc = 0.0
            chosen = None
            for kind, p in self.rates:
                acc += p
                if x < acc:
                    self.injected[kind] += 1
                    chosen = kind
                    break
            self.log.append((time.monotonic(), request, chosen))
        return chosen
