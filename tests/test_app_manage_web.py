"""Adding a URL or a file from the reader and fetching a saved page again (issue 15), against a
real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from helpers import wait_until_async
from netserver import (
    NetServer,
    netserver_fixture,  # noqa: F401 - provides `netserver`
    page,
    rss,
)
from test_app import build_library, make_app, open_field_notes

from termreader.library.store import Library
from termreader.ui.app import TermreaderApp
from termreader.ui.prompt_screen import PromptScreen
from termreader.ui.subscribe_screen import SubscribeScreen
from termreader.web.sync import SAVED_URLS, SUBSCRIPTIONS


async def type_in_prompt(pilot, app: TermreaderApp, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await wait_until_async(pilot, lambda: isinstance(app.screen, PromptScreen))
    dialog = app.screen
    assert isinstance(dialog, PromptScreen)
    dialog.input.value = text
    await pilot.press("enter")


async def test_add_a_url_fetches_in_a_worker_and_saves_it(
    netserver: NetServer, tmp_path: Path
) -> None:
    library = build_library(tmp_path / "library")
    url = netserver.add("/post/new", page("A page added from the reader", paragraphs=3))
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await type_in_prompt(pilot, app, "a", url)
        await wait_until_async(pilot, lambda: library.by_url(url) is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        added = library.by_url(url)
        assert added is not None and added.title == "A page added from the reader"
        assert library.kv_get(SAVED_URLS, url) is not None  # sync refreshes it, as `add URL`
        assert added.id in [a.id for a in screen.library_pane.shown]
        assert screen.library_pane.article_list.highlighted is not None
        assert screen.library_pane.article_list.highlighted.id == added.id
        assert screen.article is not None and screen.article.id == "field0000000001"
        messages = [n.message for n in app._notifications]
        assert "Added “A page added from the reader”" in messages


async def test_add_a_feed_url_asks_and_subscribes(netserver: NetServer, tmp_path: Path) -> None:
    library = build_library(tmp_path / "library")
    post = netserver.add("/post/p1", page("Post one", paragraphs=3))
    feed = netserver.add(
        "/feed.xml",
        rss("Reader news", [{"title": "Post one", "link": post}]),
        content_type="application/rss+xml",
    )
    app = make_app(library, related_depth=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_field_notes(pilot, app)
        await type_in_prompt(pilot, app, "a", feed)
        await wait_until_async(pilot, lambda: isinstance(app.screen, SubscribeScreen))
        assert isinstance(app.screen, SubscribeScreen)
        assert app.screen.question == "Subscribe to “Reader news”? y/n"
        await pilot.press("y")
        await wait_until_async(pilot, lambda: library.by_url(post) is not None)
        await app.workers.wait_for_complete()
        assert library.kv_get(SUBSCRIPTIONS, feed) is not None


async def test_add_a_file_path(tmp_path: Path) -> None:
    library = build_library(tmp_path / "library")
    note = tmp_path / "note.md"
    note.write_text("# A note from disk\n\nWritten by hand.\n", "utf-8")
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_field_notes(pilot, app)
        await type_in_prompt(pilot, app, "a", str(note))
        await wait_until_async(pilot, lambda: len(library) == 4)
        await app.workers.wait_for_complete()
        (added,) = [a for a in library.list() if a.title == "A note from disk"]
        assert "Written by hand." in library.get(added.id).body
        await type_in_prompt(pilot, app, "a", str(tmp_path / "missing.md"))
        messages = [n.message for n in app._notifications]
        assert f"Not a web address or a file: {tmp_path / 'missing.md'}" in messages


async def test_refetch_updates_in_place_and_keeps_reading_state(
    netserver: NetServer, tmp_path: Path
) -> None:
    library = build_library(tmp_path / "library")
    url = netserver.add("/post/changing", page("Version one", paragraphs=20))
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        await type_in_prompt(pilot, app, "a", url)
        await wait_until_async(pilot, lambda: library.by_url(url) is not None)
        await app.workers.wait_for_complete()
        first = library.by_url(url)
        assert first is not None
        library.set_tags(first.id, ["mine"])
        library.set_starred(first.id, True)
        screen.reload_library()
        screen.open_article(first.id)
        await pilot.press("space", "space")
        await pilot.pause()
        screen.reading.leave()
        saved = Library.open(library.home).meta(first.id).position
        assert saved.offset or saved.anchor
        netserver.add("/post/changing", page("Version one", paragraphs=21))
        await pilot.press("R")
        await wait_until_async(pilot, lambda: "paragraph 20" in library.get(first.id).body)
        await app.workers.wait_for_complete()
        await pilot.pause()
        again = Library.open(library.home).get(first.id)
        assert again.tags == ["mine"] and again.starred
        assert again.position.anchor == saved.anchor and again.position.offset == saved.offset
        assert len([a for a in library.list() if a.url == url]) == 1  # in place, not a copy
        assert screen.article is not None and screen.article.id == first.id
        assert "paragraph 20" in screen.article.body or screen.reader.document is not None
        messages = [n.message for n in app._notifications]
        assert "Fetched again: “Version one”" in messages


async def test_refetch_without_an_address_says_so(tmp_path: Path) -> None:
    library = build_library(tmp_path / "library")
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        screen.open_article("cjk000000000002")
        await pilot.press("R")
        messages = [n.message for n in app._notifications]
        assert "This article has no web page or file to fetch again" in messages
