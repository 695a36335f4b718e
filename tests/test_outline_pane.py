"""Pilot tests of the outline pane (issue 5): an indented, foldable list that follows the reader."""

from __future__ import annotations

from rich.cells import cell_len
from textual import on
from textual.app import App, ComposeResult
from textual.events import MouseScrollDown
from textual.widgets import Static

from termreader.models import Section
from termreader.ui.outline_pane import OutlineList, OutlinePane

WIDTH = 30
"""Pane width in the test app (the app's default outline width)."""


class OutlineApp(App[None]):
    """An app holding only an outline pane, noting the sections the user jumps to."""

    CSS = f"OutlinePane {{ width: {WIDTH}; height: 1fr; }}"

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections
        self.jumps: list[Section] = []

    def compose(self) -> ComposeResult:
        yield OutlinePane(id="outline")

    def on_mount(self) -> None:
        pane = self.query_one(OutlinePane)
        pane.set_sections(self.sections)
        pane.section_list.focus()

    @on(OutlinePane.Jump)
    def _jump(self, event: OutlinePane.Jump) -> None:
        self.jumps.append(event.section)


def sec(level: int, title: str, anchor: str | None = None) -> Section:
    return Section(level, title, anchor or title.lower().replace(" ", "-"))


def nested() -> list[Section]:
    return [
        sec(2, "Intro"),
        sec(2, "Methods"),
        sec(3, "Sampling"),
        sec(4, "Sites"),
        sec(3, "Analysis"),
        sec(2, "Results"),
        sec(3, "Tables"),
        sec(2, "End"),
    ]


def many(count: int) -> list[Section]:
    """``count`` sections: every tenth a level-1 part, the others its level-2 points."""
    return [sec(1 if i % 10 == 0 else 2, f"Heading number {i}", f"h-{i}") for i in range(count)]


def lines(outline: OutlineList) -> list[str]:
    """The text of the list's lines as painted."""
    return [outline.render_line(y).text for y in range(outline.size.height)]


def line_of(outline: OutlineList, title: str) -> str:
    return next(line for line in lines(outline) if title in line)


def column(outline: OutlineList, title: str) -> int:
    line = line_of(outline, title)
    return cell_len(line[: line.index(title)])


async def test_nesting_is_shown_by_indent() -> None:
    app = OutlineApp(nested())
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        assert column(outline, "Intro") == column(outline, "Methods") == column(outline, "End")
        assert column(outline, "Sampling") > column(outline, "Methods")
        assert column(outline, "Sites") > column(outline, "Sampling")
        assert column(outline, "Analysis") == column(outline, "Sampling")
        assert column(outline, "Tables") == column(outline, "Sampling")
        title = str(app.query_one("#outline-title", Static).render())
        assert title == "Outline · 8"


async def test_cursor_bar_spans_the_pane() -> None:
    app = OutlineApp(nested())
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        await pilot.press("j")
        width = outline.scrollable_content_region.width
        assert all(cell_len(line) == width for line in lines(outline))
        backgrounds = [{seg.style.bgcolor for seg in outline.render_line(y)} for y in range(3)]
        assert len(backgrounds[1]) == 1, "one background across the cursor row"
        assert backgrounds[1] != backgrounds[0] and backgrounds[0] == backgrounds[2]


async def test_skipped_heading_level_indents_one_step() -> None:
    app = OutlineApp([sec(1, "Top"), sec(3, "Deep"), sec(2, "Mid")])
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        assert column(outline, "Deep") == column(outline, "Mid") > column(outline, "Top")


async def test_untrusted_titles_are_shown_clean() -> None:
    """Issue 6: escape sequences, bidi overrides and markup in a heading reach no terminal."""
    evil = [
        sec(1, "Red\x1b[31mALERT\x1b[0m and \x1b]8;;http://evil.test\x07link", "a"),
        sec(1, "abc\u202edcba done", "b"),
        sec(1, "[bold red]not markup[/] \x07bell", "c"),
    ]
    app = OutlineApp(evil)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        painted = lines(outline)[:3]
        for line in painted:
            assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in line), line
            assert not any(ch in line for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2069")
        assert "Red" in painted[0] and "ALERT" in painted[0]
        assert "[bold red]not markup[/]" in painted[2]
        strip = outline.render_line(2)
        assert not any(seg.style and seg.style.bold for seg in strip if "not" in seg.text)


async def test_wide_titles_are_cut_to_the_pane_by_cells() -> None:
    cjk = [sec(1, "终端阅读指南" * 10, "cjk"), sec(2, "二、" + "键位说明" * 10, "cjk-2")]
    app = OutlineApp(cjk)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        width = outline.scrollable_content_region.width
        assert 0 < width <= WIDTH
        for line in lines(outline)[:2]:
            assert cell_len(line) == width
            assert line.rstrip().endswith("…")
            assert "终端" in line or "键位" in line


async def test_keys_move_and_enter_jumps() -> None:
    sections = nested()
    app = OutlineApp(sections)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(OutlinePane)
        await pilot.press("j", "down", "enter")
        await pilot.pause()
        assert app.jumps == [sections[2]]
        await pilot.press("k", "enter")
        await pilot.pause()
        assert app.jumps[-1] == sections[1]
        await pilot.press("G")
        assert pane.highlighted == sections[-1]
        await pilot.press("g")
        assert pane.highlighted == sections[0]
        await pilot.press("end", "up")
        assert pane.highlighted == sections[-2]
        await pilot.press("home", "k")
        assert pane.highlighted == sections[0], "the cursor stops at the top"


async def test_page_keys_move_a_screenful_and_keep_the_cursor_visible() -> None:
    sections = many(200)
    app = OutlineApp(sections)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        height = outline.scrollable_content_region.height
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert outline.cursor == 2 * (height - 1)
        assert outline.scroll_offset.y <= outline.cursor < outline.scroll_offset.y + height
        assert "Heading number 0 " not in "\n".join(lines(outline))
        await pilot.press("pageup")
        assert outline.cursor == height - 1


async def test_click_selects_and_jumps() -> None:
    sections = nested()
    app = OutlineApp(sections)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        await pilot.click(OutlineList, offset=(12, 4))
        await pilot.pause()
        assert app.jumps == [sections[4]]
        assert outline.highlighted == sections[4]


async def test_mouse_wheel_scrolls() -> None:
    app = OutlineApp(many(200))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        await pilot.hover(OutlineList, offset=(5, 5))
        outline.post_message(
            MouseScrollDown(outline, 5, 5, 0, 0, 0, False, False, False, screen_x=5, screen_y=5)
        )
        await pilot.pause()
        await pilot.pause()
        assert outline.scroll_offset.y > 0
        assert "Heading number 0 " not in lines(outline)[0]


async def test_highlight_follows_the_reader() -> None:
    sections = many(300)
    app = OutlineApp(sections)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(OutlinePane)
        outline = pane.section_list
        pane.highlight("h-150")
        await pilot.pause()
        assert pane.current_anchor == "h-150"
        assert pane.highlighted == sections[150]
        top, height = outline.scroll_offset.y, outline.scrollable_content_region.height
        assert top <= outline.cursor < top + height
        assert line_of(outline, "Heading number 150").startswith("▌")
        marked = [line for line in lines(outline) if line.startswith("▌")]
        assert len(marked) == 1
        # The next section in view: the cursor moves, the view stays put.
        pane.highlight("h-151")
        await pilot.pause()
        assert outline.scroll_offset.y == top
        assert line_of(outline, "Heading number 151").startswith("▌")
        assert not line_of(outline, "Heading number 150").startswith("▌")
        pane.highlight("")
        await pilot.pause()
        assert not any(line.startswith("▌") for line in lines(outline))


async def test_current_section_stays_marked_when_the_cursor_moves() -> None:
    sections = nested()
    app = OutlineApp(sections)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(OutlinePane)
        pane.highlight("results")
        await pilot.press("g")
        assert pane.highlighted == sections[0]
        assert line_of(pane.section_list, "Results").startswith("▌")


async def test_hidden_pane_builds_when_shown() -> None:
    sections = many(50)
    app = OutlineApp([])
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(OutlinePane)
        assert str(app.query_one("#outline-title", Static).render()) == "Outline · no sections"
        pane.display = False
        pane.set_sections(sections)
        pane.highlight("h-30")
        assert pane.section_list.row_count == 0, "a hidden pane does not build"
        pane.display = True
        pane.ensure_built()
        await pilot.pause()
        assert pane.section_list.row_count == 50
        assert pane.highlighted == sections[30]
        assert line_of(pane.section_list, "Heading number 30").startswith("▌")


async def test_two_thousand_sections_build_and_highlight() -> None:
    sections = many(2055)
    app = OutlineApp(sections)
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        pane = app.query_one(OutlinePane)
        outline = pane.section_list
        assert outline.row_count == 2055
        assert str(app.query_one("#outline-title", Static).render()) == "Outline · 2055"
        for number in (1999, 7, 2054, 1000):
            pane.highlight(f"h-{number}")
            await pilot.pause()
            assert pane.highlighted == sections[number]
            assert outline.row_of(f"h-{number}") == outline.cursor == number
            assert line_of(outline, f"Heading number {number}").startswith("▌")
        await pilot.press("G", "enter")
        await pilot.pause()
        assert app.jumps == [sections[-1]]


async def test_space_folds_and_unfolds_a_section() -> None:
    sections = nested()
    app = OutlineApp(sections)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(OutlinePane)
        outline = pane.section_list
        assert outline.move_cursor_to("methods")
        await pilot.press("space")
        await pilot.pause()
        assert outline.is_folded("methods")
        shown = "\n".join(lines(outline))
        assert "Sampling" not in shown and "Sites" not in shown and "Analysis" not in shown
        assert "▸" in line_of(outline, "Methods")
        assert outline.row_of("sampling") is None
        await pilot.press("j")
        assert pane.highlighted == sections[5], "down skips the folded sub-sections"
        # The reader entering a folded section: the fold is kept, its heading is marked.
        pane.highlight("sites")
        await pilot.pause()
        assert pane.highlighted == sections[1]
        assert line_of(outline, "Methods").startswith("▌")
        await pilot.press("space")
        await pilot.pause()
        assert line_of(outline, "Sites").startswith("▌")
        assert not line_of(outline, "Methods").startswith("▌")
        assert not outline.is_folded("methods")
        assert "Sites" in "\n".join(lines(outline))
        # A leaf does not fold.
        outline.move_cursor_to("intro")
        await pilot.press("space")
        assert not outline.is_folded("intro") and outline.row_count == len(sections)


async def test_click_on_the_fold_glyph_folds() -> None:
    sections = nested()
    app = OutlineApp(sections)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        outline = app.query_one(OutlinePane).section_list
        line = line_of(outline, "Methods")
        await pilot.click(OutlineList, offset=(line.index("▾"), 1))
        await pilot.pause()
        assert outline.is_folded("methods")
        assert app.jumps == []


async def test_new_article_resets_folds_and_cursor() -> None:
    app = OutlineApp(nested())
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(OutlinePane)
        pane.section_list.move_cursor_to("methods")
        await pilot.press("space", "j")
        pane.set_sections(nested())  # the same article parsed again: the fold stays
        await pilot.pause()
        assert pane.section_list.is_folded("methods")
        other = [sec(1, "Methods"), sec(2, "Other")]
        pane.set_sections(other)
        await pilot.pause()
        assert not pane.section_list.is_folded("methods")
        assert pane.highlighted == other[0]
        assert "Other" in "\n".join(lines(pane.section_list))
