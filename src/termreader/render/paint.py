"""Rich-level painting helpers for drawn lines: code highlighting and find-match marks."""

from __future__ import annotations

import logging

from rich.segment import Segment
from rich.style import Style
from rich.text import Text

log = logging.getLogger(__name__)


def highlight_code(code: str, language: str, *, dark: bool) -> list[Text]:
    """The lines of ``code`` highlighted by Pygments (plain when the language is unknown)."""
    from rich.syntax import Syntax  # pygments loads with the first highlighted block only

    try:
        syntax = Syntax(code, language, theme="monokai" if dark else "default")
        return list(syntax.highlight(code).split("\n", allow_blank=True))
    except Exception:  # noqa: BLE001 - an unknown lexer or a Pygments error: plain text reads
        log.debug("code not highlighted as %s", language, exc_info=True)
        return [Text(line) for line in code.split("\n")]


def code_colours(style: Style | None) -> Style:
    """Only the foreground and weight of a highlighter style (the code box has its own ground)."""
    style = style or Style()
    return Style(color=style.color, bold=style.bold, italic=style.italic)


def mark_matches(
    segments: list[Segment],
    needle: str,
    match: Style,
    current: Style,
    current_k: int = -1,
) -> list[Segment]:
    """Split ``segments`` so every case-insensitive occurrence of ``needle`` gets ``match``
    layered on (the ``current_k``-th occurrence gets ``current``)."""
    text = "".join(s.text for s in segments)
    low = text.lower()
    needle = needle.lower()
    if not needle or len(low) != len(text):
        return segments
    marks: list[tuple[int, int, Style]] = []
    at = low.find(needle)
    while at != -1:
        marks.append((at, at + len(needle), current if len(marks) == current_k else match))
        at = low.find(needle, at + len(needle))
    if not marks:
        return segments
    out: list[Segment] = []
    pos = 0
    for seg in segments:
        seg_text, seg_style = seg.text, seg.style
        end = pos + len(seg_text)
        cuts = {pos, end}
        for a, b, _ in marks:
            if pos < a < end:
                cuts.add(a)
            if pos < b < end:
                cuts.add(b)
        edges = sorted(cuts)
        for a, b in zip(edges, edges[1:], strict=False):
            style: Style | None = seg_style
            for ma, mb, mstyle in marks:
                if ma <= a and b <= mb:
                    style = (seg_style or Style()) + mstyle
                    break
            out.append(Segment(seg_text[a - pos : b - pos], style))
        pos = end
    return out
