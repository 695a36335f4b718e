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
