"""The library pane: a filter box over the article list, with sorting and next-unread."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widget import AwaitMount
from textual.widgets import Input, Static

from termreader.models import Article
from termreader.ui.article_list import SORTS, ArticleList, Entry, filter_entries, sort_entries
from termreader.ui.source_view import LibraryScope, SourceList, source_rows


class FilterInput(Input):
    """The filter box: an :class:`Input` whose text growing by a character repaints it without
    laying the screen out again (its box has a fixed size; only its scrollable width changes).

    With a big library listed, the relayout Textual's Input asks for at each keystroke would be
    a large share of the keystroke's work.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class LibraryPane(Vertical):
    """Every article of the library, newest first; ``/`` filters, ``s`` sorts, ``n`` next unread.

    | Key | Action |
    | :- | :- |
    | `/` | Filter by title, source or tag (Esc clears). |
    | `s` | Cycle the sort order: date, title, source. |
    | `n` | Next unread article. |
    | `enter` | Open the highlighted article. |
    | `escape` | Clear the filter; else back from a source to the sources, or to every article. |

    Views (all, sources, one source, starred; see :class:`~termreader.ui.source_view.LibraryScope`)
    are chosen by the screen's keys through :meth:`show_view`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="filter_library"),
        Binding("s", "cycle_sort", "Sort", id="sort_library"),
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("escape", "clear_filter", "Back", show=False),
    ]

    # Neither repaints the pane itself (a container: that would draw every child again at each
    # keystroke); their watchers refresh the list and the title, which is all that changes.
    sort: reactive[str] = reactive("date", init=False, repaint=False)
    """The sort order, one of :data:`SORTS`."""

    filter_text: reactive[str] = reactive("", init=False, repaint=False)
    """The filter text."""

    @dataclass
    class Opened(Message):
        """The user chose an article in the list."""

        article: Article

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._all: list[Entry] = []
        self._sorted: list[Entry] = []
        self._filter: Input | None = None  # mounted on first use (the start does not wait)
        self._counts: tuple[int, int] | None = None  # whole-library counts while listing part
        self._unread = 0
        self._filter_mounting: AwaitMount | None = None
        self.scope = LibraryScope()
        """Which articles are listed (every one, a source's, the starred)."""
        self._scoped: list[Entry] = []  # _sorted narrowed by the scope (the filter's input)
        self._scoped_unread = 0
        # (the sorted list it filtered, the filter, its result): the next keystroke searches
        # that result only (see filter_entries).
        self._last_filter: tuple[list[Entry], str, list[Entry]] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Library", id="library-title", markup=False)
        yield ArticleList(id="article-list")
        source_list = SourceList(id="source-list")
        source_list.display = False
        yield source_list
        status = Static("", id="accounts-status", markup=False)
        status.display = False
        yield status

    @property
    def article_list(self) -> ArticleList:
        """The article list widget."""
        return self.query_one(ArticleList)

    @property
    def source_list(self) -> SourceList:
        """The list of sources (shown by the ``sources`` view)."""
        return self.query_one(SourceList)

    def focus_list(self) -> None:
        """Focus the list on display (the articles, or the sources in that view)."""
        (self.source_list if self.scope.lists_sources else self.article_list).focus()

    @property
    def filter_input(self) -> Input:
        """The filter box (mounted above the list the first time it is asked for)."""
        if self._filter is None:
            self._filter = FilterInput(
                placeholder="Filter: title, source, tag",
                id="library-filter",
                select_on_focus=False,
            )
            self._filter_mounting = self.mount(self._filter, before=self.article_list)
        return self._filter

    # data ------------------------------------------------------------------------------------
    def set_articles(
        self,
        articles: list[Article],
        *,
        keep: str | None = None,
        counts: tuple[int, int] | None = None,
        entries: list[Entry] | None = None,
    ) -> None:
        """Replace the articles (metadata) shown; keeps filter, sort and cursor.

        ``counts``: (articles, unread) of the whole library when ``articles`` are only the
        newest of it (the rest is on its way); the title shows these. ``entries``: the rows
        of ``articles``, in their order, when already made.
        """
        self._counts = counts
        self._all = entries if entries is not None else [Entry.of(a) for a in articles]
        self._unread = sum(1 for a in articles if a.unread)
        self._sorted = sort_entries(self._all, self.sort)
        self._rescope()
        self._apply(keep=keep)

    def set_accounts_status(self, text: str) -> None:
        """The feed-server accounts' line under the list (hidden when there are none)."""
        status = self.query_one("#accounts-status", Static)
        status.update(text)
        status.display = bool(text)

    def apply_changes(
        self, updated: list[Article], removed: set[str], *, keep: str | None = None
    ) -> None:
        """Patch the list: ``updated`` articles replace their rows (or are added), ``removed``
        ids leave it; filter, sort order and the highlighted article stay (or ``keep`` is
        highlighted)."""
        entries = {entry.article.id: entry for entry in self._all}
        for article_id in removed:
            entries.pop(article_id, None)
        for article in updated:
            entries[article.id] = Entry.of(article)
        self._all = list(entries.values())
        self._unread = sum(1 for entry in self._all if entry.article.unread)
        if self._counts is not None:  # still listing part: move the whole-library figures
            total, unread = self._counts
            self._counts = (max(total, len(self._all)), unread)
        self._sorted = sort_entries(self._all, self.sort)
        self._rescope()
        highlighted = self.article_list.highlighted
        self._apply(keep=keep or (highlighted.id if highlighted else None))

    @property
    def articles(self) -> list[Article]:
        """Every article listed (unfiltered), newest first."""
        by_date = self._sorted if self.sort == "date" else sort_entries(self._all, "date")
        return [entry.article for entry in by_date]

    def update_article(self, article: Article) -> None:
        """Refresh one article's row (reading state changed)."""
        rescope = recount = False
        for entry in self._all:
            if entry.article.id == article.id:
                self._unread += int(article.unread) - int(entry.article.unread)
                recount = entry.article.unread != article.unread
                rescope = self.scope.view == "starred" and entry.article.starred != article.starred
                old = entry.article
                if (old.title, old.source, old.tags) != (
                    article.title,
                    article.source,
                    article.tags,
                ):
                    entry.marked = Entry.of(article).marked  # the filter sees new tags
                    rescope = rescope or bool(self.filter_text)
                entry.article = article
        if rescope:
            self._rescope()
            self._apply()
            return
        if recount and self.scope.narrowed:
            self._scoped_unread = sum(e.article.unread for e in self._scoped)
        if recount and self.scope.view == "sources":
            self._show_sources()
        self.article_list.replace_article(article)
        self._update_title()

    def mark_read(self, article_ids: set[str], done: int) -> None:
        """Show ``article_ids`` read (a whole source marked read: ``done`` in the library,
        some perhaps not listed yet)."""
        changed = 0
        for entry in self._all:
            if entry.article.unread and entry.article.id in article_ids:
                entry.article = replace(entry.article, unread=False)
                changed += 1
        self._unread -= changed
        if self._counts is not None:
            self._counts = (self._counts[0], max(0, self._counts[1] - done))
        self._rescope()
        self._apply()

    def remove_article(self, article_id: str) -> None:
        """Take one article out of the list (removed from the library)."""
        kept = [e for e in self._all if e.article.id != article_id]
        if len(kept) == len(self._all):
            return
        unread = sum(e.article.unread for e in self._all if e.article.id == article_id)
        self._unread -= unread
        self._all = kept
        self._sorted = [e for e in self._sorted if e.article.id != article_id]
        if self._counts is not None:
            self._counts = (self._counts[0] - 1, self._counts[1] - unread)
        self._rescope()
        self._apply()

    @property
    def shown(self) -> list[Article]:
        """The articles on display, in order (filtered and sorted)."""
        return [e.article for e in self.article_list.shown]

    def _rescope(self) -> None:
        """Narrow the sorted entries to the scope (on a new list, sort or view; not per key)."""
        self._scoped = self.scope.select(self._sorted)
        narrowed = self._scoped is not self._sorted
        self._scoped_unread = sum(e.article.unread for e in self._scoped) if narrowed else 0
        if self.scope.lists_sources:
            self._show_sources()

    def _apply(self, *, keep: str | None = None) -> None:
        text = self.filter_text
        last = self._last_filter
        typed_from = (last[1], last[2]) if last is not None and last[0] is self._scoped else None
        shown = filter_entries(self._scoped, text, typed_from=typed_from)
        self._last_filter = (self._scoped, text, shown)
        self.article_list.set_entries(shown, keep=keep)
        self._update_title()

    def _show_sources(self) -> None:
        self.source_list.set_rows(source_rows(self._all))

    def _update_title(self) -> None:
        shown = len(self.article_list.shown)
        total = len(self._all)
        unread = self._unread  # kept by set_articles / update_article: a keystroke counts nothing
        if self.scope.narrowed:
            total, unread = len(self._scoped), self._scoped_unread
        elif self._counts is not None and not self.filter_text:
            total, unread = self._counts
            shown = total
        if self.scope.lists_sources:
            shown = total
            count = f"{len(self.source_list.rows)}"
        else:
            count = f"{shown} of {total}" if shown != total else f"{total}"
        order = "" if self.sort == "date" else f" · by {self.sort}"
        # One line of fixed height: no layout pass (with a big library a relayout of the
        # screen would be most of a filter keystroke).
        self.query_one("#library-title", Static).update(
            f"{self.scope.label()} · {count} · {unread} unread{order}", layout=False
        )

    # views -----------------------------------------------------------------------------------
    def show_view(self, view: str, source: str | None = None) -> None:
        """Show a view (one of :data:`~termreader.ui.source_view.VIEWS`); ``source`` with
        ``sources`` lists that source's articles. The visible list gets the focus."""
        keep = self.article_list.highlighted
        self.scope.view = view
        self.scope.source = source if view == "sources" else None
        sources = self.scope.lists_sources
        self.source_list.display = sources
        self.article_list.display = not sources
        if sources:
            self._show_sources()
        self._rescope()
        self._apply(keep=keep.id if keep is not None else None)
        self.focus_list()

    def leave_view(self) -> bool:
        """One step back: a source's articles to the sources, a view to every article.
        Returns False when already showing every article."""
        scope = self.scope
        if scope.source is not None:
            came_from = scope.source
            self.show_view("sources")
            self.source_list.set_rows(self.source_list.rows, keep=came_from)
            return True
        if scope.view != "all":
            self.show_view("all")
            return True
        return False

    @on(SourceList.Selected)
    def _source_selected(self, event: SourceList.Selected) -> None:
        event.stop()
        self.show_view("sources", event.source)

    def show_filter(self, text: str) -> None:
        """Open the filter box with ``text`` (used by "offer a library filter with that title")."""
        self.filter_input.value = text
        self.filter_text = text
        self.add_class("-filtering")
        self.article_list.focus()

    # reactive --------------------------------------------------------------------------------
    def watch_sort(self) -> None:
        self._sorted = sort_entries(self._all, self.sort)
        self._rescope()
        self._apply()

    def watch_filter_text(self) -> None:
        self._apply()

    @on(Input.Changed, "#library-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value

    @on(Input.Submitted, "#library-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.article_list.focus()

    @on(ArticleList.Selected)
    def _selected(self, event: ArticleList.Selected) -> None:
        event.stop()
        self.post_message(self.Opened(event.article))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc only means "clear the filter" while there is one; otherwise the screen handles it.
        if action == "clear_filter":
            return (
                bool(self.filter_text) or self.has_class("-filtering") or self.scope.view != "all"
            )
        if action in ("filter", "cycle_sort", "next_unread"):
            return not self.scope.lists_sources
        return True

    # actions ---------------------------------------------------------------------------------
    async def action_filter(self) -> None:
        self.add_class("-filtering")
        box = self.filter_input
        if self._filter_mounting is not None:
            await self._filter_mounting  # focus needs it in the DOM
            self._filter_mounting = None
        box.focus()

    def action_clear_filter(self) -> None:
        if not (self.filter_text or self.has_class("-filtering")):
            self.leave_view()
            return
        if self._filter is not None:
            self._filter.value = ""
        self.filter_text = ""
        self.remove_class("-filtering")
        self.article_list.focus()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.notify(f"Sorted by {self.sort}", timeout=2)

    def action_next_unread(self) -> None:
        article_list = self.article_list
        shown = article_list.shown
        count = len(shown)
        for step in range(1, count + 1):
            index = (article_list.cursor + step) % count
            if shown[index].article.unread:
                article_list.cursor = index
                return
        self.notify("No unread articles here", timeout=3)
