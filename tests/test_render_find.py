"""Find without an app: lazy match lines, the current match, and match marks on drawn lines."""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment
from rich.style import Style

from termreader.render.find import Finder
from termreader.render.layout import Layout
from termreader.render.paint import mark_matches
from termreader.render.parser import parse


def _zh(fixtures: Path) -> str:
    return (fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8")


def test_finder_lines_and_order(fixtures: Path) -> None:
    doc = parse(_zh(fixtures))
    layout = Layout(doc, 60, limit=0)  # every height estimated
    finder = Finder("命令行")
    finder.search(doc)
    assert len(finder) > 20 and finder
    # Asking for a line far down wraps nothing before it: only the match's own block.
    finder.line(len(finder) - 1, layout)
    assert not any(layout.is_exact(i) for i in range(finder.hits[-1][0]))
    # Match lines follow the layout as its estimates are corrected.
    layout.extend()
    lines = [finder.line(i, layout) for i in range(len(finder))]
    assert lines == sorted(lines)
    exact = Layout(doc, 60)
    fresh = Finder("命令行")
    fresh.search(doc)
    assert lines == [fresh.line(i, exact) for i in range(len(fresh))]
    for i, (block, _) in enumerate(finder.hits):
        assert exact.block_line(block) <= lines[i] < exact.block_line(block) + exact.height(block)
    text = "".join(t for t, _ in layout.line(lines[5])[2])
    assert "命" in text
    # The first match at or below a line, wrapping to the first one past the end.
    assert finder.first_from(lines[5], layout) <= 5
    assert finder.first_from(layout.total_lines + 10, layout) == 0
    assert finder.current_number == 0
    finder.current = 4
    assert finder.current_number == 5
    finder.current = len(finder) - 1
    finder.step(1)
    assert finder.current == 0
    finder.step(-1)
    assert finder.current == len(finder) - 1


def test_finder_grows_with_new_blocks() -> None:
    doc = parse("alpha needle\n\nbeta")
    finder = Finder("NEEDLE")
    finder.search(doc)
    assert finder.hits == [(0, 6)]
    more = parse("needle and needle")
    doc.extend(more.blocks, more.links, complete=True)
    finder.add_blocks(doc, 2)
    assert finder.hits == [(0, 6), (2, 0), (2, 11)]
    assert not Finder("   ")


def test_mark_matches_splits_segments() -> None:
    plain, bold = Style(), Style(bold=True)
    match, current = Style(bgcolor="yellow"), Style(bgcolor="red")
    segments = [Segment("命令", plain), Segment("行 and 命令行", bold)]
    out = mark_matches(segments, "命令行", match, current, current_k=1)
    assert "".join(s.text for s in out) == "命令行 and 命令行"
    marked = [(s.text, s.style.bgcolor.name) for s in out if s.style and s.style.bgcolor]
    assert marked == [("命令", "yellow"), ("行", "yellow"), ("命令行", "red")]
    assert mark_matches(segments, "zzz", match, current) == segments


def test_search_index_matches_per_block_search_and_grows_with_the_document() -> None:
    from termreader.render.parser import Builder

    body = "\n\n".join(
        f"## Part {n}\n\nAlpha beta ALPHA. İstanbul alpha 中文字 alphaalpha." for n in range(300)
    )

    def naive(doc, query):  # type: ignore[no-untyped-def]
        out = []
        for index, block in enumerate(doc.blocks):
            low = block.text.lower()
            if len(low) != len(block.text):
                low = block.text.casefold()
            at = low.find(query.lower())
            while at != -1:
                out.append((index, at))
                at = low.find(query.lower(), at + len(query))
        return out

    builder = Builder(body, chunk_size=2_000)
    doc = builder.first()
    first = list(doc.search("alpha"))
    assert first == naive(doc, "alpha") and first
    # Blocks appended after the index was built are searched too, and a query never spans
    # two blocks.
    builder.rest(doc)
    assert list(doc.search("alpha")) == naive(doc, "alpha")
    assert list(doc.search("中文字")) == naive(doc, "中文字")
    assert not list(doc.search("alphaalpha.part"))
    start = len(doc.blocks) - 2
    assert list(doc.search("alpha", start)) == [h for h in naive(doc, "alpha") if h[0] >= start]
    finder = Finder("ALPHA")
    finder.search(doc)
    assert len(finder) == len(naive(doc, "alpha"))
