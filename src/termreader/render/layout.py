"""Lay a document out at a width: block index to line number and back, exact where looked at.

:class:`Layout` is one index over the blocks' heights and tops; its methods all read and correct
the same arrays (estimate, make exact, locate, map matches to lines), so it stays one class of
~330 lines rather than several objects passing those arrays around.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from itertools import accumulate
from time import perf_counter

from termreader.render.lines import (
    BACK_TO_TOP,
    FOOTER_LINES,
    Line,
    block_height,
    code_pieces,
    content_width,
    render_block,
)
from termreader.render.model import CODE, HEADING, TABLE, Document
from termreader.render.wrap import break_offsets


class Layout:
    """Line geometry of a document at one width, exact where it has been looked at.

    Block ``i`` occupies lines ``[tops[i], tops[i+1])``: its gap lines first, then its content
    starting at :meth:`block_line`. After the last block come :data:`FOOTER_LINES` lines (the
    back-to-top line last).

    Every block has a height from the start: exact where it was wrapped (see
    :meth:`ensure_down`, :meth:`ensure_up`, :meth:`extend`), otherwise estimated from its
    length (:meth:`Document.size_hints`), so a new width costs one pass over a list of integers, not a
    wrap of the whole document. Correcting an estimate moves only the lines *after* that block:
    a caller keeps its view anchored to a block (and a line in it) across corrections.
    Rendered lines are built on demand and kept in a small LRU.
    """

    def __init__(
        self,
        document: Document,
        width: int,
        *,
        cache_size: int = 512,
        limit: int | None = None,
        wrap: bool = True,
    ) -> None:
        """Lay ``document`` out at ``width``: the first ``limit`` blocks exactly (all when None),
        the rest estimated. ``wrap`` False: code and tables are not wrapped (see
        :func:`~termreader.render.lines.render_block`)."""
        self.document = document
        self.width = max(8, width)
        self.wrap = wrap
        self._heights: list[int] = []
        self._exact = bytearray()
        self._inexact = 0
        self._tops: list[int] = [0]
        self._dirty: int | None = None  # first block whose top is stale
        self._cursor = 0  # every block before it is exact (for extend_for)
        self._cache: OrderedDict[int, list[Line]] = OrderedDict()
        self._cache_size = cache_size
        # Saved line counts are of wrapped code: an unwrapped layout wraps what it shows.
        known = document.heights.get(self.width) if document.complete and wrap else None
        if known is not None and len(known) == len(document.blocks):
            # Heights saved with the cache: no wrapping at all.
            self._heights = list(known)
            self._exact = bytearray(b"\x01") * len(known)
            self._tops = list(accumulate(known, initial=0))
            self._cursor = len(known)
        else:
            self._grow()
            self.extend(limit)

    # --- bookkeeping ----------------------------------------------------------------------------
    def _grow(self) -> None:
        """Estimate the blocks appended to the document since the last look."""
        start = len(self._heights)
        if start >= len(self.document.blocks):
            return
        fixed, cells, margins = self.document.size_hints()
        width = self.width
        new = [
            f + c // max(4, width - m)
            for f, c, m in zip(fixed[start:], cells[start:], margins[start:], strict=False)
        ]
        self._heights.extend(new)
        self._exact.extend(bytes(len(new)))
        self._inexact += len(new)
        self._tops.extend(accumulate(new, initial=self._tops[-1]))
        del self._tops[start + 1]  # accumulate repeats the running total as its first value

    def _fix(self) -> None:
        if len(self._heights) < len(self.document.blocks):
            self._grow()
        dirty = self._dirty
        if dirty is not None:
            self._dirty = None
            tops = self._tops
            tops[dirty + 1 :] = accumulate(self._heights[dirty:], initial=tops[dirty])
            del tops[dirty + 1]

    def _exactify(self, index: int) -> int:
        """Wrap block ``index`` for real; returns its (exact) height."""
        if self._exact[index]:
            return self._heights[index]
        block = self.document.blocks[index]
        height = block.gap + block_height(block, self.width, self.wrap)
        self._exact[index] = 1
        self._inexact -= 1
        if height != self._heights[index]:
            self._heights[index] = height
            if self._dirty is None or index < self._dirty:
                self._dirty = index
        if self._inexact == 0:
            self._save_heights()
        return height

    def _save_heights(self) -> None:
        if (
            not self.wrap
            or not self.document.complete
            or len(self._heights) != len(self.document.blocks)
        ):
            return
        heights = self.document.heights
        if self.width not in heights:
            # Keep the two most recent widths only: the cache stays small.
            while len(heights) >= 2:
                heights.pop(next(iter(heights)))
            heights[self.width] = list(self._heights)
            self.document.changed = True

    # --- making heights exact -------------------------------------------------------------------
    def is_exact(self, index: int) -> bool:
        """True when block ``index`` has been wrapped at this width (not estimated)."""
        return index < len(self._exact) and bool(self._exact[index])

    def height(self, index: int) -> int:
        """Lines of block ``index``, gap included (exact or estimated)."""
        self._fix()
        return self._heights[index]

    def ensure_down(self, index: int, lines: int) -> bool:
        """Make blocks exact from ``index`` on until they cover ``lines`` lines (from the top of
        block ``index``). Lines before block ``index`` do not move. True if a height changed."""
        self._fix()
        heights, exact = self._heights, self._exact
        count = len(heights)
        covered = 0
        changed = False
        index = max(0, index)
        while index < count and covered < lines:
            if not exact[index]:
                before = heights[index]
                changed |= self._exactify(index) != before
            covered += heights[index]
            index += 1
        self._fix()
        return changed

    def ensure_up(self, index: int, lines: int) -> bool:
        """Make the blocks before ``index`` exact, going up until they cover ``lines`` lines."""
        self._fix()
        heights, exact = self._heights, self._exact
        covered = 0
        changed = False
        index = min(index, len(heights)) - 1
        while index >= 0 and covered < lines:
            if not exact[index]:
                before = heights[index]
                changed |= self._exactify(index) != before
            covered += heights[index]
            index -= 1
        self._fix()
        return changed

    def extend(self, limit: int | None = None) -> None:
        """Make the first ``limit`` blocks exact (every block when None)."""
        self._fix()
        stop = len(self._heights) if limit is None else min(limit, len(self._heights))
        exact = self._exact
        for index in range(self._cursor, stop):
            if not exact[index]:
                self._exactify(index)
        self._cursor = max(self._cursor, stop)
        self._fix()
        if self._inexact == 0:
            self._save_heights()

    def extend_for(self, seconds: float, batch: int = 16) -> bool:
        """Make more blocks exact (in order) for about ``seconds``; True when all are exact."""
        deadline = perf_counter() + seconds
        while not self.complete:
            self.extend(self._cursor + batch)
            if perf_counter() >= deadline:
                break
        return self.complete

    @property
    def exact_until(self) -> int:
        """Every block before this index has its exact height (:meth:`extend` goes on here)."""
        return self._cursor

    @property
    def complete(self) -> bool:
        """True when every block of the document (so far) has its exact height."""
        self._fix()
        return self._inexact == 0

    @property
    def block_count(self) -> int:
        """Blocks laid out (all of the document's so far, some perhaps estimated)."""
        self._fix()
        return len(self._heights)

    @property
    def content_lines(self) -> int:
        """Lines of the blocks (footer excluded)."""
        self._fix()
        return self._tops[-1]

    @property
    def total_lines(self) -> int:
        """All lines, footer included."""
        self._fix()
        return self._tops[-1] + FOOTER_LINES

    def block_top(self, index: int) -> int:
        """First line of block ``index`` (its gap included)."""
        self._fix()
        return self._tops[index]

    def block_line(self, index: int) -> int:
        """First content line of block ``index`` (after its gap)."""
        self._fix()
        return self._tops[index] + self.document.blocks[index].gap

    def block_at(self, y: int) -> int:
        """Index of the block containing line ``y`` (clamped to the blocks)."""
        self._fix()
        if not self._heights:
            return 0
        return min(len(self._heights) - 1, max(0, bisect_right(self._tops, y) - 1))

    def anchor_line(self, anchor: str) -> int | None:
        """Line of the heading with ``anchor`` (None when unknown)."""
        index = self.document.anchors.get(anchor)
        if index is None:
            return None
        self._fix()
        if index >= len(self._heights):
            return None
        return self.block_line(index)

    def heading_lines(self, top_level: bool = False) -> list[int]:
        """Lines of the laid-out headings (of the smallest level present, if ``top_level``)."""
        doc = self.document
        self._fix()
        heads = [i for i in doc.headings if i < len(self._heights)]
        if top_level and heads:
            top = doc.top_level()
            heads = [
                i
                for i in heads
                if doc.blocks[i].level <= top and not (doc.blocks[i].indent or doc.blocks[i].quote)
            ]
        return [self.block_line(i) for i in heads]

    def section_at(self, y: int) -> int | None:
        """Block index of the heading whose section contains line ``y`` (None before the first)."""
        doc = self.document
        block = self.block_at(y)
        pos = bisect_right(doc.headings, block) - 1
        if pos < 0:
            return None
        index = doc.headings[pos]
        if index == block and y < self.block_line(index):
            pos -= 1  # in the gap above the heading: still the previous section
            if pos < 0:
                return None
            index = doc.headings[pos]
        return index

    def lines_of(self, index: int) -> list[Line]:
        """Rendered content lines of block ``index`` (cached)."""
        lines = self._cache.get(index)
        if lines is not None:
            self._cache.move_to_end(index)
            return lines
        lines = render_block(self.document.blocks[index], self.width, self.wrap)
        self._cache[index] = lines
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return lines

    def line(self, y: int) -> tuple[int, int, Line]:
        """Line ``y`` as ``(block index, line in block or -1 for gap/footer, spans)``."""
        self._fix()
        content = self.content_lines
        if y >= content:
            if y == content + FOOTER_LINES - 1:
                if self.document.complete:  # estimated heights are no reason to wait
                    return len(self._heights), 0, [(BACK_TO_TOP, "backtop")]
                return len(self._heights), 0, [("…", "message")]
            return len(self._heights), -1, []
        index = self.block_at(y)
        within = y - self.block_line(index)
        if within < 0:
            return index, -1, []
        lines = self.lines_of(index)
        if within >= len(lines):
            return index, -1, []
        return index, within, lines[within]

    def match_lines_many(self, hits: Iterable[tuple[int, int]], length: int) -> list[int]:
        """Lines of many ``(block, offset)`` search hits (line breaks computed once per block)."""
        out: list[int] = []
        last_index = -1
        starts: list[int] = []
        base = 0
        for index, offset in hits:
            if index >= len(self._heights):
                break
            block = self.document.blocks[index]
            if block.kind not in (HEADING, "p"):
                out.append(self.match_lines(index, offset, length))
                continue
            if index != last_index:
                last_index = index
                starts = break_offsets(block.text, content_width(block, self.width))
                base = self.block_line(index)
            out.append(base + max(0, bisect_right(starts, offset) - 1))
        return out

    def match_lines(self, index: int, offset: int, length: int) -> int:
        """Line of a search match at character ``offset`` of block ``index``'s text."""
        block = self.document.blocks[index]
        base = self.block_line(index)
        if block.kind in (HEADING, "p"):
            starts = break_offsets(block.text, content_width(block, self.width))
            return base + max(0, bisect_right(starts, offset) - 1)
        if block.kind == CODE:
            inner = content_width(block, self.width)
            source_line = block.text.count("\n", 0, offset)
            col = offset - (block.text.rfind("\n", 0, offset) + 1)
            for k, (number, a, b) in enumerate(code_pieces(block, inner, self.wrap)):
                if number == source_line and (a <= col < b or b == a):
                    return base + k
            return base
        if block.kind == TABLE:
            needle = block.text[offset : offset + length].lower()
            before = block.text[:offset].lower().count(needle)
            seen = 0
            for k, line in enumerate(self.lines_of(index)):
                text = "".join(t for t, _ in line).lower()
                seen += text.count(needle)
                if seen > before:
                    return base + k
        return base
