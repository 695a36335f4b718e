"""Following links and related entries, fetching what is not cached, and back/forward history."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from textual import work

from termreader.errors import FetchError, ImportFailed, LinkRefused, StoreError
from termreader.models import Article, Position, Related
from termreader.navigation.history import Location, Navigator
from termreader.text.sanitize import clean_line

if TYPE_CHECKING:
    from termreader.navigation.resolve import Target
    from termreader.ui.app import TermreaderApp
    from termreader.ui.library_pane import LibraryPane
    from termreader.ui.reader import ReaderView


class Following:
    """Mixin for :class:`~termreader.ui.main_screen.MainScreen`: where links lead.

    A target in the library opens from the cache (offline); a web link is fetched in an exclusive
    worker (a newer fetch cancels an older one; Esc cancels), imported, stored and opened; every
    failure is a one-line notification and leaves the current article as it was.
    """

    if TYPE_CHECKING:  # provided by MainScreen
        article: Article | None
        library: Any
        reader: ReaderView
        library_pane: LibraryPane
        navigator: Navigator
        link_digits: str
        busy: str
        tr_app: TermreaderApp

        def notify(self, message: str, **kwargs: Any) -> None: ...
        def open_article(
            self,
            article_id: str,
            *,
            position: Position | None = None,
            anchor: str = "",
            record: bool = True,
        ) -> bool: ...
        def reload_library(self, keep: str | None = None) -> None: ...
        def refresh_bindings(self) -> None: ...
        def _show_library(self, show: bool) -> None: ...
        def _update_status(self) -> None: ...
        def complete_article(self) -> None: ...

    def follow_url(self, url: str) -> None:
        """Follow a link of the current article."""
        self.complete_article()
        from termreader.navigation.resolve import resolve_link

        self.follow(resolve_link(url, self.library, self.article))

    def follow_related(self, entry: Related | None) -> None:
        """Follow an entry of the related list (by URL, else by title)."""
        if entry is None:
            return
        self.complete_article()
        from termreader.navigation.resolve import resolve_related

        target = resolve_related(entry, self.library, self.article)
        if target.kind == "missing" and not entry.url:
            self.notify(f"{target.message}. Showing a library filter with that title.", timeout=6)
            self._show_library(True)
            self.library_pane.show_filter(clean_line(entry.title))
            return
        self.follow(target)

    def follow(self, target: Target) -> None:
        """Act on a resolved link: scroll, open, import or fetch."""
        if target.kind == "anchor":
            self.jump_to_anchor(target.anchor)
        elif target.kind == "article" and target.article is not None:
            self.open_article(target.article.id, anchor=target.anchor)
        elif target.kind == "fetch":
            self.fetch_and_open(target.url, target.anchor)
        elif target.kind == "import":
            self.import_and_open(target.url, target.anchor)
        else:
            self.notify(target.message or "Cannot follow this link", severity="warning")

    def jump_to_anchor(self, anchor: str) -> None:
        """Scroll to a section of the current article, as a history step."""
        if self.article is None:
            return
        leaving = self.reader.reading_position()
        if not anchor:
            self.reader.scroll_home(animate=False)
        elif not self.reader.goto_anchor(anchor):
            self.notify(f"No section “{anchor}” in this article", severity="warning", timeout=3)
            return
        self.navigator.visit(
            Location(self.article.id, self.reader.reading_position()), leaving=leaving
        )

    @work(exclusive=True, group="fetch", exit_on_error=False)
    async def fetch_and_open(self, url: str, anchor: str = "") -> None:
        """Download a web page, import it into the library and open it (Esc cancels)."""
        from termreader.importers import import_bytes

        self.busy = f"Fetching {clean_line(urlsplit(url).netloc)}…"
        try:
            result = await self.tr_app.fetcher().fetch(url)
            self.busy = "Reading the page…"
            article = await asyncio.to_thread(
                import_bytes,
                result.data or b"",
                url=result.url,
                content_type=result.content_type_header,
            )
            # No render form here: it parses the whole body on the UI thread (1.5 s on 2 MB);
            # the reader parses incrementally and stores it on DocumentReady.
            stored = self.library.add(article)
        except asyncio.CancelledError:
            self.notify("Download cancelled", timeout=3)
            raise
        except (FetchError, LinkRefused, ImportFailed, StoreError) as error:
            self.notify(f"Could not open {short_url(url)}: {error}", severity="error", timeout=8)
            return
        finally:
            self.busy = ""
        self.reload_library()
        self.open_article(stored.id, anchor=anchor)

    @work(exclusive=True, group="fetch", exit_on_error=False)
    async def import_and_open(self, path: str, anchor: str = "") -> None:
        """Import a local file linked from a local article, then open it."""
        from termreader.importers import import_path

        self.busy = "Importing…"
        try:
            article = await asyncio.to_thread(import_path, path)
            # No render form here: it parses the whole body on the UI thread (1.5 s on 2 MB);
            # the reader parses incrementally and stores it on DocumentReady.
            stored = self.library.add(article)
        except (ImportFailed, StoreError) as error:
            self.notify(str(error), severity="error", timeout=8)
            return
        finally:
            self.busy = ""
        self.reload_library()
        self.open_article(stored.id, anchor=anchor)

    # history -----------------------------------------------------------------------------------
    def _go(self, location: Location | None) -> None:
        if location is None:
            return
        if self.article is not None and location.article_id == self.article.id:
            self.reader.restore_position(location.position)
        else:
            self.open_article(location.article_id, position=location.position, record=False)

    def action_back(self) -> None:
        """Go back in the history."""
        if not self.navigator.can_go_back:
            self.notify("Nothing to go back to", timeout=2)
            return
        leaving = self.reader.reading_position() if self.article else None
        self._go(self.navigator.back(leaving))

    def action_forward(self) -> None:
        """Go forward in the history."""
        if not self.navigator.can_go_forward:
            self.notify("Nothing to go forward to", timeout=2)
            return
        leaving = self.reader.reading_position() if self.article else None
        self._go(self.navigator.forward(leaving))

    def action_related(self) -> None:
        """Open the related-articles dialog."""
        if self.article is None:
            return
        self.complete_article()
        if not self.article.related:
            self.notify("This article has no related list", timeout=3)
            return
        # Loaded on first use: the start of the app does not wait for them.
        from termreader.navigation.resolve import resolve_related
        from termreader.ui.related_screen import RelatedScreen

        entries = [
            (e, resolve_related(e, self.library, self.article)) for e in self.article.related
        ]
        self.app.push_screen(RelatedScreen(self.article.title, entries), self.follow_related)

    def action_digit(self, digit: int) -> None:
        """Collect the digits of a link number."""
        if self.article is None or len(self.link_digits) >= 5:
            return
        self.link_digits += str(digit)
        self.reader.show_link_hints = True
        self._update_status()
        self.refresh_bindings()

    def action_follow_number(self) -> None:
        """Follow the link whose number was typed."""
        number = int(self.link_digits or 0)
        self.link_digits = ""
        self._update_status()
        self.refresh_bindings()
        link = self.reader.link(number)
        if link is None:
            self.notify(f"No link number {number}", severity="warning", timeout=3)
            return
        self.reader.show_link_hints = False
        self.follow_url(link.url)

    def _step_article(self, step: int) -> None:
        shown = self.library_pane.shown
        if not shown:
            return
        ids = [a.id for a in shown]
        if self.article is not None and self.article.id in ids:
            index = ids.index(self.article.id) + step
        else:
            index = self.library_pane.article_list.cursor + (step if self.article else 0)
        if 0 <= index < len(ids):
            self.open_article(ids[index])
        else:
            self.notify("No more articles in the list", timeout=2)

    def action_next_article(self) -> None:
        """Open the next article of the (filtered) library list."""
        self._step_article(1)

    def action_previous_article(self) -> None:
        """Open the previous article of the (filtered) library list."""
        self._step_article(-1)


def short_url(url: str, limit: int = 60) -> str:
    """``url``, cleaned of controls, cut to ``limit`` characters for a one-line message.

    Cleaned before the cut: a cut inside an escape sequence would leave part of it behind.
    """
    url = clean_line(url)
    return url if len(url) <= limit else url[: limit - 1] + "…"
