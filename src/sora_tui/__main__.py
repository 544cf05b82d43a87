"""`python -m sora_tui` is the same as the `sora-tui` command."""

import sys

from .cli import main

sys.exit(main())
