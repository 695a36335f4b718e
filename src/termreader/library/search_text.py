"""Text side of full-text search: plain text of a body, index tokens, FTS5 queries, snippets.

Everything here follows the matching rule of :mod:`termreader.library.query`: words of scripts
written with spaces become one token each (a query word matches a token's start, so its last
token is a prefix query), text of scripts written without spaces becomes overlapping bigrams in
the same stream (a phrase of bigrams finds a CJK word of two characters or more) and single
characters, each distinct one once, in a column of their own (1-character queries such as 茶). The index only narrows
the candidates; every result is then checked against the rule itself, so the index may match a
little more than the rule (never less).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from termreader.library.query import UNSPACED_RANGES, find_word

_LINE_HEADS = frozenset("#>-*+0123456789`~[")


class _Patterns:
    """The expressions of this module, compiled on first use: the character classes of the
    unspaced scripts make them slow to compile, and start-up imports this module."""

    def __init__(self) -> None:
        u = "".join(
            f"\\U{low:08x}-\\U{high:08x}" if low != high else f"\\U{low:08x}"
            for low, high in UNSPACED_RANGES
        )
        # CJK punctuation (ideographic and full-width forms) joins lines like the characters.
        j = u + "\u3000-\u303f\uff00-\uffef"
        self.tokens = re.compile(f"([{u}]+)|([^\\W_{u}]+)")
        self.cjk_break = re.compile(f"(?<=[{j}])[^\\S\\n]*\\n\\s*(?=[{j}])")
        self.run = re.compile(f"[{u}]+")
        self.single = re.compile(f"[{u}]")
        self.image = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
        self.link = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
        self.reference = re.compile(r"\s{0,3}\[[^\]]+\]:\s+\S")
        self.tag = re.compile(r"</?[A-Za-z][^>]*>")
        self.line_mark = re.compile(
            r"\s{0,3}(?:#{1,6}\s+|>\s?|(?:[-*+]|\d{1,9}[.)])\s+|```.*|~~~.*)"
        )
        self.underscores = re.compile("_+")
        # NFKC's own mapping of the ideographic space and the full-width ASCII forms.
        self.full_width = {
            "\u3000": " ",
            **{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},
        }
        self.full_width_any = re.compile("[\u3000\uff01-\uff5e]")


@cache
def _re() -> _Patterns:
    return _Patterns()


SNIPPET_CELLS = 100
"""Width of a snippet in terminal cells (one line of the CLI and of the TUI's results list)."""


def plain_body(markdown: str) -> str:
    """A body's searchable text: Markdown markup, link targets and HTML tags dropped, entities
    decoded, whitespace runs made one space and line breaks inside CJK text removed (so a
    match across a line break counts). A cheap approximation of the rendered text: it runs for
    every article added."""
    # Python's re tries a pattern at every position: the passes below run only where their
    # first character occurs, so a body costs a few scans at C speed.
    rx = _re()
    lines = []
    for line in markdown.split("\n"):
        head = line.lstrip()[:1]
        if head in _LINE_HEADS and head:
            if head == "[" and rx.reference.match(line):
                continue
            line = rx.line_mark.sub("", line, count=1)
        lines.append(line)
    text = "\n".join(lines)
    if "](" in text:
        text = rx.link.sub(r"\1", rx.image.sub(r"\1", text))
    if "<" in text:
        text = rx.tag.sub(" ", text)
    for mark in "*`~":
        if mark in text:
            text = text.replace(mark, "")
    if "_" in text:
        text = rx.underscores.sub(_emphasis, text)
    if "&" in text:
        import html  # noqa: PLC0415 - its entity table is big; most bodies need none

        text = html.unescape(text)
    if not text.isascii():
        text = rx.cjk_break.sub("", text)
    return " ".join(text.split())


def _emphasis(match: re.Match[str]) -> str:
    """Underscores of emphasis go; those inside a word (snake_case) stay."""
    text, start, end = match.string, match.start(), match.end()
    inside = 0 < start and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
    return match.group() if inside else ""


def fold_text(text: str) -> str:
    """``text`` NFKC-normalized and case-folded (whitespace as it is; see :func:`plain_body`)."""
    if text.isascii():
        return text.casefold()
    # Full-width forms (common in CJK text) are what usually keeps text from being NFKC
    # already: mapped first, most text then passes the quick check and skips normalizing.
    rx = _re()
    for char in set(rx.full_width_any.findall(text)):
        text = text.replace(char, rx.full_width[char])
    if unicodedata.is_normalized("NFKC", text):
        return text.casefold()
    return unicodedata.normalize("NFKC", text).casefold()


def _bigrams(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) == 1:
        return " "
    return " " + " ".join([run[i : i + 2] for i in range(len(run) - 1)]) + " "


def tokens(folded: str) -> tuple[str, str]:
    """The two FTS5 column values of folded text: the text with each run of CJK (unspaced)
    characters replaced by its bigrams, which FTS5's ``unicode61`` tokenizer (letters and
    digits) then splits into words and bigrams, and each distinct CJK character once (a
    1-character query needs only which articles hold it; every repeat was an index entry)."""
    if folded.isascii():
        return folded, ""
    rx = _re()
    return rx.run.sub(_bigrams, folded), " ".join(dict.fromkeys(rx.single.findall(folded)))


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts_query(words: tuple[str, ...], stream: str, singles: str) -> str | None:
    """The FTS5 expression whose matches hold every article that the folded query ``words``
    match (and a few more), over the word/bigram columns ``stream`` (an FTS5 column filter such
    as ``{title meta body}``) and the single-character column ``singles``. None when no word
    holds a letter, digit or CJK character (nothing for the index to narrow)."""
    parts: list[str] = []
    for word in words:
        pieces = list(_re().tokens.finditer(word))
        for n, match in enumerate(pieces):
            run = match.group(1)
            if run is None:
                token = match.group(2)
                ends_word = n == len(pieces) - 1 and match.end() == len(word)
                parts.append(f"{stream} : {_quoted(token)}{'*' if ends_word else ''}")
            elif len(run) == 1:
                parts.append(f"{singles} : {_quoted(run)}")
            else:
                bigrams = " ".join(run[i : i + 2] for i in range(len(run) - 1))
                parts.append(f"{stream} : {_quoted(bigrams)}")
    return " AND ".join(parts) if parts else None


def exact_in_index(words: tuple[str, ...]) -> bool:
    """True when the matches of :func:`fts_query` are exactly what the rule matches: every
    word is one word of letters and digits (its token's prefix) or one or two CJK characters
    (a longer CJK word is a phrase of bigrams, which two runs side by side could also form)."""
    tokens = _re().tokens
    for word in words:
        match = tokens.fullmatch(word)
        if match is None or (match.group(1) is not None and len(word) > 2):
            return False
    return True


def first_match(words: tuple[str, ...], folded: str) -> tuple[int, int, str] | None:
    """(start, end, word) in ``folded`` of the earliest match of any of ``words``, or None."""
    best: tuple[int, int, str] | None = None
    for word in words:
        at = find_word(word, folded)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, at + len(word), word)
    return best


def _offsets(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded, and for each folded character the index of its character in ``text``
    (None when folding kept every character in place, the common case)."""
    folded = fold_text(text)
    if len(folded) == len(text):
        return folded, None
    origin: list[int] = []
    parts: list[str] = []
    for index, char in enumerate(text):
        piece = fold_text(char)
        parts.append(piece)
        origin.extend([index] * len(piece))
    origin.append(len(text))
    return "".join(parts), origin


def _widths(text: str) -> list[int]:
    """Terminal cells of each character of ``text``, measured as the reader draws them."""
    if text.isascii():
        return [1] * len(text)
    from termreader.render.wrap import cell_len  # (rich's tables: only searches need them)

    return [cell_len(char) for char in text]


@dataclass(slots=True)
class Snippet:
    """One line of text around a match, with the matches in it as (start, end) offsets."""

    text: str
    spans: list[tuple[int, int]]
    word: str = ""
    """The query word matched first."""

    def fit(self, cells: int) -> Snippet:
        """This snippet cut to at most ``cells`` terminal cells the way :func:`snippet` cuts
        one (its first match about a third in, ``…`` where text goes), e.g. a wide snippet
        to the row that shows it."""
        text, spans = self.text, self.spans
        before = text.startswith(ELLIPSIS)
        after = len(text) > int(before) and text.endswith(ELLIPSIS)
        # A "…" at either end is where the text was cut already (or the text's own, which
        # comes back unchanged when nothing is cut there).
        inner = text[int(before) : len(text) - int(after)]
        shifted = [(a - before, b - before) for a, b in spans]
        return _fit_line(inner, shifted, cells, before, after, self.word)

    def pieces(self) -> list[tuple[str, bool]]:
        """The line in order as (text, is a match) pieces."""
        out: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.spans:
            out += [(self.text[at:start], False), (self.text[start:end], True)]
            at = end
        out.append((self.text[at:], False))
        return out

    def marked(self, opening: str = "[", closing: str = "]") -> str:
        """The line with each match between ``opening`` and ``closing``."""
        return "".join(
            f"{opening}{text}{closing}" if match else text for text, match in self.pieces()
        )


_CHUNK = 600
"""Characters folded at a time while looking for the first match (bodies can be long)."""


def _locate(text: str, words: tuple[str, ...]) -> tuple[int, int, str] | None:
    """(start, end, word) in ``text`` of the first match of ``words``, folding the text a
    chunk at a time (overlapping by the longest word) rather than all of it."""
    overlap = max(len(w) for w in words) + 8
    for base in range(0, len(text), _CHUNK):
        # One character before the chunk tells whether a word starts at its first character.
        context = 1 if base else 0
        folded, origin = _offsets(text[base - context : base + _CHUNK + overlap])
        best: tuple[int, int, str] | None = None
        for word in words:
            at = find_word(word, folded, context)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, at + len(word), word)
        if best is not None:
            a, b, word = best
            if origin is not None:
                a, b = origin[a], origin[b]
            return base - context + a, base - context + b, word
    return None


def snippet(text: str, words: tuple[str, ...], cells: int = SNIPPET_CELLS) -> Snippet | None:
    """The line of at most ``cells`` terminal cells of ``text`` (one line: see
    :func:`plain_body`) around the first match of ``words``, every match in it marked; None
    when nothing matches. The first match starts about a third into the line (what leads up
    to it shows), the line is cut between characters (a wide one is never split) and ``…``
    stands where text was cut."""
    found = _locate(text, words)
    if found is None:
        return None
    start, end, word = found
    # Enough characters on either side for the line (a character takes a cell or more).
    lead = max(0, start - cells)
    stop = min(len(text), end + cells)
    line = text[lead:stop]
    folded, origin = _offsets(line)
    spans: list[tuple[int, int]] = []
    for term in words:
        at = find_word(term, folded)
        while at >= 0:
            a, b = at, at + len(term)
            if origin is not None:
                a, b = origin[a], origin[b]
            spans.append((a, b))
            at = find_word(term, folded, at + max(1, len(term)))
    spans = _merged(sorted(spans))
    # The first match is the one found in the whole text: a match the window's edge made up
    # (a word cut in two) lies before it.
    spans = [span for span in spans if span[1] > start - lead]
    return _fit_line(line, spans, cells, lead > 0, stop < len(text), word)


SNIPPET_LEAD = 3
"""The first match starts about 1/SNIPPET_LEAD into a snippet's line."""

ELLIPSIS = "…"
"""Stands where a snippet's text was cut (one cell)."""

_SNAP = 10
"""Cells a cut before the match may move forward to start at a word rather than inside one."""


def _fit_line(
    text: str,
    spans: list[tuple[int, int]],
    cells: int,
    cut_before: bool,
    cut_after: bool,
    word: str,
) -> Snippet:
    """``text`` (whose ends are already cut when ``cut_before`` / ``cut_after``) in at most
    ``cells`` cells around its first span: see :func:`snippet`."""
    widths = _widths(text)
    n = len(text)
    total = sum(widths) + cut_before + cut_after
    lo, hi = 0, n
    if total > cells:
        first = spans[0][0] if spans else 0
        # Context before the match: a third of the line (the "…" included).
        want = max(0, cells // SNIPPET_LEAD - 1)
        lo, used = first, 0
        while lo > 0 and used + widths[lo - 1] <= want:
            lo -= 1
            used += widths[lo]
        if lo > 0 and text[lo - 1] != " ":
            # Cut inside a word: start at the next one when it is near.
            space = text.find(" ", lo, min(first, lo + _SNAP))
            lo = space + 1 if space >= 0 else lo
        # Then as much after it as fits, keeping a cell for the "…" when the text goes on.
        limit = cells - (1 if lo > 0 or cut_before else 0)
        hi, used = lo, 0
        while hi < n and used + widths[hi] <= limit:
            used += widths[hi]
            hi += 1
        if hi < n or cut_after:
            while hi > lo and used + 1 > limit:
                hi -= 1
                used -= widths[hi]
        else:
            # The end of the text is in: give the room left to the text before the match.
            while lo > 0:
                ellipsis = 1 if lo - 1 > 0 or cut_before else 0
                if used + widths[lo - 1] + ellipsis > cells:
                    break
                lo -= 1
                used += widths[lo]
    prefix = ELLIPSIS if lo > 0 or cut_before else ""
    suffix = ELLIPSIS if hi < n or cut_after else ""
    shift = len(prefix) - lo
    kept = [(max(a, lo) + shift, min(b, hi) + shift) for a, b in spans if min(b, hi) > max(a, lo)]
    return Snippet(prefix + text[lo:hi] + suffix, kept, word)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


__all__ = [
    "SNIPPET_CELLS",
    "Snippet",
    "exact_in_index",
    "first_match",
    "fold_text",
    "fts_query",
    "plain_body",
    "snippet",
    "tokens",
]
