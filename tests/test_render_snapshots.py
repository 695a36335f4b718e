"""Snapshots of how the reading pane draws text (issue 13): Korean wrapping, list numbers, tables,
wide code without wrapping, footnotes, definition lists, plain-text section headings.

Regenerate deliberately and review the SVG diffs::

    pytest tests/test_render_snapshots.py --snapshot-update -k NAME
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from helpers import wait_until_async

from termreader.config import Settings
from termreader.importers import import_bytes
from termreader.library.store import Library
from termreader.ui.app import TermreaderApp

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_ID = "render13article1"


def app_with(tmp_path: Path, data: bytes, filename: str, *, outline: bool = False) -> TermreaderApp:
    """An app over a library holding one imported document (fixed id and dates)."""
    article = import_bytes(data, filename=filename)
    article = dataclasses.replace(
        article,
        id=ARTICLE_ID,
        published=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        fetched=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
    )
    library = Library.open(tmp_path / "library")
    library.add_many([article])
    return TermreaderApp(library, settings=Settings(show_outline=outline))  # type: ignore[arg-type]


def opened(keys: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        screen = pilot.app.main_screen
        screen.open_article(ARTICLE_ID)
        screen.reader.focus()
        reader = screen.reader

        def drawn() -> bool:
            # Whole: parsed, laid out, and the related section after the body when there is
            # one (on a busy machine one pause was not enough: the screen showed the article
            # without its related section, at 100%).
            document = reader.document
            if document is None or not document.complete or not reader.layout_.complete:
                return False
            return not screen.article.related or document.appendix_from is not None

        await wait_until_async(pilot, drawn)
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    return run_before


def test_korean_sample_wraps_at_spaces(snap_compare, tmp_path: Path) -> None:
    """The Hangul sample at 80x24: lines break between words, never inside one."""
    path = ROOT / "sample_articles" / "hangul-in-the-terminal.md"
    app = app_with(tmp_path, path.read_bytes(), path.name)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened())


def test_list_numbers_and_table_columns(snap_compare, tmp_path: Path) -> None:
    """Items 10-12 line up with 1-9; the table's option column is not cut inside its words."""
    path = ROOT / "tests" / "fixtures" / "render13" / "lists-and-tables.md"
    app = app_with(tmp_path, path.read_bytes(), path.name)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened(["j"] * 4))


def test_footnotes_definitions_and_attributes(snap_compare, tmp_path: Path) -> None:
    """Footnote marks numbered like links with the notes at the end, a definition list drawn as
    term and indented definition, no empty heading, no ``{#id}`` shown."""
    path = ROOT / "tests" / "fixtures" / "render13" / "markdown-extras.md"
    app = app_with(tmp_path, path.read_bytes(), path.name, outline=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=opened())


def test_plain_text_long_section_titles(snap_compare, tmp_path: Path) -> None:
    """A plain-text article with 30-60 character section titles: its outline has the 一、
    sections at the top level and the 1. / （一） points under them."""
    path = ROOT / "tests" / "fixtures" / "render13" / "balcony-long-titles.txt"
    app = app_with(tmp_path, path.read_bytes(), path.name, outline=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=opened())


def test_unwrapped_code_scrolled_sideways(snap_compare, tmp_path: Path) -> None:
    """``w`` then ``→``: the command and the table rows are one line each, shifted together,
    with ``‹`` / ``›`` where more is hidden; prose stays in place."""
    path = ROOT / "tests" / "fixtures" / "render13" / "wide-code.md"
    app = app_with(tmp_path, path.read_bytes(), path.name)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened(["w", "right"]))


def test_table_columns_at_120x40(snap_compare, tmp_path: Path) -> None:
    """The same table beside the outline: the widest column shares what is left."""
    path = ROOT / "tests" / "fixtures" / "render13" / "lists-and-tables.md"
    app = app_with(tmp_path, path.read_bytes(), path.name, outline=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=opened())
