"""Heading anchors (slugs), apart from the outline module: that one builds markdown-it parsers at
import, and the reader's start (a cached article, its related section) needs only the slug."""

from __future__ import annotations

import re
import unicodedata

_SLUG_DROP = re.compile(r"[^\w\- ]+", re.UNICODE)


def slugify(title: str) -> str:
    """A GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens; CJK kept."""
    text = unicodedata.normalize("NFKC", title).strip().lower()
    text = _SLUG_DROP.sub("", text)
    text = re.sub(r"\s+", "-", text).strip("-")
    return text or "section"
