"""Make untrusted text safe for a terminal: no controls, no escape sequences, no bidi overrides."""

from __future__ import annotations

import re

# ESC-started sequences: CSI, OSC (terminated by BEL or ST), DCS/SOS/PM/APC (terminated by ST),
# and two-character escapes. Unterminated string sequences swallow the rest of the input, as a
# terminal would, so no payload tail leaks through.
_ESC_SEQ = re.compile(
    r"""
    \x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?          # CSI
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)                   # OSC ... BEL | ST
  | \x1b[PX^_][^\x1b]*(?:\x1b\\|$)                         # DCS, SOS, PM, APC ... ST
  | \x1b[\x20-\x2f]*[\x30-\x7e]?                           # other escapes (nF, Fp, Fe, Fs)
    """,
    re.VERBOSE | re.DOTALL,
)
# 8-bit C1 forms of the string sequences: CSI (0x9b), OSC (0x9d), DCS (0x90), SOS (0x98), PM (0x9e),
# APC (0x9f), terminated by ST (0x9c) or BEL.
_C1_SEQ = re.compile(
    r"\x9b[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|[\x9d\x90\x98\x9e\x9f][^\x9c\x07]*(?:\x9c|\x07|$)",
    re.DOTALL,
)
# Remaining C0 (but tab and newline), DEL, C1, bidi embeddings/overrides/isolates, and the
# line/paragraph separators that some terminals treat as newlines.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")

BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(text: str) -> str:
    """Return ``text`` with every terminal control removed (newlines and tabs kept).

    Carriage returns become newlines (``\\r\\n`` one newline), so Windows text keeps its lines.
    """
    if not text:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in text:
        text = _ESC_SEQ.sub("", text)
    text = _C1_SEQ.sub("", text)
    return _CONTROLS.sub("", text)


def clean_line(text: str) -> str:
    """Like :func:`clean`, for one-line fields (titles, sources, URLs): whitespace folded."""
    return " ".join(clean(text).split())


def is_clean(text: str) -> bool:
    """True when ``text`` holds no character that :func:`clean` would remove."""
    return clean(text) == text.replace("\r\n", "\n").replace("\r", "\n")
