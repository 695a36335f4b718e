"""The shown article's document and layouts, and the work done on them between frames (no Textual).

Opening an article draws its first screen at once; everything else waits for moments the reader
is still (see :attr:`Pipeline.moving`): the rest of a cached form is decoded, the find index is
built, code highlighters load, a big body is parsed chunk by chunk (through
:mod:`~termreader.render.background`), and a big layout is wrapped in short slices. The widget
showing the article (``ui.reader.ReaderView``) owns the timers and threads: it hands the
pipeline callbacks to start them and hooks that redraw what changed.

``Pipeline`` is somewhat over 300 lines: its steps share the article's state (generation,
document, layouts, find index) and the one notion of a still reader; split, each part would
need all of it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from termreader.models import Article, Link
from termreader.render import appendix
from termreader.render.chunks import CHUNK_SIZE
from termreader.render.find import Finder
from termreader.render.layout import Layout
from termreader.render.model import CODE, Block, Document, fingerprint
from termreader.render.paint import highlight_code
from termreader.render.parser import Builder

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
"""Layouts kept per article (by width and wrapping): toggling a pane back reuses what was
wrapped."""

_CHILD_PARSE_FROM = 8 * CHUNK_SIZE
"""Bodies longer than this (about 400 KB) are parsed in a child process after the first chunk
(see render.background); a shorter one is parsed here sooner than a child would start."""

_WARMED: set[str] = set()
"""Code languages whose highlighter is loading or loaded (see Pipeline._warm_highlighter)."""

_READY: set[str] = set()
"""Code languages whose highlighter is loaded: their blocks are highlighted when drawn."""

_WARM_AT_MOST = 8
"""Languages loaded ahead per batch of blocks (a document naming hundreds loads the rest when
they are drawn)."""

_DECODE_FIRST = 0.15
"""Seconds from opening a cached article to decoding the rest of it (after its first frame)."""

_DECODE_PAUSE = 0.01
"""Seconds between the steps decoding a cached document after it opens (each step is short, so
keys and frames get in between)."""

_INDEX_SLICE = 1000
"""Blocks added to the find index per step between frames (a slice short enough not to delay
a frame)."""

_PARSE_PAUSE = 0.02
"""Seconds the background parser sleeps between chunks (a chunk's parse holds the GIL; the
pause lets keys and frames in)."""

_FREEZE_AT = 2_000
"""Blocks from which a whole document is moved out of the collector's reach (``gc.freeze``)."""

_RELEASE_AFTER = 1.0
"""Seconds after another article opens before what the last one left frozen is collected."""


def _freeze_young() -> None:
    """Collect the young generations (cheap: they are small) and freeze what survived.

    Cyclic garbage older than that would never be collected once frozen; during a background
    parse there is little of it (the parser's token lists hold no cycles).
    """
    gc.collect(1)
    gc.freeze()


def _release_frozen() -> None:
    """Collect what was frozen and has become garbage since, then freeze what is alive again.

    Objects frozen while an article was shown (its blocks, the lines drawn from it, Textual's
    strips with their caches) are freed by reference counting when it is left, except those
    in reference cycles: frozen, the collector never sees them, and each article left would
    leak its cyclic part. One full collection per article left, at a still moment, frees them.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _freeze_big(document: Document) -> None:
    """Move a big, complete document's objects into the permanent generation.

    They live as long as the article is shown, yet every full collection would walk them all
    again: a pause in the middle of a key or a scroll. Freezing costs nothing; the objects
    are still freed by reference counting when the article is left.
    """
    if document.complete and len(document.blocks) >= _FREEZE_AT:
        gc.freeze()


Step = Callable[[], None]

Appendix = Callable[[Document], tuple[list[Block], list[Link]]]
"""Builds what is shown after a whole document's body (see :meth:`Pipeline.set_appendix`)."""


class Pipeline:
    """The article shown, its render form, layouts and find state, and the steps run between frames.

    Every step is started through the widget's callbacks (``set_timer`` for a pause,
    ``run_thread`` and ``call_from_thread`` for a worker thread) and reports through its hooks:

    - ``top_line()``: the layout line at the top of the view.
    - ``on_layout(top, moved_to, first_changed)``: a layout slice was wrapped; the top line
      ``top`` is now line ``moved_to``; blocks from ``first_changed`` on may have changed.
    - ``on_append(first_new, done)``: parsed blocks from ``first_new`` on were appended.
    - ``on_highlighters()``: code highlighters finished loading (code is drawn coloured now).
    - ``on_damaged()``: the cached form was bad: the body has to be parsed instead.
    - ``on_ready(article, document)``: the document holds something new worth caching.

    A new article (or a message shown instead) bumps ``generation``: steps of the previous one
    find it changed and stop.
    """

    def __init__(
        self,
        *,
        set_timer: Callable[[float, Step], object],
        run_thread: Callable[..., object],
        call_from_thread: Callable[..., object],
        top_line: Callable[[], int],
        on_layout: Callable[[int, int, int], None],
        on_append: Callable[[int, bool], None],
        on_highlighters: Step,
        on_damaged: Step,
        on_ready: Callable[[Article, Document], None],
    ) -> None:
        self._set_timer = set_timer
        self._run_thread = run_thread  # the widget's worker: run_thread(work, **worker options)
        self._call_from_thread = call_from_thread
        self._top_line = top_line
        self._on_layout = on_layout
        self._on_append = on_append
        self._on_highlighters = on_highlighters
        self._on_damaged = on_damaged
        self._on_ready = on_ready
        self.article: Article | None = None
        self.document: Document | None = None
        self.layout: Layout | None = None
        self.finder = Finder()
        self.generation = 0
        self._release_pending = False  # a collection of what left articles froze is due
        self.body_pending = False  # a cached form is shown before its body is read
        self._layouts: dict[tuple[int, bool], Layout] = {}
        self._layout_pending = False
        self._unsaved = False  # the document was parsed here and not handed out for caching yet
        self._moved_at = 0.0  # time.monotonic() of the reader's last scroll
        self._child: Any = None  # a render.background.ChildParser parsing the rest
        self._appendix: Appendix | None = None  # made once the document is whole (see below)

    # --- the article shown --------------------------------------------------------------------
    @property
    def moving(self) -> bool:
        """True while the reader scrolls (a scroll less than ``_QUIET_AFTER_MOVE`` s ago) or an
        article was just opened: background work waits for it."""
        return time.monotonic() - self._moved_at < _QUIET_AFTER_MOVE

    def moved(self) -> None:
        """The reader scrolled: background work waits a moment."""
        self._moved_at = time.monotonic()

    def open(
        self, article: Article, document: Document | None, *, body_pending: bool
    ) -> Builder | None:
        """Take ``article`` and its render form: the cached ``document`` if it is of this body,
        else the first chunk of a parse (the builder returned parses the rest, see :meth:`start`).
        """
        self.generation += 1
        if self.article is not None and not self._release_pending:
            self._release_pending = True
            self._set_timer(_RELEASE_AFTER, self._release_step)
        self.article = article
        self.finder = Finder()
        self._appendix = None
        builder: Builder | None = None
        self.body_pending = document is not None and body_pending
        if (
            document is not None
            and not self.body_pending
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
        self.document = document
        self.layout = None
        self._layouts = {}
        # Opening counts as a move: background layout slices wait for the first frame.
        self._moved_at = time.monotonic() + _FIRST_FRAME_ALLOWANCE
        return builder

    def start(self, builder: Builder | None) -> None:
        """Start the work the opened article needs once its first screen is placed."""
        document = self.document
        assert document is not None
        if builder is not None and not builder.done:
            self._parse_in_background(builder, document, self.generation, self._child)
        else:
            self._stop_child()
        if builder is None:
            # A cached document decodes what the first screen shows; the rest is decoded
            # between frames, ahead of anything that needs it all (find, the end key), and a
            # damaged cache is replaced by a parse.
            # The first step waits for the first screen to be drawn.
            self._set_timer(_DECODE_FIRST, partial(self._decode_step, self.generation))
        else:
            self._warm_highlighter(document.blocks)
        self.check_ready()

    def set_appendix(self, make: Appendix | None) -> None:
        """Show what ``make(document)`` builds after the body (the related list) once the
        document is whole and decoded: at once if it is, else when it becomes so."""
        self._appendix = make
        self._apply_appendix()

    def _apply_appendix(self) -> None:
        make, document = self._appendix, self.document
        if make is None or document is None or self.layout is None:
            return
        if not document.complete or not document.loaded or document.damaged:
            return  # looked at again when the parse or the decoding ends
        self._appendix = None
        first_new = len(document.blocks)
        blocks, links = make(document)
        if not appendix.append(document, blocks, links):
            return
        self.schedule_layout()
        if self.finder:
            self.finder.add_blocks(document, first_new)
        self._on_append(first_new, True)

    def settled(self) -> None:
        """The opened article is placed and announced: a big complete one leaves the collector."""
        if self.document is not None:
            _freeze_big(self.document)

    def _release_step(self) -> None:
        """Collect what the articles left behind were holding frozen (see :func:`_release_frozen`)."""
        if self.moving:
            self._set_timer(_QUIET_AFTER_MOVE, self._release_step)
            return
        self._release_pending = False
        _release_frozen()

    def clear(self) -> None:
        """Show no article (a message instead): the work on the previous one stops."""
        self.generation += 1
        self._stop_child()
        self.article = None
        self.document = None
        self.layout = None
        self._layouts = {}
        self.finder = Finder()

    def close(self) -> None:
        """The widget is gone: stop everything."""
        self.generation += 1
        self._stop_child()

    def body_arrived(self, *, verified: bool) -> bool:
        """The body of an article opened with ``body_pending`` arrived; True when the cached form
        shown was made from another version of it (the body must be parsed instead)."""
        article, document = self.article, self.document
        if not self.body_pending or article is None or document is None:
            return False
        self.body_pending = False
        if verified:
            return False
        return bool(document.source and document.source != fingerprint(article.body))

    def layout_for(self, width: int, wrap: bool = True) -> Layout:
        """Make the layout at ``width`` the current one (reused if it was kept); ``wrap``
        False lays code and tables out unwrapped."""
        document = self.document
        assert document is not None
        # A small document is wrapped whole; a big one only around the view (the rest is
        # estimated, then wrapped in short slices between frames), so a new width is quick
        # whatever the size.
        layout = self._layouts.pop((width, wrap), None)
        if layout is None or layout.document is not document:
            # (A growing document is not small: its first chunk alone may be hundreds of blocks.)
            small = document.complete and len(document.blocks) <= _EXACT_AT_ONCE
            layout = Layout(document, width, limit=None if small else 0, wrap=wrap)
        self.layout = layout
        self._layouts[(width, wrap)] = layout
        while len(self._layouts) > _LAYOUTS_KEPT:
            self._layouts.pop(next(iter(self._layouts)))
        self.schedule_layout()
        self.finder.forget_lines()  # match lines depend on the width
        return layout

    def when_still(self, step: Step, wanted: Callable[[], bool]) -> None:
        """Run ``step`` at the first check, ``_QUIET_AFTER_MOVE`` s apart, that finds the reader
        not scrolling, unless ``wanted()`` is False by then (someone else did it)."""

        def check() -> None:
            if not wanted():
                return
            if self.moving:
                self._set_timer(_QUIET_AFTER_MOVE, check)
                return
            step()

        self._set_timer(_QUIET_AFTER_MOVE, check)

    def check_ready(self) -> None:
        """Report the document once it is parsed and laid out, if it has news to cache."""
        doc, layout = self.document, self.layout
        if doc is None or layout is None or self.article is None:
            return
        # A body parsed here is worth caching as soon as it is whole; new line counts once the
        # layout has wrapped everything.
        if doc.damaged:
            return  # being replaced by a parse (see _decode_step)
        if doc.complete and (self._unsaved or (layout.complete and doc.changed)):
            self._unsaved = False
            doc.changed = False
            self._on_ready(self.article, doc)

    def highlighter_loaded(self, language: str) -> bool:
        """True when code in ``language`` can be highlighted at once; else its highlighter
        starts loading (in a thread: it is slow) and the code is drawn plain meanwhile."""
        if language in _READY:
            return True
        self._warm_languages([language])
        return False

    # --- layout slices ------------------------------------------------------------------------
    def schedule_layout(self) -> None:
        """Wrap the next slice of an incomplete layout after a pause."""
        if self.layout is not None and not self.layout.complete and not self._layout_pending:
            self._layout_pending = True
            # A pause between slices keeps keys and paints flowing while the layout completes.
            self._set_timer(_LAYOUT_PAUSE, self._layout_step)

    def _layout_step(self) -> None:
        self._layout_pending = False
        layout = self.layout
        if layout is None or layout.complete:
            return
        if self.moving:
            # The reader is scrolling: the next key and frame come first.
            self.schedule_layout()
            return
        # Corrected estimates above the view move its lines: the widget keeps the top line's
        # block (and the line in it) on top.
        y = self._top_line()
        block = layout.block_at(y)
        within = y - layout.block_top(block)
        first_changed = layout.exact_until
        layout.extend_for(_LAYOUT_SLICE)
        self._on_layout(y, layout.block_top(block) + within, first_changed)
        self.schedule_layout()
        self.check_ready()

    # --- a cached form: decoding and the find index -------------------------------------------
    def _decode_step(self, generation: int) -> None:
        document = self.document
        if generation != self.generation or document is None:
            return
        if self.moving:
            # The reader is scrolling: what it shows decodes on its own (a piece on first use).
            self._set_timer(_QUIET_AFTER_MOVE, partial(self._decode_step, generation))
            return
        if not document.load_step(pieces=2):
            # Decoded blocks live as long as the article: out of the collector's reach, or
            # every full collection walks them again (pauses felt while paging).
            gc.freeze()
            self._set_timer(_DECODE_PAUSE, partial(self._decode_step, generation))
            return
        if document.damaged and self.article is not None:
            if self.body_pending:  # the body to parse is not read yet: look again soon
                self._set_timer(_DECODE_PAUSE, partial(self._decode_step, generation))
                return
            # The cache file was bad (it is rewritten once this parse completes).
            self._on_damaged()
            return
        self._warm_highlighter(document.blocks)
        _freeze_big(document)
        self._apply_appendix()
        self._set_timer(_DECODE_PAUSE, partial(self._index_step, generation))

    def _index_step(self, generation: int) -> None:
        """Build the find index a slice at a time while the reader is still (a cached document,
        once decoded): the first find then searches at once rather than lowering the whole
        text first, after waiting for the rest of the decoding."""
        document = self.document
        if generation != self.generation or document is None:
            return
        if self.moving:
            self._set_timer(_QUIET_AFTER_MOVE, partial(self._index_step, generation))
            return
        if not document.index_step(_INDEX_SLICE):
            self._set_timer(_DECODE_PAUSE, partial(self._index_step, generation))

    # --- code highlighters --------------------------------------------------------------------
    def _warm_highlighter(self, blocks: Sequence[Block]) -> None:
        """Load the syntax highlighter for the code languages in ``blocks`` in a thread.

        The first code block of a language drawn waits for Pygments and its lexer to load: a
        scroll would stall on it. Loaded ahead, drawing one is quick.
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
        if self.moving or self.layout is None:
            # Loading holds the GIL for many 5 ms turns: not while the reader scrolls.
            # Code drawn meanwhile shows plain and is repainted highlighted after.
            self._set_timer(_QUIET_AFTER_MOVE, partial(self._start_warming, languages))
            return

        def work() -> None:
            try:
                for language in languages:
                    highlight_code("x\n", language, dark=True)
            finally:
                _READY.update(languages)
                self._call_from_thread(self._on_highlighters)

        self._run_thread(work, group="warm-highlighter", exit_on_error=False)

    # --- parsing the rest of a body -----------------------------------------------------------
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
                    if generation != self.generation:
                        return
                    self._call_from_thread(self._append, generation, document, blocks, links, done)
            finally:
                if child is not None:
                    child.close()

        self._run_thread(work, exclusive=True, group="reader-parse", name="parse article")

    def _append(
        self,
        generation: int,
        document: Document,
        blocks: list[Block],
        links: list[Link],
        done: bool,
    ) -> None:
        if generation != self.generation or self.layout is None:
            return
        first_new = len(document.blocks)
        document.extend(blocks, links, complete=done)
        self._warm_highlighter(blocks)
        self.schedule_layout()
        if self.finder:
            # New blocks may hold more matches: search them and append (order is kept).
            self.finder.add_blocks(document, first_new)
        self._on_append(first_new, done)
        self.check_ready()
        if done:
            self._apply_appendix()
        # The growing document is long-lived: keep full collections (a pause each, on either
        # thread, several during a long parse) from walking it again and again.
        _freeze_young()
        if done:
            _freeze_big(document)
