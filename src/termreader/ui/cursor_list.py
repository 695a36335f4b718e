"""The cursor keys shared by the one-column lists (library list, outline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

LIST_CURSOR_BINDINGS = [
    Binding("j,down", "cursor_down", "Down", show=False),
    Binding("k,up", "cursor_up", "Up", show=False),
    Binding("pagedown,space", "page_down", "Page down", show=False),
    Binding("pageup,b", "page_up", "Page up", show=False),
    Binding("g,home", "first", "First", show=False),
    Binding("G,end", "last", "Last", show=False),
]
"""The cursor keys of a list of articles or sources (the outline keeps space for folding)."""


class CursorKeys:
    """Mixin for a list widget with a ``cursor`` reactive (a row index): clamps the cursor and
    moves it by a row, a page, or to either end. The widget says how many rows it has
    (:meth:`_row_count`) and how many rows a page is (:meth:`_page`)."""

    if TYPE_CHECKING:  # provided by the widget
        cursor: int

    def _row_count(self) -> int:
        raise NotImplementedError

    def _page(self) -> int:
        raise NotImplementedError

    def validate_cursor(self, value: int) -> int:
        count = self._row_count()
        return max(0, min(value, count - 1)) if count else 0

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_page_down(self) -> None:
        self.cursor += self._page()

    def action_page_up(self) -> None:
        self.cursor -= self._page()

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self._row_count() - 1
