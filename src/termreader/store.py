"""The library store: TinyDB index + reading state, article bodies beside it. (API stub: being built.)

Layout of a library folder::

    library.json        TinyDB index: one record per article (metadata, no body) + other tables
    library.lock        file lock guarding every write
    articles/<id>.json.gz   the body (and anything else large) of one article
    cache/<id>.<name>   render-ready caches (written by the reader; disposable)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from termreader.models import Article, Position


class Library:
    """A library folder. Safe for two processes at once; every write is atomic."""

    notices: list[str]
    """One-line messages for the user gathered while opening (e.g. an index moved aside)."""

    def __init__(self, home: Path) -> None:
        raise NotImplementedError

    @classmethod
    def open(cls, home: Path | str | None = None, *, seed_samples: bool = True) -> Library:
        """Open (creating if needed) the library at ``home`` (default: locations.library_dir()).

        On first start of an empty library, imports ``sample_articles/`` when ``seed_samples``.
        A corrupt index is moved aside (notice added) and rebuilt from the article files.
        """
        raise NotImplementedError

    # articles -------------------------------------------------------------------------------
    def add(self, article: Article) -> Article:
        """Insert or replace an article (body file first, then index). Keeps the reading state of
        an existing article with the same id. Returns the stored article."""
        raise NotImplementedError

    def add_many(self, articles: Iterable[Article]) -> list[Article]:
        """Like :meth:`add` for many, with one index write."""
        raise NotImplementedError

    def get(self, article_id: str) -> Article:
        """The whole article, body included. Raises NotFound / StoreError (bad body file)."""
        raise NotImplementedError

    def meta(self, article_id: str) -> Article:
        """The article without its body (``body == ""``). Raises NotFound."""
        raise NotImplementedError

    def list(self, query: str | None = None, *, unread: bool | None = None) -> list[Article]:
        """Metadata of the articles, newest first (published, else fetched). ``query`` matches
        title, source and tags case-insensitively."""
        raise NotImplementedError

    def remove(self, article_id: str) -> None:
        """Remove an article and its files. Raises NotFound."""
        raise NotImplementedError

    def resolve(self, ref: str) -> Article:
        """Find an article by id, id prefix (unique), URL, or file path. Raises NotFound."""
        raise NotImplementedError

    def by_url(self, url: str) -> Article | None:
        """The article with this URL (normalized: no fragment), or None."""
        raise NotImplementedError

    def by_title(self, title: str) -> list[Article]:
        """Articles whose title equals ``title`` (whitespace/case folded), best first."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    # reading state: cheap, whatever the library size ------------------------------------------
    def set_position(self, article_id: str, position: Position) -> None:
        raise NotImplementedError

    def set_unread(self, article_id: str, unread: bool) -> None:
        raise NotImplementedError

    def set_finished(self, article_id: str, finished: bool = True) -> None:
        raise NotImplementedError

    # caches and small tables -------------------------------------------------------------------
    def read_cache(self, article_id: str, name: str) -> bytes | None:
        """A disposable cache blob (e.g. the render-ready form), or None."""
        raise NotImplementedError

    def write_cache(self, article_id: str, name: str, data: bytes) -> None:
        raise NotImplementedError

    def kv_get(self, table: str, key: str) -> dict[str, Any] | None:
        """A record of a small named table (subscriptions, HTTP validators...)."""
        raise NotImplementedError

    def kv_put(self, table: str, key: str, value: dict[str, Any]) -> None:
        raise NotImplementedError

    def kv_delete(self, table: str, key: str) -> None:
        raise NotImplementedError

    def kv_all(self, table: str) -> dict[str, dict[str, Any]]:
        raise NotImplementedError
