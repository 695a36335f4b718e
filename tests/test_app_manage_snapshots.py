"""Snapshots of the library management screens (issue 15): the by-source view at 80×24 and
120×40, the starred view with its marks, and the tags and add dialogs.

Regenerate deliberately and review the SVG diffs::

    pytest tests/test_app_manage_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import build_library

from termreader.config import Settings
from termreader.ui.app import TermreaderApp
from termreader.ui.prompt_screen import PromptScreen


def _app(tmp_path: Path, theme: str = "textual-dark") -> TermreaderApp:
    library = build_library(tmp_path / "library")
    library.set_unread("second000000003", False)
    library.set_starred("field0000000001", True)
    library.set_starred("cjk000000000002", True)
    return TermreaderApp(library, settings=Settings(theme=theme))


async def _start(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    screen = pilot.app.main_screen
    screen.open_article("field0000000001")
    screen.reader.focus()
    await pilot.pause()


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_sources_view(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _start(pilot)
        await pilot.press("B", "j")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=run_before)


def test_one_source_listed(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _start(pilot)
        await pilot.press("B", "j", "enter")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_starred_view(snap_compare, tmp_path: Path, theme: str) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _start(pilot)
        await pilot.press("apostrophe")
        await pilot.pause()

    assert snap_compare(_app(tmp_path, theme), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("key", ["T", "a"], ids=["tags", "add"])
def test_prompt_dialogs(snap_compare, tmp_path: Path, key: str) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _start(pilot)
        await pilot.press(key)
        while not isinstance(pilot.app.screen, PromptScreen):
            await pilot.pause()
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=run_before)
