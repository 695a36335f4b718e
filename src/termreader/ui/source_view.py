"""The library pane's views: every article, the sources with their unread counts, one source, starred."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from termreader.text.sanitize import clean_line
from termreader.ui.article_list import Entry
from termreader.ui.cursor_list import LIST_CURSOR_BINDINGS, CursorKeys

VIEWS = ("all", "sources", "starred")
"""The library pane's views: every article, the list of sources (newsboat's feed list), and the
starred articles. Choosing a source in ``sources`` lists that source's articles."""

NO_SOURCE = "(no source)"
"""How an article without a source is listed among the sources."""


@dataclass(slots=True)
class SourceRow:
    """One source of the library with its article counts."""

    source: str
    """The articles' ``source`` field as stored ("" for none)."""
    total: int
    unread: int

    @property
    def label(self) -> str:
        """The source's name as shown (cleaned of terminal controls)."""
        return clean_line(self.source) or NO_SOURCE


def source_rows(entries: Iterable[Entry]) -> list[SourceRow]:
    """The sources of ``entries`` with their counts, by name (case folded); "no source" last."""
    rows: dict[str, SourceRow] = {}
    for entry in entries:
        article = entry.article
        row = rows.get(article.source)
        if row is None:
            row = rows[article.source] = SourceRow(article.source, 0, 0)
        row.total += 1
        row.unread += article.unread
    return sorted(rows.values(), key=lambda r: (not r.source, r.source.casefold(), r.source))


class LibraryScope:
    """Which articles the library list holds: all, the starred, or one source's.

    A plain object the pane consults before its filter applies; the view ``sources`` shows the
    source list instead of articles.
    """

    def __init__(self) -> None:
        self.view = "all"
        """One of :data:`VIEWS`."""
        self.source: str | None = None
        """The source chosen in the ``sources`` view (its articles are listed), or None."""

    @property
    def lists_sources(self) -> bool:
        """True while the source list, not articles, is on display."""
        return self.view == "sources" and self.source is None

    @property
    def narrowed(self) -> bool:
        """True when the articles listed are a part of the library."""
        return self.source is not None or self.view == "starred"

    def select(self, entries: list[Entry]) -> list[Entry]:
        """The entries this scope keeps, in their order (``entries`` itself when all)."""
        if self.source is not None:
            source = self.source
            return [e for e in entries if e.article.source == source]
        if self.view == "starred":
            return [e for e in entries if e.article.starred]
        return entries

    def label(self) -> str:
        """The pane title's first word(s): where the reader is."""
        if self.source is not None:
            return clean_line(self.source) or NO_SOURCE
        return {"sources": "Sources", "starred": "Starred"}.get(self.view, "Library")


class SourceList(CursorKeys, ScrollView, can_focus=True):
    """The sources of the library, one a line, with unread / total counts (newsboat's feed list).

    | Key | Action |
    | :- | :- |
    | `j`/`down`, `k`/`up` | Move the cursor. |
    | `pagedown`/`pageup` | Move a page. |
    | `g`/`home`, `G`/`end` | First / last source. |
    | `enter` | List the source's articles. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *LIST_CURSOR_BINDINGS,
        Binding("enter", "select", "Articles"),
    ]

    COMPONENT_CLASSES = {"source-list--cursor", "source-list--unread", "source-list--count"}

    DEFAULT_CSS = """
    SourceList { height: 1fr; }
    SourceList > .source-list--cursor { background: $block-cursor-blurred-background; }
    SourceList:focus > .source-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    SourceList > .source-list--unread { color: $accent; text-style: bold; }
    SourceList > .source-list--count { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    """Index of the highlighted source in :attr:`rows`."""

    @dataclass
    class Selected(Message):
        """A source was chosen (Enter or click)."""

        source: str

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[SourceRow] = []
        """The sources on display."""

    def set_rows(self, rows: list[SourceRow], *, keep: str | None = None) -> None:
        """Show ``rows``; the cursor stays on source ``keep`` (or the highlighted one)."""
        if keep is None and self.highlighted is not None:
            keep = self.highlighted.source
        self.rows = rows
        self.virtual_size = Size(self.size.width, len(rows))
        index = next((i for i, r in enumerate(rows) if r.source == keep), 0)
        self.cursor = index
        self.refresh()

    @property
    def highlighted(self) -> SourceRow | None:
        """The source under the cursor."""
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _row_count(self) -> int:
        return len(self.rows)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def watch_cursor(self, value: int) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if value < self.scroll_y:
            self.scroll_to(y=value, animate=False)
        elif value + 1 > self.scroll_y + height:
            self.scroll_to(y=value + 1 - height, animate=False)
        self.refresh()

    def action_select(self) -> None:
        row = self.highlighted
        if row is not None:
            self.post_message(self.Selected(row.source))

    async def _on_click(self, event: events.Click) -> None:
        row = event.y + int(self.scroll_y)
        if 0 <= row < len(self.rows):
            self.cursor = row
            self.action_select()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if index >= len(self.rows) or width <= 0:
            return Strip([Segment(" " * width, base)], width)
        row = self.rows[index]
        count = Text(f" {row.unread}/{row.total} ", no_wrap=True)
        count.stylize(
            self.get_component_rich_style(
                "source-list--unread" if row.unread else "source-list--count"
            )
        )
        name = Text(" " + row.label, no_wrap=True)
        # The name is what gets cut (by cells: CJK names take two a character).
        name.truncate(max(0, width - count.cell_len), overflow="ellipsis", pad=True)
        text = Text.assemble(name, count, no_wrap=True)
        if index == self.cursor:
            text.stylize(self.get_component_rich_style("source-list--cursor"))
        segments = [
            Segment(s.text, base + s.style if s.style else base)
            for s in text.render(self.app.console)
        ]
        return Strip(segments).extend_cell_length(width, base).crop(0, width)
