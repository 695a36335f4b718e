"""Markdown to plain text (for ``show --json``'s ``text`` and ``show --format text``)."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt

from termreader.text.mdguard import guard

# Guarded: markdown-it's block quote rule is quadratic on quotes followed by lazy lines (issue 6),
# and ``show`` runs this on any stored body.
_parser = guard(MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough"))


def _inline(token: Any) -> str:
    """The visible text of an inline token: link texts kept, images by their alt text."""
    parts: list[str] = []
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append("\n")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "image":
            alt = "".join(c.content for c in child.children or [] if c.type == "text")
            if alt:
                parts.append(alt)
    return "".join(parts)


def markdown_to_text(markdown: str) -> str:
    """Render Markdown as plain text: headings and paragraphs separated by blank lines, list
    items with ``-`` or their number, code blocks kept verbatim, table cells joined by `` | ``,
    markup (emphasis, link targets, HTML tags) dropped."""
    tokens = _parser.parse(markdown)
    blocks: list[tuple[str, bool]] = []  # (text, joins the previous block without a blank line)
    tight_next = False
    lists: list[list[int | None]] = []  # per open list: [next number or None for bullets]
    quote = 0
    pending_item: str | None = None
    row: list[str] | None = None
    table_lines: list[str] = []

    def emit(text: str, tight: bool = False) -> None:
        nonlocal pending_item
        indent = "  " * max(0, len(lists) - 1)
        prefix = "> " * quote
        lines = text.split("\n")
        if pending_item is not None:
            first = f"{prefix}{indent}{pending_item}{lines[0]}"
            rest_indent = " " * len(pending_item)
            out = [first] + [f"{prefix}{indent}{rest_indent}{line}" for line in lines[1:]]
            pending_item = None
        elif lists:
            out = [f"{prefix}{indent}  {line}" for line in lines]
        else:
            out = [f"{prefix}{line}" for line in lines]
        blocks.append(("\n".join(line.rstrip() for line in out), tight))

    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            emit(_inline(tokens[index + 1]).replace("\n", " "))
        elif kind == "paragraph_open":
            # Tight list items (hidden paragraphs) stay on consecutive lines, except the first
            # item of an outermost list, which is set off from the text before it.
            emit(_inline(tokens[index + 1]), tight=token.hidden and tight_next)
            tight_next = bool(lists)
        elif kind in ("fence", "code_block"):
            emit(token.content.rstrip("\n"))
        elif kind == "bullet_list_open":
            tight_next = bool(lists)
            lists.append([None])
        elif kind == "ordered_list_open":
            tight_next = bool(lists)
            start = token.attrGet("start")
            lists.append([int(start) if start is not None else 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            tight_next = bool(lists)
        elif kind == "list_item_open" and lists:
            counter = lists[-1]
            if counter[0] is None:
                pending_item = "- "
            else:
                pending_item = f"{counter[0]}. "
                counter[0] += 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "tr_open":
            row = []
        elif kind in ("th_open", "td_open") and row is not None:
            row.append(_inline(tokens[index + 1]).replace("\n", " ").strip())
        elif kind == "tr_close" and row is not None:
            table_lines.append(" | ".join(row))
            row = None
        elif kind == "table_close":
            emit("\n".join(table_lines))
            table_lines = []
        elif kind == "html_block":
            continue  # raw HTML is markup, not text
    return _join(blocks).strip("\n") + ("\n" if blocks else "")


def _join(blocks: list[tuple[str, bool]]) -> str:
    out: list[str] = []
    for text, tight in blocks:
        if not text.strip():
            continue
        if out:
            out.append("\n" if tight else "\n\n")
        out.append(text)
    return "".join(out)
