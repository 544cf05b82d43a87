"""`engine`: the built-in local /v1/videos engine in the foreground, until Ctrl+C."""

from __future__ import annotations

import argparse
import os
import sys

from ...core.i18n import _
from ..exits import EXIT_OK, CliError


def run(args: argparse.Namespace) -> int:
    from ...config import Paths
    from ...local_engine import EngineError, serve_in_foreground

    state_dir = args.state_dir
    if state_dir is None:
        paths = Paths.from_env()
        paths.ensure()
        state_dir = paths.engine_dir / "foreground"

    def listening(base_url: str) -> None:
        print(_("sora-tui local engine (procedural renders, not AI) on {url} — any bearer key works. Ctrl+C stops "
                "it.").format(url=base_url), file=sys.stderr, flush=True)

    if not 0 <= args.port <= 65535:
        raise CliError(_("--port takes a number from 0 to 65535 (0 picks a free one)."))
    required = None
    if args.api_key_env:
        required = os.environ.get(args.api_key_env, "").strip()
        if not required:
            raise CliError(_("--api-key-env: the environment variable {name} is not set or empty.").format(
                name=args.api_key_env))
    try:
        serve_in_foreground(host=args.host, port=args.port, speed=args.speed, faults=args.faults, seed=args.seed,
                            state_dir=state_dir, api_key=required, modes=args.mode, on_listening=listening)
    except KeyboardInterrupt:  # Ctrl+C is how the foreground engine is meant to stop
        print(_("sora-tui local engine stopped."), file=sys.stderr)
    except EngineError as exc:
        raise CliError(exc.message) from None
    return EXIT_OK
