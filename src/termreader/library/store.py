"""The library store: TinyDB index + reading state, article bodies beside it.

Layout of a library folder::

    library.json        TinyDB index: one record per article (metadata, no body) + kv_* tables
    state.jsonl         append-only journal of small changes since the last compaction
    library.lock        file lock guarding every write
    articles/<id>.json.gz   the body and full metadata of one article (gzip JSON)
    cache/<id>.<name>   render-ready caches (written by the reader; disposable)

Why a journal: rewriting a 10,000-article index for every saved reading position costs tens of
milliseconds; appending one fsync'd line costs well under one. Every change (an added or removed
article, reading state, a kv record) is one JSON line in ``state.jsonl``; loading replays it over
the index. Each line holds absolute values, so replaying a line twice changes nothing, which makes
a crash between "index written" and "journal reset" harmless. A torn last line (a writer killed
mid-append) is ignored and trimmed before the next append.

Compaction folds the journal into ``library.json`` (one atomic write) and rewrites the journal as a
snapshot of the reading state and kv tables, so a lost or garbage index can be rebuilt losslessly
from ``articles/*.json.gz`` plus the journal.

Write order makes crashes safe: a body file is written (temp, fsync, rename, fsync dir) before the
journal line or index that names it, so an index entry never lacks its body.

Local files: importers set ``Article.url`` to the absolute path string (not a ``file:`` URL);
:meth:`Library.resolve` accepts a path (relative or absolute, symlinks resolved or not) or a
``file://`` URL and compares against that form.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import gzip
import heapq
import json
import mmap
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from termreader import locations
from termreader.errors import NotFound, StoreError
from termreader.models import Article, Position, body_fingerprint, now

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

# Index records carry what the list needs; sections, links and related live in the body file.
BODY_FINGERPRINT = "body_fp"
"""Index field: :func:`termreader.models.body_fingerprint` of the body file's body."""

_LEAN_DROP = ("body", "sections", "links", "related")
_STATE_FIELDS = ("unread", "position", "finished")
_MAKE_LOCK = threading.Lock()

_ID_RE = re.compile(r"^[0-9a-zA-Z_-]{1,64}$")
_NAME_RE = re.compile(r"[^0-9A-Za-z._-]+")


# --- low-level file helpers -----------------------------------------------------------------


def _describe_oserror(error: OSError, what: str) -> str:
    """A one-line, user-facing description of a failed write."""
    if error.errno == errno.ENOSPC or error.errno == errno.EDQUOT:
        reason = "the disk is full"
    elif error.errno in (errno.EROFS,):
        reason = "the library folder is read-only"
    elif error.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    else:
        reason = error.strerror or str(error)
    return f"cannot write {what}: {reason}"


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable. Some filesystems refuse fsync on directories; that is harmless."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: temp file in the same folder, fsync, rename.

    Raises:
        StoreError: the file could not be written; ``path`` is unchanged and no temp file remains.
    """
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        raise StoreError(_describe_oserror(error, str(path))) from error
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _fsync_dir(path.parent)


def _dumps(data: Any) -> bytes:
    # ensure_ascii: lone surrogates (undecodable file names) survive a round trip.
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _dumps_utf8(data: Any) -> bytes:
    """JSON as UTF-8 (body files: ``\\uXXXX`` escapes made CJK bodies twice as large to write,
    gunzip and decode). Text with lone surrogates, which UTF-8 cannot hold, falls back to
    :func:`_dumps`; readers take either form."""
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return _dumps(data)


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
        atomic_write(self.path, _dumps(data))

    def close(self) -> None:
        pass


class _KeyedTable(Table):
    """TinyDB table whose document ids are strings (article ids, kv keys), not integers."""

    document_id_class = str  # type: ignore[assignment]


class _KeyedTinyDB(TinyDB):
    table_class = _KeyedTable


def open_tinydb(path: str | os.PathLike[str]) -> TinyDB:
    """The index as a plain TinyDB (for tools and tests). Reading state in ``state.jsonl`` since
    the last compaction is not included; use :class:`Library` for the live view."""
    return _KeyedTinyDB(path, storage=AtomicJSONStorage)


# --- helpers on records ---------------------------------------------------------------------


def normalize_url(url: str) -> str:
    """A URL for comparison: trimmed, no fragment, lower-case scheme and host. Paths unchanged."""
    url = url.strip()
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _lean(article: Article) -> dict[str, Any]:
    data = article.to_dict()
    for key in _LEAN_DROP:
        data.pop(key, None)
    # Lets a reader check a cached render form without reading the body file.
    data[BODY_FINGERPRINT] = body_fingerprint(article.body)
    return data


def _meta_only(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in _STATE_FIELDS}


def _default_state() -> dict[str, Any]:
    return {
        "unread": True,
        "position": {"anchor": "", "offset": 0, "percent": 0.0},
        "finished": False,
    }


_RECORD_DEFAULTS: dict[str, Any] = {
    **_default_state(),
    "language": "",
    "kind": "markdown",
    "tags": [],
    "published": None,
}
"""Index fields left out of the file when they hold these values (see _without_defaults)."""


def _without_defaults(record: dict[str, Any]) -> dict[str, Any]:
    """An index record without the fields that hold their default value (every reader of a
    record defaults them): a 10,000-article index loads in ~19 ms instead of ~35 ms, most of
    a big library's start being the objects the JSON decoder builds."""
    defaults = _RECORD_DEFAULTS
    return {
        key: value for key, value in record.items() if key not in defaults or value != defaults[key]
    }


def _sort_key(record: dict[str, Any]) -> float:
    for field in ("published", "fetched"):
        value = record.get(field)
        if value:
            try:
                stamp = datetime.fromisoformat(str(value))
            except ValueError:
                continue
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            return stamp.timestamp()
    return 0.0


def _parse_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _stat_sig(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


# --- the library ----------------------------------------------------------------------------


class Library:
    """A library folder. Safe for two processes at once; every write is atomic.

    Never share one instance between threads: TinyDB and the in-memory cache are not thread-safe.
    """

    notices: list[str]
    """One-line messages for the user gathered while opening (e.g. an index moved aside)."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.index_path = self.home / INDEX_NAME
        self.journal_path = self.home / JOURNAL_NAME
        self.articles_dir = self.home / "articles"
        self.cache_dir = self.home / "cache"
        self.notices = []
        self._storage = AtomicJSONStorage(self.index_path)
        self._lock: Any = None  # a filelock.FileLock, made on the first write (see _locked)
        # In-memory view: index + replayed journal, invalidated by the files' stat.
        self._records: dict[str, dict[str, Any]] = {}
        self._tables: dict[str, dict[str, dict[str, Any]]] = {}
        self._by_url: dict[str, str] = {}
        self._url_map_valid = False
        self._dates: dict[str, tuple[float, datetime | None, datetime | None]] = {}
        self._stamps: dict[str, float] = {}  # sort keys alone (see _sort_stamp)
        self._hay: dict[str, str] = {}
        self._index_sig: tuple[int, int, int, int] | None = None
        self._loaded = False
        self._journal_ino: int | None = None
        self._journal_offset = 0
        self._journal_lines = 0
        self._snapshot_lines = 0

    # --- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, home: Path | str | None = None, *, seed_samples: bool = True) -> Library:
        """Open (creating if needed) the library at ``home`` (default: locations.library_dir()).

        On first start of an empty library, imports ``sample_articles/`` when ``seed_samples``.
        A corrupt index is moved aside (notice added) and rebuilt from the article files.

        Raises:
            StoreError: the folder cannot be created or read (one-line message).
        """
        library = cls(locations.library_dir(home))
        try:
            library.articles_dir.mkdir(parents=True, exist_ok=True)
            library.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(_describe_oserror(error, f"library folder {library.home}")) from error
        # Reading needs no lock (writes are renames, torn journal lines are skipped), so a
        # read-only library can still be listed and read.
        library._refresh(force=True)
        if not library.index_path.exists() and not library._records:
            with library._locked():
                library._refresh(force=True)
                if not library.index_path.exists() and not library._records:
                    # An empty index from the start: later, "index missing + body files" means loss.
                    library._write_index()
        if seed_samples:
            library._seed()
        return library

    def close(self) -> None:
        """Nothing to release (files are closed after every operation); kept for symmetry."""

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _seed(self) -> None:
        if self._tables.get("meta", {}).get("seeded") is not None or self._records:
            return
        from termreader import importers  # late: importers pull in heavier parsing libraries

        folder = locations.sample_articles_dir()
        files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        articles: list[Article] = []
        unavailable = False
        for path in files:
            if path.name.startswith(".") or path.name.lower() in ("readme.md", "license"):
                continue
            try:
                articles.append(importers.import_path(path))
            except NotImplementedError:
                unavailable = True
                break
            except Exception as error:  # a bad sample must not stop the app from starting
                self.notices.append(f"sample {path.name} not imported: {error}")
        if unavailable:
            self.notices.append("sample articles not imported: the importer is not available")
            return
        try:
            if articles:
                # Late import: the renderer loads only on a first start (seeding), not on
                # every open. The samples open without parsing, like any imported article.
                from termreader.library.ingest import store_articles

                store_articles(self, articles)
            self.kv_put("meta", "seeded", {"at": now().isoformat(), "count": len(articles)})
        except StoreError as error:
            self.notices.append(f"sample articles not imported: {error}")

    # --- locking and loading ------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
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
            raise StoreError(_describe_oserror(error, f"lock file in {self.home}")) from error
        try:
            yield
        finally:
            self._lock.release()

    def _refresh(self, force: bool = False) -> None:
        """Bring the in-memory view up to date with the files (cheap when nothing changed)."""
        sig = _stat_sig(self.index_path)
        if force or not self._loaded or sig != self._index_sig:
            self._load_index()
            return
        self._read_journal()

    def _load_index(self, _retry: int = 3) -> None:
        sig = _stat_sig(self.index_path)
        try:
            data = self._storage.read()
        except IndexUnreadable:
            with self._locked():  # re-entrant: fine when the caller already holds it
                try:  # another process may have rebuilt it meanwhile
                    data = self._storage.read()
                    sig = _stat_sig(self.index_path)
                except IndexUnreadable:
                    self._rebuild(broken=True)
                    return
        if data is None and sig is None and self._has_body_files():
            with self._locked():
                if not self.index_path.exists():
                    self._rebuild(broken=False)
                    return
            self._load_index()
            return
        data = data or {}
        records: dict[str, dict[str, Any]] = {}
        for key, record in (data.get(ARTICLES_TABLE) or {}).items():
            if isinstance(record, dict) and record.get("id") == key:
                records[key] = record
        self._records = records
        self._tables = {
            name[len(KV_PREFIX) :]: dict(table)
            for name, table in data.items()
            if name.startswith(KV_PREFIX)
        }
        self._index_sig = sig
        self._loaded = True
        self._rebuild_url_map()
        self._journal_ino = None
        self._journal_offset = 0
        self._journal_lines = 0
        self._snapshot_lines = 0
        self._read_journal()
        if _retry and _stat_sig(self.index_path) != sig:
            # A compaction elsewhere replaced both files between our two reads: read again.
            self._load_index(_retry - 1)

    def _rebuild_url_map(self) -> None:
        # Built lazily on the first lookup: normalizing 10,000 URLs costs more than loading them.
        self._by_url = {}
        self._url_map_valid = False
        self._dates = {}
        self._stamps = {}
        self._hay = {}

    def _url_map(self) -> dict[str, str]:
        if not self._url_map_valid:
            self._by_url = {}
            for key, record in self._records.items():
                url = record.get("url")
                if url:
                    self._by_url[normalize_url(url)] = key
            self._url_map_valid = True
        return self._by_url

    def _dates_of(self, record: dict[str, Any]) -> tuple[float, datetime | None, datetime | None]:
        """(sort key, published, fetched) of a record, parsed once."""
        key = record["id"]
        cached = self._dates.get(key)
        if cached is None:
            cached = (
                self._sort_stamp(record),
                _parse_dt(record.get("published")),
                _parse_dt(record.get("fetched")),
            )
            self._dates[key] = cached
        return cached

    def _has_body_files(self) -> bool:
        try:
            return any(self.articles_dir.glob("*.json.gz"))
        except OSError:
            return False

    def _read_journal(self) -> None:
        """Apply journal lines not yet seen. Stops before an incomplete (torn) last line."""
        try:
            with open(self.journal_path, "rb") as handle:
                st = os.fstat(handle.fileno())
                if st.st_ino != self._journal_ino or st.st_size < self._journal_offset:
                    if self._journal_ino is not None:
                        # Rewritten by a compaction elsewhere: its index is newer, reload both.
                        self._journal_ino = None
                        self._load_index()
                        return
                    self._journal_ino = st.st_ino
                    self._journal_offset = 0
                if st.st_size == self._journal_offset:
                    return
                handle.seek(self._journal_offset)
                chunk = handle.read(st.st_size - self._journal_offset)
        except FileNotFoundError:
            self._journal_ino = None
            self._journal_offset = 0
            return
        except OSError as error:
            raise StoreError(f"cannot read {self.journal_path}: {error.strerror}") from error
        end = chunk.rfind(b"\n")
        if end < 0:
            return
        for line in chunk[: end + 1].splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                continue  # a torn line left by a crash, then trimmed: skip it
            if isinstance(entry, dict):
                self._apply(entry)
            self._journal_lines += 1
        self._journal_offset += end + 1

    def _apply(self, entry: dict[str, Any]) -> None:
        """Apply one journal entry. Entries hold absolute values: applying twice is harmless."""
        if "a" in entry:
            meta = entry["a"]
            if not isinstance(meta, dict) or not isinstance(meta.get("id"), str):
                return
            key = meta["id"]
            old = self._records.get(key)
            state = {f: old[f] for f in _STATE_FIELDS if f in old} if old else _default_state()
            if old and old.get("url") and self._url_map_valid:
                self._by_url.pop(normalize_url(old["url"]), None)
            record = _meta_only(meta)
            record.update(state)
            self._records[key] = record
            self._dates.pop(key, None)
            self._stamps.pop(key, None)
            self._hay.pop(key, None)
            if record.get("url") and self._url_map_valid:
                self._by_url[normalize_url(record["url"])] = key
        elif "r" in entry:
            removed = self._records.pop(str(entry["r"]), None)
            if removed and removed.get("url") and self._url_map_valid:
                self._by_url.pop(normalize_url(removed["url"]), None)
        elif "s" in entry:
            target = self._records.get(str(entry["s"]))
            if target is not None:
                for field in _STATE_FIELDS:
                    if field in entry:
                        target[field] = entry[field]
        elif "snapshot" in entry:
            # First line of a compacted journal: the lines that only restate the index.
            with contextlib.suppress(TypeError, ValueError):
                self._snapshot_lines = int(entry["snapshot"])
        elif "kv" in entry:
            table = self._tables.setdefault(str(entry["kv"]), {})
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
            target = self.index_path.with_name(f"{INDEX_NAME}.broken-{stamp}")
            n = 1
            while target.exists():
                target = self.index_path.with_name(f"{INDEX_NAME}.broken-{stamp}-{n}")
                n += 1
            try:
                os.replace(self.index_path, target)
            except OSError as error:
                raise StoreError(
                    f"the library index {self.index_path} is unreadable and cannot be moved "
                    f"aside: {error.strerror}"
                ) from error
            moved = target.name
        records: dict[str, dict[str, Any]] = {}
        bad = 0
        for path in sorted(self.articles_dir.glob("*.json.gz")):
            try:
                data = self._read_body_file(path)
            except StoreError:
                bad += 1
                continue
            article = Article.from_dict(data)
            record = _lean(article)
            record.update(_default_state())
            records[article.id] = record
        self._records = records
        self._tables = {}
        self._rebuild_url_map()
        self._index_sig = None
        self._loaded = True
        self._journal_ino = None
        self._journal_offset = 0
        self._journal_lines = 0
        self._snapshot_lines = 0
        # The journal holds reading state and kv tables (a snapshot since the last compaction):
        # replay it, but only for articles whose body file we found.
        self._read_journal()
        self._records = {k: v for k, v in self._records.items() if k in records}
        self._rebuild_url_map()
        self._compact()
        what = f"moved to {moved} and " if moved else "missing; "
        skipped = f" ({bad} damaged article files skipped)" if bad else ""
        self.notices.append(
            f"the library index was {'unreadable' if broken else 'missing'}: {what}"
            f"rebuilt {len(records)} articles from the article files{skipped}"
        )

    # --- writing ------------------------------------------------------------------------------
    def _index_data(self) -> dict[str, dict[str, Any]]:
        data: dict[str, dict[str, Any]] = {
            ARTICLES_TABLE: {
                key: _without_defaults(record) for key, record in self._records.items()
            }
        }
        for name, table in self._tables.items():
            data[KV_PREFIX + name] = table
        return data

    def _write_index(self) -> None:
        self._storage.write(self._index_data())
        self._index_sig = _stat_sig(self.index_path)

    def _compact(self) -> None:
        """Fold the journal into the index (one atomic write) and reset the journal to a snapshot
        of reading state and kv records. Under the lock."""
        self._write_index()
        self._remove_stale_temps()
        lines = []
        default = _default_state()
        for key, record in self._records.items():
            state = {f: record.get(f, default[f]) for f in _STATE_FIELDS}
            if state != default:
                lines.append(_dumps({"s": key, **state}))
        for name, table in self._tables.items():
            for key, value in table.items():
                lines.append(_dumps({"kv": name, "k": key, "v": value}))
        lines.insert(0, _dumps({"snapshot": len(lines) + 1}))
        blob = b"".join(line + b"\n" for line in lines)
        try:
            atomic_write(self.journal_path, blob)
        except StoreError:
            # The index already holds everything; the old journal replays harmlessly over it.
            return
        st = os.stat(self.journal_path)
        self._journal_ino = st.st_ino
        self._journal_offset = st.st_size
        self._journal_lines = self._snapshot_lines = len(lines)

    def _remove_stale_temps(self) -> None:
        """Delete temp files left by killed writers (old enough not to be in use)."""
        limit = time.time() - STALE_TEMP_SECONDS
        for folder in (self.home, self.articles_dir, self.cache_dir):
            with contextlib.suppress(OSError), os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                        with contextlib.suppress(OSError):
                            if entry.stat().st_mtime < limit:
                                os.unlink(entry.path)

    def _append(self, entries: list[dict[str, Any]]) -> None:
        """Append entries to the journal with one write and one fsync (under the lock, after a
        refresh). On failure the journal is cut back to its previous end."""
        blob = b"".join(_dumps(e) + b"\n" for e in entries)
        self._read_journal()  # makes _journal_offset the end of the last complete line
        try:
            fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as error:
            raise StoreError(_describe_oserror(error, str(self.journal_path))) from error
        try:
            st = os.fstat(fd)
            if st.st_ino != self._journal_ino:
                # Just created (we hold the lock, so nobody else replaced it): make the new
                # directory entry durable too.
                self._journal_ino = st.st_ino
                self._journal_offset = 0
                _fsync_dir(self.home)
            if st.st_size > self._journal_offset:
                # A torn line from a killed writer: cut it so the new line starts clean.
                os.ftruncate(fd, self._journal_offset)
            try:
                view = memoryview(blob)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                # fdatasync: the data and the new size, without a separate mtime update.
                getattr(os, "fdatasync", os.fsync)(fd)
            except OSError as error:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, self._journal_offset)
                raise StoreError(_describe_oserror(error, str(self.journal_path))) from error
        finally:
            os.close(fd)
        self._journal_offset += len(blob)
        self._journal_lines += len(entries)
        for entry in entries:
            self._apply(entry)

    def _maybe_compact(self, limit: int | None = None) -> None:
        fresh = self._journal_lines - self._snapshot_lines  # lines the index does not hold yet
        if fresh > (COMPACT_LINES if limit is None else limit):
            with contextlib.suppress(StoreError):  # the journal already made the change durable
                self._compact()

    def _body_path(self, article_id: str) -> Path:
        return self.articles_dir / f"{article_id}.json.gz"

    def _write_body(self, article: Article) -> Callable[[], None]:
        """Write the body file; returns an undo callable restoring what was there before."""
        if not _ID_RE.match(article.id):
            raise StoreError(f"invalid article id {article.id!r}")
        path = self._body_path(article.id)
        try:
            previous: bytes | None = path.read_bytes()
        except OSError:
            previous = None
        data = article.to_dict()
        for field in _STATE_FIELDS:
            data.pop(field, None)
        atomic_write(path, gzip.compress(_dumps_utf8(data), compresslevel=6, mtime=0))

        def undo() -> None:
            with contextlib.suppress(OSError, StoreError):
                if previous is None:
                    path.unlink()
                else:
                    atomic_write(path, previous)

        return undo

    def _prepare(self, article: Article) -> Article:
        if article.fetched is None:
            article.fetched = now()
        return article

    # --- articles -----------------------------------------------------------------------------
    def add(self, article: Article) -> Article:
        """Insert or replace an article (body file first, then index). Keeps the reading state of
        an existing article with the same id. Returns the stored article."""
        with self._locked():
            self._refresh()
            self._prepare(article)
            undo = self._write_body(article)
            try:
                self._append([{"a": _lean(article)}])
            except StoreError:
                undo()
                raise
            self._maybe_compact()
            return self._article(self._records[article.id], article)

    def add_many(self, articles: Iterable[Article]) -> list[Article]:
        """Like :meth:`add` for many, with one index write (and no journal line)."""
        batch = [self._prepare(a) for a in articles]
        if not batch:
            return []
        with self._locked():
            self._refresh()
            undos: list[Callable[[], None]] = []
            saved_records = {a.id: self._records.get(a.id) for a in batch}
            try:
                for article in batch:
                    undos.append(self._write_body(article))
                for article in batch:
                    self._apply({"a": _lean(article)})
                self._compact()
            except StoreError:
                for undo in undos:
                    undo()
                # Put the in-memory view back; the next refresh re-reads the files anyway.
                for key, old in saved_records.items():
                    if old is None:
                        self._records.pop(key, None)
                    else:
                        self._records[key] = old
                self._loaded = False
                raise
            return [self._article(self._records[a.id], a) for a in batch]

    def _article(
        self, record: dict[str, Any], full: Article | dict[str, Any] | None = None
    ) -> Article:
        """Build an Article from an index record, taking body/sections/links/related from
        ``full`` when given."""
        data = dict(record)
        if isinstance(full, Article):
            data["body"] = full.body
            article = Article.from_dict(data)
            article.sections = list(full.sections)
            article.links = list(full.links)
            article.related = list(full.related)
            return article
        if isinstance(full, dict):
            for key in _LEAN_DROP:
                if key in full:
                    data[key] = full[key]
        return Article.from_dict(data)

    def _read_body_file(self, path: Path, article_id: str | None = None) -> dict[str, Any]:
        name = article_id or path.name.removesuffix(".json.gz")
        try:
            raw = path.read_bytes()
        except FileNotFoundError as error:
            raise StoreError(f"article {name}: its file {path.name} is missing") from error
        except OSError as error:
            raise StoreError(
                f"article {name}: cannot read {path.name}: {error.strerror}"
            ) from error
        try:
            data = json.loads(gzip.decompress(raw))
        except (OSError, EOFError, ValueError, UnicodeDecodeError, gzip.BadGzipFile) as error:
            raise StoreError(f"article {name}: its file {path.name} is damaged") from error
        if (
            not isinstance(data, dict)
            or data.get("id") != name
            or not isinstance(data.get("body", ""), str)
        ):
            raise StoreError(f"article {name}: its file {path.name} is damaged")
        return data

    def _record(self, article_id: str) -> dict[str, Any]:
        self._refresh()
        record = self._records.get(article_id)
        if record is None:
            raise NotFound(f"no article with id {article_id}")
        return record

    def get(self, article_id: str) -> Article:
        """The whole article, body included. Raises NotFound / StoreError (bad body file)."""
        record = self._record(article_id)
        data = self._read_body_file(self._body_path(article_id), article_id)
        try:
            return self._article(record, data)
        except (TypeError, ValueError, KeyError) as error:
            raise StoreError(f"article {article_id}: its file is damaged") from error

    def meta(self, article_id: str) -> Article:
        """The article without its body (``body == ""``). Raises NotFound.

        Sections, links and related come from the body file when it is readable (empty
        otherwise); :meth:`list` returns index fields only.
        """
        record = self._record(article_id)
        try:
            data = self._read_body_file(self._body_path(article_id), article_id)
            data = {k: data[k] for k in ("sections", "links", "related") if k in data}
            return self._article(record, data)
        except (StoreError, TypeError, ValueError, KeyError):
            return self._article(record)

    def brief(self, article_id: str) -> Article:
        """The article's index fields only (no body, sections, links or related), without
        reading its body file. Raises NotFound."""
        try:
            return self._article(self._record(article_id))
        except (TypeError, ValueError, KeyError) as error:
            raise StoreError(f"article {article_id}: its index record is damaged") from error

    def body_fingerprint(self, article_id: str) -> str:
        """The fingerprint of the article's body, from the index ("" for a record written
        before the index kept it). Raises NotFound."""
        value = self._record(article_id).get(BODY_FINGERPRINT, "")
        return value if isinstance(value, str) else ""

    def counts(self) -> tuple[int, int]:
        """(articles, unread articles) in the library, without building Article objects."""
        self._refresh()
        records = self._records.values()
        return len(records), sum(1 for r in records if r.get("unread", True))

    def list(
        self,
        query: str | None = None,
        *,
        unread: bool | None = None,
        limit: int | None = None,
    ) -> list[Article]:
        """Metadata of the articles, newest first (published, else fetched). ``query`` matches
        title, source and tags case-insensitively (substrings, so CJK works); ``limit`` keeps
        the newest that many (the rest is never built: a first screen of a big library).

        The articles carry index fields only: no body, sections, links or related.
        """
        self._refresh()
        needle = _fold(query) if query else ""
        chosen = []
        for record in self._records.values():
            if unread is not None and bool(record.get("unread", True)) != unread:
                continue
            if needle:
                hay = self._hay.get(record["id"])
                if hay is None:
                    hay = _fold(
                        " ".join(
                            [
                                record.get("title", ""),
                                record.get("source", ""),
                                *record.get("tags", []),
                            ]
                        )
                    )
                    self._hay[record["id"]] = hay
                if needle not in hay:
                    continue
            chosen.append(record)

        sort_stamp = self._sort_stamp

        def order(record: dict[str, Any]) -> tuple[float, str]:
            return (-sort_stamp(record), record.get("title", ""))

        if limit is not None and limit < len(chosen):
            chosen = heapq.nsmallest(max(0, limit), chosen, key=order)
        else:
            chosen.sort(key=order)
        return [self._fast_meta(r) for r in chosen]

    def _sort_stamp(self, record: dict[str, Any]) -> float:
        """The record's sort key (:func:`_sort_key`), parsed once per record (``_dates`` gets
        its first field from here, so this cache always holds it too)."""
        key = record["id"]
        value = self._stamps.get(key)
        if value is None:
            value = self._stamps[key] = _sort_key(record)
        return value

    def _fast_meta(self, record: dict[str, Any]) -> Article:
        """An index-only Article, built without re-parsing dates (the list path at 10k)."""
        try:
            _, published, fetched = self._dates_of(record)
            position = record.get("position") or {}
            return Article(
                id=record["id"],
                title=record.get("title", ""),
                url=record.get("url", ""),
                source=record.get("source", ""),
                published=published,
                fetched=fetched,
                language=record.get("language", ""),
                kind=record.get("kind", "markdown"),
                tags=list(record.get("tags", ())),
                unread=bool(record.get("unread", True)),
                position=Position(
                    position.get("anchor", ""),
                    position.get("offset", 0),
                    position.get("percent", 0.0),
                ),
                finished=bool(record.get("finished", False)),
            )
        except (TypeError, AttributeError, KeyError):
            return self._article(record)

    def ids(self) -> builtins.list[str]:
        """Every article id (cheap; no Article objects built)."""
        self._refresh()
        return list(self._records)

    def remove(self, article_id: str) -> None:
        """Remove an article and its files. Raises NotFound."""
        with self._locked():
            self._record(article_id)
            self._append([{"r": article_id}])
            # The index line went first: a crash now leaves an orphan file, never a dangling entry.
            with contextlib.suppress(OSError):
                self._body_path(article_id).unlink()
            with contextlib.suppress(OSError):
                for path in self.cache_dir.glob(f"{article_id}.*"):
                    path.unlink()
            self._maybe_compact()

    def resolve(self, ref: str) -> Article:
        """Find an article by id, id prefix (unique, ≥ 4 characters), URL, or file path.

        File articles are matched on their ``url``, the absolute path string; ``ref`` may be a
        relative path, an absolute path or a ``file://`` URL. Raises NotFound.
        """
        return self.meta(self.resolve_id(ref))

    def resolve_id(self, ref: str) -> str:
        """The id :meth:`resolve` would return, from the index alone (no body file is read:
        on a 2 MB article that read is tens of milliseconds). Raises NotFound."""
        self._refresh()
        ref = ref.strip()
        if not ref:
            raise NotFound("no article matches an empty reference")
        if ref in self._records:
            return ref
        key = self._url_map().get(normalize_url(ref))
        if key is not None:
            return key
        path_text = ref
        if ref.lower().startswith("file://"):
            path_text = unquote(urlsplit(ref).path)
        candidates: list[str] = []
        with contextlib.suppress(OSError, ValueError):
            path = Path(path_text).expanduser()
            candidates += [str(path.absolute()), str(path.resolve())]
            candidates += [Path(os.path.abspath(path)).as_posix()]
        for candidate in candidates:
            key = self._url_map().get(candidate)
            if key is not None:
                return key
        if len(ref) >= 4 and _ID_RE.match(ref):
            matches = [key for key in self._records if key.startswith(ref.lower())]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise NotFound(f"id prefix {ref} is ambiguous ({len(matches)} articles match)")
        raise NotFound(f"no article matches {ref}")

    def by_url(self, url: str) -> Article | None:
        """The article with this URL (normalized: no fragment), or None."""
        self._refresh()
        key = self._url_map().get(normalize_url(url))
        return self.meta(key) if key is not None else None

    def by_title(self, title: str) -> builtins.list[Article]:
        """Articles whose title equals ``title`` (whitespace/case folded), newest first."""
        self._refresh()
        want = _fold(title)
        if not want:
            return []
        hits = [r for r in self._records.values() if _fold(r.get("title", "")) == want]
        hits.sort(key=lambda r: self._dates_of(r)[0], reverse=True)
        return [self._fast_meta(r) for r in hits]

    def __len__(self) -> int:
        self._refresh()
        return len(self._records)

    def __contains__(self, article_id: object) -> bool:
        self._refresh()
        return article_id in self._records

    # --- reading state: cheap, whatever the library size ----------------------------------------
    def _set_state(self, article_id: str, **fields: Any) -> None:
        with self._locked():
            self._record(article_id)
            self._append([{"s": article_id, **fields}])
            self._maybe_compact(COMPACT_LINES_STATE)

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

    def set_finished(self, article_id: str, finished: bool = True) -> None:
        """Mark an article finished (read to the end). Raises NotFound."""
        self._set_state(article_id, finished=bool(finished))

    def compact(self) -> None:
        """Fold the journal into the index now (e.g. before a backup)."""
        with self._locked():
            self._refresh()
            self._compact()

    # --- caches and small tables ----------------------------------------------------------------
    def _cache_path(self, article_id: str, name: str) -> Path:
        safe = _NAME_RE.sub("_", name).strip(".") or "cache"
        if not _ID_RE.match(article_id):
            raise StoreError(f"invalid article id {article_id!r}")
        return self.cache_dir / f"{article_id}.{safe}"

    def read_cache(self, article_id: str, name: str) -> bytes | None:
        """A disposable cache blob (e.g. the render-ready form), or None."""
        try:
            return self._cache_path(article_id, name).read_bytes()
        except (OSError, StoreError):
            return None

    def map_cache(self, article_id: str, name: str) -> Any:
        """A cache blob mapped into memory (read-only, bytes-like), or None: only the parts
        read are loaded (a 3 MB render form whose first screen uses a few KB of it). A blob is
        replaced by renaming a new file over it, so a mapping never sees a half-written one."""
        try:
            with open(self._cache_path(article_id, name), "rb") as handle:
                return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError, StoreError):  # missing, empty or unmappable: no cache
            return None

    def write_cache(self, article_id: str, name: str, data: bytes) -> None:
        """Store a disposable cache blob (atomic; no lock needed since any version is valid)."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self._cache_path(article_id, name), data)

    @staticmethod
    def _check_table(table: str) -> str:
        if not table or not _ID_RE.match(table):
            raise StoreError(f"invalid table name {table!r}")
        return table

    def kv_get(self, table: str, key: str) -> dict[str, Any] | None:
        """A record of a small named table (subscriptions, HTTP validators...)."""
        self._refresh()
        value = self._tables.get(self._check_table(table), {}).get(key)
        return json.loads(json.dumps(value)) if value is not None else None

    def kv_put(self, table: str, key: str, value: dict[str, Any]) -> None:
        """Insert or replace a record (one journal line). ``value`` must be JSON-ready."""
        self.kv_put_many(table, {key: value})

    def kv_put_many(self, table: str, values: dict[str, dict[str, Any]]) -> None:
        """Insert or replace several records with one write."""
        self._check_table(table)
        if not values:
            return
        with self._locked():
            self._refresh()
            self._append([{"kv": table, "k": str(k), "v": dict(v)} for k, v in values.items()])
            self._maybe_compact()

    def kv_delete(self, table: str, key: str) -> None:
        """Delete a record (no error when absent)."""
        self._check_table(table)
        with self._locked():
            self._refresh()
            if key in self._tables.get(table, {}):
                self._append([{"kv": table, "k": key, "v": None}])
                self._maybe_compact()

    def kv_all(self, table: str) -> dict[str, dict[str, Any]]:
        """Every record of a table, by key."""
        self._refresh()
        return json.loads(json.dumps(self._tables.get(self._check_table(table), {})))
