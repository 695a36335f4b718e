"""One block's lines (issue 13): list numbers aligned right, table columns sized by content."""

from __future__ import annotations

from rich.cells import cell_len

from termreader.render.layout import Layout
from termreader.render.lines import table_widths
from termreader.render.parser import parse


def screen(body: str, width: int) -> list[str]:
    layout = Layout(parse(body), width)
    return ["".join(t for t, _ in layout.line(y)[2]) for y in range(layout.content_lines)]


def test_numbers_from_ten_on_are_aligned_right() -> None:
    """Regression: items 10 and up started their text one column right of items 1-9 ("9. x" /
    "10. x" had their text in columns 3 and 4)."""
    body = "\n".join(
        f"{n}. item {n} has text that wraps onto a second line here" for n in range(1, 13)
    )
    lines = screen(body, 30)
    starts = {line.index("item") for line in lines if "item" in line}
    assert starts == {4}
    assert lines[0].startswith(" 1. item 1")
    assert any(line.startswith("10. item 10") for line in lines)
    # Continuation lines hang under the text, not under the number.
    continuation = lines[1]
    assert continuation.startswith("    ") and not continuation.startswith("     ")


def test_list_numbers_follow_the_start_number() -> None:
    lines = screen("98. a\n99. b\n100. c\n", 30)
    assert lines == [" 98. a", " 99. b", "100. c"]


def test_short_numbered_list_and_bullets_are_unchanged() -> None:
    assert screen("1. a\n2. b\n\n- c\n", 30) == ["1. a", "2. b", "", "• c"]


def test_table_columns_are_sized_by_content() -> None:
    """Regression: columns were split evenly, so ``--reading-width`` broke inside the word while
    the description column beside it had room."""
    body = (
        "| Option | Meaning |\n|---|---|\n"
        "| --reading-width | The width of the reading column in cells, capped at the pane |\n"
        "| --theme | Which theme to use when the app starts up |\n"
    )
    for width in (40, 60):
        lines = screen(body, width)
        assert any("│ --reading-width │" in line for line in lines), lines
        assert all(cell_len(line) <= width for line in lines)


def test_wide_cjk_cells_are_measured_in_cells() -> None:
    body = (
        "| 选项 | 说明 |\n|---|---|\n"
        "| 阅读宽度 | 阅读栏的宽度，以单元格计算，不超过窗格的宽度，默认为八十个单元格 |\n"
    )
    for width in (30, 44, 80):
        lines = screen(body, width)
        assert len({cell_len(line) for line in lines}) == 1, lines  # borders line up
        assert all(cell_len(line) <= width for line in lines)


def test_table_widths_share_the_rest_in_proportion() -> None:
    texts = [["a", "bb"], ["word " * 10, "x " * 40]]
    widths = table_widths(texts, 2, 50)
    assert sum(widths) == 50
    assert widths[0] >= 4 and widths[1] > widths[0]  # the longer column gets more
    assert table_widths([["ab", "cd"]], 2, 50) == [2, 2]  # fits: natural widths
    # Words that cannot fit: the widest column gives way first.
    assert table_widths([["n", "x" * 60]], 2, 20) == [1, 19]


WIDE = (
    "Text.\n\n```sh\ncurl -fsSL https://example.test/install.sh | sh -s -- --prefix /usr/local "
    "--with-everything\nls\n```\n\n| A | B |\n|---|---|\n| x | a long cell that would wrap "
    "in a narrow column of the reading pane |\n"
)


def test_unwrapped_code_and_tables_keep_each_line_whole() -> None:
    wrapped = Layout(parse(WIDE), 40)
    whole = Layout(parse(WIDE), 40, wrap=False)
    text = ["".join(t for t, _ in whole.line(y)[2]) for y in range(whole.content_lines)]
    command = "curl -fsSL https://example.test/install.sh | sh -s -- --prefix /usr/local --with-everything"
    assert any(line.strip() == command for line in text)
    assert not any("↪" in line for line in text)
    assert any(
        "│ a long cell that would wrap in a narrow column of the reading pane │" in line
        for line in text
    )
    # Each code line is one line; a table row is one line.
    assert whole.content_lines < wrapped.content_lines
    for index, block in enumerate(whole.document.blocks):
        assert whole.height(index) == block.gap + len(whole.lines_of(index))
    # The code box is as wide as its longest line on every line.
    code = [line for line in text if line.startswith(" ") and line.strip() in (command, "ls")]
    assert len({cell_len(line) for line in code}) == 1


def test_unwrapped_layout_does_not_save_its_line_counts() -> None:
    """Saved counts are of wrapped code: a later wrapped layout must not take them."""
    doc = parse(WIDE)
    Layout(doc, 40, wrap=False)
    assert doc.heights == {}
    Layout(doc, 40)
    assert 40 in doc.heights
    whole = Layout(doc, 40, wrap=False)  # the saved wrapped counts are not used either
    assert whole.content_lines < Layout(doc, 40).content_lines


def test_sideways_room_and_code_in_view() -> None:
    from termreader.render.position import code_in_view, sideways_room

    doc = parse(WIDE)
    whole = Layout(doc, 40, wrap=False)
    # The table row is the widest unwrapped line; the room is how far it reaches past 40 cells.
    widest = max(
        cell_len("".join(t for t, _ in whole.line(y)[2])) for y in range(whole.content_lines)
    )
    assert sideways_room(whole, doc, 0, whole.total_lines) == widest - 40
    assert sideways_room(whole, doc, 0, 2) == 0  # prose only: nothing to scroll
    assert code_in_view(whole, doc, 0, 5) is not None and "--with-everything\nls" in code_in_view(
        whole, doc, 0, 5
    )
    assert code_in_view(whole, doc, whole.content_lines - 2, 2) is None
