"""The one rule for matching a search in the library (``termreader list --query``, the TUI filter).

Text is folded with NFKC and case folding, so full-width letters, compatibility forms and case
never stand between a query and a title ("ＡＢＣ" finds "abc"). A query is split into words at
whitespace and an entry matches when every word appears, as a substring, in its folded title,
source or tags: substrings keep CJK text (written without spaces) searchable, and words in any
order narrow the list as the user types them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def fold(text: str) -> str:
    """``text`` for comparison: NFKC-normalized, case-folded, whitespace runs made one space."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def haystack(*fields: str) -> str:
    """The folded text a :class:`Query` is matched against: the fields joined by a newline,
    NFKC-normalized and case-folded like :func:`fold`. Whitespace is left as it is: a query word
    holds none, so it matches the same text either way, and never across two fields."""
    text = "\n".join(fields)
    # NFKC leaves ASCII unchanged: skip it for the common case (this runs for every article).
    return text.casefold() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()


class Query:
    """A search, folded once: its words, each of which must appear in a :func:`haystack`."""

    __slots__ = ("words",)

    def __init__(self, text: str | None) -> None:
        self.words: tuple[str, ...] = tuple(fold(text).split()) if text else ()

    def __bool__(self) -> bool:
        """False for an empty (or blank) query, which matches everything."""
        return bool(self.words)

    def narrowing(self, before: Query, before_text: str, text: str) -> Query | None:
        """The words still to check when this query (from ``text``) extends ``before`` (from
        ``before_text``) as typing does: every entry it matches is among those ``before``
        matched, which satisfy every word the two share. None when ``text`` does not extend
        ``before_text``."""
        if not before or not fold(text).startswith(fold(before_text)):
            return None
        narrower = Query(None)
        narrower.words = tuple(word for word in self.words if word not in before.words)
        return narrower

    def matches(self, hay: str) -> bool:
        """True when every word of the query appears in ``hay`` (made by :func:`haystack`)."""
        for word in self.words:
            if word not in hay:
                return False
        return True

    def select(self, items: Iterable[T], hay: Callable[[T], str]) -> list[T]:
        """The items whose haystack (``hay(item)``, e.g. an ``operator.attrgetter``) matches,
        in their order. Runs over every entry at each keystroke, so one word (the common case
        while typing) is matched inline."""
        words = self.words
        if not words:
            return list(items)
        if len(words) == 1:
            word = words[0]
            return [item for item in items if word in hay(item)]
        matches = self.matches
        return [item for item in items if matches(hay(item))]


__all__ = ["Query", "fold", "haystack"]
