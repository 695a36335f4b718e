"""Places in a laid-out article, computed without an app (render.position)."""

from __future__ import annotations

from termreader.render.layout import Layout
from termreader.render.parser import parse
from termreader.render.position import (
    anchored_line,
    expose,
    heading_after,
    heading_before,
    position_at,
    section_at,
    settle,
    top_anchor,
)

BODY = "\n".join(
    ["Intro paragraph.", ""]
    + [f"## Part {n}\n\n{'word ' * 60}\n" for n in range(1, 6)]
    + ["# Appendix", "", "The end."]
)


def _layout(width: int = 40, limit: int | None = None) -> Layout:
    return Layout(parse(BODY), width, limit=limit)


def test_section_and_position_at_a_line() -> None:
    layout = _layout()
    document = layout.document
    assert section_at(layout, document, 0) is None
    assert position_at(layout, document, 0, 0.0).anchor == ""
    start = layout.anchor_line("part-2")
    assert start is not None
    section = section_at(layout, document, start + 2)
    assert section is not None and section.anchor == "part-2" and section.title == "Part 2"
    position = position_at(layout, document, start + 2, 12.5)
    assert (position.anchor, position.percent) == ("part-2", 12.5)
    index = document.anchors["part-2"]
    assert layout.block_line(index) + position.offset == start + 2


def test_headings_around_a_line() -> None:
    layout = _layout()
    lines = layout.heading_lines()
    assert heading_after(layout, 0) == lines[0]
    assert heading_after(layout, lines[1]) == lines[2]
    assert heading_after(layout, lines[-1]) is None
    assert heading_before(layout, lines[2]) == lines[1]
    assert heading_before(layout, lines[0]) == 0
    top = layout.heading_lines(top_level=True)
    assert heading_after(layout, 0, top_level=True) == top[0]


def test_the_top_line_keeps_its_place_at_another_width() -> None:
    wide = _layout(60)
    start = wide.anchor_line("part-3")
    assert start is not None
    anchor = top_anchor(wide, start + 3)
    narrow = Layout(wide.document, 30, limit=0)
    line = anchored_line(narrow, anchor)
    block = narrow.block_at(line)
    assert block == anchor[0]
    assert narrow.is_exact(block)


def test_expose_and_settle_wrap_what_is_shown() -> None:
    layout = _layout(limit=0)  # nothing wrapped yet: heights are estimates
    document = layout.document
    index = document.anchors["part-4"]
    y = expose(layout, document, index, 1, 10)
    assert y == layout.block_line(index) + 1
    for row in range(10):
        assert layout.is_exact(layout.block_at(y + row))
    fresh = _layout(limit=0)
    assert settle(fresh, 0, 10)
    assert not settle(fresh, 0, 10)  # already wrapped
    whole = _layout()
    assert whole.complete and not settle(whole, 0, 10)
