"""What is shown after an article's body without being part of it: its related list.

The section is built as blocks and appended to the document once it is whole
(:meth:`~termreader.render.model.Document.add_appendix`); the body in the library and its cached
render form stay as they are. Each entry is a numbered link (followed like any other) with the
mark the caller gives it (in the library, can be fetched, not found).
"""

from __future__ import annotations

from collections.abc import Sequence

from termreader.models import Link
from termreader.render.lines import block_height
from termreader.render.model import HEADING, PARAGRAPH, Block, Document
from termreader.text.sanitize import clean_line
from termreader.text.slug import slugify

HEADINGS = {"zh": "相关内容", "ja": "関連記事", "ko": "관련 글"}
"""The section's title by the article's language (``Related`` otherwise)."""

ENTRY_INDENT = 2
"""Cells before an entry's title: its mark, then a space."""


def heading_for(language: str, title: str = "") -> str:
    """The section title for an article in ``language`` (the title's script when unknown)."""
    code = language.lower().split("-")[0]
    if code in HEADINGS:
        return HEADINGS[code]
    if not code and any("\u4e00" <= char <= "\u9fff" for char in title):
        return HEADINGS["zh"]
    return "Related"


def related_blocks(
    document: Document, heading: str, entries: Sequence[tuple[str, str, str]]
) -> tuple[list[Block], list[Link]]:
    """The related section for ``document``: a heading, then one line per ``(mark, title,
    url)`` entry, its title a link numbered after the body's links."""
    line = (document.source_lines[-1] + 1) if document.source_lines else 0
    level = document.top_level() if document.headings else 2
    anchor = base = slugify(heading)
    suffix = 0
    while anchor in document.anchors:
        suffix += 1
        anchor = f"{base}-{suffix}"
    blocks = [Block(HEADING, line, level=level, anchor=anchor, spans=[(heading, f"h{level}")])]
    links: list[Link] = []
    number = len(document.links)
    for index, (mark, title, url) in enumerate(entries):
        number += 1
        title = clean_line(title) or clean_line(url) or "(untitled)"
        links.append(Link(title=title, url=clean_line(url)))
        spans = [(title, f"link:{number}"), (f"[{number}]", f"linknum:{number}")]
        blocks.append(
            Block(
                PARAGRAPH,
                line + 1 + index,
                gap=0 if index else 1,
                indent=ENTRY_INDENT,
                prefix=f"{clean_line(mark)} ",
                spans=spans,
            )
        )
    return blocks, links


def append(document: Document, blocks: Sequence[Block], links: Sequence[Link]) -> bool:
    """Append the section to ``document`` (see :meth:`Document.add_appendix`), extending the
    heights saved per width so a layout at such a width still needs no wrapping."""
    before = len(document.blocks)
    if not document.add_appendix(blocks, links):
        return False
    for width, heights in list(document.heights.items()):
        if len(heights) == before:
            heights.extend(block.gap + block_height(block, width) for block in blocks)
    return True
