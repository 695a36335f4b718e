"""The library index: ``library.json`` (the TinyDB manifest of the segments holding the
article records, and the kv tables) plus the journal replayed over them, in memory.

Every change (an added or removed article, reading state, a kv record) is one journal line;
loading replays the journal over the index. Each line holds absolute values, so replaying a
line twice changes nothing, which makes a crash between "index written" and "journal reset"
harmless.

Compaction folds the journal into the index: records that changed go to new segment files
(``termreader.library.segments``), the manifest naming them is written (one atomic write: the
commit), and the journal is rewritten as a snapshot of the kv tables plus the reading-state
lines of the segments it did not rewrite. A lost or garbage index can be rebuilt from
``articles/*.json.gz``, the segments' reading state and the journal.

A reader may load the segments progressively, newest first (:meth:`Index.refresh` with
``partial``): the first screen of a big library needs a segment or two. The journal is read
first then; what it says about records not loaded yet waits for their segment.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from termreader.errors import NotFound, StoreError
from termreader.library.atomic import describe_oserror
from termreader.library.files import ArticleFiles
from termreader.library.journal import Journal
from termreader.library.queries import Lookups
from termreader.library.records import (
    EDITABLE_FIELDS,
    STATE_FIELDS,
    apply_edits,
    default_state,
    edits_of,
    keep_edits,
    lean,
    meta_only,
    without_defaults,
)
from termreader.library.segments import (
    ARTICLES_TABLE,
    SEGMENT_TARGET,
    SEGMENTS_TABLE,
    AtomicJSONStorage,
    IndexUnreadable,
    SegmentFiles,
    describe,
    segment_name,
)
from termreader.models import Article

INDEX_NAME = "library.json"
JOURNAL_NAME = "state.jsonl"
LOCK_NAME = "library.lock"
KV_PREFIX = "kv_"

COMPACT_LINES = 2000
"""Journal lines after which an add/remove/kv write folds the journal into the index."""
COMPACT_LINES_STATE = 20000
"""Reading-state writes compact only past this many lines, so saving a position stays cheap."""
CARRY_LINES = 10000
"""Reading-state lines a compaction carries over (rather than rewriting the segments they
touch) before it folds them all in."""
LEGACY = ""
"""The origin of records read from an index of the first format (all in ``library.json``)."""
LOCK_TIMEOUT = 30.0
STALE_TEMP_SECONDS = 600

_MAKE_LOCK = threading.Lock()


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


def _stat_sig(path: Path) -> tuple[int, int, int, int, int] | None:
    """What tells one version of the manifest from another: its stat and a checksum of its
    bytes. The stat alone is not enough: a replacement may get the inode just freed, the same
    size (the manifest's size barely changes) and, within one tick of the filesystem's coarse
    clock, the same times."""
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())
            checksum = zlib.crc32(handle.read())
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, checksum)


def _journal_sig(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


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
        self.segment_files = SegmentFiles(home)
        self.notices = notices
        """One-line messages for the user (the library's own list: a rebuilt index adds one)."""
        self.journal = Journal(home / JOURNAL_NAME)
        self.lookups = Lookups()
        self.records: dict[str, dict[str, Any]] = {}
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.segments: dict[str, dict[str, Any]] = {}
        """The manifest: live segment name -> its description (counts, dates)."""
        self.origin: dict[str, str] = {}
        """Segment each record was read from (absent: added by the journal since)."""
        self._unloaded: list[str] = []  # segments not read yet, newest first
        self._skip: set[str] = set()  # ids the journal added or removed (while some unloaded)
        self._pending: dict[str, dict[str, Any]] = {}  # state for ids of unloaded segments
        self._dirty: set[str] = set()  # segments holding records changed since compaction
        self._touched: set[str] = set()  # ids whose state changed since compaction
        self._changes: set[str] = set()  # ids changed since take_changes (see there)
        self._seen: dict[str, dict[str, Any]] = self.records  # the records take_changes saw
        self._storage = AtomicJSONStorage(self.path)
        self._lock: Any = None  # a filelock.FileLock, made on the first write (see locked)
        self._sig: tuple[int, int, int, int, int] | None = None
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

    def open(self, *, partial: bool = False) -> None:
        """Load the view; on a library's first open, write its (empty) index; an index of the
        first format (every record in ``library.json``) is converted to segments."""
        self.refresh(force=True, partial=partial)
        if not self.path.exists() and not self.records:
            with self.locked():
                self.refresh(force=True)
                if not self.path.exists() and not self.records:
                    # An empty index from the start: later, "index missing + body files" means
                    # loss.
                    self.compact()
        elif LEGACY in self.segments:
            with contextlib.suppress(StoreError):  # read-only: keep reading the old form
                with self.locked():
                    self.refresh()
                    if LEGACY in self.segments:
                        self.compact(full=True)

    def stamp(self) -> tuple[Any, ...]:
        """What changes whenever another process changes the library: the manifest's version
        and the journal's stat. Cheap (a small file read and a ``stat``)."""
        return (_stat_sig(self.path), _journal_sig(self.journal.path))

    def refresh(self, force: bool = False, *, partial: bool = False) -> None:
        """Bring the in-memory view up to date with the files (cheap when nothing changed).

        ``partial``: segments not needed yet may stay unread (see :meth:`load_next`);
        otherwise the view is completed.
        """
        sig = _stat_sig(self.path)
        if force or not self._loaded or sig != self._sig:
            self._load(partial=partial)
        else:
            self._read_journal()
        if not partial:
            self.complete()

    @property
    def complete_view(self) -> bool:
        """True when every segment is loaded."""
        return not self._unloaded

    def unloaded_newest(self) -> float | None:
        """The newest date among the records not loaded yet (None when all are)."""
        if not self._unloaded:
            return None
        return float(self.segments[self._unloaded[0]].get("newest", 0.0))

    def unloaded_counts(self) -> tuple[int, int]:
        """(records, unread) of the segments not loaded yet, as their manifest entries say."""
        total = unread = 0
        for name in self._unloaded:
            total += int(self.segments[name].get("n", 0))
            unread += int(self.segments[name].get("unread", 0))
        return total, unread

    def load_next(self) -> list[str]:
        """Load the unloaded segment holding the newest records; returns the ids it added."""
        if not self._unloaded:
            return []
        return self._load_segment(self._unloaded.pop(0))

    def load_older_than(self, stamp: float) -> None:
        """Load every segment not loaded yet that may hold a record dated before ``stamp``
        (the manifest gives each one's oldest date), so the loaded records hold them all."""
        while True:  # (a compaction elsewhere makes a load start over with new segments)
            names = [n for n in self._unloaded if self.segments[n].get("oldest", 0.0) < stamp]
            if not names:
                return
            self._unloaded.remove(names[0])
            self._load_segment(names[0])

    def _load_segment(self, name: str) -> list[str]:
        # Thousands of records at once: the cyclic collector would scan them again and again.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._read_segment(name)
        finally:
            if was_enabled:
                gc.enable()

    def _read_segment(self, name: str) -> list[str]:
        try:
            data = self.segment_files.read(name)
        except FileNotFoundError:
            if _stat_sig(self.path) == self._sig:  # named by the manifest, yet gone
                with self.locked():
                    self._rebuild(broken=None)
            else:  # a compaction elsewhere replaced it: start again from the new manifest
                self._load(partial=True)
            return list(self.records)
        except IndexUnreadable:
            with self.locked():
                self._rebuild(broken=self.segment_files.path(name))
            return list(self.records)
        added = []
        skip, pending, records, origin = self._skip, self._pending, self.records, self.origin
        for key, record in data.items():
            if key in skip or key in records:
                self._dirty.add(name)  # the journal replaced or removed it since
                continue
            state = pending.pop(key, None)
            if state:
                record.update(state)
                apply_edits(record, state)  # a tag edit journalled before its segment loaded
            records[key] = record
            origin[key] = name
            added.append(key)
        if not self._unloaded:
            self._skip = set()
            self._pending = {}
        if self.lookups.url_map_valid:
            self.lookups.url_map_valid = False
        return added

    def complete(self) -> None:
        """Load every segment not loaded yet."""
        while self._unloaded:
            self.load_next()

    def take_changes(self) -> set[str]:
        """The ids of the records added, changed or removed since the last call (of records
        loaded then: loading a segment is no change), as this view saw them come in."""
        changes, self._changes = self._changes, set()
        seen, records = self._seen, self.records
        if seen is not records:  # reloaded: a record read again is a new object
            changes.update(key for key, record in records.items() if seen.get(key) is not record)
            changes.update(key for key in seen if key not in records)
        self._seen = records
        return changes

    def record(self, article_id: str) -> dict[str, Any]:
        """The up-to-date index record of ``article_id``. Raises NotFound.

        A partly loaded view reads segments, newest first, only until it finds the record (the
        article a reader opens at start is most often among the newest)."""
        self.refresh(partial=True)
        record = self.records.get(article_id)
        while record is None and self._unloaded and article_id not in self._skip:
            self.load_next()
            record = self.records.get(article_id)
        if record is None:
            raise NotFound(f"no article with id {article_id}")
        return record

    def _load(self, *, partial: bool = False, _retry: int = 3) -> None:
        sig = _stat_sig(self.path)
        try:
            data = self._storage.read()
        except IndexUnreadable:
            with self.locked():  # re-entrant: fine when the caller already holds it
                try:  # another process may have rebuilt it meanwhile
                    data = self._storage.read()
                    sig = _stat_sig(self.path)
                except IndexUnreadable:
                    self._rebuild(broken=self.path)
                    return
        if data is None and sig is None and self.files.has_bodies():
            with self.locked():
                if not self.path.exists():
                    self._rebuild(broken=None)
                    return
            self._load(partial=partial)
            return
        data = data or {}
        manifest = data.get(SEGMENTS_TABLE)
        keep: dict[str, dict[str, Any]] = {}
        if manifest is None:
            # The first format: every record in library.json, as one segment named LEGACY.
            records = {
                key: record
                for key, record in (data.get(ARTICLES_TABLE) or {}).items()
                if isinstance(record, dict) and record.get("id") == key
            }
            segments: dict[str, dict[str, Any]] = {LEGACY: {"seq": 0, "n": len(records)}}
            origin = dict.fromkeys(records, LEGACY)
        else:
            segments = {
                name: entry
                for name, entry in manifest.items()
                if isinstance(entry, dict) and isinstance(entry.get("seq"), int)
            }
            # Segment files never change: the records of those still named and loaded stay.
            loaded = {name for name in self.segments if name not in self._unloaded}
            keep = {name: entry for name, entry in segments.items() if name in loaded}
            records = {k: r for k, r in self.records.items() if self.origin.get(k) in keep}
            origin = {k: self.origin[k] for k in records}
        self.records = records
        self.origin = origin
        self.segments = segments
        self.tables = {
            name[len(KV_PREFIX) :]: dict(table)
            for name, table in data.items()
            if name.startswith(KV_PREFIX)
        }
        self._unloaded = sorted(
            (name for name in segments if name not in keep and name != LEGACY),
            key=lambda name: -float(segments[name].get("newest", 0.0)),
        )
        self._skip, self._pending, self._dirty, self._touched = set(), {}, set(), set()
        self._sig = sig
        self._loaded = True
        self.lookups.clear()
        self.journal.reset()
        if not partial:
            # Segments first, then the journal over them: the simple order when reading all.
            while self._unloaded:
                if not self._load_one_or_restart():
                    return
        self._read_journal()
        if _retry and _stat_sig(self.path) != sig:
            # A compaction elsewhere replaced both files between our two reads: read again.
            self._load(partial=partial, _retry=_retry - 1)

    def _load_one_or_restart(self) -> bool:
        before = self._sig
        self.load_next()
        return self._sig == before

    def _read_journal(self) -> None:
        if not self.journal.read(self.apply):
            self._load(partial=bool(self._unloaded))

    def apply(self, entry: dict[str, Any]) -> None:
        """Apply one journal entry. Entries hold absolute values: applying twice is harmless."""
        if "a" in entry:
            meta = entry["a"]
            if not isinstance(meta, dict) or not isinstance(meta.get("id"), str):
                return
            key = meta["id"]
            old = self.records.get(key)
            if old is not None:
                state = {f: old[f] for f in STATE_FIELDS if f in old}
            else:
                # The writer's view of its state (its segment may not be loaded here yet).
                given = entry.get("st")
                state = default_state()
                if isinstance(given, dict):
                    state.update({f: given[f] for f in STATE_FIELDS if f in given})
            self._unhome(key)
            self._changes.add(key)
            record = meta_only(meta)
            record.update(state)
            keep_edits(old, record)
            self.records[key] = record
            self.lookups.changed(key, old, record)
        elif "r" in entry:
            key = str(entry["r"])
            self._unhome(key)
            self._changes.add(key)
            removed = self.records.pop(key, None)
            if removed:
                self.lookups.removed(removed)
        elif "s" in entry:
            key = str(entry["s"])
            self._touched.add(key)
            self._changes.add(key)
            fields = {f: entry[f] for f in STATE_FIELDS if f in entry}
            edits = {f: entry[f] for f in EDITABLE_FIELDS if f in entry}
            target = self.records.get(key)
            if target is not None:
                target.update(fields)
                if apply_edits(target, edits):
                    self.lookups.changed(target["id"], target, target)
            elif self._unloaded and key not in self._skip:
                self._pending.setdefault(key, {}).update(fields, **edits)
        elif "snapshot" in entry:
            # First line of a compacted journal (read whole only by a rebuild).
            with contextlib.suppress(TypeError, ValueError):
                self.journal.snapshot_lines = int(entry["snapshot"])
        elif "kv" in entry:
            table = self.tables.setdefault(str(entry["kv"]), {})
            value = entry.get("v")
            if value is None:
                table.pop(str(entry.get("k")), None)
            elif isinstance(value, dict):
                table[str(entry.get("k"))] = value

    def _unhome(self, key: str) -> None:
        """``key`` is changed by the journal: its segment must be rewritten at compaction, and
        a segment loaded later must not bring its old record back."""
        home = self.origin.pop(key, None)
        if home is not None:
            self._dirty.add(home)
        if self._unloaded:
            self._skip.add(key)
            self._pending.pop(key, None)

    def _rebuild(self, *, broken: Path | None) -> None:
        """Rebuild the index from the body files, the reading state the segment files hold and
        the journal (called under the lock). ``broken``: the unreadable file, moved aside."""
        moved = ""
        if broken is not None:
            moved = self._move_aside(broken)
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
        self._restore_state(records)
        self.records = records
        self.origin = {}
        self.segments = {}
        self.tables = {}
        self._unloaded, self._skip, self._pending = [], set(), {}
        self._dirty, self._touched = set(), set()
        self.lookups.clear()
        self._sig = None
        self._loaded = True
        self.journal.reset()
        # The journal holds kv tables (a snapshot since the last compaction) and reading state
        # since: replay it, but only for articles whose body file we found.
        if not self.journal.read(self.apply, skip_snapshot=False):
            self.journal.reset()
            self.journal.read(self.apply, skip_snapshot=False)
        self.records = {k: v for k, v in self.records.items() if k in records}
        self.lookups.clear()
        self.compact(full=True)
        what = f"moved to {moved} and " if moved else "missing; "
        skipped = f" ({bad} damaged article files skipped)" if bad else ""
        self.notices.append(
            f"the library index was {'unreadable' if broken else 'missing'}: {what}"
            f"rebuilt {len(records)} articles from the article files{skipped}"
        )

    def _move_aside(self, path: Path) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.broken-{stamp}")
        n = 1
        while target.exists():
            target = path.with_name(f"{path.name}.broken-{stamp}-{n}")
            n += 1
        try:
            os.replace(path, target)
        except OSError as error:
            raise StoreError(
                f"the library index {path} is unreadable and cannot be moved aside: "
                f"{error.strerror}"
            ) from error
        return target.name

    def _restore_state(self, records: dict[str, dict[str, Any]]) -> None:
        """Reading state from the segment files on disk, newest first (a segment left by an
        interrupted compaction is as new as its data)."""
        seen: set[str] = set()
        for name in reversed(self.segment_files.on_disk()):
            try:
                data = self.segment_files.read(name)
            except (OSError, StoreError):
                continue
            for key, record in data.items():
                if key in records and key not in seen:
                    seen.add(key)
                    records[key].update({f: record[f] for f in STATE_FIELDS if f in record})
                    apply_edits(records[key], edits_of(record))  # the reader's tag edits

    # --- writing (under the lock) -------------------------------------------------------------
    def compact(self, *, full: bool = False) -> None:
        """Fold the journal into the index: records the journal changed go to new segments (all
        records with ``full``), the manifest naming them is written (the commit), and the
        journal is reset to a snapshot of the kv tables plus the reading-state lines of the
        segments left as they were."""
        self.complete()
        records, origin, segments = self.records, self.origin, self.segments
        rewrite = set(segments) if full else (self._dirty | {LEGACY}) & set(segments)
        carried = sorted(
            k for k in self._touched if k in records and k in origin and origin[k] not in rewrite
        )
        if len(carried) > CARRY_LINES:
            rewrite, carried = set(segments), []
        members: dict[str, list[str]] = {}
        pool: list[str] = []
        for key in records:
            home = origin.get(key)
            if home is None:
                pool.append(key)
            elif home in rewrite:
                members.setdefault(home, []).append(key)
        kept = {name: entry for name, entry in segments.items() if name not in rewrite}
        groups: list[list[str]] = []
        for name in sorted(rewrite):
            ids = members.get(name, [])
            if name != LEGACY and SEGMENT_TARGET // 2 <= len(ids) <= SEGMENT_TARGET * 3 // 2:
                groups.append(ids)
            else:
                pool.extend(ids)
        if pool and kept:
            # Small batches join the newest small segment rather than adding a file each.
            last = max(kept, key=lambda name: kept[name]["seq"])
            if int(kept[last].get("n", 0)) < SEGMENT_TARGET // 2:
                pool.extend(k for k, home in origin.items() if home == last)
                del kept[last]
        stamp = self.lookups.sort_stamp
        pool.sort(key=lambda key: stamp(records[key]))
        groups.extend(pool[i : i + SEGMENT_TARGET] for i in range(0, len(pool), SEGMENT_TARGET))
        on_disk = self.segment_files.on_disk()
        seq = max([int(n[:8]) for n in on_disk] + [e["seq"] for e in segments.values()] + [0])
        manifest = dict(kept)
        placed: dict[str, str] = {}
        for ids in groups:
            seq += 1
            name = segment_name(seq)
            chunk = {key: without_defaults(records[key]) for key in ids}
            self.segment_files.write(name, chunk)
            manifest[name] = describe(seq, chunk, {key: stamp(records[key]) for key in ids})
            placed.update(dict.fromkeys(ids, name))
        data: dict[str, dict[str, Any]] = {SEGMENTS_TABLE: manifest}
        for name, table in self.tables.items():
            data[KV_PREFIX + name] = table
        self._storage.write(data)  # the commit
        self._sig = _stat_sig(self.path)
        origin.update(placed)
        self.segments = manifest
        self._dirty = set()
        self._touched = set(carried)
        default = default_state()
        carry_lines = [
            {
                "s": key,
                **{f: records[key].get(f, default[f]) for f in STATE_FIELDS},
                **edits_of(records[key]),
            }
            for key in carried
        ]
        snapshot = [
            {"kv": name, "k": key, "v": value}
            for name, table in self.tables.items()
            for key, value in table.items()
        ]
        self.journal.rewrite(snapshot, carry_lines)
        self.segment_files.remove_unlisted(set(manifest))
        self._remove_stale_temps()

    def _remove_stale_temps(self) -> None:
        """Delete temp files left by killed writers (old enough not to be in use)."""
        limit = time.time() - STALE_TEMP_SECONDS
        folders = (self.home, self.files.articles_dir, self.files.cache_dir)
        for folder in (*folders, self.segment_files.folder):
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

    def put_entries(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Journal entries adding ``records`` (lean article records); each carries the reading
        state the article has now, for readers whose view lacks its old record."""
        entries = []
        for record in records:
            old = self.records.get(record["id"])
            entry: dict[str, Any] = {"a": record}
            if old is not None:
                entry["st"] = {f: old[f] for f in STATE_FIELDS if f in old}
            entries.append(entry)
        return entries

    def maybe_compact(self, *, state: bool = False) -> None:
        """Compact when the journal grew long (much longer for ``state``, reading-state writes)."""
        limit = COMPACT_LINES_STATE if state else COMPACT_LINES
        if self.journal.fresh > limit:
            with contextlib.suppress(StoreError):  # the journal already made the change durable
                self.compact()

    def add_all(self, records: Iterable[dict[str, Any]]) -> None:
        """Put many records: journal lines for a batch, or straight into new segments for one
        bigger than a compaction's worth (no journal line). On failure the in-memory view is
        put back (the next refresh re-reads the files anyway). Raises StoreError."""
        batch = list(records)
        if len(batch) < COMPACT_LINES:
            self.append(self.put_entries(batch))
            self.maybe_compact()
            return
        saved = {r["id"]: (self.records.get(r["id"]), self.origin.get(r["id"])) for r in batch}
        try:
            for record in batch:
                self.apply({"a": record})
            self.compact()
        except StoreError:
            for key, (old, home) in saved.items():
                if old is None:
                    self.records.pop(key, None)
                else:
                    self.records[key] = old
                if home is not None:
                    self.origin[key] = home
            self._loaded = False
            raise
