"""The exit codes (the contract the README states) and which error ends a command with which of them, said once
on stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from ..core.i18n import _
from .output import err

# Exit codes (the contract): 0 ok, 1 a job failed, 2 bad usage or bad input, 3 server unreachable or auth failure.
EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_SERVER = 0, 1, 2, 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def run_reported(command: Callable[[], int]) -> int:
    """`command`'s exit code; an error it ends with is said on stderr and ends it with the code that error means."""
    from ..config import ConfigError
    from ..core.files import TemplateError
    from ..core.params import InvalidParams
    from ..service.jobs import ServiceError
    from ..service.servers import BackendError, HistoryError
    from ..session import SessionError

    try:
        return command()
    except KeyboardInterrupt:
        err(_("interrupted; jobs keep running on the server — `sora-tui resume` picks them up."))
        return 130
    except BrokenPipeError:
        # The reader went away (`sora-tui jobs | head -1`): it has what it wanted; end quietly, as Unix tools do.
        _silence_stdout()
        return EXIT_OK
    except HistoryError as exc:  # the history cannot be used as asked (newer, a directory, a full disk)
        err(str(exc))
        return EXIT_USAGE
    except (InvalidParams, ServiceError, TemplateError) as exc:
        err(getattr(exc, "message", str(exc)))
        return EXIT_USAGE
    except ConfigError as exc:
        err(str(exc))
        return EXIT_USAGE
    except LookupError as exc:  # JobNotFound / AmbiguousJob from the store
        err(str(exc.args[0]) if exc.args else str(exc))
        return EXIT_USAGE
    except SessionError as exc:
        err(exc.message)
        return exc.exit_code
    except CliError as exc:
        err(exc.message)
        return exc.code
    except BackendError as exc:
        err(exc.user_message())
        return EXIT_SERVER if exc.kind in ("auth", "unreachable", "timeout") else (EXIT_USAGE if exc.kind == "bad_request" else EXIT_JOB_FAILED)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
