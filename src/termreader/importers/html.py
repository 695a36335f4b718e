"""HTML importer: metadata, related-links block, and main content as Markdown (via trafilatura)."""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from termreader.errors import ImportFailed
from termreader.importers.common import (
    MAX_RELATED,
    MAX_TITLE,
    RELATED_LABELS,
    build_article,
    escape_inline,
    find_wordy_date,
    guess_language,
    host_of,
    is_related_label,
    parse_datetime,
    resolve_link,
)
from termreader.models import Article, Related
from termreader.text.charset import decode
from termreader.text.sanitize import clean, clean_line, is_clean

#: Trafilatura's fallback extractors (readability, justext) cost several times the main pass
#: for a few points of recall; keep them off so a page imports in tens of milliseconds.
FAST_EXTRACTION = True
#: Elements beyond this count are not handed to the extractor (bounded work on huge pages).
MAX_TREE_ELEMENTS = 200_000

_local = threading.local()


def _parser() -> lxml.html.HTMLParser:
    """One parser per thread: lxml parser objects must not be shared between threads (sync
    extracts pages in worker threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser(
            collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
        )
        _local.parser = parser
    return parser


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

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
_SKIP_TEXT = frozenset({"script", "style", "noscript", "template", "title", "option", "textarea"})
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CJK = ("zh", "ja", "ko")

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


@dataclass(slots=True)
class Page:
    """What :func:`extract_page` finds in an HTML document (before it becomes an Article)."""

    title: str = ""
    byline: str = ""
    published: datetime | None = None
    language: str = ""
    site: str = ""
    canonical: str = ""
    base: str = ""
    body: str = ""
    related: list[Related] = field(default_factory=list)


def extract_html(
    html: str | bytes,
    url: str = "",
    *,
    content_type: str | None = None,
    path: Path | None = None,
    source: str = "",
) -> Article:
    """Turn an HTML document into an :class:`Article` (the shared page-extraction entry point).

    ``url`` is the address the page was fetched from ("" for a local file, then ``path``
    stands in for it). Bytes are decoded like a browser (:mod:`termreader.text.charset`).

    Raises:
        ImportFailed: the document is binary or holds no readable text.
    """
    page = extract_page(
        html, url or (str(path) if path is not None else ""), content_type=content_type
    )
    if not page.body.strip() and not page.title:
        raise ImportFailed("no readable text in the page")
    if not source and not url:
        source = host_of(page.canonical)
    return build_article(
        body=page.body,
        title=page.title or (path.stem if path is not None else "") or host_of(url) or "Untitled",
        kind="html",
        url=url,
        path=path,
        source=source,
        published=page.published,
        language=page.language,
        related=page.related,
        link_base=page.base,
    )


_MARKUP_PART = re.compile(r"<[^<>]*>|[^<]+|<")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def _clean_markup(text: str) -> str:
    """Remove terminal sequences whole from the text and attribute values of an HTML page.

    Done before lxml parses the page: lxml drops a raw ESC but keeps what follows, so a later
    clean would leave "]0;title" behind (issue 6). Each text run and each quoted attribute
    value is cleaned on its own, so an unterminated sequence swallows the rest of its run only,
    never the markup after it.
    """
    if is_clean(text):
        return text

    def part(match: re.Match[str]) -> str:
        piece = match.group(0)
        if is_clean(piece):
            return piece
        if piece.startswith("<"):
            return _QUOTED.sub(
                lambda q: q.group(0)[0] + clean(q.group(0)[1:-1]) + q.group(0)[0], piece
            )
        return clean(piece)

    return _MARKUP_PART.sub(part, text)


def extract_page(html: str | bytes, url: str = "", *, content_type: str | None = None) -> Page:
    """Extract title, byline, publish time, language, related links and Markdown body."""
    text = decode(html, content_type=content_type)[0] if isinstance(html, bytes) else html
    text = _INVALID_XML.sub("", _XML_DECLARATION.sub("", _clean_markup(text), count=1))
    if not text.strip():
        raise ImportFailed("empty document, not an article")
    try:
        tree = lxml.html.document_fromstring(text, parser=_parser())
    except (etree.ParserError, ValueError, etree.XMLSyntaxError) as error:
        raise ImportFailed(f"unreadable HTML ({' '.join(str(error).split())[:80]})") from None

    _prepare(tree)
    page = Page()
    page.base = _base_url(tree, url)
    page.canonical = _canonical(tree, page.base)
    if page.base == url and not url.startswith(("http://", "https://")) and page.canonical:
        # A saved page's relative links point into its website, not next to the file.
        page.base = page.canonical
    meta = _meta(tree)
    jsonld = _jsonld(tree)
    page.language = _language(tree, meta)
    h1s = _h1s(tree)
    page.title, h1 = _title(tree, meta, jsonld, h1s)
    if h1 is None and h1s:
        h1 = h1s[0]
    page.byline = _byline(meta, jsonld)
    page.site = clean_line(_first_meta(meta, _SITE_META))

    # The related block is found before the extractor strips it as boilerplate.
    page.related = _related_blocks(tree, page.base)
    visible_text = _visible_text(tree, h1)
    script = guess_language(visible_text)
    # Templates often say lang="en" on Chinese pages; the script does not lie.
    if not page.language or (script and page.language.split("-")[0].lower() not in _CJK):
        page.language = script or page.language
    page.published = _published(tree, meta, jsonld, visible_text, page.language)

    if page.published is None:
        page.published = _htmldate(tree, page.base, page.language)
    if _FRAGMENT.search(text[:20000]) is None:
        # A fragment (a feed entry's body) is all content: no boilerplate to remove.
        body = _simple_markdown(tree)
    else:
        body = _main_content(tree, page.base)
    body = _tidy_markdown(_drop_leading_title(body, page.title))
    page.body = _absolute_links(body, page.base)
    return page


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


def _text_of(element: Any) -> str:
    try:
        return clean_line(element.text_content())
    except (ValueError, TypeError):
        return ""


def _prepare(tree: Any) -> None:
    """Remove what a terminal reader cannot use before anything reads the tree.

    <rt>/<rp> (furigana readings) would interleave with the text they annotate; links to
    ``javascript:`` keep their text but lose the link.
    """
    for element in list(tree.iter("rt", "rp")):
        element.drop_tree()
    for element in list(tree.iter("a")):
        href = (element.get("href") or "").strip().lower()
        if href.startswith(("javascript:", "vbscript:")):
            element.drop_tag()


def _h1s(tree: Any) -> list[Any]:
    found = []
    for element in tree.iter("h1"):
        if _text_of(element):
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


def _strip_site(title: str, site: str) -> str:
    """Drop " | Site", " - Site", "_网站", "--文化--人民网" suffixes (and a site prefix)."""
    site = site.lower()
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
            not tail or tail.lower() == site or (len(tail) <= 30 and len(tail) < len(head))
        ):
            title = head
            continue
        first = separators[0]
        head, tail = title[: first.start()].strip(), title[first.end() :].strip()
        if tail and (head.lower() == site or (len(head) <= 20 and len(tail) >= 2 * len(head))):
            title = tail
            continue
        break
    return title


def _title(
    tree: Any, meta: dict[str, str], jsonld: dict[str, Any], h1s: list[Any]
) -> tuple[str, Any]:
    """The article title and the <h1> element that carries it (None when no <h1> does)."""
    raw_title = clean_line(tree.findtext(".//title") or "")
    site = clean_line(meta.get("og:site_name", ""))
    og = clean_line(meta.get("og:title", "") or meta.get("twitter:title", ""))
    headline = jsonld.get("headline")
    headline = clean_line(headline) if isinstance(headline, str) else ""
    stripped = _strip_site(raw_title, site) if raw_title else ""
    og_stripped = _strip_site(og, site) if og else ""
    for element in h1s:
        heading = _text_of(element)
        if not heading or len(heading) > MAX_TITLE:
            continue
        # The <h1> that the <title>, og:title or headline repeats is the article's own title
        # (the first <h1> is often the site's logo).
        if heading in (stripped, og, og_stripped, headline) or (
            stripped and heading in raw_title and len(heading) >= 0.6 * len(stripped)
        ):
            return heading, element
    for candidate in (og_stripped, headline, stripped):
        if candidate:
            return candidate, None
    if h1s:
        return _text_of(h1s[0]), h1s[0]
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


def _visible_text(tree: Any, h1: Any, limit: int = 6000) -> str:
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
        if not isinstance(element.tag, str) or element.tag in _SKIP_TEXT:
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


# --- related links ---------------------------------------------------------------------------
_RELATED_ANYWHERE = re.compile(
    "|".join(re.escape(label) for label in RELATED_LABELS), re.IGNORECASE
)


def _text_sample(tree: Any) -> str:
    body = tree.find("body")
    try:
        return str(
            etree.tostring(body if body is not None else tree, method="text", encoding="unicode")
        )
    except (ValueError, TypeError):
        return ""


def _related_blocks(tree: Any, base: str) -> list[Related]:
    """Links listed under a "相关新闻"/"Related"/"See also" label, in page order."""
    related: list[Related] = []
    seen_containers: set[int] = set()
    if not _RELATED_ANYWHERE.search(_text_sample(tree)):
        return related
    for text in tree.xpath("//body//text()[string-length(normalize-space()) < 40]"):
        if len(related) >= MAX_RELATED:
            break
        if not is_related_label(str(text)):
            continue
        label = text.getparent()
        if label is None or label.tag in _SKIP_TEXT:
            continue
        if any(a.tag == "a" for a in label.iterancestors()) or label.tag == "a":
            continue  # a navigation link named "Related" is not a block
        container = _links_after(label)
        if container is None or id(container) in seen_containers:
            continue
        seen_containers.add(id(container))
        for anchor in _item_links(container):
            href = (anchor.get("href") or "").strip()
            title = _text_of(anchor)
            if not href or href.startswith(("#", "javascript:")) or _generic_link(title):
                continue
            try:
                absolute = urljoin(base, href) if base else href
            except ValueError:
                continue
            related.append(Related(title=title, url=absolute))
            if len(related) >= MAX_RELATED:
                break
    return related


_GENERIC_LINK = frozenset(
    {
        "详细",
        "详情",
        "更多",
        "全文",
        "查看更多",
        "阅读全文",
        "more",
        "read more",
        "details",
        "continue reading",
        "weiterlesen",
        "mehr",
    }
)


def _generic_link(title: str) -> bool:
    """Link texts that name no article ("【详细】", "+更多", "Read more »")."""
    core = title.strip(" +»›>…<«‹[]【】()（）.:：").lower()
    return len(core) < 2 or core in _GENERIC_LINK


def _item_links(container: Any) -> list[Any]:
    """One link per list item or card (its longest-titled one), else every link.

    Related cards often carry a category and an author link beside the story's own link.
    """
    items = [
        item
        for item in container.iter("li", "article")
        if not any(a.tag in ("li", "article") for a in item.iterancestors() if a is not container)
        or item.getparent() is container
    ]
    if not items:
        return list(container.iter("a"))
    chosen = []
    for item in items:
        anchors = [a for a in item.iter("a") if a.get("href")]
        if anchors:
            chosen.append(max(anchors, key=lambda a: len(_text_of(a))))
    return chosen


def _links_after(label: Any) -> Any:
    """The element holding the links that follow a related label (up to 4 levels up)."""
    node = label
    for _ in range(4):
        sibling = node.getnext()
        hops = 0
        while sibling is not None and hops < 3:
            if isinstance(sibling.tag, str) and sibling.tag not in _SKIP_TEXT:
                if sibling.tag in _HEADINGS:
                    return None
                if len(sibling.xpath(".//a[@href]")) >= 1:
                    return sibling
            sibling = sibling.getnext()
            hops += 1
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return None
        # The label and its links may share a container: <div><h3>相关</h3><ul>…</ul></div>.
        node = parent
    return None


# --- main content ----------------------------------------------------------------------------
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
        return None
    return parse_datetime(found, language=language) if found else None


_MD_LINK_TARGET = re.compile(r"(\]\()([^()\s]+)(\))")


def _absolute_links(body: str, base: str) -> str:
    """Resolve the link targets of the extracted Markdown against the page's base."""
    if not base or "](" not in body:
        return body

    def repl(match: re.Match[str]) -> str:
        target = resolve_link(match.group(2), base).replace(" ", "%20")
        return f"{match.group(1)}{target}{match.group(3)}"

    return _MD_LINK_TARGET.sub(repl, body)


def _main_content(tree: Any, base: str) -> str:
    """Markdown of the main content: trafilatura, else a plain conversion."""
    body = ""
    count = sum(1 for _ in tree.iter())
    if count <= MAX_TREE_ELEMENTS:
        try:
            from trafilatura import bare_extraction

            document = bare_extraction(
                tree,
                url=None,  # its relative-link fixing ignores the path; we resolve after
                fast=FAST_EXTRACTION,
                output_format="markdown",
                include_formatting=True,
                include_links=True,
                include_tables=True,
                include_images=False,
                include_comments=False,
                with_metadata=False,
            )
        except Exception:  # noqa: BLE001 - an extractor bug must not lose the page
            document = None
        if document is not None:
            body = _document_markdown(document)
    if len(body.strip()) < 80:
        fallback = _simple_markdown(tree)
        if len(fallback.strip()) > len(body.strip()):
            body = fallback
    return body


def _document_markdown(document: Any) -> str:
    from trafilatura.xml import xmltotxt

    body = getattr(document, "body", None)
    if body is None:
        return str(getattr(document, "text", "") or "")
    try:
        return xmltotxt(body, True)
    except Exception:  # noqa: BLE001
        return str(getattr(document, "text", "") or "")


_FRAGMENT = re.compile(r"<(?:html|body|head)[\s>]", re.IGNORECASE)
_EMPTY_HEADING = re.compile(r"^(#{1,6})[ \t]*\n[ \t]*(?=\S)", re.MULTILINE)
_FENCE = re.compile(r"^\s*(```|~~~)")


def _tidy_markdown(body: str) -> str:
    """Repair extractor output: headings whose text landed on the next line, tab indents.

    A line indented with tabs (template whitespace) would render as a code block.
    """
    body = _EMPTY_HEADING.sub(r"\1 ", body)
    lines = body.split("\n")
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if (
            not fenced
            and line[:1] in (" ", "\t")
            and "\t" in line[: len(line) - len(line.lstrip())]
        ):
            lines[index] = line.lstrip()
    return "\n".join(lines)


def _drop_leading_title(body: str, title: str) -> str:
    lines = body.lstrip("\n").split("\n", 1)
    first = lines[0].strip()
    if first.startswith("#"):
        heading = clean_line(first.lstrip("#").replace("*", "").replace("\\", ""))
        if heading and heading == clean_line(title.replace("*", "")):
            return lines[1].lstrip("\n") if len(lines) > 1 else ""
    return body


_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "ul",
        "ol",
        "li",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "aside",
        "nav",
        "form",
        "address",
        "details",
        "summary",
        "center",
        "fieldset",
    }
)
_DROP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "footer",
        "form",
        "svg",
        "iframe",
        "button",
        "select",
        "head",
        "aside",
        "object",
        "canvas",
    }
)
#: Deeper nesting is flattened to text: bounded recursion whatever the input.
MAX_CONVERT_DEPTH = 120
# <br> survives whitespace folding as NUL (the parser never sees one: _INVALID_XML drops it).
_BR = "\x00"


def _fold(text: str) -> str:
    """Fold whitespace like a browser; <br> becomes a Markdown hard break."""
    folded = " ".join(text.split())
    if _BR not in folded:
        return folded
    # Breaks at either end of a block would leave a dangling backslash.
    return re.sub(r" ?\x00 ?", "\\\n", folded.strip(_BR + " "))


def _simple_markdown(tree: Any) -> str:
    """A plain HTML→Markdown conversion: for fragments (feed entries) and pages the extractor
    finds nothing in. Keeps heading levels, lists, quotes, code, emphasis and links."""
    root = None
    for name in ("article", "main"):
        root = tree.find(f".//{name}")
        if root is not None:
            break
    if root is None:
        root = tree.find("body")
    if root is None:
        root = tree
    out: list[str] = []
    _render_blocks(root, out, 0)
    return "\n\n".join(block for block in out if block.strip())


def _tag(element: Any) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _render_blocks(element: Any, out: list[str], depth: int) -> None:
    """Append the Markdown blocks of ``element``'s content to ``out``."""
    pending: list[str] = [escape_inline(element.text or "")]

    def flush() -> None:
        text = _fold("".join(pending))
        if text:
            out.append(text)
        pending.clear()

    for child in element:
        tag = _tag(child)
        if tag in _DROP_TAGS or (not tag and child.tail is None):
            pass
        elif depth >= MAX_CONVERT_DEPTH:
            pending.append(escape_inline(_text_of(child)) + " ")
        elif tag in _BLOCK_TAGS:
            flush()
            _render_block(child, tag, out, depth + 1)
        elif tag:
            pending.append(_render_inline(child, depth + 1))
        pending.append(escape_inline(child.tail or ""))
    flush()


def _render_block(element: Any, tag: str, out: list[str], depth: int) -> None:
    if tag in _HEADINGS:
        text = " ".join(_render_inline_content(element, depth).replace(_BR, " ").split())
        if text.endswith("#"):
            stripped = text.rstrip("#")
            text = stripped + "\\#" * (len(text) - len(stripped))
        if text:
            out.append("#" * int(tag[1]) + " " + text)
    elif tag in ("ul", "ol"):
        number = 0
        for item in element:
            if _tag(item) != "li":
                continue
            number += 1
            inner: list[str] = []
            _render_blocks(item, inner, depth + 1)
            marker = f"{number}. " if tag == "ol" else "- "
            pad = " " * len(marker)
            text = "\n".join(inner) or ""
            lines = text.split("\n")
            out.append(marker + ("\n".join([lines[0]] + [pad + ln for ln in lines[1:]])))
    elif tag == "pre":
        code = element.text_content().strip("\n")
        fence = "```" if "```" not in code else "~~~~"
        out.append(f"{fence}\n{code}\n{fence}")
    elif tag == "blockquote":
        inner = []
        _render_blocks(element, inner, depth + 1)
        quoted = "\n\n".join(inner)
        out.append("\n".join("> " + line if line else ">" for line in quoted.split("\n")))
    elif tag == "hr":
        out.append("---")
    elif tag == "tr":
        cells = [
            " ".join(_render_inline_content(c, depth).split())
            for c in element
            if _tag(c) in ("td", "th")
        ]
        if any(cells):
            out.append(" \\| ".join(cells))
    elif tag == "p":
        text = _fold(_render_inline_content(element, depth))
        if text:
            out.append(text)
    else:
        _render_blocks(element, out, depth)


def _render_inline_content(element: Any, depth: int) -> str:
    parts = [escape_inline(element.text or "")]
    for child in element:
        if depth < MAX_CONVERT_DEPTH and _tag(child) not in _DROP_TAGS:
            parts.append(_render_inline(child, depth + 1))
        elif _tag(child) not in _DROP_TAGS:
            parts.append(escape_inline(_text_of(child)))
        parts.append(escape_inline(child.tail or ""))
    return "".join(parts)


def _render_inline(element: Any, depth: int) -> str:
    tag = _tag(element)
    if tag == "br":
        return _BR
    if tag == "img" or not tag:
        return ""
    inner = _render_inline_content(element, depth)
    if not inner.strip():
        return inner
    if tag == "a" and element.get("href"):
        href = element.get("href", "").strip().replace(" ", "%20")
        href = href.replace("(", "%28").replace(")", "%29")
        return f"[{' '.join(inner.replace(_BR, ' ').split())}]({href})"
    if tag in ("strong", "b"):
        return f"**{inner.strip()}**"
    if tag in ("em", "i"):
        return f"*{inner.strip()}*"
    if tag == "code":
        code = element.text_content()
        ticks = "``" if "`" in code else "`"
        return f"{ticks}{code}{ticks}"
    if tag in _BLOCK_TAGS:
        return " " + inner + " "
    return inner
