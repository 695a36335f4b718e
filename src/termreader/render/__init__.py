"""Render-ready articles: Markdown parsed once into blocks, wrapped by terminal cells, laid out lazily.

The core of the reading pane, free of Textual: :mod:`~termreader.render.model` (blocks, links,
anchors), :mod:`~termreader.render.codec` (the cache form, decoded lazily),
:mod:`~termreader.render.parser` and :mod:`~termreader.render.chunks` (incremental parsing),
:mod:`~termreader.render.wrap` (cell wrapping with CJK line breaking and kinsoku),
:mod:`~termreader.render.layout` (lines per width), :mod:`~termreader.render.find`,
:mod:`~termreader.render.paint`, :mod:`~termreader.render.position` (sections and reading
positions at a line) and :mod:`~termreader.render.pipeline` (the shown article's work between
frames).
"""

from __future__ import annotations

from termreader.render.codec import cache_name
from termreader.render.layout import Layout
from termreader.render.model import DOC_VERSION, Block, Document
from termreader.render.parser import Builder, parse

__all__ = ["DOC_VERSION", "Block", "Builder", "Document", "Layout", "cache_name", "parse"]
