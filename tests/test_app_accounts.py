"""Accounts in the reader: `S` syncs them too, their feeds' entries appear in the library under
the feed's name, and a line under the list shows the last sync and the changes waiting, which
grow while the server is away and reading goes on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from feedservers import FeedServer
from helpers import wait_until_async

from termreader.accounts import registry
from termreader.config import Settings
from termreader.library.store import Library
from termreader.models import Article
from termreader.ui.app import TermreaderApp

TEXT = "<p>" + "Reading goes on while the feed server is away. " * 40 + "</p>"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    feed = srv.add_feed("Server news")
    for n in range(3):
        srv.add_item(feed, f"Server story {n}", TEXT, url=f"https://example.org/s/{n}")
    yield srv
    srv.stop()


def library_with_account(home: Path, srv: FeedServer) -> Library:
    library = Library.open(home)
    library.add(Article(id="local0000000001", title="A local note", body="# A local note\n\nHi.\n"))
    registry.add(library, "fever", srv.url("fever"), srv.user, srv.password, name="home")
    return library


def status(app: TermreaderApp) -> str:
    screen = app.main_screen
    assert screen is not None
    widget = screen.library_pane.query_one("#accounts-status")
    return str(widget.render()) if widget.display else ""


async def test_sync_key_syncs_accounts_and_the_status_line_counts_waiting_changes(
    tmp_path: Path, server: FeedServer
) -> None:
    library = library_with_account(tmp_path / "library", server)
    app = TermreaderApp(library, settings=Settings(related_depth=0))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.main_screen
        assert screen is not None
        assert status(app) == "home synced never"
        await pilot.press("S")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await wait_until_async(pilot, lambda: "synced never" not in status(app))
        shown = {a.title: a for a in screen.library_pane.shown}
        assert shown["Server story 1"].source == "Server news"
        assert "waiting" not in status(app)

        story = shown["Server story 1"].id
        screen.open_article(story)
        await pilot.pause()
        screen.reader.focus()
        if library.brief(story).unread:  # a short article may be read once it is shown
            await pilot.press("m")
            await pilot.pause()
        assert not library.brief(story).unread
        assert status(app).endswith("1 change waiting")

        server.down = True
        await pilot.press("S")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors and "home" in errors[-1] and "503" in errors[-1] and "\n" not in errors[-1]
        assert "(last sync failed)" in status(app) and status(app).endswith("1 change waiting")

        server.down = False
        await pilot.press("S")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await wait_until_async(pilot, lambda: "waiting" not in status(app))
        assert "failed" not in status(app)


async def test_no_accounts_no_status_line(tmp_path: Path) -> None:
    library = Library.open(tmp_path / "library")
    library.add(Article(id="local0000000001", title="A local note", body="# A local note\n"))
    app = TermreaderApp(library, settings=Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert status(app) == ""
