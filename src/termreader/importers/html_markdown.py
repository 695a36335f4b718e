"""A plain HTML -> Markdown conversion of an lxml tree (fragments, and pages the extractor finds
nothing in)."""

from __future__ import annotations

import re
from typing import Any

from termreader.importers.common import escape_inline
from termreader.importers.html_tree import HEADINGS, tag_of, text_of

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
# <br> survives whitespace folding as NUL (the parser never sees one: the importer drops it
# with the other characters XML forbids).
_BR = "\x00"


def _fold(text: str) -> str:
    """Fold whitespace like a browser; <br> becomes a Markdown hard break."""
    folded = " ".join(text.split())
    if _BR not in folded:
        return folded
    # Breaks at either end of a block would leave a dangling backslash.
    return re.sub(r" ?\x00 ?", "\\\n", folded.strip(_BR + " "))


def simple_markdown(tree: Any) -> str:
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


def _render_blocks(element: Any, out: list[str], depth: int) -> None:
    """Append the Markdown blocks of ``element``'s content to ``out``."""
    pending: list[str] = [escape_inline(element.text or "")]

    def flush() -> None:
        text = _fold("".join(pending))
        if text:
            out.append(text)
        pending.clear()

    for child in element:
        tag = tag_of(child)
        if tag in _DROP_TAGS or (not tag and child.tail is None):
            pass
        elif depth >= MAX_CONVERT_DEPTH:
            pending.append(escape_inline(text_of(child)) + " ")
        elif tag in _BLOCK_TAGS:
            flush()
            _render_block(child, tag, out, depth + 1)
        elif tag:
            pending.append(_render_inline(child, depth + 1))
        pending.append(escape_inline(child.tail or ""))
    flush()


def _render_block(element: Any, tag: str, out: list[str], depth: int) -> None:
    if tag in HEADINGS:
        text = " ".join(_render_inline_content(element, depth).replace(_BR, " ").split())
        if text.endswith("#"):
            stripped = text.rstrip("#")
            text = stripped + "\\#" * (len(text) - len(stripped))
        if text:
            out.append("#" * int(tag[1]) + " " + text)
    elif tag in ("ul", "ol"):
        number = 0
        for item in element:
            if tag_of(item) != "li":
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
            if tag_of(c) in ("td", "th")
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
        if depth < MAX_CONVERT_DEPTH and tag_of(child) not in _DROP_TAGS:
            parts.append(_render_inline(child, depth + 1))
        elif tag_of(child) not in _DROP_TAGS:
            parts.append(escape_inline(text_of(child)))
        parts.append(escape_inline(child.tail or ""))
    return "".join(parts)


def _render_inline(element: Any, depth: int) -> str:
    tag = tag_of(element)
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
