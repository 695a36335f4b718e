"""Skip an XML declaration (``<!DOCTYPE ...>``, ``<!ENTITY ...>``) whole, literals and subset included.

Shared by the feed parser's prolog hardening and the feed sniffer, so a ``>`` or ``<rss`` inside
an entity value or a subset comment is never taken for the end of the declaration or for the
root element.
"""

from __future__ import annotations

import re

# Inside a declaration (<!DOCTYPE, <!ENTITY...): a quoted literal may hold ">" or "]", the
# internal subset holds comments and PIs that may too.
_DECL_TOKEN = re.compile(rb"[\"'\[>]")
_SUBSET_TOKEN = re.compile(rb"[\"'\]]|<!--|<\?")


def _skip_literal(data: bytes, quote_at: int) -> int:
    """The position after the quoted literal starting at ``quote_at`` (the end when unclosed)."""
    close = data.find(data[quote_at : quote_at + 1], quote_at + 1)
    return len(data) if close == -1 else close + 1


def declaration_end(data: bytes, pos: int) -> int:
    """The position after the ``<!...>`` declaration at ``pos`` (the end of data when unclosed).

    Quoted literals and an internal subset ``[...]`` (with its own comments, PIs and literals)
    are skipped whole, so a ``>`` or ``]>`` inside an entity value does not end it early. Every
    step moves forward, so the scan is linear.
    """
    pos += 2
    while True:
        match = _DECL_TOKEN.search(data, pos)
        if match is None:
            return len(data)
        token = match.group()
        if token == b">":
            return match.end()
        if token == b"[":
            pos = _subset_end(data, match.end())
        else:
            pos = _skip_literal(data, match.start())


def _subset_end(data: bytes, pos: int) -> int:
    """The position after the ``]`` closing an internal subset that starts at ``pos``."""
    while True:
        match = _SUBSET_TOKEN.search(data, pos)
        if match is None:
            return len(data)
        token = match.group()
        if token == b"]":
            return match.end()
        if token == b"<!--":
            close = data.find(b"-->", match.end())
            pos = len(data) if close == -1 else close + 3
        elif token == b"<?":
            close = data.find(b"?>", match.end())
            pos = len(data) if close == -1 else close + 2
        else:
            pos = _skip_literal(data, match.start())
