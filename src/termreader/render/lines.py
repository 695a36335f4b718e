"""One block's lines at a width: wrapped text, folded code, drawn tables, quote bars and heading
rules, as styled spans. :mod:`termreader.render.layout` places these lines in the document."""

from __future__ import annotations

from typing import Any

from termreader.render.model import CODE, HEADING, RULE, TABLE, Block
from termreader.render.wrap import Span, cell_len, count_lines, units_of, wrap_spans

Line = list[Span]
"""One rendered line: styled spans (style names, see :mod:`termreader.render`)."""

QUOTE_BAR = "▌ "  # QUOTE_CELLS wide (model.py estimates with it)
BACK_TO_TOP = "↑ Back to top (g)"
FOOTER_LINES = 2  # a blank line, then the back-to-top line


def content_width(block: Block, width: int) -> int:
    """Cells left for the block's text at a column ``width``."""
    return max(4, width - len(QUOTE_BAR) * block.quote - block.indent)


def block_height(block: Block, width: int, wrap: bool = True) -> int:
    """Lines of ``block`` (its gap excluded) at ``width``, without building the lines.

    ``wrap`` False: code and tables are not wrapped (one line per source line, columns at
    their natural widths), for reading them scrolled sideways.
    """
    inner = content_width(block, width)
    kind = block.kind
    if kind == HEADING:
        return count_lines(block.text, inner) + (1 if block.level <= 2 else 0)
    if kind == CODE:
        if not wrap:
            return block.data[1].count("\n") + 1
        avail = max(1, inner - 2)
        return sum(
            1 if (line.isascii() and len(line) <= avail) else count_fold(line, avail)
            for line in block.data[1].split("\n")
        )
    if kind == TABLE:
        return _table_height(block, inner if wrap else UNWRAPPED)
    if kind == RULE:
        return 1
    return count_lines(block.text, inner)


UNWRAPPED = 1 << 20
"""The width a table is laid out at when not wrapped: every column at its natural width."""


def is_wide(block: Block) -> bool:
    """True for the blocks drawn unwrapped (and scrolled sideways) when wrapping is off."""
    return block.kind in (CODE, TABLE)


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


def render_block(block: Block, width: int, wrap: bool = True) -> list[Line]:
    """The styled lines of ``block`` (its gap excluded) at column ``width``.

    ``wrap`` False: code and table lines are drawn whole, however wide (the reader shows a
    column-wide window of them, scrolled sideways); a copied line is not broken.
    """
    inner = content_width(block, width)
    kind = block.kind
    if not wrap and kind in (CODE, TABLE):
        lines = _code_lines_whole(block, inner) if kind == CODE else _table_lines(block, UNWRAPPED)
        return _decorate(block, lines)
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


def _code_lines_whole(block: Block, inner: int) -> list[Line]:
    """Code lines unwrapped: the box is as wide as the column or the longest line."""
    lines = block.data[1].split("\n")
    widths = [len(line) if line.isascii() else cell_len(line) for line in lines]
    avail = max(max(1, inner - 2), *widths)
    return [
        [(" ", "codeblock"), (line, "codeblock"), (" " * (avail - w + 1), "codeblock")]
        for line, w in zip(lines, widths, strict=True)
    ]


def code_pieces(block: Block, inner: int, wrap: bool = True) -> list[tuple[int, int, int]]:
    """For code highlighting: per rendered line, (source line, start offset, end offset)."""
    if not wrap:
        return [(n, 0, len(line)) for n, line in enumerate(block.data[1].split("\n"))]
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


def _longest_word(text: str) -> int:
    """Cells of the widest piece of ``text`` that wrapping never breaks (a word, a CJK character
    with its glued punctuation)."""
    if text.isascii():
        return max(map(len, text.split()), default=0)
    return max((cell_len(unit.rstrip()) for unit in units_of(text.replace("\n", " "))), default=0)


def table_widths(texts: list[list[str]], ncols: int, budget: int) -> list[int]:
    """Column widths (cells) for a table of cell ``texts`` in ``budget`` cells of content.

    Sized by content as browsers do for an auto-layout table: every column gets at least its
    widest word when that fits, and the cells left are shared in proportion to how much each
    column's longest cell still lacks, so a column of long words is not cut while the next one
    has room. When even the words do not fit, the widest columns shrink first, so short
    columns (numbers, flags) stay whole.
    """
    longest = [1] * ncols
    for row in texts:
        for c, text in enumerate(row):
            longest[c] = max(longest[c], *(cell_len(line) for line in text.split("\n")))
    if sum(longest) <= budget:
        return longest
    words = [1] * ncols
    for row in texts:
        for c, text in enumerate(row):
            words[c] = max(words[c], _longest_word(text))
    if sum(words) <= budget:
        widths = list(words)
        extra = budget - sum(words)
        lack = [full - word for full, word in zip(longest, words, strict=True)]
        # A column that lacks less than an equal share of the cells left gets its whole width
        # (a short header is not cut for a long column's sake); the rest share in proportion.
        open_cols = sorted(range(ncols), key=lack.__getitem__)
        while open_cols and lack[open_cols[0]] * len(open_cols) <= extra:
            c = open_cols.pop(0)
            widths[c] += lack[c]
            extra -= lack[c]
        total = sum(lack[c] for c in open_cols)
        if open_cols and total:
            shares = {c: extra * lack[c] // total for c in open_cols}
            left = extra - sum(shares.values())
            # The cells lost to rounding go to the columns that still lack the most.
            for c in sorted(open_cols, key=lambda c: lack[c] - shares[c], reverse=True)[:left]:
                shares[c] += 1
            for c in open_cols:
                widths[c] += shares[c]
        return widths
    widths = list(words)
    budget = max(ncols * 3, budget)
    while sum(widths) > budget:
        widest = max(range(ncols), key=widths.__getitem__)
        if widths[widest] <= 3:
            break
        widths[widest] -= 1
    return widths


def _table_lines(block: Block, inner: int) -> list[Line]:
    aligns, rows = block.data
    if not rows:
        return [[]]
    ncols = max(len(r) for r in rows)
    texts = [["".join(t for t, _ in cell) for cell in row] for row in rows]
    widths = table_widths(texts, ncols, inner - (3 * ncols + 1))
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
