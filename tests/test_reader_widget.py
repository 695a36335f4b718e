"""The reading pane driven with Pilot: section keys, top/bottom, find, links, huge articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import wait_until_async
from textual.app import App, ComposeResult

from termreader.models import Article, Position
from termreader.render.codec import from_bytes, to_bytes
from termreader.render.parser import parse
from termreader.ui.reader import ReaderView


class ReaderApp(App[None]):
    """The widget alone, as the app would host it."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield ReaderView()

    def on_reader_view_link_activated(self, message: ReaderView.LinkActivated) -> None:
        self.messages.append(message)

    def on_reader_view_section_changed(self, message: ReaderView.SectionChanged) -> None:
        self.messages.append(message)

    def on_reader_view_document_ready(self, message: ReaderView.DocumentReady) -> None:
        self.messages.append(message)

    def on_reader_view_position_changed(self, message: ReaderView.PositionChanged) -> None:
        self.messages.append(message)


def _article(body: str, title: str = "Test") -> Article:
    return Article(id="a" * 16, title=title, body=body)


def _zh(fixtures: Path) -> str:
    return (fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8")


def _screen_text(reader: ReaderView) -> str:
    return "\n".join(reader.render_line(y).text for y in range(reader.size.height))


async def test_section_keys_top_and_bottom(fixtures: Path) -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(_zh(fixtures)))
        await pilot.pause()
        layout = reader.layout_
        assert layout is not None
        heads = layout.heading_lines()
        assert reader.scroll_y == 0
        await pilot.press("right_square_bracket")
        first = next(h for h in heads if h > 0)
        assert reader.scroll_y == first
        assert reader.current_section() is not None
        await pilot.press("right_square_bracket")
        second = next(h for h in heads if h > first)
        assert reader.scroll_y == second
        section = reader.current_section()
        assert section is not None
        # The heading text is what is on the top line.
        assert section.title in reader.render_line(0).text
        await pilot.press("left_square_bracket")
        assert reader.scroll_y == first
        await pilot.press("G")
        assert reader.scroll_y == reader.max_scroll_y > 0
        assert "Back to top (g)" in _screen_text(reader)
        assert reader.progress == 1.0
        await pilot.press("g")
        assert reader.scroll_y == 0
        await pilot.press("end")
        assert reader.scroll_y == reader.max_scroll_y
        await pilot.press("home")
        assert reader.scroll_y == 0


async def test_top_level_sections_skip_subsections(fixtures: Path) -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(_zh(fixtures)))
        await pilot.pause()
        layout = reader.layout_
        assert layout is not None
        tops = layout.heading_lines(top_level=True)
        await pilot.press("right_curly_bracket")
        assert reader.scroll_y == next(h for h in tops if h > 0)
        await pilot.press("left_curly_bracket")
        assert reader.scroll_y == 0 or reader.scroll_y in tops


async def test_scrolling_keys(fixtures: Path) -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(_zh(fixtures)))
        await pilot.pause()
        await pilot.press("j", "j", "j")
        assert reader.scroll_y == 3
        await pilot.press("k")
        assert reader.scroll_y == 2
        await pilot.press("space")
        page = reader.scrollable_content_region.height - 1
        assert reader.scroll_y == 2 + page
        await pilot.press("b")
        assert reader.scroll_y == 2
        await pilot.press("d")
        assert reader.scroll_y == 2 + reader.scrollable_content_region.height // 2


async def test_find_counts_and_jumps_to_match(fixtures: Path) -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(_zh(fixtures)))
        await pilot.pause()
        body_count = sum(b.text.count("命令行") for b in reader.document.blocks)
        count = reader.find("命令行")
        assert count == body_count > 10
        line = reader.current_match_line
        assert line is not None
        assert reader.scroll_y <= line < reader.scroll_y + reader.size.height
        assert "命令行" in reader.render_line(int(line - reader.scroll_y)).text
        reader.find_next()
        assert reader.current_match_line >= line
        reader.find_prev()
        assert reader.current_match_line == line
        # Case-insensitive, and a jump to a match far down the article.
        assert reader.find("OS X") == reader.find("os x") > 0
        # From below the table of contents, the next match is the heading near the end.
        reader.scroll_to(y=60, animate=False, immediate=True)
        assert reader.find("免责声明") == 2
        assert reader.current_match_line > 600
        assert reader.scroll_y > 600
        reader.clear_find()
        assert reader.match_count == 0


async def test_reading_position_round_trip(fixtures: Path) -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(_zh(fixtures)))
        await pilot.pause()
        reader.next_section()
        reader.next_section()
        reader.scroll_to(y=reader.scroll_y + 5, animate=False, immediate=True)
        position = reader.reading_position()
        assert position.anchor and position.offset == 5
        reader.show_article(_article(_zh(fixtures)), position=position)
        await pilot.pause()
        assert reader.reading_position().anchor == position.anchor
        assert reader.reading_position().offset == 5
        # A narrower column moves lines, but the section and offset are kept.
        reader.reading_width = 50
        await pilot.pause()
        assert reader.reading_position().anchor == position.anchor
        assert reader.goto_anchor("no-such-anchor") is False


async def test_cached_document_shows_without_parsing(fixtures: Path) -> None:
    body = _zh(fixtures)
    data = to_bytes(parse(body))
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(
            _article(body), document=from_bytes(data), position=Position(anchor="基础")
        )
        await pilot.pause()
        assert reader.current_section() is not None
        assert reader.current_section().anchor == "基础"
        assert "基础" in reader.render_line(0).text


async def test_links_numbered_and_clicked() -> None:
    body = (
        "# Top\n\nGo [out](https://example.com/x) or [down](#far).\n\n"
        + "filler\n\n" * 60
        + "## Far\n\n"
        + "end\n\n" * 30
    )
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(body))
        await pilot.pause()
        assert "out[1]" in _screen_text(reader)
        assert reader.link(1).url == "https://example.com/x"
        assert reader.link(2).url == "#far"
        assert reader.link(3) is None
        row = next(y for y in range(24) if "out[1]" in reader.render_line(y).text)
        col = reader.render_line(row).text.index("out[1]")
        await pilot.click(ReaderView, offset=(col + 1, row))
        await pilot.pause()
        followed = [m for m in app.messages if isinstance(m, ReaderView.LinkActivated)]
        assert followed and followed[0].link.url == "https://example.com/x"
        # A same-article link scrolls there instead of asking the app.
        col = reader.render_line(row).text.index("down[2]")
        await pilot.click(ReaderView, offset=(col + 1, row))
        await pilot.pause()
        assert reader.current_section().anchor == "far"
        assert len([m for m in app.messages if isinstance(m, ReaderView.LinkActivated)]) == 1
        reader.show_link_hints = True
        await pilot.pause()
        assert "out[1]" in _screen_text(reader) or reader.scroll_y > 0


async def test_back_to_top_line_is_clickable() -> None:
    body = "# Top\n\n" + "para\n\n" * 40
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(body))
        await pilot.pause()
        await pilot.press("G")
        row = next(y for y in range(24) if "Back to top" in reader.render_line(y).text)
        col = reader.render_line(row).text.index("Back to top")
        await pilot.click(ReaderView, offset=(col + 2, row))
        await pilot.pause()
        assert reader.scroll_y == 0


async def test_escape_sequences_never_reach_the_screen() -> None:
    """Defence in depth: even a hand-made document with ESC in a span renders clean (issue 6)."""
    doc = parse("# Title\n\nplain text here\n")
    doc.blocks[1].spans = [("evil \x1b]2;pwn\x07 and \x1b[2J\x9b31m done", "bold")]
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article("# Title\n\nplain text here\n"), document=doc)
        await pilot.pause()
        lines = [reader.render_line(y) for y in range(24)]
        text = "".join(strip.text for strip in lines)
        assert "evil" in text and "done" in text
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        reader.show_message("failed: \x1b[31mred\x1b[0m")
        await pilot.pause()
        assert "\x1b" not in "".join(reader.render_line(y).text for y in range(3))


async def test_message_state() -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_message("Loading…")
        await pilot.pause()
        assert "Loading…" in _screen_text(reader)
        assert reader.article is None and reader.document is None
        reader.show_message("Could not import: bad bytes", error=True)
        await pilot.pause()
        assert "Could not import" in _screen_text(reader)


async def test_cjk_lines_fit_the_pane(fixtures: Path) -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(_zh(fixtures)))
        await pilot.pause()
        for _ in range(5):
            for y in range(reader.size.height):
                strip = reader.render_line(y)
                assert strip.cell_length == reader.scrollable_content_region.width
            reader.action_page_down()


def _big_markdown(size: int) -> str:
    """A long generated article: 2 MB of sections, paragraphs, links, some tables and code."""
    parts = []
    total = 0
    n = 0
    while total < size:
        n += 1
        part = (
            f"## Section {n}\n\nSome *text* for section {n} with a [link](https://e.com/{n}) "
            "and `code` that goes on for a while to fill a line or two of the reading column. "
            "More words follow here so that the paragraph wraps over several lines at 80.\n\n"
            "- a list item\n- another item\n\n"
        )
        if n % 20 == 0:
            part += f"| a | b |\n|---|---|\n| {n} | x |\n\n```python\nprint({n})\n```\n\n"
        parts.append(part)
        total += len(part)
    return "# Big\n\n" + "".join(parts)


@pytest.mark.slow
async def test_huge_article_shows_first_lines_before_the_rest_is_parsed() -> None:
    body = _big_markdown(2_000_000)
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(body))
        first = reader.render_line(0).text
        assert "Big" in first
        # Only the first chunk was parsed before the first screen (how fast: the bench's
        # first-screen figures).
        assert reader.document is not None and not reader.document.complete
        await wait_until_async(pilot, lambda: reader.document.complete)
        assert reader.document.complete
        await pilot.pause()
        assert any(isinstance(m, ReaderView.DocumentReady) for m in app.messages)
        reader.action_bottom()
        assert "Back to top" in _screen_text(reader)
        assert reader.goto_anchor("section-5000")
        assert reader.current_section().title == "Section 5000"


async def test_bottom_follows_a_growing_article() -> None:
    """`G` while the article is still being parsed ends at the real end, not the parsed part."""
    body = _big_markdown(400_000)
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(body))
        assert not reader.document.complete
        await pilot.press("G")
        await wait_until_async(pilot, lambda: reader.document.complete and reader.layout_.complete)
        await pilot.pause()
        assert reader.document.complete
        assert reader.scroll_y == reader.max_scroll_y
        assert "Back to top" in _screen_text(reader)


async def test_top_level_sections_skip_a_lone_title() -> None:
    body = "# Title\n\nintro\n\n" + "".join(
        f"## Part {n}\n\n" + "text\n\n" * 30 + "### Sub\n\n" + "more\n\n" * 30 for n in range(3)
    )
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(body))
        await pilot.pause()
        await pilot.press("right_curly_bracket")
        assert reader.current_section().title == "Part 0"
        await pilot.press("right_curly_bracket")
        assert reader.current_section().title == "Part 1"
        await pilot.press("right_square_bracket")
        assert reader.current_section().title == "Sub"
        await pilot.press("left_curly_bracket")
        assert reader.current_section().title == "Part 1"


async def test_find_highlights_the_current_match(fixtures: Path) -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(_zh(fixtures)))
        await pilot.pause()
        reader.find("命令行")
        await pilot.pause()
        row = int(reader.current_match_line - reader.scroll_y)
        current = reader.get_component_rich_style("reader--match-current", partial=True)
        other = reader.get_component_rich_style("reader--match", partial=True)
        styled = [(seg.text, seg.style) for seg in reader.render_line(row)]
        hot = [text for text, style in styled if style and style.bgcolor == current.bgcolor]
        assert hot == ["命令行"]
        # Further down, every match on screen is marked; all but the current one plainly.
        for _ in range(3):
            reader.find_next()
        await pilot.pause()
        plain = 0
        for y in range(reader.size.height):
            strip = reader.render_line(y)
            if "命令行" not in strip.text:
                continue
            colours = [seg.style.bgcolor for seg in strip if seg.text == "命令行" and seg.style]
            assert colours and set(colours) <= {current.bgcolor, other.bgcolor}
            plain += colours.count(other.bgcolor)
        assert plain >= 1


async def test_find_and_anchors_while_still_parsing() -> None:
    body = _big_markdown(400_000) + "\n\n## The End\n\nneedle at the very end\n\n" + "fin\n\n" * 40
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(body))
        assert not reader.document.complete
        assert reader.find("needle") == 0
        reader.find("Section 3")
        first_count = reader.match_count
        assert reader.goto_anchor("the-end")  # not parsed yet: remembered
        await wait_until_async(pilot, lambda: reader.document.complete)
        await pilot.pause()
        assert reader.document.complete
        assert reader.current_section().anchor == "the-end"
        assert reader.match_count > first_count  # later chunks added their matches
        assert reader.find("needle") == 1
        assert reader.goto_anchor("never-there") is False


async def test_long_error_message_wraps() -> None:
    app = ReaderApp()
    async with app.run_test(size=(40, 10)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_message("Could not import the article: " + "bad bytes " * 8, error=True)
        await pilot.pause()
        text = _screen_text(reader)
        assert "Could not import" in text and text.count("bad bytes") >= 6


async def test_messages_report_section_and_end(fixtures: Path) -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(_zh(fixtures)))
        await pilot.pause()
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        sections = [m for m in app.messages if isinstance(m, ReaderView.SectionChanged)]
        assert sections and sections[-1].section == reader.current_section()
        positions = [m for m in app.messages if isinstance(m, ReaderView.PositionChanged)]
        assert positions and not positions[-1].at_end
        assert positions[-1].position.anchor == reader.current_section().anchor
        await pilot.press("G")
        await pilot.pause()
        last = [m for m in app.messages if isinstance(m, ReaderView.PositionChanged)][-1]
        assert last.at_end and last.percent == 100.0


async def test_jump_right_after_showing_a_longer_article(fixtures: Path) -> None:
    """A jump right after show_article is not cut short by the previous, shorter article."""
    body = _zh(fixtures)
    sections = parse(body).sections
    app = ReaderApp()
    async with app.run_test(size=(80, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article("# Short\n\nOne line.", title="Short"))
        await pilot.pause()
        assert reader.max_scroll_y == 0
        anchor = sections[len(sections) // 2].anchor
        reader.show_article(_article(body), position=Position(anchor=anchor, offset=2))
        # No frame in between: the position holds at once.
        assert reader.scroll_y == reader.layout_.anchor_line(anchor) + 2 > 24
        reader.show_article(_article("# Short\n\nOne line.", title="Short"))
        await pilot.pause()
        reader.show_article(_article(body))
        other = sections[len(sections) * 3 // 4].anchor
        assert reader.goto_anchor(other)
        assert reader.scroll_y == reader.layout_.anchor_line(other) < reader.max_scroll_y
        await pilot.pause()
        assert reader.current_section().anchor == other


async def test_folded_code_lines_show_a_continuation_marker() -> None:
    body = (
        "# Code\n\n```python\nresult = compute_something(first_argument, second_argument, "
        "third_argument, fourth_argument)\nshort = 1\n```\n"
    )
    app = ReaderApp()
    async with app.run_test(size=(50, 12)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(body))
        await pilot.pause()
        lines = [reader.render_line(y).text.strip() for y in range(reader.size.height)]
        code = [line for line in lines if "argument" in line or "short" in line]
        assert code[0].startswith("result = compute_something(")
        assert all(line.startswith("↪") for line in code[1:-1])
        assert not code[-1].startswith("↪")  # a new source line has no marker
        for token in ("first_argument,", "second_argument,", "third_argument,", "fourth_argument)"):
            assert any(token in line for line in code), token  # no token cut in two
        strip = next(
            reader.render_line(y)
            for y in range(reader.size.height)
            if "↪" in reader.render_line(y).text
        )
        marker = next(seg for seg in strip if seg.text == "↪")
        dim = reader.get_component_rich_style("reader--code-continuation", partial=True)
        assert marker.style is not None and marker.style.color == dim.color


def _repeated(fixtures: Path, times: int = 3) -> str:
    """Several hundred blocks of real Chinese: more than the reader wraps at once."""
    return "\n\n".join([_zh(fixtures)] * times)


async def test_width_change_keeps_the_top_line_and_wraps_lazily(fixtures: Path) -> None:
    """Issue 5: a new width wraps only around the view; the top block stays on top, also while
    the rest is wrapped in the background and the estimates above it are corrected."""
    body = _repeated(fixtures)
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(body))
        await wait_until_async(pilot, lambda: reader.layout_.complete)
        document = reader.document
        assert document is not None and len(document.blocks) > 400
        target = document.sections[len(document.sections) * 2 // 3]
        assert reader.goto_anchor(target.anchor, 1)
        await pilot.pause()
        top_block = reader.layout_.block_at(round(reader.scroll_y))
        reader.reading_width = 60
        layout = reader.layout_
        assert layout.width == 60
        assert not layout.complete  # estimated, not wrapped whole
        assert reader.layout_.block_at(round(reader.scroll_y)) == top_block
        assert reader.current_section().anchor == target.anchor
        # The blocks on screen are wrapped for real.
        y = round(reader.scroll_y)
        for row in range(reader.scrollable_content_region.height):
            assert layout.is_exact(layout.block_at(y + row))
        shown = _screen_text(reader)
        await wait_until_async(pilot, lambda: layout.complete)
        assert layout.complete
        assert reader.layout_.block_at(round(reader.scroll_y)) == top_block
        assert _screen_text(reader) == shown
        # Back to the first width: the layout wrapped before is reused as it was.
        reader.reading_width = 100
        assert reader.layout_.complete


async def test_find_and_bottom_right_after_a_width_change(fixtures: Path) -> None:
    body = _repeated(fixtures) + "\n\nthe last word is zanzibar\n"
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(body))
        await pilot.pause()
        reader.reading_width = 70
        assert reader.find("ZANZIBAR") == 1
        assert reader.current_match_index == 1
        line = reader.current_match_line
        assert reader.scroll_y <= line < reader.scroll_y + reader.scrollable_content_region.height
        assert "zanzibar" in reader.render_line(int(line - reader.scroll_y)).text
        reader.reading_width = 50
        reader.action_bottom()
        assert reader.scroll_y == reader.max_scroll_y
        assert "Back to top" in _screen_text(reader)
        reader.reading_width = 64
        assert reader.scroll_y == reader.max_scroll_y  # at the end stays at the end
        assert "Back to top" in _screen_text(reader)
