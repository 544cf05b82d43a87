"""Text search: the entries' casefolded texts (prompt, tags, notes) joined in pieces, searched with bytes.find and
each hit mapped back to its entry.

A needle typed on from the last one (the history browser's next keystroke) is looked for only among the last
one's matches, when those were all found and are few: every match of "lighthouse a" holds "lighthouse ", so the
texts that do not were ruled out already.

State owned here: _narrowing, the last complete set of matches (for the haystack it was found in); it builds the
index's _haystack (index.py), for the order it stands for."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate

from .index import Index, _Entry

HAYSTACK_PIECE = 2_048  # entries joined per piece of the text search's haystack (~400 kB of prompts)
# Matches kept for the next, longer needle: below this, testing each of them is cheaper than a pass over the haystack
# (a pass over 100,000 prompts when little matches: ~6 ms; `in` over 5,000 texts: ~0.5 ms).
NARROWING_MAX = 5_000


class TextSearch(Index):
    """The text search's haystack, and the hits in it."""

    # (the _haystack the matches were found in, the needle, its every match newest first) | None
    _narrowing: tuple[object, str, list[_Entry]] | None = None

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
        stamp, last = self._haystack, self._narrowing
        if last is not None and last[0] is stamp and last[1] in needle:
            hits = [e for e in last[2] if needle in e.hay]  # the same test as the bytes' find, one entry at a time
            self._narrowing = (stamp, needle, hits)
            yield from (reversed(hits) if oldest_first else hits)
            return
        found: list[_Entry] | None = []  # every match, while few enough to keep for the next needle
        for entry in self._scan(pieces, order, want, oldest_first):
            if found is not None:
                found.append(entry)
                if len(found) > NARROWING_MAX:
                    found = None
            yield entry
        # Only reached when every match was asked for (a search that stops at its limit closes the generator first).
        if found is not None:
            self._narrowing = (stamp, needle, found[::-1] if oldest_first else found)

    @staticmethod
    def _scan(pieces: list[tuple[bytes, list[int]]], order: list[_Entry], want: bytes,
              oldest_first: bool) -> Iterator[_Entry]:
        """The entries whose text holds `want`, through the haystack's pieces with bytes.find (or rfind)."""
        n = len(want)
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



def _haystack(order: list[_Entry]) -> list[tuple[bytes, list[int]]]:
    """The entries' texts as UTF-8 (so a prompt with one emoji does not make all of it four bytes a character),
    NUL-separated, HAYSTACK_PIECE entries a piece, with where each entry starts in its piece and one more start
    marking the piece's end."""
    pieces = []
    for at in range(0, len(order), HAYSTACK_PIECE):
        texts = [e.hay.encode() for e in order[at:at + HAYSTACK_PIECE]]
        pieces.append((b"\0".join(texts), list(accumulate((len(t) + 1 for t in texts), initial=0))))
    return pieces
