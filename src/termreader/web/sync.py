"""Subscriptions, saved URLs and ``sync``: refresh every source concurrently for offline reading.

This module is the API (the CLI and the app call it); one sync is a
:class:`~termreader.web.sync_run.SyncRun`, whose writes go through a
:class:`~termreader.web.sync_writer.SyncWriter` (which also describes the state tables kept in
the library), with request slots from :class:`~termreader.web.limiter.Limiter`.

Fetches overlap on one event loop; feed parsing and page extraction (pure, CPU-bound) run in one
worker thread so the loop stays responsive; every store read and write happens on the loop's
thread, so TinyDB is never touched from two threads. In the app, run :func:`sync` as an async
worker on the app's own loop (``@work(exclusive=True)`` on a coroutine, not ``thread=True``),
passing a ``progress`` callback; the CLI uses :func:`sync_blocking`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass

from termreader.config import Settings
from termreader.errors import FetchError, ImportFailed, IsAFeed, LinkRefused
from termreader.library.ingest import store_article, store_articles
from termreader.library.store import Library
from termreader.models import Article, now
from termreader.text.sanitize import clean_line
from termreader.web.feeds import Feed, discover_feeds, parse_feed
from termreader.web.fetch import Fetcher, FetchResult
from termreader.web.linkpolicy import check_web_link
from termreader.web.sync_run import (
    MAX_NEW_PER_FEED,
    ProgressCallback,
    SyncProgress,
    SyncRun,
    as_entry,
    entry_document,
)
from termreader.web.sync_writer import (
    HTTP,
    SAVED_URLS,
    SEEN,
    SUBSCRIPTIONS,
    SyncReport,
    import_result,
    with_url,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Subscription:
    """A feed the user follows."""

    url: str
    title: str = ""
    added: str = ""
    last_sync: str = ""
    last_error: str = ""


# --- subscriptions --------------------------------------------------------------------------------
def subscriptions(library: Library) -> list[Subscription]:
    """Every subscription, by title."""
    items = [
        Subscription(
            url=url,
            title=str(rec.get("title", "")),
            added=str(rec.get("added", "")),
            last_sync=str(rec.get("last_sync", "") or ""),
            last_error=str(rec.get("last_error", "") or ""),
        )
        for url, rec in library.kv_all(SUBSCRIPTIONS).items()
    ]
    return sorted(items, key=lambda s: (s.title.casefold(), s.url))


def add_subscription(library: Library, url: str, title: str = "") -> Subscription:
    """Record a subscription without fetching (OPML import). Keeps an existing record's state."""
    url = check_web_link(url).split("#", 1)[0]
    record = library.kv_get(SUBSCRIPTIONS, url) or {"added": now().isoformat()}
    if title or not record.get("title"):
        record["title"] = clean_line(title)[:300] or record.get("title", "")
    library.kv_put(SUBSCRIPTIONS, url, record)
    return Subscription(url=url, title=record.get("title", ""), added=record.get("added", ""))


def unsubscribe(library: Library, url: str) -> bool:
    """Forget a subscription (and its HTTP validators). False when there was none.

    Articles already synced stay in the library.
    """
    table = library.kv_all(SUBSCRIPTIONS)
    key = url if url in table else None
    if key is None:
        try:
            normal = check_web_link(url).split("#", 1)[0]
        except LinkRefused:
            return False
        key = normal if normal in table else None
    if key is None:
        return False
    library.kv_delete(SUBSCRIPTIONS, key)
    library.kv_delete(HTTP, key)
    library.kv_delete(SEEN, key)
    return True


async def find_feed(fetcher: Fetcher, url: str) -> tuple[str, Feed]:
    """Fetch ``url``; return ``(feed_url, feed)`` whether it is a feed or a page advertising one.

    Raises:
        ImportFailed: neither a feed nor a page that advertises one.
        FetchError / LinkRefused: the fetch failed.
    """
    feed_url, feed, _ = await _find_feed(fetcher, url)
    return feed_url, feed


async def _find_feed(
    fetcher: Fetcher, url: str, fetched: FetchResult | None = None
) -> tuple[str, Feed, FetchResult]:
    """:func:`find_feed`, also returning the feed's fetch result; ``fetched`` is ``url``'s
    result when the caller already has it (it is not fetched again)."""
    result = fetched if fetched is not None and fetched.data is not None else None
    if result is None:
        result = await fetcher.fetch(url)
    assert result.data is not None
    try:
        return (
            result.url,
            parse_feed(result.data, result.url, result.content_type_header),
            result,
        )
    except ImportFailed as not_a_feed:
        candidates = discover_feeds(_text(result), result.url)
        if not candidates:
            raise ImportFailed(f"no feed found at {clean_line(url)}: {not_a_feed}") from None
    errors: list[str] = []
    for candidate in candidates[:5]:
        try:
            found = await fetcher.fetch(candidate)
            assert found.data is not None
            return found.url, parse_feed(found.data, found.url, found.content_type_header), found
        except (FetchError, ImportFailed, LinkRefused) as error:
            errors.append(f"{candidate}: {error}")
    raise ImportFailed(f"the feeds {clean_line(url)} advertises failed: {'; '.join(errors)}")


def _text(result: FetchResult) -> str:
    assert result.data is not None
    try:
        from termreader.text.charset import decode

        return decode(result.data, content_type=result.content_type_header)[0]
    except ImportFailed:  # binary: discovery only needs whatever text the <head> has
        log.debug("page not decoded for feed discovery", exc_info=True)
        return result.data.decode("utf-8", "replace")


async def subscribe(
    library: Library,
    url: str,
    *,
    settings: Settings | None = None,
    fetcher: Fetcher | None = None,
) -> Subscription:
    """Subscribe to a feed URL, or to the feed a page advertises. Nothing is synced yet."""
    async with _fetcher(fetcher, settings) as active:
        feed_url, feed = await find_feed(active, url)
    return add_subscription(library, feed_url, feed.title)


def subscribe_sync(library: Library, url: str, *, settings: Settings | None = None) -> Subscription:
    """:func:`subscribe` for synchronous callers (the CLI)."""
    return asyncio.run(subscribe(library, url, settings=settings))


class _fetcher:
    """Use the caller's fetcher, or open (and close) our own."""

    def __init__(
        self, fetcher: Fetcher | None, settings: Settings | None, connections: int = 0
    ) -> None:
        self.given = fetcher
        self.settings = settings
        self.connections = connections
        self.own: Fetcher | None = None

    async def __aenter__(self) -> Fetcher:
        if self.given is not None:
            return self.given
        if self.connections > 20:
            # A pool smaller than the sync's concurrency would quietly cap it.
            self.own = Fetcher(self.settings, max_connections=self.connections)
        else:
            self.own = Fetcher(self.settings)
        return self.own

    async def __aexit__(self, *exc: object) -> None:
        if self.own is not None:
            await self.own.aclose()


# --- saving one page ------------------------------------------------------------------------------
async def save_url(
    library: Library,
    url: str,
    *,
    settings: Settings | None = None,
    fetcher: Fetcher | None = None,
) -> Article:
    """Fetch a page, store it, and remember it as a saved URL that ``sync`` refreshes.

    Used by ``termreader add URL``. The article and the saved URL are keyed by the final URL
    after redirects (what the importer sees), so the next sync refreshes that very article
    rather than storing a second copy; saving a prefetched article takes its
    :data:`~termreader.models.PREFETCHED_TAG` off.
    """
    url = check_web_link(url).split("#", 1)[0]
    async with _fetcher(fetcher, settings) as active:
        result = await active.fetch(url)
    try:
        article = import_result(result)
    except IsAFeed as feed:
        feed.fetched = result  # subscribing reuses these bytes
        raise
    return store_page(library, url, result, article)


def store_page(
    library: Library,
    url: str,
    result: FetchResult,
    article: Article,
    *,
    form: bytes | None = None,
    article_id: str | None = None,
    remember: bool = True,
) -> Article:
    """Store a fetched page's article (the second half of :func:`save_url`, for callers that
    fetch and import on their own, as the reader does in a worker).

    Args:
        library: Where to store it.
        url: The URL asked for (the article is keyed by the final one, see :func:`save_url`).
        result: The fetch's result (its validators are kept for the next sync).
        article: The imported page.
        form: Its render form when the caller made it already (else it is made here).
        article_id: Store it under this id (a page fetched again keeps its place).
        remember: Record it as a saved URL that ``sync`` refreshes; else only a URL saved
            already has its record updated.
    """
    url = clean_line(article.url or result.url).split("#", 1)[0] or url
    article = with_url(article, url)
    existing = library.by_url(url) if article_id is None else None
    if article_id is not None:
        article.id = article_id
    elif existing is not None:
        article.id = existing.id
    stored = store_article(library, article, form=form)
    previous = library.kv_get(SAVED_URLS, url)
    if remember or previous is not None:
        stamp = now().isoformat()
        library.kv_put(
            SAVED_URLS,
            url,
            {
                "title": stored.title,
                "added": (previous or {}).get("added") or stamp,
                "last_sync": stamp,
                "last_error": "",
                "stored": True,
            },
        )
    _put_validators(library, url, result)
    return stored


def save_url_sync(library: Library, url: str, *, settings: Settings | None = None) -> Article:
    """:func:`save_url` for synchronous callers (the CLI's ``add URL``)."""
    return asyncio.run(save_url(library, url, settings=settings))


def _put_validators(library: Library, url: str, result: FetchResult) -> None:
    if result.etag or result.last_modified:
        library.kv_put(HTTP, url, {"etag": result.etag, "last_modified": result.last_modified})


# --- sync -------------------------------------------------------------------------------------------
async def sync(
    library: Library,
    settings: Settings | None = None,
    *,
    fetcher: Fetcher | None = None,
    progress: ProgressCallback | None = None,
    concurrency: int | None = None,
    only: tuple[str, ...] | None = None,
    fetched: dict[str, FetchResult] | None = None,
) -> SyncReport:
    """Refresh every subscription and saved URL concurrently; prefetch related articles.

    Args:
        library: Where articles and sync state are stored.
        settings: ``sync_concurrency``, ``related_depth``, ``related_limit``, fetch limits.
        fetcher: A shared :class:`Fetcher` (the app's); one is opened and closed otherwise.
        progress: Called with a :class:`SyncProgress` after each source and each related page
            prefetched; ``total`` grows as related links are found (``done`` ≤ ``total``).
        concurrency: Overrides ``settings.sync_concurrency`` (HTTP requests in flight).
        only: Refresh just these subscriptions (a feed just added), no saved URL. Only a
            full sync prunes old articles (``settings.keep_days``).
        fetched: Fetch results already in hand, by source URL (a feed just added): used
            instead of fetching that source again.

    Returns:
        The :class:`SyncReport`. A failing source is reported there and never stops the others;
        only a store failure (:class:`~termreader.errors.StoreError`) aborts the sync.
    """
    settings = settings or Settings()
    started = time.monotonic()
    concurrency = max(1, concurrency or settings.sync_concurrency)
    async with _fetcher(fetcher, settings, concurrency) as active:
        before = active.requests
        run = SyncRun(library, settings, active, concurrency, progress)
        run.fetched.update(fetched or {})
        subs = library.kv_all(SUBSCRIPTIONS)
        saved = library.kv_all(SAVED_URLS)
        if only is not None:
            subs = {u: r for u, r in subs.items() if u in only}
            saved = {}
        run.total = len(subs) + len(saved)
        run.report.sources = run.total
        if progress is not None:
            progress(SyncProgress(run.total, 0))
        jobs: list[Awaitable[None]] = [run.saved_source(u, r) for u, r in saved.items()]
        jobs += [run.feed_source(u, r) for u, r in subs.items()]
        try:
            await asyncio.gather(*jobs)
            await run.prefetch_related()
        finally:
            run.workers.shutdown(wait=False, cancel_futures=True)
            run.writer.flush()
        run.report.requests = active.requests - before
    if only is None and settings.keep_days > 0:
        from termreader.library.prune import prune

        run.report.pruned = len(prune(library, settings.keep_days).removed)
    run.report.elapsed = time.monotonic() - started
    return run.report


def sync_blocking(
    library: Library,
    settings: Settings | None = None,
    *,
    progress: ProgressCallback | None = None,
    concurrency: int | None = None,
) -> SyncReport:
    """:func:`sync` for synchronous callers (the CLI)."""
    return asyncio.run(sync(library, settings, progress=progress, concurrency=concurrency))


# --- adding a feed ------------------------------------------------------------------------------------
@dataclass(slots=True)
class FeedAdded:
    """What adding a feed did (``termreader add FEED``, or "subscribe" in the reader)."""

    title: str
    url: str
    """The feed's URL once subscribed, else the file it was read from."""
    added: int = 0
    subscribed: bool = True
    failed: str = ""
    """Why the first sync of the feed failed ("" when it did not)."""

    def summary(self) -> str:
        """One line: what the feed is and what was done."""
        title = clean_line(self.title) or clean_line(self.url)
        new = f"{self.added} new article" + ("" if self.added == 1 else "s")
        if not self.subscribed:
            return f"feed: {title} — {new} imported from the file (not subscribed: a file is not refreshed)"
        if self.failed:
            return f"feed: {title} — subscribed; first sync failed: {clean_line(self.failed)}"
        return f"feed: {title} — subscribed; {new}"


async def subscribe_and_sync(
    library: Library,
    url: str,
    *,
    settings: Settings | None = None,
    fetcher: Fetcher | None = None,
    fetched: FetchResult | None = None,
) -> FeedAdded:
    """Subscribe to the feed at ``url`` (or that its page advertises) and sync just that feed.

    ``fetched``: ``url``'s fetch result when the caller has it (``add`` fetched it to find it
    is a feed); the feed is then downloaded once in all, not once more to subscribe and again
    to sync.
    """
    settings = settings or Settings()
    async with _fetcher(fetcher, settings) as active:
        feed_url, feed, result = await _find_feed(active, url, fetched)
        subscription = add_subscription(library, feed_url, feed.title)
        report = await sync(
            library,
            settings,
            fetcher=active,
            only=(subscription.url,),
            fetched={subscription.url: result},
        )
    return FeedAdded(
        title=subscription.title,
        url=subscription.url,
        added=report.added,
        failed="; ".join(reason for _, reason in report.failed),
    )


def subscribe_and_sync_blocking(
    library: Library,
    url: str,
    *,
    settings: Settings | None = None,
    fetched: FetchResult | None = None,
) -> FeedAdded:
    """:func:`subscribe_and_sync` for synchronous callers (the CLI's ``add``)."""
    return asyncio.run(subscribe_and_sync(library, url, settings=settings, fetched=fetched))


def import_feed_file(library: Library, path: str) -> FeedAdded:
    """Take a local feed file's entries as articles once, from the file alone (no network).

    A subscription is a URL that sync fetches again; a file has none, so nothing is
    subscribed. Each entry becomes an article from its own content, like a feed entry whose
    page cannot be fetched; entries already in the library are left as they are, so adding the
    same file twice adds nothing.
    """
    from termreader import importers

    try:
        with open(path, "rb") as handle:
            data = handle.read(importers.MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        raise ImportFailed(f"{clean_line(path)}: cannot read ({error.strerror or error})") from None
    if len(data) > importers.MAX_DOCUMENT_BYTES:
        raise ImportFailed(f"{clean_line(path)}: too large, not imported")
    feed = parse_feed(data, "")
    known = set(library.ids())
    articles: list[Article] = []
    for entry in feed.entries[:MAX_NEW_PER_FEED]:
        if not (entry.content_html or entry.summary_html or entry.title):
            continue
        try:
            article = importers.import_bytes(
                entry_document(entry, feed),
                url=entry.link,
                content_type="text/html; charset=utf-8",
                source=feed.title,
            )
        except ImportFailed as error:
            log.debug("feed entry %s not imported: %s", entry.id, error, exc_info=True)
            continue
        as_entry(article, entry, feed, path)
        if article.id not in known:
            known.add(article.id)
            articles.append(article)
    stored = store_articles(library, articles)
    return FeedAdded(title=feed.title, url=path, added=len(stored), subscribed=False)
