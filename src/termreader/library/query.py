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

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from itertools import compress, repeat
from operator import contains
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


@cache
def _word_start() -> re.Pattern[str]:
    """Where a word of the text starts: a letter or digit not of an unspaced script
    (``\\w`` is ``str.isalnum`` plus ``_``) with none of the same just before it. Compiled on
    first use: the classes of the unspaced scripts are slow to compile, and start-up imports
    this module."""
    unspaced = "".join(
        f"{re.escape(chr(low))}-{re.escape(chr(high))}" if high > low else re.escape(chr(low))
        for low, high in UNSPACED_RANGES
    )
    letter = f"[^\\W_{unspaced}]"
    return re.compile(f"(?<!{letter})(?={letter})")


WORD_START_MARK = "\x01"
"""Put before every word start by :func:`mark_word_starts` (a control character: cleaned
text never holds one, and a query's is dropped)."""


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


def mark_word_starts(text: str) -> str:
    """``text`` (a :func:`haystack` or a folded word) with :data:`WORD_START_MARK` before each
    place a word starts. A word matches ``hay`` under this module's rule exactly when
    ``mark_word_starts(word)`` is a plain substring of ``mark_word_starts(hay)``: the mark
    before the word's first letter asks for a word start there, and the marks inside the word
    fall where the text's own are. The library filter tests that at C speed over a whole
    library at each keystroke (:meth:`Query.select_marked`)."""
    return _word_start().sub(WORD_START_MARK, text)


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

    def select_marked(self, items: list[T], marked: Callable[[T], str]) -> list[T]:
        """Like :meth:`select`, but ``marked(item)`` gives the item's haystack passed through
        :func:`mark_word_starts`: each word is then one substring test, run by ``map`` and
        ``compress`` without a Python call per item."""
        if not self.words:
            return list(items)
        for word in self.words:
            needle = mark_word_starts(word.replace(WORD_START_MARK, ""))
            items = list(compress(items, map(contains, map(marked, items), repeat(needle))))
        return items


__all__ = [
    "WORD_START_MARK",
    "Query",
    "find_word",
    "fold",
    "haystack",
    "mark_word_starts",
    "parse_words",
    "unspaced",
    "word_char",
]
