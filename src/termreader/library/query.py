"""Text folding for comparing titles and searching the library."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``text`` for comparison: NFKC-normalized, case-folded, whitespace runs made one space."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
