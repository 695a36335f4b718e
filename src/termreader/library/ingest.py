"""Store imported articles together with their render-ready form, so opening one parses nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from termreader.models import Article

if TYPE_CHECKING:
    from termreader.library.store import Library

log = logging.getLogger(__name__)

DEFAULT_WIDTHS: tuple[int, ...] = (100,)
"""Column widths whose line counts are saved with the render form: the default reading width
(``Settings.reading_width``), which is the column on any terminal wider than about 146 cells.
Other widths are estimated at once and wrapped lazily by the reader (see ``render.layout``)."""


def render_form(body: str, widths: Sequence[int] = DEFAULT_WIDTHS) -> bytes:
    """The render cache of ``body``: its parsed blocks, outline, links, size hints and line
    counts at ``widths`` (``render.codec.to_bytes``), tagged with the body's fingerprint."""
    # The renderer (markdown-it and friends) loads only when something is imported.
    from termreader.render.codec import to_bytes
    from termreader.render.layout import Layout
    from termreader.render.parser import parse

    document = parse(body)
    for width in widths:
        Layout(document, width)  # records the line counts in document.heights
    return to_bytes(document)


def render_form_or_none(body: str) -> bytes | None:
    """:func:`render_form`, or None when it cannot be made (the reader then parses the body)."""
    try:
        return render_form(body)
    except Exception as error:  # noqa: BLE001 - a cache must never make an import fail
        log.warning("render form not made: %s", error)
        return None


def write_render_cache(
    library: Library,
    article: Article,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    *,
    form: bytes | None = None,
) -> bool:
    """Store ``article``'s render form (``form`` when the caller prepared it, else parsed here)
    under the name the reader reads.

    The cache is disposable: any failure is logged and reported as False, never raised (the
    reader then parses the body itself). A form written for an older body is never shown: the
    reader checks the body fingerprint stored in it, and this call overwrites it anyway.
    """
    from termreader.render.codec import cache_name

    try:
        data = form if form is not None else render_form(article.body, widths)
        library.write_cache(article.id, cache_name(), data)
    except Exception as error:  # noqa: BLE001 - a cache must never make an import fail
        log.warning("render cache for %s not written: %s", article.id, error)
        return False
    return True


def store_article(library: Library, article: Article, *, form: bytes | None = None) -> Article:
    """Add ``article`` to ``library`` (see ``Library.add``) and write its render form (``form``
    when the caller prepared it already, else parsed here).

    Returns the stored article. Raises what ``Library.add`` raises (StoreError).
    """
    stored = library.add(article)
    write_render_cache(library, stored, form=form)
    return stored


def store_articles(
    library: Library, articles: Iterable[Article], *, forms: Mapping[str, bytes] | None = None
) -> list[Article]:
    """Add many articles at once (one index write, ``Library.add_many``) with their render forms.

    ``forms`` maps a body to its render form when the caller prepared it already (sync does, in
    its worker threads); other bodies are parsed here. Returns the stored articles. Raises what
    ``Library.add_many`` raises (StoreError).
    """
    stored = library.add_many(articles)
    for article in stored:
        write_render_cache(library, article, form=forms.get(article.body) if forms else None)
    return stored


__all__ = [
    "DEFAULT_WIDTHS",
    "render_form",
    "render_form_or_none",
    "store_article",
    "store_articles",
    "write_render_cache",
]
