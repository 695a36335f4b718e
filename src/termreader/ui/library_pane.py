"""The library pane: a filter box over the article list, with sorting and next-unread."""

from __future__ import annotations

from dataclasses import dataclass
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
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="filter_library"),
        Binding("s", "cycle_sort", "Sort", id="sort_library"),
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    sort: reactive[str] = reactive("date", init=False)
    """The sort order, one of :data:`SORTS`."""

    filter_text: reactive[str] = reactive("", init=False)
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
        # (the sorted list it filtered, the filter, its result): the next keystroke searches
        # that result only (see filter_entries).
        self._last_filter: tuple[list[Entry], str, list[Entry]] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Library", id="library-title", markup=False)
        yield ArticleList(id="article-list")

    @property
    def article_list(self) -> ArticleList:
        """The article list widget."""
        return self.query_one(ArticleList)

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
    ) -> None:
        """Replace the articles (metadata) shown; keeps filter, sort and cursor.

        ``counts``: (articles, unread) of the whole library when ``articles`` are only the
        newest of it (the rest is on its way); the title shows these.
        """
        self._counts = counts
        self._all = [Entry.of(a) for a in articles]
        self._unread = sum(1 for a in articles if a.unread)
        self._sorted = sort_entries(self._all, self.sort)
        self._apply(keep=keep)

    def apply_changes(self, updated: list[Article], removed: set[str]) -> None:
        """Patch the list: ``updated`` articles replace their rows (or are added), ``removed``
        ids leave it; filter, sort order and the highlighted article stay."""
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
        highlighted = self.article_list.highlighted
        self._apply(keep=highlighted.id if highlighted else None)

    @property
    def articles(self) -> list[Article]:
        """Every article listed (unfiltered), newest first."""
        by_date = self._sorted if self.sort == "date" else sort_entries(self._all, "date")
        return [entry.article for entry in by_date]

    def update_article(self, article: Article) -> None:
        """Refresh one article's row (reading state changed)."""
        for entry in self._all:
            if entry.article.id == article.id:
                self._unread += int(article.unread) - int(entry.article.unread)
                entry.article = article
        self.article_list.replace_article(article)
        self._update_title()

    @property
    def shown(self) -> list[Article]:
        """The articles on display, in order (filtered and sorted)."""
        return [e.article for e in self.article_list.shown]

    def _apply(self, *, keep: str | None = None) -> None:
        text = self.filter_text
        last = self._last_filter
        typed_from = (last[1], last[2]) if last is not None and last[0] is self._sorted else None
        shown = filter_entries(self._sorted, text, typed_from=typed_from)
        self._last_filter = (self._sorted, text, shown)
        self.article_list.set_entries(shown, keep=keep)
        self._update_title()

    def _update_title(self) -> None:
        shown = len(self.article_list.shown)
        total = len(self._all)
        unread = self._unread  # kept by set_articles / update_article: a keystroke counts nothing
        if self._counts is not None and not self.filter_text:
            total, unread = self._counts
            shown = total
        count = f"{shown} of {total}" if shown != total else f"{total}"
        order = "" if self.sort == "date" else f" · by {self.sort}"
        # One line of fixed height: no layout pass (with a big library a relayout of the
        # screen would be most of a filter keystroke).
        self.query_one("#library-title", Static).update(
            f"Library · {count} · {unread} unread{order}", layout=False
        )

    def show_filter(self, text: str) -> None:
        """Open the filter box with ``text`` (used by "offer a library filter with that title")."""
        self.filter_input.value = text
        self.filter_text = text
        self.add_class("-filtering")
        self.article_list.focus()

    # reactive --------------------------------------------------------------------------------
    def watch_sort(self) -> None:
        self._sorted = sort_entries(self._all, self.sort)
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
            return bool(self.filter_text) or self.has_class("-filtering")
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
