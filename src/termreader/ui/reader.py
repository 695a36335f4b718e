"""The reading pane: an article drawn line by line (Textual line API), fast on huge documents."""

from __future__ import annotations

import gc
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from termreader.models import Article, Link, Position, Section
from termreader.render.chunks import CHUNK_SIZE
from termreader.render.find import Finder
from termreader.render.layout import Layout, Line, code_pieces, content_width
from termreader.render.model import CODE, Block, Document, fingerprint
from termreader.render.paint import code_colours, highlight_code, mark_matches
from termreader.render.parser import Builder
from termreader.render.wrap import wrap_spans
from termreader.text.sanitize import clean, clean_line

_EXACT_AT_ONCE = 400
"""A document with at most this many blocks is wrapped whole at once; a bigger one only where it
is looked at (its other heights estimated), the rest in slices of ``_LAYOUT_SLICE`` s."""
_LAYOUT_SLICE = 0.008
_LAYOUT_PAUSE = 0.03
"""Seconds between background layout slices: most of the time stays with keys and paints."""
_QUIET_AFTER_MOVE = 0.1
"""Seconds after a scroll during which background layout slices wait (keys come first)."""
_FIRST_FRAME_ALLOWANCE = 0.2
"""Extra seconds background work waits after an article is opened (its first frame first)."""
_LAYOUTS_KEPT = 2
"""Layouts kept per article (by width): toggling a pane back reuses what was wrapped."""

_CHILD_PARSE_FROM = 8 * CHUNK_SIZE
"""Bodies longer than this (about 400 KB) are parsed in a child process after the first chunk
(see render.background); a shorter one is parsed here sooner than a child would start."""

_WARMED: set[str] = set()
"""Code languages whose highlighter is loading or loaded (see ReaderView._warm_highlighter)."""

_READY: set[str] = set()
"""Code languages whose highlighter is loaded: their blocks are highlighted when drawn."""

_WARM_AT_MOST = 8
"""Languages loaded ahead per batch of blocks (a document naming hundreds loads the rest when
they are drawn)."""

_DECODE_FIRST = 0.15
"""Seconds from opening a cached article to decoding the rest of it (after its first frame)."""

_DECODE_PAUSE = 0.01
"""Seconds between the steps decoding a cached document (about 5 ms each) after it opens."""

_INDEX_SLICE = 1000
"""Blocks added to the find index per step between frames (2-3 ms)."""

_PARSE_PAUSE = 0.02
"""Seconds the background parser sleeps between chunks (each takes about 20-45 ms to parse)."""


def _freeze_young() -> None:
    """Collect the young generations (cheap: a few milliseconds) and freeze what survived.

    Cyclic garbage older than that would never be collected once frozen; during a background
    parse there is little of it (the parser's token lists hold no cycles).
    """
    gc.collect(1)
    gc.freeze()


_FREEZE_AT = 2_000
"""Blocks from which a whole document is moved out of the collector's reach (``gc.freeze``)."""


def _freeze_big(document: Document) -> None:
    """Move a big, complete document's objects (about 100,000) into the permanent generation.

    They live as long as the article is shown, yet every full collection walked them again:
    a 20–45 ms pause in the middle of a key or a scroll. Freezing costs nothing; the objects
    are still freed by reference counting when the article is left.
    """
    if document.complete and len(document.blocks) >= _FREEZE_AT:
        gc.freeze()


_STRIP_CACHE = 400
"""Drawn lines kept (a few screens' worth)."""

_SIMPLE_STYLES = {
    "bold": Style(bold=True),
    "italic": Style(italic=True),
    "strike": Style(strike=True),
    "th": Style(bold=True),
}
_COMPONENT_FOR = {
    "code": "reader--code",
    "image": "reader--image",
    "footnote": "reader--linknum",
    "quote": "reader--quote",
    "quote-bar": "reader--quote-bar",
    "bullet": "reader--bullet",
    "rule": "reader--rule",
    "codeblock": "reader--codeblock",
    "codecont": "reader--code-continuation",
    "table-border": "reader--table-border",
    "backtop": "reader--backtop",
    "match": "reader--match",
    "match-current": "reader--match-current",
    "message": "reader--message",
    "error": "reader--error",
}


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
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reader--heading-1",
        "reader--heading-2",
        "reader--heading-3",
        "reader--heading-4",
        "reader--heading-5",
        "reader--heading-6",
        "reader--link",
        "reader--linknum",
        "reader--hint",
        "reader--code",
        "reader--codeblock",
        "reader--code-continuation",
        "reader--quote",
        "reader--quote-bar",
        "reader--bullet",
        "reader--rule",
        "reader--table-border",
        "reader--image",
        "reader--match",
        "reader--match-current",
        "reader--backtop",
        "reader--message",
        "reader--error",
    }

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

    class SectionChanged(Message):
        """The section at the top of the view changed."""

        def __init__(self, reader: ReaderView, section: Section | None) -> None:
            super().__init__()
            self.reader = reader
            self.section = section

        @property
        def control(self) -> ReaderView:
            """The reader that sent the message."""
            return self.reader

        def can_replace(self, message: Message) -> bool:
            # A newer section change for the same reader supersedes this one (message floods
            # while holding `j` are coalesced).
            return isinstance(message, ReaderView.SectionChanged) and message.reader is self.reader

    class PositionChanged(Message):
        """The view scrolled (coalesced: only the latest position is delivered).

        Attributes:
            position: Section anchor + offset (what to save), with ``percent`` filled in.
            percent: How far through the article, 0..100 (``ReaderView.progress`` is 0..1).
            at_end: True when the bottom of the article is on screen (the article is read).
        """

        def __init__(
            self, reader: ReaderView, position: Position, percent: float, at_end: bool
        ) -> None:
            super().__init__()
            self.reader = reader
            self.position = position
            self.percent = percent
            self.at_end = at_end

        @property
        def control(self) -> ReaderView:
            """The reader that sent the message."""
            return self.reader

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ReaderView.PositionChanged) and message.reader is self.reader

    class LinkActivated(Message):
        """A link was clicked (links to a section of this article are followed in place)."""

        def __init__(self, reader: ReaderView, link: Link) -> None:
            super().__init__()
            self.reader = reader
            self.link = link

        @property
        def control(self) -> ReaderView:
            """The reader that sent the message."""
            return self.reader

    class DocumentReady(Message):
        """The document is parsed and laid out, and holds something new worth caching.

        Posted once an uncached parse is complete, and after a document was laid out in full at
        a width it had no saved line counts for. The app stores ``codec.to_bytes(document)`` with
        ``Library.write_cache(article.id, cache_name(), data)`` (off the UI thread if it can).
        """

        def __init__(self, reader: ReaderView, article: Article, document: Document) -> None:
            super().__init__()
            self.reader = reader
            self.article = article
            self.document = document

        @property
        def control(self) -> ReaderView:
            """The reader that sent the message."""
            return self.reader

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._article: Article | None = None
        self._document: Document | None = None
        self._layout: Layout | None = None
        self._message: tuple[str, bool] | None = None
        self._generation = 0
        self._pending_position: Position | None = None
        self._styles: dict[str, Style] = {}
        self._code_cache: OrderedDict[int, list[Text]] = OrderedDict()
        self._finder = Finder()
        self._last_section: object = object()
        self._layout_pending = False
        self._layouts: dict[int, Layout] = {}
        self._unsaved = False  # the document was parsed here and not handed out for caching yet
        self._anchoring = False  # the view is being moved to keep its top line (not by the reader)
        self._stick_bottom = False
        self._strips: LRUCache[int, Strip] = LRUCache(_STRIP_CACHE)
        self._body_pending = False
        self._moved_at = 0.0  # time.monotonic() of the reader's last scroll
        self._size_stale = False  # the virtual size waits for a quiet moment (see _sync_size)
        self.width_hint = 0
        """The pane's expected text width before Textual has laid the reader out (0: unknown).
        Right, the first frame needs one layout; wrong, the reader lays out again (as without)."""
        self._drawn_pane = 0  # the pane width the cached lines were drawn for
        self._child: Any = None  # a render.background.ChildParser parsing the rest

    # --- public API ---------------------------------------------------------------------------
    @property
    def article(self) -> Article | None:
        """The article shown (None while empty or showing a message)."""
        return self._article

    @property
    def document(self) -> Document | None:
        """The render form of the article shown (may still be growing; see ``complete``)."""
        return self._document

    @property
    def layout_(self) -> Layout | None:
        """The current line layout (None when nothing is shown)."""
        return self._layout

    @property
    def progress(self) -> float:
        """How far through the article the view is, 0..1 (1 at the bottom)."""
        if self.max_scroll_y <= 0:
            return 1.0 if self._layout else 0.0
        return min(1.0, self.scroll_y / self.max_scroll_y)

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
        self._generation += 1
        self._article = article
        self._message = None
        self._code_cache.clear()
        self._finder = Finder()
        builder: Builder | None = None
        self._body_pending = document is not None and body_pending
        if (
            document is not None
            and not self._body_pending
            and document.source
            and document.source != fingerprint(article.body)
        ):
            document = None  # a render form of another version of the body: never show it
        self._unsaved = document is None
        self._stop_child()
        if document is None:
            if len(article.body) > _CHILD_PARSE_FROM:
                # Started first, it loads while the first chunk is parsed here.
                from termreader.render.background import parse_rest

                self._child = parse_rest(article.body)
            builder = Builder(article.body)
            document = builder.first()
        self._document = document
        self._layout = None
        self._layouts = {}
        self._pending_position = None
        # Opening counts as a move: background layout slices wait for the first frame.
        self._moved_at = time.monotonic() + _FIRST_FRAME_ALLOWANCE
        self._relayout(keep_position=False)
        self._scroll_line(0)
        self._settle_view()
        if position is not None and (position.anchor or position.offset or position.percent):
            self.restore_position(position)
        if builder is not None and not builder.done:
            self._parse_in_background(builder, document, self._generation, self._child)
        else:
            self._stop_child()
        if builder is None:
            # A cached document decodes what the first screen shows; the rest is decoded
            # between frames, ahead of anything that needs it all (find, the end key), and a
            # damaged cache is replaced by a parse.
            # The first step waits for the first screen to be drawn.
            self.set_timer(_DECODE_FIRST, partial(self._decode_step, self._generation))
        else:
            self._warm_highlighter(document.blocks)
        self._check_ready()
        self._last_section = object()
        self._emit_scroll_messages()
        _freeze_big(document)

    @property
    def moving(self) -> bool:
        """True while the reader scrolls (a scroll less than ``_QUIET_AFTER_MOVE`` s ago) or an
        article was just opened: background work waits for it."""
        return time.monotonic() - self._moved_at < _QUIET_AFTER_MOVE

    def check_body(self, *, verified: bool = False) -> None:
        """The article's body has arrived (``show_article(..., body_pending=True)``): if the
        cached form shown was made from another version of it, parse the body instead.

        ``verified``: the caller already matched the form against the body's fingerprint
        (the store's index keeps it), so the body is not hashed again."""
        article, document = self._article, self._document
        if not self._body_pending or article is None or document is None:
            return
        self._body_pending = False
        if verified:
            return
        if document.source and document.source != fingerprint(article.body):
            self.show_article(article, position=self.reading_position())

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Replace the content with a one-line state (loading, error); never a traceback."""
        self._generation += 1
        self._stop_child()
        self._article = None
        self._document = None
        self._layout = None
        self._layouts = {}
        self._finder = Finder()
        self._message = (clean(text), error)
        _, width = self._column()
        lines = wrap_spans([(self._message[0], "")], width)
        self.virtual_size = Size(self._pane_width(), len(lines) + 2)
        self._scroll_line(0)
        self._invalidate()

    def current_section(self) -> Section | None:
        """The section containing the top visible line."""
        if self._layout is None or self._document is None:
            return None
        index = self._layout.section_at(round(self.scroll_y))
        return self._section_of(index)

    def goto_anchor(self, anchor: str, offset: int = 0) -> bool:
        """Scroll so the heading with ``anchor`` (plus ``offset`` lines) is at the top.

        Returns False for an unknown anchor. While a big article is still being parsed, an
        anchor not parsed yet is remembered and reached as soon as it is (returns True).
        """
        if self._layout is None or self._document is None:
            return False
        index = self._document.anchors.get(anchor)
        if index is None:
            if not self._document.complete:
                self._pending_position = Position(anchor=anchor, offset=offset)
                return True
            return False
        self._place_at(index, offset)
        return True

    def next_section(self, top_level: bool = False) -> None:
        """Scroll to the next section heading below the top line."""
        if self._layout is None:
            return
        lines = self._layout.heading_lines(top_level)
        pos = bisect_right(lines, round(self.scroll_y))
        if pos < len(lines):
            self._place(lines[pos])

    def prev_section(self, top_level: bool = False) -> None:
        """Scroll to the previous section heading above the top line (or the top)."""
        if self._layout is None:
            return
        lines = self._layout.heading_lines(top_level)
        pos = bisect_left(lines, round(self.scroll_y)) - 1
        self._place(lines[pos] if pos >= 0 else 0)

    def reading_position(self) -> Position:
        """The position as a section anchor plus lines into it, and the percentage (0..100)."""
        percent = round(self.progress * 100, 1)
        if self._layout is None or self._document is None:
            return Position(percent=percent)
        y = round(self.scroll_y)
        index = self._layout.section_at(y)
        if index is None:
            return Position(anchor="", offset=y, percent=percent)
        block = self._document.blocks[index]
        return Position(
            anchor=block.anchor, offset=y - self._layout.block_line(index), percent=percent
        )

    def restore_position(self, position: Position) -> None:
        """Scroll to a saved position (waits for the anchor if it is not parsed yet)."""
        if self._layout is None or self._document is None:
            return
        if position.anchor:
            index = self._document.anchors.get(position.anchor)
            if index is not None:
                self._place_at(index, position.offset)
                return
            if not self._document.complete:
                self._pending_position = position
                return
            self._place(round(self.max_scroll_y * position.percent / 100))
            return
        self._place(position.offset)

    def find(self, query: str) -> int:
        """Highlight every match of ``query`` (case-insensitive) and jump to the first at/after
        the top line; returns the number of matches."""
        self._finder = Finder(clean(query).replace("\n", " "))
        if self._layout is None or self._document is None:
            self._finder = Finder()
        else:
            self._finder.search(self._document)
        if self._finder.hits:
            assert self._layout is not None
            self._finder.current = self._finder.first_from(round(self.scroll_y), self._layout)
            self._show_match()
        self._invalidate()
        return len(self._finder)

    def find_next(self) -> None:
        """Go to the next match (wrapping around)."""
        if self._finder.hits:
            self._finder.step(1)
            self._show_match()

    def find_prev(self) -> None:
        """Go to the previous match (wrapping around)."""
        if self._finder.hits:
            self._finder.step(-1)
            self._show_match()

    def clear_find(self) -> None:
        """Remove the match highlights."""
        self._finder = Finder()
        self._invalidate()

    @property
    def match_count(self) -> int:
        """Number of matches of the last :meth:`find`."""
        return len(self._finder)

    @property
    def current_match_index(self) -> int:
        """Which match is current, 1-based (0 without matches): "3" of "3 of 57"."""
        return self._finder.current_number

    @property
    def current_match_line(self) -> int | None:
        """Layout line of the current match (None without matches)."""
        if not self._finder.hits or self._layout is None:
            return None
        return self._finder.line(self._finder.current, self._layout)

    def link(self, number: int) -> Link | None:
        """The link numbered ``number`` (1-based, document order)."""
        if self._document is None or not 1 <= number <= len(self._document.links):
            return None
        return self._document.links[number - 1]

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
        layout = self._layout
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

    # --- internals ----------------------------------------------------------------------------
    def _scroll_line(self, y: float, *, stick_bottom: bool = False) -> None:
        # `G` while the rest of the article is still being parsed or laid out keeps following
        # the end as it grows, until another move.
        self._stick_bottom = stick_bottom
        # scroll_to clamps to the virtual size: make sure it is the current layout's, not the
        # previous (shorter) article's, or a jump right after show_article would be cut short.
        layout = self._layout
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
        if self._document is None:
            return
        old = self._layout
        _, width = self._column()
        if old is not None and old.width == width:
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
            y = round(self.scroll_y)
            block = old.block_at(y)
            within = max(0, y - old.block_top(block))
            anchor = (block, within / max(1, old.height(block)))
        # A small document is wrapped whole; a big one only around the view (the rest is
        # estimated, then wrapped in short slices between frames), so a new width costs
        # milliseconds whatever the size.
        layout = self._layouts.pop(width, None)
        if layout is None or layout.document is not self._document:
            # (A growing document is not small: its first chunk alone may be hundreds of blocks.)
            small = self._document.complete and len(self._document.blocks) <= _EXACT_AT_ONCE
            layout = Layout(self._document, width, limit=None if small else 0)
        self._layout = layout
        self._layouts[width] = layout
        while len(self._layouts) > _LAYOUTS_KEPT:
            self._layouts.pop(next(iter(self._layouts)))
        self._schedule_layout()
        self._finder.forget_lines()  # match lines depend on the width
        # The code highlight cache holds whole source lines: it does not depend on the width.
        # Drawing now (the first frame at the pane's real width): a new virtual size would make
        # Textual lay the screen out and draw it again; it can wait unless the end is near.
        self._sync_size(urgent=repaint)
        if at_end:
            self.action_bottom()  # a reader at the end stays at the end
        elif anchor is not None and (repaint or anchor != (0, 0.0)):
            block, fraction = anchor
            layout = self._layout
            layout.ensure_down(block, 1)
            height = layout.height(block)
            within = min(height - 1, round(fraction * height))
            self._place(layout.block_top(block) + max(0, within))
        if repaint:
            self._invalidate()
        else:
            self._strips.clear()  # drawing now: only forget lines drawn for the old width

    def _sync_size(self, *, urgent: bool = True) -> None:
        """Give the scroll view the layout's line count.

        A new virtual size re-lays the whole screen out (10-25 ms). While scrolling far from
        the end (``urgent`` False), corrected estimates below the view wait for the next quiet
        moment: the scrollbar is a few lines off meanwhile, nothing on screen is.
        """
        if self._layout is None:
            return
        size = Size(self._pane_width(), self._layout.total_lines)
        if self.virtual_size == size:
            self._size_stale = False
            return
        # (A pane that grew keeps the old, smaller virtual width meanwhile: no sideways scroll.)
        if not urgent and size.width >= self.virtual_size.width:
            bottom = round(self.scroll_y) + 3 * self.scrollable_content_region.height
            if bottom < min(size.height, self.virtual_size.height):
                self._size_stale = True
                self.set_timer(_QUIET_AFTER_MOVE, self._sync_stale_size)
                return
        self._size_stale = False
        self.virtual_size = size

    def _sync_stale_size(self) -> None:
        if not self._size_stale:
            return
        if self.moving:
            self.set_timer(_QUIET_AFTER_MOVE, self._sync_stale_size)
            return
        self._sync_size()

    def _place_at(self, index: int, offset: int = 0) -> None:
        """Scroll so line ``offset`` after block ``index``'s first content line is on top.

        The blocks from ``index`` down are wrapped for a screen first, so the line is exact."""
        layout = self._layout
        assert layout is not None
        gap = self._document.blocks[index].gap if self._document else 0
        layout.ensure_down(index, gap + max(0, offset) + self.scrollable_content_region.height + 1)
        self._sync_size()
        self._invalidate()
        self._scroll_line(layout.block_line(index) + offset)

    def _place(self, y: int) -> None:
        """Scroll to line ``y`` with the screen below it wrapped exactly (``y``'s block keeps its
        first line, so ``y`` stays where it was asked for)."""
        layout = self._layout
        assert layout is not None
        y = max(0, y)
        index = layout.block_at(y)
        self._place_at(index, y - layout.block_line(index))

    def _settle_view(self) -> None:
        """Wrap the blocks on screen for real (their estimated heights were placeholders).

        Only blocks from the top line's block down change: the top line does not move."""
        layout = self._layout
        if layout is None or layout.complete:
            return
        y = round(self.scroll_y)
        index = layout.block_at(y)
        lines = y - layout.block_top(index) + self.scrollable_content_region.height + 2
        if layout.ensure_down(index, lines):
            self._sync_size(urgent=False)
            self._invalidate()

    def _schedule_layout(self) -> None:
        if self._layout is not None and not self._layout.complete and not self._layout_pending:
            self._layout_pending = True
            # A pause between slices keeps keys and paints flowing while the layout completes.
            self.set_timer(_LAYOUT_PAUSE, self._layout_step)

    def _follow_bottom(self) -> None:
        if self._stick_bottom:
            self._scroll_line(self.max_scroll_y, stick_bottom=True)

    def _check_ready(self) -> None:
        """Post DocumentReady once the document is parsed and laid out, if it has news to cache."""
        doc, layout = self._document, self._layout
        if doc is None or layout is None or self._article is None:
            return
        # A body parsed here is worth caching as soon as it is whole; new line counts once the
        # layout has wrapped everything.
        if doc.damaged:
            return  # being replaced by a parse (see _decode_step)
        if doc.complete and (self._unsaved or (layout.complete and doc.changed)):
            self._unsaved = False
            doc.changed = False
            self.post_message(self.DocumentReady(self, self._article, doc))

    def _layout_step(self) -> None:
        self._layout_pending = False
        layout = self._layout
        if layout is None or layout.complete:
            return
        if self.moving:
            # The reader is scrolling: the next key and frame come first.
            self._schedule_layout()
            return
        # Corrected estimates above the view move its lines: keep the top line's block (and
        # the line in it) on top.
        y = round(self.scroll_y)
        block = layout.block_at(y)
        within = y - layout.block_top(block)
        first_changed = layout.exact_until
        layout.extend_for(_LAYOUT_SLICE)
        self._sync_size()
        moved = layout.block_top(block) + within
        if moved != y and not self._stick_bottom:
            self._anchoring = True
            try:
                self._scroll_line(moved)
            finally:
                self._anchoring = False
            self._invalidate()
        else:
            self._invalidate_from(first_changed)  # blocks below the view: nothing to draw
        self._follow_bottom()
        self._schedule_layout()
        self._check_ready()

    def _decode_step(self, generation: int) -> None:
        document = self._document
        if generation != self._generation or document is None:
            return
        if self.moving:
            # The reader is scrolling: what it shows decodes on its own (a piece on first use).
            self.set_timer(_QUIET_AFTER_MOVE, partial(self._decode_step, generation))
            return
        if not document.load_step(pieces=2):
            # Decoded blocks live as long as the article: out of the collector's reach, or
            # every full collection walks them again (10 ms pauses while paging).
            gc.freeze()
            self.set_timer(_DECODE_PAUSE, partial(self._decode_step, generation))
            return
        if document.damaged and self._article is not None:
            if self._body_pending:  # the body to parse is not read yet: look again soon
                self.set_timer(_DECODE_PAUSE, partial(self._decode_step, generation))
                return
            # The cache file was bad (it is rewritten once this parse completes).
            self.show_article(self._article, position=self.reading_position())
            return
        self._warm_highlighter(document.blocks)
        _freeze_big(document)
        self.set_timer(_DECODE_PAUSE, partial(self._index_step, generation))

    def _index_step(self, generation: int) -> None:
        """Build the find index a slice at a time while the reader is still (a cached document,
        once decoded): the first find then searches at once rather than lowering the whole
        text first (15-20 ms on 2 MB, with the decoding it waited for: 50-60 ms)."""
        document = self._document
        if generation != self._generation or document is None:
            return
        if self.moving:
            self.set_timer(_QUIET_AFTER_MOVE, partial(self._index_step, generation))
            return
        if not document.index_step(_INDEX_SLICE):
            self.set_timer(_DECODE_PAUSE, partial(self._index_step, generation))

    def _warm_highlighter(self, blocks: Sequence[Block]) -> None:
        """Load the syntax highlighter for the code languages in ``blocks`` in a thread.

        The first code block of a language drawn costs about 45 ms (Pygments and its lexer
        load): a scroll would stall on it. Loaded ahead, drawing one takes a millisecond or two.
        """
        self._warm_languages(
            sorted({b.data[0] for b in blocks if b.kind == CODE and b.data[0]})[:_WARM_AT_MOST]
        )

    def _warm_languages(self, languages: list[str]) -> None:
        wanted = [language for language in languages if language not in _WARMED]
        if wanted:
            _WARMED.update(wanted)
            self._start_warming(wanted)

    def _start_warming(self, languages: list[str]) -> None:
        if self.moving or self._layout is None:
            # Loading holds the GIL for ~45 ms (in 5 ms turns): not while the reader scrolls.
            # Code drawn meanwhile shows plain and is repainted highlighted after.
            self.set_timer(_QUIET_AFTER_MOVE, partial(self._start_warming, languages))
            return

        def work() -> None:
            try:
                for language in languages:
                    highlight_code("x\n", language, dark=True)
            finally:
                _READY.update(languages)
                self.app.call_from_thread(self._highlighter_ready)

        self.run_worker(work, thread=True, group="warm-highlighter", exit_on_error=False)

    def _highlighter_ready(self) -> None:
        self._code_cache.clear()
        self._invalidate()  # code drawn plain meanwhile is drawn highlighted

    def _stop_child(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.close()  # also ends a worker waiting on it

    def _parse_in_background(
        self, builder: Builder, document: Document, generation: int, child: Any
    ) -> None:
        """Parse the rest of the body: in a child process when one started (this process then
        only decodes its results, so keys are not kept waiting on the GIL), else here."""
        from termreader.render.background import iter_rest

        def work() -> None:
            try:
                # In-process chunks hand the GIL to the UI thread between them: a key waiting
                # behind a chunk's parse is then answered at once instead of sharing 5 ms turns
                # with the parser (sys.setswitchinterval would change every thread's).
                for blocks, links, done in iter_rest(builder, child, pause=_PARSE_PAUSE):
                    if generation != self._generation:
                        return
                    self.app.call_from_thread(
                        self._append, generation, document, blocks, links, done
                    )
            finally:
                if child is not None:
                    child.close()

        self.run_worker(
            work, thread=True, exclusive=True, group="reader-parse", name="parse article"
        )

    def _append(
        self, generation: int, document: Document, blocks: list, links: list, done: bool
    ) -> None:
        if generation != self._generation or self._layout is None:
            return
        first_new = len(document.blocks)
        document.extend(blocks, links, complete=done)
        self._warm_highlighter(blocks)
        self._schedule_layout()
        self._sync_size()
        if self._stick_bottom:
            self.action_bottom()
        if self._pending_position is not None:
            pending = self._pending_position
            if pending.anchor in document.anchors or done:
                self._pending_position = None
                self.restore_position(pending)
        if self._finder:
            # New blocks may hold more matches: search them and append (order is kept).
            self._finder.add_blocks(document, len(document.blocks) - len(blocks))
        # Lines on screen are drawn again only if they changed: while the reader is near the
        # top of a long article, a chunk appended far below costs no repaint.
        self._invalidate_from(first_new)
        self._check_ready()
        # The growing document is long-lived: keep full collections (40-60 ms each, on either
        # thread, several during a 2 MB parse) from walking it again and again.
        _freeze_young()
        if done:
            _freeze_big(document)

    def _section_of(self, index: int | None) -> Section | None:
        if index is None or self._document is None:
            return None
        block = self._document.blocks[index]
        return Section(
            level=block.level,
            title=clean_line(block.text),
            anchor=block.anchor,
            position=block.line,
        )

    def _show_match(self) -> None:
        line = self.current_match_line
        if line is None:
            return
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
        if self._layout is None:
            return
        section = self.current_section()
        key = section.anchor if section else None
        if key != self._last_section:
            self._last_section = key
            self.post_message(self.SectionChanged(self, section))
        at_end = self.scroll_y >= self.max_scroll_y
        self.post_message(
            self.PositionChanged(self, self.reading_position(), self.progress * 100, at_end)
        )

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._anchoring:
            self._moved_at = time.monotonic()
            if new_value < old_value:
                self._stick_bottom = False  # the reader scrolled up (wheel, bar): stop following
            if round(old_value) != round(new_value):
                self._pending_position = None  # the reader moved: forget a jump still waiting
        if round(old_value) != round(new_value):
            self._settle_view()
            self._emit_scroll_messages()

    def watch_reading_width(self) -> None:
        self._relayout()

    def watch_show_link_hints(self) -> None:
        self._styles.clear()
        self._invalidate()

    def on_unmount(self) -> None:
        self._generation += 1
        self._stop_child()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._code_cache = OrderedDict()
        self._strips = LRUCache(_STRIP_CACHE)

    def _invalidate_from(self, index: int) -> None:
        """Repaint if block ``index`` or a later one (or the end of the article) is on screen."""
        layout = self._layout
        if layout is None:
            return
        bottom = round(self.scroll_y) + self.scrollable_content_region.height
        if index >= layout.block_count or layout.block_top(index) <= bottom:
            self._invalidate()

    def _invalidate(self) -> None:
        """Forget drawn lines and repaint (content, find state, hints or layout changed)."""
        self._strips.clear()
        self.refresh()

    @on(events.Click)
    def _on_click(self, event: events.Click) -> None:
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

    # --- drawing ------------------------------------------------------------------------------
    def _style(self, names: str) -> Style:
        style = self._styles.get(names)
        if style is not None:
            return style
        style = self.rich_style
        for name in names.split():
            simple = _SIMPLE_STYLES.get(name)
            if simple is not None:
                style += simple
            elif name[:1] == "h" and name[1:].isdigit():
                style += self.get_component_rich_style(
                    f"reader--heading-{min(6, int(name[1:]))}", partial=True
                )
            elif name.startswith("link:"):
                style += self.get_component_rich_style("reader--link", partial=True)
                style += Style.from_meta({"link": int(name[5:])})
            elif name.startswith("linknum:"):
                part = "reader--hint" if self.show_link_hints else "reader--linknum"
                style += self.get_component_rich_style(part, partial=True)
                style += Style.from_meta({"link": int(name[8:])})
            elif name in _COMPONENT_FOR:
                style += self.get_component_rich_style(_COMPONENT_FOR[name], partial=True)
                if name == "backtop":
                    style += Style.from_meta({"backtop": True})
        if "rule" in names.split():
            style += Style(underline=False)  # a heading's rule line: its colour, no underline
        self._styles[names] = style
        return style

    def render_line(self, y: int) -> Strip:
        layout = self._layout
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
        base = self.rich_style
        left, column = self._column()
        if self._message is not None:
            text, error = self._message
            lines = wrap_spans([(text, "")], column)
            if not 1 <= line_no <= len(lines):
                return Strip.blank(width, base)
            style = self._style("error" if error else "message")
            piece = "".join(t for t, _ in lines[line_no - 1])
            segments = [Segment(" " * left, base), Segment(piece, style)]
            return Strip(segments).adjust_cell_length(width, base)
        layout = self._layout
        if layout is None or line_no >= layout.total_lines:
            return Strip.blank(width, base)
        if layout.width != column:  # cannot happen after render_line's check; kept safe
            self.call_later(self._relayout)
        index, within, spans = layout.line(line_no)
        if within < 0 or not spans:
            return Strip.blank(width, base)
        segments = [Segment(" " * left, base)] if left else []
        block = (
            self._document.blocks[index]
            if self._document and index < len(self._document.blocks)
            else None
        )
        if block is not None and block.kind == CODE and block.data[0]:
            segments.extend(self._code_segments(index, block, within, spans))
        else:
            segments.extend(self._segments(spans))
        if self._finder:
            segments = self._highlight(segments, line_no)
        return Strip(segments).adjust_cell_length(width, base)

    def _segments(self, spans: Line) -> list[Segment]:
        out = []
        for text, names in spans:
            text = clean(text).replace("\t", " ").replace("\n", " ")
            if text:
                out.append(Segment(text, self._style(names)))
        return out

    def _code_segments(self, index: int, block, within: int, spans: Line) -> list[Segment]:
        """A code line with syntax highlighting (the block is highlighted once, then cached)."""
        lines = self._code_cache.get(index)
        if lines is None:
            lang, code = block.data
            if lang and lang not in _READY:
                # Loading a language's highlighter takes ~45 ms: it loads in a thread while
                # the block shows plain; the reader repaints it highlighted once loaded.
                self._warm_languages([lang])
                lines = [Text(line) for line in code.split("\n")]
            else:
                dark = getattr(self.app.current_theme, "dark", True)
                lines = highlight_code(code, lang, dark=dark)
                self._code_cache[index] = lines
                if len(self._code_cache) > 64:
                    self._code_cache.popitem(last=False)
        assert self._layout is not None
        pieces = code_pieces(block, content_width(block, self._layout.width))
        if within >= len(pieces) or not spans:
            return self._segments(spans)
        number, a, b = pieces[within]
        box = self._style("codeblock")
        # Quote bars and list margins come first in the spans, the code box last three (its
        # left padding holds the continuation marker of a folded line).
        out = self._segments(spans[:-3])
        out.append(Segment(spans[-3][0], self._style(spans[-3][1])))
        if number < len(lines):
            for seg in lines[number][a:b].render(self.app.console):
                text = clean(seg.text).replace("\t", " ")
                if not text or text == "\n":
                    continue
                out.append(Segment(text, box + code_colours(seg.style)))
        out.append(Segment(spans[-1][0], box))
        return out

    def _highlight(self, segments: list[Segment], line_no: int) -> list[Segment]:
        assert self._layout is not None
        current_k = self._finder.current_on_line(line_no, self._layout)
        return mark_matches(
            segments,
            self._finder.query,
            self._style("match"),
            self._style("match-current"),
            current_k,
        )


__all__ = ["ReaderView"]
