"""Resolve a link or related entry to what the reader should show: an anchor, a cached article, a fetch."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from termreader.errors import LinkRefused, NotFound, StoreError
from termreader.models import Article, Related
from termreader.web.linkpolicy import check_local_link, check_web_link, scheme_of

log = logging.getLogger(__name__)

TargetKind = Literal["anchor", "article", "fetch", "import", "missing", "refused"]


class LibraryLike(Protocol):
    """The part of :class:`termreader.library.store.Library` resolution needs."""

    def by_url(self, url: str) -> Article | None: ...  # noqa: D102
    def by_title(self, title: str) -> list[Article]: ...  # noqa: D102
    def resolve(self, ref: str) -> Article: ...  # noqa: D102
    def list(self, query: str | None = None, *, unread: bool | None = None) -> list[Article]: ...  # noqa: D102


@dataclass(slots=True)
class Target:
    """Where a link leads.

    Attributes:
        kind: ``anchor`` (scroll within the current article), ``article`` (open ``article``, from the
            library), ``fetch`` (the web page ``url`` must be fetched first), ``import`` (the local
            file ``url`` must be imported first), ``missing`` (a title with no match) or
            ``refused`` (``message`` says why).
        article: The library article (metadata) for ``article``.
        anchor: A fragment to scroll to after opening (or in place, for ``anchor``).
        url: The absolute URL for ``fetch``, the file path for ``import``.
        message: A one-line explanation for ``missing`` and ``refused``.
    """

    kind: TargetKind
    article: Article | None = None
    anchor: str = ""
    url: str = ""
    message: str = ""


_WEB = ("http", "https")


def normalize_title(title: str) -> str:
    """A comparison key for titles: NFKC, case folded, punctuation and whitespace dropped.

    So ``"Hello,  World!"`` and ``"hello world"`` match, as do full-width and half-width forms
    (``"ＡＢＣ（一）"`` and ``"abc(一)"``).
    """
    text = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in text if not _is_noise(ch))


def _is_noise(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in ("P", "Z", "C", "S")


def is_web(url: str) -> bool:
    """True for an absolute http(s) URL (the only kind opened in a browser or fetched)."""
    parts = urlsplit(url)
    return parts.scheme.lower() in _WEB and bool(parts.netloc)


def is_local(url: str) -> bool:
    """True when an article's ``url`` is a local file (a path or a ``file:`` URL)."""
    return (
        bool(url)
        and not is_web(url)
        and (url.startswith(("/", "file:", "~")) or bool(re.match(r"[A-Za-z]:[\\/]", url)))
    )


def resolve_link(url: str, library: LibraryLike, current: Article | None = None) -> Target:
    """Resolve an inline link of ``current`` (relative links are joined with its URL or path).

    Web links pass :func:`termreader.web.linkpolicy.check_web_link`; links of local articles pass
    :func:`termreader.web.linkpolicy.check_local_link` (inside the article's folder only).
    """
    url = url.strip()
    if not url:
        return Target("refused", message="Empty link")
    if url.startswith("#"):
        return Target("anchor", anchor=unquote(url[1:]), article=current)
    base = current.url if current else ""
    scheme = scheme_of(url)
    try:
        if scheme in _WEB or (not scheme and is_web(base)):
            absolute = check_web_link(urljoin(base, url) if not scheme else url)
        elif is_local(base) and (scheme in ("", "file") or re.fullmatch(r"[a-z]", scheme)):
            path = check_local_link(base, url)
            fragment = unquote(urldefrag(url)[1])
            hit = _lookup(library, str(path))
            if hit is not None:
                if current is not None and hit.id == current.id:
                    return Target("anchor", anchor=fragment, article=current)
                return Target("article", article=hit, anchor=fragment)
            if not path.is_file():
                return Target("missing", url=str(path), message=f"No such file: {path.name}")
            return Target("import", url=str(path), anchor=fragment)
        else:
            check_web_link(url)  # raises LinkRefused with the reason
            absolute = url
    except LinkRefused as error:
        return Target("refused", message=f"Link refused: {error}", url=url)
    bare, fragment = urldefrag(absolute)
    fragment = unquote(fragment)
    if current is not None and _same(bare, current.url):
        if fragment:
            return Target("anchor", anchor=fragment, article=current)
        return Target("article", article=current)
    hit = _lookup(library, bare)
    if hit is not None:
        return Target("article", article=hit, anchor=fragment)
    return Target("fetch", url=absolute, anchor=fragment)


def resolve_related(entry: Related, library: LibraryLike, current: Article | None = None) -> Target:
    """Resolve a related entry: by URL when it has one, else by title against the library."""
    if entry.url:
        target = resolve_link(entry.url, library, current)
        if target.kind != "missing":
            return target
    hit = find_by_title(library, entry.title, exclude=current.id if current else None)
    if hit is not None:
        return Target("article", article=hit)
    return Target("missing", message=f"No article titled “{entry.title}” in the library")


def find_by_title(
    library: LibraryLike, title: str, *, exclude: str | None = None
) -> Article | None:
    """The library article titled ``title`` (exact match first, then normalized), or None."""
    try:
        for article in library.by_title(title):
            if article.id != exclude:
                return article
    except StoreError:
        log.debug("title lookup failed for %r", title, exc_info=True)
    key = normalize_title(title)
    if not key:
        return None
    candidates = [a for a in library.list() if a.id != exclude]
    for article in candidates:
        if normalize_title(article.title) == key:
            return article
    # "Title" for "Title: a subtitle" (or the other way round), when exactly one article fits.
    short = normalize_title(main_title(title))
    fits = [a for a in candidates if short and normalize_title(main_title(a.title)) == short]
    return fits[0] if len(fits) == 1 else None


_SUBTITLE = re.compile(r"\s*(?:[:：|｜]|\s[-–—]\s|——)")


def main_title(title: str) -> str:
    """The title before a subtitle separator (``：``, ``:``, ``|``, `` — ``)."""
    return _SUBTITLE.split(title, maxsplit=1)[0]


def is_cached(target: Target) -> bool:
    """Whether following ``target`` works offline."""
    return target.kind in ("anchor", "article")


def _same(a: str, b: str) -> bool:
    return a.rstrip("/") == urldefrag(b)[0].rstrip("/")


def _lookup(library: LibraryLike, url: str) -> Article | None:
    if not url:
        return None
    try:
        hit = library.by_url(url)
    except StoreError:
        log.debug("URL lookup failed for %r", url, exc_info=True)
        hit = None
    if hit is not None:
        return hit
    if is_web(url):
        return None
    try:
        return library.resolve(url)
    except NotFound:
        return None
    except StoreError:
        log.debug("path lookup failed for %r", url, exc_info=True)
        return None
