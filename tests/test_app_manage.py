"""Managing the library from the reader (issue 15): star and the starred view, remove with undo,
the by-source view, marking a source read, next unread, tags, copying the URL, and the keys'
listing in ``?``, the palette and the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import wait_until_async
from test_app import FIELD_URL, build_library, make_app, open_field_notes

from termreader.library.store import Library
from termreader.models import Position
from termreader.ui.app import TermreaderApp
from termreader.ui.manage import COMMANDS, MANAGE_BINDINGS
from termreader.ui.prompt_screen import PromptScreen

FIELD, CJK, SECOND = "field0000000001", "cjk000000000002", "second000000003"


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return build_library(tmp_path / "library")


def said(app: TermreaderApp, start: str = "") -> list[str]:
    return [n.message for n in app._notifications if n.message.startswith(start)]


def row_text(screen, row: int, part: int = 0) -> str:  # type: ignore[no-untyped-def]
    article_list = screen.library_pane.article_list
    return "".join(seg.text for seg in article_list.render_line(row * 2 + part))


# --- star ---------------------------------------------------------------------------------------
async def test_star_key_keeps_the_article_and_marks_its_row(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("asterisk")
        assert Library.open(library.home).meta(FIELD).starred  # in the store at once
        assert screen.article is not None and screen.article.starred
        assert said(app)[-1] == "Starred: kept"
        index = screen.library_pane.article_list.index_of(FIELD)
        assert index is not None
        assert "★" in row_text(screen, index, 1) and "●" not in row_text(screen, index, 1)
        assert "★" not in row_text(screen, index, 0)
        await pilot.press("asterisk")
        assert not Library.open(library.home).meta(FIELD).starred
        assert "★" not in row_text(screen, index, 1)


async def test_starred_view_lists_only_starred_and_escape_goes_back(library: Library) -> None:
    library.set_starred(CJK, True)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        pane = screen.library_pane
        await pilot.press("apostrophe")
        assert [a.id for a in pane.shown] == [CJK]
        assert screen.focused is pane.article_list
        title = str(pane.query_one("#library-title").render())
        assert title.startswith("Starred · 1 · 1 unread")
        # Taking the star off in the starred view takes the article out of it.
        await pilot.press("asterisk")
        assert pane.shown == [] and not library.meta(CJK).starred
        await pilot.press("escape")
        assert len(pane.shown) == 3
        assert str(pane.query_one("#library-title").render()).startswith("Library · 3")


# --- remove and undo ------------------------------------------------------------------------------
async def test_remove_is_real_at_once_and_undo_brings_back_everything(library: Library) -> None:
    library.set_starred(FIELD, True)
    library.set_tags(FIELD, ["walking", "kept"])
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("space", "space", "space")
        await pilot.pause()
        position = screen.reader.reading_position()
        assert position.offset or position.anchor
        await pilot.press("D")
        # Another process sees the removal at once.
        assert FIELD not in Library.open(library.home)
        assert said(app, "Removed") == ["Removed “Field notes from a long walk” — u to undo"]
        assert FIELD not in [a.id for a in screen.library_pane.shown]
        assert FIELD not in [a.id for a in screen.articles]
        assert screen.article is not None and screen.article.id == CJK  # the next in the list
        await pilot.press("u")
        again = Library.open(library.home).get(FIELD)
        assert again.body == build_library(library.home.parent / "copy").get(FIELD).body
        assert again.starred and again.tags == ["walking", "kept"]
        assert again.position == Position(position.anchor, position.offset, again.position.percent)
        assert screen.article is not None and screen.article.id == FIELD  # shown again
        assert screen.reader.reading_position().anchor == position.anchor
        assert FIELD in [a.id for a in screen.library_pane.shown]
        assert said(app, "Restored") == ["Restored “Field notes from a long walk”"]


async def test_u_is_half_a_page_up_again_once_undo_time_is_over(library: Library) -> None:
    """``u`` undoes only while a removal can be undone; then it scrolls as it always did."""
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        screen.library_pane.article_list.focus()
        screen.library_pane.article_list.cursor = 2  # the second article, not the open one
        await pilot.press("D")
        assert SECOND not in library and screen.article is not None
        assert screen.article.id == FIELD  # the open article stays open
        (pending,) = screen.manage.removed
        screen.manage.forget_removed(pending)  # what the undo timer does
        screen.reader.focus()
        await pilot.press("space", "space")
        before = screen.reader.scroll_y
        await pilot.press("u")
        assert SECOND not in library
        assert screen.reader.scroll_y < before


async def test_u_in_the_filter_box_is_typed_not_undo(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("D")
        assert FIELD not in library
        screen.library_pane.article_list.focus()
        await pilot.press("slash", "u")
        assert screen.library_pane.filter_input.value == "u"
        assert FIELD not in library


# --- sources --------------------------------------------------------------------------------------
async def test_sources_view_counts_unread_and_lists_one_source(library: Library) -> None:
    library.set_unread(SECOND, False)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        pane = screen.library_pane
        await pilot.press("B")
        assert pane.source_list.display and not pane.article_list.display
        assert screen.focused is pane.source_list
        rows = [(r.label, r.unread, r.total) for r in pane.source_list.rows]
        assert rows == [("elsewhere.test", 0, 1), ("example.test", 1, 1), ("示例来源", 1, 1)]
        await pilot.press("D", "asterisk")  # a source is highlighted: no article is touched
        assert len(Library.open(library.home)) == 3 and not library.meta(FIELD).starred
        line = "".join(s.text for s in pane.source_list.render_line(0))
        assert "elsewhere.test" in line and line.rstrip().endswith("0/1")
        await pilot.press("j", "enter")
        assert [a.id for a in pane.shown] == [FIELD]
        assert str(pane.query_one("#library-title").render()).startswith("example.test · 1")
        await pilot.press("escape")
        assert pane.source_list.display and pane.source_list.highlighted is not None
        assert pane.source_list.highlighted.source == "example.test"
        await pilot.press("escape")
        assert not pane.source_list.display and len(pane.shown) == 3


async def test_mark_a_source_read_from_the_source_list(library: Library) -> None:
    extra = build_library(library.home.parent / "other").get(CJK)
    extra.id, extra.url, extra.title = "cjk000000000009", "", "第二篇"
    library.add(extra)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        pane = screen.library_pane
        await pilot.press("B", "G")
        assert pane.source_list.highlighted is not None
        assert pane.source_list.highlighted.label == "示例来源"
        await pilot.press("A")
        store = Library.open(library.home)
        assert not store.meta(CJK).unread and not store.meta("cjk000000000009").unread
        assert store.meta(FIELD).unread
        assert said(app, "Marked") == ["Marked 2 articles of “示例来源” read"]
        assert pane.source_list.highlighted.unread == 0
        title = str(pane.query_one("#library-title").render())
        assert title.startswith("Sources · 3 · 2 unread"), title  # counted without a re-read


async def test_next_unread_opens_the_next_unread_article_from_the_reader(library: Library) -> None:
    library.set_unread(CJK, False)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        assert screen.focused is screen.reader
        await pilot.press("U")
        assert screen.article is not None and screen.article.id == SECOND  # CJK is read
        await pilot.press("U")
        assert screen.article is not None and screen.article.id == FIELD  # wraps around
        library.set_unread(FIELD, False)
        library.set_unread(SECOND, False)
        screen.reload_library()
        await pilot.press("U")
        assert said(app, "No unread") == ["No unread articles in the list"]


# --- tags and the URL -----------------------------------------------------------------------------
async def test_edit_tags_dialog_shows_current_tags_and_saves(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("T")
        await wait_until_async(pilot, lambda: isinstance(app.screen, PromptScreen))
        dialog = app.screen
        assert isinstance(dialog, PromptScreen)
        assert dialog.input.value == "walking"
        await pilot.press("end", *", 散步")
        dialog.input.value += "，long read"  # a CJK comma separates too (not a key to press)
        await pilot.press("enter")
        assert not isinstance(app.screen, PromptScreen)
        assert Library.open(library.home).meta(FIELD).tags == ["walking", "散步", "long read"]
        assert screen.article is not None and screen.article.tags[1] == "散步"
        # The library filter finds it by its new tag.
        screen.library_pane.filter_text = "散步"
        assert [a.id for a in screen.library_pane.shown] == [FIELD]
        await pilot.press("T")
        await wait_until_async(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("escape")
        assert Library.open(library.home).meta(FIELD).tags == ["walking", "散步", "long read"]


async def test_copy_url_puts_it_on_the_clipboard(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("y")
        assert app.clipboard == FIELD_URL
        assert said(app, "Copied") == [f"Copied {FIELD_URL}"]
        screen.open_article(CJK)  # no URL
        await pilot.press("y")
        assert app.clipboard == FIELD_URL
        assert said(app, "This article has no address") != []


# --- keys, help, palette, README ------------------------------------------------------------------
def test_every_manage_key_is_in_help_palette_and_readme() -> None:
    from termreader.ui.help_screen import KEYS

    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    table = readme.split("## Keys", 1)[1].split("\n## ", 1)[0]
    listed = {ids: keys for _, ids, keys, _ in KEYS}
    actions = {action for _, _, action in COMMANDS}
    for binding in MANAGE_BINDINGS:
        assert binding.id in listed, binding.id
        key = {"asterisk": "*", "apostrophe": "'"}.get(binding.key, binding.key)
        assert listed[binding.id].split()[0] == key
        assert f"`{key}`" in table, key
        assert binding.action in actions, binding.action
    for _, help_text, _ in COMMANDS:
        assert re.search(r"\(.+\)$", help_text), help_text  # says its key


async def test_palette_offers_the_manage_commands(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        titles = {c.title for c in app.get_system_commands(screen)}
        assert {title for title, _, _ in COMMANDS} <= titles
        (star,) = [c for c in app.get_system_commands(screen) if c.title == "Star / unstar"]
        star.callback()
        assert library.meta(FIELD).starred


async def test_source_list_rows_are_clean_and_cut_by_cells() -> None:
    """A source name from a feed is untrusted: no control reaches the terminal, and a wide
    (CJK) name is cut by cells so the counts stay in their column."""
    from rich.cells import cell_len
    from test_app_library_pane import PaneApp, articles

    from termreader.ui.library_pane import LibraryPane

    hostile = articles(6)
    hostile[0].source = "evil\x1b]52;c;aGk=\x07[/]\x9b31m name"
    hostile[1].source = "一个非常非常非常非常非常长的中文来源名称"
    hostile[2].source = ""
    app = PaneApp()
    async with app.run_test(size=(30, 12)) as pilot:
        pane = app.query_one(LibraryPane)
        pane.set_articles(hostile)
        pane.show_view("sources")
        await pilot.pause()
        width = pane.source_list.scrollable_content_region.width
        lines = [
            "".join(s.text for s in pane.source_list.render_line(y))
            for y in range(len(pane.source_list.rows))
        ]
        assert all(cell_len(line) == width for line in lines)
        assert not any(c in line for line in lines for c in "\x1b\x07\x9b")
        assert any("evil" in line and "[/]" in line for line in lines)
        assert lines[-1].startswith(" (no source)")  # no source is listed last
        assert all(re.search(r"\d+/\d+ $", line) for line in lines), lines


async def test_m_in_the_list_updates_the_unread_count(library: Library) -> None:
    """``m`` on a highlighted (not open) article changed the store and the row but left the
    pane title's unread count as it was: the row's article was changed before the pane
    compared old and new."""
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        pane = screen.library_pane
        assert "· 3 unread" in str(pane.query_one("#library-title").render())
        pane.article_list.focus()
        pane.article_list.cursor = 2
        await pilot.press("m")
        assert not Library.open(library.home).meta(SECOND).unread
        assert "· 2 unread" in str(pane.query_one("#library-title").render())
