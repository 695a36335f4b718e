"""Importers: turn files and fetched documents into sanitized Articles.

Decisions worth knowing (issue #2, #4, #6):

* Every text field is sanitized (:func:`termreader.text.sanitize.clean` for the body,
  :func:`~termreader.text.sanitize.clean_line` for one-line fields) in ``common.build_article``.
* ``published`` is always timezone-aware. A naive time is the article's local time, guessed
  from its language: zh → UTC+8, ja/ko → UTC+9, anything else UTC. So the seed's
  ``发布时间:2024-04-02 18:01:42`` is ``2024-04-02T18:01:42+08:00``, stable across machines,
  and comparable with every other article's time.
* Markdown front matter that does not parse does not lose the article: the raw block stays at
  the top of the body as a fenced ``yaml``/``toml`` block and the rest imports normally.
* Plain text: the title is shown apart and not repeated in the body; hard-wrapped paragraphs
  are re-joined (CJK without a space), short lines keep their breaks as Markdown hard breaks.
* Limits: :data:`MAX_DOCUMENT_BYTES` per document, 500 links and 500 related entries per
  article; a 10,000-deep HTML or Markdown nesting is parsed in bounded time.
* Failures are :class:`~termreader.errors.ImportFailed` with one line naming the document.
* A feed (RSS, Atom, RSS 1.0, JSON Feed, told by its content) is never an article: it raises
  :class:`~termreader.errors.IsAFeed` so the caller can offer to subscribe instead.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from termreader.errors import ImportFailed, IsAFeed, TermreaderError
from termreader.importers.common import MAX_DOCUMENT_BYTES
from termreader.importers.feedsniff import FEED_NAMES, feed_kind
from termreader.models import DATE_FROM_FILE, Article
from termreader.text.charset import binary_kind, decode
from termreader.text.sanitize import clean_line

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "extract_html",
    "feed_kind",
    "import_bytes",
    "import_path",
    "sniff_kind",
]

_MARKDOWN_EXT = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdtext"})
_TEXT_EXT = frozenset({".txt", ".text"})
_HTML_EXT = frozenset({".html", ".htm", ".xhtml", ".shtml"})
_HTML_START = re.compile(
    r"^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta[\s>]|<title[\s>]|"
    r"<\?xml[^>]*>\s*(?:<!doctype\s+html|<html))",
    re.IGNORECASE,
)
_HTML_ANYWHERE = re.compile(r"<(?:html|body|div|p|article)[\s>]", re.IGNORECASE)
_MARKDOWN_SIGNS = re.compile(
    r"^(?:#{1,6}\s+\S|[-*+]\s+\S|>\s|```|~~~|\d+\.\s+\S|\[[^\]]+\]:\s*\S|---\s*$|\+\+\+\s*$)"
    r"|\[[^\]\n]+\]\([^)\n]+\)|\*\*[^*\n]+\*\*",
    re.MULTILINE,
)


def extract_html(html: str | bytes, url: str = "", **kwargs: object) -> Article:
    """Shortcut to :func:`termreader.importers.html.extract_html` (the page extractor)."""
    from termreader.importers.html import extract_html as _extract

    return _extract(html, url, **kwargs)  # type: ignore[arg-type]


def sniff_kind(text: str, *, content_type: str | None = None, filename: str = "") -> str:
    """Decide "html", "markdown" or "text" from the content type, file name and content.

    A content type or extension that names the kind wins; otherwise the content decides
    (an HTML document start, Markdown syntax, else plain text).
    """
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime in ("text/markdown", "text/x-markdown"):
        return "markdown"
    ext = os.path.splitext(filename)[1].lower()
    if ext in _HTML_EXT:
        return "html"
    if ext in _MARKDOWN_EXT:
        return "markdown"
    if ext in _TEXT_EXT:
        return "text"
    head = text[:4096]
    if _HTML_START.match(head) or (head.lstrip().startswith("<") and _HTML_ANYWHERE.search(head)):
        return "html"
    if len(_MARKDOWN_SIGNS.findall(text[:20000])) >= 2:
        return "markdown"
    return "text"


def _name(filename: str, url: str) -> str:
    return clean_line(filename or url or "document")[:200]


def import_bytes(
    data: bytes,
    *,
    url: str = "",
    content_type: str | None = None,
    filename: str = "",
    source: str = "",
) -> Article:
    """Import a document held in memory (a fetched page, a feed entry body, a file's bytes).

    Decodes like a browser (:mod:`termreader.text.charset`), sniffs the kind (HTML, Markdown, plain
    text) from ``content_type``, ``filename`` and the content. Raises ImportFailed with a
    one-line message naming the document (``filename``, else ``url``).
    """
    return _import(
        data, url=url, content_type=content_type, filename=filename, source=source, path=None
    )


def import_path(path: Path | str) -> Article:
    """Import a local file (.md/.markdown, .txt, .html/.htm; others sniffed by content).

    The id derives from the absolute path unless front matter gives a ``url``.
    Raises :class:`termreader.errors.ImportFailed` with a one-line message naming the file.
    """
    path = Path(path).expanduser()
    try:
        path = path.resolve()
    except (OSError, RuntimeError):
        path = path.absolute()
    name = clean_line(str(path))
    try:
        if path.is_dir():
            raise ImportFailed(f"{name}: is a directory, not an article")
        stat = path.stat()
        size = stat.st_size
        if size > MAX_DOCUMENT_BYTES:
            raise ImportFailed(
                f"{name}: too large ({size // (1024 * 1024)} MB, limit "
                f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB)"
            )
        with path.open("rb") as handle:
            # Read one byte past the cap: a file that grew since stat() is still refused.
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except ImportFailed:
        raise
    except FileNotFoundError:
        raise ImportFailed(f"{name}: no such file") from None
    except PermissionError:
        raise ImportFailed(f"{name}: permission denied") from None
    except OSError as error:
        raise ImportFailed(f"{name}: cannot read ({error.strerror or error})") from None
    article = _import(data, url="", content_type=None, filename=str(path), source="", path=path)
    if article.published is None:
        # An undated file is dated by its modification time (marked as such), not by the
        # moment it was imported, which would sort it above everything written since.
        article.published = datetime.fromtimestamp(stat.st_mtime, UTC)
        article.date_source = DATE_FROM_FILE
    return article


def _import(
    data: bytes,
    *,
    url: str,
    content_type: str | None,
    filename: str,
    source: str,
    path: Path | None,
) -> Article:
    name = _name(filename, url)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ImportFailed(
            f"{name}: too large (over {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB), not imported"
        )
    if not data.strip():
        raise ImportFailed(f"{name}: empty file, not an article")
    kind_of_binary = binary_kind(data)
    if kind_of_binary:
        raise ImportFailed(f"{name}: binary file ({kind_of_binary}), not an article")
    kind_of_feed = feed_kind(data)
    if kind_of_feed:
        # Content, not the name or type: a .rss may be Atom, application/xml may be a page.
        raise IsAFeed(
            f"{name}: {FEED_NAMES[kind_of_feed]}, not an article",
            source=url or filename,
            kind=kind_of_feed,
        )
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime and not (
        mime.startswith("text/")
        or mime in ("application/xhtml+xml", "application/xml", "application/octet-stream", "")
    ):
        raise ImportFailed(f"{name}: {clean_line(mime)[:60]} is not an article type")
    try:
        ext = os.path.splitext(filename)[1].lower()
        looks_markup = (
            ext in _HTML_EXT
            or mime in ("text/html", "application/xhtml+xml")
            or (ext not in _MARKDOWN_EXT | _TEXT_EXT and data.lstrip()[:1] == b"<")
        )
        text, _ = decode(data, content_type=content_type, sniff_markup=looks_markup)
        if not text.strip():
            raise ImportFailed("empty file, not an article")
        kind = sniff_kind(text, content_type=content_type, filename=filename)
        if kind == "html":
            from termreader.importers.html import extract_html as _extract

            return _extract(text, url, path=path, source=source)
        if kind == "markdown":
            from termreader.importers.markdown import import_markdown

            return import_markdown(text, path=path, url=url, source=source)
        from termreader.importers.text import import_text

        return import_text(text, path=path, url=url, source=source)
    except ImportFailed as error:
        message = str(error)
        raise ImportFailed(message if message.startswith(name) else f"{name}: {message}") from None
    except TermreaderError:
        raise
    except RecursionError:
        raise ImportFailed(f"{name}: document nested too deeply") from None
    except Exception as error:  # noqa: BLE001
        # A parser bug on hostile input must still be a one-line error, never a traceback.
        # (The fuzz tests assert this message never appears, so such bugs still get caught.)
        raise ImportFailed(f"{name}: could not be read ({error.__class__.__name__})") from None
