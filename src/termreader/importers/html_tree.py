"""lxml plumbing shared by the HTML importer's modules: a parser per thread, element text, tags."""

from __future__ import annotations

import re
import threading
from itertools import islice
from typing import Any

import lxml.html
from lxml import etree

from termreader.text.sanitize import clean_line

SKIP_TEXT = frozenset({"script", "style", "noscript", "template", "title", "option", "textarea"})
"""Elements whose text a reader never sees."""

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

_local = threading.local()


def parser() -> lxml.html.HTMLParser:
    """One parser per thread: lxml parser objects must not be shared between threads (sync
    extracts pages in worker threads)."""
    found = getattr(_local, "parser", None)
    if found is None:
        found = lxml.html.HTMLParser(
            collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
        )
        # lxml.html picks each element's class in Python (form, input, label... get their own);
        # nothing here uses those, and a C-level default makes every element proxy cheaper to
        # create, in this module's walks and in the extractors'.
        found.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=lxml.html.HtmlElement,
                comment=lxml.html.HtmlComment,
                pi=lxml.html.HtmlProcessingInstruction,
                entity=lxml.html.HtmlEntity,
            )
        )
        _local.parser = found
    return found


def text_of(element: Any) -> str:
    """The element's text content on one clean line ("" when lxml cannot give it)."""
    try:
        return clean_line(element.text_content())
    except (ValueError, TypeError):
        return ""


def tag_of(element: Any) -> str:
    """The element's lower-case tag name ("" for a comment or processing instruction)."""
    return element.tag.lower() if isinstance(element.tag, str) else ""


# Images that are page furniture, not pictures of the article: logos, avatars, icons, spinners.
_FURNITURE_IMAGE = re.compile(
    r"logo|avatar|icon|emoji|spinner|loading|loader|pixel|badge|sprite|blank\.gif|spacer", re.I
)


def is_content_image(img: Any) -> bool:
    """Whether an ``<img>`` is a picture of the article: it has a source, is not a tracking
    pixel or a small icon, and neither its names nor its source call it a logo or avatar."""
    get = img.get
    if not any(
        (get(attr) or "").strip() for attr in ("src", "data-src", "data-original", "srcset")
    ):
        return False
    for attr in ("width", "height"):
        size = (get(attr) or "").strip().removesuffix("px")
        if size.isdigit() and int(size) <= 64:
            return False
    names = " ".join(get(attr) or "" for attr in ("class", "id", "src", "alt"))
    return _FURNITURE_IMAGE.search(names) is None


#: An image declared at most this many pixels wide and high is an icon, not a picture.
ICON_PIXELS = 32


def icon_sized(img: Any) -> bool:
    """Whether an ``<img>`` declares a size of at most :data:`ICON_PIXELS` both ways (a tracking
    pixel, a channel logo beside a credit line, a file-type icon)."""
    sizes = []
    for attr in ("width", "height"):
        size = (img.get(attr) or "").strip().removesuffix("px")
        if not size.isdigit():
            return False
        sizes.append(int(size))
    return max(sizes) <= ICON_PIXELS


def lead_image(element: Any) -> bool:
    """Whether ``element`` is a picture block (a cover or lead photo): a few elements holding
    a content image, no link and at most a short caption. Bounded: callers ask it of each
    level of a deep nesting."""
    small = list(islice(element.iter(), _PICTURE_BLOCK + 1))
    if len(small) > _PICTURE_BLOCK or any(tag_of(e) == "a" for e in small):
        return False
    if not any(tag_of(e) == "img" and is_content_image(e) for e in small):
        return False
    # Visible text only: a gallery's script data is not a caption.
    shown = 0
    for e in small:
        if tag_of(e) in SKIP_TEXT:
            continue
        shown += len((e.text or "").strip())
        if e is not element and tag_of(e.getparent()) not in SKIP_TEXT:
            shown += len((e.tail or "").strip())
    return shown <= 120


_PICTURE_BLOCK = 24  # elements: a figure, its picture, sources and a caption
