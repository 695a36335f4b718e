"""The library index: ``library.json`` (TinyDB) plus the journal replayed over it, in memory.

Every change (an added or removed article, reading state, a kv record) is one journal line;
loading replays the journal over the index. Each line holds absolute values, so replaying a
line twice changes nothing, which makes a crash between "index written" and "journal reset"
harmless.

Compaction folds the journal into ``library.json`` (one atomic write) and rewrites the journal
as a snapshot of the reading state and kv tables, so a lost or garbage index can be rebuilt
losslessly from ``articles/*.json.gz`` plus the journal.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from termreader.errors import NotFound, StoreError
from termreader.library.atomic import atomic_write, describe_oserror, dumps
from termreader.library.files import ArticleFiles
from termreader.library.journal import Journal
from termreader.library.queries import Lookups
from termreader.library.records import (
    STATE_FIELDS,
    apply_edits,
    default_state,
    edits_of,
    keep_edits,
    lean,
    meta_only,
    without_defaults,
)
from termreader.models import Article

INDEX_NAME = "library.json"
JOURNAL_NAME = "state.jsonl"
LOCK_NAME = "library.lock"
ARTICLES_TABLE = "articles"
KV_PREFIX = "kv_"

COMPACT_LINES = 2000
"""Journal lines after which an add/remove/kv write folds the journal into the index."""
COMPACT_LINES_STATE = 20000
"""Reading-state writes compact only past this many lines, so saving a position stays cheap."""
LOCK_TIMEOUT = 30.0
STALE_TEMP_SECONDS = 600

_MAKE_LOCK = threading.Lock()


class IndexUnreadable(StoreError):
    """The index file exists but is not a valid TinyDB JSON document."""


class AtomicJSONStorage(Storage):
    """A TinyDB storage whose ``write`` is atomic and durable (temp, fsync, rename, fsync dir).

    ``read`` returns None for a missing or empty file and raises :class:`IndexUnreadable` for
    anything that is not a JSON object of tables.
    """

    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        super().__init__()
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError(f"cannot read {self.path}: {error.strerror}") from error
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise IndexUnreadable(f"{self.path} is not valid JSON") from error
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise IndexUnreadable(f"{self.path} is not a TinyDB database")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        atomic_write(self.path, dumps(data))

    def close(self) -> None:
        pass


class _KeyedTable(Table):
    """TinyDB table whose document ids are strings (article ids, kv keys), not integers."""

    document_id_class = str  # type: ignore[assignment]


class _KeyedTinyDB(TinyDB):
    table_class = _KeyedTable


def open_tinydb(path: str | os.PathLike[str]) -> TinyDB:
    """The index as a plain TinyDB (for tools and tests). Reading state in ``state.jsonl`` since
    the last compaction is not included; use :class:`termreader.library.store.Library` for the
    live view."""
    return _KeyedTinyDB(path, storage=AtomicJSONStorage)


def _stat_sig(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Index:
    """The in-memory view of a library's index and journal, kept in step with the files by their
    stat (another process may write at any time), and the lock that guards every write.

    Reading needs no lock (writes are renames, torn journal lines are skipped), so a read-only
    library can still be listed and read.
    """

    def __init__(self, home: Path, files: ArticleFiles, notices: list[str]) -> None:
        self.home = home
        self.path = home / INDEX_NAME
        self.files = files
        self.notices = notices
        """One-line messages for the user (the library's own list: a rebuilt index adds one)."""
        self.journal = Journal(home / JOURNAL_NAME)
        self.lookups = Lookups()
        self.records: dict[str, dict[str, Any]] = {}
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self._storage = AtomicJSONStorage(self.path)
        self._lock: Any = None  # a filelock.FileLock, made on the first write (see locked)
        self._sig: tuple[int, int, int, int] | None = None
        self._loaded = False

    # --- locking and loading ------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the library's file lock (re-entrant). Raises StoreError (timeout, no access)."""
        # Imported here: opening the library to read it (the app's start) never needs it.
        import filelock

        with _MAKE_LOCK:
            if self._lock is None:
                self._lock = filelock.FileLock(
                    str(self.home / LOCK_NAME), timeout=LOCK_TIMEOUT, poll_interval=0.002
                )
        try:
            self._lock.acquire()
        except filelock.Timeout as error:
            raise StoreError(f"the library {self.home} is locked by another process") from error
        except OSError as error:
            raise StoreError(describe_oserror(error, f"lock file in {self.home}")) from error
        try:
            yield
        finally:
            self._lock.release()

    def open(self) -> None:
        """Load the view; on a library's first open, write its (empty) index."""
        self.refresh(force=True)
        if not self.path.exists() and not self.records:
            with self.locked():
                self.refresh(force=True)
                if not self.path.exists() and not self.records:
                    # An empty index from the start: later, "index missing + body files" means
                    # loss.
                    self.write_index()

    def refresh(self, force: bool = False) -> None:
        """Bring the in-memory view up to date with the files (cheap when nothing changed)."""
        sig = _stat_sig(self.path)
        if force or not self._loaded or sig != self._sig:
            self._load()
            return
        self._read_journal()

    def record(self, article_id: str) -> dict[str, Any]:
        """The up-to-date index record of ``article_id``. Raises NotFound."""
        self.refresh()
        record = self.records.get(article_id)
        if record is None:
            raise NotFound(f"no article with id {article_id}")
        return record

    def _load(self, _retry: int = 3) -> None:
        sig = _stat_sig(self.path)
        try:
            data = self._storage.read()
        except IndexUnreadable:
            with self.locked():  # re-entrant: fine when the caller already holds it
                try:  # another process may have rebuilt it meanwhile
                    data = self._storage.read()
                    sig = _stat_sig(self.path)
                except IndexUnreadable:
                    self._rebuild(broken=True)
                    return
        if data is None and sig is None and self.files.has_bodies():
            with self.locked():
                if not self.path.exists():
                    self._rebuild(broken=False)
                    return
            self._load()
            return
        data = data or {}
        records: dict[str, dict[str, Any]] = {}
        for key, record in (data.get(ARTICLES_TABLE) or {}).items():
            if isinstance(record, dict) and record.get("id") == key:
                records[key] = record
        self.records = records
        self.tables = {
            name[len(KV_PREFIX) :]: dict(table)
            for name, table in data.items()
            if name.startswith(KV_PREFIX)
        }
        self._sig = sig
        self._loaded = True
        self.lookups.clear()
        self.journal.reset()
        self._read_journal()
        if _retry and _stat_sig(self.path) != sig:
            # A compaction elsewhere replaced both files between our two reads: read again.
            self._load(_retry - 1)

    def _read_journal(self) -> None:
        if not self.journal.read(self.apply):
            self._load()

    def apply(self, entry: dict[str, Any]) -> None:
        """Apply one journal entry. Entries hold absolute values: applying twice is harmless."""
        if "a" in entry:
            meta = entry["a"]
            if not isinstance(meta, dict) or not isinstance(meta.get("id"), str):
                return
            key = meta["id"]
            old = self.records.get(key)
            state = {f: old[f] for f in STATE_FIELDS if f in old} if old else default_state()
            record = meta_only(meta)
            record.update(state)
            keep_edits(old, record)
            self.records[key] = record
            self.lookups.changed(key, old, record)
        elif "r" in entry:
            removed = self.records.pop(str(entry["r"]), None)
            if removed:
                self.lookups.removed(removed)
        elif "s" in entry:
            target = self.records.get(str(entry["s"]))
            if target is not None:
                for field in STATE_FIELDS:
                    if field in entry:
                        target[field] = entry[field]
                if apply_edits(target, entry):
                    self.lookups.changed(target["id"], target, target)
        elif "snapshot" in entry:
            # First line of a compacted journal: the lines that only restate the index.
            with contextlib.suppress(TypeError, ValueError):
                self.journal.snapshot_lines = int(entry["snapshot"])
        elif "kv" in entry:
            table = self.tables.setdefault(str(entry["kv"]), {})
            value = entry.get("v")
            if value is None:
                table.pop(str(entry.get("k")), None)
            elif isinstance(value, dict):
                table[str(entry.get("k"))] = value

    def _rebuild(self, *, broken: bool) -> None:
        """Rebuild the index from the body files plus the journal (called under the lock)."""
        moved = ""
        if broken:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            target = self.path.with_name(f"{INDEX_NAME}.broken-{stamp}")
            n = 1
            while target.exists():
                target = self.path.with_name(f"{INDEX_NAME}.broken-{stamp}-{n}")
                n += 1
            try:
                os.replace(self.path, target)
            except OSError as error:
                raise StoreError(
                    f"the library index {self.path} is unreadable and cannot be moved "
                    f"aside: {error.strerror}"
                ) from error
            moved = target.name
        records: dict[str, dict[str, Any]] = {}
        bad = 0
        for path in self.files.body_paths():
            try:
                data = self.files.read_body_file(path)
            except StoreError:
                bad += 1
                continue
            article = Article.from_dict(data)
            record = lean(article)
            record.update(default_state())
            records[article.id] = record
        self.records = records
        self.tables = {}
        self.lookups.clear()
        self._sig = None
        self._loaded = True
        self.journal.reset()
        # The journal holds reading state and kv tables (a snapshot since the last compaction):
        # replay it, but only for articles whose body file we found.
        self._read_journal()
        self.records = {k: v for k, v in self.records.items() if k in records}
        self.lookups.clear()
        self.compact()
        what = f"moved to {moved} and " if moved else "missing; "
        skipped = f" ({bad} damaged article files skipped)" if bad else ""
        self.notices.append(
            f"the library index was {'unreadable' if broken else 'missing'}: {what}"
            f"rebuilt {len(records)} articles from the article files{skipped}"
        )

    # --- writing (under the lock) -------------------------------------------------------------
    def write_index(self) -> None:
        """Write the whole view to the index file (one atomic write)."""
        data: dict[str, dict[str, Any]] = {
            ARTICLES_TABLE: {key: without_defaults(record) for key, record in self.records.items()}
        }
        for name, table in self.tables.items():
            data[KV_PREFIX + name] = table
        self._storage.write(data)
        self._sig = _stat_sig(self.path)

    def compact(self) -> None:
        """Fold the journal into the index (one atomic write) and reset the journal to a
        snapshot of reading state and kv records."""
        self.write_index()
        self._remove_stale_temps()
        entries: list[dict[str, Any]] = []
        default = default_state()
        for key, record in self.records.items():
            state = {f: record.get(f, default[f]) for f in STATE_FIELDS}
            edits = edits_of(record)
            if state != default or edits:
                entries.append({"s": key, **state, **edits})
        for name, table in self.tables.items():
            for key, value in table.items():
                entries.append({"kv": name, "k": key, "v": value})
        self.journal.rewrite(entries)

    def _remove_stale_temps(self) -> None:
        """Delete temp files left by killed writers (old enough not to be in use)."""
        limit = time.time() - STALE_TEMP_SECONDS
        for folder in (self.home, self.files.articles_dir, self.files.cache_dir):
            with contextlib.suppress(OSError), os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                        with contextlib.suppress(OSError):
                            if entry.stat().st_mtime < limit:
                                os.unlink(entry.path)

    def append(self, entries: list[dict[str, Any]]) -> None:
        """Journal entries (one write, one fsync) and apply them (after a refresh). On failure
        the journal is cut back to its previous end. Raises StoreError."""
        self._read_journal()  # makes the journal's offset the end of its last complete line
        self.journal.append(entries)
        for entry in entries:
            self.apply(entry)

    def maybe_compact(self, *, state: bool = False) -> None:
        """Compact when the journal grew long (much longer for ``state``, reading-state writes)."""
        limit = COMPACT_LINES_STATE if state else COMPACT_LINES
        if self.journal.fresh > limit:
            with contextlib.suppress(StoreError):  # the journal already made the change durable
                self.compact()

    def add_all(self, records: Iterable[dict[str, Any]]) -> None:
        """Put many records with one index write and no journal line. On failure the in-memory
        view is put back (the next refresh re-reads the files anyway). Raises StoreError."""
        batch = list(records)
        saved = {r["id"]: self.records.get(r["id"]) for r in batch}
        try:
            for record in batch:
                self.apply({"a": record})
            self.compact()
        except StoreError:
            for key, old in saved.items():
                if old is None:
                    self.records.pop(key, None)
                else:
                    self.records[key] = old
            self._loaded = False
            raise
