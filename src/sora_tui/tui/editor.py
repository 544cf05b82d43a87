"""The prompt in the user's own editor: $VISUAL, else $EDITOR, run on a private temporary file while the app hands
the terminal over (Textual's App.suspend), and the file read back when the editor exits.

The editor runs on the event loop, inside `with app.suspend():`, as Textual documents it. Not in a thread: while
suspended the driver's writer is stopped and holds at most a few writes, so an app that kept drawing meanwhile
would block on it; and input is off, so nothing but timers would run anyway. Whatever goes wrong, the prompt is
left as it was and the message says what to do; an edit that cannot be read back is kept on disk and named."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from textual.app import SuspendNotSupported

from ..core.i18n import _
from ..core.text import one_line

VARIABLES = ("VISUAL", "EDITOR")  # the order every Unix tool reads them in


class EditorProblem(Exception):
    """Why the prompt was not edited, in the interface's language, with what to do; the prompt is unchanged."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def editor_command(environ: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """(the variable it came from, the command as words): `code --wait` is the program `code` and one argument."""
    env = os.environ if environ is None else environ
    for name in VARIABLES:
        value = env.get(name, "").strip()
        if not value:
            continue
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise EditorProblem(_("${name} cannot be read ({error}): check its quotes, e.g. "
                                  "export {name}=\"code --wait\"").format(name=name, error=exc)) from exc
        if words:
            return name, words
    raise EditorProblem(_("Set $VISUAL or $EDITOR to edit the prompt in your editor, e.g. export EDITOR=nano"))


def _read_back(path: Path) -> str:
    """The file as the editor left it, without the one newline editors add at the end of a file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise EditorProblem(_("The editor removed the file it was given, so the prompt is unchanged.")) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Not decoded with replacements: that would change the text behind the user's back. The edit is kept, out
        # of the folder removed below, readable by its owner only (mkstemp).
        handle, kept = tempfile.mkstemp(prefix="sora-tui-prompt-", suffix=".txt")
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
        keep = Path(kept)
        raise EditorProblem(_("The edited text is not UTF-8, so the prompt is unchanged. Your edit is kept in "
                              "{path}: save it as UTF-8 and open the editor again.").format(path=keep)) from exc
    return text.removesuffix("\r\n") if text.endswith("\r\n") else text.removesuffix("\n")


@contextmanager
def _interrupts_for_the_editor() -> Iterator[None]:
    """ctrl+c typed while the editor has the terminal is the editor's. The terminal is back in its own mode then, so
    it sends SIGINT to the whole foreground group, this process too, where it would end the app in the middle of an
    edit. A handler that does nothing, not SIG_IGN: an ignored signal stays ignored in the editor started after it,
    a handled one is the editor's default again."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    before = signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def edit_in_editor(app: Any, text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` edited in the user's editor, with `app` suspended meanwhile; EditorProblem when it was not."""
    name, command = editor_command(environ)
    env = os.environ if environ is None else environ
    shown = one_line(shlex.join(command), 80)
    if shutil.which(command[0], path=env.get("PATH")) is None:
        raise EditorProblem(_("The editor {editor} (from ${name}) was not found: install it, or set ${name} to an "
                              "editor on your PATH, e.g. export {name}=nano").format(editor=one_line(command[0], 80),
                                                                                    name=name))
    # mkdtemp makes the folder readable by its owner only: an unsent prompt is nobody else's to read.
    folder = Path(tempfile.mkdtemp(prefix="sora-tui-prompt-"))
    try:
        path = folder / "prompt.txt"  # .txt: editors pick plain text, not a mode guessed from a bare name
        path.write_text(text, encoding="utf-8")
        try:
            with app.suspend(), _interrupts_for_the_editor():
                done = subprocess.run([*command, str(path)], check=False)
        except SuspendNotSupported as exc:
            raise EditorProblem(_("This terminal cannot hand the screen over to an editor (the app cannot be "
                                  "suspended here): edit the prompt in place.")) from exc
        except OSError as exc:
            raise EditorProblem(_("{editor} could not be started ({error}), so the prompt is unchanged.").format(
                editor=shown, error=one_line(exc.strerror or str(exc), 120))) from exc
        if done.returncode != 0:
            raise EditorProblem(_("{editor} exited with status {code}, so the prompt is unchanged.").format(
                editor=shown, code=done.returncode))
        return _read_back(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
