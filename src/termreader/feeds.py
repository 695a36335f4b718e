"""Parse RSS 0.9x/1.0/2.0, Atom and JSON Feed safely, and discover feeds advertised by pages."""

from __future__ import annotations

import calendar
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser

from termreader.errors import ImportFailed, LinkRefused
from termreader.linkpolicy import check_web_link
from termreader.sanitize import clean, clean_line

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
_DOCTYPE_START = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_SUBSET_END = re.compile(rb"\]\s*>")


def _is_utf16_or_32(data: bytes) -> bool:
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return True
    # No BOM: "<?" in UTF-16/32 has NULs between the characters.
    return head[:2] in (b"<\x00", b"\x00<") or head == b"\x00\x00\x00<"


def strip_doctype(data: bytes) -> bytes:
    """Remove every DOCTYPE (with its internal subset) from the document's prolog.

    Entity declarations are where billion-laughs expansion and XXE (``SYSTEM "file:..."``) live;
    without them an entity reference is just an undefined name, which the parsers leave as text.
    Only the prolog (before the root element) can hold a DOCTYPE, so the scan stops at the first
    element.
    """
    out = bytearray()
    pos = 0
    while True:
        match = _DOCTYPE_START.search(data, pos)
        if match is None:
            break
        # A root element before the match means this DOCTYPE text is content, not a declaration.
        if re.search(rb"<[A-Za-z]", data[pos : match.start()]):
            break
        out += data[pos : match.start()]
        bracket = data.find(b"[", match.end())
        close = data.find(b">", match.end())
        if close == -1:
            pos = len(data)
            break
        if bracket != -1 and bracket < close:
            end = _SUBSET_END.search(data, bracket)
            pos = end.end() if end else len(data)
        else:
            pos = close + 1
    if pos == 0:
        return data
    out += data[pos:]
    return bytes(out)


def harden(data: bytes) -> bytes:
    """The bytes fed to feedparser: no DOCTYPE, no XML-forbidden control bytes."""
    if _is_utf16_or_32(data):
        # Re-encode to UTF-8 so the same byte-level hardening applies; feedparser re-detects.
        try:
            text = data.decode(
                "utf-16"
                if data[:2] in (b"\xff\xfe", b"\xfe\xff")
                else ("utf-16-le" if data[:2] == b"<\x00" else "utf-16-be")
            )
        except UnicodeDecodeError:
            return strip_doctype(data)
        text = re.sub(r"^<\?xml[^>]*\?>", '<?xml version="1.0" encoding="utf-8"?>', text)
        data = text.encode("utf-8")
    return _FORBIDDEN_BYTES.sub(b"", strip_doctype(data))


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
        from termreader.charset import decode

        text, _ = decode(data, content_type=headers.get("content-type"))
    except Exception:  # noqa: BLE001 - a second chance only; charset.py may not exist yet
        try:
            import charset_normalizer

            best = charset_normalizer.from_bytes(data).best()
        except Exception:  # noqa: BLE001
            return None
        if best is None:
            return None
        text = str(best)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    fixed = dict(headers, **{"content-type": "application/xml; charset=utf-8"})
    try:
        return feedparser.parse(harden(text.encode("utf-8")), response_headers=fixed)
    except Exception:  # noqa: BLE001
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
    items = doc.get("items") if isinstance(doc.get("items"), list) else []
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
        published = _iso(item.get("date_published"))
        updated = _iso(item.get("date_modified"))
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


def _iso(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").lower().split(";")[0].strip()
            if "alternate" in rels and kind in _ADVERTISED and values.get("href"):
                self.found.append(values["href"])
        elif tag == "body":
            # <link rel=alternate> lives in <head>; stop early on long pages.
            raise _Done


class _Done(Exception):
    pass


def discover_feeds(page: str | bytes, base_url: str) -> list[str]:
    """The feed URLs a page advertises with ``<link rel="alternate" type="...">``, in page order.

    Relative URLs are resolved against ``<base href>`` or ``base_url``; only http(s) survive.
    """
    if isinstance(page, bytes):
        page = page.decode("utf-8", "replace")
    finder = _LinkFinder()
    try:
        finder.feed(page[:2_000_000])
        finder.close()
    except _Done:
        pass
    except Exception:  # noqa: BLE001 - html.parser is lenient; a crash means no links
        pass
    base = urljoin(base_url, finder.base) if finder.base else base_url
    seen: list[str] = []
    for href in finder.found:
        url = _web(html.unescape(href), base)
        if url and url not in seen:
            seen.append(url)
    return seen
