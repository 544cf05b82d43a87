"""`python -m sora_tui.engine`: the local engine alone (the app starts it this way in the background)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .faults import FaultSpecError
from .launcher import EngineStartError, serve
from .modes import help_text, parse_modes
from .server import EngineConfig


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="sora-tui-engine",
                                description="sora-tui's local /v1/videos engine (procedural renders, not AI)",
                                epilog="modes (--mode, comma list; combinable):\n" + help_text(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8089)
    p.add_argument("--speed", choices=["instant", "fast", "realistic"], default="fast")
    p.add_argument("--faults", default="")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--state-dir", type=Path, default=None)
    p.add_argument("--idle-exit", type=float, default=None)
    p.add_argument("--announce", type=Path, default=None)
    p.add_argument("--mode", type=parse_modes, default=frozenset(), metavar="LIST",
                   help="behave like another server (see below); default strict")
    args = p.parse_args(argv)
    try:
        serve(EngineConfig(host=args.host, port=args.port, speed=args.speed, faults=args.faults, seed=args.seed,
                           state_dir=args.state_dir, idle_exit=args.idle_exit, announce=args.announce,
                           modes=args.mode))
    except (EngineStartError, FaultSpecError, ValueError) as exc:
        print(f"sora-tui engine: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
