"""SearchBox: a one-line text box typed into to filter as you type, which never lays the screen out again per key.

Textual's Input sets its virtual size (its text's width) on every change, and a widget's virtual size asks for a
layout of the whole screen: every keystroke in the history's search laid out and redrew the screen before the
search could start (bench/keys.py). A box of fixed size has nothing to lay out; its scrolling reads the virtual size
itself, so the cursor still stays in sight as a long search is typed.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class SearchBox(Input):
    """An Input whose typing repaints it and nothing else (its size must not depend on its text: no `auto` width)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
