"""Import with the render-ready form (issue 5): opening a stored article parses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import wait_until_async

from termreader.cli.main import main as cli_main
from termreader.config import Settings
from termreader.errors import StoreError
from termreader.library.ingest import (
    DEFAULT_WIDTHS,
    store_article,
    store_articles,
    write_render_cache,
)
from termreader.library.seeding import open_seeded
from termreader.library.store import Library
from termreader.models import Article
from termreader.render.codec import cache_name, from_bytes
from termreader.render.model import Document
from termreader.render.parser import parse

NAMES = [
    "the-art-of-command-line.README.md",
    "the-art-of-command-line.README-zh.md",
    "the-art-of-command-line.README-ja.md",
]


def _big_markdown(fixtures: Path) -> str:
    """About 400 KB of real Latin and CJK Markdown (several parse chunks)."""
    parts = [(fixtures / "markdown" / name).read_text("utf-8") for name in NAMES]
    return "# Big document\n\n" + "\n\n".join(parts * 3)


def _forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any Markdown parse from now on fails the test."""
    import markdown_it

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("a Markdown parse happened")

    monkeypatch.setattr(markdown_it.MarkdownIt, "parse", refuse)
    monkeypatch.setattr("termreader.render.parser.make_parser", refuse)


def _cached(library: Library, article_id: str) -> Document:
    data = library.read_cache(article_id, cache_name())
    assert data is not None, "no render cache written"
    return from_bytes(data)


async def test_added_article_opens_from_the_cache_without_parsing(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """``termreader add big.md`` stores the render form; the app then shows it parsing nothing."""
    from termreader.ui.app import TermreaderApp

    big = tmp_path / "big.md"
    big.write_text(_big_markdown(fixtures), encoding="utf-8")
    assert cli_main(["add", str(big)]) == 0
    article_id = capsys.readouterr().out.split()[0]
    library = Library.open()
    document = _cached(library, article_id)
    assert document.complete and len(document.sections) > 100
    for width in DEFAULT_WIDTHS:
        assert len(document.heights[width]) == len(document.blocks)  # laid out at import

    _forbid_parsing(monkeypatch)
    app = TermreaderApp(library, open_ref=article_id, settings=Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until_async(pilot, lambda: app.main_screen is not None)
        screen = app.main_screen
        assert screen is not None
        reader = screen.reader
        await wait_until_async(pilot, lambda: reader.document is not None)
        assert reader.article is not None and reader.article.id == article_id
        assert reader.document is not None and reader.document.complete
        assert len(reader.document.blocks) == len(document.blocks)
        text = "\n".join(reader.render_line(y).text for y in range(10))
        assert "Big document" in text
        # The outline is the cached one, and moving through it needs no parse either.
        assert [s.anchor for s in reader.document.sections] == [s.anchor for s in document.sections]
        await pilot.press("G")
        assert reader.scroll_y == reader.max_scroll_y > 0
        assert reader.find("命令") > 10


def test_readding_a_changed_body_replaces_the_render_form(fixtures: Path) -> None:
    """Issue 5: a new body gets a new render form; an old one is never shown for it."""
    library = Library.open()
    first = store_article(library, Article(id="b" * 16, title="T", body="# One\n\nold text\n"))
    assert "old text" in _cached(library, first.id).blocks[1].text
    store_article(library, Article(id="b" * 16, title="T", body="# One\n\nnew text\n"))
    assert "new text" in _cached(library, first.id).blocks[1].text


async def test_stale_render_form_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body changed behind the cache's back (plain ``Library.add``): the reader parses it."""
    from termreader.ui.app import TermreaderApp

    library = Library.open()
    stored = store_article(library, Article(id="c" * 16, title="T", body="# One\n\nstale words\n"))
    library.add(Article(id=stored.id, title="T", body="# One\n\nfresh words\n"))
    assert "stale" in _cached(library, stored.id).blocks[1].text  # the old form is still there
    app = TermreaderApp(library, open_ref=stored.id, settings=Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until_async(pilot, lambda: app.main_screen is not None)
        reader = app.main_screen.reader

        def shown() -> str:
            return "\n".join(reader.render_line(y).text for y in range(8))

        # The body is read (and the stale form found out) once the first screen is drawn.
        await wait_until_async(pilot, lambda: "fresh words" in shown())
        assert "stale" not in shown()


def test_store_articles_and_seeding_write_render_forms(fixtures: Path) -> None:
    library = Library.open()
    articles = [
        Article(id=f"{n:016d}", title=name, body=(fixtures / "markdown" / name).read_text("utf-8"))
        for n, name in enumerate(NAMES)
    ]
    stored = store_articles(library, articles)
    assert [a.id for a in stored] == [a.id for a in articles]
    for article in articles:
        document = _cached(library, article.id)
        assert [s.anchor for s in document.sections] == [
            s.anchor for s in parse(article.body).sections
        ]
    seeded = open_seeded(Path(library.home).parent / "seeded")
    assert len(seeded) > 0
    for article in seeded.list():
        assert seeded.read_cache(article.id, cache_name()) is not None, article.title


def test_a_failing_cache_never_fails_the_import(monkeypatch: pytest.MonkeyPatch) -> None:
    library = Library.open()

    def broken(*args: object) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr(library, "write_cache", broken)
    stored = store_article(library, Article(id="d" * 16, title="T", body="# Hi\n\ntext\n"))
    assert library.get(stored.id).body.endswith("text\n")
    assert not write_render_cache(library, stored)
