"""Following links and related entries, fetching what is not cached, and back/forward history.

:class:`Following` is at the ~300-line mark: every way of leaving the article (a link, a related
entry, a feed to subscribe to, back and forward) goes through the same fetch worker and history.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from termreader.errors import FetchError, ImportFailed, IsAFeed, LinkRefused, NotFound, StoreError
from termreader.models import Related
from termreader.navigation.history import Location, Navigator
from termreader.text.sanitize import clean_line
from termreader.ui.article_screen import OpeningScreen

if TYPE_CHECKING:
    from termreader.library.store import Library
    from termreader.navigation.resolve import Target
    from termreader.web.fetch import Fetcher, FetchResult

log = logging.getLogger(__name__)

# Import errors start with the document's name, here the URL the message already gives.
_LEADING_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://\S*: ", re.IGNORECASE)


class FollowingScreen(OpeningScreen, Protocol):
    """What :class:`Following` needs of its screen (the main screen)."""

    def complete_article(self) -> None: ...
    def show_library(self, show: bool) -> None: ...
    def update_status(self) -> None: ...
    def request_sync(
        self, only: tuple[str, ...] | None = None, fetched: dict[str, Any] | None = None
    ) -> None: ...
    def refresh_bindings(self) -> None: ...


class Following:
    """Where links lead, for :class:`~termreader.ui.main_screen.MainScreen`.

    A target in the library opens from the cache (offline); a web link is fetched in an exclusive
    worker (a newer fetch cancels an older one; Esc cancels), imported, stored and opened; every
    failure is a one-line notification and leaves the current article as it was.

    Args:
        screen: The screen showing the articles.
        library: The open library.
        navigator: The screen's back/forward history.
        fetcher: Gives the session's HTTP client (created on first use).
    """

    def __init__(
        self,
        screen: FollowingScreen,
        library: Library,
        navigator: Navigator,
        fetcher: Callable[[], Fetcher],
    ) -> None:
        self.screen = screen
        self.library = library
        self.navigator = navigator
        self.fetcher = fetcher
        self.link_digits = ""
        """Digits typed so far for "follow link N"."""
        self.related_section: list[Related] = []
        """The entries of the related section shown after the body, in link order."""

    def open_reference(self, ref: str) -> None:
        """Open an article by id, URL or path, fetching or importing it when it is new."""
        from termreader.navigation.resolve import is_web

        try:
            # The id from the index alone; open_article reads the body once.
            article_id: str | None = self.library.resolve_id(ref)
        except NotFound:
            article_id = None
        if article_id is not None:
            self.screen.open_article(article_id)
        elif is_web(ref):
            self.fetch_and_open(ref)
        elif Path(ref).expanduser().is_file():
            self.import_and_open(str(Path(ref).expanduser().resolve()))
        else:
            self.screen.notify(f"Not in the library: {ref}", severity="error")

    def follow_url(self, url: str) -> None:
        """Follow a link of the current article."""
        self.screen.complete_article()
        from termreader.navigation.resolve import resolve_link

        self.follow(resolve_link(url, self.library, self.screen.article))

    def follow_related(self, entry: Related | None) -> None:
        """Follow an entry of the related list (by URL, else by title)."""
        if entry is None:
            return
        self.screen.complete_article()
        from termreader.navigation.resolve import resolve_related

        target = resolve_related(entry, self.library, self.screen.article)
        if target.kind == "missing" and not entry.url:
            self.screen.notify(
                f"{target.message}. Showing a library filter with that title.", timeout=6
            )
            self.screen.show_library(True)
            self.screen.library_pane.show_filter(clean_line(entry.title))
            return
        self.follow(target)

    def follow(self, target: Target) -> None:
        """Act on a resolved link: scroll, open, import or fetch."""
        if target.kind == "anchor":
            self.jump_to_anchor(target.anchor)
        elif target.kind == "article" and target.article is not None:
            self.screen.open_article(target.article.id, anchor=target.anchor)
        elif target.kind == "fetch":
            self.fetch_and_open(target.url, target.anchor)
        elif target.kind == "import":
            self.import_and_open(target.url, target.anchor)
        else:
            self.screen.notify(target.message or "Cannot follow this link", severity="warning")

    def jump_to_anchor(self, anchor: str) -> None:
        """Scroll to a section of the current article, as a history step."""
        article, reader = self.screen.article, self.screen.reader
        if article is None:
            return
        leaving = reader.reading_position()
        if not anchor:
            reader.scroll_home(animate=False)
        elif not reader.goto_anchor(anchor):
            self.screen.notify(
                f"No section “{anchor}” in this article", severity="warning", timeout=3
            )
            return
        self.navigator.visit(Location(article.id, reader.reading_position()), leaving=leaving)

    # fetching and importing --------------------------------------------------------------------
    def fetch_and_open(self, url: str, anchor: str = "") -> None:
        """Download a web page, import it into the library and open it (Esc cancels).

        Runs in the screen's "fetch" worker group: a newer fetch or import cancels this one.
        """
        self.screen.run_worker(
            partial(self._fetch_and_open, url, anchor),
            name="fetch_and_open",
            group="fetch",
            exclusive=True,
            exit_on_error=False,
        )

    def import_and_open(self, path: str, anchor: str = "") -> None:
        """Import a local file linked from a local article, then open it (as a "fetch" worker)."""
        self.screen.run_worker(
            partial(self._import_and_open, path, anchor),
            name="import_and_open",
            group="fetch",
            exclusive=True,
            exit_on_error=False,
        )

    async def _fetch_and_open(self, url: str, anchor: str) -> None:
        from termreader.importers import import_bytes

        screen = self.screen
        screen.busy = f"Fetching {clean_line(urlsplit(url).netloc)}…"
        try:
            result = await self.fetcher().fetch(url)
            screen.busy = "Reading the page…"
            try:
                article = await asyncio.to_thread(
                    import_bytes,
                    result.data or b"",
                    url=result.url,
                    content_type=result.content_type_header,
                )
            except IsAFeed as feed:
                await self.offer_feed(result, feed.kind)
                return
            # No render form here: it parses the whole body on the UI thread, which freezes the
            # app on a long article; the reader parses incrementally and stores it on
            # DocumentReady. The search index takes it at the next search, for the same reason.
            stored = self.library.add(article, search_later=True)
        except asyncio.CancelledError:
            screen.notify("Download cancelled", timeout=3)
            raise
        except (FetchError, LinkRefused, ImportFailed, StoreError) as error:
            screen.notify(
                f"Could not open {short_url(url)}: {_reason(error)}", severity="error", timeout=8
            )
            return
        finally:
            screen.busy = ""
        screen.reload_library()
        screen.open_article(stored.id, anchor=anchor)

    async def offer_feed(self, result: FetchResult, kind: str) -> None:
        """Say in one line that the link is a feed, and ask before subscribing to it."""
        from termreader.importers.feedsniff import FEED_NAMES
        from termreader.ui.subscribe_screen import SubscribeScreen
        from termreader.web.feeds import parse_feed

        try:
            feed = await asyncio.to_thread(
                parse_feed, result.data or b"", result.url, result.content_type_header
            )
            title = feed.title
        except ImportFailed:
            log.debug("feed title not read", exc_info=True)
            title = ""
        title = clean_line(title) or short_url(result.url)
        name = FEED_NAMES.get(kind, "feed")
        what = (
            f"{short_url(result.url)} is {'a' if kind == 'json' else 'an'} {name}, not an article"
        )
        self.screen.notify(what, timeout=6)
        feed_url = result.url

        def answered(subscribe: bool | None) -> None:
            if subscribe:
                self.subscribe(feed_url, title, fetched=result)

        self.screen.app.push_screen(SubscribeScreen(title, what), answered)

    def subscribe(self, url: str, title: str, fetched: FetchResult | None = None) -> None:
        """Subscribe to the feed at ``url`` and have the app sync it (with ``fetched``, the
        feed as just downloaded, instead of downloading it again)."""
        from termreader.web.sync import add_subscription

        try:
            add_subscription(self.library, url, title)
        except (LinkRefused, StoreError) as error:
            self.screen.notify(f"Could not subscribe: {error}", severity="error", timeout=8)
            return
        self.screen.notify(f"Subscribed to {clean_line(title)}; syncing it", timeout=4)
        self.screen.request_sync((url,), {url: fetched} if fetched is not None else None)

    async def _import_and_open(self, path: str, anchor: str) -> None:
        from termreader.importers import import_path

        screen = self.screen
        screen.busy = "Importing…"
        try:
            article = await asyncio.to_thread(import_path, path)
            # No render form here: it parses the whole body on the UI thread, which freezes the
            # app on a long article; the reader parses incrementally and stores it on
            # DocumentReady.
            stored = self.library.add(article)
        except IsAFeed as error:
            screen.notify(f"{error}: add it with `termreader add` to import its entries", timeout=8)
            return
        except (ImportFailed, StoreError) as error:
            screen.notify(str(error), severity="error", timeout=8)
            return
        finally:
            screen.busy = ""
        screen.reload_library()
        screen.open_article(stored.id, anchor=anchor)

    # history -----------------------------------------------------------------------------------
    def _go(self, location: Location | None) -> None:
        if location is None:
            return
        article = self.screen.article
        if article is not None and location.article_id == article.id:
            self.screen.reader.restore_position(location.position)
        else:
            self.screen.open_article(location.article_id, position=location.position, record=False)

    def back(self) -> None:
        """Go back in the history."""
        if not self.navigator.can_go_back:
            self.screen.notify("Nothing to go back to", timeout=2)
            return
        leaving = self.screen.reader.reading_position() if self.screen.article else None
        self._go(self.navigator.back(leaving))

    def forward(self) -> None:
        """Go forward in the history."""
        if not self.navigator.can_go_forward:
            self.screen.notify("Nothing to go forward to", timeout=2)
            return
        leaving = self.screen.reader.reading_position() if self.screen.article else None
        self._go(self.navigator.forward(leaving))

    def show_related(self) -> None:
        """Open the related-articles dialog."""
        article = self.screen.article
        if article is None:
            return
        self.screen.complete_article()
        if not article.related:
            self.screen.notify("This article has no related list", timeout=3)
            return
        # Loaded on first use: the start of the app does not wait for them.
        from termreader.navigation.resolve import resolve_related
        from termreader.ui.related_screen import RelatedScreen

        entries = [(e, resolve_related(e, self.library, article)) for e in article.related]
        self.screen.app.push_screen(RelatedScreen(article.title, entries), self.follow_related)

    # link numbers ------------------------------------------------------------------------------
    def digit(self, digit: int) -> None:
        """Collect the digits of a link number."""
        if self.screen.article is None or len(self.link_digits) >= 5:
            return
        self.link_digits += str(digit)
        self.screen.reader.show_link_hints = True
        self.screen.update_status()
        self.screen.refresh_bindings()

    def cancel_number(self) -> None:
        """Forget the digits typed."""
        self.link_digits = ""
        self.screen.update_status()
        self.screen.refresh_bindings()

    def follow_number(self) -> None:
        """Follow the link whose number was typed."""
        number = int(self.link_digits or 0)
        self.cancel_number()
        link = self.screen.reader.link(number)
        if link is None:
            self.screen.notify(f"No link number {number}", severity="warning", timeout=3)
            return
        self.screen.reader.show_link_hints = False
        if self.follow_related_number(number):
            return
        self.follow_url(link.url)

    def follow_related_number(self, number: int) -> bool:
        """Follow link ``number`` if it is an entry of the related section after the body (by
        URL, else by title, as in the dialog); False when it is not one."""
        document = self.screen.reader.document
        if document is None or document.appendix_from is None:
            return False
        index = number - 1 - document.appendix_links_from
        if not 0 <= index < len(self.related_section):
            return False
        self.follow_related(self.related_section[index])
        return True

    # the library list --------------------------------------------------------------------------
    def step_article(self, step: int) -> None:
        """Open the article ``step`` rows away in the (filtered) library list."""
        pane = self.screen.library_pane
        shown = pane.shown
        if not shown:
            return
        ids = [a.id for a in shown]
        article = self.screen.article
        if article is not None and article.id in ids:
            index = ids.index(article.id) + step
        else:
            index = pane.article_list.cursor + (step if article else 0)
        if 0 <= index < len(ids):
            self.screen.open_article(ids[index])
        else:
            self.screen.notify("No more articles in the list", timeout=2)


def _reason(error: Exception) -> str:
    """The error's message without the URL it may start with (the caller names it once)."""
    return _LEADING_URL.sub("", str(error), count=1)


def short_url(url: str, limit: int = 60) -> str:
    """``url``, cleaned of controls, cut to ``limit`` characters for a one-line message.

    Cleaned before the cut: a cut inside an escape sequence would leave part of it behind.
    """
    url = clean_line(url)
    return url if len(url) <= limit else url[: limit - 1] + "…"
