"""HTML importer: a page becomes an Article, its main content the page's own subtree as Markdown.

trafilatura (and readability-lxml where it takes little) find the content; the parts live
beside it: :mod:`~termreader.importers.html_content` (their text mapped back onto the page,
clutter cut), :mod:`~termreader.importers.html_meta` (title, dates, site, language),
:mod:`~termreader.importers.html_related` (the related-links block) and
:mod:`~termreader.importers.html_markdown` (the HTML -> Markdown conversion).
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

from termreader.errors import ImportFailed
from termreader.importers.common import build_article, guess_language, host_of, resolve_link
from termreader.importers.html_content import FEW_TOKENS, TextIndex, tokens
from termreader.importers.html_markdown import simple_markdown
from termreader.importers.html_meta import published, read_meta, visible_text
from termreader.importers.html_related import related_blocks
from termreader.importers.html_tree import parser
from termreader.models import Article, Related
from termreader.text.charset import decode
from termreader.text.sanitize import clean, clean_line, is_clean

log = logging.getLogger(__name__)

#: Trafilatura's fallback extractors (readability, justext) cost far more than the main pass
#: for little extra recall; keep them off so a page imports quickly.
FAST_EXTRACTION = True
#: Elements beyond this count are not handed to the extractor (bounded work on huge pages).
MAX_TREE_ELEMENTS = 200_000

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_CJK = ("zh", "ja", "ko")


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
    if not source and page.site and not page.site.startswith(("@", "http://", "https://")):
        source = page.site  # the site's own name (og:site_name) rather than its host
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
    if "\r" in text:
        # HTML parsing makes every CR or CRLF a newline anyway; a page with Windows line ends
        # would otherwise be cleaned piece by piece.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
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
        tree = lxml.html.document_fromstring(text, parser=parser())
    except (etree.ParserError, ValueError, etree.XMLSyntaxError) as error:
        raise ImportFailed(f"unreadable HTML ({' '.join(str(error).split())[:80]})") from None

    _prepare(tree)
    meta = read_meta(tree, url)
    page = Page(
        title=meta.title,
        byline=meta.byline,
        language=meta.language,
        site=meta.site,
        canonical=meta.canonical,
        base=meta.base,
    )

    # The related block is found before the extractor strips it as boilerplate.
    page.related = related_blocks(tree, page.base, page.title, page.canonical or url)
    visible = visible_text(tree, meta.h1)
    script = guess_language(visible)
    # Templates often say lang="en" on Chinese pages; the script does not lie.
    if not page.language or (script and page.language.split("-")[0].lower() not in _CJK):
        page.language = script or page.language
    page.published = published(tree, meta, visible, page.language)

    if _FRAGMENT.search(text[:20000]) is None:
        # A fragment (a feed entry's body) is all content: no boilerplate to remove.
        body = simple_markdown(tree)
    else:
        _drop_unseen(tree)
        body = _main_content(tree)
    body = _tidy_markdown(_drop_leading_title(body, page.title))
    page.body = _absolute_links(body, page.base)
    return page


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


def _drop_unseen(tree: Any) -> None:
    """Remove what no reader sees and every later pass skips (scripts, styles, SVG drawings,
    ``<link>``/``<meta>``), once the metadata is read: the extractor walks the tree several
    times, and its walks are shorter without them. TeX scripts (MathJax) are content, and
    structured data (JSON-LD) tells the extractor a forum thread."""
    doomed = []
    for element in tree.iter("script", "style", "noscript", "template", "svg", "link", "meta"):
        if element.tag == "script":
            kind = (element.get("type") or "").lower()
            if kind.startswith("math/tex") or kind == "application/ld+json":
                continue
        doomed.append(element)
    for element in doomed:
        element.drop_tree()


# --- main content ----------------------------------------------------------------------------
_MD_LINK_TARGET = re.compile(r"(\]\()([^()\s]+)(\))")


def _absolute_links(body: str, base: str) -> str:
    """Resolve the link targets of the extracted Markdown against the page's base."""
    if not base or "](" not in body:
        return body

    def repl(match: re.Match[str]) -> str:
        target = resolve_link(match.group(2), base).replace(" ", "%20")
        return f"{match.group(1)}{target}{match.group(3)}"

    return _MD_LINK_TARGET.sub(repl, body)


def _main_content(tree: Any) -> str:
    """Markdown of the main content: the original subtree the extractors point at, converted
    whole; else trafilatura's own rendering; else a plain conversion of the page."""
    body = ""
    # Counted by the XPath engine: a walk would build a Python object per element.
    count = int(tree.xpath("count(//*)"))
    if count <= MAX_TREE_ELEMENTS:
        document = _trafilatura(tree)
        try:
            body = _original_subtree(tree, _document_text(document))
        except Exception:  # noqa: BLE001 - a mapping bug must not lose the page
            log.debug(
                "content not mapped onto the page; the extractor's own text is used", exc_info=True
            )
            body = ""
        if not body and document is not None:
            body = _document_markdown(document)
    if len(body.strip()) < 80:
        fallback = simple_markdown(tree)
        if len(fallback.strip()) > len(body.strip()):
            body = fallback
    return body


_local = threading.local()


def _extractor_options() -> Any:
    """trafilatura's options, built once per thread: building them reads its configuration
    and formats today's date each time (a few ms a page). It copies them before changing any."""
    options = getattr(_local, "options", None)
    if options is None:
        from trafilatura.settings import Extractor

        options = _local.options = Extractor(
            output_format="markdown",
            fast=FAST_EXTRACTION,
            comments=False,
            formatting=True,
            links=True,
            images=False,
            tables=True,
            url=None,  # its relative-link fixing ignores the path; we resolve after
            with_metadata=False,
        )
    return options


def _trafilatura(tree: Any) -> Any:
    try:
        from trafilatura import bare_extraction

        # It works on a copy: the tree stays whole for the mapping.
        return bare_extraction(tree, options=_extractor_options())
    except Exception:  # noqa: BLE001 - an extractor bug must not lose the page
        log.debug("trafilatura failed; the page is converted whole", exc_info=True)
        return None


def _document_text(document: Any) -> str:
    body = getattr(document, "body", None)
    if body is None:
        return ""
    return " ".join(" ".join(body.itertext()).split())


def _document_markdown(document: Any) -> str:
    from trafilatura.xml import xmltotxt

    body = getattr(document, "body", None)
    if body is None:
        return str(getattr(document, "text", "") or "")
    try:
        return xmltotxt(body, True)
    except Exception:  # noqa: BLE001 - trafilatura's serialiser has no error contract
        log.debug("trafilatura's Markdown not written; its plain text is used", exc_info=True)
        return str(getattr(document, "text", "") or "")


def _readability_text(tree: Any) -> str:
    """The text readability-lxml takes for the article ("" when it finds none)."""
    try:
        from readability import Document

        # It drops hidden elements from the tree it is given: give it a copy.
        summary = Document(copy.deepcopy(tree)).summary(html_partial=True)
        if not summary.strip():
            return ""
        return " ".join(lxml.html.fragment_fromstring(summary, create_parent="div").itertext())
    except Exception:  # noqa: BLE001 - a second opinion is optional
        log.debug("readability found no article", exc_info=True)
        return ""


def _original_subtree(tree: Any, extracted: str) -> str:
    """Markdown of the page's own subtree holding ``extracted`` (trafilatura's text), with its
    clutter cut; readability gives a second opinion where trafilatura took little. "" when
    the text cannot be found in the page."""
    start = tree.find("body")
    if start is None:
        start = tree
    index = TextIndex(tree)
    wanted = len(tokens(extracted))
    matched = index.match(extracted) if wanted >= 3 else []
    root = index.locate(matched, start) if matched else None
    if root is not None and 2 * matched[index.position[start]] < wanted:
        root = None  # most of the extractor's text is not the page's: rewritten, not found
    if root is None or wanted < FEW_TOKENS or index.looks_partial(root):
        second = _readability_text(tree)
        more = len(tokens(second))
        log.debug("second opinion: %d tokens against %d", more, wanted)
        if more > wanted:
            other = index.match(second)
            found = index.locate(other, start)
            if found is not None and (
                root is None
                or (index.contains(found, root) and other[found] * 2 > 3 * index.total[root])
            ):
                log.debug("readability's subtree is taken")
                matched = (
                    other
                    if root is None
                    else [max(a, b) for a, b in zip(matched, other, strict=True)]
                )
                root = found
    if root is None:
        return ""
    core, root = root, index.widen(root, matched)
    kept = matched[root]
    cut = index.clean(root, matched, core)
    markdown = simple_markdown(index.elements[root])
    if 2 * len(tokens(markdown)) < kept - cut.matched:
        return ""  # the converter left out what the extractor found: use the extractor's
    return markdown


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


_IMAGE_LINE = re.compile(r"^!\[[^\n]*\]\([^\s()]*\)$")


def _drop_leading_title(body: str, title: str) -> str:
    """The body without its first heading when that is the title (shown apart). A cover
    image above the headline stays, and then reads as the first line under the title."""
    lead: list[str] = []
    rest = body.lstrip("\n")
    while len(lead) < 2:
        lines = rest.split("\n", 1)
        if not _IMAGE_LINE.match(lines[0].strip()) or len(lines) < 2:
            break
        lead.append(lines[0])
        rest = lines[1].lstrip("\n")
    lines = rest.split("\n", 1)
    first = lines[0].strip()
    if first.startswith("#"):
        heading = clean_line(first.lstrip("#").replace("*", "").replace("\\", ""))
        if heading and heading == clean_line(title.replace("*", "")):
            rest = lines[1].lstrip("\n") if len(lines) > 1 else ""
            return "\n\n".join([*lead, rest]) if lead else rest
    return body
