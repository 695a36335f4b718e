"""Cutting one line of text to a number of terminal cells, wide characters counted as two."""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size

ELLIPSIS = "…"


def ellipsize(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` cells, else its start and ``…`` in at most ``width``.

    Unlike Rich's ``Text.truncate``, a wide character that would straddle the edge is left out
    whole rather than replaced by a space before the ``…``.
    """
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    room = width - cell_len(ELLIPSIS)
    used = 0
    for index, char in enumerate(text):
        size = get_character_cell_size(char)
        if used + size > room:
            return text[:index].rstrip() + ELLIPSIS
        used += size
    return text
