"""Pilot tests of the reader app (issue 3): navigation, links, related entries, history, state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import wait_until_async
from hypothesis import given, settings
from hypothesis import strategies as st

from termreader.config import Settings
from termreader.library.store import Library
from termreader.models import Article, Link, Position, Related
from termreader.text.outline import sections_from_markdown
from termreader.ui.app import TermreaderApp
from termreader.ui.find_bar import FindBar
from termreader.ui.main_screen import MainScreen

FIELD_URL = "https://example.test/field-notes"
SECOND_URL = "https://example.test/second"


def _article(
    id: str, title: str, body: str, *, day: int, url: str = "", **extra: object
) -> Article:
    return Article(
        id=id,
        title=title,
        url=url,
        source=str(extra.pop("source", "example.test")),
        published=datetime(2026, 3, day, 9, 30, tzinfo=UTC),
        fetched=datetime(2026, 3, day, 10, 0, tzinfo=UTC),
        body=body,
        sections=sections_from_markdown(body),
        **extra,  # type: ignore[arg-type]
    )


def field_notes_body() -> str:
    parts = ["# Field notes", "", "An article long enough to scroll, with twelve parts.", ""]
    parts.append(
        "Jump [to part 7](#part-7) or read [the second article](https://example.test/second)."
    )
    parts.append("")
    for number in range(1, 13):
        parts += [f"## Part {number}", ""]
        if number % 4 == 0:
            parts += [f"### Detail of part {number}", ""]
        words = " ".join(f"word{n}" for n in range(60))
        parts += [f"Paragraph of part {number}: {words}. Needle in part {number}.", ""]
        parts += [f"Second paragraph of part {number}: {words}.", ""]
    return "\n".join(parts)


CJK_BODY = """# 终端阅读指南

发布时间：2026年3月10日

## 一、为什么在终端里阅读

终端阅读让人专注。中文与 English 混排时，每个汉字占两个单元格，换行必须按单元格计算，不能按字符计算。

## 二、键位

用 j 和 k 逐行滚动，用 ] 和 [ 在章节之间跳转，用 g 回到顶部。

### （一）章节跳转

大纲窗格会跟随当前章节高亮。

## 三、相关内容

下面的相关列表里有重复的标题，它们被合并并显示次数。
"""


def build_library(home: Path) -> Library:
    """A small library with fixed dates: an English long read, a CJK article, a second article."""
    library = Library.open(home)
    library.add_many(
        [
            _article(
                "field0000000001",
                "Field notes from a long walk",
                field_notes_body(),
                day=12,
                url=FIELD_URL,
                tags=["walking"],
                related=[Related("终端阅读指南", None, 3), Related("No such article anywhere")],
            ),
            _article(
                "cjk000000000002",
                "终端阅读指南：键位、大纲与搜索的实用说明",
                CJK_BODY,
                day=10,
                source="示例来源",
                language="zh",
                related=[
                    Related("Field notes from a long walk", None, 2),
                    Related("The second article", SECOND_URL),
                ],
            ),
            _article(
                "second000000003",
                "The second article",
                "# The second article\n\nShort.\n\n## Only part\n\nThe end.\n",
                day=8,
                url=SECOND_URL,
                source="elsewhere.test",
            ),
        ]
    )
    return library


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return build_library(tmp_path / "library")


def make_app(library: Library, **settings: object) -> TermreaderApp:
    return TermreaderApp(library, settings=Settings(**settings))  # type: ignore[arg-type]


def main(app: TermreaderApp) -> MainScreen:
    screen = app.main_screen
    assert screen is not None
    return screen


async def open_field_notes(pilot, app: TermreaderApp) -> MainScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()  # let the start-up article open first
    screen = main(app)
    screen.open_article("field0000000001")
    screen.reader.focus()
    await pilot.pause()
    return screen


async def test_start_opens_newest_article_with_header(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.article is not None and screen.article.id == "field0000000001"
        assert screen.header.title == "Field notes from a long walk"
        assert "example.test" in screen.header.meta and "2026-03-12" in screen.header.meta
        assert [a.id for a in screen.library_pane.shown] == [
            "field0000000001",
            "cjk000000000002",
            "second000000003",
        ]


async def test_sections_top_bottom_and_outline_follow(library: Library) -> None:
    app = make_app(library, show_outline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("]")
        await pilot.pause()
        assert screen.reader.current_section().title == "Part 1"
        await pilot.press("]", "]")
        await pilot.pause()
        assert screen.reader.current_section().title == "Part 3"
        assert screen.outline.current_anchor == "part-3"
        assert (
            screen.outline.highlighted is not None and screen.outline.highlighted.anchor == "part-3"
        )
        assert screen.header.section == "Part 3"
        assert 0 < screen.header.percent == round(screen.reader.progress * 100) < 100
        await pilot.press("[")
        await pilot.pause()
        assert screen.reader.current_section().title == "Part 2"
        await pilot.press("G")
        await pilot.pause()
        assert screen.reader.scroll_y == screen.reader.max_scroll_y > 0
        assert screen.header.percent == 100
        await pilot.press("g")
        await pilot.pause()
        assert screen.reader.scroll_y == 0
        assert screen.header.percent == 0


async def test_outline_enter_jumps_to_section(library: Library) -> None:
    app = make_app(library, show_outline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        outline = screen.outline.section_list
        outline.focus()
        await pilot.pause()
        outline.cursor = 5
        chosen = screen.outline.highlighted
        assert chosen is not None
        assert chosen == outline.sections[5]
        await pilot.press("enter")
        await pilot.pause()
        assert screen.reader.current_section().anchor == chosen.anchor


async def test_reaching_the_end_marks_read(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_field_notes(pilot, app)
        assert library.meta("field0000000001").unread
        await pilot.press("G")
        await pilot.pause()
        meta = library.meta("field0000000001")
        assert not meta.unread and meta.finished
        await pilot.press("m")
        await pilot.pause()
        assert library.meta("field0000000001").unread
        await pilot.press("k", "j")
        await pilot.pause()
        assert library.meta("field0000000001").unread, "m keeps it unread while reading on"


async def test_find_counts_and_steps_through_matches(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("slash")
        await pilot.press(*"Needle", "enter")
        await pilot.pause()
        assert screen.reader.match_count == 12
        count = screen.query_one("#find-count")
        assert str(count.render()) == "1 of 12"
        first = screen.reader.current_match_line
        await pilot.press("n")
        await pilot.pause()
        assert screen.reader.current_match_line > first
        assert screen.reader.current_match_index == 2
        assert str(count.render()) == "2 of 12"
        await pilot.press("N")
        assert screen.reader.current_match_line == first
        await pilot.press("N")
        await pilot.pause()
        assert str(count.render()) == "12 of 12"  # wraps around to the last match
        await pilot.press("n")
        await pilot.press("slash", "escape")
        await pilot.pause()
        assert screen.reader.match_count == 0


async def test_find_cjk_query(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.open_article("cjk000000000002")
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        screen.query_one(FindBar).input.value = "单元格"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.reader.match_count == 2
        assert str(screen.query_one("#find-count").render()) == "1 of 2"
        await pilot.press("n")
        await pilot.pause()
        assert str(screen.query_one("#find-count").render()) == "2 of 2"
        assert (
            "单元格"
            in screen.reader.render_line(
                int(screen.reader.current_match_line - screen.reader.scroll_y)
            ).text
        )


async def test_in_article_link_then_back_restores_scroll(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("j", "j")
        await pilot.pause()
        before = screen.reader.scroll_y
        await pilot.press("f")
        assert screen.reader.show_link_hints
        await pilot.press("1", "enter")
        await pilot.pause()
        assert screen.reader.current_section().anchor == "part-7"
        assert not screen.reader.show_link_hints
        await pilot.press("h")
        await pilot.pause()
        assert screen.reader.scroll_y == before
        await pilot.press("l")
        await pilot.pause()
        assert screen.reader.current_section().anchor == "part-7"


async def test_link_to_library_article_and_back(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("]", "]", "j")
        await pilot.pause()
        before = screen.reader.scroll_y
        assert before > 0
        await pilot.press("2", "enter")
        await pilot.pause()
        assert screen.article is not None and screen.article.id == "second000000003"
        await pilot.press("backspace")
        await pilot.pause()
        assert screen.article.id == "field0000000001"
        assert screen.reader.scroll_y == before
        await pilot.press("ctrl+right")
        await pilot.pause()
        assert screen.article.id == "second000000003"


async def test_unknown_link_number_and_escape(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("9")
        assert screen.following.link_digits == "9"
        assert screen.query_one("#status").display
        await pilot.press("escape")
        assert screen.following.link_digits == ""
        await pilot.press("9", "9", "enter")
        await pilot.pause()
        assert screen.article.id == "field0000000001"
        assert any("No link number 99" in n.message for n in app._notifications)


async def test_related_entry_resolved_by_title(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("r")
        await pilot.pause()
        from textual.widgets import OptionList

        from termreader.ui.related_screen import RelatedScreen

        assert isinstance(app.screen, RelatedScreen)
        prompts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert prompts[0].startswith("✓") and prompts[0].endswith("(3 times)")
        assert prompts[1].startswith("✗")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.article is not None and screen.article.id == "cjk000000000002"
        await pilot.press("h")
        await pilot.pause()
        assert screen.article.id == "field0000000001"


async def test_related_without_match_offers_library_filter(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("r", "j", "enter")
        await pilot.pause()
        assert screen.article.id == "field0000000001"
        assert any("No article titled" in n.message for n in app._notifications)
        assert screen.library_pane.display
        assert screen.library_pane.filter_input.value == "No such article anywhere"
        assert screen.library_pane.shown == []


async def test_offline_follow_of_cached_related_article(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A related entry whose URL is in the library opens from the cache, with no network at all."""

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network must not be used for a cached article")

    monkeypatch.setattr("termreader.web.fetch.Fetcher.fetch", no_network)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.open_article("cjk000000000002")
        screen.reader.focus()
        await pilot.pause()
        await pilot.press("r", "j", "enter")
        await pilot.pause()
        assert screen.article is not None and screen.article.id == "second000000003"


async def test_failed_fetch_leaves_article_unchanged(library: Library) -> None:
    app = make_app(library, fetch_timeout=2.0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("j", "j")
        before = screen.reader.scroll_y
        # Port 9 (discard) on localhost is closed here: the fetch fails fast.
        screen.following.follow_url("http://127.0.0.1:9/nowhere")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.article.id == "field0000000001"
        assert screen.reader.scroll_y == before
        assert screen.busy == ""
        assert any("Could not open" in n.message for n in app._notifications)


async def test_refused_scheme_is_a_notification(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        screen.following.follow_url("javascript:alert(1)")
        await pilot.pause()
        assert screen.article.id == "field0000000001"
        assert any("refused" in n.message.lower() for n in app._notifications)


async def test_position_restored_after_restart(tmp_path: Path) -> None:
    home = tmp_path / "library"
    build_library(home)
    app = make_app(Library.open(home))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("]", "]", "]", "]", "j", "j")
        await pilot.pause()
        position = screen.reader.reading_position()
        assert position.anchor == "part-4" and position.offset == 2
        offset = screen.reader.scroll_y
    again = make_app(Library.open(home))
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(again)
        assert screen.article is not None and screen.article.id == "field0000000001"
        assert screen.reader.scroll_y == offset
        assert screen.reader.reading_position().anchor == "part-4"


async def test_position_survives_a_resize(library: Library) -> None:
    """The stored position is restored, and a narrower or wider terminal (text wrapped anew)
    keeps the reader in the same section."""
    library.set_position("field0000000001", Position("part-6", 1, 40.0))
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.reader.reading_position().anchor == "part-6"
        before = screen.reader.scrollable_content_region.width
        for size in ((50, 20), (140, 45), (80, 24)):
            await pilot.resize_terminal(*size)

            def resized(want: tuple[int, int] = size) -> bool:
                return app.size == want

            await wait_until_async(pilot, resized)
            await pilot.pause()
            assert screen.reader.reading_position().anchor == "part-6", size
            if size == (50, 20):
                assert screen.reader.scrollable_content_region.width < before  # rewrapped


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_sixteen_colour_terminal_keeps_every_character_visible(
    library: Library, theme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a 16-colour terminal (``TEXTUAL_COLOR_SYSTEM=standard``) every colour is brought down
    to the nearest of the 16: no character may end up in its own background's colour."""
    from rich.color import ColorSystem
    from textual import constants

    monkeypatch.setattr(constants, "COLOR_SYSTEM", "standard")  # read when the app is made
    app = make_app(library, theme=theme)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_field_notes(pilot, app)
        assert app.console.color_system == "standard"
        drawn, invisible = 0, []
        for y, strip in enumerate(app.screen._compositor.render_strips()):
            for segment in strip:
                style = segment.style
                if style is None or not segment.text.strip() or style.color is None:
                    continue
                drawn += 1
                fg = style.color.downgrade(ColorSystem.STANDARD)
                bg = style.bgcolor.downgrade(ColorSystem.STANDARD) if style.bgcolor else None
                if fg == bg:
                    invisible.append((y, segment.text))
        assert drawn > 50  # header, list, reader and footer were drawn
        assert invisible == []


async def test_filter_narrows_list_and_sort_cycles(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        pane = screen.library_pane
        pane.article_list.focus()
        await pilot.press("slash", *"walk")
        await pilot.pause()
        assert [a.id for a in pane.shown] == ["field0000000001"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(pane.shown) == 3
        await pilot.press("slash", *"示例", "enter")
        assert [a.id for a in pane.shown] == ["cjk000000000002"]
        await pilot.press("escape", "s")
        assert pane.sort == "title"
        assert pane.shown[0].title.startswith("Field")
        await pilot.press("s")
        assert pane.sort == "source"
        assert pane.shown[0].source == "elsewhere.test"


async def test_library_enter_opens_and_next_unread(library: Library) -> None:
    library.set_unread("cjk000000000002", False)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        article_list = screen.library_pane.article_list
        article_list.focus()
        article_list.cursor = 0
        await pilot.press("n")
        assert article_list.highlighted.id == "second000000003"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.article.id == "second000000003"
        assert screen.focused is screen.reader


async def test_next_and_previous_article(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("J")
        await pilot.pause()
        assert screen.article.id == "cjk000000000002"
        await pilot.press("J")
        await pilot.pause()
        assert screen.article.id == "second000000003"
        await pilot.press("K")
        await pilot.pause()
        assert screen.article.id == "cjk000000000002"


async def test_narrow_terminal_collapses_panes(library: Library) -> None:
    app = make_app(library, show_outline=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.narrow
        assert not screen.library_pane.display and not screen.outline.display
        assert screen.reader.size.width == 80
        await pilot.press("L")
        await pilot.pause()
        assert screen.library_pane.display
        assert screen.focused is screen.library_pane.article_list
        # An overlay: the reader keeps its full width underneath.
        assert screen.reader.size.width == 80
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.library_pane.display
        assert screen.focused is screen.reader
        await pilot.press("t")
        await pilot.pause()
        assert screen.outline.display
        await pilot.press("escape")
        assert not screen.outline.display


async def test_wide_terminal_shows_library(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert not screen.narrow and screen.library_pane.display
        assert screen.reader.size.width < 120
        await pilot.press("L")
        assert not screen.library_pane.display


async def test_help_screen_lists_keys(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        from termreader.ui.help_screen import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_open_in_browser_only_for_web_urls(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    monkeypatch.setenv("DISPLAY", ":0")  # a browser is tried only where one can show
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("o")
        await app.workers.wait_for_complete()
        assert opened == [FIELD_URL]
        screen.open_article("cjk000000000002")  # no URL
        await pilot.press("o")
        await app.workers.wait_for_complete()
        assert opened == [FIELD_URL]


async def test_broken_article_shows_error_state(library: Library) -> None:
    for body in (library.home / "articles").glob("cjk*"):
        body.write_bytes(b"not gzip at all")
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        assert not screen.open_article("cjk000000000002")
        await pilot.pause()
        assert screen.article is None
        assert screen.reader.article is None
        assert screen.header.title.startswith("终端阅读指南")


async def test_config_error_is_a_notification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, library: Library
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("reading_width = [\n", encoding="utf-8")
    monkeypatch.setenv("TERMREADER_CONFIG", str(config))
    app = TermreaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.settings == Settings()
        assert any("config.toml" in n.message for n in app._notifications)


async def test_settings_theme_width_and_key_override(library: Library) -> None:
    app = make_app(library, theme="textual-light", reading_width=60, keys={"toggle_outline": "O"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert app.theme == "textual-light"
        assert screen.reader.reading_width == 60
        screen.reader.focus()
        await pilot.press("O")
        assert screen.outline.display
        await pilot.press("t")
        assert screen.outline.display, "t no longer toggles once overridden"


async def test_command_palette_opens_article_by_title(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.press(*"second article")

        def offered() -> bool:
            from textual.command import CommandList, CommandPalette

            if not isinstance(app.screen, CommandPalette):
                return False
            options = app.screen.query_one(CommandList)
            return options.option_count > 0 and options.highlighted is not None

        await wait_until_async(pilot, offered)  # the palette searches in the background
        await pilot.press("enter")
        await pilot.pause()
        assert screen.article is not None and screen.article.id == "second000000003"


async def test_reader_link_activation_message(library: Library) -> None:
    from termreader.ui.reader import ReaderView

    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        screen.reader.post_message(ReaderView.LinkActivated(screen.reader, Link("x", SECOND_URL)))
        await pilot.pause()
        assert screen.article.id == "second000000003"


# --- following web links: a real HTTP server on 127.0.0.1 ---------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>A fetched page</title></head>
<body><nav>Home | About</nav><article><h1>A fetched page</h1>
<p>This page was downloaded by the reader when its link was followed. It has enough text to be
recognised as an article by the extractor, which wants a few sentences of real prose.</p>
<h2>Its only section</h2><p>More prose here, so the section is not empty and the outline has an
entry. The reader shows it from the library after the download.</p></article></body></html>"""


FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local feed</title>
<link>http://127.0.0.1:PORT/</link><description>test</description>
<item><title>A fetched page</title><link>http://127.0.0.1:PORT/page.html</link>
<pubDate>Mon, 16 Mar 2026 09:00:00 GMT</pubDate><description>Short summary.</description></item>
</channel></rss>"""


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    """A local web server: /page.html (an article), /slow (answers after 10 s), else 404."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/page.html":
                body = PAGE.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if self.path == "/feed.xml":
                port = self.server.server_address[1]
                body = FEED.replace("PORT", str(port)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if self.path == "/slow":
                time.sleep(10)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_uncached_link_is_fetched_imported_and_opened(library: Library, server: str) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("j", "j")
        before = screen.reader.scroll_y
        screen.following.follow_url(f"{server}/page.html")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.article is not None and screen.article.title == "A fetched page"
        stored = library.by_url(f"{server}/page.html")
        assert stored is not None and stored.id == screen.article.id
        assert any(a.id == stored.id for a in screen.library_pane.shown)
        await pilot.press("h")
        await pilot.pause()
        assert screen.article.id == "field0000000001" and screen.reader.scroll_y == before


async def test_http_error_is_one_line_and_keeps_the_article(library: Library, server: str) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        screen.following.follow_url(f"{server}/missing")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.article.id == "field0000000001"
        messages = [n.message for n in app._notifications if "Could not open" in n.message]
        assert messages and "\n" not in messages[0] and "404" in messages[0]


async def test_slow_download_shows_loading_and_escape_cancels(
    library: Library, server: str
) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        screen.following.follow_url(f"{server}/slow")
        await wait_until_async(pilot, lambda: screen.busy != "")
        assert screen.busy.startswith("Fetching 127.0.0.1")
        assert screen.header.busy and screen.query_one("#status").display
        await pilot.press("escape")
        await pilot.pause()
        assert screen.busy == ""
        assert not screen.query_one("#status").display
        assert screen.article.id == "field0000000001"
        assert any("cancelled" in n.message for n in app._notifications)


async def test_sync_key_refreshes_subscriptions(library: Library, server: str) -> None:
    from termreader.web.sync import add_subscription

    add_subscription(library, f"{server}/feed.xml")
    app = make_app(library, related_depth=0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("S")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        titles = [a.title for a in screen.library_pane.shown]
        assert "A fetched page" in titles
        assert screen.busy == ""
        assert any(n.message.startswith("Sync:") for n in app._notifications)
        assert screen.article.id == "field0000000001"


async def test_library_notices_become_notifications(library: Library) -> None:
    library.notices.append("library index was unreadable; moved aside and rebuilt")
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert any("moved aside" in n.message for n in app._notifications)


async def test_open_ref_by_id_and_by_new_file(library: Library, tmp_path: Path) -> None:
    app = TermreaderApp(library, open_ref="second000000003", settings=Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert main(app).article.id == "second000000003"
    note = tmp_path / "note.md"
    note.write_text("# A new note\n\nWritten just now.\n\n## Part\n\nText.\n", encoding="utf-8")
    app = TermreaderApp(library, open_ref=str(note), settings=Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main(app).article.title == "A new note"
        assert library.by_title("A new note")


async def test_render_form_is_cached_for_the_next_open(library: Library) -> None:
    from termreader.render.codec import cache_name, from_bytes

    assert library.read_cache("field0000000001", cache_name()) is None
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_field_notes(pilot, app)
        await app.workers.wait_for_complete()
        await pilot.pause()
        data = library.read_cache("field0000000001", cache_name())
        assert data is not None
        assert len(from_bytes(data).sections) == 16  # title, 12 parts, 3 details


async def test_click_in_library_opens_article(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        # Rows are two lines each, under the one-line pane title: row 3 is the third article.
        await pilot.click("#article-list", offset=(5, 4))
        await pilot.pause()
        assert screen.article.id == "second000000003"


async def test_unknown_key_setting_is_reported(library: Library) -> None:
    app = make_app(library, keys={"no_such_action": "x", "toggle_library": "ctrl+l"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert any("no_such_action" in n.message for n in app._notifications)
        screen = main(app)
        screen.reader.focus()
        await pilot.press("ctrl+l")
        assert not screen.library_pane.display


async def test_resize_to_narrow_hides_library_and_moves_focus(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.library_pane.article_list.focus()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen.narrow and not screen.library_pane.display
        assert screen.focused is screen.reader
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        assert not screen.narrow and screen.library_pane.display


async def test_restart_opens_the_article_open_at_quit(tmp_path: Path) -> None:
    home = tmp_path / "library"
    build_library(home)
    app = make_app(Library.open(home))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.open_article("second000000003")  # short: read at once, so not "being read"
        screen.reader.focus()
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0
    again = make_app(Library.open(home))
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert main(again).article.id == "second000000003"


async def test_outline_setting_does_not_cover_a_narrow_screen(library: Library) -> None:
    app = make_app(library, show_outline=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert not screen.outline.display
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert screen.outline.display and screen.library_pane.display


def test_help_lists_every_binding_id() -> None:
    from termreader.ui.app import binding_ids
    from termreader.ui.help_screen import KEYS

    listed = {name for _, ids, _, _ in KEYS for name in ids.split()}
    assert binding_ids() <= listed, binding_ids() - listed


async def test_help_shows_key_overrides(library: Library) -> None:
    from termreader.ui.help_screen import KEYS, HelpScreen

    app = make_app(library, keys={"toggle_outline": "O"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("O (custom)", "show / hide the outline") in app.screen.rows
        assert len(app.screen.rows) == len(KEYS)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="[]\\/@=$ab .:#", max_size=16))
def test_palette_help_shows_exactly_its_text(text: str) -> None:
    """Issue 6: a source in the palette's help (parsed by Textual as markup) shows literally;
    textual.markup.escape is not enough ("[@a=/" raised MarkupError)."""
    from textual.content import Content

    from termreader.ui.commands import literal_markup

    assert Content.from_markup(literal_markup(text)).plain == text


def test_palette_label_is_clean_and_literal() -> None:
    """Issue 6: a raw stored title is cleaned, and the match highlight is built on plain content."""
    from textual.fuzzy import Matcher

    from termreader.ui.commands import highlight, label_of

    raw = Article(id="r1", title="T [/] \x1b]0;PWNED\x07x [@click=app.quit]q", body="")
    label = label_of(raw)
    assert label == "Open: T [/] x [@click=app.quit]q"
    content = highlight(Matcher("T x"), label)
    assert content.plain == label
    assert content.spans, "the fuzzy match is highlighted"


async def test_article_list_and_header_clean_raw_records(tmp_path: Path) -> None:
    """Issue 6: a title and source stored raw are drawn without their controls in the list row
    and the header."""
    library = Library.open(tmp_path / "lib")
    raw = _article(
        "raw1",
        "Raw \x1b]2;PWNED\x07title \u202eok",
        "# A\n\nBody.\n",
        day=3,
        source="src\x9b2J here",
    )
    library.add(raw)
    app = TermreaderApp(library, settings=Settings(layout="wide"))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until_async(
            pilot, lambda: app.main_screen is not None and app.main_screen.article is not None
        )
        screen = app.main_screen
        assert screen is not None
        rows = [screen.library_pane.article_list._row_text(raw, part, 60).plain for part in (0, 1)]
        header = screen.header.render().plain
    assert "Raw title ok" in rows[0] and "src here" in rows[1], rows
    assert "Raw title ok" in header and "src here" in header, header
    for text in [*rows, header]:
        assert "PWNED" not in text and not any(ch in text for ch in "\x1b\x07\x9b\u202e")


async def test_link_number_and_enter_in_one_burst(library: Library) -> None:
    """A number and Enter arriving together (a fast typist, tmux send-keys) still follow."""
    from textual import events

    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("1", "enter")
        await pilot.pause()
        assert screen.reader.current_section().anchor == "part-7"
        await pilot.press("g")
        await pilot.pause()
        # Both keys queued before either is handled, as a terminal delivers a burst.
        driver = app._driver
        assert driver is not None
        for key, char in (("1", "1"), ("enter", "\r")):
            event = events.Key(key, char)
            event.set_sender(app)
            driver.send_message(event)
        await pilot.pause()
        await pilot.pause()
        assert screen.following.link_digits == ""
        assert screen.reader.current_section().anchor == "part-7"
