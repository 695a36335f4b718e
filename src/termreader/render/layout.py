"""Lay a document out at a width: blocks to styled lines, block index to line number, and back."""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from itertools import accumulate
from time import perf_counter

from termreader.render.document import CODE, HEADING, RULE, TABLE, Block, Document
from termreader.render.wrap import Span, break_offsets, cell_len, count_lines, wrap_spans

Line = list[Span]
"""One rendered line: styled spans (style names, see :mod:`termreader.render`)."""

QUOTE_BAR = "▌ "
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
    """Lines a code line takes when folded by cells (code never breaks at spaces)."""
    return len(fold_offsets(line, width))


def fold_offsets(line: str, width: int) -> list[int]:
    """Start offsets of the pieces of ``line`` folded to ``width`` cells."""
    width = max(1, width)
    if line.isascii():
        return list(range(0, max(1, len(line)), width))
    starts = [0]
    col = 0
    for index, char in enumerate(line):
        w = cell_len(char)
        if col and col + w > width:
            starts.append(index)
            col = 0
        col += w
    return starts


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


def _code_lines(block: Block, inner: int) -> list[Line]:
    avail = max(1, inner - 2)
    out: list[Line] = []
    for line in block.data[1].split("\n"):
        starts = fold_offsets(line, avail)
        ends = starts[1:] + [len(line)]
        for a, b in zip(starts, ends, strict=True):
            piece = line[a:b]
            pad = avail - cell_len(piece)
            out.append([(" ", "codeblock"), (piece, "codeblock"), (" " * (pad + 1), "codeblock")])
    return out


def code_pieces(block: Block, inner: int) -> list[tuple[int, int, int]]:
    """For code highlighting: per rendered line, (source line, start offset, end offset)."""
    avail = max(1, inner - 2)
    out: list[tuple[int, int, int]] = []
    for number, line in enumerate(block.data[1].split("\n")):
        starts = fold_offsets(line, avail)
        ends = starts[1:] + [len(line)]
        out.extend((number, a, b) for a, b in zip(starts, ends, strict=True))
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
        cells = [wrap_spans(row[c], widths[c]) if c < len(row) else [[]] for c in range(ncols)]
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
    """Line geometry of a document at one width.

    Block ``i`` occupies lines ``[tops[i], tops[i+1])``: its gap lines first, then its content
    starting at :meth:`block_line`. After the last block come :data:`FOOTER_LINES` lines (the
    back-to-top line last). Heights are computed once per block (fast paths for plain text);
    rendered lines are built on demand and kept in a small LRU.
    """

    def __init__(
        self,
        document: Document,
        width: int,
        *,
        cache_size: int = 512,
        limit: int | None = None,
    ) -> None:
        self.document = document
        self.width = max(8, width)
        self._heights: list[int] = []
        self._tops: list[int] = [0]
        self._cache: OrderedDict[int, list[Line]] = OrderedDict()
        self._cache_size = cache_size
        known = document.heights.get(self.width) if document.complete else None
        if known is not None and len(known) == len(document.blocks):
            # Heights saved with the cache: no wrapping at all.
            self._heights = list(known)
            self._tops = list(accumulate(known, initial=0))
        else:
            self.extend(limit)

    def extend(self, limit: int | None = None) -> None:
        """Lay out the blocks not laid out yet (up to block count ``limit`` if given)."""
        blocks = self.document.blocks
        start = len(self._heights)
        stop = len(blocks) if limit is None else min(limit, len(blocks))
        if start >= stop:
            return
        width = self.width
        new = [b.gap + block_height(b, width) for b in blocks[start:stop]]
        self._heights.extend(new)
        self._tops.extend(accumulate(new, initial=self._tops[-1]))
        del self._tops[start + 1]  # accumulate repeats the running total as its first value
        if stop == len(blocks) and self.document.complete:
            heights = self.document.heights
            if self.width not in heights:
                # Keep the two most recent widths only: the cache stays small.
                while len(heights) >= 2:
                    heights.pop(next(iter(heights)))
                heights[self.width] = list(self._heights)
                self.document.changed = True

    def extend_for(self, seconds: float, batch: int = 256) -> bool:
        """Lay out more blocks for about ``seconds``; True when every block is laid out."""
        deadline = perf_counter() + seconds
        while not self.complete:
            self.extend(len(self._heights) + batch)
            if perf_counter() >= deadline:
                break
        return self.complete

    @property
    def complete(self) -> bool:
        """True when every block of the document (so far) is laid out."""
        return len(self._heights) >= len(self.document.blocks)

    @property
    def block_count(self) -> int:
        """Blocks laid out so far."""
        return len(self._heights)

    @property
    def content_lines(self) -> int:
        """Lines of the blocks (footer excluded)."""
        return self._tops[-1]

    @property
    def total_lines(self) -> int:
        """All lines, footer included."""
        return self._tops[-1] + FOOTER_LINES

    def block_top(self, index: int) -> int:
        """First line of block ``index`` (its gap included)."""
        return self._tops[index]

    def block_line(self, index: int) -> int:
        """First content line of block ``index`` (after its gap)."""
        return self._tops[index] + self.document.blocks[index].gap

    def block_at(self, y: int) -> int:
        """Index of the block containing line ``y`` (clamped to the laid-out blocks)."""
        if not self._heights:
            return 0
        return min(len(self._heights) - 1, max(0, bisect_right(self._tops, y) - 1))

    def anchor_line(self, anchor: str) -> int | None:
        """Line of the heading with ``anchor`` (None when unknown or not laid out yet)."""
        index = self.document.anchors.get(anchor)
        if index is None or index >= len(self._heights):
            return None
        return self.block_line(index)

    def heading_lines(self, top_level: bool = False) -> list[int]:
        """Lines of the laid-out headings (of the smallest level present, if ``top_level``)."""
        doc = self.document
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
        content = self.content_lines
        if y >= content:
            if y == content + FOOTER_LINES - 1:
                if self.complete and self.document.complete:
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
