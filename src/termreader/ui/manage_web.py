"""Adding a URL or a file from the reader, and fetching a saved page again, in workers.

The network and the importers run off the UI's work (the fetch on the app's loop, parsing in a
thread); the store is written on the UI thread only, as everywhere in the app.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from termreader.errors import FetchError, ImportFailed, IsAFeed, LinkRefused, NotFound, StoreError
from termreader.models import Article
from termreader.text.sanitize import clean_line
from termreader.ui.article_screen import OpeningScreen
from termreader.ui.following import short_url

if TYPE_CHECKING:
    from termreader.library.store import Library
    from termreader.ui.following import Following
    from termreader.web.fetch import Fetcher

log = logging.getLogger(__name__)


class FetchingScreen(OpeningScreen, Protocol):
    """What :class:`PageFetching` needs of its screen (the main screen)."""

    @property
    def following(self) -> Following: ...


def _imported(load: Callable[[], Article]) -> tuple[Article, bytes | None]:
    """An imported article with its render form, both made in the calling (worker) thread."""
    from termreader.library.ingest import render_form_or_none

    article = load()
    return article, render_form_or_none(article.body)


class PageFetching:
    """Adds and fetches again for :class:`~termreader.ui.manage.Managing`.

    Workers run in the screen's "fetch" group, like following a link: a newer one cancels an
    older one, and Esc cancels (the screen's busy line says what is loading).

    Args:
        screen: The screen showing the articles.
        library: The open library.
        fetcher: Gives the session's HTTP client (created on first use).
    """

    def __init__(
        self, screen: FetchingScreen, library: Library, fetcher: Callable[[], Fetcher]
    ) -> None:
        self.screen = screen
        self.library = library
        self.fetcher = fetcher

    def _run(self, work: Callable[[], Any], name: str) -> None:
        self.screen.run_worker(work, name=name, group="fetch", exclusive=True, exit_on_error=False)

    # adding ------------------------------------------------------------------------------------
    def add(self, ref: str) -> None:
        """Add a web page (a feed is offered for subscription) or a file; an article already in
        the library is opened instead."""
        from termreader.navigation.resolve import is_web

        try:
            known: str | None = self.library.resolve_id(ref)
        except NotFound:
            known = None
        if known is not None:
            self.screen.notify("Already in the library", timeout=3)
            self.screen.open_article(known)
        elif is_web(ref):
            self._run(partial(self._add_url, ref), "add_url")
        elif Path(ref).expanduser().exists():
            self._run(partial(self._add_file, str(Path(ref).expanduser())), "add_file")
        else:
            self.screen.notify(f"Not a web address or a file: {clean_line(ref)}", severity="error")

    async def _add_url(self, url: str) -> None:
        from termreader.web.sync import store_page
        from termreader.web.sync_writer import import_result

        screen = self.screen
        screen.busy = f"Fetching {clean_line(urlsplit(url).netloc)}…"
        try:
            result = await self.fetcher().fetch(url)
            screen.busy = "Reading the page…"
            try:
                article, form = await asyncio.to_thread(_imported, partial(import_result, result))
            except IsAFeed as feed:
                # The reader's one way to a subscription: say what it is, ask, then sync it.
                await screen.following.offer_feed(result, feed.kind)
                return
            stored = store_page(self.library, url, result, article, form=form)
        except asyncio.CancelledError:
            screen.notify("Adding cancelled", timeout=3)
            raise
        except (FetchError, LinkRefused, ImportFailed, StoreError) as error:
            screen.notify(f"Could not add {short_url(url)}: {error}", severity="error", timeout=8)
            return
        finally:
            screen.busy = ""
        self._added(stored)

    async def _add_file(self, path: str) -> None:
        from termreader.importers import import_path
        from termreader.library.ingest import store_article

        screen = self.screen
        screen.busy = "Importing…"
        try:
            try:
                article, form = await asyncio.to_thread(_imported, partial(import_path, path))
            except IsAFeed:
                self._add_feed_file(path)
                return
            stored = store_article(self.library, article, form=form)
        except asyncio.CancelledError:
            screen.notify("Adding cancelled", timeout=3)
            raise
        except (ImportFailed, StoreError) as error:
            screen.notify(str(error), severity="error", timeout=8)
            return
        finally:
            screen.busy = ""
        self._added(stored)

    def _add_feed_file(self, path: str) -> None:
        """A feed file's entries are taken once, as ``termreader add`` does (a file is not
        subscribed: nothing would fetch it again)."""
        from termreader.web.sync import import_feed_file

        done = import_feed_file(self.library, str(Path(path).resolve()))
        self.screen.reload_library()
        self.screen.notify(done.summary(), timeout=6)

    def _added(self, article: Article) -> None:
        self.screen.reload_library(keep=article.id)
        title = clean_line(article.title) or "(untitled)"
        self.screen.notify(f"Added “{title}”", timeout=4)

    # fetching again ----------------------------------------------------------------------------
    def refetch(self, article: Article) -> None:
        """Fetch the article's page (or read its file) again and store it in place: same id,
        same tags, same reading state."""
        from termreader.navigation.resolve import is_web

        url = article.url
        if url and is_web(url):
            self._run(partial(self._refetch_url, article), "refetch")
        elif url and Path(url).is_file():
            self._run(partial(self._refetch_file, article), "refetch")
        else:
            self.screen.notify("This article has no web page or file to fetch again", timeout=4)

    async def _refetch_url(self, old: Article) -> None:
        from termreader.web.sync import store_page
        from termreader.web.sync_writer import import_result

        screen = self.screen
        screen.busy = f"Fetching {clean_line(urlsplit(old.url).netloc)}…"
        try:
            result = await self.fetcher().fetch(old.url)
            screen.busy = "Reading the page…"
            article, form = await asyncio.to_thread(_imported, partial(import_result, result))
            self._keep(old, article)
            stored = store_page(
                self.library, old.url, result, article, form=form, article_id=old.id, remember=False
            )
        except asyncio.CancelledError:
            screen.notify("Fetching cancelled", timeout=3)
            raise
        except (FetchError, LinkRefused, ImportFailed, StoreError) as error:
            screen.notify(
                f"Could not fetch {short_url(old.url)}: {error}", severity="error", timeout=8
            )
            return
        finally:
            screen.busy = ""
        self._updated(stored)

    async def _refetch_file(self, old: Article) -> None:
        from termreader.importers import import_path
        from termreader.library.ingest import store_article

        screen = self.screen
        screen.busy = "Reading the file again…"
        try:
            article, form = await asyncio.to_thread(_imported, partial(import_path, old.url))
            self._keep(old, article)
            article.id = old.id
            stored = store_article(self.library, article, form=form)
        except asyncio.CancelledError:
            screen.notify("Fetching cancelled", timeout=3)
            raise
        except (ImportFailed, StoreError) as error:
            screen.notify(str(error), severity="error", timeout=8)
            return
        finally:
            screen.busy = ""
        self._updated(stored)

    @staticmethod
    def _keep(old: Article, new: Article) -> None:
        """What the article is filed under survives a new version of it: its tags, its source
        (a feed entry stays with its feed) and its date when the page gives none (the store
        keeps the reading state of an article added again)."""
        new.tags = list(old.tags)
        new.source = old.source or new.source
        new.published = new.published or old.published

    def _updated(self, article: Article) -> None:
        screen = self.screen
        screen.reload_library(keep=article.id)
        current = screen.article
        if current is not None and current.id == article.id:
            # Shown again from the new body, where the reader was (saved on leaving).
            screen.open_article(article.id, record=False)
        title = clean_line(article.title) or "(untitled)"
        screen.notify(f"Fetched again: “{title}”", timeout=4)


__all__ = ["PageFetching"]
