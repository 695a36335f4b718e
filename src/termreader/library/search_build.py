"""What the search index stores of an article (:class:`Doc`, its row) and how the rows of a
batch are made: in a worker process when the batch is big.

Making a row (the plain text of a body, its token streams, the compressed body) is Python work
that SQLite's insert of the row does not need to wait for: with a second core, one worker
process makes the rows while the writing process inserts the ones before. Threads cannot do it:
both halves need the interpreter lock. Small batches, a single core and a worker that cannot
start make the rows in the writing process, with the same code, so the index is the same.
"""

from __future__ import annotations

import logging
import os
import threading
import zlib
from collections import deque
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from termreader.library.search_text import fold_text, plain_body, tokens
from termreader.text.sanitize import clean, clean_line

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

log = logging.getLogger(__name__)

PARALLEL_AT = 2000
"""Docs in a batch from which a worker process makes the rows (starting one has a cost)."""
_CHUNK = 100
_AHEAD = 4
"""Chunks handed to the worker before the writer waits for the oldest."""


@dataclass(slots=True)
class Doc:
    """One article as the index holds it: metadata and the plain text of its body."""

    id: str
    fp: str
    title: str
    source: str
    tags: list[str]
    date: str
    body: str
    """The plain text of the body (see :func:`plain`), or its Markdown while ``markdown``."""
    markdown: bool = False

    @classmethod
    def of(cls, data: Mapping[str, Any], markdown: str, fp: str) -> Doc:
        """The doc of an article dict (index record or body file) and its Markdown body."""
        tags = data.get("tags") or []
        # Stored text is clean already; an old library's may not be, and the snippets built
        # from this text (with offsets into it) go to the terminal.
        return cls(
            id=str(data["id"]),
            fp=fp,
            title=clean_line(str(data.get("title") or "")),
            source=clean_line(str(data.get("source") or "")),
            tags=[clean_line(str(t)) for t in tags] if isinstance(tags, list) else [],
            date=str(data.get("published") or data.get("fetched") or ""),
            # Made plain by row(), in a worker process when a batch is big (search_build).
            body=markdown,
            markdown=True,
        )

    def plain(self) -> str:
        """The plain text of the body."""
        if self.markdown:
            self.body = plain_body(clean(self.body))
            self.markdown = False
        return self.body

    def streams(self) -> tuple[str, str, str, str]:
        """The FTS5 column values (title, meta, body, singles) of this doc."""
        title, title_singles = tokens(fold_text(self.title))
        meta, meta_singles = tokens(fold_text("\n".join([self.source, *self.tags])))
        body, body_singles = tokens(fold_text(self.plain()))
        singles = " ".join(s for s in (title_singles, meta_singles, body_singles) if s)
        if title_singles or meta_singles:
            singles = " ".join(dict.fromkeys(singles.split()))
        return title, meta, body, singles

    def row(self) -> Row:
        """The values of this doc's ``docs`` row (without ``n``) and then its FTS5 row."""
        body = pack(self.plain())
        tags = "\n".join(self.tags)
        return (self.id, self.fp, self.title, self.source, tags, self.date, body, *self.streams())


Row = tuple[str, str, str, str, str, str, bytes, str, str, str, str]
"""A doc as written: id, fp, title, source, tags, date, packed body, then the FTS5 columns."""


def pack(text: str) -> bytes:
    """A body as stored: compressed (plain text shrinks to a third or less; the index file
    is most of a library's disk after the articles themselves)."""
    return zlib.compress(text.encode("utf-8"), 1)


def unpack(data: bytes | str) -> str:
    return zlib.decompress(data).decode("utf-8") if isinstance(data, bytes) else data


def rows(docs: Iterable[Doc], count: int) -> Generator[Row, None, None]:
    """The rows of ``docs`` in their order; ``count`` (how many there are, about) chooses
    whether a worker process makes them. Closing the iterator stops the worker."""
    pool = _pool() if count >= PARALLEL_AT else None
    if pool is None:
        for doc in docs:
            yield doc.row()
        return
    pending: deque[tuple[list[Doc], Future[list[Row]] | None]] = deque()
    broken = False
    try:
        source = iter(docs)
        while True:
            chunk = list(islice(source, _CHUNK))
            if chunk:
                pending.append((chunk, None if broken else _submit(pool, chunk)))
            if not pending:
                return
            if chunk and len(pending) < _AHEAD:
                continue
            done, future = pending.popleft()
            made = None if future is None else _result(future)
            if made is None:
                broken = True  # the rest is made here
                made = [doc.row() for doc in done]
            yield from made
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _rows(docs: list[Doc]) -> list[Row]:
    """The worker's task."""
    return [doc.row() for doc in docs]


def _submit(pool: ProcessPoolExecutor, chunk: list[Doc]) -> Future[list[Row]] | None:
    try:
        return pool.submit(_rows, chunk)
    except Exception:  # noqa: BLE001 - a broken pool: the writer makes the rows itself
        log.debug("search index worker unavailable", exc_info=True)
        return None


def _result(future: Future[list[Row]]) -> list[Row] | None:
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - as in _submit; a doc that fails fails again here
        log.debug("search index worker failed", exc_info=True)
        return None


def _quiet() -> None:
    """In the worker: the terminal is the reader's (nothing may be written to it, not even a
    traceback), and Ctrl+C is for the writing process, which stops the worker."""
    import signal  # noqa: PLC0415 - the worker's own start-up

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _pool() -> ProcessPoolExecutor | None:
    """A pool of one worker process, or None on a single core or when none can start."""
    if _cores() < 2:
        return None
    import multiprocessing  # noqa: PLC0415 - only a big batch pays for it
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    # Forking copies no thread but the caller's: only safe while it is the only one (the
    # CLI); the TUI searches from worker threads, so it starts a fresh interpreter.
    alone = threading.active_count() == 1
    method = "fork" if alone and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    try:
        return ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context(method), initializer=_quiet
        )
    except (OSError, ValueError, ImportError):
        log.debug("cannot start a search index worker", exc_info=True)
        return None


__all__ = ["PARALLEL_AT", "Doc", "Row", "pack", "rows", "unpack"]
