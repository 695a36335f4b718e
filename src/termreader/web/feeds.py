"""Parse RSS 0.9x/1.0/2.0, Atom and JSON Feed safely, and discover feeds advertised by pages."""

from __future__ import annotations

import calendar
import html
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.etree

from termreader.errors import ImportFailed, LinkRefused
from termreader.models import parse_iso
from termreader.text.charset import decode
from termreader.text.sanitize import clean, clean_line
from termreader.text.xmlprolog import declaration_end
from termreader.web.linkpolicy import check_web_link

log = logging.getLogger(__name__)

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/x-rss+xml",
    "application/x-atom+xml",
    "text/xml",
    "application/xml",
)
"""Media types a feed may be served as (discovery and sniffing consider these)."""

MAX_ENTRIES = 1000
"""Entries kept per feed; a hostile feed with a million items stays bounded."""


@dataclass(slots=True)
class Entry:
    """One item of a feed. Text fields are sanitized; the HTML fields are raw HTML fragments
    (feedparser's sanitizer already ran on XML feeds) meant for the HTML importer."""

    id: str
    title: str = ""
    link: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    summary_html: str = ""
    content_html: str = ""
    author: str = ""


@dataclass(slots=True)
class Feed:
    """A parsed feed. ``kind`` is ``rss``, ``atom``, ``rdf`` or ``json``."""

    title: str
    link: str = ""
    entries: list[Entry] = field(default_factory=list)
    kind: str = ""
    url: str = ""


# --- hardening before feedparser ---------------------------------------------------------------
# XML 1.0 forbids C0 controls other than tab/LF/CR; one stray U+0008 makes expat give up and
# feedparser fall back to its lossy loose parser, so drop them from ASCII-compatible bytes.
_FORBIDDEN_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DECLARATION_LIMIT = 1024
"""A processing instruction in the prolog longer than this is dropped: real XML declarations and
stylesheet PIs are under 200 bytes, and feedparser's encoding regex is cubic in the first line."""
_PROLOG_WHITESPACE = re.compile(rb"\s+")
# What ends a run of prolog text: a PI, comment or declaration, or the root element's start tag
# ("<" then a name start character); "< " or "<1" are text.
_PROLOG_MARKUP = re.compile(rb"<[?!A-Za-z_:\x80-\xff]")


def _is_utf16_or_32(data: bytes) -> bool:
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return True
    # No BOM: "<?" in UTF-16/32 has NULs between the characters.
    return head[:2] in (b"<\x00", b"\x00<") or head == b"\x00\x00\x00<"


def strip_doctype(data: bytes) -> bytes:
    """Rewrite the document's prolog (what precedes the root element) into a harmless one.

    Entity declarations are where billion-laughs expansion and XXE (``SYSTEM "file:..."``) live;
    without them an entity reference is just an undefined name, which the parsers leave as text.
    The prolog is scanned construct by construct, so a ``<b`` inside a comment or PI is not taken
    for the root element:

    - every ``<!DOCTYPE ...[...]>`` and any other ``<!...>`` declaration (a stray ``<!ENTITY``)
      is removed, however its literals and internal subset are laid out;
    - comments are removed; processing instructions (the XML declaration among them) are kept,
      each on a line of its own, unless longer than :data:`_DECLARATION_LIMIT`;
    - leading whitespace is dropped and other whitespace runs fold to one space.

    The last two bound feedparser's own prolog regexes, which are cubic in the first line
    (``RE_XML_PI_ENCODING``) and quadratic in runs of blank lines before the root element.
    The scan is linear and stops at the first element; the rest is returned unchanged.
    """
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    pos = len(bom)
    out = bytearray(bom)
    size = len(data)
    # Once "?>" or "-->" is missing from some point on, it is missing from every later point:
    # remembering that keeps a run of unclosed openers ("<?<?<?...") linear.
    unclosed: set[bytes] = set()

    def close_of(opener_end: int, closer: bytes) -> int:
        if closer in unclosed:
            return -1
        found = data.find(closer, opener_end)
        if found == -1:
            unclosed.add(closer)
        return found

    while pos < size:
        markup = _PROLOG_MARKUP.search(data, pos)
        lt = markup.start() if markup else size
        if lt > pos:  # text before the root: not XML, but the loose parser may cope
            text = _PROLOG_WHITESPACE.sub(b" ", data[pos:lt])
            out += text.lstrip() if len(out) == len(bom) else text
            pos = lt
            continue
        nxt = data[pos + 1 : pos + 2]
        if nxt == b"?":
            close = close_of(pos + 2, b"?>")
            if close == -1:
                pos += 2  # unclosed: drop the opener, scan the rest as text
                continue
            if close + 2 - pos <= _DECLARATION_LIMIT:
                out += _PROLOG_WHITESPACE.sub(b" ", data[pos : close + 2]) + b"\n"
            pos = close + 2
        elif data.startswith(b"<!--", pos):
            close = close_of(pos + 4, b"-->")
            pos = pos + 4 if close == -1 else close + 3
        elif nxt == b"!":
            pos = declaration_end(data, pos)
        else:  # the root element
            break
    out += data[pos:]
    return bytes(out)


def _transcode_to_utf8(data: bytes) -> bytes:
    """UTF-16 and EBCDIC documents as UTF-8 with a matching declaration, so the byte-level
    hardening sees the real markup (undecodable units become U+FFFD)."""
    if data[:4] == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC, which feedparser honours
        codec = "cp037"
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-16"
    else:
        codec = "utf-16-le" if data[:2] == b"<\x00" else "utf-16-be"
    text = data.decode(codec, "replace")
    # The declaration is at most a few hundred characters; bound it so this regex stays linear.
    text = re.sub(r"^<\?xml[^>]{0,1000}\?>", '<?xml version="1.0" encoding="utf-8"?>', text)
    return text.encode("utf-8", "replace")


def harden(data: bytes) -> bytes:
    """The bytes fed to feedparser: no XML-forbidden control bytes, a harmless prolog."""
    if _is_utf16_or_32(data) or data[:4] == b"\x4c\x6f\xa7\x94":
        # Re-encode to UTF-8 so the same byte-level hardening applies; feedparser re-detects.
        data = _transcode_to_utf8(data)
    # Controls go first: "<!\x01DOCTYPE" must not turn into a live DOCTYPE after the prolog scan.
    return strip_doctype(_FORBIDDEN_BYTES.sub(b"", data))


# --- parsing -------------------------------------------------------------------------------------
def looks_like_json_feed(data: bytes) -> bool:
    """True when the bytes look like a JSON document (a JSON Feed candidate)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_feed(data: bytes, url: str = "", content_type: str | None = None) -> Feed:
    """Parse a feed of any supported kind; the content decides, not the URL or file name.

    Args:
        data: The raw bytes as fetched or read.
        url: Where it came from: the base for relative links.
        content_type: The HTTP ``Content-Type`` header, with its charset if any.

    Returns:
        The feed with at most :data:`MAX_ENTRIES` entries, newest as the feed orders them.

    Raises:
        ImportFailed: the bytes hold no feed (an HTML page, garbage, a broken feed with no entry).
    """
    if looks_like_json_feed(data):
        return _parse_json_feed(data, url)
    # Without a Content-Type feedparser flags the feed as broken; application/xml without a
    # charset means "trust the BOM and XML declaration" (RFC 7303), which is what we want.
    headers = {"content-type": content_type or "application/xml"}
    if url:
        headers["content-location"] = url
    try:
        parsed = feedparser.parse(
            harden(data), response_headers=headers, resolve_relative_uris=True, sanitize_html=True
        )
    except Exception as error:  # noqa: BLE001 - feedparser has no error contract
        raise ImportFailed(f"not a feed: {type(error).__name__}") from None
    if parsed.bozo and _encoding_trouble(parsed):
        parsed = _reparse_decoded(data, url, headers) or parsed
    version = str(parsed.get("version") or "")
    entries = [_entry(e, url) for e in parsed.entries[:MAX_ENTRIES]]
    meta = parsed.get("feed", {})
    title = clean_line(str(meta.get("title", "")))
    if not version and not entries:
        reason = _bozo_reason(parsed) if parsed.bozo else "no RSS, Atom or JSON Feed found"
        raise ImportFailed(f"not a feed: {reason}")
    if not entries and parsed.bozo and not title:
        raise ImportFailed(f"broken feed with no entries: {_bozo_reason(parsed)}")
    kind = (
        "atom" if version.startswith("atom") else "rdf" if version in ("rss090", "rss10") else "rss"
    )
    return Feed(
        title=title or clean_line(url),
        link=_web(str(meta.get("link", "")), url),
        entries=entries,
        kind=kind,
        url=url,
    )


def _encoding_trouble(parsed: Any) -> bool:
    error = parsed.get("bozo_exception")
    name = type(error).__name__ if error is not None else ""
    return name in ("CharacterEncodingOverride", "CharacterEncodingUnknown") or (
        "encod" in str(error).lower()
    )


def _reparse_decoded(data: bytes, url: str, headers: dict[str, str]) -> Any | None:
    """Second chance for a feed lying about its charset: decode like a browser, parse UTF-8."""
    try:
        text, _ = decode(data, content_type=headers.get("content-type"))
    except ImportFailed:  # binary after all: the first parse's error stands
        log.debug("feed bytes not re-decoded", exc_info=True)
        return None
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    fixed = dict(headers, **{"content-type": "application/xml; charset=utf-8"})
    try:
        return feedparser.parse(harden(text.encode("utf-8")), response_headers=fixed)
    except Exception:  # noqa: BLE001 - feedparser has no error contract; the first error stands
        log.debug("feed not parsed again", exc_info=True)
        return None


def _bozo_reason(parsed: Any) -> str:
    error = parsed.get("bozo_exception")
    text = clean_line(str(getattr(error, "getMessage", lambda: error)() or error or ""))
    return text[:120] or "unreadable"


def _web(link: str, base: str) -> str:
    """An absolute http(s) link, or "" (feeds carry javascript: and file: links too)."""
    link = link.strip()
    if not link:
        return ""
    try:
        return check_web_link(urljoin(base, link) if base else link)
    except LinkRefused:
        return ""


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry(raw: Any, base: str) -> Entry:
    link = _web(str(raw.get("link", "")), base)
    if not link:
        for candidate in raw.get("links", []) or []:
            if candidate.get("rel", "alternate") == "alternate":
                link = _web(str(candidate.get("href", "")), base)
                if link:
                    break
    contents = raw.get("content") or []
    content = ""
    for part in contents:
        if "html" in str(part.get("type", "")) or not content:
            content = str(part.get("value", ""))
    summary = str(raw.get("summary", ""))
    if content and content.strip() == summary.strip():
        summary = ""
    title = clean_line(html.unescape(str(raw.get("title", ""))))
    ident = clean_line(str(raw.get("id", ""))) or link or title
    return Entry(
        id=ident[:1000],
        title=title,
        link=link,
        # dict.get skips FeedParserDict's deprecated updated→published fallback (and its warning).
        published=_when(dict.get(raw, "published_parsed"))
        or _when(dict.get(raw, "updated_parsed")),
        updated=_when(dict.get(raw, "updated_parsed")),
        summary_html=clean(summary),
        content_html=clean(content),
        author=clean_line(str(raw.get("author", ""))),
    )


def _parse_json_feed(data: bytes, url: str) -> Feed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ImportFailed(f"not a feed: invalid JSON ({type(error).__name__})") from None
    if not isinstance(doc, dict) or not (
        "jsonfeed.org" in str(doc.get("version", "")) or isinstance(doc.get("items"), list)
    ):
        raise ImportFailed("not a feed: JSON without JSON Feed items")
    base = str(doc.get("feed_url") or url)
    raw_items = doc.get("items")
    items: list[Any] = raw_items if isinstance(raw_items, list) else []
    entries: list[Entry] = []
    for item in items[:MAX_ENTRIES]:
        if not isinstance(item, dict):
            continue
        link = _web(str(item.get("url") or item.get("external_url") or ""), url or base)
        title = clean_line(html.unescape(str(item.get("title") or "")))
        content = str(item.get("content_html") or "")
        if not content and item.get("content_text"):
            content = "<pre>" + html.escape(str(item["content_text"])) + "</pre>"
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        author = ""
        if authors and isinstance(authors[0], dict):
            author = clean_line(str(authors[0].get("name", "")))
        published = parse_iso(item.get("date_published"), default_zone=UTC)
        updated = parse_iso(item.get("date_modified"), default_zone=UTC)
        entries.append(
            Entry(
                id=clean_line(str(item.get("id") or link or title))[:1000],
                title=title,
                link=link,
                published=published or updated,
                updated=updated,
                summary_html=clean(html.escape(str(item.get("summary") or ""))),
                content_html=clean(content),
                author=author,
            )
        )
    return Feed(
        title=clean_line(html.unescape(str(doc.get("title") or ""))) or clean_line(url),
        link=_web(str(doc.get("home_page_url") or ""), url),
        entries=entries,
        kind="json",
        url=url,
    )


# --- discovery -----------------------------------------------------------------------------------
_ADVERTISED = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/x-rss+xml",
    "application/x-atom+xml",
}


MAX_DISCOVERY_BYTES = 2_000_000
"""How much of a page discovery reads; ``<link>`` tags live in the ``<head>``, near the top."""


def discover_feeds(page: str | bytes, base_url: str) -> list[str]:
    """The feed URLs a page advertises with ``<link rel="alternate" type="...">``, in page order.

    Relative URLs are resolved against ``<base href>`` or ``base_url``; only http(s) survive.
    The page goes through libxml2's HTML parser, which is linear even on hostile markup (the
    stdlib ``html.parser`` is quadratic on unterminated attribute quotes, issue 6), and only the
    ``<head>`` it builds is searched, as a browser does.
    """
    if isinstance(page, str):
        page = page.encode("utf-8", "replace")
    parser = lxml.etree.HTMLParser(
        encoding="utf-8", recover=True, no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        root = lxml.etree.fromstring(page[:MAX_DISCOVERY_BYTES], parser)
    except (lxml.etree.LxmlError, ValueError):  # empty or hopeless: no links
        return []
    head = root.find("head") if root is not None else None
    if head is None:
        return []
    base: str | None = None
    found: list[str] = []
    for element in head.iter("base", "link"):
        href = str(element.get("href") or "").strip()
        if not href:
            continue
        if element.tag == "base":
            base = href if base is None else base
            continue
        rels = str(element.get("rel") or "").lower().split()
        kind = str(element.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in _ADVERTISED:
            found.append(href)
    base_url = urljoin(base_url, base) if base else base_url
    seen: list[str] = []
    for href in found:
        url = _web(href, base_url)
        if url and url not in seen:
            seen.append(url)
    return seen
