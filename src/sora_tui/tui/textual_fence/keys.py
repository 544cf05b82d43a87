"""Keys from raw terminal input, made as Textual's own driver makes them (its parser is a private module)."""

from __future__ import annotations

from textual.message import Message


def parse_keys(text: str) -> list[Message]:
    """The events (keys, pastes, mouse reports) Textual's driver makes of `text` read from the terminal, the escape
    sequences left at its end included."""
    from textual._xterm_parser import XTermParser  # loaded only when there are keys to parse

    parser = XTermParser()
    return [*parser.feed(text), *parser.tick()]
