"""The library store: a folder of articles that two processes can read and write at once.

Layout of a library folder::

    library.json        TinyDB manifest: the live index segments + kv_* tables
    index/<seq>.json    TinyDB index segments: one record per article (metadata, no body)
    state.jsonl         append-only journal of small changes since the last compaction
    library.lock        file lock guarding every write
    search.sqlite       full-text index (derived; rebuilt from the article files when lost)
    articles/<id>.json.gz   the body and full metadata of one article (gzip JSON)
    cache/<id>.<name>   render-ready caches (written by the reader; disposable)

:class:`Library` is a facade over the parts: ``index`` (the index with the journal replayed
over it, and the lock), ``journal``, ``files`` (body and cache files), ``queries`` (listing and
finding), ``kv`` (small tables) and ``atomic`` (durable writes). It orders their writes so a
crash is safe: a body file is written (temp, fsync, rename, fsync dir) before the journal line
or index that names it, so an index entry never lacks its body.

Sample articles are imported by ``termreader.library.seeding``, not by the store.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from termreader import locations
from termreader.errors import NotFound, StoreError
from termreader.library import queries
from termreader.library.atomic import describe_oserror
from termreader.library.files import ArticleFiles
from termreader.library.index import Index
from termreader.library.kv import KVTables
from termreader.library.query import Query
from termreader.library.records import BODY_FINGERPRINT, article_from, lean, state_of
from termreader.library.search import Doc, Hit, Searcher, SearchIndex, SearchIndexBroken
from termreader.models import Article, Position, now
from termreader.text.sanitize import clean_line


def _stamped(article: Article) -> Article:
    if article.fetched is None:
        article.fetched = now()
    return article


class Library:
    """A library folder. Safe for two processes at once; every write is atomic.

    Never share one instance between threads: TinyDB and the in-memory cache are not thread-safe.
    """

    notices: list[str]
    """One-line messages for the user gathered while opening (e.g. an index moved aside)."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.notices = []
        self._files = ArticleFiles(self.home)
        self.articles_dir = self._files.articles_dir
        self.cache_dir = self._files.cache_dir
        self._index = Index(self.home, self._files, self.notices)
        self._kv = KVTables(self._index)
        self._search = SearchIndex(self.home)

    @classmethod
    def open(cls, home: Path | str | None = None, *, lazy: bool = False) -> Library:
        """Open (creating if needed) the library at ``home`` (default: locations.library_dir()).

        A corrupt index is moved aside (notice added) and rebuilt from the article files.
        ``lazy``: read only the index's manifest now; the records load as they are needed
        (``list(limit=...)`` reads the newest segments only, anything else all of them).

        Raises:
            StoreError: the folder cannot be created or read (one-line message).
        """
        library = cls(locations.library_dir(home))
        try:
            library.articles_dir.mkdir(parents=True, exist_ok=True)
            library.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(describe_oserror(error, f"library folder {library.home}")) from error
        library._index.open(partial=lazy)
        return library

    def close(self) -> None:
        """Nothing to release (files are closed after every operation); kept for symmetry."""

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- articles -----------------------------------------------------------------------------
    def add(self, article: Article, *, search_later: bool = False) -> Article:
        """Insert or replace an article (body file first, then index). Keeps the reading state of
        an existing article with the same id. Returns the stored article.

        ``search_later``: mark the search index stale instead of indexing the article now; the
        next search (in any process) indexes it first. For an article on its way to the screen:
        indexing a 2 MB body takes longer than showing its first page.
        """
        index = self._index
        with index.locked():
            index.refresh()
            _stamped(article)
            undo = self._files.write_body(article)
            try:
                index.append(index.put_entries([lean(article)]))
            except StoreError:
                undo()
                raise
            if search_later:
                self._search.mark_stale()
            else:
                self._search.added([self._doc_maker(article)])
            index.maybe_compact()
            return article_from(index.records[article.id], article)

    def add_many(self, articles: Iterable[Article]) -> builtins.list[Article]:
        """Like :meth:`add` for many, with one journal write (or, for a batch bigger than a
        compaction's worth, new index segments and no journal line)."""
        batch = [_stamped(a) for a in articles]
        if not batch:
            return []
        index = self._index
        with index.locked():
            index.refresh()
            undo = self._files.write_bodies(batch)
            try:
                index.add_all(lean(article) for article in batch)
            except StoreError:
                undo()
                raise
            self._search.added(self._doc_maker(article) for article in batch)
            return [article_from(index.records[a.id], a) for a in batch]

    def remove(self, article_id: str) -> None:
        """Remove an article and its files. Raises NotFound."""
        if not self.remove_many([article_id]):
            raise NotFound(f"no article with id {article_id}")

    def remove_many(self, article_ids: Iterable[str]) -> builtins.list[str]:
        """Remove many articles with one journal write; returns the ids removed (those not in
        the library are skipped)."""
        index = self._index
        with index.locked():
            index.refresh(partial=True)
            gone = []
            for key in dict.fromkeys(article_ids):
                if key not in index.records:
                    try:  # in a segment not read yet (a lazily opened library)
                        index.record(key)
                    except NotFound:
                        continue
                gone.append(key)
            if not gone:
                return []
            index.append([{"r": key} for key in gone])
            # The index line went first: a crash now leaves orphan files, never a dangling entry.
            for key in gone:
                self._files.remove(key)
            self._search.removed(gone)
            index.maybe_compact()
            return gone

    def restore(self, article: Article) -> Article:
        """Put back a removed article whole: body, metadata and reading state (undoing a
        remove). One journal write holds both the article and its state. Returns it as stored."""
        index = self._index
        with index.locked():
            index.refresh()
            undo = self._files.write_body(article)
            try:
                index.append([{"a": lean(article)}, {"s": article.id, **state_of(article)}])
            except StoreError:
                undo()
                raise
            self._search.added([self._doc_maker(article)])
            index.maybe_compact()
            return article_from(index.records[article.id], article)

    def get(self, article_id: str) -> Article:
        """The whole article, body included. Raises NotFound / StoreError (bad body file)."""
        record = self._index.record(article_id)
        data = self._files.read_body(article_id)
        try:
            return article_from(record, data)
        except (TypeError, ValueError, KeyError) as error:
            raise StoreError(f"article {article_id}: its file is damaged") from error

    def meta(self, article_id: str) -> Article:
        """The article without its body (``body == ""``). Raises NotFound.

        Sections, links and related come from the body file when it is readable (empty
        otherwise); :meth:`list` returns index fields only.
        """
        record = self._index.record(article_id)
        try:
            data = self._files.read_body(article_id)
            data = {k: data[k] for k in ("sections", "links", "related") if k in data}
            return article_from(record, data)
        except (StoreError, TypeError, ValueError, KeyError):
            return article_from(record)

    def brief(self, article_id: str) -> Article:
        """The article's index fields only (no body, sections, links or related), without
        reading its body file. Raises NotFound."""
        try:
            return article_from(self._index.record(article_id))
        except (TypeError, ValueError, KeyError) as error:
            raise StoreError(f"article {article_id}: its index record is damaged") from error

    def body_fingerprint(self, article_id: str) -> str:
        """The fingerprint of the article's body, from the index ("" for a record written
        before the index kept it). Raises NotFound."""
        value = self._index.record(article_id).get(BODY_FINGERPRINT, "")
        return value if isinstance(value, str) else ""

    # --- queries ------------------------------------------------------------------------------
    def list(
        self,
        query: str | None = None,
        *,
        unread: bool | None = None,
        starred: bool | None = None,
        limit: int | None = None,
    ) -> builtins.list[Article]:
        """Metadata of the articles, newest first (published, else fetched). ``query`` keeps
        those whose title, source or tags hold every word of it (the rule of
        :class:`termreader.library.query.Query`); ``limit`` keeps the newest that many (the rest
        is never built: a first screen of a big library).

        The articles carry index fields only: no body, sections, links or related.
        """
        index = self._index
        selected = Query(query)
        if limit is None:
            index.refresh()
        else:
            index.refresh(partial=True)
            stamp = index.lookups.sort_stamp
            while (bound := index.unloaded_newest()) is not None:
                ready = queries.selected(index.records, index.lookups, selected, unread, starred)
                if sum(1 for r in ready if stamp(r) > bound) >= limit:
                    break
                index.load_next()
        return queries.listing(
            index.records,
            index.lookups,
            selected,
            unread=unread,
            starred=starred,
            limit=limit,
        )

    def search(self, query: str, *, limit: int | None = 20) -> builtins.list[Hit]:
        """Full-text search (:mod:`termreader.library.search`): the articles whose title,
        source, tags or body match ``query``, best first, each with a line around its first
        match. The index is brought up to date first when it is new, damaged or marked stale.
        """
        index, engine = self._index, self._search
        index.refresh()
        if engine.needs_check():
            self._update_search()
        try:
            hits = engine.search(query, limit)
        except SearchIndexBroken:
            self._update_search()
            hits = engine.search(query, limit)
        return [hit for hit in hits if hit.id in index.records]

    def searcher(self) -> Searcher:
        """A :class:`termreader.library.search.Searcher` for a worker thread: it reads only
        the index and the body files, never this (single-threaded) object."""
        self._index.refresh()
        records = dict(self._index.records)
        fingerprints = {key: str(r.get(BODY_FINGERPRINT) or "") for key, r in records.items()}
        return Searcher(self._search, fingerprints, lambda key: self._search_doc(records, key))

    def _update_search(self) -> None:
        index = self._index
        with index.locked():
            index.refresh()
            records = index.records
            self._search.ensure(
                {key: str(r.get(BODY_FINGERPRINT) or "") for key, r in records.items()},
                lambda key: self._search_doc(records, key),
            )

    def _search_doc(self, records: dict[str, dict[str, Any]], key: str) -> Doc | None:
        record = records.get(key)
        try:
            body = self._files.read_body(key).get("body")
        except StoreError:
            return None
        if record is None or not isinstance(body, str):
            return None
        return Doc.of(record, body, str(record.get(BODY_FINGERPRINT) or ""))

    def _doc_maker(self, article: Article) -> Callable[[], Doc]:
        records = self._index.records
        return lambda: Doc.of(
            records[article.id], article.body, str(records[article.id].get(BODY_FINGERPRINT, ""))
        )

    def stream(
        self,
        query: str | None = None,
        *,
        unread: bool | None = None,
        starred: bool | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The index records :meth:`list` would give, newest first, each as soon as it is
        known to come next: the newest segments are read first, so the first rows come at once
        in a big library. Records are the index's own (read them, do not change them); see
        :func:`termreader.library.queries.list_fields` for their listing form."""
        index = self._index
        index.refresh(partial=True)
        return queries.stream(index, Query(query), unread, starred)

    def stream_articles(self) -> Iterator[Article]:
        """:meth:`list`'s articles, newest first, one at a time (see :meth:`stream`): a caller
        can build a big library's list in steps."""
        lookups = self._index.lookups
        for record in self.stream():
            yield queries.brief(record, lookups)

    def older_than(self, stamp: float) -> builtins.list[dict[str, Any]]:
        """The index records dated (published, else fetched) before ``stamp``, newest first
        (an undated record is none of them: its age is unknown); of a lazily opened library
        only the segments that can hold such records are read. Records are the index's own
        (read them, do not change them)."""
        index = self._index
        index.refresh(partial=True)
        index.load_older_than(stamp)
        stamp_of = index.lookups.sort_stamp
        old = [record for record in index.records.values() if 0 < stamp_of(record) < stamp]
        old.sort(key=index.lookups.newest_first)
        return old

    def take_changes(self) -> set[str]:
        """Ids of the articles added, changed or removed since the last call, by this process
        or another (the library is brought up to date first). Reading a lazily opened library's
        next segment is no change."""
        index = self._index
        # A view read whole stays whole: a record missing from a partial one is no removal.
        index.refresh(partial=not index.complete_view)
        return index.take_changes()

    def counts(self, *, estimate: bool = False) -> tuple[int, int]:
        """(articles, unread articles) in the library, without building Article objects.

        ``estimate``: from the index manifest for the records not loaded yet (exact once a
        full listing has loaded them), so a lazily opened library is not read whole for it.
        """
        index = self._index
        index.refresh(partial=estimate)
        total, unread = queries.counts(index.records)
        more, more_unread = index.unloaded_counts()
        return total + more, unread + more_unread

    def stamp(self) -> tuple[Any, ...]:
        """A value that changes whenever the library changes on disk (this process's writes
        included): compare it to notice another process's changes without reading anything."""
        return self._index.stamp()

    @property
    def fully_loaded(self) -> bool:
        """False while a lazily opened library has index segments still unread."""
        return self._index.complete_view

    def load_more(self) -> bool:
        """Read one more index segment of a lazily opened library (a few milliseconds), newest
        first; False when everything is loaded."""
        self._index.load_next()
        return not self._index.complete_view

    def ids(self) -> builtins.list[str]:
        """Every article id (cheap; no Article objects built)."""
        self._index.refresh()
        return list(self._index.records)

    def states(self, ids: Iterable[str]) -> dict[str, dict[str, bool]]:
        """``{"unread", "starred"}`` of each of ``ids`` in the library, from the index alone
        (no Article built: a sync compares thousands)."""
        index = self._index
        index.refresh()
        records = index.records
        return {
            key: {
                "unread": bool(records[key].get("unread", True)),
                "starred": bool(records[key].get("starred", False)),
            }
            for key in ids
            if key in records
        }

    def resolve(self, ref: str) -> Article:
        """Find an article by id, id prefix (unique, ≥ 4 characters), URL, or file path.

        File articles are matched on their ``url``, the absolute path string; ``ref`` may be a
        relative path, an absolute path or a ``file://`` URL. Raises NotFound.
        """
        return self.meta(self.resolve_id(ref))

    def resolve_id(self, ref: str) -> str:
        """The id :meth:`resolve` would return, from the index alone (no body file is read:
        reading and decoding a big article's body would delay the caller). Raises NotFound."""
        index = self._index
        index.refresh()
        return queries.resolve_id(index.records, index.lookups, ref)

    def by_url(self, url: str) -> Article | None:
        """The article with this URL (normalized: no fragment), or None."""
        index = self._index
        index.refresh()
        key = index.lookups.url_map(index.records).get(queries.normalize_url(url))
        return self.meta(key) if key is not None else None

    def by_title(self, title: str) -> builtins.list[Article]:
        """Articles whose title equals ``title`` (whitespace/case folded), newest first."""
        index = self._index
        index.refresh()
        return queries.by_title(index.records, index.lookups, title)

    def __len__(self) -> int:
        self._index.refresh()
        return len(self._index.records)

    def __contains__(self, article_id: object) -> bool:
        self._index.refresh()
        return article_id in self._index.records

    # --- reading state: one journal line, whatever the library size ----------------------------
    def _set_state(self, article_id: str, **fields: Any) -> None:
        index = self._index
        with index.locked():
            index.record(article_id)
            index.append([{"s": article_id, **fields}])
            index.maybe_compact(state=True)

    def set_position(self, article_id: str, position: Position) -> None:
        """Save the reading position (one journal line). Raises NotFound."""
        self._set_state(
            article_id,
            position={
                "anchor": position.anchor,
                "offset": int(position.offset),
                "percent": float(position.percent),
            },
        )

    def set_unread(self, article_id: str, unread: bool) -> None:
        """Mark an article unread or read. Raises NotFound."""
        self._set_state(article_id, unread=bool(unread))

    def set_starred(self, article_id: str, starred: bool = True) -> None:
        """Star (keep) an article or take the star off. Raises NotFound."""
        self._set_state(article_id, starred=bool(starred))

    def set_unread_many(self, article_ids: Iterable[str], unread: bool) -> int:
        """Mark many articles unread or read with one journal write (a whole source read).
        Ids no longer in the library are skipped. Returns how many were marked."""
        index = self._index
        with index.locked():
            index.refresh()
            entries = [
                {"s": key, "unread": bool(unread)} for key in article_ids if key in index.records
            ]
            if entries:
                index.append(entries)
                index.maybe_compact(state=True)
            return len(entries)

    def set_tags(self, article_id: str, tags: Iterable[str]) -> builtins.list[str]:
        """Replace an article's tags (one journal line; the body file is not rewritten). Tags
        are cleaned to one line each, stripped, and kept once in the order given. Returns
        them. Raises NotFound."""
        kept: builtins.list[str] = []
        for tag in tags:
            tag = " ".join(clean_line(tag).split())
            if tag and tag not in kept:
                kept.append(tag)
        self._set_state(article_id, tags=kept)
        # Tags are searched: index the article again (its body is unchanged but read whole).
        doc = self._search_doc(self._index.records, article_id)
        if doc is not None:
            self._search.added([lambda: doc])
        return kept

    def set_states(self, states: dict[str, dict[str, bool]]) -> None:
        """Set ``unread`` and/or ``starred`` of many articles with one journal write (a sync
        taking a server's state). Ids not in the library are skipped."""
        index = self._index
        with index.locked():
            index.refresh()
            lines = [
                {"s": key, **{k: bool(v) for k, v in fields.items() if k in ("unread", "starred")}}
                for key, fields in states.items()
                if key in index.records
            ]
            if lines:
                index.append(lines)
                index.maybe_compact(state=True)

    def set_finished(self, article_id: str, finished: bool = True) -> None:
        """Mark an article finished (read to the end). Raises NotFound."""
        self._set_state(article_id, finished=bool(finished))

    def compact(self) -> None:
        """Fold the journal into the index now (e.g. before a backup)."""
        with self._index.locked():
            self._index.refresh()
            self._index.compact()

    # --- caches and small tables ----------------------------------------------------------------
    def read_cache(self, article_id: str, name: str) -> bytes | None:
        """A disposable cache blob (e.g. the render-ready form), or None."""
        return self._files.read_cache(article_id, name)

    def map_cache(self, article_id: str, name: str) -> Any:
        """A cache blob mapped into memory (read-only, bytes-like), or None (see
        :meth:`termreader.library.files.ArticleFiles.map_cache`)."""
        return self._files.map_cache(article_id, name)

    def write_cache(self, article_id: str, name: str, data: bytes) -> None:
        """Store a disposable cache blob (atomic; no lock needed since any version is valid)."""
        self._files.write_cache(article_id, name, data)

    def kv_get(self, table: str, key: str) -> dict[str, Any] | None:
        """A record of a small named table (subscriptions, HTTP validators...)."""
        return self._kv.get(table, key)

    def kv_put(self, table: str, key: str, value: dict[str, Any]) -> None:
        """Insert or replace a record (one journal line). ``value`` must be JSON-ready."""
        self._kv.put_many(table, {key: value})

    def kv_put_many(self, table: str, values: dict[str, dict[str, Any]]) -> None:
        """Insert or replace several records with one write."""
        self._kv.put_many(table, values)

    def kv_delete(self, table: str, key: str) -> None:
        """Delete a record (no error when absent)."""
        self._kv.delete(table, key)

    def kv_delete_many(self, table: str, keys: builtins.list[str]) -> None:
        """Delete several records with one write."""
        self._kv.delete_many(table, keys)

    def kv_all(self, table: str) -> dict[str, dict[str, Any]]:
        """Every record of a table, by key."""
        return self._kv.all(table)
