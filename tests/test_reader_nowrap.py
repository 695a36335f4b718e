"""Wide code and tables unwrapped and scrolled sideways, and copied whole (issue 13)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from termreader.config import Settings
from termreader.importers import import_path
from termreader.library.store import Library
from termreader.ui.app import TermreaderApp

FIXTURE = Path(__file__).parent / "fixtures" / "render13" / "wide-code.md"
COMMAND = (
    'curl -fsSL https://downloads.example.test/termreader/install.sh | sh -s -- --prefix "$HOME/'
    '.local" --with-completions --with-man-pages'
)


def make_app(tmp_path: Path) -> TermreaderApp:
    article = dataclasses.replace(
        import_path(FIXTURE), id="widecode0000001", fetched=datetime(2026, 3, 1, tzinfo=UTC)
    )
    library = Library.open(tmp_path / "library")
    library.add_many([article])
    return TermreaderApp(library, settings=Settings())  # type: ignore[arg-type]


async def opened(pilot):  # type: ignore[no-untyped-def]
    await pilot.pause()
    screen = pilot.app.main_screen
    screen.open_article("widecode0000001")
    screen.reader.focus()
    await pilot.pause()
    return screen.reader


def shown(reader) -> list[str]:  # type: ignore[no-untyped-def]
    return [reader.render_line(y).text for y in range(reader.size.height)]


async def test_w_unwraps_code_and_arrows_scroll_it(tmp_path: Path) -> None:
    """Before: code wrapped with ``↪`` (a copied command came out broken) and there was no way
    to see a wide line whole."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = await opened(pilot)
        assert any("↪" in line for line in shown(reader))
        await pilot.press("w")
        await pilot.pause()
        assert not reader.wrap_code
        lines = shown(reader)
        assert not any("↪" in line for line in lines)
        start = next(line for line in lines if "curl -fsSL" in line)
        assert start.rstrip().endswith("›")  # more to the right
        assert "--with-man-pages" not in "".join(lines)
        # Prose is not shifted by the sideways scroll.
        await pilot.press("right", "right", "right", "right", "right", "right")
        await pilot.pause()
        lines = shown(reader)
        assert reader.shift > 0
        assert any("--with-man-pages" in line for line in lines)
        assert any(line.strip().startswith("‹") for line in lines)
        assert any(line.strip() == "The end." for line in lines)
        assert any("Run the installer with every option spelled out:" in line for line in lines)
        # It stops at the end of the widest block on screen.
        farthest = reader.shift
        await pilot.press("right")
        assert reader.shift == farthest
        await pilot.press("left", "left", "left", "left", "left", "left", "left")
        await pilot.pause()
        assert reader.shift == 0
        assert any("curl -fsSL" in line for line in shown(reader))
        await pilot.press("w")
        await pilot.pause()
        assert reader.wrap_code and any("↪" in line for line in shown(reader))


async def test_arrows_do_nothing_while_code_wraps(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = await opened(pilot)
        before = shown(reader)
        await pilot.press("right")
        await pilot.pause()
        assert reader.shift == 0 and shown(reader) == before


async def test_c_copies_the_code_block_unbroken(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tmp_path)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert copied == [COMMAND + "\ntermreader --version"]


async def test_find_scrolls_unwrapped_code_to_the_match(tmp_path: Path) -> None:
    from termreader.ui.find_bar import FindBar

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = await opened(pilot)
        await pilot.press("w", "slash")
        await pilot.pause()
        app.main_screen.query_one(FindBar).input.value = "man-pages"
        await pilot.press("enter")
        await pilot.pause()
        assert reader.match_count == 1 and reader.shift > 0
        assert any("--with-man-pages" in line for line in shown(reader))
