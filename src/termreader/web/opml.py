"""OPML 1.0/2.0 import and export: the subscription lists feed readers exchange."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml
import defusedxml.ElementTree as SafeET

from termreader.errors import ImportFailed, LinkRefused
from termreader.text.sanitize import clean_line
from termreader.web.linkpolicy import check_web_link

MAX_OPML_BYTES = 5 * 1024 * 1024
MAX_OUTLINES = 10_000


@dataclass(slots=True)
class OpmlFeed:
    """One feed of an OPML file: its URL, title and enclosing category (folder) if any."""

    url: str
    title: str = ""
    category: str = ""


def _attr(element: Element, name: str) -> str:
    # OPML in the wild spells attributes xmlUrl, xmlurl, XMLURL...
    for key, value in element.attrib.items():
        if key.lower() == name.lower():
            return value
    return ""


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds of an OPML document, in document order, duplicates and non-web URLs dropped.

    Raises:
        ImportFailed: not XML, not OPML, hostile XML (entities, DTD tricks), or too large.
    """
    if len(data) > MAX_OPML_BYTES:
        raise ImportFailed(f"OPML file larger than {MAX_OPML_BYTES // 1024 // 1024} MB")
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as error:
        raise ImportFailed(f"OPML refused: {type(error).__name__}") from None
    except (ParseError, ValueError, LookupError, UnicodeError) as error:
        # LookupError: an unknown encoding in the XML declaration (issue 6); UnicodeError is a
        # ValueError, named for the reader.
        reason = clean_line(str(error))[:120] or type(error).__name__
        raise ImportFailed(f"not an OPML file: {reason}") from None
    except RecursionError as error:
        raise ImportFailed(f"OPML refused: {type(error).__name__}") from None
    if root.tag.lower() != "opml":
        raise ImportFailed(f"not an OPML file: root element is <{clean_line(root.tag)[:40]}>")
    body = next((child for child in root if child.tag.lower() == "body"), None)
    if body is None:
        raise ImportFailed("not an OPML file: no <body>")
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()

    def walk(parent: Element, category: str, depth: int) -> None:
        if depth > 50:
            return
        for outline in parent:
            if outline.tag.lower() != "outline" or len(feeds) >= MAX_OUTLINES:
                continue
            title = clean_line(_attr(outline, "title") or _attr(outline, "text"))[:300]
            raw = _attr(outline, "xmlUrl")
            if raw:
                try:
                    url = check_web_link(raw).split("#", 1)[0]
                except LinkRefused:
                    url = ""
                if url and url not in seen:
                    seen.add(url)
                    feeds.append(OpmlFeed(url=url, title=title, category=category))
            walk(outline, title if not raw else category, depth + 1)

    walk(body, "", 0)
    return feeds


def export_opml(feeds: Iterable[OpmlFeed], title: str = "termreader subscriptions") -> str:
    """An OPML 2.0 document listing ``feeds`` (grouped by category when they have one)."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = SubElement(root, "body")
    groups: dict[str, Element] = {}
    for feed in feeds:
        parent = body
        if feed.category:
            if feed.category not in groups:
                groups[feed.category] = SubElement(
                    body, "outline", text=feed.category, title=feed.category
                )
            parent = groups[feed.category]
        name = feed.title or feed.url
        SubElement(parent, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
