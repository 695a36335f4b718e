"""Wrap styled text to a width in terminal cells, breaking between Chinese and Japanese characters
(with kinsoku) and between Korean words (Korean is written with spaces)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from operator import add

from rich.cells import cell_len as _rich_cell_len

Span = tuple[str, str]
"""A run of text and its space-separated style names ("" for plain)."""

# Characters that must not start a line (closing punctuation, small kana...) and characters
# that must not end one (opening brackets). The spec set from issue 5, plus the usual JIS X 4051
# neighbours, so Japanese text obeys the same rules.
NO_START = "。，、；：？！）」』】》〕〉〗〙〛｝］,.;:?!)]}…‥・ー々ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ％’”"
NO_END = "（「『【《〔〈〖〘〚｛［([{‘“"

# Scripts where a line may break between any two characters (UAX #14 classes ID/H2/H3/CJ and
# the fullwidth forms).
CJK_RANGES = (
    (0x1100, 0x11FF),
    (0x2E80, 0x2FDF),
    (0x2FF0, 0x303F),
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x3130, 0x318F),
    (0x31A0, 0x31FF),
    (0x3200, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)
_CJK_STARTS = [low for low, _ in CJK_RANGES]

# Hangul (jamo, compatibility jamo, syllables, halfwidth forms). Korean separates words with
# spaces, so a line breaks at the spaces as in English (CSS ``word-break: keep-all``): a Hangul
# character is wide, but no break point of its own; a word is split only when wider than the line.
HANGUL_RANGES = (
    (0x1100, 0x11FF),
    (0x3130, 0x318F),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xFFA0, 0xFFDC),
)
_HANGUL_STARTS = [low for low, _ in HANGUL_RANGES]


def is_cjk(code: int) -> bool:
    """True for a code point of :data:`CJK_RANGES` (a line may break before and after it)."""
    index = bisect_right(_CJK_STARTS, code) - 1
    return index >= 0 and code <= CJK_RANGES[index][1]


def is_hangul(code: int) -> bool:
    """True for a Hangul code point (see :data:`HANGUL_RANGES`): it breaks like a Latin letter."""
    index = bisect_right(_HANGUL_STARTS, code) - 1
    return index >= 0 and code <= HANGUL_RANGES[index][1]


class _Probe(dict):  # type: ignore[type-arg]
    """``str.translate`` table: every CJK character becomes a stand-in of the same cell width
    (一, ｶ or a combining voiced mark), except the CJK punctuation of the kinsoku rules and Hangul,
    which stay themselves (Hangul then groups into words like Latin letters); anything else is
    unchanged.

    The unit pattern runs on the translated text, which has the same length, offsets, cell
    widths and kinsoku marks, so lines are broken there as they would be in the text itself;
    its "CJK character" class is a handful of characters rather than every CJK range: Python's
    ``re`` is slow to compile a class of the ~45,000 BMP code points, and the first CJK line of
    a run would wait for three of them. The table fills as code points are met.
    """

    def __missing__(self, code: int) -> int:
        char = chr(code)
        if is_cjk(code) and char not in _KINSOKU and not is_hangul(code):
            mapped = _STAND_INS[_rich_cell_len(char)]
        else:
            mapped = code
        self[code] = mapped
        return mapped


_STAND_INS = {2: ord("一"), 1: ord("ｶ"), 0: ord("\u3099")}
_NO_START_SET = frozenset(NO_START)
_NO_END_SET = frozenset(NO_END)
_KINSOKU = _NO_START_SET | _NO_END_SET
_PROBE = _Probe()
_NS = re.escape(NO_START)
_NE = re.escape(NO_END)
# What "a CJK character" is in the translated text: the stand-ins and the CJK kinsoku marks.
_C = re.escape(
    "".join(map(chr, _STAND_INS.values())) + "".join(sorted(c for c in _KINSOKU if is_cjk(ord(c))))
)
# One unbreakable unit: opening brackets glued to what follows, then a CJK character or a run
# of other non-space characters (an opening bracket inside a Latin run only when more Latin
# follows), then closing punctuation glued to it, then the spaces after it (which may hang past
# the line end). A link or footnote number ``[12]`` / ``[^3]`` sticks to the text before it.
# An opening bracket followed by a space still glues to what follows; closing marks after a
# space still glue to what precedes. Matched against ``text.translate(_PROBE)``.
_UNIT_PATTERN = (
    rf"(?:(?:[{_NE}][ \t]*)*(?:[{_C}]|(?:[^\s{_C}{_NE}]|[{_NE}][ \t]*(?=[^\s{_C}]))+)"
    rf"(?:[ \t]*[{_NS}]|\[\^?[0-9]{{1,6}}\])*|.)[ \t]*"
)


class _Patterns:
    """The wrapping patterns, compiled on first use (an all-ASCII first screen, the common
    case, never needs them)."""

    def __init__(self) -> None:
        self.unit = re.compile(_UNIT_PATTERN)
        self.has_no_end = re.compile(rf"[{_NE}]")
        self.no_end_at_unit_end = re.compile(rf"[{_NE}]\x00")


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    return _Patterns()


def stand_in(text: str) -> str:
    """``text`` with each CJK character replaced by a stand-in of the same cell width, kinsoku
    marks kept (see ``_Probe``): what the unit pattern runs on."""
    return text.translate(_PROBE)


def units_of(text: str) -> list[str]:
    """``text`` cut into unbreakable units (see ``_UNIT_PATTERN``); they join back to it."""
    found = _patterns().unit.findall(stand_in(text))
    bounds = list(accumulate(map(len, found), initial=0))
    return [text[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]


@lru_cache(maxsize=8192)
def _cached_cell_len(text: str) -> int:
    return _rich_cell_len(text)


def cell_len(text: str) -> int:
    """Width of ``text`` in terminal cells (fast path for ASCII)."""
    if text.isascii():
        return len(text)
    if len(text) < 64:
        return _cached_cell_len(text)
    return _rich_cell_len(text)


def break_offsets(text: str, width: int) -> list[int]:
    """Character offsets where the wrapped lines of ``text`` start (the first is always 0).

    ``text`` may contain ``\\n`` (hard breaks). Spaces at a line end hang (they are dropped by
    :func:`wrap_spans`); words longer than ``width`` are split by cells.
    """
    width = max(1, width)
    starts = [0]
    pos = 0
    for part in text.split("\n"):
        if pos:
            starts.append(pos)
        _break_part(part, pos, width, starts)
        pos += len(part) + 1
    return starts


def _break_part(text: str, base: int, width: int, starts: list[int]) -> None:
    if not text:
        return
    ascii_text = text.isascii()
    if ascii_text and len(text) <= width:
        return
    if ascii_text:
        _break_ascii(text, base, width, starts)
        return
    if len(text) * 2 <= width or (len(text) <= width and _rich_cell_len(text) <= width):
        return
    patterns = _patterns()
    # Cut and measured in the translated text: same offsets, widths and kinsoku marks.
    units = patterns.unit.findall(stand_in(text))
    bares = [u.rstrip(" \t") for u in units]
    if patterns.has_no_end.search(text) and patterns.no_end_at_unit_end.search(
        "\x00".join(bares) + "\x00"
    ):
        units = _glued(units)
        bares = [u.rstrip(" \t") for u in units]
    bare_w = list(map(_cached_cell_len, bares))
    full_w = list(map(_cached_cell_len, units))
    # cum[k]: cells before unit k; reach[k]: cells up to the end of unit k without its trailing
    # spaces (non-decreasing), so the last unit fitting a line is one bisect away: the work is
    # per line, not per character.
    cum = list(accumulate(full_w, initial=0))
    reach = list(map(add, cum, bare_w))
    offsets = list(accumulate(map(len, units), initial=base))
    count = len(units)
    i = 0
    col_base = 0  # cells already used on the current line by a split long unit's tail
    while i < count:
        j = bisect_right(reach, cum[i] - col_base + width, i)
        if j == i:
            if col_base:
                # The tail of a split unit leaves no room for the next one: new line.
                starts.append(offsets[i])
                col_base = 0
                continue
            tail = _split_long(bares[i], offsets[i], width, starts, 0)
            col_base = tail + full_w[i] - bare_w[i]
            i += 1
            if i < count:
                # The next unit continues on the tail's line if it fits.
                if reach[i] - cum[i] + col_base <= width:
                    continue
                starts.append(offsets[i])
                col_base = 0
            continue
        i = j
        col_base = 0
        if i < count:
            starts.append(offsets[i])


def _glued(units: list[str]) -> list[str]:
    """Merge a unit that ends with an opening bracket into the next one (``$(`` + ``(i``)."""
    out: list[str] = []
    carry = ""
    for unit in units:
        unit = carry + unit
        if unit.rstrip(" \t")[-1:] in _NO_END_SET:
            carry = unit
            continue
        carry = ""
        out.append(unit)
    if carry:
        out.append(carry)
    return out


def _break_ascii(text: str, base: int, width: int, starts: list[int]) -> None:
    # Latin text breaks only at spaces: a split on " " is much faster than the unit regex.
    # A word of opening brackets only ("(" before a spaced-out aside) goes down with the word
    # after it: no line ends with an opening bracket.
    col = 0
    offset = base
    words = text.split(" ")
    last = len(words) - 1
    prev_offset = -1  # offset of the previous word when it is opening brackets only
    prev_width = 0
    for index, word in enumerate(words):
        w = len(word)
        if col and col + w > width and w:
            if prev_offset > starts[-1] and prev_width + 1 + min(w, width) <= width:
                starts.append(prev_offset)
                col = prev_width + 1
            else:
                starts.append(offset)
                col = 0
        if w > width:
            col = _split_long(word, offset, width, starts, col)
        else:
            col += w
        if w and not word.strip(_ASCII_OPEN):
            prev_offset, prev_width = offset, w
        elif w:
            prev_offset = -1
        if index != last:
            col += 1
            offset += w + 1
        else:
            offset += w


_ASCII_OPEN = "([{"


def _split_long(word: str, offset: int, width: int, starts: list[int], col: int) -> int:
    """Split a unit wider than the line by cells; returns the column after its last piece.

    A cut is moved back a character or two rather than start a line with closing punctuation
    (or end one with an opening bracket), e.g. inside a long URL.
    """
    piece_start = 0
    index = 0
    length = len(word)
    while index < length:
        char = word[index]
        w = 1 if char.isascii() else cell_len(char)
        if col and col + w > width:
            cut = index
            while cut > piece_start + 1 and (
                word[cut] in _NO_START_SET or word[cut - 1] in _NO_END_SET
            ):
                cut -= 1
            carried = cell_len(word[cut:index]) if cut < index else 0
            if (
                cut == piece_start
                or carried + w > width
                or (
                    cut == piece_start + 1
                    and (word[cut] in _NO_START_SET or word[cut - 1] in _NO_END_SET)
                )
            ):
                cut, carried = index, 0  # no better place: keep the width
            starts.append(offset + cut)
            piece_start = cut
            col = carried
        col += w
        index += 1
    return col


def count_lines(text: str, width: int) -> int:
    """How many lines :func:`break_offsets` gives ``text`` at ``width``."""
    if "\n" not in text and text.isascii() and len(text) <= width:
        return 1
    return len(break_offsets(text, width))


def wrap_spans(spans: Sequence[Span], width: int) -> list[list[Span]]:
    """Wrap styled spans to ``width`` cells; each line is a list of spans, trailing spaces dropped."""
    text = "".join(text for text, _ in spans)
    starts = break_offsets(text, width)
    ends = starts[1:] + [len(text)]
    lines: list[list[Span]] = []
    # Span boundaries as cumulative offsets, walked once alongside the line boundaries.
    bounds: list[tuple[int, int, str, str]] = []
    pos = 0
    for piece, style in spans:
        if piece:
            bounds.append((pos, pos + len(piece), piece, style))
            pos += len(piece)
    si = 0
    for start, end in zip(starts, ends, strict=True):
        # Drop the hard-break newline and the spaces that hang at the line end.
        while end > start and text[end - 1] in " \t\n":
            end -= 1
        line: list[Span] = []
        while si < len(bounds) and bounds[si][1] <= start:
            si += 1
        sj = si
        while sj < len(bounds) and bounds[sj][0] < end:
            s0, s1, piece, style = bounds[sj]
            a = max(start, s0) - s0
            b = min(end, s1) - s0
            if b > a:
                line.append((piece[a:b], style))
            sj += 1
        lines.append(line)
    return lines or [[]]
