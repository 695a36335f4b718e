"""Where a sync's results go: fetched pages made into articles, gathered into batches with their
render forms, and written to the library together with the sync's state tables.

State lives in small tables of the library (:meth:`Library.kv_get` and friends):

``subscriptions``: feed URL → ``{title, added, last_sync, last_error}``
``saved_urls``:    page URL → ``{title, added, last_sync, last_error, stored}`` (pages saved by
                   URL; once ``stored``, removing the article from the library ends its refreshes)
``http``:          URL → ``{etag, last_modified}`` (validators for conditional GETs)
``feed_entries``:  feed URL → ``{keys, marks}``: the entries of the feed already taken, so an
                   article the reader removed does not come back when the feed changes, and each
                   one's :func:`~termreader.web.sync_run.entry_mark`, so an entry the feed
                   changes is imported again
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from termreader import importers
from termreader.errors import TermreaderError
from termreader.library.ingest import store_articles
from termreader.library.store import Library
from termreader.models import Article, article_id, now
from termreader.text.sanitize import clean_line
from termreader.web.fetch import FetchResult

SUBSCRIPTIONS = "subscriptions"
SAVED_URLS = "saved_urls"
HTTP = "http"
SEEN = "feed_entries"

BATCH = 50
"""Articles gathered before one :meth:`Library.add_many` (one index write)."""


@dataclass(slots=True)
class SyncReport:
    """The summary of a sync.

    Attributes:
        added: Articles new to the library (feed entries and first fetches of saved URLs).
        updated: Articles fetched again whose content changed.
        unchanged: Sources that answered 304 Not Modified or brought nothing new.
        failed: ``(source, reason)`` per source that failed; reasons are one line.
        prefetched: Related articles fetched so their links work offline.
        warnings: ``(url, reason)`` for entries and related links that could not be fetched
            (the entry was then kept from the feed's own text when it had any).
        articles: ``{id, title, source, status}`` of every added or updated article.
        sources: How many sources were refreshed.
        requests: HTTP requests made (redirect hops included).
        elapsed: Seconds the sync took.
        pruned: Articles pruned after the sync (the ``keep_days`` setting).
    """

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    prefetched: int = 0
    warnings: list[tuple[str, str]] = field(default_factory=list)
    articles: list[dict[str, str]] = field(default_factory=list)
    sources: int = 0
    requests: int = 0
    elapsed: float = 0.0
    pruned: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``sync --json``."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"source": s, "reason": r} for s, r in self.failed],
            "prefetched": self.prefetched,
            "warnings": [{"url": u, "reason": r} for u, r in self.warnings],
            "articles": list(self.articles),
            "sources": self.sources,
            "requests": self.requests,
            "elapsed": round(self.elapsed, 3),
            "pruned": self.pruned,
        }

    def summary(self) -> str:
        """One line for the terminal."""
        text = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed"
        )
        if self.prefetched:
            text += f", {self.prefetched} related prefetched"
        if self.pruned:
            text += f", {self.pruned} old pruned"
        return text


def import_result(result: FetchResult, *, source: str = "") -> Article:
    """Turn a fetched page into an article (the importers decode and extract)."""
    assert result.data is not None
    return importers.import_bytes(
        result.data, url=result.url, content_type=result.content_type_header, source=source
    )


def with_url(article: Article, url: str) -> Article:
    """Key the article by the URL we know it by (the entry link, not the redirect target)."""
    url = clean_line(url)
    if url and article.url != url:
        article.url = url
        article.id = article_id(url)
    return article


class SyncWriter:
    """The writes of one sync: articles and state records queued, then stored in batches.

    Every method runs on the event loop's thread, so the store is never touched from two threads.
    """

    def __init__(self, library: Library, report: SyncReport) -> None:
        self.library = library
        self.report = report
        self.pending: list[Article] = []
        self.forms: dict[str, bytes] = {}  # body -> render form, prepared off the loop
        self.pending_kv: dict[str, dict[str, dict[str, Any]]] = {}
        self.store_failed = False
        self._ids: set[str] | None = None

    # what the library holds ------------------------------------------------------------------
    def known_ids(self) -> set[str]:
        """The ids in the library when first asked (read once per sync)."""
        if self._ids is None:
            self._ids = _ids(self.library)
        return self._ids

    def same_as_stored(self, article: Article) -> bool:
        """True when the library holds ``article`` already with this title and body."""
        try:
            old = self.library.get(article.id)
        except TermreaderError:
            return False
        return old.body == article.body and old.title == article.title

    # queueing --------------------------------------------------------------------------------
    def keep_form(self, body: str, form: bytes | None) -> None:
        """Remember the render form prepared for ``body``, so :meth:`flush` only writes it."""
        if form is not None:
            self.forms[body] = form

    def queue_kv(self, table: str, key: str, value: dict[str, Any]) -> None:
        self.pending_kv.setdefault(table, {})[key] = value

    def queue(self, articles: Iterable[Article], status: str) -> None:
        """Count ``articles`` in the report under ``status`` and store them with the next batch."""
        for article in articles:
            self.pending.append(article)
            if status == "added":
                self.report.added += 1
            elif status == "updated":
                self.report.updated += 1
            elif status == "prefetched":
                self.report.prefetched += 1
            self.report.articles.append(
                {
                    "id": article.id,
                    "title": article.title,
                    "source": article.source,
                    "status": status,
                }
            )
        if len(self.pending) >= BATCH:
            self.flush()

    def record_source(
        self, table: str, url: str, record: dict[str, Any], error: str, title: str = ""
    ) -> None:
        """Queue a source's record with this sync's time and outcome."""
        record = dict(record)
        record["last_sync"] = now().isoformat()
        record["last_error"] = error
        if title:
            record["title"] = title
        self.queue_kv(table, url, record)

    # writing ---------------------------------------------------------------------------------
    def flush(self) -> None:
        """Store pending articles, then the validators and source records that vouch for them.

        Validators are written after the articles: a crash in between costs a re-download next
        time, never a 304 for entries that were not stored.
        """
        if self.store_failed:
            return  # never write validators for articles that did not make it to the store
        if self.pending:
            try:
                store_articles(self.library, self.pending, forms=self.forms)
            except BaseException:
                self.store_failed = True
                raise
            self.pending = []
            self.forms = {}
        kv, self.pending_kv = self.pending_kv, {}
        for table, values in kv.items():
            self.library.kv_put_many(table, values)


def _ids(library: Library) -> set[str]:
    return set(library.ids())
