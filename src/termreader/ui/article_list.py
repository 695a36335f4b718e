"""A virtualised list of library articles (line API: only the visible rows are rendered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from termreader.library.query import Query, haystack, mark_word_starts
from termreader.models import DATE_FROM_FILE, Article
from termreader.text.sanitize import clean_line
from termreader.ui.cursor_list import LIST_CURSOR_BINDINGS, CursorKeys

ROW_HEIGHT = 2
"""Each article takes two lines: the title, then source · date · progress."""

STAR_MARK = "★"
"""The mark of a starred (kept) article in the list, on its second line."""

STRIP_CACHE = 2000
"""Drawn row lines kept (a few screens' worth, both lines of a row, with and without the
cursor); the cache starts afresh past this."""

SORTS = ("date", "title", "source")
"""Sort orders, in the order ``s`` cycles through them."""


@dataclass(slots=True)
class Entry:
    """One article of the list, with its folded search text computed once."""

    article: Article
    marked: str
    """Title, source and tags as :func:`~termreader.library.query.haystack` folds them, with
    word starts marked (:func:`~termreader.library.query.mark_word_starts`)."""
    sort_date: str

    @classmethod
    def of(cls, article: Article) -> Entry:
        """Build an entry from article metadata."""
        hay = mark_word_starts(haystack(article.title, article.source, *article.tags))
        when = article.published or article.fetched
        return cls(article, hay, when.isoformat() if when else "")


_MARKED = attrgetter("marked")


def filter_entries(
    entries: list[Entry], query: str, *, typed_from: tuple[str, list[Entry]] | None = None
) -> list[Entry]:
    """Entries whose title, source or tags contain every word of ``query``: the library's one
    matching rule (:class:`termreader.library.query.Query`), as ``termreader list --query``.

    ``typed_from``: (an earlier query, its result from the same ``entries``). When ``query``
    extends it, as each keystroke does, only that result is searched, for the new words only.
    """
    wanted = Query(query)
    if typed_from is not None:
        before_text, before = typed_from
        narrower = wanted.narrowing(Query(before_text), before_text, query)
        if narrower is not None:
            return narrower.select_marked(before, _MARKED)
    return wanted.select_marked(entries, _MARKED)


def sort_entries(entries: list[Entry], order: str) -> list[Entry]:
    """Sort by ``date`` (newest first), ``title`` or ``source`` (then newest first)."""
    if order == "title":
        return sorted(entries, key=lambda e: e.article.title.casefold())
    if order == "source":
        by_date = sorted(entries, key=lambda e: e.sort_date, reverse=True)
        return sorted(by_date, key=lambda e: e.article.source.casefold())
    return sorted(entries, key=lambda e: e.sort_date, reverse=True)


def format_date(when: datetime | None) -> str:
    """A compact, clock-free date for the list (``2026-03-14``)."""
    return when.strftime("%Y-%m-%d") if when else ""


FILE_DATE_MARK = " (file date)"
"""Said after the date of an undated file, dated by its modification time."""


def date_label(article: Article) -> str:
    """The article's date for the list and the header, marked when it is a file's date."""
    label = format_date(article.published or article.fetched)
    if label and article.published and article.date_source == DATE_FROM_FILE:
        label += FILE_DATE_MARK
    return label


def percent_of(value: float) -> int:
    """A stored reading progress (``Position.percent``, 0–100) as a whole percentage."""
    return max(0, min(100, round(value)))


class ArticleList(CursorKeys, ScrollView, can_focus=True):
    """The library's article list. Stays fast with tens of thousands of articles.

    | Key | Action |
    | :- | :- |
    | `j`/`down`, `k`/`up` | Move the cursor. |
    | `pagedown`/`pageup` | Move a page. |
    | `g`/`home`, `G`/`end` | First / last article. |
    | `enter` | Open the highlighted article. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *LIST_CURSOR_BINDINGS,
        Binding("enter", "select", "Open", id="open_article"),
    ]

    COMPONENT_CLASSES = {
        "article-list--cursor",
        "article-list--title",
        "article-list--unread",
        "article-list--meta",
        "article-list--current",
        "article-list--star",
    }

    DEFAULT_CSS = """
    ArticleList { height: 1fr; }
    ArticleList > .article-list--cursor { background: $block-cursor-blurred-background; }
    ArticleList:focus > .article-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    ArticleList > .article-list--unread { color: $accent; text-style: bold; }
    ArticleList > .article-list--meta { color: $text-muted; }
    ArticleList > .article-list--current { text-style: bold underline; }
    ArticleList > .article-list--star { color: $warning; text-style: bold; }
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """The rows' height: a filter keystroke changes it, which must not lay the screen out
    again (the list's box keeps its size; see :meth:`set_entries`)."""

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    """Index of the highlighted row in :attr:`shown`."""

    current_id: reactive[str] = reactive("", init=False)
    """The id of the article open in the reader (marked in the list)."""

    @dataclass
    class Selected(Message):
        """An article was chosen (Enter or click)."""

        article: Article

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.shown: list[Entry] = []
        """The rows on display, filtered and sorted."""
        self._styles: tuple[Style, Style] | None = None  # (base, cursor) during a repaint
        self._strips: dict[tuple[object, ...], Strip] = {}  # a row's drawn line by what it shows

    # data ------------------------------------------------------------------------------------
    def set_entries(self, entries: list[Entry], *, keep: str | None = None) -> None:
        """Show ``entries``; keep the cursor on article ``keep`` (or the current one) if present."""
        keep = keep or (self.highlighted.id if self.highlighted else None)
        self.shown = entries
        size = Size(self.size.width, len(entries) * ROW_HEIGHT)
        if size != self.virtual_size:
            self.virtual_size = size
            # The scrollbar's thumb and the scroll range follow the new height; only a
            # scrollbar appearing or going (a reactive of its own) lays the screen out again.
            self._scroll_update(size)
        index = 0
        if keep:
            index = next((i for i, e in enumerate(entries) if e.article.id == keep), 0)
        self.cursor = index
        self.refresh()

    @property
    def highlighted(self) -> Article | None:
        """The article under the cursor."""
        if 0 <= self.cursor < len(self.shown):
            return self.shown[self.cursor].article
        return None

    def index_of(self, article_id: str) -> int | None:
        """The row of ``article_id`` among the shown entries, or None."""
        return next((i for i, e in enumerate(self.shown) if e.article.id == article_id), None)

    def replace_article(self, article: Article) -> None:
        """Refresh one row after its reading state changed."""
        for entry in self.shown:
            if entry.article.id == article.id:
                entry.article = article
        self.refresh()

    # reactive --------------------------------------------------------------------------------
    def _row_count(self) -> int:
        return len(self.shown)

    def watch_cursor(self, value: int) -> None:
        top = value * ROW_HEIGHT
        self.scroll_to_region_lines(top)
        self.refresh()

    def watch_current_id(self) -> None:
        self.refresh()

    def scroll_to_region_lines(self, top: int) -> None:
        """Scroll so rows ``top``..``top+ROW_HEIGHT`` are visible."""
        height = self.scrollable_content_region.height or self.size.height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False)
        elif top + ROW_HEIGHT > self.scroll_y + height:
            self.scroll_to(y=top + ROW_HEIGHT - height, animate=False)

    # actions ---------------------------------------------------------------------------------
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height // ROW_HEIGHT)

    def action_select(self) -> None:
        article = self.highlighted
        if article is not None:
            self.post_message(self.Selected(article))

    async def _on_click(self, event: events.Click) -> None:
        row = (event.y + int(self.scroll_y)) // ROW_HEIGHT
        if 0 <= row < len(self.shown):
            self.cursor = row
            self.action_select()

    # rendering -------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _line_styles(self) -> tuple[Style, Style]:
        return self.rich_style, self.get_component_rich_style("article-list--cursor")

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style walks its ancestors: worked out once per repaint, not per line.
        self._styles = self._line_styles()
        try:
            return super().render_lines(crop)
        finally:
            self._styles = None

    def render_line(self, y: int) -> Strip:
        line = int(self.scroll_y) + y
        width = self.scrollable_content_region.width or self.size.width
        base, cursor_style = self._styles or self._line_styles()
        row, part = divmod(line, ROW_HEIGHT)
        if row >= len(self.shown) or width <= 0:
            return Strip([Segment(" " * width, base)], width)
        article = self.shown[row].article
        # Rows are drawn again at each keystroke of the filter and each cursor move: a row
        # whose shown fields did not change reuses its strip (articles are also changed in
        # place, so the key is what the row shows, not the article object).
        if part == 0:
            key: tuple[object, ...] = (
                article.title,
                article.unread,
                article.id == self.current_id,
            )
        else:
            key = (
                article.published,
                article.fetched,
                article.date_source,
                article.finished,
                article.position.percent if article.position else 0,
                article.source,
                article.starred,
            )
        is_cursor = row == self.cursor
        key = (part, width, base, cursor_style if is_cursor else None, *key)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > STRIP_CACHE:
                self._strips.clear()
            text = self._row_text(article, part, width)
            if is_cursor:
                text.stylize(cursor_style)
            segments = [
                Segment(s.text, base + s.style if s.style else base)
                for s in text.render(self.app.console)
            ]
            strip = Strip(segments).extend_cell_length(width, base).crop(0, width)
            self._strips[key] = strip
        return strip

    def _row_text(self, article: Article, part: int, width: int) -> Text:
        if part == 0:
            marker = Text(
                "● " if article.unread else "  ",
                self.get_component_rich_style("article-list--unread"),
            )
            # Cleaned where drawn (only visible rows pay): a record stored before cleaning,
            # or by another tool, must not reach the terminal with its controls (issue 6).
            title = Text(clean_line(article.title) or "(untitled)", no_wrap=True)
            if article.id == self.current_id:
                title.stylize(self.get_component_rich_style("article-list--current"))
            elif article.unread:
                title.stylize(Style(bold=True))
            text = Text.assemble(" ", marker, title, no_wrap=True)
        else:
            # Date and progress first: a long source name is what gets cut.
            bits = [date_label(article)]
            percent = percent_of(article.position.percent) if article.position else 0
            if article.finished:
                bits.append("read")
            elif percent:
                bits.append(f"{percent}%")
            bits.append(clean_line(article.source))
            meta = self.get_component_rich_style("article-list--meta")
            text = Text("   " + " · ".join(b for b in bits if b), meta, no_wrap=True)
            if article.starred:
                # The mark of a kept article sits under the unread dot: the title's column
                # stays put, and the two marks never share a cell.
                star = self.get_component_rich_style("article-list--star")
                text = Text.assemble(" ", (STAR_MARK, star), text[2:], no_wrap=True)
                text.stylize(meta, 0, 1)
        # Truncate by terminal cells, so wide (CJK) titles never overflow the pane.
        text.truncate(width, overflow="ellipsis", pad=True)
        return text
