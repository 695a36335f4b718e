"""lxml plumbing shared by the HTML importer's modules: a parser per thread, element text, tags."""

from __future__ import annotations

import threading
from typing import Any

import lxml.html

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
