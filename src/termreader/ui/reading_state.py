"""Reading state of the main screen: saving positions, read/unread, the render cache, where to start."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from termreader.errors import NotFound, StoreError, TermreaderError
from termreader.models import Article, Position
from termreader.ui.article_screen import ArticleScreen

if TYPE_CHECKING:
    from textual.widget import Widget

    from termreader.library.store import Library
    from termreader.render import Document

log = logging.getLogger(__name__)

UI_TABLE, LAST_KEY = "ui", "last"
"""Where the article open at quit is remembered (see :func:`first_article`)."""

HOLD_AT_MOST = 5.0
"""Seconds a reading position may wait for the reader to stop scrolling before it is saved."""


class ReadingScreen(ArticleScreen, Protocol):
    """What :class:`ReadingState` needs of its screen (the main screen)."""

    @property
    def focused(self) -> Widget | None: ...


class ReadingState:
    """What is remembered per article, for :class:`~termreader.ui.main_screen.MainScreen`.

    Positions are written at most once a second while scrolling (``flush_position`` runs on an
    interval) and at once when leaving an article or quitting; each write is one journal line in
    the store, whatever the library size.

    Args:
        screen: The screen showing the articles.
        library: The open library.
    """

    def __init__(self, screen: ReadingScreen, library: Library) -> None:
        self.screen = screen
        self.library = library
        self.pending: tuple[str, Position] | None = None
        """The reading position not written yet: (article id, position)."""
        self._pending_since: float | None = None
        self._kept_unread: set[str] = set()

    def opened(self, article: Article) -> None:
        """An article was opened: reaching its end marks it read again."""
        self._kept_unread.discard(article.id)

    def moved(self, article: Article, position: Position, *, at_end: bool) -> None:
        """The reader moved in ``article``: keep the position; at the end, the article is read."""
        self.pending = (article.id, position)
        if at_end and article.unread and article.id not in self._kept_unread:
            self.set_read(article, True)

    def leave(self) -> Position | None:
        """Save the reading position of the article on display; return it."""
        article = self.screen.article
        if article is None:
            return None
        position = self.screen.reader.reading_position()
        self.pending = (article.id, position)
        self.flush_position()
        return position

    # render cache ------------------------------------------------------------------------------
    def cached_document(self, article: Article) -> Document | None:
        """The article's render form from the cache, or None (none kept, or unreadable)."""
        from termreader.render.codec import cache_name, from_bytes

        try:
            data = self.library.map_cache(article.id, cache_name())
            return from_bytes(data) if data else None
        except (ValueError, StoreError, OSError):
            log.debug("render cache of %s not used", article.id, exc_info=True)
            return None

    def write_cache(self, article_id: str, document: Document) -> None:
        """Keep ``document`` as the article's render form (encoded in a thread)."""
        self.screen.run_worker(
            partial(self._encode_cache, article_id, document),
            name="write_cache",
            group="render-cache",
            thread=True,
            exit_on_error=False,
        )

    def _encode_cache(self, article_id: str, document: Document) -> None:
        from termreader.render.codec import cache_name, to_bytes

        try:
            data = to_bytes(document)
        except ValueError:  # a damaged cache form being replaced: nothing to keep
            return
        # The store is used from the UI thread only.
        self.screen.app.call_from_thread(self._store_cache, article_id, cache_name(), data)

    def _store_cache(self, article_id: str, name: str, data: bytes) -> None:
        try:
            self.library.write_cache(article_id, name, data)
        except (StoreError, OSError):
            log.debug("render cache of %s not written", article_id, exc_info=True)  # disposable

    # positions ---------------------------------------------------------------------------------
    def flush_position_when_still(self) -> None:
        """The interval's save: held while the reader scrolls (a durable write waits for the
        disk, and a key would wait for it), but never more than :data:`HOLD_AT_MOST` seconds."""
        if self.pending is None:
            self._pending_since = None
            return
        now = time.monotonic()
        if self._pending_since is None:
            self._pending_since = now
        if self.screen.reader.moving and now - self._pending_since < HOLD_AT_MOST:
            return
        self._pending_since = None
        self.flush_position()

    def flush_position(self) -> None:
        """Write the pending reading position (called every second and when leaving)."""
        if self.pending is None:
            return
        article_id, position = self.pending
        self.pending = None
        try:
            self.library.set_position(article_id, position)
        except (NotFound, StoreError) as error:
            self.screen.notify(f"Could not save the reading position: {error}", severity="warning")
            return
        article = self.screen.article
        if article is not None and article.id == article_id:
            article.position = position
            pane = self.screen.library_pane
            if pane.is_attached:  # not while the app shuts down
                pane.update_article(replace(article, body=""))

    # read / unread -----------------------------------------------------------------------------
    def set_read(self, article: Article, read: bool) -> None:
        """Mark ``article`` read (and finished) or unread, in the library and the list."""
        was_unread = article.unread
        try:
            self.library.set_unread(article.id, not read)
            self.library.set_finished(article.id, read)
        except (NotFound, StoreError) as error:
            self.screen.notify(str(error), severity="error")
            return
        # The pane first: ``article`` may be the very object its row holds, and the pane counts
        # unread articles by comparing the row's old state with the new.
        self.screen.library_pane.update_article(
            replace(article, body="", unread=not read, finished=read)
        )
        article.unread = not read
        article.finished = read
        self.screen.read_state_changed(article.id, was_unread)

    def toggle_read(self) -> None:
        """Mark the article read or unread (the one highlighted when the list has the focus)."""
        screen = self.screen
        current = screen.article
        target: Article | None = current
        pane = screen.library_pane
        if pane.display and screen.focused is pane.article_list:
            target = pane.article_list.highlighted
        if target is None:
            return
        read = target.unread
        self.set_read(target, read)
        if not read:
            self._kept_unread.add(target.id)  # scrolling on must not mark it read again at once
        if current is not None and current.id == target.id:
            current.unread, current.finished = target.unread, target.finished
        screen.notify("Marked read" if read else "Marked unread", timeout=2)


def first_article(library: Library, articles: Sequence[Article]) -> Article | None:
    """Where to start: the article open at the last quit, else one being read, else (on a fresh
    library) the one tagged "getting started", else the newest unread, else the newest.

    ``articles`` is the library listing, newest first (it may hold only the newest articles yet:
    see ``MainScreen.reload_library``).
    """
    last: dict[str, Any] | None = library.kv_get(UI_TABLE, LAST_KEY)
    if last and last.get("id"):
        hit = next((a for a in articles if a.id == last["id"]), None)
        if hit is None:
            try:
                hit = library.brief(str(last["id"]))
            except TermreaderError:
                hit = None
        if hit is not None:
            return hit
    started = [a for a in articles if (a.position.anchor or a.position.offset) and not a.finished]
    if started:
        return started[0]
    fresh = not any(a.finished or not a.unread for a in articles)
    if fresh:
        guide = next(
            (a for a in articles if "getting started" in (t.casefold() for t in a.tags)), None
        )
        if guide is not None:
            return guide
    first = next((a for a in articles if a.unread), None)
    return first or (articles[0] if articles else None)
