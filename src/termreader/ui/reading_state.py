"""Reading state of the main screen: saving positions, read/unread, the render cache."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import work

from termreader.errors import NotFound, StoreError
from termreader.models import Article, Position

if TYPE_CHECKING:
    from termreader.ui.library_pane import LibraryPane
    from termreader.ui.reader import ReaderView


HOLD_AT_MOST = 5.0
"""Seconds a reading position may wait for the reader to stop scrolling before it is saved."""


class ReadingState:
    """Mixin for :class:`~termreader.ui.main_screen.MainScreen`: what is remembered per article.

    Positions are written at most once a second while scrolling (``flush_position`` runs on an
    interval) and at once when leaving an article or quitting; each write is one journal line in
    the store, whatever the library size.
    """

    if TYPE_CHECKING:  # provided by MainScreen
        article: Article | None
        library: Any
        reader: ReaderView
        library_pane: LibraryPane
        _pending: tuple[str, Position] | None
        _pending_since: float | None
        _kept_unread: set[str]

        def notify(self, message: str, **kwargs: Any) -> None: ...

    def _leave(self) -> Position | None:
        """Save the reading position of the article on display; return it."""
        if self.article is None:
            return None
        position = self.reader.reading_position()
        self._pending = (self.article.id, position)
        self.flush_position()
        return position

    def _cached_document(self, article: Article) -> Any:
        try:
            from termreader.render.codec import cache_name, from_bytes

            data = self.library.map_cache(article.id, cache_name())
            return from_bytes(data) if data else None
        except (ImportError, ValueError, StoreError, OSError):
            return None

    @work(group="render-cache", thread=True, exit_on_error=False)
    def _write_cache(self, article_id: str, document: Any) -> None:
        from termreader.render.codec import cache_name, to_bytes

        try:
            data = to_bytes(document)
        except ValueError:  # a damaged cache form being replaced: nothing to keep
            return
        # The store is used from the UI thread only.
        self.app.call_from_thread(self._store_cache, article_id, cache_name(), data)

    def _store_cache(self, article_id: str, name: str, data: bytes) -> None:
        try:
            self.library.write_cache(article_id, name, data)
        except (StoreError, OSError):
            pass  # the cache is disposable

    def flush_position_when_still(self) -> None:
        """The interval's save: held while the reader scrolls (a durable write takes 10-20 ms
        that a key would wait for), but never more than :data:`HOLD_AT_MOST` seconds."""
        if self._pending is None:
            self._pending_since = None
            return
        now = time.monotonic()
        if self._pending_since is None:
            self._pending_since = now
        if self.reader.moving and now - self._pending_since < HOLD_AT_MOST:
            return
        self._pending_since = None
        self.flush_position()

    def flush_position(self) -> None:
        """Write the pending reading position (called every second and when leaving)."""
        if self._pending is None:
            return
        article_id, position = self._pending
        self._pending = None
        try:
            self.library.set_position(article_id, position)
        except (NotFound, StoreError) as error:
            self.notify(f"Could not save the reading position: {error}", severity="warning")
            return
        if self.article is not None and self.article.id == article_id:
            self.article.position = position
            if self.library_pane.is_attached:  # not while the app shuts down
                self.library_pane.update_article(replace(self.article, body=""))

    def _set_read(self, article: Article, read: bool) -> None:
        try:
            self.library.set_unread(article.id, not read)
            self.library.set_finished(article.id, read)
        except (NotFound, StoreError) as error:
            self.notify(str(error), severity="error")
            return
        article.unread = not read
        article.finished = read
        self.library_pane.update_article(replace(article, body=""))

    def action_toggle_read(self) -> None:
        """Mark the article read or unread."""
        target: Article | None = self.article
        if self.library_pane.display and self.focused is self.library_pane.article_list:
            target = self.library_pane.article_list.highlighted
        if target is None:
            return
        read = target.unread
        self._set_read(target, read)
        if not read:
            self._kept_unread.add(target.id)  # scrolling on must not mark it read again at once
        if self.article is not None and self.article.id == target.id:
            self.article.unread, self.article.finished = target.unread, target.finished
        self.notify("Marked read" if read else "Marked unread", timeout=2)
