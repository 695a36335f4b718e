"""Render-ready articles: Markdown parsed once into blocks, wrapped by terminal cells, laid out lazily.

The core of the reading pane, free of Textual: :mod:`~termreader.render.document` (blocks, links,
anchors, the cache form, incremental parsing), :mod:`~termreader.render.wrap` (cell wrapping
with CJK line breaking and kinsoku), :mod:`~termreader.render.layout` (lines per width),
:mod:`~termreader.render.find`, :mod:`~termreader.render.paint`,
:mod:`~termreader.render.position` (sections and reading positions at a line) and
:mod:`~termreader.render.pipeline` (the shown article's work between frames).
"""

from __future__ import annotations

from termreader.render.document import DOC_VERSION, Block, Builder, Document, cache_name, parse
from termreader.render.layout import Layout

__all__ = ["DOC_VERSION", "Block", "Builder", "Document", "Layout", "cache_name", "parse"]
