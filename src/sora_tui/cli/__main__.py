"""`python -m sora_tui.cli` is the same as the `sora-tui` command."""

import sys

from . import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
