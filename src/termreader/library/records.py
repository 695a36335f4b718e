"""Index records: the lean form of an article kept in the index, its reading state and defaults."""

from __future__ import annotations

from dataclasses import asdict, fields, is_dataclass
from datetime import UTC, datetime
from typing import Any

from termreader.models import PREFETCHED_TAG, Article, body_fingerprint, iso, parse_iso
from termreader.text.readtime import reading_minutes

# Index records carry what the list needs; sections, links and related live in the body file.
BODY_FINGERPRINT = "body_fp"
"""Index field: :func:`termreader.models.body_fingerprint` of the body file's body."""

LEAN_DROP = ("body", "sections", "links", "related")
"""Article fields kept in the body file only."""
STATE_FIELDS = ("unread", "position", "finished", "starred")
"""The reading state: journalled on its own, never written to a body file."""
EDITABLE_FIELDS = ("tags",)
"""Metadata the reader may change in the index alone (journalled like the reading state), so an
edit never rewrites a body file."""
EDITED = "edited"
"""Index field: the names of :data:`EDITABLE_FIELDS` changed since the body file was written
(compaction restates them in the journal, and a new version of the article keeps them)."""


def default_state() -> dict[str, Any]:
    """The reading state of an article never opened."""
    return {
        "unread": True,
        "position": {"anchor": "", "offset": 0, "percent": 0.0},
        "finished": False,
        "starred": False,
    }


_RECORD_DEFAULTS: dict[str, Any] = {
    **default_state(),
    "language": "",
    "kind": "markdown",
    "tags": [],
    "published": None,
    "reading_minutes": 0,
    "date_source": "",
}
"""Index fields left out of the file when they hold these values (see without_defaults)."""


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


def _plain(value: Any) -> Any:
    """A dataclass instance as a dict; anything else as it is."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def article_dict(article: Article, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """``article.to_dict()`` without the fields in ``drop``, built field by field: the
    generic ``dataclasses.asdict`` walk was most of storing a batch of small articles."""
    data: dict[str, Any] = {}
    for name in _ARTICLE_FIELDS:
        if name in drop:
            continue
        value = getattr(article, name)
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, list):
            value = [_plain(item) for item in value]
        else:
            value = _plain(value)
        data[name] = value
    return data


def lean(article: Article) -> dict[str, Any]:
    """The index record of ``article``: its metadata and body fingerprint, no body."""
    data = article_dict(article, LEAN_DROP)
    # Lets a reader check a cached render form without reading the body file.
    data[BODY_FINGERPRINT] = body_fingerprint(article.body)
    # Counted here, where the body is at hand: the header shows it from the record alone.
    data["reading_minutes"] = article.reading_minutes = reading_minutes(article.body)
    return data


def state_of(article: Article) -> dict[str, Any]:
    """``article``'s reading state in the journal's form (see :data:`STATE_FIELDS`)."""
    position = article.position
    return {
        "unread": bool(article.unread),
        "position": {
            "anchor": position.anchor,
            "offset": int(position.offset),
            "percent": float(position.percent),
        },
        "finished": bool(article.finished),
        "starred": bool(article.starred),
    }


def apply_edits(target: dict[str, Any], entry: dict[str, Any]) -> bool:
    """Apply the :data:`EDITABLE_FIELDS` of a journal entry to ``target`` and mark them edited.
    Returns whether anything was applied."""
    applied = [f for f in EDITABLE_FIELDS if f in entry]
    for field in applied:
        target[field] = entry[field]
    if applied:
        target[EDITED] = sorted({*target.get(EDITED, ()), *applied})
    return bool(applied)


def edits_of(record: dict[str, Any]) -> dict[str, Any]:
    """The edited fields of ``record`` (what a compacted journal must restate)."""
    return {f: record[f] for f in record.get(EDITED, ()) if f in EDITABLE_FIELDS and f in record}


def keep_edits(old: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A new version of an article (``record``) keeps what the reader edited in ``old``.

    The source still decides :data:`~termreader.models.PREFETCHED_TAG` (saving a prefetched
    article takes it off, edited tags or not).
    """
    edits = edits_of(old) if old else {}
    if not edits:
        return
    if "tags" in edits and PREFETCHED_TAG not in record.get("tags", ()):
        edits["tags"] = [t for t in edits["tags"] if t != PREFETCHED_TAG]
    record.update(edits)
    record[EDITED] = sorted(edits)


def meta_only(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without its reading state."""
    return {k: v for k, v in record.items() if k not in STATE_FIELDS}


def without_defaults(record: dict[str, Any]) -> dict[str, Any]:
    """An index record without the fields that hold their default value (every reader of a
    record defaults them): most of a big library's start is the objects the JSON decoder
    builds, so fewer fields load markedly faster."""
    defaults = _RECORD_DEFAULTS
    return {
        key: value for key, value in record.items() if key not in defaults or value != defaults[key]
    }


def sort_key(record: dict[str, Any]) -> float:
    """The record's date as a timestamp (published, else fetched; naive means UTC), else 0."""
    for field in ("published", "fetched"):
        value = record.get(field)
        if not value:
            continue
        try:
            # Stored dates are ISO text: parsed directly (this runs for every record).
            stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            stamp = None
        if stamp is None:
            stamp = parse_iso(value)
            if stamp is None:
                continue
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    return 0.0


def article_from(record: dict[str, Any], full: Article | dict[str, Any] | None = None) -> Article:
    """Build an Article from an index record, taking body/sections/links/related from ``full``
    when given."""
    data = dict(record)
    if isinstance(full, Article):
        data["body"] = full.body
        article = Article.from_dict(data)
        article.sections = list(full.sections)
        article.links = list(full.links)
        article.related = list(full.related)
        return article
    if isinstance(full, dict):
        for key in LEAN_DROP:
            if key in full:
                data[key] = full[key]
    return Article.from_dict(data)
