"""Pilot tests of the reading pane's finish (issue 13): header, related dialog and section,
notifications, theme, help ids, reading time and the small things."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import wait_until_async
from rich.cells import cell_len

from termreader.config import Settings
from termreader.importers import import_path
from termreader.library.store import Library
from termreader.ui.app import TermreaderApp
from termreader.ui.main_screen import MainScreen


def seed_library(home: Path, fixtures: Path) -> Library:
    """A library holding the seed-shaped article (long Chinese section titles, a related list)."""
    library = Library.open(home)
    library.add_many([import_path(fixtures / "seed_jiebei.txt")])
    return library


def main(app: TermreaderApp) -> MainScreen:
    screen = app.main_screen
    assert screen is not None
    return screen


def header_line(screen: MainScreen) -> str:
    return screen.header.render().plain


@pytest.mark.parametrize("width", [80, 60, 40])
async def test_header_keeps_the_percentage_and_cuts_the_section(
    tmp_path: Path, fixtures: Path, width: int
) -> None:
    """At 80 columns the seed's header read "… 二、借呗电话催收中的“上门通知”动机 · 4…" and at 60
    the number was gone: the section name gave way only after the number had been cut."""
    library = seed_library(tmp_path / "library", fixtures)
    app = TermreaderApp(library, settings=Settings())
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.reader.focus()
        await pilot.press("g", "}", "}")
        await pilot.pause()
        assert screen.header.section.startswith("二、")
        line = header_line(screen)
        assert cell_len(line) == width
        assert line.endswith(f" {screen.header.percent}% ")
        if width >= 60:
            assert "二、借呗" in line and "…" in line


async def test_header_shows_the_saved_percentage_after_a_restart(
    tmp_path: Path, fixtures: Path
) -> None:
    """After a restart the header said 47 % until the first key and 93 % after it, at the same
    place: the progress was first measured against a reader not laid out yet (no height)."""
    home = tmp_path / "library"
    seed_library(home, fixtures)
    app = TermreaderApp(Library.open(home), settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.reader.focus()
        await pilot.press("G", *["k"] * 8)
        await pilot.pause()
        before = screen.header.percent
        assert 50 < before < 100
        await pilot.press("q")
    app = TermreaderApp(Library.open(home), settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.header.percent == before
        screen.reader.focus()
        await pilot.press("j")
        await pilot.pause()
        assert abs(screen.header.percent - before) <= 3  # one line on, not 40 points
