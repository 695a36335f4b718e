"""Places in a laid-out article: the section and reading position at a line, the line to show."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from termreader.models import Position, Section
from termreader.render.layout import Layout
from termreader.render.lines import content_width, is_wide
from termreader.render.model import CODE, Document
from termreader.render.wrap import cell_len
from termreader.text.sanitize import clean_line


def section_at(layout: Layout, document: Document, y: int) -> Section | None:
    """The section holding line ``y`` (None above the first heading)."""
    index = layout.section_at(y)
    if index is None:
        return None
    block = document.blocks[index]
    return Section(
        level=block.level, title=clean_line(block.text), anchor=block.anchor, position=block.line
    )


def position_at(layout: Layout, document: Document, y: int, percent: float) -> Position:
    """Line ``y`` as its section's anchor plus lines into the section (what a reader saves)."""
    index = layout.section_at(y)
    if index is None:
        return Position(anchor="", offset=y, percent=percent)
    block = document.blocks[index]
    return Position(anchor=block.anchor, offset=y - layout.block_line(index), percent=percent)


def heading_after(layout: Layout, y: int, top_level: bool = False) -> int | None:
    """The line of the first heading below line ``y`` (None after the last)."""
    lines = layout.heading_lines(top_level)
    pos = bisect_right(lines, y)
    return lines[pos] if pos < len(lines) else None


def heading_before(layout: Layout, y: int, top_level: bool = False) -> int:
    """The line of the last heading above line ``y`` (0, the top, before the first)."""
    lines = layout.heading_lines(top_level)
    pos = bisect_left(lines, y) - 1
    return lines[pos] if pos >= 0 else 0


def top_anchor(layout: Layout, y: int) -> tuple[int, float]:
    """Line ``y`` as its block and how far into the block (0..1): what stays on top when the
    column's width changes (see :func:`anchored_line`)."""
    block = layout.block_at(y)
    within = max(0, y - layout.block_top(block))
    return block, within / max(1, layout.height(block))


def anchored_line(layout: Layout, anchor: tuple[int, float]) -> int:
    """The line of ``layout`` where a :func:`top_anchor` of another width is now (its block
    wrapped for real first)."""
    block, fraction = anchor
    layout.ensure_down(block, 1)
    height = layout.height(block)
    within = min(height - 1, round(fraction * height))
    return layout.block_top(block) + max(0, within)


def expose(layout: Layout, document: Document, index: int, offset: int, height: int) -> int:
    """Line ``offset`` after block ``index``'s first content line, with the ``height`` lines
    from it wrapped for real, so the line is exact."""
    gap = document.blocks[index].gap
    layout.ensure_down(index, gap + max(0, offset) + height + 1)
    return layout.block_line(index) + offset


def settle(layout: Layout, y: int, height: int) -> bool:
    """Wrap the blocks of a screen from line ``y`` for real (their estimated heights were
    placeholders); True when a height changed.

    Only blocks from line ``y``'s block down change: line ``y`` does not move."""
    if layout.complete:
        return False
    index = layout.block_at(y)
    return layout.ensure_down(index, y - layout.block_top(index) + height + 2)


def sideways_room(layout: Layout, document: Document, top: int, height: int) -> int:
    """How far (cells) the widest unwrapped code or table line among lines ``top`` to
    ``top + height`` reaches past its column: the farthest a sideways scroll goes there."""
    widest = 0
    for y in range(top, min(top + height, layout.total_lines)):
        index, within, spans = layout.line(y)
        if within < 0 or index >= layout.block_count:
            continue
        block = document.blocks[index]
        if is_wide(block):
            inner = content_width(block, layout.width)
            used = sum(cell_len(text) for text, _ in spans) - (layout.width - inner)
            widest = max(widest, used - inner)
    return widest


def code_in_view(layout: Layout, document: Document, top: int, height: int) -> str | None:
    """The text of the first code block with a line among lines ``top`` to ``top + height``."""
    first = layout.block_at(top)
    last = layout.block_at(top + height - 1)
    for index in range(first, min(last + 1, layout.block_count)):
        block = document.blocks[index]
        if block.kind == CODE and layout.block_line(index) + layout.height(index) > top:
            return str(block.data[1])
    return None


def code_match_shift(
    document: Document, hit: tuple[int, int], length: int, inner: int
) -> int | None:
    """The sideways shift that shows a find match in an unwrapped code block (None when the
    hit is not in code): the match's columns inside a window ``inner`` cells wide, a quarter of
    the window of context before it when it lies past the first window."""
    index, offset = hit
    block = document.blocks[index]
    if block.kind != CODE:
        return None
    text = block.text
    start = text.rfind("\n", 0, offset) + 1
    column = 1 + cell_len(text[start:offset])  # the box's left padding first
    end = column + cell_len(text[offset : offset + length])
    if end < inner - 1:
        return 0
    return max(0, column - inner // 4)
