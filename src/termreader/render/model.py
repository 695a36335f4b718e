"""The render form of an article: blocks of styled spans, numbered links, anchors and size hints."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from termreader.models import Link, Section, body_fingerprint
from termreader.text.sanitize import clean_line

# Parsing lives in :mod:`termreader.render.parser` and the cache form in
# :mod:`termreader.render.codec`; this module imports neither, so opening a cached article loads
# no Markdown parser.

DOC_VERSION = 7
"""Bumped whenever the block form changes; part of the render cache key
(see :func:`termreader.render.codec.cache_name`) and of the child parser's hello."""

QUOTE_CELLS = 2
"""Cells a quote bar takes (``lines.QUOTE_BAR``), for height estimates."""

RAGGED = 3
"""Cells a wrapped line leaves empty at its end, on average (for height estimates)."""

# Block kinds.
HEADING = "h"
PARAGRAPH = "p"
CODE = "code"
TABLE = "table"
RULE = "hr"

Span = tuple[str, str]

# Spans are stored as "text<US>style<US>text<US>style": one JSON string per block loads far
# faster than nested lists. Sanitized text never holds U+001F (a C0 control).
_SEP = "\x1f"


def _encode_spans(spans: Sequence[Span]) -> str:
    return _SEP.join(f"{t.replace(_SEP, '')}{_SEP}{s}" for t, s in spans)


def _decode_spans(raw: str) -> list[Span]:
    if not raw:
        return []
    parts = raw.split(_SEP)
    return list(zip(parts[0::2], parts[1::2], strict=False))


fingerprint = body_fingerprint
"""A short digest of an article body: a cached render form is valid only for its body."""


class Block:
    """One block of the document.

    Attributes:
        kind: ``h``, ``p``, ``code``, ``table`` or ``hr``.
        line: 0-based source line of the block in the Markdown body.
        gap: Blank lines drawn before the block (0 inside tight lists).
        quote: Block-quote depth (a bar per level).
        indent: Left margin in cells (list nesting); continuation lines hang here.
        prefix: Bullet or number drawn on the first line, right-aligned in the margin.
        level: Heading level (``h``); 0 otherwise.
        anchor: Heading anchor (``h``), unique in the article, equal to the outline's; a
            footnote's first paragraph has its note's anchor (the mark links there).
        spans: Styled inline content (``h``, ``p``): ``[text, styles]`` pairs.
        data: ``code``: ``[language, text]``; ``table``: ``[aligns, rows]`` where each row is a
            list of cells and each cell a list of spans (the first row is the header).
    """

    __slots__ = (
        "kind",
        "line",
        "gap",
        "quote",
        "indent",
        "prefix",
        "level",
        "anchor",
        "data",
        "_spans",
        "_raw",
        "_text",
    )

    def __init__(
        self,
        kind: str,
        line: int,
        gap: int = 1,
        quote: int = 0,
        indent: int = 0,
        prefix: str = "",
        level: int = 0,
        anchor: str = "",
        spans: Sequence[Span] = (),
        data: Any = None,
    ) -> None:
        self.kind = kind
        self.line = line
        self.gap = gap
        self.quote = quote
        self.indent = indent
        self.prefix = prefix
        self.level = level
        self.anchor = anchor
        self.data = data
        self._spans: Sequence[Span] | None = spans
        self._raw: str | None = None
        self._text: str | None = None

    @property
    def spans(self) -> Sequence[Span]:
        """Styled inline content (decoded from the cache form on first use)."""
        if self._spans is None:
            self._spans = _decode_spans(self._raw or "")
        return self._spans

    @spans.setter
    def spans(self, value: Sequence[Span]) -> None:
        self._spans = value
        self._raw = None
        self._text = None

    @property
    def text(self) -> str:
        """The block's plain text (for search): spans joined, table cells tab-separated."""
        if self._text is None:
            if self.kind == CODE:
                self._text = self.data[1]
            elif self.kind == TABLE:
                self._text = "\n".join(
                    "\t".join("".join(t for t, _ in cell) for cell in row) for row in self.data[1]
                )
            elif self._spans is None:
                self._text = "".join((self._raw or "").split(_SEP)[0::2])
            else:
                self._text = "".join(t for t, _ in self._spans)
        return self._text

    def to_list(self) -> list[Any]:
        """The compact serial form: spans as one separator-joined string (cheap to load)."""
        raw = self._raw if self._spans is None else _encode_spans(self._spans)
        data = self.data
        if self.kind == TABLE:
            data = [data[0], [[_encode_spans(cell) for cell in row] for row in data[1]]]
        return [
            self.kind,
            self.line,
            self.gap,
            self.quote,
            self.indent,
            self.prefix,
            self.level,
            self.anchor,
            raw,
            data,
        ]

    @classmethod
    def from_list(cls, item: list[Any]) -> Block:
        """Inverse of :meth:`to_list` (span decoding is deferred until the block is drawn)."""
        kind, line, gap, quote, indent, prefix, level, anchor, raw, data = item
        if kind == TABLE:
            data = [data[0], [[_decode_spans(cell) for cell in row] for row in data[1]]]
        block = cls(kind, line, gap, quote, indent, prefix, level, anchor, (), data)
        block._spans = None
        block._raw = raw
        return block

    def __repr__(self) -> str:
        return f"Block({self.kind!r}, line={self.line}, text={self.text[:40]!r})"


class DeferredBlocks(list):  # type: ignore[type-arg]
    """A document's blocks, some still undecoded: the cache form's list (see
    :mod:`termreader.render.codec`) subclasses it, so a :class:`Document` can ask how far it got
    without knowing the cache form."""

    pending = 0
    """Pieces not decoded yet."""
    damaged = False
    """True when a decoded piece turned out unreadable."""

    def load_next(self) -> bool:
        """Decode the next undecoded piece; False when none is left."""
        return False


class Document:
    """The render-ready form of an article: blocks, numbered links and sections.

    A document can grow: :class:`~termreader.render.parser.Builder` appends the blocks of later
    chunks while the first screen is already shown (``complete`` is False until then).
    """

    def __init__(
        self,
        blocks: list[Block] | None = None,
        links: list[Link] | None = None,
        *,
        complete: bool = True,
    ) -> None:
        self.blocks: list[Block] = blocks if blocks is not None else []
        self._links: list[Link] = links if links is not None else []
        self._raw_links: list[Any] | None = None  # cache form, cleaned on first use
        self._damaged = False
        self.complete = complete
        self.heights: dict[int, list[int]] = {}
        """Per column width, the line count of every block (gap included), saved with the cache
        so a cached article is laid out without wrapping anything."""
        self.changed = False
        """True when :attr:`heights` gained a width since it was last saved
        (:func:`termreader.render.codec.to_bytes`)."""
        self.source = ""
        """:func:`fingerprint` of the body it was parsed from ("" when unknown)."""
        self.appendix_from: int | None = None
        """Index of the first block appended after the body for presentation (the related list,
        see :meth:`add_appendix`), None when there is none. Not part of the cache form."""
        self.appendix_links_from = 0
        """Index in :attr:`links` of the appendix's first link."""
        self._hints: tuple[list[int], list[int], list[int]] = ([], [], [])
        self.anchors: dict[str, int] = {}
        self.headings: list[int] = []
        self._heads: list[tuple[int, bool, str, str]] = []  # level, nested, anchor, raw title
        self._sections: list[Section] | None = None
        self._lines: list[int] = []
        self._top_level: tuple[int, int] | None = None
        # Find's index, built on the first search and extended as blocks are appended: every
        # block's lowered text joined by NULs (which no query holds, so no match spans two
        # blocks), and where each block starts in it.
        self._low_parts: list[str] = []
        self._low_starts: list[int] = []
        self._low_text = ""
        self._low_joined = 0  # parts in _low_text
        self.notes: list[tuple[int, str]] = []
        """``(block index, anchor)`` of the blocks other than headings that have an anchor
        (footnotes), in block order."""
        self._index_from(0)

    @classmethod
    def restored(
        cls,
        blocks: list[Block],
        *,
        raw_links: list[tuple[Any, Any]],
        lines: list[int],
        heads: list[tuple[int, int, bool, str, str]],
        heights: dict[int, list[int]],
        source: str,
        hints: tuple[list[int], list[int], list[int]] | None,
        notes: list[tuple[int, str]] | None = None,
    ) -> Document:
        """A document from the parts of its cache form, already checked by the caller.

        Args:
            blocks: The blocks (a :class:`DeferredBlocks` decodes them as they are used).
            raw_links: ``(title, url)`` pairs, cleaned on first use of :attr:`links`.
            lines: Every block's source line (see :attr:`source_lines`).
            heads: The heading index (see :meth:`heading_index`).
            heights: Per column width, every block's line count.
            source: The body's fingerprint.
            hints: The size hints (see :meth:`size_hints`), or None to compute them on demand.
            notes: The anchors of blocks other than headings (see :attr:`notes`).
        """
        document = cls()
        document.blocks = blocks
        document._raw_links = raw_links
        document._lines = lines
        indices = [head[0] for head in heads]
        document.headings = indices
        document._heads = [head[1:] for head in heads]
        # The first heading of an anchor wins (as _add_heading's setdefault).
        anchors = [head[3] for head in heads]
        document.anchors = dict(zip(reversed(anchors), reversed(indices), strict=True))
        document.notes = list(notes or [])
        for index, anchor in document.notes:
            document.anchors.setdefault(anchor, index)
        document.heights = heights
        document.source = source
        if hints is not None:
            document._hints = hints
        return document

    def _index_from(self, start: int) -> None:
        for index in range(start, len(self.blocks)):
            block = self.blocks[index]
            self._lines.append(block.line)
            if block.kind == HEADING:
                self._add_heading(
                    index, block.level, bool(block.indent or block.quote), block.anchor, block.text
                )
            elif block.anchor:
                self.notes.append((index, block.anchor))
                self.anchors.setdefault(block.anchor, index)

    def _add_heading(self, index: int, level: int, nested: bool, anchor: str, title: str) -> None:
        self.headings.append(index)
        self._heads.append((level, nested, anchor, title))
        self.anchors.setdefault(anchor, index)

    def extend(self, blocks: Sequence[Block], links: Sequence[Link], *, complete: bool) -> None:
        """Append the blocks and links of a further chunk."""
        start = len(self.blocks)
        self.heights.clear()
        self.blocks.extend(blocks)
        self.links.extend(links)
        self.complete = complete
        self._sections = None
        self._index_from(start)

    def add_appendix(self, blocks: Sequence[Block], links: Sequence[Link]) -> bool:
        """Append blocks shown after the body but not part of it (once; the document must be
        complete and decoded). They are left out of the cache form
        (:func:`termreader.render.codec.to_bytes`): what they say may change while the body
        does not (the related list's marks). Heights saved per width are extended by the
        caller (see :func:`termreader.render.appendix.append`). Returns False when the document
        already has an appendix or is not whole yet."""
        if self.appendix_from is not None or not self.complete or not self.loaded or not blocks:
            return False
        start = len(self.blocks)
        # Set before the blocks go in: a cache encoder in another thread slices at them.
        self.appendix_links_from = len(self.links)
        self.appendix_from = start
        self.blocks.extend(blocks)
        self.links.extend(links)
        self._sections = None
        self._index_from(start)
        return True

    @property
    def links(self) -> list[Link]:
        """The numbered links (link ``n`` is ``links[n - 1]``)."""
        if self._raw_links is not None:
            # Links leave this module: cleaned here (defence in depth against an old or
            # hostile cache), on first use rather than while the article opens.
            self._links = [Link(clean_line(str(t)), clean_line(str(u))) for t, u in self._raw_links]
            self._raw_links = None
        return self._links

    @property
    def loaded(self) -> bool:
        """False while blocks of a cached document are still undecoded (see :meth:`load_step`)."""
        blocks = self.blocks
        return not isinstance(blocks, DeferredBlocks) or blocks.pending == 0

    @property
    def damaged(self) -> bool:
        """True when a piece of the cache form turned out unreadable (its blocks say so)."""
        blocks = self.blocks
        return self._damaged or (isinstance(blocks, DeferredBlocks) and blocks.damaged)

    def load_step(self, pieces: int = 4) -> bool:
        """Decode up to ``pieces`` more pieces of a cached document; True when all are decoded.

        Reading the cache decodes only what is looked at; a caller with idle time (the reader,
        between frames) decodes the rest ahead, so a whole-document action (find, the end key)
        never pays for it.
        """
        blocks = self.blocks
        if not isinstance(blocks, DeferredBlocks):
            return True
        for _ in range(pieces):
            if not blocks.load_next():
                break
        if blocks.pending:
            return False
        self._damaged = blocks.damaged
        self.blocks = list(blocks)  # plain list: faster item access from now on
        return True

    # --- queries ------------------------------------------------------------------------------
    @property
    def sections(self) -> list[Section]:
        """The outline: one section per heading, with its source line as ``position``."""
        if self._sections is None:
            lines = self._lines
            self._sections = [
                Section(
                    level=level,
                    title=clean_line(title),
                    anchor=clean_line(anchor),
                    position=lines[index],
                )
                for index, (level, _nested, anchor, title) in zip(
                    self.headings, self._heads, strict=True
                )
            ]
        return list(self._sections)

    def top_level(self) -> int:
        """The heading level of the top-level sections (for ``}`` / ``{``).

        The smallest level among headings not nested in lists or quotes; when a single heading
        has it (a title), the next level, so a document with an H1 title moves by its H2s.
        """
        if self._top_level is not None and self._top_level[0] == len(self.headings):
            return self._top_level[1]
        levels = [level for level, nested, _, _ in self._heads if not nested] or [
            level for level, _, _, _ in self._heads
        ]
        top = min(levels, default=1)
        if levels.count(top) == 1 and any(level > top for level in levels):
            top = min(level for level in levels if level > top)
        self._top_level = (len(self.headings), top)
        return top

    @property
    def source_lines(self) -> list[int]:
        """Every block's 0-based source line, in block order (not a copy: do not change it)."""
        return self._lines

    def heading_index(self) -> list[tuple[int, int, bool, str, str]]:
        """Per heading ``(block index, level, nested, anchor, raw title)``, in block order."""
        return [
            (index, level, nested, anchor, title)
            for index, (level, nested, anchor, title) in zip(
                self.headings, self._heads, strict=True
            )
        ]

    def block_at_source_line(self, line: int) -> int:
        """Index of the block that contains (or last starts before) source ``line``."""
        return max(0, bisect_right(self._lines, line) - 1)

    def search(self, query: str, start: int = 0) -> Iterator[tuple[int, int]]:
        """Case-insensitive plain-text matches as ``(block index, character offset)``.

        Args:
            query: The text to find.
            start: The first block searched (the blocks before it are skipped).
        """
        needle = query.lower()
        if not needle or "\x00" in needle or start >= len(self.blocks):
            return
        text, starts = self._search_index()
        step = max(1, len(needle))
        at = text.find(needle, starts[start])
        while at != -1:
            index = bisect_right(starts, at) - 1
            yield index, at - starts[index]
            at = text.find(needle, at + step)

    def _search_index(self) -> tuple[str, list[int]]:
        """The lowered text of every block and the block starts in it (see ``__init__``)."""
        self.index_step(len(self.blocks))
        if self._low_joined != len(self._low_parts):
            self._low_text = "\x00".join(self._low_parts)
            self._low_joined = len(self._low_parts)
        return self._low_text, self._low_starts

    @property
    def find_ready(self) -> bool:
        """True when the find index covers every block (a search lowers no text first)."""
        return len(self._low_starts) >= len(self.blocks)

    def index_step(self, blocks: int = 1000) -> bool:
        """Add up to ``blocks`` blocks to the find index; True once it covers the document.

        The reader calls it between frames once a cached document is decoded, so the first
        find of a long article does not lower all of its text while a key waits.
        """
        parts, starts = self._low_parts, self._low_starts
        done = len(starts)
        position = starts[-1] + len(parts[-1]) + 1 if starts else 0
        for block in self.blocks[done : done + blocks]:
            hay = block.text
            low = hay.lower()
            if len(low) != len(hay):  # a case change that alters length: offsets approximate
                low = hay.casefold()
            starts.append(position)
            parts.append(low)
            position += len(low) + 1
        return self.find_ready

    def size_hints(self) -> tuple[list[int], list[int], list[int]]:
        """Per block ``(fixed lines, text cells, margin)``, to estimate heights at any width.

        A block's estimated height at column width ``w`` is ``fixed + cells // (w - margin)``.
        Computed once (for appended blocks only) and saved with the cache form, so a cached
        article is laid out at a new width without decoding its text.
        """
        fixed, cells, margins = self._hints
        for block in self.blocks[len(fixed) :]:
            kind = block.kind
            count = 0
            extra = block.gap
            if kind == CODE:
                extra += block.data[1].count("\n") + 1
            elif kind == TABLE:
                rows = len(block.data[1])
                extra += (rows + 2 + (1 if rows > 1 else 0)) if rows else 1
            elif kind == RULE:
                extra += 1
            else:
                text = block.text
                # Cells without measuring each character: a CJK character is 3 UTF-8 bytes
                # and 2 cells, ASCII 1 and 1 (accented Latin counts 1.5: fine for an estimate).
                count = len(text)
                if not text.isascii():
                    count += (len(text.encode("utf-8", "replace")) - count) // 2
                extra += 1 + text.count("\n") + (1 if kind == HEADING and block.level <= 2 else 0)
            fixed.append(extra)
            cells.append(count)
            margins.append(QUOTE_CELLS * block.quote + block.indent + RAGGED)
        return self._hints
