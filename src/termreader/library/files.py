"""Article files: each article's body and full metadata (gzip JSON), and its disposable caches."""

from __future__ import annotations

import contextlib
import gzip
import json
import mmap
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from termreader.errors import StoreError
from termreader.library.atomic import atomic_write, atomic_write_many, dumps_utf8
from termreader.library.records import STATE_FIELDS, article_dict
from termreader.models import Article

ID_RE = re.compile(r"^[0-9a-zA-Z_-]{1,64}$")
"""An article id, or a kv table name: safe as a file name."""
_NAME_RE = re.compile(r"[^0-9A-Za-z._-]+")


class ArticleFiles:
    """The ``articles/`` and ``cache/`` folders of a library.

    Every write is a whole-file atomic replacement, so a reader never sees a half-written file
    and needs no lock.
    """

    def __init__(self, home: Path) -> None:
        self.articles_dir = home / "articles"
        self.cache_dir = home / "cache"

    # --- bodies ---------------------------------------------------------------------------------
    def body_path(self, article_id: str) -> Path:
        """Where the body file of ``article_id`` lives."""
        return self.articles_dir / f"{article_id}.json.gz"

    def body_paths(self) -> list[Path]:
        """Every body file, sorted by name."""
        return sorted(self.articles_dir.glob("*.json.gz"))

    def has_bodies(self) -> bool:
        """True when at least one body file exists."""
        try:
            return any(self.articles_dir.glob("*.json.gz"))
        except OSError:
            return False

    def write_bodies(self, articles: list[Article]) -> Callable[[], None]:
        """Write the body files of ``articles``, durable together (see
        :func:`termreader.library.atomic.atomic_write_many`); returns an undo callable.

        Raises:
            StoreError: an invalid id, or a file could not be written (undone already).
        """
        items: list[tuple[Path, bytes]] = []
        previous: dict[Path, bytes | None] = {}
        for article in articles:
            if not ID_RE.match(article.id):
                raise StoreError(f"invalid article id {article.id!r}")
            path = self.body_path(article.id)
            try:
                previous[path] = path.read_bytes()
            except OSError:
                previous[path] = None
            data = article_dict(article, STATE_FIELDS)
            items.append((path, gzip.compress(dumps_utf8(data), compresslevel=6, mtime=0)))

        def undo() -> None:
            for path, old in previous.items():
                with contextlib.suppress(OSError, StoreError):
                    if old is None:
                        path.unlink(missing_ok=True)
                    else:
                        atomic_write(path, old)

        try:
            atomic_write_many(items)
        except StoreError:
            undo()
            raise
        return undo

    def write_body(self, article: Article) -> Callable[[], None]:
        """Write the body file; returns an undo callable restoring what was there before.

        Raises:
            StoreError: an invalid id, or the file could not be written (nothing changed).
        """
        if not ID_RE.match(article.id):
            raise StoreError(f"invalid article id {article.id!r}")
        path = self.body_path(article.id)
        try:
            previous: bytes | None = path.read_bytes()
        except OSError:
            previous = None
        data = article.to_dict()
        for field in STATE_FIELDS:
            data.pop(field, None)
        atomic_write(path, gzip.compress(dumps_utf8(data), compresslevel=6, mtime=0))

        def undo() -> None:
            with contextlib.suppress(OSError, StoreError):
                if previous is None:
                    path.unlink()
                else:
                    atomic_write(path, previous)

        return undo

    def read_body(self, article_id: str) -> dict[str, Any]:
        """The stored dict of ``article_id`` (see :meth:`read_body_file`)."""
        return self.read_body_file(self.body_path(article_id), article_id)

    def read_body_file(self, path: Path, article_id: str | None = None) -> dict[str, Any]:
        """The article dict stored in ``path`` (no reading state).

        Raises:
            StoreError: the file is missing, unreadable, damaged or of another article.
        """
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

    def remove(self, article_id: str) -> None:
        """Delete the body file and caches of ``article_id`` (whatever can be deleted)."""
        with contextlib.suppress(OSError):
            self.body_path(article_id).unlink()
        with contextlib.suppress(OSError):
            for path in self.cache_dir.glob(f"{article_id}.*"):
                path.unlink()

    # --- caches ---------------------------------------------------------------------------------
    def cache_path(self, article_id: str, name: str) -> Path:
        """Where the cache ``name`` of ``article_id`` lives. Raises StoreError (invalid id)."""
        safe = _NAME_RE.sub("_", name).strip(".") or "cache"
        if not ID_RE.match(article_id):
            raise StoreError(f"invalid article id {article_id!r}")
        return self.cache_dir / f"{article_id}.{safe}"

    def read_cache(self, article_id: str, name: str) -> bytes | None:
        """A disposable cache blob (e.g. the render-ready form), or None."""
        try:
            return self.cache_path(article_id, name).read_bytes()
        except (OSError, StoreError):
            return None

    def map_cache(self, article_id: str, name: str) -> Any:
        """A cache blob mapped into memory (read-only, bytes-like), or None: only the parts
        read are loaded (the first screen of a big render form uses a small part of it). A blob is
        replaced by renaming a new file over it, so a mapping never sees a half-written one."""
        try:
            with open(self.cache_path(article_id, name), "rb") as handle:
                return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError, StoreError):  # missing, empty or unmappable: no cache
            return None

    def write_cache(self, article_id: str, name: str, data: bytes) -> None:
        """Store a disposable cache blob (atomic; no lock needed since any version is valid)."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self.cache_path(article_id, name), data)
