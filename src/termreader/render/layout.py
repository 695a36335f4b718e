"""Lay a document out at a width: blocks to styled lines, block index to line number, and back."""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from itertools import accumulate
from time import perf_counter
from typing import Any

from termreader.render.model import CODE, HEADING, RULE, TABLE, Block, Document
from termreader.render.wrap import Span, break_offsets, cell_len, count_lines, wrap_spans

Line = list[Span]
"""One rendered line: styled spans (style names, see :mod:`termreader.render`)."""

QUOTE_BAR = "▌ "  # QUOTE_CELLS wide (model.py estimates with it)
BACK_TO_TOP = "↑ Back to top (g)"
FOOTER_LINES = 2  # a blank line, then the back-to-top line


def content_width(block: Block, width: int) -> int:
    """Cells left for the block's text at a column ``width``."""
    return max(4, width - len(QUOTE_BAR) * block.quote - block.indent)


def block_height(block: Block, width: int) -> int:
    """Lines of ``block`` (its gap excluded) at ``width``, without building the lines."""
    inner = content_width(block, width)
    kind = block.kind
    if kind == HEADING:
        return count_lines(block.text, inner) + (1 if block.level <= 2 else 0)
    if kind == CODE:
        avail = max(1, inner - 2)
        return sum(
            1 if (line.isascii() and len(line) <= avail) else count_fold(line, avail)
            for line in block.data[1].split("\n")
        )
    if kind == TABLE:
        return _table_height(block, inner)
    if kind == RULE:
        return 1
    return count_lines(block.text, inner)


def count_fold(line: str, width: int) -> int:
    """Lines a code line takes when folded to ``width`` cells (see :func:`fold_offsets`)."""
    return len(fold_offsets(line, width))


def fold_offsets(line: str, width: int) -> list[int]:
    """Start offsets of the pieces of a code line folded to ``width`` cells.

    A piece ends after the last space that fits (a space at the very end may hang one cell past
    the width: see :func:`code_slices`), so a token such as ``function_name`` is not cut while
    it would fit on a line of its own; a token wider than the line is cut by cells, filling the
    line. Leading indentation is not a break point (it would leave an empty piece).
    """
    width = max(1, width)
    if line.isascii() and len(line) <= width:
        return [0]
    ascii_line = line.isascii()
    length = len(line)
    indent = length - len(line.lstrip(" "))
    starts = [0]
    start = 0
    col = 0
    last_space = -1  # index just after the last breakable space of the current piece
    index = 0
    while index < length:
        char = line[index]
        if char == " " and index >= indent:
            # A space may hang at the line end: it never forces a break itself.
            last_space = index + 1
            col += 1
            index += 1
            continue
        w = 1 if ascii_line or char.isascii() else cell_len(char)
        if col + w > width and index > start:
            cut = index
            if last_space > start:
                token_end = line.find(" ", index)
                token_end = length if token_end < 0 else token_end
                token = token_end - last_space
                fits = (
                    token <= width if ascii_line else cell_len(line[last_space:token_end]) <= width
                )
                if fits:
                    cut = last_space  # the whole token moves to the next line
            starts.append(cut)
            start = cut
            last_space = -1
            col = index - cut if ascii_line else cell_len(line[cut:index])
        col += w
        index += 1
    return starts


def code_slices(line: str, width: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets drawn per folded piece of a code line (a hanging space past
    ``width`` is left out of the drawn piece)."""
    starts = fold_offsets(line, width)
    ends = starts[1:] + [len(line)]
    out: list[tuple[int, int]] = []
    for a, b in zip(starts, ends, strict=True):
        while b > a and line[b - 1] == " " and cell_len(line[a:b]) > width:
            b -= 1
        out.append((a, b))
    return out


def render_block(block: Block, width: int) -> list[Line]:
    """The styled lines of ``block`` (its gap excluded) at column ``width``."""
    inner = content_width(block, width)
    kind = block.kind
    if kind == HEADING:
        lines = wrap_spans(block.spans, inner)
        if block.level <= 2:
            rule_width = max(cell_len("".join(t for t, _ in line)) for line in lines)
            char = "═" if block.level == 1 else "─"
            lines.append([(char * max(1, rule_width), f"rule h{block.level}")])
    elif kind == CODE:
        lines = _code_lines(block, inner)
    elif kind == TABLE:
        lines = _table_lines(block, inner)
    elif kind == RULE:
        lines = [[("─" * inner, "rule")]]
    else:
        lines = wrap_spans(block.spans, inner)
    return _decorate(block, lines)


def _decorate(block: Block, lines: list[Line]) -> list[Line]:
    """Add quote bars, list margins and the bullet of the first line."""
    if not block.quote and not block.indent:
        return lines
    bar: list[Span] = [(QUOTE_BAR * block.quote, "quote-bar")] if block.quote else []
    margin = " " * block.indent
    first_margin = margin
    if block.prefix:
        first_margin = " " * max(0, block.indent - cell_len(block.prefix))
    out: list[Line] = []
    for index, line in enumerate(lines):
        head = list(bar)
        if index == 0 and block.prefix:
            if first_margin:
                head.append((first_margin, ""))
            head.append((block.prefix, "bullet"))
        elif margin:
            head.append((margin, ""))
        if block.quote:
            line = [(t, f"{s} quote".strip()) for t, s in line]
        out.append(head + line)
    return out


CODE_CONTINUATION = "↪"
"""Drawn in the code box's left padding on the continuation lines of a folded code line."""


def _code_lines(block: Block, inner: int) -> list[Line]:
    # The box is one cell of padding, the code, padding to the width: a folded line's
    # continuations carry a dim marker in the left padding, so the code columns stay aligned.
    avail = max(1, inner - 2)
    out: list[Line] = []
    for line in block.data[1].split("\n"):
        for a, b in code_slices(line, avail):
            piece = line[a:b]
            pad = avail - cell_len(piece)
            lead: Span = (CODE_CONTINUATION, "codeblock codecont") if a else (" ", "codeblock")
            out.append([lead, (piece, "codeblock"), (" " * (pad + 1), "codeblock")])
    return out


def code_pieces(block: Block, inner: int) -> list[tuple[int, int, int]]:
    """For code highlighting: per rendered line, (source line, start offset, end offset)."""
    avail = max(1, inner - 2)
    out: list[tuple[int, int, int]] = []
    for number, line in enumerate(block.data[1].split("\n")):
        out.extend((number, a, b) for a, b in code_slices(line, avail))
    return out


def _table_height(block: Block, inner: int) -> int:
    """Table height; without drawing it when every cell fits on one line (the usual case)."""
    rows = block.data[1]
    if not rows:
        return 1
    ncols = max(len(r) for r in rows)
    widths = [0] * ncols
    for row in rows:
        for c, cell in enumerate(row):
            text = "".join(t for t, _ in cell)
            if "\n" in text:
                return len(_table_lines(block, inner))
            widths[c] = max(widths[c], cell_len(text), 1)
    if sum(widths) + 3 * ncols + 1 > inner:
        return len(_table_lines(block, inner))
    return len(rows) + 2 + (1 if len(rows) > 1 else 0)


def _table_lines(block: Block, inner: int) -> list[Line]:
    aligns, rows = block.data
    if not rows:
        return [[]]
    ncols = max(len(r) for r in rows)
    texts = [[cell_len("".join(t for t, _ in cell)) for cell in row] for row in rows]
    widths = [max([r[c] for r in texts if c < len(r)] + [1]) for c in range(ncols)]
    budget = inner - (3 * ncols + 1)
    if sum(widths) > budget:
        # Shrink the widest columns first, so short columns (numbers, flags) stay whole.
        budget = max(ncols * 3, budget)
        while sum(widths) > budget:
            widest = max(range(ncols), key=widths.__getitem__)
            if widths[widest] <= 3:
                break
            widths[widest] -= 1
    border = "table-border"

    def rule(left: str, mid: str, right: str) -> Line:
        return [(left + mid.join("─" * (w + 2) for w in widths) + right, border)]

    out: list[Line] = [rule("┌", "┬", "┐")]
    for r, row in enumerate(rows):
        cells: list[Any] = [
            wrap_spans(row[c], widths[c]) if c < len(row) else [[]] for c in range(ncols)
        ]
        height = max(len(c) for c in cells)
        for k in range(height):
            line: Line = [("│", border)]
            for c in range(ncols):
                spans = cells[c][k] if k < len(cells[c]) else []
                if r == 0:
                    spans = [(t, f"{s} th".strip()) for t, s in spans]
                used = sum(cell_len(t) for t, _ in spans)
                pad = widths[c] - used
                align = aligns[c] if c < len(aligns) else "l"
                left = pad // 2 if align == "c" else pad if align == "r" else 0
                line.append((" " + " " * left, ""))
                line.extend(spans)
                line.append((" " * (pad - left) + " ", ""))
                line.append(("│", border))
            out.append(line)
        if r == 0 and len(rows) > 1:
            out.append(rule("├", "┼", "┤"))
    out.append(rule("└", "┴", "┘"))
    return out


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
    ) -> None:
        """Lay ``document`` out at ``width``: the first ``limit`` blocks exactly (all when None),
        the rest estimated."""
        self.document = document
        self.width = max(8, width)
        self._heights: list[int] = []
        self._exact = bytearray()
        self._inexact = 0
        self._tops: list[int] = [0]
        self._dirty: int | None = None  # first block whose top is stale
        self._cursor = 0  # every block before it is exact (for extend_for)
        self._cache: OrderedDict[int, list[Line]] = OrderedDict()
        self._cache_size = cache_size
        known = document.heights.get(self.width) if document.complete else None
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
        height = block.gap + block_height(block, self.width)
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
        if not self.document.complete or len(self._heights) != len(self.document.blocks):
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
        lines = render_block(self.document.blocks[index], self.width)
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
            for k, (number, a, b) in enumerate(code_pieces(block, inner)):
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


__all__ = [
    "BACK_TO_TOP",
    "FOOTER_LINES",
    "Layout",
    "Line",
    "block_height",
    "render_block",
    "wrap_spans",
]
