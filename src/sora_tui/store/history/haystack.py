"""Text search: the entries' casefolded texts (prompt, tags, notes) joined in pieces, searched with bytes.find and
each hit mapped back to its entry.

State owned here: none of its own; it builds the index's _haystack (index.py), for the order it stands for."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate

from .index import Index, _Entry

HAYSTACK_PIECE = 2_048  # entries joined per piece of the text search's haystack (~400 kB of prompts)


class TextSearch(Index):
    """The text search's haystack, and the hits in it."""

    def _text_hits(self, needle: str, oldest_first: bool) -> Iterator[_Entry]:
        """The entries whose prompt, tags or notes hold `needle` (casefolded), newest first (or oldest first).

        Found with bytes.find over the entries' texts joined a few thousand at a time (C speed: ~6 ms through
        100,000 prompts when nothing matches, where `needle in e.hay` per entry took 15-40 ms), each hit mapped back
        to its entry by offset. In pieces, not one 20 MB string: a find or a join holds the GIL throughout, and
        the event loop waits behind it (one join of all of them held it 23 ms)."""
        order, pieces = self._newest_first(), self._haystack_pieces()
        want = needle.encode()
        n = len(want)
        if not n:
            yield from (reversed(order) if oldest_first else order)
            return
        for k in (range(len(pieces) - 1, -1, -1) if oldest_first else range(len(pieces))):
            joined, starts = pieces[k]
            base = k * HAYSTACK_PIECE
            if oldest_first:
                end = len(joined)
                while (pos := joined.rfind(want, 0, end)) >= 0:
                    i = bisect_right(starts, pos) - 1
                    if pos + n < starts[i + 1]:  # inside entry i (not across the separator after it)
                        yield order[base + i]
                        end = max(0, starts[i] - 1)
                    else:
                        end = pos + n - 1
                continue
            pos = joined.find(want)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                if pos + n < starts[i + 1]:
                    yield order[base + i]
                    pos = joined.find(want, starts[i + 1])
                else:
                    pos = joined.find(want, pos + 1)

    def _haystack_pieces(self) -> list[tuple[bytes, list[int]]]:
        """The text search's haystack for the current order, built when the order or a text changed."""
        order = self._newest_first()
        if self._haystack is None or self._haystack[0] is not order:
            self._haystack = (order, _haystack(order))
        return self._haystack[1]

    def prepare_search(self) -> None:
        """Build what a text search needs now (a thread's work, before the first keystroke) rather than at it."""
        with self._lock.held():
            self._sync()
            self._haystack_pieces()


def _haystack(order: list[_Entry]) -> list[tuple[bytes, list[int]]]:
    """The entries' texts as UTF-8 (so a prompt with one emoji does not make all of it four bytes a character),
    NUL-separated, HAYSTACK_PIECE entries a piece, with where each entry starts in its piece and one more start
    marking the piece's end."""
    pieces = []
    for at in range(0, len(order), HAYSTACK_PIECE):
        texts = [e.hay.encode() for e in order[at:at + HAYSTACK_PIECE]]
        pieces.append((b"\0".join(texts), list(accumulate((len(t) + 1 for t in texts), initial=0))))
    return pieces
