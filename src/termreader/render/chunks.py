"""Markdown cut into chunks that parse the same as the whole, and hostile nesting defused."""

from __future__ import annotations

import re
from collections.abc import Iterator

CHUNK_SIZE = 48_000
"""Target size in characters of one incrementally parsed chunk of source."""

FORCE_CUT_FACTOR = 8
"""A chunk this many times :data:`CHUNK_SIZE` may be cut before a list item (see split_chunks)."""

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RAW_HTML = re.compile(r"^ {0,3}(<(?:script|pre|style|textarea)\b|<\?|<!\[CDATA\[)", re.I)
_RAW_END = {"<?": "?>", "<!": "]]>"}
_LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
# A top-level bullet item with text on its line (not "-" alone, a setext underline).
_BULLET_ITEM = re.compile(r"[-+*][ \t]+\S")


# Hostile nesting: markdown-it stops parsing at its nesting limit and drops the REST of the
# document, so runs of quote or list markers beyond a sane depth are cut (line count unchanged).
_DEEP_QUOTE = re.compile(r"^((?:[ \t]{0,3}>){12})(?:[ \t]{0,3}>)+", re.MULTILINE)
_DEEP_LIST = re.compile(
    r"^((?:[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+){8})(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)+", re.MULTILINE
)


def defuse_nesting(body: str) -> str:
    """Cap quote and list-marker runs at a sane depth (a 10,000-deep quote stays one quote)."""
    if ">>>>>>" in body or ">" * 12 in body.replace(" ", ""):
        body = _DEEP_QUOTE.sub(r"\1", body)
    return _DEEP_LIST.sub(r"\1", body)


def split_chunks(source: str, size: int = CHUNK_SIZE) -> list[tuple[int, str]]:
    """All chunks of :func:`iter_chunks`, as a list."""
    return list(iter_chunks(source, size))


def iter_chunks(source: str, size: int = CHUNK_SIZE) -> Iterator[tuple[int, str]]:
    """Split Markdown into ``(first line, text)`` chunks that parse the same as the whole.

    Lazy: the first chunk is ready after scanning only its own lines.

    Cuts only at a blank line followed by an unindented line that is not a list item, outside
    fenced code, HTML comments and the raw HTML blocks that may hold blank lines (``<pre>``,
    ``<script>``, ``<style>``, ``<textarea>``, ``<?...?>``, ``<![CDATA[...]]>``), so no block is
    cut in two; and, in a giant tight bullet list (:data:`FORCE_CUT_FACTOR`), between two one-line
    items (the chunk then does not end with a newline, and
    :class:`~termreader.render.parser.Builder` continues the list without a blank line).
    """
    if len(source) <= size:
        yield (0, source)
        return
    lines = source.split("\n")
    start = 0
    length = 0
    fence: str | None = None
    raw_end: str | None = None  # inside a raw HTML block (comment, <pre>...): its terminator
    for index, line in enumerate(lines):
        length += len(line) + 1
        match = _FENCE.match(line)
        if fence is not None:
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not line.strip()[len(match.group(1)) :].strip()
            ):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        if raw_end is not None:
            if raw_end in line.lower():
                raw_end = None
            continue
        raw = _RAW_HTML.match(line)
        if raw:
            end = (
                _RAW_END[raw.group(1).lower()[:2]]
                if raw.group(1)[:2] in ("<?", "<!")
                else (f"</{raw.group(1)[1:].lower()}>")
            )
            if end not in line[raw.end() :].lower():
                raw_end = end
                continue
        if "<!--" in line and "-->" not in line.split("<!--")[-1]:
            raw_end = "-->"
            continue
        if (
            length >= size
            and not line.strip()
            and index + 1 < len(lines)
            and lines[index + 1][:1] not in (" ", "\t", "")
            # A list item after a blank line may continue a list (and make it loose): cut there
            # only when a chunk has grown far too big (one giant list), accepting that the list
            # is then drawn as two.
            and (length >= size * FORCE_CUT_FACTOR or not _LIST_ITEM.match(lines[index + 1]))
        ):
            yield (start, "\n".join(lines[start : index + 1]))
            start = index + 1
            length = 0
        elif (
            length >= size * FORCE_CUT_FACTOR
            and index + 1 < len(lines)
            and _BULLET_ITEM.match(line)
            and _BULLET_ITEM.match(lines[index + 1])
            and line[0] == lines[index + 1][0]  # another bullet character starts a new list
        ):
            # Between two one-line items of a giant tight bullet list: without it the whole
            # list is one chunk and the first screen waits for all of it to be parsed.
            # Builder goes on with no blank line between, so the list looks whole (unless a
            # blank line later makes the rest of it loose: then only the rest is drawn loose).
            yield (start, "\n".join(lines[start : index + 1]))
            start = index + 1
            length = 0
    if start < len(lines):
        yield (start, "\n".join(lines[start:]))
