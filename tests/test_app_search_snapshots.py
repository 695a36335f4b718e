"""Snapshots of the library-wide search dialog (``F``) at 80×24 and 120×40.

Regenerate deliberately and review the SVG diffs::

    pytest tests/test_app_search_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import wait_until_async
from test_app import build_library  # shared fixture library, fixed dates

from termreader.config import Settings
from termreader.ui.app import TermreaderApp
from termreader.ui.search_screen import SearchScreen


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_search_dialog(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    library = build_library(tmp_path / "library")
    app = TermreaderApp(library, settings=Settings(theme="textual-dark"))  # type: ignore[arg-type]

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        await pilot.press("F", *"article 单元")
        await wait_until_async(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
        dialog = pilot.app.screen
        await wait_until_async(pilot, lambda: dialog.answered == "article 单元")
        await pilot.press("backspace", "backspace", "backspace")
        await wait_until_async(pilot, lambda: dialog.answered == "article")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_search_dialog_cjk_snippet(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A CJK snippet fills its row, cut between characters, the match about a third in."""
    from textual.widgets import Input

    library = build_library(tmp_path / "library")
    app = TermreaderApp(library, settings=Settings(theme="textual-dark"))  # type: ignore[arg-type]

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        await pilot.press("F")
        await wait_until_async(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
        dialog = pilot.app.screen
        dialog.query_one(Input).cursor_blink = False  # a blinking cursor would make it flaky
        await pilot.press(*"单元")
        await wait_until_async(pilot, lambda: dialog.answered == "单元")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
