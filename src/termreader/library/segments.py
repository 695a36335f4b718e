"""Index segments: the article records, split into TinyDB files that are written once each.

One ``library.json`` holding every record had to be rewritten whole on each compaction and
parsed whole at each start. The records now live in ``index/<seq>.json`` files of a few
thousand records each, grouped by date; ``library.json`` (the manifest) names the live segments
with what a reader needs to choose among them (record and unread counts, newest and oldest
date). A segment file is never changed: a compaction writes new ones, then the manifest that
names them (the commit), then deletes the ones no longer named.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from termreader.errors import StoreError
from termreader.library.atomic import atomic_write, dumps

FORMAT_VERSION = 2
"""The library's on-disk form (1: every record in ``library.json``; 2: segments)."""
SEGMENTS_DIR = "index"
SEGMENTS_TABLE = "segments"
"""The manifest's table of live segments: file name -> :func:`describe` of its records."""
ARTICLES_TABLE = "articles"
SEGMENT_TARGET = 2000
"""Records per segment: small enough to load one between two frames, few enough files."""


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


def segment_name(seq: int) -> str:
    """The file name of segment number ``seq``."""
    return f"{seq:08d}.json"


def describe(seq: int, records: dict[str, dict[str, Any]], stamps: dict[str, float]) -> dict:
    """A manifest entry: what a reader needs to pick segments without opening them."""
    values = [stamps[key] for key in records]
    return {
        "seq": seq,
        "n": len(records),
        "unread": sum(1 for r in records.values() if r.get("unread", True)),
        "newest": max(values, default=0.0),
        "oldest": min(values, default=0.0),
    }


class SegmentFiles:
    """The ``index/`` folder of a library."""

    def __init__(self, home: Path) -> None:
        self.folder = home / SEGMENTS_DIR

    def path(self, name: str) -> Path:
        """Where segment ``name`` lives."""
        return self.folder / name

    def read(self, name: str) -> dict[str, dict[str, Any]]:
        """The records of segment ``name`` (by id).

        Raises:
            FileNotFoundError: the segment is gone (a compaction elsewhere replaced it).
            IndexUnreadable: it is not a segment.
            StoreError: it cannot be read.
        """
        path = self.path(name)
        if not path.exists():
            raise FileNotFoundError(path)
        data = AtomicJSONStorage(path).read()
        if data is None:
            raise IndexUnreadable(f"{path} is empty")
        table = data.get(ARTICLES_TABLE, {})
        return {k: r for k, r in table.items() if isinstance(r, dict) and r.get("id") == k}

    def write(self, name: str, records: dict[str, dict[str, Any]]) -> None:
        """Write a new segment (atomic, durable). Raises StoreError."""
        self.folder.mkdir(exist_ok=True)
        atomic_write(self.path(name), dumps({ARTICLES_TABLE: records}))

    def on_disk(self) -> list[str]:
        """Every segment file's name, oldest first."""
        try:
            names = [n for n in os.listdir(self.folder) if n.endswith(".json") and n[:8].isdigit()]
        except OSError:
            return []
        return sorted(names)

    def remove_unlisted(self, listed: set[str]) -> None:
        """Delete the segment files the manifest no longer names (replaced by a compaction)."""
        for name in self.on_disk():
            if name not in listed:
                with contextlib.suppress(OSError):
                    os.unlink(self.path(name))
