"""Page metadata of an HTML document: base and canonical address, title, byline, site name,
language and publication date."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from termreader.importers.common import MAX_TITLE, find_wordy_date, parse_datetime
from termreader.importers.html_tree import SKIP_TEXT, text_of
from termreader.text.sanitize import clean_line

log = logging.getLogger(__name__)

# Title suffixes: "Title | Site", "Title - Site", "Title_网站", "Title -- 文化 -- 人民网".
_TITLE_SEPARATOR = re.compile(
    r"\s*(?:\s[|｜·•»:–—-]{1,2}\s|[|｜_–—]|--|(?<=[^\x00-\x7f])-(?=[^\x00-\x7f]))\s*"
)

_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish_date",
    "publish-date",
    "publishtime",
    "publish_time",
    "published_time",
    "article.published",
    "publication_date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "dcterms.date",
    "parsely-pub-date",
    "og:release_date",
    "og:time",
    "weibo: article:create_at",
    "date",
    "citation_publication_date",
    "citation_date",
    "article:modified_time",
    "dateupdate",
)
_AUTHOR_META = (
    "author",
    "article:author",
    "og:article:author",
    "dc.creator",
    "byl",
    "parsely-author",
    "sailthru.author",
    "citation_author",
)
_SITE_META = ("og:site_name", "application-name", "twitter:site")

_VISIBLE_LABELED = re.compile(
    r"(?:发布时间|发表时间|发布日期|发表日期|时间|日期|发布于|更新时间|Published(?:\s+on)?|Posted(?:\s+on)?)"
    r"\s*[:：]?\s*((?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?)?)",
    re.IGNORECASE,
)
_VISIBLE_DATETIME = re.compile(
    r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*\d{1,2}\s*[:：]\s*\d{2}"
    r"(?:\s*[:：]\s*\d{2})?"
)


@dataclass(slots=True)
class PageMeta:
    """What an HTML page says about itself in its head and title heading."""

    base: str = ""
    """The address relative links resolve against."""
    canonical: str = ""
    title: str = ""
    h1: Any = None
    """The <h1> element that carries the title (None when no <h1> does)."""
    byline: str = ""
    language: str = ""
    """The declared language ("" when none or junk)."""
    site: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    """``<meta>`` contents by lower-case name."""
    jsonld: dict[str, Any] = field(default_factory=dict)
    """datePublished, headline, author... from JSON-LD (see :func:`_jsonld`)."""


def read_meta(tree: Any, url: str) -> PageMeta:
    """The metadata of a parsed page fetched from ``url`` (a file path for a local file)."""
    found = PageMeta()
    found.base = _base_url(tree, url)
    found.canonical = _canonical(tree, found.base)
    if found.base == url and not url.startswith(("http://", "https://")) and found.canonical:
        # A saved page's relative links point into its website, not next to the file.
        found.base = found.canonical
    found.meta = meta = _meta(tree)
    found.jsonld = jsonld = _jsonld(tree)
    found.language = _language(tree, meta)
    h1s = _h1s(tree)
    found.title, h1 = _title(tree, meta, jsonld, h1s, found.canonical or url)
    if h1 is None and h1s:
        h1 = h1s[0]
    found.h1 = h1
    found.byline = _byline(meta, jsonld)
    found.site = clean_line(_first_meta(meta, _SITE_META))
    return found


def published(tree: Any, page: PageMeta, visible: str, language: str) -> datetime | None:
    """The publication time: the page's metadata and the date shown near its title, else what
    htmldate finds in markup and address.

    Args:
        tree: The parsed page.
        page: Its metadata (:func:`read_meta`).
        visible: The text from the title on (:func:`visible_text`).
        language: The page's language, for the time zone of dates without one.
    """
    found = _published(tree, page.meta, page.jsonld, visible, language)
    if found is None:
        found = _htmldate(tree, page.base, language)
    return found


# --- metadata --------------------------------------------------------------------------------
def _base_url(tree: Any, url: str) -> str:
    for href in tree.xpath("//base/@href")[:1]:
        href = str(href).strip()
        if href:
            try:
                return urljoin(url, href) if url else href
            except ValueError:
                break
    return url


def _canonical(tree: Any, base: str) -> str:
    candidates = tree.xpath("//link[@rel='canonical']/@href") + tree.xpath(
        "//meta[@property='og:url']/@content"
    )
    for href in candidates[:2]:
        try:
            absolute = urljoin(base, str(href).strip()) if base else str(href).strip()
        except ValueError:
            continue
        if urlsplit(absolute).scheme in ("http", "https"):
            return clean_line(absolute)
    return ""


def _meta(tree: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = (
            element.get("property")
            or element.get("name")
            or element.get("itemprop")
            or element.get("http-equiv")
            or ""
        )
        content = element.get("content")
        if key and content:
            found.setdefault(key.strip().lower(), content.strip())
        if len(found) > 300:
            break
    return found


def _first_meta(meta: dict[str, str], keys: tuple[str, ...]) -> str:
    for key in keys:
        if meta.get(key):
            return meta[key]
    return ""


def _jsonld(tree: Any) -> dict[str, Any]:
    """datePublished, headline and author from JSON-LD blocks (first found wins)."""
    found: dict[str, Any] = {}
    for script in tree.xpath("//script[@type='application/ld+json']")[:10]:
        raw = script.text or ""
        if not raw.strip() or len(raw) > 500_000:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        stack: list[tuple[Any, int]] = [(data, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > 20:
                continue
            if isinstance(node, dict):
                for key in ("datePublished", "dateCreated", "headline", "author", "inLanguage"):
                    if key in node and key not in found:
                        found[key] = node[key]
                stack.extend((v, depth + 1) for v in list(node.values())[:100])
            elif isinstance(node, list):
                stack.extend((v, depth + 1) for v in node[:100])
    return found


def _language(tree: Any, meta: dict[str, str]) -> str:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not lang:
        lang = meta.get("content-language", "") or meta.get("og:locale", "")
    lang = clean_line(lang).replace("_", "-")
    # "utf-8" in content-language (people.com.cn) and similar junk is no language.
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}", lang):
        return ""
    return lang


def _h1s(tree: Any) -> list[Any]:
    found = []
    for element in tree.iter("h1"):
        if text_of(element):
            found.append(element)
            if len(found) >= 5:
                break
    return found


def _outside_brackets(text: str, index: int) -> bool:
    depth = 0
    for char in text[:index]:
        if char in "([（【《":
            depth += 1
        elif char in ")]）】》" and depth:
            depth -= 1
    return depth == 0


def _folded(text: str) -> str:
    """Letters and digits only, case-folded: "Example.com" and "EXAMPLE com" compare equal."""
    return "".join(char for char in text.casefold() if char.isalnum())


def site_names(site: str, url: str) -> set[str]:
    """The names a title may carry for its site: og:site_name and the address's domain
    ("www.example.co.uk" gives "example" and "examplecouk"), folded. No name for an IP
    address or a local file."""
    names = {_folded(site)} if site else set()
    try:
        host = (urlsplit(url).hostname or "") if url.startswith(("http://", "https://")) else ""
    except ValueError:
        host = ""
    labels = [label for label in host.split(".") if label and label != "www"]
    if len(labels) >= 2 and not all(label.isdigit() for label in labels):
        names.add(_folded(".".join(labels)))
        second = labels[-2]
        if second in ("co", "com", "net", "org", "gov", "edu", "ac") and len(labels) >= 3:
            second = labels[-3]
        names.add(_folded(second))
    names.discard("")
    return names


def _is_site(text: str, names: set[str]) -> bool:
    folded = _folded(text)
    return bool(folded) and any(
        folded == name or (len(name) >= 4 and (folded.startswith(name) or folded.endswith(name)))
        for name in names
    )


def _strip_site(title: str, names: set[str]) -> str:
    """Drop " | Site", " - Site", "_网站", "--文化--人民网" suffixes (and a site prefix)."""
    for _ in range(4):
        separators = [
            m
            for m in _TITLE_SEPARATOR.finditer(title)
            if m.start() > 0 and _outside_brackets(title, m.start())
        ]
        if not separators:
            break
        last = separators[-1]
        head, tail = title[: last.start()].strip(), title[last.end() :].strip()
        if head and (
            not tail or _is_site(tail, names) or (len(tail) <= 30 and len(tail) < len(head))
        ):
            title = head
            continue
        first = separators[0]
        head, tail = title[: first.start()].strip(), title[first.end() :].strip()
        if tail and (_is_site(head, names) or (len(head) <= 20 and len(tail) >= 2 * len(head))):
            title = tail
            continue
        break
    return title


def _title(
    tree: Any, meta: dict[str, str], jsonld: dict[str, Any], h1s: list[Any], url: str
) -> tuple[str, Any]:
    """The article title and the <h1> element that carries it (None when no <h1> does).

    The headline, not the <title> with the site glued on: og:title, the JSON-LD headline or
    the <h1> the <title> begins with win, and a suffix or prefix naming the site (its
    og:site_name or its domain) goes.
    """
    raw_title = clean_line(tree.findtext(".//title") or "")
    names = site_names(clean_line(meta.get("og:site_name", "")), url)
    og = clean_line(meta.get("og:title", "") or meta.get("twitter:title", ""))
    headline = jsonld.get("headline")
    headline = clean_line(headline) if isinstance(headline, str) else ""
    stripped = _strip_site(raw_title, names) if raw_title else ""
    og_stripped = _strip_site(og, names) if og else ""
    for element in h1s:
        heading = text_of(element)
        if not heading or len(heading) > MAX_TITLE:
            continue
        # The <h1> that the <title>, og:title or headline repeats is the article's own title
        # (the first <h1> is often the site's logo).
        if heading in (stripped, og, og_stripped, headline) or (
            stripped and heading in raw_title and len(heading) >= 0.6 * len(stripped)
        ):
            return heading, element
        if (
            raw_title.startswith(heading)
            and _TITLE_SEPARATOR.match(raw_title[len(heading) :])
            and 3 * len(heading) >= len(raw_title)
            and not _is_site(heading, names)
        ):
            return heading, element  # "Headline - Section - Site"
    for candidate in (og_stripped, headline, stripped):
        if candidate:
            return candidate, None
    if h1s:
        return text_of(h1s[0]), h1s[0]
    return "", None


def _byline(meta: dict[str, str], jsonld: dict[str, Any]) -> str:
    author = jsonld.get("author")
    if isinstance(author, list) and author:
        author = author[0]
    if isinstance(author, dict):
        author = author.get("name")
    if isinstance(author, str) and author.strip():
        return clean_line(author)[:200]
    value = _first_meta(meta, _AUTHOR_META)
    # Bare URLs (article:author is often a profile link) and numeric ids are no byline.
    if value.startswith(("http://", "https://")) or value.isdigit():
        return ""
    return clean_line(value)[:200]


def visible_text(tree: Any, h1: Any, limit: int = 6000) -> str:
    """Visible text from the title heading on (or from the top): where bylines and dates are."""
    root = h1 if h1 is not None else tree.find("body")
    if root is None:
        root = tree
    parts: list[str] = []
    size = 0
    started = False
    for element in tree.iter():
        if element is root:
            started = True
        if not started:
            continue
        if not isinstance(element.tag, str) or element.tag in SKIP_TEXT:
            if element.tail:
                parts.append(element.tail)
            continue
        for chunk in (element.text, element.tail):
            if chunk and chunk.strip():
                parts.append(chunk.strip())
                size += len(chunk)
        if size > limit:
            break
    return " ".join(parts)


def _published(
    tree: Any, meta: dict[str, str], jsonld: dict[str, Any], visible: str, language: str
) -> datetime | None:
    structured = None
    for key in _PUBLISHED_META:
        if meta.get(key):
            structured = parse_datetime(meta[key], language=language)
            if structured is not None:
                break
    if structured is None:
        for key in ("datePublished", "dateCreated"):
            value = jsonld.get(key)
            if isinstance(value, str):
                structured = parse_datetime(value, language=language)
                if structured:
                    break
    if structured is None:
        for value in tree.xpath("//time[@datetime]/@datetime")[:5]:
            structured = parse_datetime(str(value), language=language)
            if structured is not None:
                break
    shown = None
    # The first date near the title wins, labelled ("发布时间：…") or not.
    near = visible[:3000]
    found = (_VISIBLE_LABELED.search(near), _VISIBLE_DATETIME.search(near), find_wordy_date(near))
    matches = [m for m in found if m]
    if matches:
        match = min(matches, key=lambda m: m.start())
        text = match.group(1) if match.re is _VISIBLE_LABELED else match.group(0)
        shown = parse_datetime(text, language=language)
    if shown is not None and structured is not None:
        # Same day: the time the page shows is the one a reader sees (and cites); metadata
        # clocks often differ by a minute or two. Keep the metadata's zone.
        wall = shown.replace(tzinfo=structured.tzinfo)
        if abs(wall - structured) <= timedelta(days=1):
            return wall
        return structured
    return shown or structured


def _htmldate(tree: Any, base: str, language: str) -> datetime | None:
    """The publication date htmldate finds in markup and URL (no slow free-text search)."""
    try:
        from htmldate import find_date

        found = find_date(
            tree,
            extensive_search=False,
            original_date=True,
            url=base if base.startswith(("http://", "https://")) else None,
        )
    except Exception:  # noqa: BLE001 - a date is optional; its absence is no failure
        log.debug("htmldate found no date", exc_info=True)
        return None
    return parse_datetime(found, language=language) if found else None
