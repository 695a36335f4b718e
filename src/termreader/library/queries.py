"""Reading the index: listing, sorting, counting, and finding an article by id, URL, path or title.

Local files: importers set ``Article.url`` to the absolute path string (not a ``file:`` URL);
:func:`resolve_id` accepts a path (relative or absolute, symlinks resolved or not) or a
``file://`` URL and compares against that form.
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from termreader.errors import NotFound
from termreader.library.files import ID_RE
from termreader.library.query import Query, fold, haystack
from termreader.library.records import STATE_FIELDS, article_from, default_state, sort_key
from termreader.models import Article, Position, parse_iso

Records = dict[str, dict[str, Any]]
"""The index records by article id (``Index.records``)."""


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


class Lookups:
    """What listing and finding derive from each index record, computed once: sort stamps,
    parsed dates, folded search text, and the URL map (built on the first lookup: normalizing
    every URL of a big library costs more than loading the index).

    The index keeps it in step: :meth:`clear` on a reload, :meth:`changed` / :meth:`removed`
    as journal entries are applied.
    """

    def __init__(self) -> None:
        self.by_url: dict[str, str] = {}
        self.url_map_valid = False
        self.dates: dict[str, tuple[float, datetime | None, datetime | None]] = {}
        self.stamps: dict[str, float] = {}  # sort keys alone (see sort_stamp)
        self.hay: dict[str, str] = {}

    def clear(self) -> None:
        """Forget everything (the records were replaced)."""
        self.by_url = {}
        self.url_map_valid = False
        self.dates = {}
        self.stamps = {}
        self.hay = {}

    def changed(self, key: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        """The record ``key`` was added, or replaced ``old``."""
        if self.url_map_valid:
            if old and old.get("url"):
                self.by_url.pop(normalize_url(old["url"]), None)
            if new.get("url"):
                self.by_url[normalize_url(new["url"])] = key
        self.dates.pop(key, None)
        self.stamps.pop(key, None)
        self.hay.pop(key, None)

    def removed(self, record: dict[str, Any]) -> None:
        """``record`` left the index."""
        if record.get("url") and self.url_map_valid:
            self.by_url.pop(normalize_url(record["url"]), None)

    def url_map(self, records: Records) -> dict[str, str]:
        """Normalized URL -> article id."""
        if not self.url_map_valid:
            self.by_url = {}
            for key, record in records.items():
                url = record.get("url")
                if url:
                    self.by_url[normalize_url(url)] = key
            self.url_map_valid = True
        return self.by_url

    def sort_stamp(self, record: dict[str, Any]) -> float:
        """The record's sort key (:func:`termreader.library.records.sort_key`), parsed once
        (``dates`` gets its first field from here, so this cache always holds it too)."""
        key = record["id"]
        value = self.stamps.get(key)
        if value is None:
            value = self.stamps[key] = sort_key(record)
        return value

    def newest_first(self, record: dict[str, Any]) -> tuple[float, str]:
        """The key that sorts records newest first, then by title (every listing's order)."""
        return (-self.sort_stamp(record), record.get("title", ""))

    def dates_of(self, record: dict[str, Any]) -> tuple[float, datetime | None, datetime | None]:
        """(sort key, published, fetched) of a record, parsed once."""
        key = record["id"]
        cached = self.dates.get(key)
        if cached is None:
            cached = (
                self.sort_stamp(record),
                parse_iso(record.get("published")),
                parse_iso(record.get("fetched")),
            )
            self.dates[key] = cached
        return cached

    def haystack(self, record: dict[str, Any]) -> str:
        """The record's folded title, source and tags (:func:`termreader.library.query.haystack`)."""
        hay = self.hay.get(record["id"])
        if hay is None:
            hay = self.hay[record["id"]] = haystack(
                record.get("title", ""), record.get("source", ""), *record.get("tags", [])
            )
        return hay


def brief(record: dict[str, Any], lookups: Lookups) -> Article:
    """An index-only Article, built without re-parsing dates (the list path at 10k)."""
    try:
        _, published, fetched = lookups.dates_of(record)
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
            starred=bool(record.get("starred", False)),
            reading_minutes=int(record.get("reading_minutes") or 0),
            date_source=str(record.get("date_source") or ""),
        )
    except (TypeError, AttributeError, KeyError, ValueError):
        return article_from(record)


def selected(
    records: Records,
    lookups: Lookups,
    query: Query,
    unread: bool | None,
    starred: bool | None = None,
) -> list[dict[str, Any]]:
    """The records that pass ``query`` and the ``unread`` and ``starred`` filters, in no
    order."""
    if not query and unread is None and starred is None:
        return list(records.values())
    hays = lookups.hay
    chosen = []
    for record in records.values():
        if unread is not None and bool(record.get("unread", True)) != unread:
            continue
        if starred is not None and bool(record.get("starred", False)) != starred:
            continue
        if query:
            hay = hays.get(record["id"])
            if hay is None:
                hay = lookups.haystack(record)
            if not query.matches(hay):
                continue
        chosen.append(record)
    return chosen


class Progressive(Protocol):
    """What :func:`stream` needs of the index (``termreader.library.index.Index``)."""

    records: Records
    lookups: Lookups

    def unloaded_newest(self) -> float | None: ...

    def load_next(self) -> list[str]: ...


def stream(
    index: Progressive, query: Query, unread: bool | None, starred: bool | None = None
) -> Iterator[dict[str, Any]]:
    """See :meth:`termreader.library.store.Library.stream`: a merge of the loaded records with
    each next segment, yielding a record once no unloaded segment can hold a newer one."""
    stamp = index.lookups.sort_stamp
    order = index.lookups.newest_first
    waiting = selected(index.records, index.lookups, query, unread, starred)
    done: set[str] = set()
    while True:
        bound = index.unloaded_newest()
        # Segments hold records of nearby dates: the waiting list stays short, and sorting
        # what is mostly in order already is quick.
        waiting.sort(key=order)
        cut = len(waiting)
        if bound is not None:
            cut = bisect.bisect_left(waiting, -bound, key=lambda record: -stamp(record))
        done.update(record["id"] for record in waiting[:cut])
        yield from waiting[:cut]
        del waiting[:cut]
        if bound is None:
            # Records a reload or a compaction loaded behind this stream's back (the caller
            # used the library meanwhile): late, but not lost.
            late = {k: r for k, r in index.records.items() if k not in done}
            yield from sorted(selected(late, index.lookups, query, unread, starred), key=order)
            return
        # (A compaction elsewhere makes load_next start over: skip what was given already.)
        added = {
            key: index.records[key]
            for key in index.load_next()
            if key in index.records and key not in done
        }
        waiting.extend(selected(added, index.lookups, query, unread, starred))


LISTED_STATE = tuple(name for name in STATE_FIELDS if name != "position")
"""The reading-state flags a listing carries (after the metadata)."""


def list_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The listing form of an index record (``termreader list --json``), read straight from the
    record: the dates are stored in the ISO form the listing prints."""
    fields: dict[str, Any] = {
        "id": record["id"],
        "title": record.get("title", ""),
        "url": record.get("url", ""),
        "source": record.get("source", ""),
        "published": record.get("published") or None,
        "date_source": record.get("date_source", ""),
        "fetched": record.get("fetched") or None,
        "language": record.get("language", ""),
        "kind": record.get("kind", "markdown"),
        "tags": list(record.get("tags", ())),
    }
    defaults = default_state()
    for name in LISTED_STATE:
        fields[name] = bool(record.get(name, defaults[name]))
    return fields


def listing(
    records: Records,
    lookups: Lookups,
    query: Query,
    *,
    unread: bool | None = None,
    starred: bool | None = None,
    limit: int | None = None,
) -> list[Article]:
    """See :meth:`termreader.library.store.Library.list`."""
    chosen = selected(records, lookups, query, unread, starred)

    order = lookups.newest_first
    if limit is not None and limit < len(chosen):
        chosen = heapq.nsmallest(max(0, limit), chosen, key=order)
    else:
        chosen.sort(key=order)
    return [brief(r, lookups) for r in chosen]


def counts(records: Records) -> tuple[int, int]:
    """(articles, unread articles), without building Article objects."""
    values = records.values()
    return len(values), sum(1 for r in values if r.get("unread", True))


def resolve_id(records: Records, lookups: Lookups, ref: str) -> str:
    """See :meth:`termreader.library.store.Library.resolve_id`. Raises NotFound."""
    ref = ref.strip()
    if not ref:
        raise NotFound("no article matches an empty reference")
    if ref in records:
        return ref
    key = lookups.url_map(records).get(normalize_url(ref))
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
        key = lookups.url_map(records).get(candidate)
        if key is not None:
            return key
    if len(ref) >= 4 and ID_RE.match(ref):
        matches = [key for key in records if key.startswith(ref.lower())]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise NotFound(f"id prefix {ref} is ambiguous ({len(matches)} articles match)")
    raise NotFound(f"no article matches {ref}")


def by_title(records: Records, lookups: Lookups, title: str) -> list[Article]:
    """Articles whose title equals ``title`` (whitespace/case folded), newest first."""
    want = fold(title)
    if not want:
        return []
    hits = [r for r in records.values() if fold(r.get("title", "")) == want]
    hits.sort(key=lambda r: lookups.dates_of(r)[0], reverse=True)
    return [brief(r, lookups) for r in hits]
