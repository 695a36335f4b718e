"""Sample articles: imported into a library on its first start, so a new user has something to read."""

from __future__ import annotations

from pathlib import Path

from termreader import locations
from termreader.errors import StoreError
from termreader.library.store import Library
from termreader.models import Article, iso, now


def seed_samples(library: Library) -> None:
    """Import the sample articles (``locations.sample_articles_dir()``) into ``library`` unless
    it holds articles or was seeded before (removed samples stay removed).

    Never raises: a sample that does not import, or a library that cannot be written, adds a
    line to ``library.notices`` instead.
    """
    if library.kv_get("meta", "seeded") is not None or library.counts(estimate=True)[0]:
        return
    # Late: the importers and the renderer (through ingest) load only on a first start, not
    # each time a seeded library is opened.
    from termreader import importers
    from termreader.library.ingest import store_articles

    folder = locations.sample_articles_dir()
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    articles: list[Article] = []
    for path in files:
        if path.name.startswith(".") or path.name.lower() in ("readme.md", "license"):
            continue
        try:
            articles.append(importers.import_path(path))
        except Exception as error:  # a bad sample must not stop the app from starting
            library.notices.append(f"sample {path.name} not imported: {error}")
    try:
        if articles:
            # The samples open without parsing, like any imported article.
            store_articles(library, articles)
        library.kv_put("meta", "seeded", {"at": iso(now()), "count": len(articles)})
    except StoreError as error:
        library.notices.append(f"sample articles not imported: {error}")


def open_seeded(home: Path | str | None = None, *, lazy: bool = False) -> Library:
    """:meth:`Library.open` (``lazy`` as there), then :func:`seed_samples`: what the app does
    when it starts.

    Raises:
        StoreError: the library cannot be opened.
    """
    library = Library.open(home, lazy=lazy)
    seed_samples(library)
    return library
