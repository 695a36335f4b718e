"""The reading pane: an article drawn line by line (Textual line API), fast on huge documents.

``ReaderView`` is longer than a widget should be (about 850 lines) because it is the pane's whole
public face: the main screen, link following, the reading state and the tests use some 25 of
its members, and it declares 16 key actions, 4 messages and the component CSS. The work behind
them lives elsewhere: the steps run between frames in :mod:`termreader.render.pipeline`, the
arithmetic of places in :mod:`termreader.render.position`, drawing in
:mod:`termreader.ui.reader_paint`. What is left is Textual's side (keys, scrolling, the
virtual size, repaints, messages), a few lines a member.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from termreader.models import Article, Link, Position, Section
from termreader.render.find import Finder
from termreader.render.layout import Layout
from termreader.render.lines import content_width
from termreader.render.model import Document
from termreader.render.pipeline import Appendix, Pipeline
from termreader.render.position import (
    anchored_line,
    code_in_view,
    code_match_shift,
    expose,
    heading_after,
    heading_before,
    position_at,
    section_at,
    settle,
    sideways_room,
    top_anchor,
)
from termreader.render.wrap import wrap_spans
from termreader.text.sanitize import clean
from termreader.ui.reader_paint import COMPONENTS, LinePainter

_STRIP_CACHE = 400
"""Drawn lines kept (a few screens' worth)."""


class ReaderView(ScrollView, can_focus=True):
    """Shows one article; only the visible lines are ever styled.

    | Key | Action |
    | :- | :- |
    | `j` / `down`, `k` / `up` | Line down / up. |
    | `space` / `pagedown`, `b` / `pageup` | Page down / up. |
    | `d`, `u` | Half a page down / up. |
    | `g` / `home`, `G` / `end` | Top / bottom. |
    | `]`, `[` | Next / previous section (any level). |
    | `}`, `{` | Next / previous top-level section. |
    | `w` | Wrap code and tables, or draw them unwrapped (scrolled with `left` / `right`). |
    | `left`, `right` | Scroll unwrapped code and tables sideways. |
    | `c` | Copy the code block on screen (whole, unbroken). |

    Each binding's ``id`` is its action name, so ``config.toml`` key overrides can remap it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "line_down", "Down", show=False, id="line_down"),
        Binding("k,up", "line_up", "Up", show=False, id="line_up"),
        Binding(
            "space,pagedown", "page_down", "Page", show=True, key_display="spc", id="page_down"
        ),
        Binding("b,pageup", "page_up", "Page up", show=False, id="page_up"),
        Binding("d", "half_down", "Half page down", show=False, id="half_down"),
        Binding("u", "half_up", "Half page up", show=False, id="half_up"),
        Binding("g,home", "top", "Top", show=True, id="top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="bottom"),
        Binding(
            "right_square_bracket",
            "next_section",
            "Next section",
            show=True,
            key_display="]",
            id="next_section",
        ),
        Binding(
            "left_square_bracket",
            "prev_section",
            "Prev section",
            show=True,
            key_display="[",
            id="prev_section",
        ),
        Binding(
            "right_curly_bracket",
            "next_top_section",
            "Next chapter",
            show=False,
            id="next_top_section",
        ),
        Binding(
            "left_curly_bracket",
            "prev_top_section",
            "Prev chapter",
            show=False,
            id="prev_top_section",
        ),
        Binding("w", "toggle_wrap", "Wrap code", show=False, id="toggle_wrap"),
        Binding("left", "pan_left", "Code left", show=False, id="pan_left"),
        Binding("right", "pan_right", "Code right", show=False, id="pan_right"),
        Binding("c", "copy_code", "Copy code", show=False, id="copy_code"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENTS

    DEFAULT_CSS = """
    ReaderView {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        background: $surface;
        color: $foreground;
    }
    /* Solid theme colours only: translucent ones ($boost, $text-muted) are not blended in
       line-API styles. */
    ReaderView > .reader--heading-1 { text-style: bold underline; color: $text-accent; }
    ReaderView > .reader--heading-2 { text-style: bold; color: $text-accent; }
    ReaderView > .reader--heading-3 { text-style: bold; color: $text-secondary; }
    ReaderView > .reader--heading-4 { text-style: bold italic; }
    ReaderView > .reader--heading-5 { text-style: italic; }
    ReaderView > .reader--heading-6 { text-style: italic; color: $foreground-darken-2; }
    ReaderView > .reader--link { text-style: underline; color: $text-primary; }
    ReaderView > .reader--linknum { color: $foreground-darken-3; }
    ReaderView > .reader--hint { text-style: bold; background: $warning; color: $background; }
    ReaderView > .reader--code { background: $surface-lighten-1; color: $text-warning; }
    ReaderView > .reader--codeblock { background: $surface-lighten-1; }
    ReaderView > .reader--code-continuation { color: $foreground-darken-3; }
    ReaderView > .reader--quote { text-style: italic; color: $foreground-darken-2; }
    ReaderView > .reader--quote-bar { color: $primary; }
    ReaderView > .reader--bullet { color: $accent; }
    ReaderView > .reader--rule { color: $primary-darken-1; }
    ReaderView > .reader--table-border { color: $primary-darken-1; }
    ReaderView > .reader--image { color: $text-secondary; text-style: italic; }
    ReaderView > .reader--match { background: $warning-muted; }
    ReaderView > .reader--match-current { background: $warning; color: $background; text-style: bold; }
    ReaderView > .reader--backtop { color: $text-primary; text-style: bold; }
    ReaderView > .reader--message { color: $foreground-darken-2; text-style: italic; }
    ReaderView > .reader--error { color: $text-error; text-style: bold; }
    """

    reading_width: reactive[int] = reactive(100)
    """Maximum width in cells of the reading column (centred in the pane)."""

    show_link_hints: reactive[bool] = reactive(False)
    """When True, link numbers are shown prominently (for following a link by number)."""

    wrap_code: reactive[bool] = reactive(True)
    """When False, code blocks and tables are drawn unwrapped, a column-wide window of them
    scrolled sideways with left/right (as ``less -S`` does)."""

    shift: reactive[int] = reactive(0)
    """Cells the unwrapped code and tables are scrolled sideways (each block only as far as it
    is wide)."""

    @dataclass
    class SectionChanged(Message):
        """The section at the top of the view changed."""

        reader: ReaderView
        section: Section | None

        @property
        def control(self) -> ReaderView:
            """The reader that sent the message."""
            return self.reader

        def can_replace(self, message: Message) -> bool:
            # A newer section change for the same reader supersedes this one (message floods
            # while holding `j` are coalesced).
            return isinstance(message, ReaderView.SectionChanged) and message.reader is self.reader

    @dataclass
    class PositionChanged(Message):
        """The view scrolled (coalesced: only the latest position is delivered).

        Attributes:
            position: Section anchor + offset (what to save), with ``percent`` filled in.
            percent: How far through the article, 0..100 (``ReaderView.progress`` is 0..1).
            at_end: True when the bottom of the article is on screen (the article is read).
        """

        reader: ReaderView
        position: Position
        percent: float
        at_end: bool

        @property
        def control(self) -> ReaderView:
            """The reader that sent the message."""
            return self.reader

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ReaderView.PositionChanged) and message.reader is self.reader

    @dataclass
    class LinkActivated(Message):
        """A link was clicked (links to a section of this article are followed in place)."""

        reader: ReaderView
        link: Link

        @property
        def control(self) -> ReaderView:
            """The reader that sent the message."""
            return self.reader

    @dataclass
    class DocumentReady(Message):
        """The document is parsed and laid out, and holds something new worth caching.

        Posted once an uncached parse is complete, and after a document was laid out in full at
        a width it had no saved line counts for. The app stores ``codec.to_bytes(document)`` with
        ``Library.write_cache(article.id, cache_name(), data)`` (off the UI thread if it can).
        """

        reader: ReaderView
        article: Article
        document: Document

        @property
        def control(self) -> ReaderView:
            """The reader that sent the message."""
            return self.reader

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._work = Pipeline(
            set_timer=self.set_timer,
            run_thread=partial(self.run_worker, thread=True),
            call_from_thread=self._call_from_thread,
            top_line=lambda: round(self.scroll_y),
            on_layout=self._layout_extended,
            on_append=self._blocks_appended,
            on_highlighters=self._highlighters_loaded,
            on_damaged=self._reparse,
            on_ready=self._document_ready,
        )
        self._paint = LinePainter(self, self._work.highlighter_loaded, lambda: self.show_link_hints)
        self._message: tuple[str, bool] | None = None
        self._pending_position: Position | None = None
        self._last_section: object = object()
        self._anchoring = False  # the view is being moved to keep its top line (not by the reader)
        self._stick_bottom = False
        self._strips: LRUCache[int, Strip] = LRUCache(_STRIP_CACHE)
        self._size_stale = False  # the virtual size waits for a quiet moment (see _sync_size)
        self.width_hint = 0
        """The pane's expected text width before Textual has laid the reader out (0: unknown).
        Right, the first frame needs one layout; wrong, the reader lays out again (as without)."""
        self._drawn_pane = 0  # the pane width the cached lines were drawn for
        self._appendix: Appendix | None = None
        # The saved percentage of a restored position, reported until the reader moves: below
        # the restored place line counts may be estimates, and the related section is appended
        # once the document is whole, so a progress measured now could say 47 % where the text
        # is at 93 %.
        self._restored_percent: float | None = None
        self._restoring = False

    # --- public API ---------------------------------------------------------------------------
    @property
    def article(self) -> Article | None:
        """The article shown (None while empty or showing a message)."""
        return self._work.article

    @property
    def document(self) -> Document | None:
        """The render form of the article shown (may still be growing; see ``complete``)."""
        return self._work.document

    @property
    def layout_(self) -> Layout | None:
        """The current line layout (None when nothing is shown)."""
        return self._work.layout

    @property
    def progress(self) -> float:
        """How far through the article the view is, 0..1 (1 at the bottom)."""
        known = self._restored_percent
        if known is not None:
            return max(0.0, min(1.0, known / 100))
        if self.max_scroll_y <= 0:
            return 1.0 if self._work.layout else 0.0
        return min(1.0, self.scroll_y / self.max_scroll_y)

    @property
    def moving(self) -> bool:
        """True while the reader scrolls (or an article was just opened): background work
        waits for it."""
        return self._work.moving

    def show_article(
        self,
        article: Article,
        *,
        document: Document | None = None,
        position: Position | None = None,
        body_pending: bool = False,
    ) -> None:
        """Show ``article``; parse its body unless a cached ``document`` of that body is given.

        ``body_pending``: the article has no body yet (its render cache is shown first); the
        caller fills it in and calls :meth:`check_body`.

        A big body is parsed chunk by chunk: the first screen appears at once, the rest is
        parsed in a worker thread and appended (:class:`DocumentReady` is posted at the end).
        """
        self._message = None
        self._paint.forget_code()
        self.set_reactive(ReaderView.shift, 0)
        # The same article parsed again (a damaged cache) keeps its appendix; another drops it.
        appendix = self._appendix if article is self._work.article else None
        self._appendix = None
        builder = self._work.open(article, document, body_pending=body_pending)
        self._pending_position = None
        self._relayout(keep_position=False)
        self._scroll_line(0)
        self._settle_view()
        self._restored_percent = None
        if position is not None and (position.anchor or position.offset or position.percent):
            self._restoring = True
            try:
                self.restore_position(position)
            finally:
                self._restoring = False
            if position.percent:
                self._restored_percent = position.percent
        self._work.start(builder)
        if appendix is not None:
            self.set_appendix(appendix)
        self._last_section = object()
        self._emit_scroll_messages()
        self._work.settled()

    def set_appendix(self, make: Appendix | None) -> None:
        """Show what ``make(document)`` builds after the body (the related section) once the
        document is whole (see :meth:`termreader.render.pipeline.Pipeline.set_appendix`)."""
        self._appendix = make
        self._work.set_appendix(make)

    def appendix_link(self, link: Link) -> int | None:
        """The number of ``link`` when it is one of the appendix's links, else None."""
        document = self._work.document
        if document is None or document.appendix_from is None:
            return None
        links = document.links
        for index in range(document.appendix_links_from, len(links)):
            if links[index] is link:
                return index + 1
        return None

    def check_body(self, *, verified: bool = False) -> None:
        """The article's body has arrived (``show_article(..., body_pending=True)``): if the
        cached form shown was made from another version of it, parse the body instead.

        ``verified``: the caller already matched the form against the body's fingerprint
        (the store's index keeps it), so the body is not hashed again."""
        if self._work.body_arrived(verified=verified):
            self._reparse()

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Replace the content with a one-line state (loading, error); never a traceback."""
        self._work.clear()
        self._message = (clean(text), error)
        _, width = self._column()
        lines = wrap_spans([(self._message[0], "")], width)
        self.virtual_size = Size(self._pane_width(), len(lines) + 2)
        self._scroll_line(0)
        self._invalidate()

    def current_section(self) -> Section | None:
        """The section containing the top visible line."""
        layout, document = self._work.layout, self._work.document
        if layout is None or document is None:
            return None
        return section_at(layout, document, round(self.scroll_y))

    def goto_anchor(self, anchor: str, offset: int = 0) -> bool:
        """Scroll so the heading with ``anchor`` (plus ``offset`` lines) is at the top.

        Returns False for an unknown anchor. While a big article is still being parsed, an
        anchor not parsed yet is remembered and reached as soon as it is (returns True).
        """
        document = self._work.document
        if self._work.layout is None or document is None:
            return False
        index = document.anchors.get(anchor)
        if index is None:
            if not document.complete:
                self._pending_position = Position(anchor=anchor, offset=offset)
                return True
            return False
        self._place_at(index, offset)
        return True

    def next_section(self, top_level: bool = False) -> None:
        """Scroll to the next section heading below the top line."""
        if self._work.layout is not None:
            line = heading_after(self._work.layout, round(self.scroll_y), top_level)
            if line is not None:
                self._place(line)

    def prev_section(self, top_level: bool = False) -> None:
        """Scroll to the previous section heading above the top line (or the top)."""
        if self._work.layout is not None:
            self._place(heading_before(self._work.layout, round(self.scroll_y), top_level))

    def reading_position(self) -> Position:
        """The position as a section anchor plus lines into it, and the percentage (0..100)."""
        percent = round(self.progress * 100, 1)
        layout, document = self._work.layout, self._work.document
        if layout is None or document is None:
            return Position(percent=percent)
        return position_at(layout, document, round(self.scroll_y), percent)

    def restore_position(self, position: Position) -> None:
        """Scroll to a saved position (waits for the anchor if it is not parsed yet)."""
        document = self._work.document
        if self._work.layout is None or document is None:
            return
        if position.anchor:
            index = document.anchors.get(position.anchor)
            if index is not None:
                self._place_at(index, position.offset)
                return
            if not document.complete:
                self._pending_position = position
                return
            self._place(round(self.max_scroll_y * position.percent / 100))
            # The anchor may be in what is appended after the body (the related section).
            self._pending_position = position
            return
        self._place(position.offset)

    def find(self, query: str) -> int:
        """Highlight every match of ``query`` (case-insensitive) and jump to the first at/after
        the top line; returns the number of matches."""
        finder = Finder(clean(query).replace("\n", " "))
        layout, document = self._work.layout, self._work.document
        if layout is None or document is None:
            finder = Finder()
        else:
            finder.search(document)
        self._work.finder = finder
        if finder.hits:
            assert layout is not None
            finder.current = finder.first_from(round(self.scroll_y), layout)
            self._show_match()
        self._invalidate()
        return len(finder)

    def find_next(self) -> None:
        """Go to the next match (wrapping around)."""
        if self._work.finder.hits:
            self._work.finder.step(1)
            self._show_match()

    def find_prev(self) -> None:
        """Go to the previous match (wrapping around)."""
        if self._work.finder.hits:
            self._work.finder.step(-1)
            self._show_match()

    def clear_find(self) -> None:
        """Remove the match highlights."""
        self._work.finder = Finder()
        self._invalidate()

    @property
    def match_count(self) -> int:
        """Number of matches of the last :meth:`find`."""
        return len(self._work.finder)

    @property
    def current_match_index(self) -> int:
        """Which match is current, 1-based (0 without matches): "3" of "3 of 57"."""
        return self._work.finder.current_number

    @property
    def current_match_line(self) -> int | None:
        """Layout line of the current match (None without matches)."""
        finder, layout = self._work.finder, self._work.layout
        if not finder.hits or layout is None:
            return None
        return finder.line(finder.current, layout)

    def link(self, number: int) -> Link | None:
        """The link numbered ``number`` (1-based, document order)."""
        document = self._work.document
        if document is None or not 1 <= number <= len(document.links):
            return None
        return document.links[number - 1]

    # --- actions ------------------------------------------------------------------------------
    def action_line_down(self) -> None:
        self._scroll_line(self.scroll_y + 1)

    def action_line_up(self) -> None:
        self._scroll_line(self.scroll_y - 1)

    def action_page_down(self) -> None:
        self._scroll_line(self.scroll_y + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._scroll_line(self.scroll_y - max(1, self.scrollable_content_region.height - 1))

    def action_half_down(self) -> None:
        self._scroll_line(self.scroll_y + max(1, self.scrollable_content_region.height // 2))

    def action_half_up(self) -> None:
        self._scroll_line(self.scroll_y - max(1, self.scrollable_content_region.height // 2))

    def action_top(self) -> None:
        self._scroll_line(0)

    def action_bottom(self) -> None:
        layout = self._work.layout
        if layout is not None:
            # Only the last screen needs exact heights; lines above it may stay estimated.
            if layout.ensure_up(layout.block_count, self.scrollable_content_region.height + 2):
                self._sync_size()
        self._scroll_line(self.max_scroll_y, stick_bottom=True)

    def action_next_section(self) -> None:
        self.next_section()

    def action_prev_section(self) -> None:
        self.prev_section()

    def action_next_top_section(self) -> None:
        self.next_section(top_level=True)

    def action_prev_top_section(self) -> None:
        self.prev_section(top_level=True)

    # --- events -------------------------------------------------------------------------------
    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Textual pulling the view back to the end when the content is shorter than the place
        # restored (the related section is appended later) is not the reader moving.
        clamped = new_value < old_value and round(new_value) == round(self.max_scroll_y)
        if not self._anchoring and not (clamped and self._restored_percent is not None):
            self._work.moved()
            if new_value < old_value:
                self._stick_bottom = False  # the reader scrolled up (wheel, bar): stop following
            if round(old_value) != round(new_value):
                self._pending_position = None  # the reader moved: forget a jump still waiting
                if not self._restoring:
                    self._restored_percent = None
        if round(old_value) != round(new_value):
            self._settle_view()
            self._emit_scroll_messages()

    def watch_reading_width(self) -> None:
        self._relayout()

    def watch_wrap_code(self) -> None:
        self.shift = 0
        self._relayout()

    def validate_shift(self, shift: int) -> int:
        return max(0, shift)

    def watch_shift(self) -> None:
        self._invalidate()

    def action_toggle_wrap(self) -> None:
        self.wrap_code = not self.wrap_code
        self.notify(
            "Code and tables wrapped"
            if self.wrap_code
            else "Code and tables unwrapped: ← / → scroll them sideways",
            timeout=3,
        )

    def action_pan_right(self) -> None:
        if not self.wrap_code:
            self.shift = min(self.shift + self._pan_step(), self._widest_on_screen())

    def action_pan_left(self) -> None:
        if not self.wrap_code:
            self.shift -= self._pan_step()

    def action_copy_code(self) -> None:
        code = self.code_on_screen()
        if code is None:
            self.notify("No code block on screen", severity="warning", timeout=3)
            return
        # Through the terminal (OSC 52), which cannot say whether it took it: say what was sent.
        self.app.copy_to_clipboard(code)
        lines = code.count("\n") + 1
        self.notify(
            f"Code block ({lines} line{'s' if lines != 1 else ''}) sent to the terminal's clipboard",
            timeout=3,
        )

    def code_on_screen(self) -> str | None:
        """The text of the first code block with a line on screen (None when there is none)."""
        layout, document = self._work.layout, self._work.document
        if layout is None or document is None:
            return None
        height = self.scrollable_content_region.height
        return code_in_view(layout, document, round(self.scroll_y), height)

    def _pan_step(self) -> int:
        return max(4, self._column()[1] // 2)

    def _widest_on_screen(self) -> int:
        layout, document = self._work.layout, self._work.document
        if layout is None or document is None:
            return 0
        height = self.scrollable_content_region.height
        return sideways_room(layout, document, round(self.scroll_y), height)

    def watch_show_link_hints(self) -> None:
        self._paint.forget_styles()
        self._invalidate()

    def on_unmount(self) -> None:
        self._work.close()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        # The progress depends on the pane's height: an article opened before the first layout
        # (at start) reported it against a pane of no height.
        self._emit_scroll_messages()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._paint.forget_styles()
        self._paint.forget_code()
        self._strips = LRUCache(_STRIP_CACHE)

    def on_click(self, event: events.Click) -> None:
        meta = event.style.meta if event.style else {}
        if meta.get("backtop"):
            event.stop()
            self.action_top()
            return
        number = meta.get("link")
        if not number:
            return
        event.stop()
        link = self.link(int(number))
        if link is None:
            return
        if link.url.startswith("#") and self.goto_anchor(link.url[1:]):
            return
        self.post_message(self.LinkActivated(self, link))

    def render_line(self, y: int) -> Strip:
        layout = self._work.layout
        if layout is not None and self._message is None and layout.width != self._column()[1]:
            # The pane's width changed and its resize event is not handled yet (the first
            # frame, a scrollbar that came or went): lay out at the new width before drawing.
            self._relayout(repaint=False)
        line_no = round(self.scroll_y) + y
        # Scrolling repaints every row: keep drawn lines, so a scroll draws only the new ones.
        strip = self._strips.get(line_no)
        if strip is None:
            strip = self._render_line(line_no)
            self._strips[line_no] = strip
        return strip

    def _render_line(self, line_no: int) -> Strip:
        width = self._drawn_pane = self._pane_width()
        left, column = self._column()
        if self._message is not None:
            text, error = self._message
            return self._paint.message(line_no, text, error, left, column, width)
        layout = self._work.layout
        if layout is None or line_no >= layout.total_lines:
            return Strip.blank(width, self.rich_style)
        if layout.width != column:  # cannot happen after render_line's check; kept safe
            self.call_later(self._relayout)
        return self._paint.line(
            line_no, layout, self._work.document, self._work.finder, left, width, self.shift
        )

    # --- scrolling ----------------------------------------------------------------------------
    def _scroll_line(self, y: float, *, stick_bottom: bool = False) -> None:
        # `G` while the rest of the article is still being parsed or laid out keeps following
        # the end as it grows, until another move.
        self._stick_bottom = stick_bottom
        # scroll_to clamps to the virtual size: make sure it is the current layout's, not the
        # previous (shorter) article's, or a jump right after show_article would be cut short.
        layout = self._work.layout
        if layout is not None and self.virtual_size.height != layout.total_lines:
            self.virtual_size = Size(self._pane_width(), layout.total_lines)
        # force: right after show_article the scrollbar is not laid out yet, and Textual would
        # refuse the scroll as "not scrollable".
        self.scroll_to(y=max(0, round(y)), animate=False, immediate=True, force=True)

    def _pane_width(self) -> int:
        width = self.scrollable_content_region.width or self.size.width
        return max(1, width or self.width_hint or 80)

    def _column(self) -> tuple[int, int]:
        """(left margin, column width) of the reading column."""
        pane = self._pane_width()
        width = max(8, min(self.reading_width, pane - 2))
        return max(0, (pane - width) // 2), width

    def _relayout(self, *, keep_position: bool = True, repaint: bool = True) -> None:
        if self._work.document is None:
            return
        old = self._work.layout
        _, width = self._column()
        if old is not None and old.width == width and old.wrap == self.wrap_code:
            self._sync_size()
            self._settle_view()
            if self._pane_width() != self._drawn_pane:
                self._invalidate()  # same column, new margins (lines are drawn pane-wide)
            return
        # The top line's block and line in it (scaled to the block's new height) stay on top.
        anchor: tuple[int, float] | None = None
        at_end = False
        if keep_position and old is not None:
            at_end = 0 < self.max_scroll_y <= self.scroll_y
            anchor = top_anchor(old, round(self.scroll_y))
        layout = self._work.layout_for(width, self.wrap_code)
        # The code highlight cache holds whole source lines: it does not depend on the width.
        # Drawing now (the first frame at the pane's real width): a new virtual size would make
        # Textual lay the screen out and draw it again; it can wait unless the end is near.
        self._sync_size(urgent=repaint)
        if at_end:
            self.action_bottom()  # a reader at the end stays at the end
        elif anchor is not None and (repaint or anchor != (0, 0.0)):
            self._place(anchored_line(layout, anchor))
        if repaint:
            self._invalidate()
        else:
            self._strips.clear()  # drawing now: only forget lines drawn for the old width

    def _sync_size(self, *, urgent: bool = True) -> None:
        """Give the scroll view the layout's line count.

        A new virtual size re-lays the whole screen out, a pause a scrolling key feels. While
        scrolling far from the end (``urgent`` False), corrected estimates below the view wait for
        the next quiet moment: the scrollbar is a few lines off meanwhile, nothing on screen is.
        """
        if self._work.layout is None:
            return
        size = Size(self._pane_width(), self._work.layout.total_lines)
        if self.virtual_size == size:
            self._size_stale = False
            return
        # (A pane that grew keeps the old, smaller virtual width meanwhile: no sideways scroll.)
        if not urgent and size.width >= self.virtual_size.width:
            bottom = round(self.scroll_y) + 3 * self.scrollable_content_region.height
            if bottom < min(size.height, self.virtual_size.height):
                self._size_stale = True
                self._work.when_still(self._sync_size, lambda: self._size_stale)
                return
        self._size_stale = False
        self.virtual_size = size

    def _place_at(self, index: int, offset: int = 0) -> None:
        """Scroll so line ``offset`` after block ``index``'s first content line is on top.

        The blocks from ``index`` down are wrapped for a screen first, so the line is exact."""
        layout, document = self._work.layout, self._work.document
        assert layout is not None and document is not None
        y = expose(layout, document, index, offset, self.scrollable_content_region.height)
        self._sync_size()
        self._invalidate()
        self._scroll_line(y)

    def _place(self, y: int) -> None:
        """Scroll to line ``y`` with the screen below it wrapped exactly (``y``'s block keeps its
        first line, so ``y`` stays where it was asked for)."""
        layout = self._work.layout
        assert layout is not None
        y = max(0, y)
        index = layout.block_at(y)
        self._place_at(index, y - layout.block_line(index))

    def _settle_view(self) -> None:
        """Wrap the blocks on screen for real (their estimated heights were placeholders).

        Only blocks from the top line's block down change: the top line does not move."""
        layout = self._work.layout
        if layout is None:
            return
        if settle(layout, round(self.scroll_y), self.scrollable_content_region.height):
            self._sync_size(urgent=False)
            self._invalidate()

    def _show_match(self) -> None:
        line = self.current_match_line
        if line is None:
            return
        finder, document, layout = self._work.finder, self._work.document, self._work.layout
        if not self.wrap_code and document is not None and layout is not None:
            # A match in unwrapped code may lie past the window: scroll sideways to it.
            hit = finder.hits[finder.current]
            inner = content_width(document.blocks[hit[0]], layout.width)
            shift = code_match_shift(document, hit, len(finder.query), inner)
            if shift is not None:
                self.shift = shift
        height = self.scrollable_content_region.height
        # Keep the match a few lines below the top so its context shows.
        if not (self.scroll_y <= line < self.scroll_y + height):
            context = min(3, height // 4)
            self._place(line - context)
            line = self.current_match_line  # wrapping the context above may move it
            if line is not None and not (self.scroll_y <= line < self.scroll_y + height):
                self._scroll_line(line - context)
        self._invalidate()

    def _emit_scroll_messages(self) -> None:
        if self._work.layout is None:
            return
        section = self.current_section()
        key = section.anchor if section else None
        if key != self._last_section:
            self._last_section = key
            self.post_message(self.SectionChanged(self, section))
        at_end = self.scroll_y >= self.max_scroll_y
        document = self._work.document
        if not at_end and document is not None and document.appendix_from is not None:
            # The body's end is on screen: what follows (the related list) is not the article.
            bottom = self.scroll_y + self.scrollable_content_region.height
            at_end = bottom >= self._work.layout.block_top(document.appendix_from)
        self.post_message(
            self.PositionChanged(self, self.reading_position(), self.progress * 100, at_end)
        )

    def _invalidate_from(self, index: int) -> None:
        """Repaint if block ``index`` or a later one (or the end of the article) is on screen."""
        layout = self._work.layout
        if layout is None:
            return
        bottom = round(self.scroll_y) + self.scrollable_content_region.height
        if index >= layout.block_count or layout.block_top(index) <= bottom:
            self._invalidate()

    def _invalidate(self) -> None:
        """Forget drawn lines and repaint (content, find state, hints or layout changed)."""
        self._strips.clear()
        self.refresh()

    # --- the pipeline's hooks -----------------------------------------------------------------
    def _call_from_thread(self, callback: Callable[..., object], *args: Any) -> None:
        self.app.call_from_thread(callback, *args)

    def _layout_extended(self, top: int, moved_to: int, first_changed: int) -> None:
        """A layout slice was wrapped: keep the top line on top (estimates above it changed)."""
        self._sync_size()
        if moved_to != top and not self._stick_bottom:
            self._anchoring = True
            try:
                self._scroll_line(moved_to)
            finally:
                self._anchoring = False
            self._invalidate()
        else:
            self._invalidate_from(first_changed)  # blocks below the view: nothing to draw
        if self._stick_bottom:
            self._scroll_line(self.max_scroll_y, stick_bottom=True)
        elif self._work.layout is not None and self._work.layout.complete:
            self._emit_scroll_messages()  # the progress from exact line counts

    def _blocks_appended(self, first_new: int, done: bool) -> None:
        self._sync_size()
        if self._stick_bottom:
            self.action_bottom()
        pending = self._pending_position
        document = self._work.document
        if pending is not None and document is not None:
            if pending.anchor in document.anchors or done:
                self._pending_position = None
                self._restoring = True
                try:
                    self.restore_position(pending)
                finally:
                    self._restoring = False
                self._pending_position = None
        # Lines on screen are drawn again only if they changed: while the reader is near the
        # top of a long article, a chunk appended far below costs no repaint.
        self._invalidate_from(first_new)
        if done:
            self._emit_scroll_messages()  # the progress of the whole document

    def _highlighters_loaded(self) -> None:
        self._paint.forget_code()
        self._invalidate()  # code drawn plain meanwhile is drawn highlighted

    def _reparse(self) -> None:
        """The render form shown is not of the article's body (or is damaged): parse the body."""
        if self._work.article is not None:
            self.show_article(self._work.article, position=self.reading_position())

    def _document_ready(self, article: Article, document: Document) -> None:
        self.post_message(self.DocumentReady(self, article, document))


__all__ = ["ReaderView"]
