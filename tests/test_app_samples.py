"""Pilot tests of the reader app on the real sample library (issue 3 acceptance), fully offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from termreader.config import Settings
from termreader.library.seeding import open_seeded
from termreader.library.store import Library
from termreader.models import Article
from termreader.ui.app import TermreaderApp
from termreader.ui.main_screen import MainScreen


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library seeded from sample_articles/ once per module (copied for each test)."""
    home = tmp_path_factory.mktemp("seeded") / "library"
    library = open_seeded(home)
    assert len(library) >= 5 and library.notices == []
    library.close()
    return home


@pytest.fixture
def home(seeded: Path, tmp_path: Path) -> Path:
    target = tmp_path / "library"
    shutil.copytree(seeded, target)
    return target


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything here must work without a network: any fetch fails the test."""

    async def no_network(self, url: str, **kwargs: object) -> None:  # type: ignore[no-untyped-def]
        raise AssertionError(f"network used for {url}")

    monkeypatch.setattr("termreader.web.fetch.Fetcher.fetch", no_network)


def app_on(home: Path, **settings: object) -> TermreaderApp:
    return TermreaderApp(Library.open(home), settings=Settings(**settings))  # type: ignore[arg-type]


def find(library: Library, predicate) -> Article:  # type: ignore[no-untyped-def]
    for meta in library.list():
        article = library.get(meta.id)
        if predicate(article):
            return article
    pytest.skip("no sample article fits this test")


async def started(pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    screen = pilot.app.main_screen
    assert screen is not None
    return screen


async def test_first_start_opens_the_welcome_article(home: Path) -> None:
    app = app_on(home)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        assert screen.article is not None
        tags = [t.casefold() for t in screen.article.tags]
        assert "getting started" in tags or not any(
            "getting started" in [t.casefold() for t in a.tags] for a in screen.articles
        )


async def test_sections_outline_top_and_bottom_on_the_longest_sample(home: Path) -> None:
    library = Library.open(home)
    longest = max((library.get(a.id) for a in library.list()), key=lambda a: len(a.sections))
    app = app_on(home, show_outline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        screen.open_article(longest.id)
        screen.reader.focus()
        await pilot.pause()
        headings = [s.anchor for s in screen.reader.document.sections]
        assert len(headings) >= 5
        seen = []
        for _ in range(4):
            await pilot.press("right_square_bracket")
            await pilot.pause()
            seen.append(screen.reader.current_section().anchor)
        # Each ] lands on a later heading, in document order.
        assert [headings.index(a) for a in seen] == sorted(headings.index(a) for a in seen)
        assert len(set(seen)) == 4
        assert screen.outline.current_anchor == seen[-1]
        assert screen.outline.highlighted.anchor == seen[-1]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.reader.current_section().anchor == seen[-2]
        await pilot.press("G")
        await pilot.pause()
        assert screen.reader.scroll_y == screen.reader.max_scroll_y
        assert not library.meta(longest.id).unread
        await pilot.press("g")
        await pilot.pause()
        assert screen.reader.scroll_y == 0


async def test_follow_a_link_between_samples_and_come_back(home: Path) -> None:
    library = Library.open(home)
    source = find(library, lambda a: any(library.by_url(link.url) for link in a.links))
    app = app_on(home)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        screen.open_article(source.id)
        screen.reader.focus()
        await pilot.pause()
        links = screen.reader.document.links
        number = next(i for i, link in enumerate(links, 1) if library.by_url(link.url))
        target = library.by_url(links[number - 1].url)
        await pilot.press("space", "j")
        await pilot.pause()
        before = screen.reader.scroll_y
        await pilot.press("f", *str(number), "enter")
        await pilot.pause()
        assert screen.article.id == target.id
        await pilot.press("h")
        await pilot.pause()
        assert screen.article.id == source.id
        assert screen.reader.scroll_y == before


async def test_related_title_without_url_opens_the_cached_sample(home: Path) -> None:
    library = Library.open(home)
    source = find(
        library, lambda a: any(r.url is None for r in a.related) and a.language.startswith("zh")
    )
    app = app_on(home)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        screen.open_article(source.id)
        screen.reader.focus()
        await pilot.pause()
        entry_index = next(i for i, r in enumerate(source.related) if r.url is None)
        entry = source.related[entry_index]
        await pilot.press("r", *(["j"] * entry_index), "enter")
        await pilot.pause()
        assert screen.article is not None
        assert screen.article.id != source.id
        assert screen.article.title == entry.title
        await pilot.press("h")
        await pilot.pause()
        assert screen.article.id == source.id


async def test_cjk_find_in_a_chinese_sample(home: Path) -> None:
    library = Library.open(home)
    source = find(library, lambda a: "终端" in a.body)
    app = app_on(home)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        screen.open_article(source.id)
        screen.reader.focus()
        await pilot.pause()
        await pilot.press("slash", *"终端", "enter")
        await pilot.pause()
        assert screen.reader.match_count >= 1
        assert screen.focused is screen.reader


async def test_position_and_article_restored_after_restart(home: Path) -> None:
    library = Library.open(home)
    longest = max((library.get(a.id) for a in library.list()), key=lambda a: len(a.sections))
    app = app_on(home)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        screen.open_article(longest.id)
        screen.reader.focus()
        await pilot.pause()
        await pilot.press(
            "right_square_bracket", "right_square_bracket", "right_square_bracket", "j"
        )
        await pilot.pause()
        position = screen.reader.reading_position()
        assert position.anchor
    again = app_on(home)
    async with again.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        assert screen.article is not None and screen.article.id == longest.id
        restored = screen.reader.reading_position()
        assert (restored.anchor, restored.offset) == (position.anchor, position.offset)
