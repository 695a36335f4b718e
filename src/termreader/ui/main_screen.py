"""The main screen: library, reading and outline panes, and everything that moves between articles.

Longer than the ~300 lines a class should be, on purpose: this is where the panes meet. The screen
composes them, owns the layout (wide or narrow, which pane shows) and the opening of an article
(render cache first, body later), and routes every pane's messages and keys; each of those touches
several widgets at once. What has state of its own is composed in as a plain object: the history
(:class:`~termreader.navigation.history.Navigator`), following links
(:class:`~termreader.ui.following.Following`) and what is remembered per article
(:class:`~termreader.ui.reading_state.ReadingState`). The screen gets the settings, the library and
the HTTP client passed in and asks the app for a sync with :class:`MainScreen.SyncRequested`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Static

from termreader.errors import NotFound, StoreError, TermreaderError
from termreader.models import Article, Link, Position
from termreader.navigation.history import Location, Navigator
from termreader.text.sanitize import clean_line
from termreader.ui import library_listing
from termreader.ui.article_header import ArticleHeader
from termreader.ui.article_list import percent_of
from termreader.ui.find_bar import FindBar
from termreader.ui.following import Following, short_url
from termreader.ui.keys_footer import KeysFooter
from termreader.ui.library_listing import LibraryListing
from termreader.ui.library_pane import LibraryPane
from termreader.ui.manage import MANAGE_BINDINGS, ManageActions, Managing
from termreader.ui.outline_pane import OutlinePane
from termreader.ui.reader import ReaderView
from termreader.ui.reading_state import LAST_KEY, UI_TABLE, ReadingState, first_article

if TYPE_CHECKING:
    from termreader.accounts.status import AccountsStatus
    from termreader.config import Settings
    from termreader.library.search import Hit
    from termreader.library.store import Library
    from termreader.render.model import Block, Document
    from termreader.web.fetch import Fetcher

log = logging.getLogger(__name__)

NARROW_BELOW = 110
"""In the ``auto`` layout, terminals narrower than this get the reading pane alone."""

COMPLETE_AFTER = 0.15
"""Seconds from opening an article from its render cache to reading its body file (the first
screen is drawn by then; actions that need the body read it at once)."""

SAVE_EVERY = 1.0
"""Seconds between reading-position writes while scrolling (and on leaving an article)."""


class MainScreen(ManageActions, Screen[None]):
    """The reader's home. Keys are listed in :mod:`termreader.ui.help_screen`.

    Args:
        settings: The settings in force.
        library: The open library.
        fetcher: Gives the session's HTTP client (created on first use).
        open_ref: An article to show first: an id, URL or file path (else where the reader
            left off, see :func:`~termreader.ui.reading_state.first_article`).
    """

    class SyncRequested(Message):
        """The user asked to refresh the subscriptions (the app runs the sync).

        ``only`` limits it to those subscriptions (a feed just subscribed to); None is all.
        ``fetched``: responses already in hand by URL (that feed, downloaded when its link was
        followed), so the sync does not download them again.
        """

        def __init__(
            self,
            only: tuple[str, ...] | None = None,
            fetched: dict[str, Any] | None = None,
        ) -> None:
            super().__init__()
            self.only = only
            self.fetched = fetched

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("L", "toggle_library", "Library", id="toggle_library"),
        Binding("t", "toggle_outline", "Outline", id="toggle_outline"),
        Binding("r", "related", "Related", id="related"),
        Binding("f", "link_hints", "Links", id="link_hints"),
        Binding("h,backspace", "back", "Back", id="back"),
        Binding("l,ctrl+right", "forward", "Forward", id="forward", show=False),
        Binding("J", "next_article", "Next article", id="next_article", show=False),
        Binding("K", "previous_article", "Prev", id="previous_article", show=False),
        Binding("slash", "find", "Find", id="find", show=False),
        Binding("n", "find_next", "Next match", id="find_next", show=False),
        Binding("N", "find_previous", "Prev match", id="find_previous", show=False),
        Binding("F", "search", "Search", id="search", show=False),
        Binding("o", "open_browser", "Browser", id="open_browser", show=False),
        Binding("m", "toggle_read", "Read/unread", id="toggle_read", show=False),
        Binding("S", "sync", "Sync", id="sync", show=False),
        *MANAGE_BINDINGS,  # star, views, remove/undo, add, tags, copy, fetch again
        Binding("escape", "escape", "Cancel", show=False),
        Binding("enter", "follow_number", "Follow link", show=False, priority=True),
        # Digits are priority bindings like Enter: both then run in the app's key queue in the
        # order typed. As ordinary bindings a digit would wait for the focused widget's queue, so
        # a burst ("1" Enter from tmux or a fast typist) would check Enter before the digit counts.
        *[Binding(str(d), f"digit({d})", show=False, priority=True) for d in range(10)],
    ]

    AUTO_FOCUS = "#reader"

    narrow: var[bool] = var(False, init=False)
    """True when the reading pane gets the screen and the side panes are overlays."""

    busy: var[str] = var("", init=False)
    """A loading message (a fetch is running) shown in the header; Esc cancels."""

    def __init__(
        self,
        settings: Settings,
        library: Library,
        *,
        fetcher: Callable[[], Fetcher],
        open_ref: str | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.library = library
        self._open_ref = open_ref
        self.article: Article | None = None
        """The article on display (with its body), or None."""
        self.articles: list[Article] = []
        """The library listing, newest first (the command palette searches it)."""
        self.navigator = Navigator()
        """Back/forward history across articles and in-article jumps."""
        self.following = Following(self, library, self.navigator, fetcher)
        """Where links lead: following, fetching, history steps."""
        self.reading = ReadingState(self, library)
        """What is remembered per article: positions, read/unread, the render cache."""
        self.manage = Managing(self, library, fetcher)
        """Managing the library: star, remove and undo, tags, views, adding."""
        self.listing = LibraryListing(self, library)
        """The article list, listed in steps and kept in step with other processes' changes."""
        self._reader: ReaderView | None = None
        self._library_shown: bool | None = None
        self._outline_shown = False
        self._find_bar: FindBar | None = None
        self._completing = 0  # bumped per article opened: a late body read for another is dropped
        self._body_verified = False  # the index's fingerprint matched the render form shown
        self._incomplete: tuple[Article, int] | None = None
        self._accounts_status: AccountsStatus | None = None  # None: no accounts

    # layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield LibraryPane(id="library")
            with Vertical(id="reading"):
                yield ArticleHeader(id="article-header")
                yield ReaderView(id="reader")
                # The find bar is mounted on the first ``/`` (see action_find).
            yield OutlinePane(id="outline")
        yield Static("", id="status", markup=False)
        yield KeysFooter()

    @property
    def reader(self) -> ReaderView:
        """The reading widget."""
        # Kept after mount: on quit the children go before the screen, which still saves.
        reader = self._reader
        return reader if reader is not None else self.query_one("#reader", ReaderView)

    @property
    def library_pane(self) -> LibraryPane:
        """The library pane."""
        return self.query_one("#library", LibraryPane)

    @property
    def outline(self) -> OutlinePane:
        """The outline pane."""
        return self.query_one("#outline", OutlinePane)

    @property
    def header(self) -> ArticleHeader:
        """The header line above the reader."""
        return self.query_one("#article-header", ArticleHeader)

    def on_mount(self) -> None:
        self._reader = self.query_one("#reader", ReaderView)
        self.reader.reading_width = self.settings.reading_width
        self.query_one("#status").display = False
        self.header.show_article(None)
        self.narrow = self._wants_narrow(self.app.size.width)
        self._outline_shown = self.settings.show_outline and not self.narrow
        self._apply_layout()
        self.reload_library(first=library_listing.LIST_FIRST)
        self.set_interval(SAVE_EVERY, self.reading.flush_position_when_still)
        self.set_interval(library_listing.CHECK_EVERY, self.listing.check)
        self.reader.focus()
        self.reader.width_hint = self._predicted_reader_width()
        self._open_first()

    def _open_first(self) -> None:
        """Show the article asked for, else where the reader left off (before the first frame:
        the first screen painted is already the article)."""
        if self._open_ref:
            self.following.open_reference(self._open_ref)
            return
        first = first_article(self.library, self.articles)
        if first is not None:
            self.open_article(first.id)
        else:
            self.reader.show_message(
                "The library is empty. Add articles with `termreader add FILE|URL`."
            )

    def _predicted_reader_width(self) -> int:
        """The reader's text width once laid out, from the terminal width and the side panes'
        styles (0 when it cannot be told): the first article is laid out at its real width
        before the first frame, instead of at a guess and again while drawing."""
        try:
            total = self.app.size.width
            width = total
            for pane in (self.library_pane, self.outline):
                if pane.display and not self.narrow:
                    styles = pane.styles
                    cells = (
                        styles.width.resolve(self.app.size, self.app.size) if styles.width else 0
                    )
                    if styles.max_width is not None:
                        cells = min(cells, styles.max_width.resolve(self.app.size, self.app.size))
                    width -= int(cells)
            reader_styles = self.reader.styles
            if reader_styles.scrollbar_gutter == "stable" or reader_styles.overflow_y != "hidden":
                width -= reader_styles.scrollbar_size_vertical
            return max(0, width)
        except Exception:  # noqa: BLE001 - a hint only: the reader measures itself anyway
            log.debug("reader width not predicted", exc_info=True)
            return 0

    def on_descendant_focus(self) -> None:
        self._mark_active_pane()

    def on_descendant_blur(self) -> None:
        self._mark_active_pane()

    def _mark_active_pane(self) -> None:
        # A class rather than :focus-within, which can stay stale after focus moves on.
        focused = self.focused
        for pane in (self.library_pane, self.outline):
            pane.set_class(focused is not None and pane in focused.ancestors_with_self, "-active")

    def on_resize(self) -> None:
        narrow = self._wants_narrow(self.size.width)
        if narrow != self.narrow:
            self.narrow = narrow

    def _wants_narrow(self, width: int) -> bool:
        layout = self.settings.layout
        return layout == "narrow" or (layout == "auto" and width < NARROW_BELOW)

    def watch_narrow(self) -> None:
        # Back to the defaults of the new layout: overlays start closed.
        self._library_shown = None
        self._outline_shown = self.settings.show_outline and not self.narrow
        self._apply_layout()
        focused = self.focused
        if focused is None or not all(
            node.display for node in focused.ancestors_with_self if node is not self
        ):
            self.reader.focus()  # the focused pane was hidden by the new layout

    def _apply_layout(self) -> None:
        self.set_class(self.narrow, "-narrow")
        library_shown = self._library_shown if self._library_shown is not None else not self.narrow
        self.library_pane.display = library_shown
        self.outline.display = self._outline_shown
        if self._outline_shown:
            self.outline.ensure_built()
        self.refresh_bindings()

    def watch_busy(self, busy: str) -> None:
        self.header.busy = busy
        status = self.query_one("#status", Static)
        self.update_status()
        status.set_class(bool(busy), "-busy")

    def update_status(self) -> None:
        """Show the link number being typed, or what is loading, in the status line."""
        status = self.query_one("#status", Static)
        digits = self.following.link_digits
        if digits:
            link = self.reader.link(int(digits))
            # Link texts and URLs are untrusted: cleaned for the status line (issue 6).
            target = (clean_line(link.title) or clean_line(link.url)) if link is not None else ""
            label = f" → {target}" if link is not None else " (no such link)"
            text = f"Link {digits}{label}   Enter follows · Esc cancels"
        elif self.busy:
            text = f"{clean_line(self.busy)}   Esc cancels"
        else:
            text = ""
        status.update(text)
        status.display = bool(text)

    # library ---------------------------------------------------------------------------------
    def reload_library(self, keep: str | None = None, *, first: int | None = None) -> None:
        """Bring the article list up to date (after an import or a sync): the articles that
        changed are patched in. ``first``: list the library afresh, the newest that many now
        and the rest in steps (see :class:`~termreader.ui.library_listing.LibraryListing`)."""
        if first or not self.listing.complete or not self.library_pane.shown:
            self.listing.start(keep, first=first or library_listing.LIST_FIRST)
        else:
            self.listing.check(keep)
        self.refresh_accounts_status()

    def refresh_accounts_status(self) -> None:
        """Show when the feed-server accounts last synced and how many changes wait to be sent
        (nothing without accounts)."""
        try:
            if not self.library.kv_all("accounts"):  # the usual case: nothing more to load
                self._accounts_status = None
                self.library_pane.set_accounts_status("")
                return
            from termreader.accounts.status import AccountsStatus

            self._accounts_status = AccountsStatus()
            text = self._accounts_status.refresh(self.library)
        except TermreaderError as error:
            text = clean_line(str(error))
        self.library_pane.set_accounts_status(text)

    def read_state_changed(self, article_id: str, was_unread: bool) -> None:
        """An article was marked read or unread: one more (or one less) change to send when it
        is an account's entry."""
        status = self._accounts_status
        if status is None:
            return
        try:
            text = status.read_changed(self.library, article_id, was_unread)
        except TermreaderError as error:
            text = clean_line(str(error))
        if text is not None:
            self.library_pane.set_accounts_status(text)

    @on(LibraryPane.Opened)
    def _library_open(self, event: LibraryPane.Opened) -> None:
        event.stop()
        self.open_article(event.article.id)
        if self.narrow:
            self.show_library(False)
        self.reader.focus()

    # opening articles ------------------------------------------------------------------------
    def open_article(
        self,
        article_id: str,
        *,
        position: Position | None = None,
        anchor: str = "",
        record: bool = True,
    ) -> bool:
        """Show an article from the library; ``position`` or ``anchor`` say where (else where
        the reader left it). ``record`` adds the visit to the history. Returns success."""
        leaving = self.reading.leave()
        self._completing += 1
        self._body_verified = False
        document = None
        try:
            # With a cached render form the index record is enough for the first screen; the
            # body file (megabytes to gunzip and decode) is read once that screen is painted.
            article = self.library.brief(article_id)
            document = self.reading.cached_document(article)
            if document is not None and document.source:
                # The index knows the body's fingerprint: a form cached for another version of
                # the body is never shown, not even for the moment before the body is read.
                known = self.library.body_fingerprint(article_id)
                if known and known != document.source:
                    document = None
                # Checked here: the body read later need not be hashed again.
                self._body_verified = bool(known)
            if document is None:
                article = self.library.get(article_id)
        except (NotFound, StoreError, ValueError, OSError) as error:
            self._show_broken(article_id, error)
            return False
        assert article is not None
        if document is not None:
            # Once the first screen is drawn, or at once when an action needs the body.
            self._incomplete = (article, self._completing)
            self.set_timer(
                COMPLETE_AFTER,
                partial(self._complete_article, article, self._completing, now=False),
            )
        self.article = article
        self.reading.opened(article)
        start = position if position is not None else (None if anchor else article.position)
        _count_minutes(article)
        self.header.show_article(article)
        self.header.percent = percent_of(article.position.percent) if start else 0
        self.reader.show_article(
            article,
            document=document,
            position=start if start and (start.anchor or start.offset) else None,
            body_pending=document is not None,
        )
        if article.related:
            self._show_related_section(article)
        if anchor and not self.reader.goto_anchor(anchor):
            self.notify(f"No section “{anchor}” in this article", severity="warning", timeout=3)
        document_now = self.reader.document
        if document_now is not None and document_now.complete:
            doc = document_now
            self.outline.set_sections(lambda: doc.sections, len(doc.headings))
        else:
            self.outline.set_sections(article.sections)
        self.library_pane.article_list.current_id = article.id
        index = self.library_pane.article_list.index_of(article.id)
        if index is not None:
            self.library_pane.article_list.cursor = index
        if record:
            self.navigator.visit(
                Location(article.id, self.reader.reading_position()), leaving=leaving
            )
        self.refresh_bindings()
        return True

    def complete_article(self) -> None:
        """Make sure the article shown has its body, links and related list (an article opened
        from its render cache gets them a moment after its first screen)."""
        if self._incomplete is not None:
            self._complete_article(*self._incomplete)

    def _complete_article(self, article: Article, generation: int, *, now: bool = True) -> None:
        """Read the body file of an article opened from its render cache (see open_article)."""
        if generation != self._completing or self.article is not article:
            return
        if not now and self.reader.moving:
            # Reading megabytes would hold a key: after the reader stops (or when needed).
            self.set_timer(
                COMPLETE_AFTER, partial(self._complete_article, article, generation, now=False)
            )
            return
        self._incomplete = None
        try:
            full = self.library.get(article.id)
        except (NotFound, StoreError, ValueError, OSError) as error:
            self._show_broken(article.id, error)
            return
        # The same object stays on display (its reading state may have moved meanwhile).
        article.body = full.body
        article.sections = full.sections
        article.links = full.links
        article.related = full.related
        if _count_minutes(article):
            self.header.minutes = article.reading_minutes
        self.reader.check_body(verified=self._body_verified)
        if article.related:
            self._show_related_section(article)
        self.refresh_bindings()

    def forget_article(self) -> None:
        """Show no article (the one on display left the library); nothing is saved for it."""
        self.reading.pending = None
        self.article = None
        self._incomplete = None
        self.header.show_article(None)
        self.outline.set_sections([])
        self.library_pane.article_list.current_id = ""
        self.reader.show_message("This article was removed from the library.")
        self.refresh_bindings()

    def _show_related_section(self, article: Article) -> None:
        """Show the related list after the body, each entry marked as in the dialog (``r``)
        and numbered like the links; the marks are worked out when the section is built."""
        library = self.library

        def build(document: Document) -> tuple[list[Block], list[Link]]:
            from termreader.navigation.resolve import resolve_related
            from termreader.render.appendix import heading_for, related_blocks
            from termreader.ui.related_screen import marker

            entries = [
                (marker(resolve_related(e, library, article)), e.title, e.url or "")
                for e in article.related
            ]
            self.following.related_section = list(article.related)
            heading = heading_for(article.language, article.title)
            self.call_later(self._appendix_shown, article, document)
            return related_blocks(document, heading, entries)

        self.following.related_section = []
        self.reader.set_appendix(build)

    def _appendix_shown(self, article: Article, document: Document) -> None:
        """The related section is in the document: the outline lists it too."""
        if self.article is article and self.reader.document is document:
            self.outline.set_sections(lambda: document.sections, len(document.headings))
            section = self.reader.current_section()
            if section is not None:
                self.outline.highlight(section.anchor)

    def _show_broken(self, article_id: str, error: Exception) -> None:
        self.article = None
        try:
            meta = self.library.meta(article_id)
        except (NotFound, StoreError):
            log.debug("no metadata for %s either", article_id, exc_info=True)
            meta = None
        self.header.show_article(meta)
        self.outline.set_sections([])
        self.reader.show_message(f"This article cannot be shown: {error}", error=True)

    @on(ReaderView.DocumentReady)
    def _document_ready(self, event: ReaderView.DocumentReady) -> None:
        """The reader parsed a whole article: keep its render form, so reopening parses nothing."""
        event.stop()
        self.reading.write_cache(event.article.id, event.document)
        if self.article is not None and self.article.id == event.article.id:
            # The outline of the whole parse is authoritative (same anchors as the reader's).
            self.outline.set_sections(event.document.sections)
            section = self.reader.current_section()
            if section is not None:
                self.outline.highlight(section.anchor)

    # reading position ------------------------------------------------------------------------
    @on(ReaderView.PositionChanged)
    def _position_changed(self, event: ReaderView.PositionChanged) -> None:
        if self.article is None:
            return
        self.header.percent = percent_of(event.percent)  # 0..100
        self.reading.moved(self.article, event.position, at_end=event.at_end)

    @on(ReaderView.SectionChanged)
    def _section_changed(self, event: ReaderView.SectionChanged) -> None:
        section = event.section
        self.header.section = section.title if section is not None else ""
        self.outline.highlight(section.anchor if section is not None else "")

    # following links -------------------------------------------------------------------------
    @on(ReaderView.LinkActivated)
    def _link_activated(self, event: ReaderView.LinkActivated) -> None:
        event.stop()
        number = self.reader.appendix_link(event.link)
        if number is not None and self.following.follow_related_number(number):
            return
        self.following.follow_url(event.link.url)

    # actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if hasattr(ManageActions, f"action_{action}"):
            return self.manage.check(action)
        if action == "follow_number":
            return bool(self.following.link_digits)
        if action == "digit":
            # Link numbers are typed while reading, not while moving in a list or tree.
            return self.article is not None and self.focused in (None, self.reader)
        if action in ("related", "link_hints", "open_browser", "toggle_read", "find"):
            return self.article is not None or None
        if action in ("find_next", "find_previous"):
            bar = self._find_bar
            return (bar is not None and (bar.display or bar.input.value != "")) or None
        return True

    def action_toggle_library(self) -> None:
        """Show or hide the library pane (an overlay on narrow terminals)."""
        self.show_library(not self.library_pane.display)

    def show_library(self, show: bool) -> None:
        """Show or hide the library pane; it gets the focus when shown."""
        self._library_shown = show
        self._apply_layout()
        if show:
            self.library_pane.focus_list()
        elif self.focused is None or self.library_pane in self.focused.ancestors_with_self:
            self.reader.focus()

    def action_toggle_outline(self) -> None:
        """Show or hide the outline pane."""
        self._outline_shown = not self._outline_shown
        self._apply_layout()
        if self._outline_shown and self.narrow:
            self.outline.section_list.focus()
        elif not self._outline_shown and self.focused is self.outline.section_list:
            self.reader.focus()

    @on(OutlinePane.Jump)
    def _outline_jump(self, event: OutlinePane.Jump) -> None:
        event.stop()
        self.following.jump_to_anchor(event.section.anchor)
        if self.narrow:
            self._outline_shown = False
            self._apply_layout()
            self.reader.focus()

    def action_link_hints(self) -> None:
        """Show or hide the link numbers."""
        self.reader.show_link_hints = not self.reader.show_link_hints

    def action_escape(self) -> None:
        """Cancel what is in progress: link number, download, find, overlay, link hints."""
        if self.following.link_digits:
            self.following.cancel_number()
        elif self.busy:
            self.workers.cancel_group(self, "fetch")
            self.app.workers.cancel_group(self.app, "sync")
            self.busy = ""
        elif self._find_bar is not None and self._find_bar.display:
            self._find_bar.action_close()
        elif self.narrow and self.library_pane.display:
            self.show_library(False)
        elif self.narrow and self.outline.display:
            self.action_toggle_outline()
        elif self.reader.show_link_hints:
            self.reader.show_link_hints = False

    async def action_find(self) -> None:
        """Open the find bar (mounted on first use: the first screen does not wait for it)."""
        bar = self._find_bar
        if bar is None:
            bar = self._find_bar = FindBar(id="find-bar")
            await self.query_one("#reading").mount(bar)
        bar.open()

    @on(FindBar.Find)
    def _find(self, event: FindBar.Find) -> None:
        event.stop()
        self.reader.find(event.query)
        self._show_find_count()
        self.reader.focus()

    def _show_find_count(self) -> None:
        reader = self.reader
        if self._find_bar is not None:
            self._find_bar.set_count(reader.match_count, reader.current_match_index or None)

    @on(FindBar.Closed)
    def _find_closed(self, event: FindBar.Closed) -> None:
        event.stop()
        self.reader.clear_find()
        self.reader.focus()

    def action_find_next(self) -> None:
        """Go to the next match of the find."""
        self.reader.find_next()
        self._show_find_count()

    def action_find_previous(self) -> None:
        """Go to the previous match of the find."""
        self.reader.find_prev()
        self._show_find_count()

    def action_search(self) -> None:
        """Open the library-wide search (:mod:`termreader.ui.search_screen`)."""
        from termreader.ui.search_screen import SearchScreen  # loaded on first use

        searcher = self.library.searcher()
        self.app.push_screen(SearchScreen(searcher, self.library.__contains__), self._searched)

    def _searched(self, hit: Hit | None) -> None:
        """Open the chosen result at the top, then find its first match (``n`` / ``N`` go on)."""
        if hit is None or not self.open_article(hit.id, position=Position()):
            return
        if self.narrow:
            self.show_library(False)
        self.reader.focus()
        self.call_later(self._find_opened, hit.id, hit.find)

    async def _find_opened(self, article_id: str, term: str, tries: int = 0) -> None:
        """Find ``term`` in the article just opened once its document is there (a cached form
        is decoded and a body parsed between frames, so this may take a few tries)."""
        if self.article is None or self.article.id != article_id:
            return  # the reader moved on meanwhile
        document = self.reader.document
        count = self.reader.find(term) if document is not None else 0
        if not count and tries < 40 and (document is None or not document.complete or tries < 4):
            self.set_timer(0.05, partial(self._find_opened, article_id, term, tries + 1))
            return
        bar = self._find_bar
        if bar is None:
            bar = self._find_bar = FindBar(id="find-bar")
            await self.query_one("#reading").mount(bar)
        bar.display = True
        bar.input.value = term
        self._show_find_count()

    def action_open_browser(self) -> None:
        """Open the article's web page in the system browser (http and https only); when no
        browser opens (none found, or no display over SSH), offer to copy the address."""
        url = self.article.url if self.article else ""
        from termreader.web.linkpolicy import can_open_external

        if not url or not can_open_external(url):
            self.notify("This article has no web address to open", severity="warning", timeout=3)
            return

        def work() -> None:
            opened = open_in_browser(url)
            self.app.call_from_thread(self._browser_done, url, opened)

        self.run_worker(work, thread=True, group="browser", exit_on_error=False)

    def _browser_done(self, url: str, opened: bool) -> None:
        if opened:
            self.notify(f"Opened {short_url(url)} in the browser", timeout=3)
            return
        from termreader.ui.question_screen import QuestionScreen

        def answered(copy: bool | None) -> None:
            if copy:
                # OSC 52: the terminal (also over SSH, and in tmux with set-clipboard on) puts
                # it on the clipboard of the machine the reader sits at.
                self.app.copy_to_clipboard(url)
                self.notify(f"Copied {short_url(url)} (through the terminal)", timeout=3)

        self.app.push_screen(
            QuestionScreen(
                "No web browser opened (none found, or no display over SSH).",
                f"Copy {short_url(url)} to the clipboard?",
            ),
            answered,
        )

    def action_sync(self) -> None:
        """Refresh subscriptions (the app runs the sync)."""
        self.request_sync()

    def request_sync(
        self, only: tuple[str, ...] | None = None, fetched: dict[str, Any] | None = None
    ) -> None:
        """Ask the app to sync every subscription, or ``only`` those (see SyncRequested)."""
        self.post_message(self.SyncRequested(only, fetched))

    # delegated actions -------------------------------------------------------------------------
    def action_back(self) -> None:
        """Go back in the history."""
        self.following.back()

    def action_forward(self) -> None:
        """Go forward in the history."""
        self.following.forward()

    def action_related(self) -> None:
        """Open the related-articles dialog."""
        self.following.show_related()

    def action_digit(self, digit: int) -> None:
        """Collect the digits of a link number."""
        self.following.digit(digit)

    def action_follow_number(self) -> None:
        """Follow the link whose number was typed."""
        self.following.follow_number()

    def action_next_article(self) -> None:
        """Open the next article of the (filtered) library list."""
        self.following.step_article(1)

    def action_previous_article(self) -> None:
        """Open the previous article of the (filtered) library list."""
        self.following.step_article(-1)

    def action_toggle_read(self) -> None:
        """Mark the article read or unread."""
        self.reading.toggle_read()

    def save_state(self) -> None:
        """Save the reading position and which article is open (on quit; safe to repeat)."""
        if self.article is not None:
            try:
                # Tomorrow's start opens what was open at quit.
                self.library.kv_put(UI_TABLE, LAST_KEY, {"id": self.article.id})
            except (StoreError, OSError) as error:
                self.log.error(f"saving the open article: {error}")
        try:
            self.reading.leave()
        except (StoreError, OSError, NoMatches) as error:
            self.log.error(f"saving the position on exit: {error}")

    def on_unmount(self) -> None:
        # Also reached on exits that bypass action_quit (Ctrl+C, a crash in another widget).
        self.save_state()


def has_display() -> bool:
    """True where a graphical browser can open: macOS, Windows, an X or Wayland display, or a
    browser named in ``$BROWSER``. Without one Python's webbrowser falls back to a text browser
    run in this terminal, under the reader."""
    import os
    import sys

    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_in_browser(url: str) -> bool:
    """Open ``url`` in the system browser; False when none opened (run in a thread: it may
    wait for the browser to start)."""
    if not has_display():
        return False
    import webbrowser

    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        log.debug("no browser opened %s", url, exc_info=True)
        return False


def _count_minutes(article: Article) -> bool:
    """Fill in the reading time of an article stored before it was counted (when its body is
    at hand); True when it was counted now."""
    if article.reading_minutes or not article.body:
        return False
    from termreader.text.readtime import reading_minutes

    article.reading_minutes = reading_minutes(article.body)
    return True


def main_screen_of(app: App[Any]) -> MainScreen | None:
    """The app's main screen once it is installed."""
    for screen in app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    return None
