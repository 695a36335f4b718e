"""Parse an article's Markdown once into compact blocks of styled spans, with a fast cache form."""

from __future__ import annotations

import base64
import gc
import json
import mmap
import re
import threading
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from termreader.models import Link, Section, body_fingerprint
from termreader.text.sanitize import clean, clean_line

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from termreader.text.outline import Slugger

# markdown-it (and the outline module, which builds a parser at import) load only when something
# is parsed: opening a cached article imports neither (about 0.1 s saved at start).

DOC_VERSION = 6
"""Bumped whenever the block form changes; part of the render cache key (see :func:`cache_name`)."""

CACHE_CHUNK = 256
"""Blocks per separately decoded piece of the cache form: opening a cached article decodes the
pieces on screen, not the whole document (see :class:`_LazyBlocks`)."""

QUOTE_CELLS = 2
"""Cells a quote bar takes (``layout.QUOTE_BAR``), for height estimates."""

RAGGED = 3
"""Cells a wrapped line leaves empty at its end, on average (for height estimates)."""

CHUNK_SIZE = 48_000
"""Target size in characters of one incrementally parsed chunk of source."""

FORCE_CUT_FACTOR = 8
"""A chunk this many times :data:`CHUNK_SIZE` may be cut before a list item (see split_chunks)."""

MAX_DEPTH = 40
"""Nesting beyond this (quotes, lists) is drawn flat, so a 10,000-deep quote stays readable."""

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


def cache_name() -> str:
    """The name under which the render form is cached (changes with :data:`DOC_VERSION`)."""
    return f"render-v{DOC_VERSION}"


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
        anchor: Heading anchor (``h``), unique in the article, equal to the outline's.
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


class Document:
    """The render-ready form of an article: blocks, numbered links and sections.

    A document can grow: :class:`Builder` appends the blocks of later chunks while the first
    screen is already shown (``complete`` is False until then).
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
        """True when :attr:`heights` gained a width since the last :meth:`to_bytes`."""
        self.source = ""
        """:func:`fingerprint` of the body it was parsed from ("" when unknown)."""
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
        self._index_from(0)

    def _index_from(self, start: int) -> None:
        for index in range(start, len(self.blocks)):
            block = self.blocks[index]
            self._lines.append(block.line)
            if block.kind == HEADING:
                self._add_heading(
                    index, block.level, bool(block.indent or block.quote), block.anchor, block.text
                )

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
        return not isinstance(blocks, _LazyBlocks) or blocks.pending == 0

    @property
    def damaged(self) -> bool:
        """True when a piece of the cache form turned out unreadable (its blocks say so)."""
        blocks = self.blocks
        return self._damaged or (isinstance(blocks, _LazyBlocks) and blocks.damaged)

    def load_step(self, pieces: int = 4) -> bool:
        """Decode up to ``pieces`` more pieces of a cached document; True when all are decoded.

        Reading the cache decodes only what is looked at; a caller with idle time (the reader,
        between frames) decodes the rest ahead, so a whole-document action (find, the end key)
        never pays for it.
        """
        blocks = self.blocks
        if not isinstance(blocks, _LazyBlocks):
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
        find of a long article does not lower 2 MB of text while a key waits (15-20 ms).
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

    # --- cache form ----------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """Serialize (only a complete document should be cached).

        The form is one JSON header line (links, line counts, size hints, the heading index)
        followed by the blocks in pieces of :data:`CACHE_CHUNK`, each its own JSON array, whose
        byte ranges the header lists: :meth:`from_bytes` decodes a piece only when it is used.
        """
        pieces: list[bytes] = []
        bounds: list[list[int]] = []
        offset = 0
        blocks = self.blocks
        if self.damaged:
            raise ValueError("a damaged render cache is not saved again")
        for first in range(0, len(blocks), CACHE_CHUNK):
            piece = _dumps([b.to_list() for b in blocks[first : first + CACHE_CHUNK]])
            bounds.append([first, offset, offset + len(piece)])
            pieces.append(piece)
            offset += len(piece)
        header = [
            DOC_VERSION,
            len(blocks),
            bounds,
            [[link.title, link.url] for link in self.links],
            {str(width): _pack(heights) for width, heights in self.heights.items()},
            self.source,
            [_pack(h) for h in self.size_hints()],
            _pack(self._lines),
            [
                [index, level, int(nested), anchor, title]
                for index, (level, nested, anchor, title) in zip(
                    self.headings, self._heads, strict=True
                )
            ],
        ]
        self.changed = False
        return _dumps(header) + b"\n" + b"".join(pieces)

    @classmethod
    def from_bytes(cls, data: bytes | mmap.mmap) -> Document:
        """Load a cached document; raises ValueError on a wrong version or garbage.

        Only the header is decoded here; the blocks are decoded piece by piece when first
        used (a 2 MB article opens in milliseconds). A piece found damaged later shows as a
        note in place of its blocks and sets :attr:`damaged`.
        """
        try:
            cut = data.find(b"\n")  # bytes, or a mapped file (which has no index())
            if cut < 0:
                raise ValueError("no header line")
            header = json.loads(data[:cut])
            if not isinstance(header, list) or header[:1] != [DOC_VERSION]:
                raise ValueError(f"render cache version is not {DOC_VERSION}")
            _, count, bounds, links, heights, source, hints, lines, heads = header
            count = int(count)
            lines = _unpack(lines)
            if len(lines) != count:
                raise ValueError("line index does not match the block count")
            body = memoryview(data)[cut + 1 :]
            pieces: list[tuple[int, int, int, int]] = []
            expected = 0
            for first, begin, stop in bounds:
                if first != expected or not 0 <= begin <= stop <= len(body):
                    raise ValueError("bad piece table")
                expected = min(count, first + CACHE_CHUNK)
                pieces.append((int(first), expected, int(begin), int(stop)))
            if expected != count:
                raise ValueError("pieces do not cover the blocks")
            document = cls()
            document.blocks = _LazyBlocks(count, pieces, body)
            document._raw_links = [(t, u) for t, u in links]
            document._lines = lines
            # The heading index in one pass of comprehensions (2,000 headings: 0.5 ms, where a
            # call per heading took 2 ms), each field of the stated type.
            heads = [
                (int(index), int(level), bool(nested), str(anchor), str(title))
                for index, level, nested, anchor, title in heads
            ]
            indices = [head[0] for head in heads]
            if indices and not (0 <= min(indices) and max(indices) < count):
                raise ValueError("heading index out of range")
            document.headings = indices
            document._heads = [head[1:] for head in heads]
            # The first heading of an anchor wins (as _add_heading's setdefault).
            anchors = [head[3] for head in heads]
            document.anchors = dict(zip(reversed(anchors), reversed(indices), strict=True))
            unpacked = {int(width): _unpack(h) for width, h in heights.items()}
            document.heights = {width: h for width, h in unpacked.items() if len(h) == count}
            document.source = str(source)
            fixed, cells, margins = (_unpack(h) for h in hints)
            if len(fixed) == len(cells) == len(margins) == count:
                document._hints = (fixed, cells, margins)
            return document
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise ValueError(f"bad render cache: {exc}") from None


def _pack(values: Sequence[int]) -> str:
    """A list of small non-negative integers as base64 of 32-bit words: tens of thousands of
    line counts decode in microseconds (as JSON numbers they took milliseconds)."""
    return base64.b64encode(array("i", values).tobytes()).decode("ascii")


def _unpack(text: str) -> list[int]:
    """Inverse of :func:`_pack`; raises ValueError on garbage or a negative number."""
    words = array("i")
    words.frombytes(base64.b64decode(text.encode("ascii"), validate=True))
    if words and min(words) < 0:
        raise ValueError("negative count")
    return words.tolist()


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


DAMAGED_NOTE = "(This part of the article's saved layout is damaged; reopen the article.)"


class _LazyBlocks(list):  # type: ignore[type-arg]
    """A cached document's blocks, decoded a piece at a time on first access.

    A list (so :class:`Document` and its users need no other code path) whose undecoded slots
    hold None until a read touches their piece. Iteration and slicing decode what they cover.
    """

    def __init__(self, count: int, pieces: list[tuple[int, int, int, int]], data: memoryview):
        super().__init__([None] * count)
        self._pieces = pieces  # (first block, end block, byte start, byte end)
        self._starts = [piece[0] for piece in pieces]
        self._data = data
        self._done = bytearray(len(pieces))
        self._lock = threading.Lock()
        self.pending = len(pieces)
        self.damaged = False

    def _load(self, number: int) -> None:
        if self._done[number]:
            return
        with self._lock:  # the reader's thread and a cache writer's may both read a piece
            if not self._done[number]:
                self._load_locked(number)

    def _load_locked(self, number: int) -> None:
        first, end, begin, stop = self._pieces[number]
        # Thousands of small objects at once: the cyclic GC would rescan them several times.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            items = json.loads(self._data[begin:stop].tobytes())
            if not isinstance(items, list) or len(items) != end - first:
                raise ValueError("piece size")
            blocks = [Block.from_list(item) for item in items]
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            self.damaged = True
            blocks = [
                Block(PARAGRAPH, 0, spans=[(DAMAGED_NOTE, "")] if i == first else ())
                for i in range(first, end)
            ]
        finally:
            if was_enabled:
                gc.enable()
        list.__setitem__(self, slice(first, end), blocks)
        self._done[number] = 1
        self.pending -= 1
        if not self.pending:
            self._data = memoryview(b"")

    def _load_range(self, start: int, stop: int) -> None:
        if self.pending and start < stop:
            for number in range(bisect_right(self._starts, start) - 1, len(self._pieces)):
                if self._pieces[number][0] >= stop:
                    break
                self._load(number)

    def load_next(self) -> bool:
        """Decode the next undecoded piece; False when none is left."""
        if not self.pending:
            return False
        self._load(self._done.index(0))
        return True

    def __getitem__(self, key: Any) -> Any:
        if self.pending:
            if isinstance(key, slice):
                self._load_range(*key.indices(len(self))[:2])
            else:
                index = key + len(self) if key < 0 else key
                if 0 <= index < len(self):
                    self._load_range(index, index + 1)
        return list.__getitem__(self, key)

    def __iter__(self) -> Iterator[Any]:
        self._load_range(0, len(self))
        return list.__iter__(self)


# --- parsing ------------------------------------------------------------------------------------
def _make_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    # The preset's nesting limit is kept: it bounds hostile depth and matches the outline parser.
    from termreader.text.mdguard import guard

    md = MarkdownIt("commonmark")
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    return guard(md)  # block quotes with lazy lines are quadratic otherwise (issue 6)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_REFDEF = re.compile(
    r"""^ {0,3}\[([^\]\n]{1,999})\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+(?:"([^"\n]*)"|'([^'\n]*)'|\(([^)\n]*)\)))?[ \t]*$""",
    re.MULTILINE,
)
_RAW_HTML = re.compile(r"^ {0,3}(<(?:script|pre|style|textarea)\b|<\?|<!\[CDATA\[)", re.I)
_RAW_END = {"<?": "?>", "<!": "]]>"}
_LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
# A top-level bullet item with text on its line (not "-" alone, a setext underline).
_BULLET_ITEM = re.compile(r"[-+*][ \t]+\S")
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


# Hostile nesting: markdown-it stops parsing at its nesting limit and drops the REST of the
# document, so runs of quote or list markers beyond a sane depth are cut (line count unchanged).
_DEEP_QUOTE = re.compile(r"^((?:[ \t]{0,3}>){12})(?:[ \t]{0,3}>)+", re.MULTILINE)
_DEEP_LIST = re.compile(
    r"^((?:[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+){8})(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)+", re.MULTILINE
)


def defuse_nesting(body: str) -> str:
    """Cap quote and list-marker runs at a sane depth (a 10,000-deep quote stays one quote)."""
    if ">>>>>>" in body or ">" * 12 in body.replace(" ", ""):
        body = _DEEP_QUOTE.sub(r"\1", body)
    return _DEEP_LIST.sub(r"\1", body)


def split_chunks(source: str, size: int = CHUNK_SIZE) -> list[tuple[int, str]]:
    """All chunks of :func:`iter_chunks`, as a list."""
    return list(iter_chunks(source, size))


def iter_chunks(source: str, size: int = CHUNK_SIZE) -> Iterator[tuple[int, str]]:
    """Split Markdown into ``(first line, text)`` chunks that parse the same as the whole.

    Lazy: the first chunk is ready after scanning only its own lines.

    Cuts only at a blank line followed by an unindented line that is not a list item, outside fenced code, HTML comments
    and the raw HTML blocks that may hold blank lines (``<pre>``, ``<script>``, ``<style>``,
    ``<textarea>``, ``<?...?>``, ``<![CDATA[...]]>``), so no block is cut in two; and, in a
    giant tight bullet list (:data:`FORCE_CUT_FACTOR`), between two one-line items (the chunk
    then does not end with a newline, and :class:`Builder` continues the list without a blank
    line).
    """
    if len(source) <= size:
        yield (0, source)
        return
    lines = source.split("\n")
    start = 0
    length = 0
    fence: str | None = None
    raw_end: str | None = None  # inside a raw HTML block (comment, <pre>...): its terminator
    for index, line in enumerate(lines):
        length += len(line) + 1
        match = _FENCE.match(line)
        if fence is not None:
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not line.strip()[len(match.group(1)) :].strip()
            ):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        if raw_end is not None:
            if raw_end in line.lower():
                raw_end = None
            continue
        raw = _RAW_HTML.match(line)
        if raw:
            end = (
                _RAW_END[raw.group(1).lower()[:2]]
                if raw.group(1)[:2] in ("<?", "<!")
                else (f"</{raw.group(1)[1:].lower()}>")
            )
            if end not in line[raw.end() :].lower():
                raw_end = end
                continue
        if "<!--" in line and "-->" not in line.split("<!--")[-1]:
            raw_end = "-->"
            continue
        if (
            length >= size
            and not line.strip()
            and index + 1 < len(lines)
            and lines[index + 1][:1] not in (" ", "\t", "")
            # A list item after a blank line may continue a list (and make it loose): cut there
            # only when a chunk has grown far too big (one giant list), accepting that the list
            # is then drawn as two.
            and (length >= size * FORCE_CUT_FACTOR or not _LIST_ITEM.match(lines[index + 1]))
        ):
            yield (start, "\n".join(lines[start : index + 1]))
            start = index + 1
            length = 0
        elif (
            length >= size * FORCE_CUT_FACTOR
            and index + 1 < len(lines)
            and _BULLET_ITEM.match(line)
            and _BULLET_ITEM.match(lines[index + 1])
            and line[0] == lines[index + 1][0]  # another bullet character starts a new list
        ):
            # Between two one-line items of a giant tight bullet list: without it the whole
            # list is one chunk and the first screen waits for all of it (a 1 MB list: 3.5 s).
            # Builder goes on with no blank line between, so the list looks whole (unless a
            # blank line later makes the rest of it loose: then only the rest is drawn loose).
            yield (start, "\n".join(lines[start : index + 1]))
            start = index + 1
            length = 0
    if start < len(lines):
        yield (start, "\n".join(lines[start:]))


class Builder:
    """Parses a Markdown body chunk by chunk into a growing :class:`Document`.

    One :class:`~termreader.text.outline.Slugger` and one link counter span all chunks, so anchors and
    link numbers are the same as for a one-piece parse. Safe to run :meth:`parse_next` in a worker
    thread (it touches only its own state); hand the results to :meth:`Document.extend`.
    """

    def __init__(self, body: str, *, chunk_size: int = CHUNK_SIZE) -> None:
        from termreader.text.outline import Slugger

        self._md = _make_parser()
        self.source = fingerprint(body)
        self._size = max(1, len(body))
        self._parsed = 0
        self._chunks = iter_chunks(body, chunk_size)
        self._pending: tuple[int, str] | None = next(self._chunks, None)
        self._slugger = Slugger()
        self._link_count = 0
        self._references: dict[str, dict[str, str]] = {}
        self._footnotes: list[str] = []
        self._footnotes_shown: set[str] = set()
        if len(body) > chunk_size:
            self._references = _prescan_references(self._md, body)
            self._footnotes = _prescan_footnotes(body)
        self._first_block = True
        self._continues = False

    @property
    def done(self) -> bool:
        """True when every chunk has been parsed."""
        return self._pending is None

    @property
    def progress(self) -> float:
        """Parsed fraction of the body (by characters)."""
        return 1.0 if self.done else min(1.0, self._parsed / self._size)

    def parse_next(self) -> tuple[list[Block], list[Link]]:
        """Parse the next chunk; returns its blocks and links (empty when done)."""
        if self._pending is None:
            return [], []
        offset, text = self._pending
        self._pending = next(self._chunks, None)
        continues = self._continues
        # A chunk cut between two list items (not at a blank line) goes on without one.
        self._continues = not text.endswith("\n")
        self._parsed += len(text) + 1
        # Per chunk, so the first screen does not wait for a scan of the whole body.
        text = defuse_nesting(text)
        env: dict[str, Any] = {"references": dict(self._references)}
        if self._footnotes:
            env["footnotes"] = _footnote_env(self._footnotes, text)
        tokens = _filter_footnotes(self._md.parse(text, env), self._footnotes_shown)
        conv = _Converter(offset, self._slugger, self._link_count, self._first_block or continues)
        blocks = conv.run(tokens)
        if blocks:
            self._first_block = False
        self._link_count += len(conv.links)
        return blocks, conv.links

    def first(self) -> Document:
        """A document holding the first chunk (complete if there was only one)."""
        blocks, links = self.parse_next()
        document = Document(blocks, links, complete=self.done)
        document.source = self.source
        return document

    def rest(self, document: Document) -> None:
        """Parse every remaining chunk into ``document`` (synchronously)."""
        while not self.done:
            blocks, links = self.parse_next()
            document.extend(blocks, links, complete=self.done)


def parse(body: str) -> Document:
    """Parse a whole Markdown body (sanitized again here: defence in depth)."""
    builder = Builder(body)
    document = builder.first()
    builder.rest(document)
    return document


def _prescan_references(md: MarkdownIt, body: str) -> dict[str, dict[str, str]]:
    """Reference definitions of the whole body, so a chunk can use one defined in a later chunk."""
    from markdown_it.common.utils import normalizeReference

    refs: dict[str, dict[str, str]] = {}
    for match in _REFDEF.finditer(body):
        label = match.group(1)
        if label.startswith("^"):
            continue  # a footnote definition
        key = normalizeReference(label)
        if not key or key in refs:
            continue
        href = md.normalizeLink(match.group(2))
        if not md.validateLink(href):
            continue
        title = match.group(3) or match.group(4) or match.group(5) or ""
        refs[key] = {"title": title, "href": href}
    return refs


_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]{1,200})\]:", re.MULTILINE)
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]{1,200})\](?!:)")


def _prescan_footnotes(body: str) -> list[str]:
    """Labels of the footnotes defined in the body and referenced somewhere in it."""
    defined = dict.fromkeys(_FOOTNOTE_DEF.findall(body))
    used = set(_FOOTNOTE_REF.findall(body))
    return [label for label in defined if label in used]


def _footnote_env(labels: list[str], text: str) -> dict[str, Any]:
    """The footnote state a chunk starts with, so footnotes work across chunks.

    Every label of the body is known (a reference before the chunk of its definition still
    becomes a footnote reference), and the definitions in this chunk are listed as if referenced
    here (else the footnote plugin drops a definition whose references are in other chunks).
    """
    refs = {":" + label: -1 for label in labels}
    listed: dict[int, dict[str, Any]] = {}
    wanted = set(labels)
    for label in dict.fromkeys(_FOOTNOTE_DEF.findall(text)):
        if label in wanted:
            listed[len(listed)] = {"label": label, "count": 0}
    return {"refs": refs, "list": listed}


def _filter_footnotes(tokens: list[Any], shown: set[str]) -> list[Any]:
    """Drop footnote entries with no text (defined in another chunk) or already shown (a chunk
    lists a definition it holds and the reference it meets), and an emptied footnote block."""
    start = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"), -1)
    if start < 0:
        return tokens
    end = next(
        (i for i in range(start + 1, len(tokens)) if tokens[i].type == "footnote_block_close"),
        len(tokens) - 1,
    )
    kept: list[Any] = []
    index = start + 1
    while index < end:
        if tokens[index].type != "footnote_open":
            index += 1
            continue
        close = index
        while close < end and tokens[close].type != "footnote_close":
            close += 1
        entry = tokens[index : close + 1]
        meta = tokens[index].meta or {}
        label = str(meta.get("label") or meta.get("id", 0) + 1)
        has_text = any(
            t.type not in ("footnote_open", "footnote_close", "footnote_anchor") for t in entry
        )
        if has_text and label not in shown:
            shown.add(label)
            kept.extend(entry)
        index = close + 1
    body = [tokens[start], *kept, tokens[end]] if kept else []
    return tokens[:start] + body + tokens[end + 1 :]


class _Converter:
    """Turns one chunk's token stream into blocks."""

    def __init__(self, offset: int, slugger: Slugger, link_base: int, first: bool) -> None:
        self.offset = offset
        self.slugger = slugger
        self.link_base = link_base
        self.links: list[Link] = []
        self.blocks: list[Block] = []
        self.quote = 0
        self.lists: list[dict[str, Any]] = []  # open lists: ordered, next number, item count
        self.items: list[dict[str, Any]] = []  # open items: indent, pending prefix, first
        self.next_gap = 0 if first else 1
        self.last_line = offset

    # --- helpers ------------------------------------------------------------------------------
    def _line(self, token: Any) -> int:
        if token.map:
            self.last_line = token.map[0] + self.offset
        return self.last_line

    def _indent(self) -> int:
        return self.items[-1]["indent"] if self.items else 0

    def _take_prefix(self) -> str:
        if self.items and self.items[-1]["prefix"]:
            prefix = self.items[-1]["prefix"]
            self.items[-1]["prefix"] = ""
            return prefix
        return ""

    def _emit(
        self, kind: str, token: Any, *, tight: bool = False, opens_list: bool = False, **fields: Any
    ) -> None:
        """Append a block. ``tight``: a paragraph of a tight list, drawn without a blank line
        before it unless it ``opens_list`` (the first item of a top-level list)."""
        gap = self.next_gap
        if tight and self.lists and not opens_list:
            gap = 0
        prefix = self._take_prefix()
        self.blocks.append(
            Block(
                kind,
                self._line(token),
                gap=gap,
                quote=min(self.quote, MAX_DEPTH),
                indent=self._indent(),
                prefix=prefix,
                **fields,
            )
        )
        self.next_gap = 1

    # --- walk ---------------------------------------------------------------------------------
    def run(self, tokens: list[Any]) -> list[Block]:
        index = 0
        count = len(tokens)
        while index < count:
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                inline = tokens[index + 1]
                spans = self.inline(inline.children or [])
                level = int(token.tag[1:])
                anchor = self.slugger(_slug_title(inline.children or []))
                self._emit(
                    HEADING,
                    token,
                    level=level,
                    anchor=anchor,
                    spans=[[t, f"{s} h{level}".strip()] for t, s in spans],
                )
                index += 3
                continue
            if kind == "paragraph_open":
                inline = tokens[index + 1]
                spans = self.inline(inline.children or [])
                first_in_list = bool(self.items) and self.items[-1]["first"]
                if self.items:
                    self.items[-1]["first"] = False
                self._emit(
                    PARAGRAPH,
                    token,
                    tight=token.hidden,
                    opens_list=first_in_list
                    and len(self.lists) == 1
                    and self.lists[0]["items"] == 1,
                    spans=spans,
                )
                index += 3
                continue
            if kind in ("fence", "code_block"):
                lang = clean_line(token.info.split()[0]) if token.info.strip() else ""
                code = clean(token.content.rstrip("\n")).expandtabs(4)
                self._emit(CODE, token, data=[lang, code])
            elif kind == "hr":
                self._emit(RULE, token)
            elif kind == "html_block":
                text = " ".join(_TAG.sub(" ", token.content).split())
                if text:
                    self._emit(PARAGRAPH, token, spans=[[clean(text), ""]])
            elif kind == "blockquote_open":
                self.quote += 1
                self._line(token)
            elif kind == "blockquote_close":
                self.quote -= 1
            elif kind in ("bullet_list_open", "ordered_list_open"):
                start = int(token.attrs.get("start", 1) or 1) if kind == "ordered_list_open" else 0
                self.lists.append(
                    {"ordered": kind == "ordered_list_open", "number": start, "items": 0}
                )
                if len(self.lists) == 1:
                    self._line(token)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
                self.next_gap = 1
            elif kind == "list_item_open":
                lst = self.lists[-1] if self.lists else {"ordered": False, "number": 0, "items": 0}
                lst["items"] += 1
                if lst["ordered"]:
                    marker = f"{lst['number']}{token.markup or '.'}"
                    lst["number"] += 1
                else:
                    marker = "•◦▪"[(len(self.lists) - 1) % 3]
                prefix = marker + " "
                if self.items and self.items[-1]["prefix"]:
                    # An item that opens with a nested list: give the outer bullet its own line
                    # rather than emitting the bullets innermost-first at the item ends.
                    self.items[-1]["first"] = False
                    self._emit(PARAGRAPH, token, tight=True, spans=[])
                base = self._indent()
                indent = base + len(prefix) if base < MAX_DEPTH else base
                self.items.append({"indent": indent, "prefix": prefix, "first": True})
                self._line(token)
            elif kind == "list_item_close":
                item = self.items[-1] if self.items else None
                if item is not None and item["prefix"]:
                    self._emit(PARAGRAPH, token, tight=True, spans=[])
                if self.items:
                    self.items.pop()
            elif kind == "footnote_block_open":
                self._emit(RULE, token)
            elif kind == "footnote_open":
                label = clean_line(str(token.meta.get("label", token.meta.get("id", 0) + 1)))
                prefix = f"[^{label}] "
                self.items.append(
                    {"indent": self._indent() + len(prefix), "prefix": prefix, "first": True}
                )
            elif kind == "footnote_close":
                if self.items:
                    self.items.pop()
            elif kind == "table_open":
                index = self.table(tokens, index)
                continue
            index += 1
        return self.blocks

    def table(self, tokens: list[Any], index: int) -> int:
        start = tokens[index]
        aligns: list[str] = []
        rows: list[list[list[Span]]] = []
        row: list[list[Span]] = []
        index += 1
        while index < len(tokens) and tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "tr_open":
                row = []
            elif token.type == "tr_close":
                rows.append(row)
            elif token.type in ("th_open", "td_open"):
                if not rows:
                    style = str(token.attrs.get("style", ""))
                    aligns.append("c" if "center" in style else "r" if "right" in style else "l")
            elif token.type == "inline":
                row.append(self.inline(token.children or []))
            index += 1
        self._emit(TABLE, start, data=[aligns, rows])
        return index + 1

    def inline(self, children: list[Any]) -> list[Span]:
        # Each span's pieces are joined once at the end: appending to a string held in a list
        # copies it every time (a 1 MB paragraph of short lines took seconds).
        out: list[tuple[list[str], str]] = []
        styles: list[str] = []
        link_stack: list[tuple[int, int]] = []  # (link number, index in out where it began)

        def add(text: str, style: str) -> None:
            if not text:
                return
            text = clean(text)
            if out and out[-1][1] == style:
                out[-1][0].append(text)
            else:
                out.append(([text], style))

        def current() -> str:
            return " ".join(styles)

        for child in children:
            kind = child.type
            if kind == "text":
                add(child.content, current())
            elif kind == "code_inline":
                add(child.content, f"{current()} code".strip())
            elif kind == "softbreak":
                add(" ", current())
            elif kind == "hardbreak":
                add("\n", current())
            elif kind == "strong_open":
                styles.append("bold")
            elif kind == "em_open":
                styles.append("italic")
            elif kind == "s_open":
                styles.append("strike")
            elif kind in ("strong_close", "em_close", "s_close"):
                name = {"strong_close": "bold", "em_close": "italic", "s_close": "strike"}[kind]
                if name in styles:
                    styles.reverse()
                    styles.remove(name)
                    styles.reverse()
            elif kind == "link_open":
                number = self.link_base + len(self.links) + 1
                self.links.append(Link(title="", url=clean_line(str(child.attrs.get("href", "")))))
                link_stack.append((number, len(out)))
                styles.append(f"link:{number}")
            elif kind == "link_close":
                if not link_stack:
                    continue
                number, begin = link_stack.pop()
                name = f"link:{number}"
                if name in styles:
                    styles.remove(name)
                title = clean_line("".join("".join(parts) for parts, _ in out[begin:]))
                link = self.links[number - self.link_base - 1]
                link.title = title or link.url
                add(f"[{number}]", f"{current()} linknum:{number}".strip())
            elif kind == "image":
                alt = clean_line(child.content or "")
                src = clean_line(str(child.attrs.get("src", "")))
                add(
                    f"[image: {alt}] {src}" if alt else f"[image] {src}",
                    f"{current()} image".strip(),
                )
            elif kind == "footnote_ref":
                label = child.meta.get("label", child.meta.get("id", 0) + 1)
                add(f"[^{label}]", f"{current()} footnote".strip())
            elif kind == "html_inline":
                if child.content.lower().startswith("<br"):
                    add("\n", current())
        return [("".join(parts), style) for parts, style in out]


def _slug_title(children: list[Any]) -> str:
    """The heading title exactly as :func:`termreader.text.outline.sections_from_markdown` sees it.

    The outline parses plain CommonMark, so strikethrough and footnote markers are plain text
    there; they are put back here so both give the same anchor.
    """
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("s_open", "s_close"):
            parts.append(child.markup)
        elif child.type == "footnote_ref":
            parts.append(f"[^{child.meta.get('label', '')}]")
    return " ".join("".join(parts).split())
