"""The one rule for matching a search in the library (``list --query``, the TUI filter, ``search``).

Text is folded with NFKC and case folding, so full-width letters, compatibility forms and case
never stand between a query and a title ("ＡＢＣ" finds "abc"). A query is split into words at
whitespace (a ``"quoted phrase"`` is one word) and an entry matches when every word appears in
its folded text, with one condition: a word that starts with a letter or digit of a script
written with spaces must start where a word of the text starts ("read" finds "reader" and
"e-mail" finds "mail", "ead" finds neither). Scripts written without spaces (Chinese, Japanese,
Korean, Thai...) match anywhere, one character or more, so CJK text stays searchable. The
full-text index (``termreader.library.search``) is built on exactly this rule: words become
tokens, unspaced text becomes bigrams and single characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

UNSPACED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31A0, 0x31FF),  # Bopomofo extended, Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
"""Code point ranges of scripts written without spaces between words: matched anywhere."""


def unspaced(char: str) -> bool:
    """True for a character of a script written without spaces (see :data:`UNSPACED_RANGES`)."""
    code = ord(char)
    if code < 0x0E00:
        return False
    for low, high in UNSPACED_RANGES:
        if code < low:
            return False
        if code <= high:
            return True
    return False


def word_char(char: str) -> bool:
    """True for a letter or digit of a script written with spaces (a word goes on across it)."""
    return char.isalnum() and not unspaced(char)


def fold(text: str) -> str:
    """``text`` for comparison: NFKC-normalized, case-folded, whitespace runs made one space."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def haystack(*fields: str) -> str:
    """The folded text a :class:`Query` is matched against: the fields joined by a newline (so
    no word or phrase matches across two of them), each NFKC-normalized and case-folded like
    :func:`fold`, with its whitespace runs made one space (a phrase matches across a line
    break)."""
    text = "\n".join(" ".join(field.split()) for field in fields)
    # NFKC leaves ASCII unchanged: skip it for the common case (this runs for every article).
    return text.casefold() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()


def parse_words(text: str) -> tuple[str, ...]:
    """The folded words of a query: split at whitespace, a ``"quoted phrase"`` kept as one word
    (an unclosed quote runs to the end), empty words dropped."""
    words: list[str] = []
    parts = text.split('"')
    for index, part in enumerate(parts):
        if index % 2:
            phrase = fold(part)
            if phrase:
                words.append(phrase)
        else:
            words.extend(fold(part).split())
    return tuple(words)


def find_word(word: str, hay: str, start: int = 0) -> int:
    """Where ``word`` (folded) first matches in ``hay`` (made by :func:`haystack`) at or after
    ``start`` under the word-start rule of this module, or -1."""
    at = hay.find(word, start)
    if at <= 0 or not word_char(word[0]):
        return at
    while at > 0 and word_char(hay[at - 1]):
        at = hay.find(word, at + 1)
    return at


class Query:
    """A search, folded once: its words, each of which must match in a :func:`haystack`."""

    __slots__ = ("words",)

    def __init__(self, text: str | None) -> None:
        self.words: tuple[str, ...] = parse_words(text) if text else ()

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
        """True when every word of the query matches in ``hay`` (made by :func:`haystack`)."""
        for word in self.words:
            # The substring test first: it rejects most entries at C speed.
            if word not in hay or find_word(word, hay) < 0:
                return False
        return True

    def select(self, items: Iterable[T], hay: Callable[[T], str]) -> list[T]:
        """The items whose haystack (``hay(item)``, e.g. an ``operator.attrgetter``) matches,
        in their order. Runs over every entry at each keystroke, so one word (the common case
        while typing) is tested inline first."""
        words = self.words
        if not words:
            return list(items)
        if len(words) == 1:
            word = words[0]
            return [item for item in items if word in hay(item) and find_word(word, hay(item)) >= 0]
        matches = self.matches
        return [item for item in items if matches(hay(item))]


__all__ = ["Query", "find_word", "fold", "haystack", "parse_words", "unspaced", "word_char"]
