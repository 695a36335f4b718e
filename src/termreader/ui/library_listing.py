"""The main screen's article list kept in step with the store: a big library listed in steps,
and the changes of other processes (a ``sync`` from cron, ``termreader add`` in another
terminal, a second reader) picked up while the reader runs."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from termreader.errors import NotFound, StoreError
from termreader.models import Article
from termreader.ui.article_list import Entry
from termreader.ui.article_screen import ArticleScreen

if TYPE_CHECKING:
    from termreader.library.store import Library

log = logging.getLogger(__name__)

LIST_FIRST = 300
"""Rows of the library listed before the first screen (the rest follows in steps)."""
LIST_REST_AFTER = 0.2
"""Seconds after the first screen before listing the rest of a big library begins."""
STEP_SECONDS = 0.02
"""Work per step while the rest is listed: keys pressed meanwhile wait at most about this."""
CHUNK = 200
"""Articles read (and made rows of) between two looks at the clock within a step."""
STEP_PAUSE = 0.005
"""Seconds between two steps: the event loop answers keys and paints in between."""
CHECK_EVERY = 1.0
"""Seconds between two looks at the library's change stamp (two ``stat`` calls)."""
RELIST_ABOVE = 5000
"""Changed articles past which the list is built again (in steps) rather than patched."""


class ListingScreen(ArticleScreen, Protocol):
    """What :class:`LibraryListing` needs of its screen (the main screen)."""

    articles: list[Article]

    def set_timer(self, delay: float, callback: Callable[[], Any]) -> Any: ...


class LibraryListing:
    """Lists the library into the screen's library pane and keeps the list current.

    The first screen gets the newest :data:`LIST_FIRST` articles (a lazily opened library reads
    an index segment or two for them); the rest is built in steps of :data:`STEP_SECONDS`
    while the reader is still. Then, every :data:`CHECK_EVERY` seconds, the library's change
    stamp is compared; when it moved, only the articles that changed are patched into the list,
    so neither the cursor nor the reading position moves.

    Args:
        screen: The screen showing the list.
        library: The open library.
    """

    def __init__(self, screen: ListingScreen, library: Library) -> None:
        self.screen = screen
        self.library = library
        self._rest: Iterator[Article] | None = None
        self._built: list[Article] = []
        self._entries: list[Entry] = []  # the list's rows of _built, made step by step too
        self._stamp: Any = None

    @property
    def complete(self) -> bool:
        """False while the rest of a big library is still being listed."""
        return self._rest is None

    def start(self, keep: str | None = None, *, first: int | None = LIST_FIRST) -> None:
        """List the library afresh: the newest ``first`` now and the rest in steps (None: all
        now)."""
        library = self.library
        try:
            self._stamp = library.stamp()
            library.take_changes()  # what the list will show is the baseline for patches
            articles = library.list(limit=first) if first else library.list()
            counts = library.counts(estimate=True) if first and len(articles) >= first else None
        except StoreError as error:
            self.screen.notify(str(error), severity="error")
            return
        self._show(articles, keep, counts)
        self._rest = None
        if counts is not None and counts[0] > len(articles):
            self._rest = library.stream_articles()
            self._built = []
            self._entries = []
            self.screen.set_timer(LIST_REST_AFTER, self._step)

    def _show(
        self,
        articles: list[Article],
        keep: str | None,
        counts: tuple[int, int] | None,
        entries: list[Entry] | None = None,
    ) -> None:
        screen = self.screen
        screen.articles = articles
        current = screen.article.id if screen.article else None
        screen.library_pane.set_articles(
            articles, keep=keep or current, counts=counts, entries=entries
        )

    def _step(self) -> None:
        rest = self._rest
        if rest is None:
            return
        if self.screen.reader.moving:
            self.screen.set_timer(LIST_REST_AFTER, self._step)
            return
        until = time.perf_counter() + STEP_SECONDS
        try:
            while time.perf_counter() < until:
                chunk = list(itertools.islice(rest, CHUNK))
                self._built.extend(chunk)
                # The rows too: made all at once they would hold up the keys for most of a
                # second at 100,000 articles.
                self._entries.extend(map(Entry.of, chunk))
                if len(chunk) < CHUNK:
                    self._rest = None
                    break
        except StoreError as error:
            self._rest = None
            self.screen.notify(str(error), severity="error")
            return
        if self._rest is not None:
            self.screen.set_timer(STEP_PAUSE, self._step)
            return
        built, self._built = self._built, []
        entries, self._entries = self._entries, []
        pane = self.screen.library_pane
        keep = pane.article_list.highlighted
        self._show(built, keep.id if keep else None, None, entries)

    def check(self, keep: str | None = None) -> None:
        """Patch in what changed on disk since the last look (cheap when nothing did).
        ``keep``: highlight that article afterwards (one just added from the reader)."""
        if self._rest is not None:
            return
        library = self.library
        try:
            stamp = library.stamp()
            if stamp == self._stamp:
                return
            self._stamp = stamp
            changed = library.take_changes()
        except StoreError as error:
            log.debug("library check failed", exc_info=error)
            return
        if not changed:
            return
        if len(changed) > RELIST_ABOVE:
            highlighted = self.screen.library_pane.article_list.highlighted
            self.start(keep or (highlighted.id if highlighted else None))
            return
        updated: list[Article] = []
        removed: set[str] = set()
        for article_id in changed:
            try:
                updated.append(library.brief(article_id))
            except NotFound:
                removed.add(article_id)
            except StoreError as error:  # a damaged record: leave its row as it was
                log.debug("article %s not relisted", article_id, exc_info=error)
        self.screen.library_pane.apply_changes(updated, removed, keep=keep)
        self.screen.articles = self.screen.library_pane.articles
