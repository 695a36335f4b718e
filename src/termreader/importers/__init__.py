"""Importers: turn files and fetched documents into sanitized Articles. (API stub: being built.)"""

from __future__ import annotations

from pathlib import Path

from termreader.models import Article


def import_path(path: Path | str) -> Article:
    """Import a local file (.md/.markdown, .txt, .html/.htm; others sniffed by content).

    The id derives from the absolute path unless front matter gives a ``url``.
    Raises :class:`termreader.errors.ImportFailed` with a one-line message naming the file.
    """
    raise NotImplementedError


def import_bytes(
    data: bytes,
    *,
    url: str = "",
    content_type: str | None = None,
    filename: str = "",
    source: str = "",
) -> Article:
    """Import a document held in memory (a fetched page, a feed entry body, a file's bytes).

    Decodes like a browser (:mod:`termreader.charset`), sniffs the kind (HTML, Markdown, plain
    text) from ``content_type``, ``filename`` and the content. Raises ImportFailed.
    """
    raise NotImplementedError
