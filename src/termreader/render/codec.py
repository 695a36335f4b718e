"""The render cache form of a :class:`~termreader.render.model.Document`: a JSON header, then
blocks in pieces decoded only when used (from bytes or a mapped file)."""

from __future__ import annotations

import base64
import gc
import json
import mmap
import threading
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from termreader.render.model import DOC_VERSION, PARAGRAPH, Block, DeferredBlocks, Document

CACHE_CHUNK = 256
"""Blocks per separately decoded piece of the cache form: opening a cached article decodes the
pieces on screen, not the whole document (see :class:`_LazyBlocks`)."""


def cache_name() -> str:
    """The name under which the render form is cached (changes with :data:`DOC_VERSION`)."""
    return f"render-v{DOC_VERSION}"


def to_bytes(document: Document) -> bytes:
    """Serialize ``document`` (only a complete document should be cached).

    The form is one JSON header line (links, line counts, size hints, the heading index)
    followed by the blocks in pieces of :data:`CACHE_CHUNK`, each its own JSON array, whose
    byte ranges the header lists: :func:`from_bytes` decodes a piece only when it is used.
    Clears the document's ``changed`` flag.
    """
    pieces: list[bytes] = []
    bounds: list[list[int]] = []
    offset = 0
    if document.damaged:
        raise ValueError("a damaged render cache is not saved again")
    # The body's blocks only: an appendix (the related list) is presentation, made afresh.
    count = document.appendix_from
    links_end = document.appendix_links_from if count is not None else None
    if count is None:
        count = len(document.blocks)
    blocks = document.blocks[:count]
    for first in range(0, len(blocks), CACHE_CHUNK):
        piece = _dumps([b.to_list() for b in blocks[first : first + CACHE_CHUNK]])
        bounds.append([first, offset, offset + len(piece)])
        pieces.append(piece)
        offset += len(piece)
    header = [
        DOC_VERSION,
        len(blocks),
        bounds,
        [[link.title, link.url] for link in document.links[:links_end]],
        {
            str(width): _pack(heights[:count])
            for width, heights in list(document.heights.items())
            if len(heights) >= count
        },
        document.source,
        [_pack(h[:count]) for h in document.size_hints()],
        _pack(document.source_lines[:count]),
        [
            [index, level, int(nested), anchor, title]
            for index, level, nested, anchor, title in document.heading_index()
            if index < count
        ],
        [[index, anchor] for index, anchor in document.notes],
    ]
    document.changed = False
    return _dumps(header) + b"\n" + b"".join(pieces)


def from_bytes(data: bytes | mmap.mmap) -> Document:
    """Load a cached document; raises ValueError on a wrong version or garbage.

    Only the header is decoded here; the blocks are decoded piece by piece when first
    used (a long article opens without decoding all of it). A piece found damaged later shows as a
    note in place of its blocks and sets the document's ``damaged``.
    """
    try:
        cut = data.find(b"\n")  # bytes, or a mapped file (which has no index())
        if cut < 0:
            raise ValueError("no header line")
        header = json.loads(data[:cut])
        if not isinstance(header, list) or header[:1] != [DOC_VERSION]:
            raise ValueError(f"render cache version is not {DOC_VERSION}")
        _, count, bounds, links, heights, source, hints, lines, heads, notes = header
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
        raw_links = [(t, u) for t, u in links]
        # The heading index in one pass of comprehensions (a function call per heading costs
        # far more on a long outline), each field of the stated type.
        heads = [
            (int(index), int(level), bool(nested), str(anchor), str(title))
            for index, level, nested, anchor, title in heads
        ]
        notes = [(int(index), str(anchor)) for index, anchor in notes]
        indices = [head[0] for head in heads] + [note[0] for note in notes]
        if indices and not (0 <= min(indices) and max(indices) < count):
            raise ValueError("heading index out of range")
        unpacked = {int(width): _unpack(h) for width, h in heights.items()}
        fixed, cells, margins = (_unpack(h) for h in hints)
        return Document.restored(
            _LazyBlocks(count, pieces, body),
            raw_links=raw_links,
            lines=lines,
            heads=heads,
            heights={width: h for width, h in unpacked.items() if len(h) == count},
            source=str(source),
            notes=notes,
            hints=(
                (fixed, cells, margins)
                if len(fixed) == len(cells) == len(margins) == count
                else None
            ),
        )
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ValueError(f"bad render cache: {exc}") from None


def _pack(values: Sequence[int]) -> str:
    """A list of small non-negative integers as base64 of 32-bit words: a long article's line
    counts decode in one call, far quicker than the same list as JSON numbers."""
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


class _LazyBlocks(DeferredBlocks):
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
