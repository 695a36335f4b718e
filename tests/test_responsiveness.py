"""Work that would hold a key is done when the reader is still (issue 5): what a reader sees."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from helpers import wait_until_async
from test_app import build_library, main, make_app, open_field_notes  # shared fixture library
from test_reader_widget import ReaderApp, _article

from termreader.library.store import Library
from termreader.models import Position
from termreader.render import pipeline
from termreader.ui.reader import ReaderView


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return build_library(tmp_path / "library")


async def test_position_is_saved_once_the_reader_stops(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        library.set_position("field0000000001", Position())
        monkeypatch.setattr(pipeline, "_QUIET_AFTER_MOVE", 60.0)  # a slow machine's pauses
        await pilot.press("j", "j", "j")
        assert screen.reader.moving
        screen.reading.flush_position_when_still()  # the interval's save, while scrolling: held
        assert library.brief("field0000000001").position.offset == 0
        monkeypatch.setattr(pipeline, "_QUIET_AFTER_MOVE", 0.1)
        await wait_until_async(pilot, lambda: not screen.reader.moving)
        screen.reading.flush_position_when_still()
        assert library.brief("field0000000001").position.offset == 3


async def test_a_held_position_is_saved_within_the_limit(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from termreader.ui import reading_state

    monkeypatch.setattr(reading_state, "HOLD_AT_MOST", 0.0)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        library.set_position("field0000000001", Position())
        monkeypatch.setattr(pipeline, "_QUIET_AFTER_MOVE", 60.0)
        await pilot.press("j", "j")
        assert screen.reader.moving
        screen.reading.flush_position_when_still()
        screen.reading.flush_position_when_still()
        assert library.brief("field0000000001").position.offset == 2


async def test_code_shows_plain_then_highlighted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "_READY", set())
    monkeypatch.setattr(pipeline, "_WARMED", set())
    body = "# Code\n\n```python\ndef answer():\n    return 42\n```\n"
    app = ReaderApp()
    async with app.run_test(size=(80, 20)) as pilot:
        reader = app.query_one(ReaderView)
        reader.show_article(_article(body))
        await pilot.pause()
        row = next(y for y in range(20) if "def answer" in reader.render_line(y).text)

        def colours() -> set[object]:
            return {seg.style.color for seg in reader.render_line(row) if seg.style}

        plain = colours()
        await wait_until_async(pilot, lambda: "python" in pipeline._READY)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "def answer" in reader.render_line(row).text
        assert len(colours()) > len(plain)  # keywords and names got their own colours


async def test_app_puts_the_collector_settings_back_on_exit(library: Library) -> None:
    before = gc.get_threshold()
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert main(app).article is not None
        assert gc.get_threshold() != before  # full collections are rarer while it runs
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_paging_keeps_the_view_exact_and_the_size_catches_up() -> None:
    parts = ["# Long", ""]
    for n in range(600):
        parts += [f"## Part {n}", "", ("word " * (20 + n % 40)).strip(), ""]
    body = "\n".join(parts)
    app = ReaderApp()
    async with app.run_test(size=(70, 24)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(body))
        await wait_until_async(pilot, lambda: reader.document.complete)
        reader.reading_width = 50  # a new width: heights below the view are estimates again
        for _ in range(6):
            await pilot.press("space")
        layout = reader.layout_
        y = round(reader.scroll_y)
        for row in range(reader.scrollable_content_region.height):
            assert layout.is_exact(layout.block_at(y + row))
        await wait_until_async(pilot, lambda: reader.virtual_size.height == layout.total_lines)
        assert reader.virtual_size.height == layout.total_lines


async def test_a_big_library_lists_its_newest_first_then_the_rest(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from termreader.ui import library_listing

    monkeypatch.setattr(library_listing, "LIST_FIRST", 2)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        pane = screen.library_pane
        assert [a.id for a in pane.shown] == ["field0000000001", "cjk000000000002"]
        title = str(pane.query_one("#library-title").render())
        assert "Library · 3 · " in title  # the whole library is counted already
        await wait_until_async(pilot, lambda: len(pane.shown) == 3)
        assert [a.id for a in pane.shown] == [
            "field0000000001",
            "cjk000000000002",
            "second000000003",
        ]


async def test_library_title_counts_unread_as_articles_are_read(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        title = screen.library_pane.query_one("#library-title")
        assert "3 unread" in str(title.render())
        await pilot.press("m")  # mark the open article read
        await pilot.pause()
        assert "2 unread" in str(title.render())
        await pilot.press("m")
        await pilot.pause()
        assert "3 unread" in str(title.render())
