"""A live library (issue 15): the reader notices what other processes add, change or remove."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers import wait_until_async
from test_app import main, make_app

from termreader.library.store import Library
from termreader.models import Article, Position

BASE = datetime(2025, 3, 1, tzinfo=UTC)


def article(n: int) -> Article:
    return Article(
        id=f"live{n:011d}",
        title=f"Live article {n}",
        url=f"https://example.com/live/{n}",
        source="Live",
        published=BASE + timedelta(hours=n),
        body=f"# Live article {n}\n\n" + "A line of text.\n\n" * 80,
    )


def title_of(screen) -> str:  # type: ignore[no-untyped-def]
    return str(screen.library_pane.query_one("#library-title").render())


async def test_articles_added_elsewhere_appear_and_the_cursor_stays(tmp_path: Path) -> None:
    """Before: with the reader open, five ``termreader add`` runs in another terminal left the
    pane at "15 · 15 unread" until a restart (the library had 20)."""
    home = tmp_path / "library"
    Library.open(home).add_many([article(n) for n in range(15)])
    app = make_app(Library.open(home, lazy=True))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        screen.open_article(article(3).id, position=Position("", 20, 10.0))
        await pilot.pause()
        pane = screen.library_pane
        pane.article_list.cursor = pane.article_list.index_of(article(6).id) or 0
        top_before = screen.reader.scroll_y
        assert "Library · 15 · 15 unread" in title_of(screen)
        other = Library.open(home)  # another process, as far as the files can tell
        for n in range(100, 105):  # newer: they are listed above the cursor's article
            other.add(article(n))
        other.set_unread(article(1).id, False)
        await wait_until_async(pilot, lambda: "Library · 20 · 19 unread" in title_of(screen))
        assert pane.article_list.highlighted is not None
        assert pane.article_list.highlighted.id == article(6).id
        assert pane.shown[0].id == article(104).id
        assert screen.article is not None and screen.article.id == article(3).id
        assert screen.reader.scroll_y == top_before
        other.remove(article(0).id)
        await wait_until_async(pilot, lambda: "Library · 19 · 18 unread" in title_of(screen))
        assert article(0).id not in {a.id for a in pane.shown}
        assert pane.article_list.highlighted.id == article(6).id


async def test_a_termreader_add_in_another_process_shows_up(tmp_path: Path) -> None:
    import subprocess
    import sys

    home = tmp_path / "library"
    Library.open(home).add_many([article(n) for n in range(3)])
    doc = tmp_path / "new.md"
    doc.write_text("# From the other terminal\n\nHello.\n", encoding="utf-8")
    app = make_app(Library.open(home, lazy=True))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        await pilot.pause()
        subprocess.run(
            [sys.executable, "-m", "termreader", "add", str(doc), "--library", str(home)],
            check=True,
            capture_output=True,
        )
        await wait_until_async(
            pilot,
            lambda: "From the other terminal" in {a.title for a in screen.library_pane.shown},
        )
        assert "Library · 4 · 4 unread" in title_of(screen)
