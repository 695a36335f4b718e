"""The library-wide search dialog (``F``): results as you type, Enter opens at the first match."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import wait_until_async
from test_app import build_library, main, make_app  # shared fixture library
from textual.command import CommandPalette
from textual.widgets import OptionList

from termreader.library.store import Library
from termreader.ui.search_screen import SearchScreen


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return build_library(tmp_path / "library")


async def _search(pilot, text: str) -> SearchScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.press("F")
    await wait_until_async(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
    dialog = pilot.app.screen
    assert isinstance(dialog, SearchScreen)
    await pilot.press(*text)
    await wait_until_async(pilot, lambda: dialog.answered == text)
    return dialog


async def test_enter_opens_at_the_first_match_and_n_goes_on(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        dialog = await _search(pilot, "needle")
        assert [hit.id for hit in dialog.hits] == ["field0000000001"]
        assert "[Needle]" in dialog.hits[0].snippet.marked()
        await pilot.press("enter")
        await wait_until_async(pilot, lambda: screen.reader.match_count == 12)
        assert app.screen is screen
        assert screen.article is not None and screen.article.id == "field0000000001"
        count = screen.query_one("#find-count")
        assert str(count.render()) == "1 of 12"
        reader = screen.reader
        line = reader.current_match_line
        assert line is not None and "Needle in part 1." in _line(reader, line)
        await pilot.press("n")
        await pilot.pause()
        assert str(count.render()) == "2 of 12"
        assert "Needle in part 2." in _line(reader, reader.current_match_line)
        await pilot.press("N", "N")
        await pilot.pause()
        assert str(count.render()) == "12 of 12"


def _line(reader, line: int | None) -> str:  # type: ignore[no-untyped-def]
    assert line is not None
    return reader.render_line(int(line - reader.scroll_y)).text


async def test_cjk_words_of_two_characters(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        dialog = await _search(pilot, "单元")
        assert [hit.id for hit in dialog.hits] == ["cjk000000000002"]
        await pilot.press("enter")
        await wait_until_async(pilot, lambda: screen.reader.match_count == 2)
        assert screen.article is not None and screen.article.id == "cjk000000000002"


async def test_typing_narrows_and_escape_closes(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = main(app)
        before = screen.article.id if screen.article else None
        dialog = await _search(pilot, "article")
        assert {hit.id for hit in dialog.hits} == {"field0000000001", "second000000003"}
        assert dialog.hits[0].id == "second000000003"  # its title holds the word
        await pilot.press(*" second")
        await wait_until_async(pilot, lambda: dialog.answered == "article second")
        assert [hit.id for hit in dialog.hits] == ["second000000003", "field0000000001"]
        await pilot.press(*" nowhere")
        await wait_until_async(pilot, lambda: dialog.answered == "article second nowhere")
        assert dialog.hits == []
        assert "No article matches" in str(dialog.query_one("#search-status").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert (screen.article.id if screen.article else None) == before


async def test_arrow_keys_choose_another_result(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = main(app)
        dialog = await _search(pilot, "article")
        second = dialog.hits[1].id
        await pilot.press("down", "enter")
        await wait_until_async(pilot, lambda: app.screen is screen)
        assert screen.article is not None and screen.article.id == second


async def test_command_palette_offers_search(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"search the library")

        def offered() -> bool:
            if not isinstance(app.screen, CommandPalette):
                return False
            options = app.screen.query_one(OptionList).options
            return bool(options) and "Search the library" in str(options[0].prompt)

        await wait_until_async(pilot, offered)
        await pilot.press("enter")
        await wait_until_async(pilot, lambda: isinstance(app.screen, SearchScreen))
