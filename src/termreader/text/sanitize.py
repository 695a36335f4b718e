"""Make untrusted text safe for a terminal: no controls, no escape sequences, no bidi overrides."""

from __future__ import annotations

import re

# ESC-started sequences, parsed the way a terminal's state machine does (vt100.net's DEC parser):
# - CSI: parameters, intermediates and an (optional, when cut off) final byte;
# - OSC, DCS, SOS, PM, APC: a string ended by BEL, ST (ESC \ or 8-bit 0x9c) or CAN/SUB, and
#   cancelled by the next ESC (which starts a sequence of its own, so it is not consumed). An
#   unterminated string swallows the rest of the input, as it would in a terminal, so no payload
#   tail (a would-be window title, a base64 clipboard blob) leaks out as text;
# - any other escape: intermediates and a final byte (nF, Fp, Fe, Fs).
_ESC_SEQ = re.compile(
    r"""
    \x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?                      # CSI
  | \x1b[\]PX^_][^\x07\x18\x1a\x1b\x9c]*(?:\x07|\x1b\\|\x9c|\x18|\x1a)?  # OSC DCS SOS PM APC
  | \x1b[\x20-\x2f]*[\x30-\x7e]?                                     # other escapes
    """,
    re.VERBOSE | re.DOTALL,
)
# 8-bit C1 forms. CSI (0x9b) goes with its parameters. The string introducers DCS (0x90),
# SOS (0x98), OSC (0x9d), PM (0x9e) and APC (0x9f) take their payload along only when it is
# terminated on the same line: U+0080-U+009F also turn up in honest text decoded as Latin-1
# instead of windows-1252 ("ž" is 0x9e there), and swallowing everything after such a character
# would silently cut an article short. Unterminated, only the introducer goes (see _CONTROLS),
# and what follows is shown as the plain text it then is.
_C1_SEQ = re.compile(
    r"\x9b[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    # The payload stops at the next introducer too (a terminal starts over there), which also
    # keeps the scan linear: without it, a run of introducers costs 4,096 steps each.
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c\n\x90\x98\x9b\x9d\x9e\x9f]{0,4096}(?:\x07|\x9c|\x1b\\)",
)
# Remaining C0 (but tab and newline), DEL, C1, bidi embeddings/overrides/isolates, the line and
# paragraph separators that some terminals treat as newlines, and the BOM.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")
# Lone surrogates (from JSON "\udc9b" escapes or undecodable file names) cannot be encoded as
# UTF-8; Python's stdout in the C/POSIX locale writes them back as raw bytes (surrogateescape),
# and U+DC9B becomes a raw 0x9b, an 8-bit CSI. They are shown as U+FFFD.
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Anything at all that clean() would change: the common clean text returns after one scan.
_ANY = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ud800-\udfff]"
)

#: Bidi embeddings, overrides and isolates (the "Trojan Source" characters, CVE-2021-42574).
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: Every character :func:`clean` never lets through (newline and tab are allowed).
FORBIDDEN = frozenset(
    [chr(c) for c in range(0x00, 0x20) if c not in (0x09, 0x0A)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + sorted(BIDI)
    + ["\u2028", "\u2029", "\ufeff"]
    + [chr(c) for c in range(0xD800, 0xE000)]
)


def clean(text: str) -> str:
    """Return ``text`` with every terminal control removed (newlines and tabs kept).

    Escape sequences go whole (CSI with its parameters, OSC/DCS/APC/PM/SOS with their payload),
    C0/C1 controls, DEL, bidi overrides and isolates are removed, lone surrogates become U+FFFD.
    Carriage returns become newlines (``\\r\\n`` one newline), so Windows text keeps its lines.
    The result never contains a character of :data:`FORBIDDEN`, and ``clean`` is idempotent.
    """
    if not text or not _ANY.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # 8-bit first: one may end with a 7-bit ST (ESC + backslash) that the ESC pass would take.
    text = _C1_SEQ.sub("", text)
    if "\x1b" in text:
        text = _ESC_SEQ.sub("", text)
    text = _CONTROLS.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def clean_line(text: str) -> str:
    """Like :func:`clean`, for one-line fields (titles, sources, URLs): whitespace folded."""
    return " ".join(clean(text).split())


def is_clean(text: str) -> bool:
    """True when ``text`` holds no character that :func:`clean` would remove or change.

    A carriage return counts as unclean: in a terminal it moves the cursor back over text.
    """
    return not _ANY.search(text)
