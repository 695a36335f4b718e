"""The outline pane: the article's sections as an indented list that follows the reading position.

:class:`OutlineList` is a little over 300 lines: it is one line-API widget (a list of thousands
of headings drawn only where visible) whose keys, folding, highlighting of the current section and
painting all read the same row arrays; split, each part would need all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from termreader.models import Section
from termreader.render.wrap import cell_len
from termreader.text.sanitize import clean_line
from termreader.ui.cursor_list import CursorKeys

MARKER = "▌"
"""Drawn in the first column of the section the reader is in."""

FOLDED, UNFOLDED, LEAF = "▸ ", "▾ ", "  "
"""The fold glyph before a title (a section with sub-sections, folded or not, or none)."""

MIN_TITLE = 8
"""Cells kept for the title however deep a heading is nested (the indent gives way)."""


class OutlineList(CursorKeys, ScrollView, can_focus=True):
    """The sections as an indented list, one line each (line API: only visible rows are drawn).

    Built in one pass over plain index lists (no widget per heading); highlighting and
    moving are O(1) plus a repaint of the rows on screen. Titles are cleaned and fitted only
    when drawn.

    | Key | Action |
    | :- | :- |
    | `j`/`down`, `k`/`up` | Move the cursor. |
    | `pagedown`/`pageup` | Move a page. |
    | `g`/`home`, `G`/`end` | First / last section. |
    | `enter` | Jump to the section. |
    | `space` | Fold or unfold a section's sub-sections. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("g,home", "first", "Top", show=False),
        Binding("G,end", "last", "Bottom", show=False),
        Binding("enter", "select", "Jump"),
        Binding("space", "toggle_fold", "Fold", show=False),
    ]

    COMPONENT_CLASSES = {
        "outline-list--cursor",
        "outline-list--current",
        "outline-list--marker",
        "outline-list--fold",
    }

    DEFAULT_CSS = """
    OutlineList { height: 1fr; overflow-x: hidden; overflow-y: auto; }
    OutlineList > .outline-list--cursor {
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    OutlineList:focus > .outline-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    OutlineList > .outline-list--current { text-style: bold; }
    OutlineList > .outline-list--marker { color: $accent; }
    OutlineList > .outline-list--fold { color: $foreground-darken-2; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    """The highlighted row (an index into the visible rows, not into the sections)."""

    @dataclass
    class Selected(Message):
        """A section was chosen (Enter or click)."""

        outline: OutlineList
        section: Section

        @property
        def control(self) -> OutlineList:
            """The list the section was chosen in."""
            return self.outline

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._sections: list[Section] = []
        self._index_of: dict[str, int] = {}
        self._depth: list[int] = []
        self._up: list[int] = []
        """Per section, the index of the section it nests in (-1 at the top)."""
        self._end: list[int] = []
        """Per section, the index after its last sub-section (``i + 1`` for a leaf)."""
        self._folded: set[int] = set()
        self._rows: list[int] = []
        """Section index of each visible row."""
        self._row_at: list[int] = []
        """Visible row of each section, -1 inside a folded section."""
        self._titles: dict[int, str] = {}
        self._styles: dict[bool, _RowStyles] = {}
        self._current = -1
        self._centre = False
        self._scroll_pending = False

    # data ------------------------------------------------------------------------------------
    def set_sections(self, sections: list[Section]) -> None:
        """Show ``sections`` (O(n), no rendering); folds survive when the anchors are the same."""
        same = len(sections) == len(self._sections) and all(
            a.anchor == b.anchor for a, b in zip(sections, self._sections, strict=True)
        )
        count = len(sections)
        index_of: dict[str, int] = {}
        depth = [0] * count
        parent = [-1] * count
        end = [count] * count
        # A stack of open sections: each heading nests under the nearest shallower one, so a
        # skipped level (h1 then h3) indents one step, not two.
        stack: list[int] = []
        for i, section in enumerate(sections):
            while stack and sections[stack[-1]].level >= section.level:
                end[stack.pop()] = i
            if stack:
                parent[i] = stack[-1]
            depth[i] = len(stack)
            stack.append(i)
            index_of.setdefault(section.anchor, i)
        self._sections = sections
        self._index_of = index_of
        self._depth, self._up, self._end = depth, parent, end
        self._titles = {}
        if not same:
            self._folded = set()
            self._current = -1
        self._recompute_rows()
        self.cursor = self.cursor if same else 0

    def _recompute_rows(self) -> None:
        count = len(self._sections)
        if not self._folded:
            rows = list(range(count))
            row_at = list(rows)
        else:
            rows = []
            row_at = [-1] * count
            end = self._end
            i = 0
            while i < count:
                row_at[i] = len(rows)
                rows.append(i)
                i = end[i] if i in self._folded else i + 1
        self._rows, self._row_at = rows, row_at
        self.virtual_size = Size(self.size.width, len(rows))
        self.refresh()

    @property
    def sections(self) -> list[Section]:
        """All sections, folded or not."""
        return self._sections

    @property
    def row_count(self) -> int:
        """How many rows are visible (sections not hidden in a fold)."""
        return len(self._rows)

    def row_of(self, anchor: str) -> int | None:
        """The visible row of section ``anchor``; None if unknown or hidden in a fold."""
        index = self._index_of.get(anchor)
        if index is None or self._row_at[index] < 0:
            return None
        return self._row_at[index]

    def section_at(self, row: int) -> Section | None:
        """The section shown on visible row ``row``."""
        if 0 <= row < len(self._rows):
            return self._sections[self._rows[row]]
        return None

    @property
    def highlighted(self) -> Section | None:
        """The section under the cursor."""
        return self.section_at(self.cursor)

    @property
    def current(self) -> Section | None:
        """The section marked as where the reader is."""
        return self._sections[self._current] if self._current >= 0 else None

    def move_cursor_to(self, anchor: str, *, centre: bool = False) -> bool:
        """Put the cursor on section ``anchor`` (or on the fold hiding it).

        Returns:
            False if there is no such section.
        """
        index = self._index_of.get(anchor)
        if index is None:
            return False
        self._go(self._visible_row(index), centre=centre)
        return True

    def show_current(self, anchor: str) -> None:
        """Mark section ``anchor`` as the reader's, and move the cursor to it ("" for none)."""
        index = self._index_of.get(anchor, -1) if anchor else -1
        old = self._current
        self._current = index
        if old >= 0 and old != index:
            self.refresh_line(self._visible_row(old))
        if index >= 0:
            # Centred when far: the reader jumped, and the lines around give context.
            self._go(self._visible_row(index), centre=True)

    def _visible_row(self, index: int) -> int:
        """The row of section ``index``, or of the folded section that hides it."""
        while self._row_at[index] < 0:
            index = self._up[index]
        return self._row_at[index]

    def is_folded(self, anchor: str) -> bool:
        """Whether section ``anchor`` has its sub-sections folded away."""
        index = self._index_of.get(anchor)
        return index is not None and index in self._folded

    def toggle_fold(self, row: int) -> None:
        """Fold or unfold the section on ``row`` (nothing for a section without sub-sections)."""
        if not 0 <= row < len(self._rows):
            return
        index = self._rows[row]
        if self._end[index] <= index + 1:
            return
        if index in self._folded:
            self._folded.discard(index)
        else:
            self._folded.add(index)
        self._recompute_rows()
        self._go(self._row_at[index])

    # cursor ----------------------------------------------------------------------------------
    def _go(self, row: int, *, centre: bool = False) -> None:
        self._centre = centre
        self.cursor = row

    def _row_count(self) -> int:
        return len(self._rows)

    def watch_cursor(self, old: int, new: int) -> None:
        centre, self._centre = self._centre, False
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_to_row(new, centre=centre)

    def _scroll_to_row(self, row: int, *, centre: bool = False) -> None:
        """Scroll only if ``row`` is out of view (once laid out, if not yet)."""
        height = self.scrollable_content_region.height
        if height <= 0:
            self._scroll_pending = True
            return
        self._scroll_pending = False
        top = self.scroll_offset.y
        if top <= row < top + height:
            return
        if centre:
            y = row - height // 2
        elif row < top:
            y = row
        else:
            y = row - height + 1
        # Forced: the scrollbar (which allows scrolling) only appears at the next layout, and
        # a list that just grew must scroll now, not a frame later.
        self.scroll_to(y=max(0, y), animate=False, immediate=True, force=True)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._rows))
        if self._scroll_pending:
            self.call_after_refresh(lambda: self._scroll_to_row(self.cursor, centre=True))

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # actions ---------------------------------------------------------------------------------
    def action_select(self) -> None:
        section = self.highlighted
        if section is not None:
            self.post_message(self.Selected(self, section))

    def action_toggle_fold(self) -> None:
        self.toggle_fold(self.cursor)

    def on_click(self, event: events.Click) -> None:
        row = event.y + self.scroll_offset.y
        if not 0 <= row < len(self._rows):
            return
        event.stop()
        index = self._rows[row]
        glyph_at = 1 + 2 * self._indent(index, self.scrollable_content_region.width)
        if glyph_at <= event.x < glyph_at + 2 and self._end[index] > index + 1:
            self.toggle_fold(row)  # a click on ▸/▾ folds, like space
            return
        self.cursor = row
        self.action_select()

    # rendering -------------------------------------------------------------------------------
    def _indent(self, index: int, width: int) -> int:
        """Indent steps of section ``index``: its depth, capped so the title keeps some room."""
        return min(self._depth[index], max(0, (width - 3 - MIN_TITLE) // 2))

    def _title(self, index: int) -> str:
        # Cleaned where drawn (only visible rows pay): headings are untrusted text (issue 6).
        title = self._titles.get(index)
        if title is None:
            title = clean_line(self._sections[index].title) or "(untitled)"
            self._titles[index] = title
        return title

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}

    def _row_styles(self, on_cursor: bool) -> _RowStyles:
        """Styles of a row (plain, fold glyph, marker, current title), once per style change."""
        styles = self._styles.get(on_cursor)
        if styles is None:
            # ``rich_style`` walks the ancestors: computed per focus/theme change, not per line.
            style = (
                self.get_component_rich_style("outline-list--cursor")
                if on_cursor
                else self.rich_style
            )
            partial = self.get_component_rich_style
            styles = _RowStyles(
                style,
                style + partial("outline-list--fold", partial=True),
                style + partial("outline-list--marker", partial=True),
                style + partial("outline-list--current", partial=True),
            )
            self._styles[on_cursor] = styles
        return styles

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if not 0 <= row < len(self._rows) or width <= 0:
            return Strip.blank(width, self._row_styles(False).plain)
        index = self._rows[row]
        styles = self._row_styles(row == self.cursor)
        end = self._end[index]
        # A folded section holding the reader's section is marked in its stead.
        current = index == self._current or (index in self._folded and index < self._current < end)
        if end > index + 1:
            glyph = FOLDED if index in self._folded else UNFOLDED
        else:
            glyph = LEAF
        indent = "  " * self._indent(index, width)
        room = width - 1 - len(indent) - len(glyph)
        title = self._title(index)
        # Fitted by terminal cells, so wide (CJK) titles never overflow the pane.
        if cell_len(title) > room:
            title = set_cell_size(title, room - 1) + "…" if room > 1 else ""
        segments = [
            Segment(MARKER if current else " ", styles.marker),
            Segment(indent + glyph[0], styles.fold),
            Segment(" " + title, styles.current if current else styles.plain),
        ]
        return Strip(segments).adjust_cell_length(width, styles.plain)


class _RowStyles(NamedTuple):
    plain: Style
    fold: Style
    marker: Style
    current: Style


class OutlinePane(Vertical):
    """Holds the outline list and keeps the current section highlighted."""

    @dataclass
    class Jump(Message):
        """The user chose a section to jump to."""

        section: Section

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._sections: list[Section] | Callable[[], list[Section]] = []
        self._built = True
        self._list = OutlineList(id="outline-tree")
        self.current_anchor: str = ""
        """The anchor of the highlighted section ("" before the first heading)."""

    def compose(self) -> ComposeResult:
        yield Static("Outline", id="outline-title", markup=False)
        yield self._list

    @property
    def section_list(self) -> OutlineList:
        """The focusable list widget (the screens focus it)."""
        return self._list

    def set_sections(
        self, sections: list[Section] | Callable[[], list[Section]], count: int | None = None
    ) -> None:
        """Show the outline of a new article (built when the pane is shown).

        ``sections`` may be a function giving them, with their ``count``: a hidden pane then
        never builds 2,000 section objects for an article opened and left.
        """
        self._sections = sections
        self._built = False
        self.current_anchor = ""
        if count is None:
            count = len(sections) if not callable(sections) else len(sections())
        title = f"Outline · {count}" if count else "Outline · no sections"
        self.query_one("#outline-title", Static).update(title, layout=False)  # one fixed line
        if self.display:
            self.ensure_built()

    def ensure_built(self) -> None:
        """Hand the current sections to the list if it does not show them yet."""
        if self._built:
            return
        self._built = True
        if callable(self._sections):
            self._sections = self._sections()
        self.section_list.set_sections(self._sections)
        self.section_list.show_current(self.current_anchor)

    def highlight(self, anchor: str) -> None:
        """Mark section ``anchor`` as the reader's and move the cursor to it (O(1))."""
        self.current_anchor = anchor
        if self._built:
            self.section_list.show_current(anchor)

    @property
    def highlighted(self) -> Section | None:
        """The section under the cursor."""
        return self.section_list.highlighted

    @on(OutlineList.Selected, "#outline-tree")
    def _selected(self, event: OutlineList.Selected) -> None:
        event.stop()
        self.post_message(self.Jump(event.section))
