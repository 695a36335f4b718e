"""Front matter: YAML (``---``) or TOML (``+++``) metadata blocks at the top of Markdown files."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml

#: Front matter larger than this is not metadata; the block is treated as Markdown.
MAX_FRONT_MATTER = 64 * 1024

_YAML_OPEN = re.compile(r"\A---[ \t]*\n")
_YAML_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_TOML_OPEN = re.compile(r"\A\+\+\+[ \t]*\n")
_TOML_CLOSE = re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)


@dataclass(slots=True)
class FrontMatter:
    """What the importers use from a front matter block; every field optional.

    Attributes:
        title, url, source, language: Plain strings ("" when absent).
        published: The raw value of ``date``/``published`` (a string, date or datetime).
        tags: Tag strings.
        related: ``(title, url or None)`` pairs.
        error: A one-line description when a block was present but could not be read.
    """

    title: str = ""
    url: str = ""
    source: str = ""
    language: str = ""
    published: Any = None
    tags: list[str] = field(default_factory=list)
    related: list[tuple[str, str | None]] = field(default_factory=list)
    error: str = ""


def split_front_matter(text: str) -> tuple[FrontMatter | None, str, str]:
    """Split ``text`` into ``(front matter or None, body, raw block)``.

    A block that opens but never closes is not front matter (``---`` is also a thematic break):
    the whole text is the body. A block that closes but does not parse as a mapping comes back
    with ``error`` set and its raw text, so the caller can keep it visible instead of losing it.
    """
    for opener, closer, loader in (
        (_YAML_OPEN, _YAML_CLOSE, _load_yaml),
        (_TOML_OPEN, _TOML_CLOSE, _load_toml),
    ):
        start = opener.match(text)
        if not start:
            continue
        end = closer.search(text, start.end(), start.end() + MAX_FRONT_MATTER)
        if not end:
            return None, text, ""
        raw = text[start.end() : end.start()]
        body = text[end.end() :].lstrip("\n")
        try:
            data = loader(raw)
        except Exception as error:  # noqa: BLE001 - any parser failure means "not metadata"
            message = " ".join(str(error).split())[:120] or error.__class__.__name__
            return FrontMatter(error=message), body, raw
        if data is None and not raw.strip():
            return FrontMatter(), body, raw
        if not isinstance(data, dict):
            return FrontMatter(error="front matter is not a mapping"), body, raw
        return _interpret(data), body, raw
    return None, text, ""


def _load_yaml(raw: str) -> Any:
    # The pure-Python safe loader: no object construction, and deep nesting ends in a
    # RecursionError (caught by the caller) rather than in C code.
    return yaml.load(raw, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader


def _load_toml(raw: str) -> Any:
    return tomllib.loads(raw)


def _scalar(value: Any) -> str:
    """A string for scalar values only: aliases to big structures must never be str()-ed."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float, date, datetime)):
        return str(value)
    return ""


def _first(data: dict[str, Any], *keys: str) -> Any:
    lowered = {str(k).lower(): v for k, v in list(data.items())[:200] if isinstance(k, str)}
    for key in keys:
        if key in lowered and lowered[key] not in (None, ""):
            return lowered[key]
    return None


def _interpret(data: dict[str, Any]) -> FrontMatter:
    meta = FrontMatter()
    meta.title = _scalar(_first(data, "title", "name"))
    meta.url = _scalar(_first(data, "url", "link", "canonical", "canonical_url", "permalink"))
    meta.source = _scalar(_first(data, "source", "site", "sitename", "publisher"))
    meta.language = _scalar(_first(data, "language", "lang", "locale"))
    published = _first(data, "published", "date", "pubdate", "published_at", "created")
    if isinstance(published, (str, date, datetime)):
        meta.published = published
    tags = _first(data, "tags", "keywords", "categories")
    if isinstance(tags, str):
        meta.tags = [t.strip() for t in re.split(r"[,，;]", tags) if t.strip()][:100]
    elif isinstance(tags, list):
        meta.tags = [s for s in (_scalar(t).strip() for t in tags[:100]) if s]
    related = _first(data, "related", "see_also", "see-also")
    if isinstance(related, list):
        for item in related[:500]:
            if isinstance(item, dict):
                title = _scalar(item.get("title") or item.get("name") or "")
                url = _scalar(item.get("url") or item.get("link") or item.get("href") or "")
                if title or url:
                    meta.related.append((title or url, url or None))
            else:
                title = _scalar(item).strip()
                if title:
                    is_url = title.startswith(("http://", "https://"))
                    meta.related.append((title, title if is_url else None))
    return meta
