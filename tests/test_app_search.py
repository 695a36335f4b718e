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


LEAD_WORDS = " ".join(f"lead{n}" for n in range(120))
TAIL_WORDS = " ".join(f"tail{n}" for n in range(120))
CJK_RUN = "据报道该公司近日对借款人采取了一系列措施包括电话短信和上门拜访等方式引发了广泛关注" * 4


def _snippet_library(home: Path) -> Library:
    """One Latin and one Chinese article, each with its only match far inside a long body."""
    from termreader.models import Article

    library = Library.open(home)
    library.add_many(
        [
            Article(
                id="latin0000000001",
                title="A long Latin body",
                body=f"{LEAD_WORDS} zebrafinch {TAIL_WORDS}",
            ),
            Article(
                id="cjk000000000001",
                title="一篇很长的中文文章",
                body=f"{CJK_RUN}催收{CJK_RUN}",
            ),
        ]
    )
    return library


async def _snippet_row(
    library: Library, size: tuple[int, int], query: str
) -> tuple[str, list[str], int]:
    """The first result's snippet line as drawn (text, its reverse-video pieces) and the
    width of the results list."""
    app = make_app(library)
    async with app.run_test(size=size) as pilot:
        dialog = await _search(pilot, query)
        await pilot.pause()
        results = dialog.results
        strip = results.render_line(1)
        marked = [seg.text for seg in strip if seg.style is not None and seg.style.reverse]
        return strip.text.rstrip(), marked, results.scrollable_content_region.width


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_latin_snippet_fills_its_row(tmp_path: Path, size: tuple[int, int]) -> None:
    """The snippet used to stay at a fixed width (a few characters of CJK): it fills the row,
    with context on both sides of the match, the match about a third in."""
    from rich.cells import cell_len

    line, marked, width = await _snippet_row(_snippet_library(tmp_path / "lib"), size, "zebrafinch")
    assert marked == ["zebrafinch"]
    assert line.startswith("  …lead") and line.endswith("…")
    assert width - 3 <= cell_len(line) <= width
    before = line.index("zebrafinch")
    assert width // 5 <= before <= width // 2
    assert "tail" in line[before:]


async def test_snippet_is_longer_at_120_columns(tmp_path: Path) -> None:
    library = _snippet_library(tmp_path / "lib")
    narrow, _, _ = await _snippet_row(library, (80, 24), "zebrafinch")
    wide, _, _ = await _snippet_row(library, (120, 40), "zebrafinch")
    assert len(wide) >= len(narrow) + 30
    # More context on both sides, not only after the match.
    assert wide.index("zebrafinch") > narrow.index("zebrafinch")
    assert len(wide) - wide.index("zebrafinch") > len(narrow) - narrow.index("zebrafinch")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_cjk_snippet_keeps_whole_characters(tmp_path: Path, size: tuple[int, int]) -> None:
    """Two cells a character: the line is cut between characters (none halved or replaced by
    a space) and still fills the row but for the odd cell."""
    from rich.cells import cell_len

    line, marked, width = await _snippet_row(_snippet_library(tmp_path / "lib"), size, "催收")
    assert marked == ["催收"]
    assert line.startswith("  …") and line.endswith("…")
    inner = line.strip()[1:-1]
    assert inner in f"{CJK_RUN}催收{CJK_RUN}"
    assert width - 4 <= cell_len(line) <= width
    assert cell_len(line[: line.index("催收")]) >= width // 5


def test_snippet_is_cleaned_where_drawn() -> None:
    """A snippet from an index built before cleaning must not reach the terminal raw; the
    mark stays on its word."""
    from termreader.library.search import Hit
    from termreader.library.search_text import Snippet
    from termreader.ui.search_screen import _prompt

    raw = "evil \x1b]0;title\x07text \u202eneedle here"
    start = raw.index("needle")
    hit = Hit("x", "T", "", "", Snippet(raw, [(start, start + 6)], "needle"), "body", "needle")
    prompt = _prompt(hit, 60)
    assert (
        "\x1b" not in prompt.plain and "\u202e" not in prompt.plain and "\x07" not in prompt.plain
    )
    plain = prompt.plain
    marked = [plain[s.start : s.end] for s in prompt.spans if getattr(s.style, "reverse", False)]
    assert marked == ["needle"] and "evil text needle here" in plain.split("\n")[1]
