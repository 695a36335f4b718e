"""What the start-up work left behind still behaves (issue 5): the one-widget footer, the lazily
decoded render cache (and a damaged one), the collector turned back on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import wait_until_async
from test_app import build_library, main, make_app, open_field_notes  # shared fixture library

from termreader.library.store import Library
from termreader.locations import cache_dir
from termreader.ui.main_screen import MainScreen


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return build_library(tmp_path / "library")


async def test_footer_shows_the_focused_pane_keys_and_clicks_press_them(
    library: Library,
) -> None:
    from termreader.ui.keys_footer import KeysFooter

    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        footer = screen.query_one(KeysFooter)
        shown = {description for _, _, description, _ in footer.items}
        assert {"Top", "Next section", "Outline"} <= shown  # the reader's keys, then the screen's
        line = str(footer.render())
        assert line.rstrip().endswith("? Keys · ^p Commands")
        assert len(line) == 120
        # A click on "t Outline" presses t.
        start = line.index("t Outline")
        assert not screen.outline.display
        await pilot.click(KeysFooter, offset=(start + 2, 0))
        await pilot.pause()
        assert screen.outline.display
        # The pinned key at the right end opens the key list.
        await pilot.click(KeysFooter, offset=(118, 0))
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"


async def test_footer_keeps_the_help_key_on_a_narrow_terminal(library: Library) -> None:
    from termreader.ui.keys_footer import KeysFooter

    app = make_app(library)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        line = str(main(app).query_one(KeysFooter).render())
        assert len(line) == 60
        assert line.endswith("? Keys · ^p Commands ")
        assert "Top" in line  # some of the reader's keys still fit


async def test_damaged_render_cache_is_replaced_by_a_parse(library: Library) -> None:
    from termreader.render.codec import cache_name, from_bytes, to_bytes
    from termreader.render.parser import parse

    article = library.get("field0000000001")
    data = to_bytes(parse(article.body))
    damaged = data[:-30] + b"x" * 29 + data[-1:]
    library.write_cache(article.id, cache_name(), damaged)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await pilot.press("G")
        # The rest is decoded, and the body read and parsed, after the first frame.
        await wait_until_async(
            pilot, lambda: library.read_cache(article.id, cache_name()) != damaged
        )
        await app.workers.wait_for_complete()
        await pilot.pause()
        document = screen.reader.document
        # The body, then the related section shown after it (issue 13).
        texts = [b.text for b in document.blocks[: document.appendix_from]]
        assert not any("damaged" in t for t in texts)
        assert texts[-1].startswith("Second paragraph of part 12")
        fixed = library.read_cache(article.id, cache_name())
        assert fixed is not None and fixed != damaged
        reread = from_bytes(fixed)
        assert reread.load_step(pieces=100) and not reread.damaged
        assert reread.blocks[-1].text.startswith("Second paragraph of part 12")


async def test_collector_turned_off_for_the_start_is_back_on(library: Library) -> None:
    import gc

    gc.disable()  # as `termreader` does before loading the interface
    try:
        app = make_app(library)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert main(app).article is not None
            assert gc.isenabled()
    finally:
        gc.enable()


def _body_read(screen: MainScreen) -> Callable[[], bool]:
    """True once the reader shows the article from its body file, not the stale cached form."""

    def read() -> bool:
        document = screen.reader.document
        return (
            screen.article is not None
            and screen.article.body != ""
            and document is not None
            and not any("older version" in b.text for b in document.blocks)
        )

    return read


async def test_render_cache_of_an_older_body_is_replaced_once_the_body_is_read(
    library: Library,
) -> None:
    from termreader.render.codec import cache_name, to_bytes
    from termreader.render.parser import parse

    stale = to_bytes(parse("# Field notes\n\nAn older version of the article.\n"))
    library.write_cache("field0000000001", cache_name(), stale)
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await wait_until_async(pilot, _body_read(screen))  # once the first screen is drawn
        texts = [b.text for b in screen.reader.document.blocks]
        assert not any("older version" in t for t in texts)
        assert any(t.startswith("Paragraph of part 12") for t in texts)
        # The body, related list and links arrived with it.
        assert screen.article.body.startswith("# Field notes")
        assert [r.title for r in screen.article.related][:1] == ["终端阅读指南"]


@pytest.mark.parametrize(
    ("size", "outline"),
    [((120, 40), False), ((120, 40), True), ((80, 24), False), ((200, 50), True)],
)
async def test_first_article_is_laid_out_at_the_reader_real_width(
    library: Library, size: tuple[int, int], outline: bool
) -> None:
    """The first frame is drawn once: the reader's width is foreseen from the panes' styles."""
    app = make_app(library, show_outline=outline)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        reader = main(app).reader
        assert reader.width_hint == reader.scrollable_content_region.width > 0


async def test_record_without_a_fingerprint_is_checked_once_the_body_is_read(
    library: Library,
) -> None:
    from termreader.library.records import BODY_FINGERPRINT
    from termreader.render.codec import cache_name, to_bytes
    from termreader.render.parser import parse

    stale = to_bytes(parse("# Field notes\n\nAn older version of the article.\n"))
    library.write_cache("field0000000001", cache_name(), stale)
    # A record written before the index kept body fingerprints.
    library._index.records["field0000000001"].pop(BODY_FINGERPRINT)
    assert library.body_fingerprint("field0000000001") == ""
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await wait_until_async(pilot, _body_read(screen))  # and checked, after the first screen
        texts = [b.text for b in screen.reader.document.blocks]
        assert not any("older version" in t for t in texts)
        assert any(t.startswith("Paragraph of part 12") for t in texts)


async def test_first_frame_of_the_main_screen_is_not_drawn_inside_textual_start_up_hold(
    library: Library,
) -> None:
    """Textual drops every frame drawn while the app is still mounting (its start-up batch). A
    screen pushed from ``App.on_mount`` was drawn there, thrown away, and painted again at the
    next refresh tick: 20-30 ms later on screen. The main screen is the app's default screen, so
    its first frame is the one the terminal shows."""
    from textual.app import App

    from termreader.ui.main_screen import MainScreen

    app = make_app(library)
    frames: list[tuple[str, int]] = []
    display = App._display

    def spy(self: App[object], screen: object, renderable: object) -> None:
        if renderable is not None:
            frames.append((type(screen).__name__, self._batch_count))
        display(self, screen, renderable)  # type: ignore[arg-type]

    app._display = spy.__get__(app)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert main(app).reader.document is not None
    drawn = [held for name, held in frames if name == "MainScreen"]
    assert drawn and drawn[0] == 0, frames


async def test_find_index_of_a_cached_article_is_built_while_the_reader_is_still(
    library: Library,
) -> None:
    """The first find of a long cached article searches at once: decoding the rest of it and
    lowering its text happen between frames while nothing moves."""
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        document = screen.reader.document
        assert document is not None and not document.find_ready
        await wait_until_async(pilot, lambda: document.find_ready)
        assert screen.reader.find("paragraph of part 12") >= 1


async def test_a_library_that_cannot_be_opened_ends_the_app_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from termreader.config import Settings
    from termreader.ui.app import TermreaderApp

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    app = TermreaderApp(library_dir=str(blocker / "library"), settings=Settings())
    async with app.run_test() as pilot:
        await pilot.pause()
    assert app.return_value == 1
    out = capsys.readouterr()
    said = (out.out + out.err).strip()  # one line, folded at the console's width
    assert said.startswith("termreader: cannot write library folder ")
    assert said.endswith(": Not a directory") and "Error" not in said


async def _styles_of_a_run(library: Library) -> tuple[list[str], list[tuple[str, str]], int]:
    """The stylesheet's rules as CSS, each widget's resolved style, and how many parsed
    sources the run was given by an earlier one."""
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        rules = [
            f"{rule.selectors} {sorted(rule.styles.get_rules().items())!r} {rule.tie_breaker}"
            for rule in app.stylesheet.rules
        ]
        widgets = [(repr(node), str(node.rich_style)) for node in app.screen.walk_children()]
        loaded = app._css_loaded
    return rules, widgets, loaded


async def test_styles_parsed_by_one_run_serve_the_next_unchanged(library: Library) -> None:
    """The second start skips parsing the stylesheets (~20 ms) and styles every widget alike."""
    first = await _styles_of_a_run(library)
    assert first[2] == 0
    assert list(cache_dir().glob("styles-*.pickle"))
    assert not list(
        library.home.rglob("*.pickle")
    )  # never in a library, which may come from elsewhere
    second = await _styles_of_a_run(library)
    assert second[2] > 0
    assert second[:2] == first[:2]


async def test_a_damaged_styles_cache_is_parsed_again(library: Library) -> None:
    first = await _styles_of_a_run(library)
    for path in cache_dir().glob("styles-*.pickle"):
        path.write_bytes(b"\x80\x05not a pickle")
    second = await _styles_of_a_run(library)
    assert second[2] == 0 and second[:2] == first[:2]
    # Parsed again, the file is good for the run after.
    assert (await _styles_of_a_run(library))[2] > 0


def test_the_reader_starts_without_loading_markdown_it() -> None:
    """Opening a cached article parses nothing, so markdown-it must not load at start. The
    related section's module imported the outline module for its slug, and that module builds
    markdown-it parsers at import: every start paid for them."""
    import subprocess
    import sys

    code = (
        "import sys, termreader.cli.main, termreader.cli.tui, termreader.ui.app, "
        "termreader.render.pipeline, termreader.render.appendix; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'markdown_it', 'mdit_py_plugins'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"
