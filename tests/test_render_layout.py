"""Layout: block heights, line lookups, anchors, sections, find positions, drawing of blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from termreader.render.layout import Layout
from termreader.render.lines import BACK_TO_TOP, FOOTER_LINES, block_height, render_block
from termreader.render.parser import parse
from termreader.text.outline import sections_from_markdown

TABLE_DOC = """\
# Data

| 名前 | Value | Notes |
|:----|:-----:|------:|
| 一 | 1 | short |
| two | 22 | a much longer note that will have to wrap in a narrow column |

> quoted text that is long enough to wrap around at least once in a narrow column
>
> - a list inside the quote

```python
def very_long_function_name(argument_one, argument_two, argument_three):
    return argument_one
```
"""


def _line_text(line: list[tuple[str, str]]) -> str:
    return "".join(t for t, _ in line)


@pytest.mark.parametrize(
    "name", ["the-art-of-command-line.README-zh.md", "the-art-of-command-line.README-ja.md"]
)
@pytest.mark.parametrize("width", [20, 47, 100])
def test_heights_match_drawn_lines(fixtures: Path, name: str, width: int) -> None:
    """The fast height of every block equals the lines actually drawn, and all fit the width."""
    doc = parse((fixtures / "markdown" / name).read_text("utf-8") + "\n\n" + TABLE_DOC)
    for block in doc.blocks:
        lines = render_block(block, width)
        assert block_height(block, width) == len(lines), block
        for line in lines:
            assert cell_len(_line_text(line)) <= width, (block, _line_text(line))


def test_line_lookup_and_footer(fixtures: Path) -> None:
    doc = parse((fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8"))
    layout = Layout(doc, 80)
    assert layout.total_lines == layout.content_lines + FOOTER_LINES
    assert layout.line(layout.total_lines - 1)[2] == [(BACK_TO_TOP, "backtop")]
    for index in range(0, len(doc.blocks), 7):
        y = layout.block_line(index)
        got_index, within, spans = layout.line(y)
        assert (got_index, within) == (index, 0)
        assert layout.block_at(y) == index
        assert layout.block_top(index) == y - doc.blocks[index].gap


def test_anchor_lines_and_sections(fixtures: Path) -> None:
    body = (fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8")
    doc = parse(body)
    layout = Layout(doc, 80)
    for section in sections_from_markdown(body):
        y = layout.anchor_line(section.anchor)
        assert y is not None
        assert section.title in _line_text(layout.line(y)[2])
        index = layout.section_at(y)
        assert doc.blocks[index].anchor == section.anchor
        assert layout.section_at(y + 1) == index
    assert layout.anchor_line("missing") is None
    assert layout.section_at(0) is None  # before the first heading
    assert len(layout.heading_lines(top_level=True)) < len(layout.heading_lines())


def test_relayout_at_another_width_moves_lines(fixtures: Path) -> None:
    doc = parse((fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8"))
    wide, narrow = Layout(doc, 100), Layout(doc, 40)
    assert narrow.total_lines > wide.total_lines
    anchor = doc.sections[5].anchor
    assert narrow.anchor_line(anchor) > wide.anchor_line(anchor)


def test_match_lines_hold_the_match(fixtures: Path) -> None:
    doc = parse((fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8"))
    layout = Layout(doc, 60)
    hits = list(doc.search("命令"))
    assert len(hits) > 20
    found = 0
    for index, offset in hits:
        y = layout.match_lines(index, offset, 2)
        text = _line_text(layout.line(y)[2]) + _line_text(layout.line(y + 1)[2])
        assert "命" in text
        found += "命令" in _line_text(layout.line(y)[2])
    assert found >= len(hits) * 0.9  # a few matches are split across a line break


def test_table_is_drawn_aligned() -> None:
    doc = parse(TABLE_DOC)
    table = next(b for b in doc.blocks if b.kind == "table")
    lines = [_line_text(x) for x in render_block(table, 40)]
    widths = {cell_len(line) for line in lines}
    assert len(widths) == 1 and widths.pop() <= 40  # every row the same width in cells
    assert lines[0].startswith("┌") and lines[-1].startswith("└")
    assert any(line.startswith("├") for line in lines)
    assert "名前" in lines[1]
    # Right-aligned column: the value sits against the right border.
    row = next(line for line in lines if "short" in line)
    assert row.rstrip("│").rstrip().endswith("short")


def test_quote_list_and_code_decoration() -> None:
    doc = parse(TABLE_DOC)
    quote_lines = [_line_text(line) for b in doc.blocks if b.quote for line in render_block(b, 30)]
    assert len(quote_lines) >= 3
    assert all(line.startswith("▌ ") for line in quote_lines)
    assert any("• a list inside the quote" in line for line in quote_lines)
    code = next(b for b in doc.blocks if b.kind == "code")
    drawn = render_block(code, 30)
    assert len(drawn) > 2  # the long line is folded, not cut
    assert "".join(_line_text(x).strip().lstrip("↪") for x in drawn).replace(" ", "") == code.data[
        1
    ].replace("\n", "").replace(" ", "")
    assert {cell_len(_line_text(x)) for x in drawn} == {30}


def test_heading_rules() -> None:
    doc = parse("# One\n\n## Two\n\n### Three\n")
    drawn = [[_line_text(x) for x in render_block(b, 40)] for b in doc.blocks]
    assert drawn[0] == ["One", "═══"]
    assert drawn[1] == ["Two", "───"]
    assert drawn[2] == ["Three"]


def test_saved_line_counts_skip_wrapping(fixtures: Path) -> None:
    """A cached document carries its line counts per width: laying it out again wraps nothing."""
    from termreader.render.codec import from_bytes, to_bytes

    doc = parse((fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8"))
    first = Layout(doc, 72)
    assert doc.changed and 72 in doc.heights
    back = from_bytes(to_bytes(doc))
    assert not doc.changed
    assert back.heights == {72: doc.heights[72]}
    again = Layout(back, 72)
    assert again.complete and again.total_lines == first.total_lines
    anchor = doc.sections[-1].anchor
    assert again.anchor_line(anchor) == first.anchor_line(anchor)
    # Another width is computed, and only the two latest widths are kept.
    Layout(back, 50)
    Layout(back, 60)
    assert sorted(back.heights) == [50, 60]


def test_partial_layout_grows(fixtures: Path) -> None:
    doc = parse((fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8"))
    full = Layout(doc, 80)
    part = Layout(parse(""), 80)  # an empty document: just the footer
    assert part.complete and part.total_lines == FOOTER_LINES
    lazy = Layout(doc.__class__(doc.blocks, doc.links), 80, limit=10)
    assert lazy.block_count == len(doc.blocks) and not lazy.complete
    assert all(lazy.is_exact(i) for i in range(10)) and not lazy.is_exact(10)
    lazy.extend_for(10.0)
    assert lazy.complete and lazy.total_lines == full.total_lines
    assert [lazy.block_top(i) for i in range(len(doc.blocks))] == [
        full.block_top(i) for i in range(len(doc.blocks))
    ]


def test_estimated_layout_is_corrected_below_the_wrapped_block(fixtures: Path) -> None:
    """Issue 5: a new width estimates heights; wrapping a block moves only the lines after it."""
    doc = parse((fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8"))
    exact = Layout(doc, 50)
    fresh = doc.__class__(doc.blocks, doc.links)  # no saved line counts
    lazy = Layout(fresh, 50, limit=0)
    assert not lazy.complete and lazy.block_count == len(doc.blocks)
    # Estimates are in the right ballpark (the scrollbar and percentages stay sensible).
    assert 0.7 < lazy.total_lines / exact.total_lines < 1.3
    middle = len(doc.blocks) // 2
    top = lazy.block_top(middle)
    lazy.ensure_down(middle, 40)
    assert lazy.block_top(middle) == top  # the anchored block did not move
    covered = 0
    index = middle
    while covered < 40:
        assert lazy.is_exact(index)
        assert lazy.height(index) == exact.height(index)
        covered += lazy.height(index)
        index += 1
    assert not lazy.is_exact(middle - 1)
    lazy.ensure_up(len(doc.blocks), 30)  # the last screen
    assert lazy.is_exact(len(doc.blocks) - 1)
    assert lazy.line(lazy.total_lines - 1)[2] == [(BACK_TO_TOP, "backtop")]
    # Drawn lines of exact blocks are the exact layout's, shifted by the estimate error.
    shift = lazy.block_line(middle) - exact.block_line(middle)
    for y in range(exact.block_line(middle), exact.block_line(middle) + 30):
        assert lazy.line(y + shift)[2] == exact.line(y)[2]
    lazy.extend()
    assert lazy.complete and lazy.total_lines == exact.total_lines
    assert fresh.heights[50] == [exact.height(i) for i in range(len(doc.blocks))]


CODE_DOC = """\
```python
def very_long_function_name(argument_one, argument_two, argument_three):
    return some_module.another_function(argument_one, argument_two) + yet_another_call(x)
aVeryLongTokenWithoutAnySpacesThatMustBeCutSomewhereBecauseItIsWiderThanTheLine = 1
    中文代码行很长很长很长很长很长很长 = 函数(参数一, 参数二, 参数三)
```
"""


@pytest.mark.parametrize("width", [30, 44, 61])
def test_long_code_lines_fold_at_spaces_with_a_marker(width: int) -> None:
    """Long code lines fold between tokens, and each continuation line starts with a marker."""
    code = parse(CODE_DOC).blocks[0]
    drawn = [_line_text(x) for x in render_block(code, width)]
    assert len(drawn) == block_height(code, width)
    assert {cell_len(line) for line in drawn} == {width}  # the code box keeps its width
    source = code.data[1].split("\n")
    # Rebuild each source line from its drawn pieces: nothing is lost, only the marker added.
    rebuilt: list[str] = []
    for line in drawn:
        lead, body = line[0], line[1:-1]
        assert lead in (" ", "↪")
        if lead == " ":
            rebuilt.append(body.rstrip())
        else:
            rebuilt[-1] += body.rstrip()
    assert len(rebuilt) == len(source)
    for got, want in zip(rebuilt, source, strict=True):
        assert got.replace(" ", "") == want.replace(" ", "")
    tokens = {t.strip("(),:=") for t in " ".join(source).split()}
    # A token that fits on a line is never cut: it appears whole on some drawn line.
    for token in tokens:
        if token and cell_len(token) <= width - 2:
            assert any(token in line for line in drawn), token
    assert any(line.startswith("↪") for line in drawn)


def test_code_fold_keeps_short_lines_and_cuts_only_giant_tokens() -> None:
    from termreader.render.lines import fold_offsets

    assert fold_offsets("short line", 20) == [0]
    assert fold_offsets("alpha beta gamma", 11) == [0, 11]  # after "alpha beta "
    assert fold_offsets("x" * 25, 10) == [0, 10, 20]  # no space: cut by cells
    assert fold_offsets("    indented_token_longer", 10)[1] > 4  # indentation is no break point
