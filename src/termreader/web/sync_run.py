"""One sync run: every source fetched concurrently, feed entries turned into articles, related
pages prefetched; the writes go through a :class:`~termreader.web.sync_writer.SyncWriter`.

Articles fetched only because another article lists them as related carry the tag
:data:`PREFETCHED_TAG`: they read offline and are found by URL, but the reader did not ask for
them, so ``termreader list`` hides them unless given ``--all``.

Fetches overlap on one event loop; feed parsing and page extraction (pure, CPU-bound) run in one
worker thread so the loop stays responsive; every store read and write happens on the loop's
thread, so TinyDB is never touched from two threads.

:class:`SyncRun` is a little over 300 lines: the request slots and the writes are already
elsewhere, and what is left (sources, feed entries, related pages) shares the run's state
(``claimed``, ``seen``, the progress count), so splitting it further would only pass that around.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import html
import logging
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from termreader import importers
from termreader.config import Settings
from termreader.errors import LinkRefused, TermreaderError
from termreader.library.ingest import render_form_or_none
from termreader.library.store import Library
from termreader.models import PREFETCHED_TAG, Article, article_id
from termreader.text.sanitize import clean_line
from termreader.web.feeds import Entry, Feed, parse_feed
from termreader.web.fetch import Fetcher, FetchResult
from termreader.web.limiter import Limiter
from termreader.web.linkpolicy import check_web_link
from termreader.web.sync_writer import (
    HTTP,
    SAVED_URLS,
    SEEN,
    SUBSCRIPTIONS,
    SyncReport,
    SyncWriter,
    import_result,
    with_url,
)

log = logging.getLogger(__name__)

FULL_TEXT_CHARS = 1500
"""Feed content shorter than this (as text) is taken for a summary: the page is fetched instead."""
MAX_NEW_PER_FEED = 200
"""New entries taken from one feed in one sync (a first sync of a huge feed stays bounded)."""

ProgressCallback = Callable[["SyncProgress"], None]
T = TypeVar("T")


@dataclass(slots=True)
class SyncProgress:
    """What a progress display needs after each source or related page: ``done`` of ``total``
    finished (``total`` grows while related links are found)."""

    total: int
    done: int
    source: str = ""
    ok: bool = True
    message: str = ""


_TAG = re.compile(r"<[^>]*>")


def _text_length(fragment: str) -> int:
    return len(" ".join(html.unescape(_TAG.sub(" ", fragment)).split()))


def needs_full_text(entry: Entry) -> bool:
    """True when the feed carries only a summary of the entry, so the page is worth fetching."""
    if not entry.link:
        return False
    if not entry.content_html:
        return True  # only <description>/<summary>: by definition a summary
    return _text_length(entry.content_html) < FULL_TEXT_CHARS


def entry_mark(entry: Entry) -> str:
    """What tells that a feed entry changed since the last sync: ``"DATE HASH"``.

    DATE is the entry's own "updated" time (Atom ``<updated>``, JSON Feed ``date_modified``),
    else its publication date (RSS ``pubDate``); HASH covers the title and the content. A new
    hash always means a change; a new date alone does too (a summary-only feed re-dates an
    entry whose page changed), unless most of the feed was re-dated at once: many feeds are
    rebuilt with every date set to "now" (see :meth:`SyncRun.entries`).
    """
    stamp = entry.updated or entry.published
    digest = hashlib.blake2b(digest_size=12)
    for part in (entry.title, entry.content_html or entry.summary_html):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return f"{stamp.isoformat() if stamp else '-'} {digest.hexdigest()}"


def _same_content(old_mark: str, new_mark: str) -> bool:
    return old_mark.rpartition(" ")[2] == new_mark.rpartition(" ")[2]


def entry_document(entry: Entry, feed: Feed) -> bytes:
    """A small HTML document holding an entry's own content, for the HTML importer."""
    body = entry.content_html or entry.summary_html
    title = html.escape(entry.title or feed.title)
    meta = ""
    if entry.published:
        meta += f'<meta property="article:published_time" content="{entry.published.isoformat()}">'
    if entry.author:
        meta += f'<meta name="author" content="{html.escape(entry.author)}">'
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{meta}</head>'
        f"<body><article><h1>{title}</h1>\n{body}\n</article></body></html>"
    ).encode()


def as_entry(article: Article, entry: Entry, feed: Feed, where: str) -> Article:
    """Give an entry's article the entry's URL (else an id from ``where`` and the entry id),
    title, date and the feed's title as source."""
    if entry.link:
        with_url(article, entry.link)
    else:
        article.url = ""
        article.id = article_id(f"{where}#{entry.id}")
    if entry.title:
        article.title = entry.title
    if entry.published and article.published is None:
        article.published = entry.published
    article.source = feed.title or article.source
    return article


class SyncRun:
    """One sync: shared fetcher, bounded concurrency, progress, and the articles it gathers."""

    def __init__(
        self,
        library: Library,
        settings: Settings,
        fetcher: Fetcher,
        concurrency: int,
        progress: ProgressCallback | None,
    ) -> None:
        self.library = library
        self.settings = settings
        self.fetcher = fetcher
        self.limiter = Limiter(max(1, concurrency), settings.sync_per_host)
        self.progress = progress
        self.report = SyncReport()
        self.writer = SyncWriter(library, self.report)
        self.validators = library.kv_all(HTTP)
        self.seen = library.kv_all(SEEN)
        self.claimed: set[str] = set()  # URLs already taken by this run (entries, related)
        self.fresh: list[Article] = []  # added/updated articles, for related prefetching
        # One worker: extraction is CPU-bound Python, so more threads only fight over the GIL.
        self.workers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="termreader-sync")
        self.total = 0
        self.done = 0
        self.fetched: dict[str, FetchResult] = {}  # results in hand, used once instead of a GET

    # fetching --------------------------------------------------------------------------------
    async def get(self, url: str, *, conditional: bool = False) -> FetchResult:
        ready = self.fetched.pop(url, None)
        if ready is not None:
            return ready
        validators = self.validators.get(url, {}) if conditional else {}
        async with self.limiter.slot(url):
            return await self.fetcher.fetch(
                url, etag=validators.get("etag"), last_modified=validators.get("last_modified")
            )

    async def cpu(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run parsing/extraction in a worker thread: pure functions, no store access.

        The event loop keeps issuing requests meanwhile, and an app running the sync on its
        own loop stays responsive. Store writes never leave the loop thread.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.workers, functools.partial(func, *args, **kwargs))

    async def imported(self, func: Callable[..., Article], *args: Any, **kwargs: Any) -> Article:
        """Import in a worker thread, and prepare the article's render form there too, so the
        writer only writes it (parsing many articles on the loop would hold the fetches up)."""
        article = await self.cpu(func, *args, **kwargs)
        self.writer.keep_form(article.body, await self.cpu(render_form_or_none, article.body))
        return article

    def queue(self, articles: Iterable[Article], status: str) -> None:
        """Hand ``articles`` to the writer; added and updated ones get their related prefetched."""
        articles = list(articles)
        if status in ("added", "updated"):
            self.fresh.extend(articles)
        self.writer.queue(articles, status)

    # sources ---------------------------------------------------------------------------------
    def finished(self, source: str, ok: bool, message: str = "") -> None:
        self.done += 1
        self.tell(source, ok, message)

    def tell(self, source: str = "", ok: bool = True, message: str = "") -> None:
        if self.progress is not None:
            try:
                self.progress(SyncProgress(self.total, self.done, source, ok, message))
            except Exception:  # noqa: BLE001 - a broken display must not break the sync
                log.debug("sync progress not shown", exc_info=True)

    def fail(self, table: str, url: str, record: dict[str, Any], error: TermreaderError) -> None:
        reason = str(error)
        self.report.failed.append((url, reason))
        self.writer.record_source(table, url, record, reason)
        self.finished(url, False, reason)

    def remember_validators(self, url: str, result: FetchResult) -> None:
        if result.etag or result.last_modified:
            value = {"etag": result.etag, "last_modified": result.last_modified}
            if self.validators.get(url) != value:
                self.writer.queue_kv(HTTP, url, value)

    async def feed_source(self, url: str, record: dict[str, Any]) -> None:
        try:
            result = await self.get(url, conditional=True)
            if result.not_modified:
                self.report.unchanged += 1
                self.writer.record_source(SUBSCRIPTIONS, url, record, "")
                self.finished(url, True, "not modified")
                return
            assert result.data is not None
            feed = await self.cpu(parse_feed, result.data, result.url, result.content_type_header)
            added, updated = await self.entries(feed, url)
        except TermreaderError as error:
            self.fail(SUBSCRIPTIONS, url, record, error)
            return
        except Exception as error:  # noqa: BLE001 - one broken source never stops the others
            self.fail(SUBSCRIPTIONS, url, record, _unexpected(error))
            return
        if not added and not updated:
            self.report.unchanged += 1
        self.writer.record_source(SUBSCRIPTIONS, url, record, "", title=feed.title)
        self.remember_validators(url, result)
        self.queue(added, "added")
        self.queue(updated, "updated")
        message = f"{len(added)} new" + (f", {len(updated)} updated" if updated else "")
        self.finished(url, True, message)

    def stored_copy(self, entry: Entry, key: str) -> tuple[str, bool] | None:
        """``(id, prefetched)`` of the library's copy of a feed entry, or None."""
        if entry.link:
            found = self.library.by_url(entry.link)
            return None if found is None else (found.id, PREFETCHED_TAG in found.tags)
        ident = article_id(key)
        return (ident, False) if ident in self.writer.known_ids() else None

    async def entries(self, feed: Feed, source: str) -> tuple[list[Article], list[Article]]:
        """The articles for the feed's new and changed entries: ``(added, updated)``.

        Remembers which entries were taken and each one's :func:`entry_mark`. An entry whose
        mark changed is imported again under the same id (the store keeps its reading state);
        an entry the reader removed from the library stays removed, changed or not.
        """
        record = self.seen.get(source, {})
        seen = set(record.get("keys", []))
        before: dict[str, str] = dict(record.get("marks") or {})
        taken: list[str] = []  # entries of the current feed that are in the library
        marks: dict[str, str] = {}
        # (key, entry, mark, id of the library's copy, "added" or "updated")
        todo: list[tuple[str, Entry, str, str | None, str]] = []
        compared = 0
        # (key, entry, mark, id of the library's copy, only the date changed)
        changed: list[tuple[str, Entry, str, str, bool]] = []
        for entry in feed.entries:
            key = entry.link or f"{feed.url}#{entry.id}"
            mark = entry_mark(entry)
            if key in seen:
                taken.append(key)
                marks[key] = mark
                old = before.get(key)
                # No mark yet (state from before marks existed): this sync sets the baseline.
                if old is None:
                    continue
                compared += 1
                if old == mark or key in self.claimed:
                    continue
                copy = self.stored_copy(entry, key)
                if copy is None:
                    continue  # removed by the reader: a change does not bring it back
                changed.append((key, entry, mark, copy[0], _same_content(old, mark)))
                continue
            if key in self.claimed:
                continue
            copy = self.stored_copy(entry, key)
            if copy is not None and not copy[1]:
                taken.append(key)
                marks[key] = mark
                continue
            if len(todo) >= MAX_NEW_PER_FEED:
                continue
            self.claimed.add(key)
            # A prefetched copy is taken over (same id, reading state kept): the reader follows
            # this feed, so the article joins the library proper and counts as added.
            todo.append((key, entry, mark, copy[0] if copy else None, "added"))
        if sum(1 for c in changed if c[4]) > max(3, compared // 2):
            # Most of the feed re-dated with the same text: a feed rebuilt with fresh dates,
            # not real updates. Only entries whose text changed are taken again.
            changed = [c for c in changed if not c[4]]
        for key, entry, mark, stored_id, _ in changed:
            if len(todo) >= MAX_NEW_PER_FEED:
                marks[key] = before[key]  # taken up by the next sync
                continue
            self.claimed.add(key)
            todo.append((key, entry, mark, stored_id, "updated"))
        results = await asyncio.gather(*(self.entry_article(feed, t[1]) for t in todo))
        added: list[Article] = []
        updated: list[Article] = []
        for (key, _, mark, stored, kind), article in zip(todo, results, strict=True):
            if article is None:
                if kind == "updated":
                    marks[key] = before[key]  # tried again next sync
                continue
            if stored is not None:
                article.id = stored
            if kind == "added":
                taken.append(key)
                marks[key] = mark
                added.append(article)
            elif not self.writer.same_as_stored(article):
                updated.append(article)
        # Only the current feed's entries: the record stays as small as the feed.
        if set(taken) != seen or marks != before:
            self.writer.queue_kv(SEEN, source, {"keys": taken, "marks": marks})
        return added, updated

    async def entry_article(self, feed: Feed, entry: Entry) -> Article | None:
        article: Article | None = None
        if needs_full_text(entry):
            try:
                result = await self.get(entry.link)
                article = await self.imported(import_result, result, source=feed.title)
            except TermreaderError as error:
                self.report.warnings.append((entry.link, str(error)))
            except Exception as error:  # noqa: BLE001 - fall back to the feed's own text
                self.report.warnings.append((entry.link, str(_unexpected(error))))
        if article is None:
            if not (entry.content_html or entry.summary_html or entry.title):
                return None
            try:
                article = await self.imported(
                    importers.import_bytes,
                    entry_document(entry, feed),
                    url=entry.link,
                    content_type="text/html; charset=utf-8",
                    source=feed.title,
                )
            except Exception as error:  # noqa: BLE001 - skip this entry, keep the others
                reason = error if isinstance(error, TermreaderError) else _unexpected(error)
                self.report.warnings.append((entry.link or entry.id, str(reason)))
                return None
        return as_entry(article, entry, feed, feed.url)

    async def saved_source(self, url: str, record: dict[str, Any]) -> None:
        if record.get("stored") and self.library.by_url(url) is None:
            # The reader removed the article: stop refreshing it rather than bring it back.
            self.library.kv_delete(SAVED_URLS, url)
            self.library.kv_delete(HTTP, url)
            self.finished(url, True, "removed from the library; no longer refreshed")
            return
        try:
            result = await self.get(url, conditional=True)
            if result.not_modified:
                self.report.unchanged += 1
                self.writer.record_source(SAVED_URLS, url, record, "")
                self.finished(url, True, "not modified")
                return
            article = with_url(await self.imported(import_result, result), url)
        except TermreaderError as error:
            self.fail(SAVED_URLS, url, record, error)
            return
        except Exception as error:  # noqa: BLE001 - one broken source never stops the others
            self.fail(SAVED_URLS, url, record, _unexpected(error))
            return
        existing = self.library.by_url(url)
        status = "added"
        if existing is not None:
            article.id = existing.id
            status = "unchanged" if self.writer.same_as_stored(article) else "updated"
        self.claimed.add(url)
        self.writer.record_source(
            SAVED_URLS, url, dict(record, stored=True), "", title=article.title
        )
        self.remember_validators(url, result)
        if status == "unchanged":
            self.report.unchanged += 1
        else:
            self.queue([article], status)
        self.finished(url, True, status)

    # related -----------------------------------------------------------------------------------
    async def prefetch_related(self) -> None:
        depth = max(0, int(self.settings.related_depth))
        limit = max(0, int(self.settings.related_limit))
        level = self.fresh
        for _ in range(depth):
            if not level or not limit:
                return
            wanted: list[tuple[str, Article]] = []
            for article in level:
                taken = 0
                for related in article.related:
                    if taken >= limit:
                        break
                    if not related.url:
                        continue
                    try:
                        check_web_link(related.url)
                    except LinkRefused:
                        continue
                    # Stored under the URL as the article writes it (minus the fragment), so
                    # following that very link later finds the cached copy.
                    url = related.url.split("#", 1)[0]
                    if url in self.claimed or self.library.by_url(url) is not None:
                        continue
                    self.claimed.add(url)
                    wanted.append((url, article))
                    taken += 1
            if wanted:
                # The progress total grows as related links are found: done ≤ total throughout.
                self.total += len(wanted)
                self.tell("related links", True, "prefetching")
            fetched = await asyncio.gather(*(self.related_article(u, a) for u, a in wanted))
            level = [a for a in fetched if a is not None]
            self.queue(level, "prefetched")

    async def related_article(self, url: str, parent: Article) -> Article | None:
        try:
            result = await self.get(url)
            article = with_url(
                await self.imported(import_result, result, source=parent.source), url
            )
        except Exception as error:  # noqa: BLE001 - a related page never stops the sync
            reason = str(error if isinstance(error, TermreaderError) else _unexpected(error))
            self.report.warnings.append((url, reason))
            self.finished(url, False, reason)
            return None
        if PREFETCHED_TAG not in article.tags:
            article.tags.append(PREFETCHED_TAG)
        self.finished(url, True, "prefetched")
        return article


def _unexpected(error: Exception) -> TermreaderError:
    """A bug or an unforeseen library error, as a one-line failure of that source only."""
    return TermreaderError(f"unexpected {type(error).__name__}: {clean_line(str(error))[:160]}")
