"""The article model: plain dataclasses with a stable JSON form. No UI, no I/O."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

PREFETCHED_TAG = "prefetched"
"""Tag of articles prefetched because another article lists them as related. ``termreader list``
hides them unless given ``--all``. Saving, adding or subscribing to one takes the tag off."""

DATE_FROM_FILE = "file"
"""``Article.date_source`` of an undated file dated by its modification time."""


def article_id(canonical: str) -> str:
    """A stable 16-hex-digit id for a canonical URL or an absolute file path."""
    import hashlib  # here, as in body_fingerprint: reading a library never hashes

    return hashlib.sha256(canonical.strip().encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(slots=True)
class Section:
    """One heading of the outline.

    Attributes:
        level: 1 for top-level sections, 2 for their sub-points, ...
        title: The heading text, plain.
        anchor: A slug unique within the article (see :mod:`termreader.text.outline`).
        position: The 0-based line of the heading in the Markdown ``body``.
    """

    level: int
    title: str
    anchor: str
    position: int = 0


@dataclass(slots=True)
class Link:
    """An inline link of the body, in document order."""

    title: str
    url: str


@dataclass(slots=True)
class Related:
    """An entry of the article's related list. ``url`` may be None (resolved by title)."""

    title: str
    url: str | None = None
    count: int = 1


@dataclass(slots=True)
class Position:
    """A reading position that survives a resize: a section anchor plus lines into it."""

    anchor: str = ""
    offset: int = 0
    percent: float = 0.0


@dataclass(slots=True)
class Article:
    """An article of the library.

    ``body`` is sanitized Markdown. Reading state (``unread``, ``position``, ``finished``,
    ``starred``) lives here too; the store keeps it in the index, not in the body file.
    """

    id: str
    title: str
    url: str = ""
    source: str = ""
    published: datetime | None = None
    fetched: datetime | None = None
    language: str = ""
    body: str = ""
    kind: str = "markdown"  # markdown | text | html | feed
    sections: list[Section] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    unread: bool = True
    position: Position = field(default_factory=Position)
    finished: bool = False
    starred: bool = False
    reading_minutes: int = 0
    """Estimated minutes to read the body (see :mod:`termreader.text.readtime`); the library
    fills it in when the article is stored (0: not counted yet, or nothing to read)."""
    date_source: str = ""
    """Where ``published`` comes from: "" the article itself (its page, feed or front matter),
    :data:`DATE_FROM_FILE` the modification time of an undated file."""

    # --- JSON form -------------------------------------------------------------------------
    def meta_dict(self) -> dict[str, Any]:
        """Everything but the body, JSON-ready (datetimes as ISO 8601)."""
        data = asdict(self)
        data.pop("body")
        data["published"] = iso(self.published)
        data["fetched"] = iso(self.fetched)
        return data

    def to_dict(self) -> dict[str, Any]:
        """The whole article, JSON-ready."""
        data = self.meta_dict()
        data["body"] = self.body
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Rebuild an article from :meth:`to_dict` or :meth:`meta_dict` output."""
        return cls(
            id=data["id"],
            title=data.get("title", ""),
            url=data.get("url", ""),
            source=data.get("source", ""),
            published=parse_iso(data.get("published")),
            fetched=parse_iso(data.get("fetched")),
            language=data.get("language", ""),
            body=data.get("body", ""),
            kind=data.get("kind", "markdown"),
            sections=[Section(**s) for s in data.get("sections", [])],
            links=[Link(**x) for x in data.get("links", [])],
            related=[Related(**r) for r in data.get("related", [])],
            tags=list(data.get("tags", [])),
            unread=bool(data.get("unread", True)),
            position=Position(**(data.get("position") or {})),
            finished=bool(data.get("finished", False)),
            starred=bool(data.get("starred", False)),
            reading_minutes=int(data.get("reading_minutes") or 0),
            date_source=str(data.get("date_source") or ""),
        )


def body_fingerprint(body: str) -> str:
    """A short digest of an article body (length and BLAKE2b): a render form cached for one
    version of a body is never shown for another. The store keeps it in the index."""
    import hashlib

    data = body.encode("utf-8", "surrogatepass")
    return f"{len(data)}-{hashlib.blake2b(data, digest_size=12).hexdigest()}"


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text of ``value`` (its zone kept); None for None. The form stored and printed."""
    return value.isoformat() if value else None


def parse_iso(value: Any, *, default_zone: tzinfo | None = None) -> datetime | None:
    """The datetime of ISO 8601 text (a datetime passes through); None when empty or invalid.

    A trailing ``Z`` means UTC. ``default_zone`` is given to a time written without a zone
    (feeds mean UTC); otherwise such a time stays naive, as it was written.
    """
    if not value:
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if default_zone is not None and when.tzinfo is None:
        when = when.replace(tzinfo=default_zone)
    return when
