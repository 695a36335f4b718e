"""Managing the library from the reader: star, remove (with undo), tags, copy, views, source read.

:class:`Managing` is a plain helper of the main screen (like ``Following``); the main screen
takes its keys (:data:`MANAGE_BINDINGS`) and actions (:class:`ManageActions`) from here, and the
app its palette commands (:func:`manage_commands`). Adding and fetching again, which go to the
network, are in :mod:`termreader.ui.manage_web`. :class:`Managing` is near the ~300-line mark:
each action is short, and they share the one notion of "the article (or source) it applies to".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.widgets import Input

from termreader.errors import NotFound, StoreError
from termreader.models import Article
from termreader.text.sanitize import clean_line
from termreader.ui.article_screen import OpeningScreen
from termreader.ui.following import short_url
from termreader.ui.manage_web import PageFetching

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.timer import Timer
    from textual.widget import Widget

    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.ui.article_header import ArticleHeader
    from termreader.ui.following import Following
    from termreader.ui.outline_pane import OutlinePane
    from termreader.ui.reading_state import ReadingState
    from termreader.web.fetch import Fetcher

log = logging.getLogger(__name__)

UNDO_SECONDS = 8.0
"""How long a removed article can be brought back (the notification stays as long)."""

MANAGE_BINDINGS: list[BindingType] = [
    Binding("asterisk", "toggle_star", "Star", id="toggle_star", show=False),
    Binding("apostrophe", "starred_view", "Starred", id="starred_view", show=False),
    Binding("B", "sources_view", "Sources", id="sources_view", show=False),
    Binding("U", "next_unread_article", "Next unread", id="next_unread_article", show=False),
    Binding("A", "mark_source_read", "Source read", id="mark_source_read", show=False),
    Binding("D", "remove_article", "Remove", id="remove_article", show=False),
    # A priority binding, live only while a removal can be undone: ``u`` is half a page up
    # otherwise (the reader's binding gets the key whenever this one declines it).
    Binding("u", "undo_remove", "Undo remove", id="undo_remove", show=False, priority=True),
    Binding("a", "add_article", "Add", id="add_article", show=False),
    Binding("T", "edit_tags", "Tags", id="edit_tags", show=False),
    Binding("y", "copy_url", "Copy URL", id="copy_url", show=False),
    Binding("R", "refetch", "Fetch again", id="refetch", show=False),
]
"""The main screen's keys for managing the library (listed in ``?`` and the README)."""

ON_ARTICLE = ("toggle_star", "remove_article", "edit_tags", "copy_url", "refetch")
"""Actions that need an article (the open one, or the one highlighted in the list)."""

_TAG_SEPARATORS = re.compile(r"[,，、]")


class ManagingScreen(OpeningScreen, Protocol):
    """What :class:`Managing` needs of its screen (the main screen)."""

    settings: Settings
    articles: list[Article]

    @property
    def focused(self) -> Widget | None: ...
    @property
    def header(self) -> ArticleHeader: ...
    @property
    def outline(self) -> OutlinePane: ...
    @property
    def reading(self) -> ReadingState: ...
    @property
    def following(self) -> Following: ...

    def forget_article(self) -> None: ...
    def show_library(self, show: bool) -> None: ...
    def refresh_bindings(self) -> None: ...
    def set_timer(self, delay: float, callback: Callable[[], Any] | None = None) -> Timer: ...


@dataclass(slots=True)
class Removed:
    """An article removed moments ago, kept whole in memory so that undo can put it back."""

    article: Article
    """The article with its body and reading state (as it was removed)."""
    cache: bytes | None
    """Its render form, so that reopening it parses nothing."""
    was_open: bool
    """It was on display: undo shows it again, where the reader was."""


class Managing:
    """Library management for :class:`~termreader.ui.main_screen.MainScreen`.

    Every change is written to the store at once (another process sees it); the list is
    updated in place, without reading the library again.

    Args:
        screen: The screen showing the articles.
        library: The open library.
        fetcher: Gives the session's HTTP client (created on first use).
    """

    def __init__(
        self, screen: ManagingScreen, library: Library, fetcher: Callable[[], Fetcher]
    ) -> None:
        self.screen = screen
        self.library = library
        self.web = PageFetching(screen, library, fetcher)
        """Adding a URL or a file, fetching a saved page again."""
        self.removed: list[Removed] = []
        """Removals that can still be undone, the latest last."""

    # targets -----------------------------------------------------------------------------------
    def target(self) -> Article | None:
        """The article an action applies to: the one highlighted while the library list has the
        focus, none while the source list has it, else the one open."""
        screen = self.screen
        pane = screen.library_pane
        if pane.display and screen.focused is pane.article_list:
            return pane.article_list.highlighted
        if pane.display and screen.focused is pane.source_list:
            return None  # a source is highlighted, not an article: nothing to apply it to
        return screen.article

    def target_source(self) -> str | None:
        """The source an action applies to: the highlighted one in the source list, the one
        listed, else the target article's. None when there is none."""
        screen = self.screen
        pane = screen.library_pane
        if pane.display and screen.focused is pane.source_list:
            row = pane.source_list.highlighted
            return row.source if row is not None else None
        if pane.scope.source is not None:
            return pane.scope.source
        article = self.target()
        return article.source if article is not None else None

    def check(self, action: str) -> bool | None:
        """Whether a management action can run now (see ``Screen.check_action``)."""
        if action == "undo_remove":
            return bool(self.removed) and not isinstance(self.screen.focused, Input)
        if action in ON_ARTICLE:
            return self.target() is not None or None
        if action == "mark_source_read":
            return self.target_source() is not None or None
        return True

    def _changed(self, article: Article, **fields: Any) -> None:
        """Show new field values of ``article`` in the list and on the open article."""
        self.screen.library_pane.update_article(replace(article, body="", **fields))
        current = self.screen.article
        if current is not None and current.id == article.id:
            for name, value in fields.items():
                setattr(current, name, value)
        for listed in self.screen.articles:
            if listed.id == article.id:
                for name, value in fields.items():
                    setattr(listed, name, value)

    # star --------------------------------------------------------------------------------------
    def toggle_star(self) -> None:
        """Star (keep) the article, or take its star off."""
        article = self.target()
        if article is None:
            return
        starred = not article.starred
        try:
            self.library.set_starred(article.id, starred)
        except (NotFound, StoreError) as error:
            self.screen.notify(str(error), severity="error")
            return
        self._changed(article, starred=starred)
        self.screen.notify("Starred: kept" if starred else "Star taken off", timeout=2)

    # views -------------------------------------------------------------------------------------
    def toggle_view(self, view: str) -> None:
        """Show the ``starred`` or ``sources`` view of the library pane; again, step back out
        of it."""
        pane = self.screen.library_pane
        if pane.scope.view == view and pane.display:
            pane.leave_view()
            return
        self.screen.show_library(True)
        pane.show_view(view)

    def next_unread(self) -> None:
        """Open the next unread article after the open one, in the list's order (wrapping)."""
        screen = self.screen
        shown = screen.library_pane.shown
        current = screen.article
        ids = [a.id for a in shown]
        start = ids.index(current.id) + 1 if current is not None and current.id in ids else 0
        for step in range(len(shown)):
            candidate = shown[(start + step) % len(shown)]
            if candidate.unread and (current is None or candidate.id != current.id):
                screen.open_article(candidate.id)
                return
        screen.notify("No unread articles in the list", timeout=3)

    def mark_source_read(self) -> None:
        """Mark every unread article of the target source read (one write)."""
        source = self.target_source()
        if source is None:
            return
        name = clean_line(source) or "(no source)"
        try:
            ids = [a.id for a in self.library.list(unread=True) if a.source == source]
            done = self.library.set_unread_many(ids, False) if ids else 0
        except StoreError as error:
            self.screen.notify(str(error), severity="error")
            return
        if not done:
            self.screen.notify(f"No unread articles in “{name}”", timeout=3)
            return
        current = self.screen.article
        if current is not None and current.id in ids:
            current.unread = False
        self.screen.library_pane.mark_read(set(ids), done)
        plural = "" if done == 1 else "s"
        self.screen.notify(f"Marked {done} article{plural} of “{name}” read", timeout=4)

    # remove and undo ---------------------------------------------------------------------------
    def remove(self) -> None:
        """Remove the article from the library at once; undo puts it back for a few seconds."""
        screen = self.screen
        article = self.target()
        if article is None:
            return
        was_open = screen.article is not None and screen.article.id == article.id
        if was_open:
            screen.reading.leave()  # the position undo brings back is the latest
        try:
            whole: Article | None = self.library.get(article.id)
        except StoreError:
            log.debug("removing %s without undo: its file is unreadable", article.id, exc_info=True)
            whole = None
        except NotFound:
            screen.notify("This article is not in the library any more", severity="warning")
            return
        cache = self._render_form(article.id) if whole is not None else None
        neighbour = self._neighbour(article.id)
        try:
            self.library.remove(article.id)
        except (NotFound, StoreError) as error:
            screen.notify(str(error), severity="error")
            return
        screen.library_pane.remove_article(article.id)
        screen.articles = [a for a in screen.articles if a.id != article.id]
        title = clean_line(article.title) or "(untitled)"
        if was_open:
            screen.forget_article()
            if neighbour is not None:
                screen.open_article(neighbour)
        if whole is None:
            screen.notify(f"Removed “{title}” (its file was damaged: no undo)", timeout=5)
            return
        entry = Removed(whole, cache, was_open)
        self.removed.append(entry)
        screen.set_timer(UNDO_SECONDS, partial(self.forget_removed, entry))
        key = clean_line(screen.settings.keys.get("undo_remove", "u"))
        screen.notify(f"Removed “{title}” — {key} to undo", timeout=UNDO_SECONDS)
        screen.refresh_bindings()

    def _render_form(self, article_id: str) -> bytes | None:
        from termreader.render.codec import cache_name

        try:
            return self.library.read_cache(article_id, cache_name())
        except (StoreError, OSError):
            log.debug("render form of %s not kept for undo", article_id, exc_info=True)
            return None

    def _neighbour(self, article_id: str) -> str | None:
        """The article listed after ``article_id`` (else before it): shown once it is gone."""
        ids = [a.id for a in self.screen.library_pane.shown]
        if article_id not in ids:
            return None
        index = ids.index(article_id)
        if index + 1 < len(ids):
            return ids[index + 1]
        return ids[index - 1] if index > 0 else None

    def forget_removed(self, entry: Removed) -> None:
        """The undo time of a removal is over: drop the copy kept in memory."""
        if entry in self.removed:
            self.removed.remove(entry)
            self.screen.refresh_bindings()

    def undo(self) -> None:
        """Put back the latest removed article: body, reading state, position, render form."""
        screen = self.screen
        if not self.removed:
            screen.notify("Nothing to undo", timeout=2)
            return
        entry = self.removed.pop()
        article = entry.article
        try:
            self.library.restore(article)
        except StoreError as error:
            screen.notify(f"Could not put it back: {error}", severity="error")
            return
        if entry.cache:
            from termreader.render.codec import cache_name

            try:
                self.library.write_cache(article.id, cache_name(), entry.cache)
            except (StoreError, OSError):
                log.debug("render form of %s not put back", article.id, exc_info=True)
        screen.reload_library(keep=article.id)
        if entry.was_open:
            screen.open_article(article.id)
        screen.notify(f"Restored “{clean_line(article.title) or '(untitled)'}”", timeout=3)
        screen.refresh_bindings()

    # tags and the URL --------------------------------------------------------------------------
    def edit_tags(self) -> None:
        """Ask for the article's tags (comma-separated) and store them."""
        from termreader.ui.prompt_screen import PromptScreen

        article = self.target()
        if article is None:
            return
        title = clean_line(article.title) or "(untitled)"
        dialog = PromptScreen(
            f"Tags of “{title}”",
            ", ".join(article.tags),
            placeholder="tags, separated by commas",
            hint="Enter saves · Esc cancels · an empty line removes every tag",
        )
        self.screen.app.push_screen(dialog, partial(self._tags_answered, article))

    def _tags_answered(self, article: Article, answer: str | None) -> None:
        if answer is None:
            return
        try:
            tags = self.library.set_tags(article.id, _TAG_SEPARATORS.split(answer))
        except (NotFound, StoreError) as error:
            self.screen.notify(str(error), severity="error")
            return
        self._changed(article, tags=tags)
        said = ", ".join(tags) if tags else "none"
        self.screen.notify(f"Tags: {said}", timeout=3)

    def copy_url(self) -> None:
        """Copy the article's web address (or file path) to the clipboard (OSC 52)."""
        article = self.target()
        url = clean_line(article.url) if article is not None else ""
        if not url:
            self.screen.notify("This article has no address to copy", severity="warning")
            return
        self.screen.app.copy_to_clipboard(url)
        self.screen.notify(f"Copied {short_url(url)}", timeout=3)

    # network -----------------------------------------------------------------------------------
    def add(self) -> None:
        """Ask for a URL or a file path and add it (fetched in a worker)."""
        from termreader.ui.prompt_screen import PromptScreen

        dialog = PromptScreen(
            "Add to the library",
            placeholder="https://… or a file path",
            hint="Enter adds · Esc cancels · a feed is offered for subscription",
        )

        def answered(ref: str | None) -> None:
            if ref and ref.strip():
                self.web.add(ref.strip())

        self.screen.app.push_screen(dialog, answered)

    def refetch(self) -> None:
        """Fetch the article's page (or file) again and update it in place."""
        article = self.target()
        if article is not None:
            self.web.refetch(article)


class ManageActions:
    """The main screen's actions for :data:`MANAGE_BINDINGS` (a mixin: they only delegate)."""

    if TYPE_CHECKING:
        manage: Managing

    def action_toggle_star(self) -> None:
        """Star (keep) the article or take the star off."""
        self.manage.toggle_star()

    def action_starred_view(self) -> None:
        """List the starred articles (again: every article)."""
        self.manage.toggle_view("starred")

    def action_sources_view(self) -> None:
        """List the sources with unread counts (again: step back)."""
        self.manage.toggle_view("sources")

    def action_next_unread_article(self) -> None:
        """Open the next unread article of the list."""
        self.manage.next_unread()

    def action_mark_source_read(self) -> None:
        """Mark every article of the source read."""
        self.manage.mark_source_read()

    def action_remove_article(self) -> None:
        """Remove the article (undo for a few seconds)."""
        self.manage.remove()

    def action_undo_remove(self) -> None:
        """Put back the article just removed."""
        self.manage.undo()

    def action_add_article(self) -> None:
        """Add a URL or a file path."""
        self.manage.add()

    def action_edit_tags(self) -> None:
        """Edit the article's tags."""
        self.manage.edit_tags()

    def action_copy_url(self) -> None:
        """Copy the article's URL."""
        self.manage.copy_url()

    def action_refetch(self) -> None:
        """Fetch the article again."""
        self.manage.refetch()


COMMANDS: list[tuple[str, str, str]] = [
    ("Star / unstar", "Keep the article (*)", "toggle_star"),
    ("Starred articles", "List the starred articles (')", "starred_view"),
    ("Sources", "Sources with unread counts, like newsboat's feed list (B)", "sources_view"),
    ("Next unread article", "Open the next unread article of the list (U)", "next_unread_article"),
    ("Mark source read", "Mark every article of the source read (A)", "mark_source_read"),
    (
        "Remove article",
        "Remove it from the library; u undoes for a few seconds (D)",
        "remove_article",
    ),
    ("Undo remove", "Put back the article just removed (u)", "undo_remove"),
    ("Add URL or file", "Add a web page, a feed or a file (a)", "add_article"),
    ("Edit tags", "The article's tags, comma-separated (T)", "edit_tags"),
    ("Copy URL", "Copy the article's address to the clipboard (y)", "copy_url"),
    ("Fetch again", "Fetch the saved page again, keeping your place (R)", "refetch"),
]
"""Palette commands: (title, help, action of :class:`ManageActions`)."""


def manage_commands(screen: ManageActions) -> Iterable[SystemCommand]:
    """The palette's commands for managing the library (each also a key, see ``?``)."""
    for title, help_text, action in COMMANDS:
        yield SystemCommand(title, help_text, getattr(screen, f"action_{action}"))
