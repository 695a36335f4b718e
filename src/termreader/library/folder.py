"""Importing a folder of articles (``termreader add DIR``): every Markdown, text and HTML file
under it, imported in worker processes and stored in batches."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from termreader.errors import IsAFeed, TermreaderError
from termreader.models import Article

if TYPE_CHECKING:
    from termreader.library.store import Library

log = logging.getLogger(__name__)

SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".txt", ".text", ".html", ".htm"})
"""The files a folder import takes (what the importers read; other files are left alone)."""
BATCH = 500
"""Articles stored per library write."""
POOL_FROM = 64
"""Files from which importing is spread over worker processes (starting them costs more than
a few files take)."""
RENDER_FROM = 64 * 1024
"""Bodies from this size get their render form stored with them; a smaller one parses in a
few milliseconds when it is first opened, and building every form would triple an import."""


@dataclass
class FolderImport:
    """What a folder import did."""

    stored: list[Article] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """One-line reasons, one per file that was not imported."""
    feeds: list[tuple[str, IsAFeed]] = field(default_factory=list)
    """Feed files found (the caller decides what to do with them)."""


def article_files(root: Path) -> Iterator[Path]:
    """The article files under ``root``, recursively, in name order; hidden files and folders
    are skipped, and symbolic links to folders are not followed (no loops)."""
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError as error:
        log.debug("cannot list %s", root, exc_info=error)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from article_files(Path(entry.path))
            elif entry.is_file() and Path(entry.name).suffix.lower() in SUFFIXES:
                yield Path(entry.path)
        except OSError as error:
            log.debug("cannot read %s", entry.path, exc_info=error)


def _import_one(path: Path) -> tuple[Article | None, str | None, IsAFeed | None]:
    """Import one file: (article, None, None), (None, reason, None) or (None, None, feed)."""
    from termreader import importers

    try:
        return importers.import_path(path), None, None
    except IsAFeed as feed:
        return None, None, feed
    except TermreaderError as error:
        return None, str(error), None
    except Exception as error:  # noqa: BLE001 - one bad file must not stop a folder import
        return None, f"{path}: {error}", None


def import_folder(
    library: Library, root: Path, *, progress: Callable[[int, int], None] | None = None
) -> FolderImport:
    """Import every article file under ``root`` into ``library``; ``progress(done, total)``
    is called as files are done. A file that fails is reported, never fatal.

    Raises:
        StoreError: the library could not be written (articles stored before stay).
    """
    from termreader.library.ingest import write_render_cache

    paths = list(article_files(root))
    result = FolderImport()
    batch: list[Article] = []

    def flush() -> None:
        if batch:
            forms = _render_forms(batch)
            stored = library.add_many(batch)
            for article in stored:
                if article.body in forms:
                    write_render_cache(library, article, form=forms[article.body])
            result.stored.extend(stored)
            batch.clear()

    for done, (path, (article, reason, feed)) in enumerate(_imported(paths), 1):
        if article is not None:
            batch.append(article)
        elif feed is not None:
            result.feeds.append((str(path), feed))
        elif reason:
            result.failed.append(reason)
        if len(batch) >= BATCH:
            flush()
        if progress is not None:
            progress(done, len(paths))
    flush()
    return result


def _imported(
    paths: list[Path],
) -> Iterator[tuple[Path, tuple[Article | None, str | None, IsAFeed | None]]]:
    if len(paths) < POOL_FROM or (os.cpu_count() or 1) < 2:
        for path in paths:
            yield path, _import_one(path)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor() as pool:
        yield from zip(paths, pool.map(_import_one, paths, chunksize=32), strict=True)


def _render_forms(articles: list[Article]) -> dict[str, bytes]:
    """Render forms for the big bodies (see :data:`RENDER_FROM`), by body."""
    from termreader.library.ingest import render_form_or_none

    forms: dict[str, bytes] = {}
    for article in articles:
        if len(article.body) >= RENDER_FROM:
            form = render_form_or_none(article.body)
            if form is not None:
                forms[article.body] = form
    return forms
