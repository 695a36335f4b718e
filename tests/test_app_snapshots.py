"""Snapshot tests of the main layouts (issue 3): 120×40 and 80×24, dark and light, CJK article open.

Regenerate deliberately (after a Textual upgrade or a look change) and review the SVG diffs::

    /work/venv/bin/python -m pytest tests/test_app_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import build_library  # noqa: E402  (shared fixture library, fixed dates)

from termreader.config import Settings
from termreader.ui.app import TermreaderApp

CJK_ID = "cjk000000000002"


def _app(tmp_path: Path, theme: str, **settings: object) -> TermreaderApp:
    library = build_library(tmp_path / "library")
    return TermreaderApp(library, settings=Settings(theme=theme, **settings))  # type: ignore[arg-type]


async def _open_cjk(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    screen = pilot.app.main_screen
    screen.open_article(CJK_ID)
    screen.reader.focus()
    await pilot.press("]", "]")
    await pilot.pause()


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_main_layout(snap_compare, tmp_path: Path, theme: str, size: tuple[int, int]) -> None:
    app = _app(tmp_path, theme, show_outline=size[0] >= 120)
    assert snap_compare(app, terminal_size=size, run_before=_open_cjk)


def test_narrow_library_overlay(snap_compare, tmp_path: Path) -> None:
    app = _app(tmp_path, "textual-dark")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _open_cjk(pilot)
        await pilot.press("L")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_related_dialog(snap_compare, tmp_path: Path) -> None:
    app = _app(tmp_path, "textual-dark")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        pilot.app.main_screen.reader.focus()
        await pilot.press("r")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_no_color(snap_compare, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """NO_COLOR is honoured (monochrome, still readable: cursor and headings by style).

    A 16-colour terminal is checked in test_app.py
    (``test_sixteen_colour_terminal_keeps_every_character_visible``)."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = _app(tmp_path, "textual-dark")
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_cjk)


def _app_with_account(tmp_path: Path, monkeypatch) -> TermreaderApp:  # type: ignore[no-untyped-def]
    """The fixture library with a feed-server account last synced at a fixed time, one entry
    of which was marked read here since (one change waiting)."""
    import time

    from termreader.accounts import registry

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    library = build_library(tmp_path / "library")
    account = registry.add(
        library, "fever", "https://rss.example.org/fever/", "me", "pw", name="home"
    )
    account.last_sync = "2026-01-02T10:00:00+00:00"
    registry.save(library, account)
    library.kv_put(
        registry.ENTRIES, "second000000003", {"a": "home", "r": "7", "u": True, "s": False}
    )
    library.set_unread("second000000003", False)
    return TermreaderApp(library, settings=Settings(theme="textual-dark"))


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_account_status_line(
    snap_compare, tmp_path: Path, monkeypatch, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    app = _app_with_account(tmp_path, monkeypatch)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _open_cjk(pilot)
        if size[0] < 110:
            await pilot.press("L")

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def _seed_app(tmp_path: Path) -> TermreaderApp:
    from termreader.importers import import_path
    from termreader.library.store import Library

    library = Library.open(tmp_path / "library")
    library.add_many([import_path(Path(__file__).parent / "fixtures" / "seed_jiebei.txt")])
    return TermreaderApp(library, settings=Settings(theme="textual-dark"))


def test_related_dialog_seed(snap_compare, tmp_path: Path) -> None:
    """The seed's related list at 80×24 (issue 13): one line per entry, marks and a legend."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        pilot.app.main_screen.reader.focus()
        await pilot.press("r")
        await pilot.pause()

    assert snap_compare(_seed_app(tmp_path), terminal_size=(80, 24), run_before=run_before)


def test_related_section_seed(snap_compare, tmp_path: Path) -> None:
    """The end of the seed at 80×24 (issue 13): its related list as a 相关内容 section after the
    body, each entry marked and numbered like a link."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        screen = pilot.app.main_screen
        screen.reader.focus()
        await pilot.press("G")
        await pilot.pause()
        await pilot.press("left_square_bracket", "k", "k", "k")
        await pilot.pause()

    assert snap_compare(_seed_app(tmp_path), terminal_size=(80, 24), run_before=run_before)
