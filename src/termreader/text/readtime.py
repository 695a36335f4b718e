"""Estimated reading time: CJK counted by characters, other scripts by words."""

from __future__ import annotations

import math
import re

CJK_PER_MINUTE = 500
"""Characters of Chinese, Japanese or Korean read in a minute."""

WORDS_PER_MINUTE = 230
"""Words of the other scripts read in a minute."""

SAMPLE = 200_000
"""Characters counted at most: a longer text is counted on slices spread over it, scaled up (an
estimate needs no exact count, and storing an article counts its whole body)."""

_SLICES = 8

# The text is counted as UTF-8 bytes, with bytes.translate and bytes.count: a regex class of the
# CJK ranges takes tens of milliseconds to compile, and a regex visiting every character of a
# CJK body is several times slower than these.
#
# CJK characters by their first byte: E3-E9 start kana, CJK extension A and the unified
# ideographs (U+3000-U+9FFF; but E3 80, U+3000-U+303F, is CJK punctuation), EA-ED mostly
# Hangul syllables (U+A000-U+D7FF), F0 A0-B1 the ideographs of the supplementary planes
# (F0 9F is emoji).
_CJK_KEEP = bytes(range(0xE3, 0xEE)) + b"\xf0"
_NOT_CJK = bytes(b for b in range(256) if b not in _CJK_KEEP)


def _word_table() -> bytes:
    # Words of scripts written with spaces: an ASCII letter or digit, or a character of
    # U+0080-U+1FFF (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic...: two- or three-byte
    # characters led by C2-DF, E0 or E1) becomes "a", whatever else separates words. Bytes
    # that continue a character are deleted (see _DROP), so a character is one "a".
    table = bytearray(b" " * 256)
    for b in (*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC2, 0xE2)):
        table[b] = ord("a")
    return bytes(table)


_WORDS = _word_table()
_DROP = bytes(range(0x80, 0xC0)) + b"'"  # continuation bytes; "it's" is one word
_UNREAD = (
    # Markup a reader does not read: link and image targets, URLs written out, HTML tags.
    re.compile(rb"\]\([^)\s]*\)"),
    re.compile(rb"https?://\S+"),
    re.compile(rb"<[^>\n]{1,200}>"),
)


def reading_counts(text: str) -> tuple[int, int]:
    """(CJK characters, words of other scripts) in ``text`` (Markdown or plain), exact up to
    :data:`SAMPLE` characters and estimated from slices spread over a longer text."""
    if len(text) <= SAMPLE:
        return _counts(text)
    step, width = len(text) // _SLICES, SAMPLE // _SLICES
    characters = words = 0
    for start in range(0, _SLICES * step, step):
        c, w = _counts(text[start : start + width])
        characters, words = characters + c, words + w
    scale = len(text) / (_SLICES * width)
    return round(characters * scale), round(words * scale)


def _counts(text: str) -> tuple[int, int]:
    data = text.encode("utf-8", "replace").replace(b"\xc2\xa0", b" ")  # no-break spaces
    for pattern in _UNREAD:
        data = pattern.sub(b" ", data)
    characters = len(data.translate(None, _NOT_CJK))
    characters -= data.count(b"\xe3\x80") + data.count(b"\xf0\x9f")
    words = len(data.translate(_WORDS, _DROP).split())
    return characters, words


def reading_minutes(text: str) -> int:
    """Minutes to read ``text`` (rounded up; 0 only when there is nothing to read)."""
    characters, words = reading_counts(text)
    if not characters and not words:
        return 0
    return max(1, math.ceil(characters / CJK_PER_MINUTE + words / WORDS_PER_MINUTE))
