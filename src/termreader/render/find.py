"""Find in an article: matches kept as (block, offset); their lines computed only when needed."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from termreader.render.layout import Layout
from termreader.render.model import Document


class Finder:
    """The matches of one query, case-insensitive, and which one is current.

    A match's line is its block's line plus the line of the match inside the block; only the
    latter is computed (once per match, by wrapping that one block), so a find in a huge
    article never wraps the rest of it, and the lines follow the layout as its estimates are
    corrected.
    """

    def __init__(self, query: str = "") -> None:
        self.query = query
        self.hits: list[tuple[int, int]] = []
        self.current = -1
        self._within: dict[int, int] = {}

    def __bool__(self) -> bool:
        return bool(self.query.strip())

    def __len__(self) -> int:
        return len(self.hits)

    def search(self, document: Document) -> None:
        """Collect every match of :attr:`query` in ``document``."""
        self.hits = list(document.search(self.query)) if self.query.strip() else []
        self._within = {}
        self.current = -1

    def add_blocks(self, document: Document, start: int) -> None:
        """Add the matches of blocks ``start:`` (appended by an incremental parse)."""
        if not self.query:
            return
        self.hits.extend(document.search(self.query, start))
        if self.current < 0 and self.hits:
            self.current = 0

    def forget_lines(self) -> None:
        """Drop computed lines (the layout changed width)."""
        self._within = {}

    @property
    def current_number(self) -> int:
        """The current match, 1-based (0 without matches): the "3" of "3 of 57"."""
        return self.current + 1 if self.hits and self.current >= 0 else 0

    def line(self, index: int, layout: Layout, ensure: Callable[[int], None] | None = None) -> int:
        """Layout line of match ``index`` (``ensure`` is accepted for compatibility; unused:
        every block has a line, exact or estimated)."""
        block, offset = self.hits[index]
        within = self._within.get(index)
        if within is None:
            within = layout.match_lines(block, offset, len(self.query)) - layout.block_line(block)
            self._within[index] = within
        return layout.block_line(block) + within

    def first_from(
        self, y: int, layout: Layout, ensure: Callable[[int], None] | None = None
    ) -> int:
        """Index of the first match at or below line ``y`` (wrapping to the first)."""
        block = layout.block_at(y) if y < layout.content_lines else layout.block_count
        index = bisect_left(self.hits, (block, 0))
        while index < len(self.hits) and self.line(index, layout, ensure) < y:
            index += 1
        return index if index < len(self.hits) else 0

    def step(self, delta: int) -> None:
        """Make the next (``+1``) or previous (``-1``) match current, wrapping around."""
        if self.hits:
            self.current = (self.current + delta) % len(self.hits)

    def current_on_line(
        self, y: int, layout: Layout, ensure: Callable[[int], None] | None = None
    ) -> int:
        """Which occurrence on line ``y`` is the current match (-1 if it is not on ``y``)."""
        if not self.hits or self.current < 0 or self.line(self.current, layout, ensure) != y:
            return -1
        # Count the earlier matches of the same block that sit on the same line.
        k = 0
        block = self.hits[self.current][0]
        j = self.current - 1
        while j >= 0 and self.hits[j][0] == block and self.line(j, layout, ensure) == y:
            k += 1
            j -= 1
        return k
