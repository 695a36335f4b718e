"""The full-text index: ``search.sqlite`` beside ``library.json``, derived from the article files.

The library (TinyDB index and body files) stays the source of truth. This index is SQLite FTS5
(from the standard library, imported on first use so start-up never pays for it) over the
token streams of :mod:`termreader.library.search_text`, with a plain table of each article's
searchable text beside it: the index narrows the candidates, best first (bm25, title weighted),
and each candidate is then checked against :class:`termreader.library.query.Query`, the rule of
``list --query`` and the TUI filter, so the three agree on what matches.

It is kept up to date in the same step as each write of the store (:meth:`SearchIndex.added`,
:meth:`SearchIndex.removed`, called under the library lock). Those never raise: a failure is
logged and leaves a ``search.stale`` marker, and the next search brings the index up to date
(:meth:`SearchIndex.ensure`) by comparing every article's body fingerprint with the one it was
indexed with. A missing, truncated or garbage file is replaced by a new index built from the
article files. SQLite's own locking (WAL) lets one process write while others search.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from termreader.errors import StoreError
from termreader.library import search_build
from termreader.library.query import Query, haystack
from termreader.library.search_build import Doc, Row, unpack
from termreader.library.search_text import (
    SNIPPET_CELLS,
    Snippet,
    exact_in_index,
    fold_text,
    fts_query,
    snippet,
)

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)

FILE_NAME = "search.sqlite"
STALE_NAME = "search.stale"
SCHEMA = "4"
"""Version of the tables and token streams: an index of another version is rebuilt."""

_WEIGHTS = "10.0, 3.0, 1.0, 1.0"
"""bm25 weights of the columns title, meta (source and tags), body, singles."""
_STREAM = "{title meta body}"
RANK_AT_MOST = 5000
"""Matches ranked by bm25 at most (the newest); a query matching more lists only those."""
_SINGLES = "singles"
_BATCH = 500
_BULK = 200
"""A write of at least this many articles runs without waiting for the disk (see _bulk)."""

_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS docs(n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,"
    " fp TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL, tags TEXT NOT NULL,"
    " date TEXT NOT NULL, body BLOB NOT NULL)",
    # Contentless: the text lives once, in docs; a row is deleted by giving its tokens again.
    # Tokens are letters and digits, as str.isalnum() and termreader.library.query see them.
    "CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, meta, body, singles, content='',"
    " tokenize=\"unicode61 remove_diacritics 0 categories 'L* N*'\")",
)


@dataclass(slots=True)
class Hit:
    """One search result: the article's index fields and a line around its first match."""

    id: str
    title: str
    source: str
    date: str
    snippet: Snippet
    field: str
    """Where the snippet comes from: ``"body"``, else ``"title"`` or ``"source"``."""
    find: str
    """The query word found first (what the reader's find should look for)."""


class SearchIndexBroken(Exception):
    """The index file is damaged; it has been removed and will be rebuilt."""


class SearchIndex:
    """The full-text index of one library folder.

    Safe to search from several threads (each gets its own connection); writes come from the
    thread that owns the :class:`termreader.library.store.Library`.
    """

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / FILE_NAME
        self.stale_path = Path(home) / STALE_NAME
        self._local = threading.local()
        self._checked = False

    # --- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        """This thread's connection, reopened when the file was replaced or deleted; a file
        that is not a usable index of this version is removed and started anew."""
        import sqlite3  # noqa: PLC0415 - only searching and indexing pay for it

        local = self._local
        connection: sqlite3.Connection | None = getattr(local, "connection", None)
        try:
            inode = os.stat(self.path).st_ino
        except OSError:
            inode = None
        if connection is not None and inode is not None and inode == local.inode:
            return connection
        if connection is not None:
            connection.close()
            local.connection = None
        try:
            connection = self._open(sqlite3)
        except sqlite3.DatabaseError:
            log.debug("search index %s is damaged; starting anew", self.path, exc_info=True)
            self.discard()
            try:
                connection = self._open(sqlite3)
            except (sqlite3.Error, OSError) as error:
                # E.g. an SQLite built without FTS5, or a read-only library folder.
                raise StoreError(f"the search index cannot be opened: {error}") from error
        local.connection = connection
        local.inode = os.stat(self.path).st_ino
        return connection

    def _open(self, module: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = module.connect(
            self.path, timeout=10.0, isolation_level=None
        )
        try:
            version = self._prepare(connection)
            if version != SCHEMA:
                if version is not None:
                    raise module.DatabaseError(f"index version {version}")
                with _transaction(connection):
                    # Merging segments less often makes adds cheaper; lookups barely notice.
                    connection.execute("INSERT INTO fts(fts, rank) VALUES ('automerge', 8)")
                    connection.execute(
                        "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA,)
                    )
        except BaseException:
            connection.close()
            raise
        return connection

    @staticmethod
    def _prepare(connection: sqlite3.Connection) -> str | None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA cache_size=-16000")  # 16 MB: FTS5 merges touch many pages
        for statement in _TABLES:
            connection.execute(statement)
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None and connection.execute("SELECT 1 FROM docs LIMIT 1").fetchone():
            return "unknown"
        return None if row is None else str(row[0])

    def discard(self) -> None:
        """Remove the index file (a new one is built on next use)."""
        local = self._local
        connection = getattr(local, "connection", None)
        if connection is not None:
            connection.close()
            local.connection = None
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass
            except OSError:
                log.debug("cannot remove %s%s", self.path, suffix, exc_info=True)

    def close(self) -> None:
        """Close this thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # --- writes (from the store, under the library lock) ---------------------------------------
    def mark_stale(self) -> None:
        """Leave the marker that makes the next search bring the index up to date."""
        try:
            self.stale_path.touch()
        except OSError:
            log.debug("cannot mark the search index stale", exc_info=True)

    def added(self, docs: Iterable[Callable[[], Doc]]) -> None:
        """Index (or re-index) articles; never raises (a failure marks the index stale)."""
        try:
            makers = list(docs)
            connection = self._connect()
            rows = search_build.rows((make() for make in makers), len(makers))
            with closing(rows), _bulk(connection, len(makers) >= _BULK):
                with _transaction(connection):
                    for row in rows:
                        self._put(connection, row)
        except Exception:  # noqa: BLE001 - the library write must go on whatever happens here
            log.debug("search index update failed; marked stale", exc_info=True)
            self.mark_stale()

    def removed(self, article_ids: Iterable[str]) -> None:
        """Drop articles from the index; never raises (a failure marks the index stale)."""
        try:
            connection = self._connect()
            with _transaction(connection):
                for article_id in article_ids:
                    self._drop(connection, article_id)
        except Exception:  # noqa: BLE001 - the library write must go on whatever happens here
            log.debug("search index removal failed; marked stale", exc_info=True)
            self.mark_stale()

    def _put(self, connection: sqlite3.Connection, row: Row, *, new: bool = False) -> None:
        """Index a doc's row, replacing its old one unless the caller knows there is none."""
        if not new:
            self._drop(connection, row[0])
        cursor = connection.execute(
            "INSERT INTO docs(id, fp, title, source, tags, date, body) VALUES (?,?,?,?,?,?,?)",
            row[:7],
        )
        connection.execute(
            "INSERT INTO fts(rowid, title, meta, body, singles) VALUES (?,?,?,?,?)",
            (cursor.lastrowid, *row[7:]),
        )

    def _drop(self, connection: sqlite3.Connection, article_id: str) -> None:
        row = connection.execute(
            "SELECT n, fp, title, source, tags, date, body FROM docs WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            return
        old = Doc(article_id, row[1], row[2], row[3], _tags(row[4]), row[5], unpack(row[6]))
        connection.execute(
            "INSERT INTO fts(fts, rowid, title, meta, body, singles) VALUES ('delete',?,?,?,?,?)",
            (row[0], *old.streams()),
        )
        connection.execute("DELETE FROM docs WHERE n = ?", (row[0],))

    # --- keeping up with the library -----------------------------------------------------------
    def needs_check(self) -> bool:
        """True when :meth:`ensure` should run: not yet in this process, or marked stale."""
        return not self._checked or self.stale_path.exists()

    def ensure(
        self,
        fingerprints: Mapping[str, str],
        make_doc: Callable[[str], Doc | None],
        *,
        prune: bool = True,
    ) -> int:
        """Bring the index up to date with the library: index every article whose body
        fingerprint (``fingerprints``: id -> fp) differs from the one indexed, via
        ``make_doc(id)`` (None: skip it), and with ``prune`` drop the articles no longer in the
        library (only when ``fingerprints`` was read under the library lock: a snapshot taken
        outside it could miss an article another process just added). Returns the number of
        articles indexed or dropped."""
        connection = self._connect()
        indexed = dict(connection.execute("SELECT id, fp FROM docs").fetchall())
        todo = [key for key, fp in fingerprints.items() if key not in indexed or indexed[key] != fp]
        gone = [key for key in indexed if key not in fingerprints] if prune else []
        docs = (doc for key in todo if (doc := make_doc(key)) is not None)
        rows = search_build.rows(docs, len(todo))
        with closing(rows), _bulk(connection, len(todo) >= _BULK):
            while batch := list(islice(rows, _BATCH)):
                with _transaction(connection):
                    for row in batch:
                        self._put(connection, row, new=row[0] not in indexed)
        if gone:
            with _transaction(connection):
                for key in gone:
                    self._drop(connection, key)
        if prune:
            self._checked = True
            try:
                self.stale_path.unlink()
            except FileNotFoundError:
                pass
        return len(todo) + len(gone)

    # --- searching -----------------------------------------------------------------------------
    def search(
        self, query: str, limit: int | None = 20, *, cells: int = SNIPPET_CELLS
    ) -> list[Hit]:
        """The articles whose title, source, tags or body match ``query`` (the rule of
        :class:`termreader.library.query.Query`), best first, at most ``limit``, with
        snippets of ``cells`` terminal cells.

        Raises:
            SearchIndexBroken: the file proved damaged (it is removed and marked stale).
        """
        import sqlite3  # noqa: PLC0415 - see _connect

        parsed = Query(query)
        if not parsed:
            return []
        hits: list[Hit] = []
        seen: set[str] = set()
        # When the index answers exactly (see exact_in_index), candidates need no check.
        checked = exact_in_index(parsed.words)
        try:
            # Articles whose title holds every word come first (bm25 alone ranks a word that
            # most articles hold almost at random), then the rest, each part by bm25.
            for in_title in (True, False):
                for row in self._candidates(parsed.words, in_title, limit):
                    if row[0] in seen or (in_title and not parsed.matches(haystack(row[1]))):
                        continue
                    hit = _hit(parsed, row, checked, cells)
                    if hit is None:
                        continue
                    seen.add(hit.id)
                    hits.append(hit)
                    if limit is not None and len(hits) >= limit:
                        return hits
        except sqlite3.DatabaseError as error:
            log.debug("search index %s failed", self.path, exc_info=True)
            self.discard()
            self.mark_stale()
            raise SearchIndexBroken(str(error)) from error
        return hits

    def _candidates(
        self, words: tuple[str, ...], in_title: bool, limit: int | None
    ) -> Iterator[tuple[Any, ...]]:
        """Rows (id, title, source, tags, date, body) that may match, best first. Ranking
        reads only the index; the rows of a page of rowids are read after (sorting rows with
        their bodies in them would copy every matching body)."""
        connection = self._connect()
        columns = "id, title, source, tags, date, body"
        expression = fts_query(words, "{title}" if in_title else _STREAM, _SINGLES)
        if expression is None:
            if in_title:
                return
            # Nothing the index can narrow (punctuation only): check every article.
            for row in connection.execute(f"SELECT {columns} FROM docs ORDER BY date DESC"):
                yield (*row[:5], unpack(row[5]))
            return
        # bm25 scores every match: a word most articles hold would cost a score per article.
        # Then only the newest RANK_AT_MOST matches (rowids grow with each add) are ranked.
        newest = connection.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (expression, RANK_AT_MOST - 1),
        ).fetchone()
        floor = newest[0] if newest is not None and limit is not None else 0
        page = 200 if limit is None else max(50, 3 * limit)
        offset = 0
        while True:
            ranked = [
                row[0]
                for row in connection.execute(
                    "SELECT rowid FROM fts WHERE fts MATCH ? AND rowid >= ?"
                    f" ORDER BY bm25(fts, {_WEIGHTS}) LIMIT ? OFFSET ?",
                    (expression, floor, page, offset),
                )
            ]
            if not ranked:
                return
            # Read in small batches: the caller usually stops after the first few.
            for at in range(0, len(ranked), 20):
                batch = ranked[at : at + 20]
                marks = ",".join("?" * len(batch))
                rows = {
                    row[0]: row[1:]
                    for row in connection.execute(
                        f"SELECT n, {columns} FROM docs WHERE n IN ({marks})", batch
                    )
                }
                for n in batch:
                    if n in rows:
                        row = rows[n]
                        yield (*row[:5], unpack(row[5]))
            if len(ranked) < page:
                return
            offset += page
            page *= 4

    def __len__(self) -> int:
        row = self._connect().execute("SELECT count(*) FROM docs").fetchone()
        return int(row[0]) if row else 0


def _tags(text: str) -> list[str]:
    return text.split("\n") if text else []


def _hit(query: Query, row: tuple[Any, ...], checked: bool, cells: int) -> Hit | None:
    """The result for a candidate row, or None when the query's rule does not match it
    (``checked``: the index's answer is exact, only a snippet is needed)."""
    article_id, title, source, tags, date, body = row
    tag_list = _tags(tags)
    # The body is stored with its whitespace already made single spaces (plain_body).
    if not checked and not query.matches(
        haystack(title, source, *tag_list) + "\n" + fold_text(body)
    ):
        return None
    words = query.words
    for field, text in (
        ("body", body),
        ("title", title),
        ("source", " ".join([source, *tag_list])),
    ):
        found = snippet(text, words, cells)
        if found is not None:
            return Hit(article_id, title, source, date, found, field, found.word)
    if checked:
        return None  # the index and the rule disagree: the rule wins
    return Hit(article_id, title, source, date, Snippet("", [], words[0]), "", words[0])


class Searcher:
    """Search from a worker thread: the index with a snapshot of the library's fingerprints
    taken on the library's own thread (see ``Library.searcher``)."""

    def __init__(
        self,
        index: SearchIndex,
        fingerprints: Mapping[str, str],
        make_doc: Callable[[str], Doc | None],
    ) -> None:
        self.index = index
        self._fingerprints = fingerprints
        self._make_doc = make_doc
        self._prepared = False
        self._lock = threading.Lock()

    @property
    def prepared(self) -> bool:
        """True once :meth:`prepare` has run (the first search may have to build the index)."""
        return self._prepared

    def prepare(self, *, again: bool = False) -> int:
        """Index what the snapshot holds and the index lacks, once (``again``: after the file
        proved damaged). Never drops an article: only a snapshot taken under the library lock
        may. Returns the number indexed."""
        with self._lock:  # two queries typed quickly must not build the index twice
            if self._prepared and not again:
                return 0
            count = self.index.ensure(self._fingerprints, self._make_doc, prune=False)
            self._prepared = True
            return count

    def search(
        self, query: str, limit: int | None = 50, *, cells: int = SNIPPET_CELLS
    ) -> list[Hit]:
        """Like :meth:`SearchIndex.search`, preparing first and rebuilding a damaged file."""
        self.prepare()
        try:
            return self.index.search(query, limit, cells=cells)
        except SearchIndexBroken:
            self.prepare(again=True)
            return self.index.search(query, limit, cells=cells)

    def close(self) -> None:
        """Close the calling thread's connection."""
        self.index.close()


class _bulk:
    """``PRAGMA synchronous=OFF`` for a big write (when ``on``), ``NORMAL`` again after: a
    rebuild or a big batch no longer waits for the disk at each WAL checkpoint. A power loss
    in the middle may leave a damaged file; the index is derived data, and a damaged file is
    found by the next search and rebuilt from the article files."""

    def __init__(self, connection: sqlite3.Connection, on: bool) -> None:
        self.connection = connection
        self.on = on

    def __enter__(self) -> None:
        if self.on:
            self.connection.execute("PRAGMA synchronous=OFF")

    def __exit__(self, *rest: object) -> None:
        if self.on:
            self.connection.execute("PRAGMA synchronous=NORMAL")


class _transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on an error) on an autocommit
    connection: a writer takes SQLite's write lock at once, so two never deadlock."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")


__all__ = ["Doc", "Hit", "SearchIndex", "SearchIndexBroken", "Searcher"]
