"""Tell a feed (RSS, Atom, RSS 1.0/RDF, JSON Feed) from a page by its content, never its name."""

from __future__ import annotations

import re

from termreader.text.xmlprolog import declaration_end

SNIFF_BYTES = 65_536
"""How much of the start is looked at: a feed's root element comes after a short prolog."""

ATOM_NAMESPACES = (b"http://www.w3.org/2005/Atom", b"http://purl.org/atom/ns#")
RDF_FEED_NAMESPACES = (b"http://purl.org/rss/1.0/", b"http://my.netscape.com/rdf/simple/0.9/")

# Prolog constructs before the root element; each is skipped whole, so a "<rss" inside a
# comment or a DOCTYPE's internal subset is not taken for the root.
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)")
_JSON_FEED_VERSION = re.compile(
    rb'"version"\s*:\s*"https?:\\?/\\?/jsonfeed\.org\\?/', re.IGNORECASE
)


def _ascii_view(data: bytes) -> bytes:
    """The first :data:`SNIFF_BYTES` with markup readable as ASCII (UTF-16/32 narrowed)."""
    head = data[:SNIFF_BYTES]
    codec = ""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        codec = "utf-32"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    elif head[:4] == b"<\x00?\x00":
        codec = "utf-16-le"
    elif head[:4] == b"\x00<\x00?":
        codec = "utf-16-be"
    if codec:
        text = head.decode(codec, "replace")
        return text.encode("ascii", "replace")
    return head.removeprefix(b"\xef\xbb\xbf")


def _skip(data: bytes, pos: int, closer: bytes) -> int:
    end = data.find(closer, pos)
    return -1 if end == -1 else end + len(closer)


def _root_tag(data: bytes) -> tuple[bytes, bytes] | None:
    """``(name, start tag)`` of the XML root element, or None when the prolog is not XML-like."""
    pos = 0
    size = len(data)
    while pos < size:
        lt = data.find(b"<", pos)
        if lt == -1 or data[pos:lt].strip():
            return None  # text before the root: not an XML document
        if data.startswith(b"<?", lt):
            pos = _skip(data, lt + 2, b"?>")
        elif data.startswith(b"<!--", lt):
            pos = _skip(data, lt + 4, b"-->")
        elif data.startswith(b"<!", lt):
            pos = declaration_end(data, lt)
        else:
            match = _ROOT.match(data, lt)
            if match is None:
                return None
            end = data.find(b">", match.end())
            tag = data[lt : end if end != -1 else size]
            return match.group(1), tag
        if pos == -1:
            return None
    return None


def feed_kind(data: bytes) -> str:
    """``"rss"``, ``"atom"``, ``"rdf"`` or ``"json"`` when ``data`` is a feed, else ``""``.

    The content decides: the XML root element after the prolog (declaration, comments,
    DOCTYPE) is ``<rss>``, an Atom ``<feed>`` or an ``<rdf:RDF>`` holding RSS 1.0/0.90; or a
    JSON object whose ``version`` is a jsonfeed.org URL. A ``.rss`` that is Atom is Atom; an
    XHTML page served as ``application/xml`` is not a feed. Reads at most :data:`SNIFF_BYTES`.
    """
    head = _ascii_view(data)
    start = head.lstrip()
    if start[:1] == b"{":
        return "json" if _JSON_FEED_VERSION.search(start) else ""
    if start[:1] != b"<":
        return ""
    found = _root_tag(start)
    if found is None:
        return ""
    name, tag = found
    local = name.rpartition(b":")[2].lower()
    if local == b"rss":
        return "rss"
    if local == b"feed" and any(ns in tag for ns in ATOM_NAMESPACES):
        return "atom"
    if local == b"rdf" and any(ns in tag for ns in RDF_FEED_NAMESPACES):
        return "rdf"
    return ""


FEED_NAMES = {"rss": "RSS feed", "atom": "Atom feed", "rdf": "RSS 1.0 feed", "json": "JSON Feed"}
"""How each kind is named in messages."""
