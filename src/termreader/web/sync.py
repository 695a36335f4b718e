"""Subscriptions, saved URLs and ``sync``: refresh every source concurrently for offline reading.

State lives in small tables of the library (:meth:`Library.kv_get` and friends):

``subscriptions``: feed URL → ``{title, added, last_sync, last_error}``
``saved_urls``:    page URL → ``{title, added, last_sync, last_error, stored}`` (pages saved by
                   URL; once ``stored``, removing the article from the library ends its refreshes)
``http``:          URL → ``{etag, last_modified}`` (validators for conditional GETs)
``feed_entries``:  feed URL → ``{keys, marks}``: the entries of the feed already taken, so an
                   article the reader removed does not come back when the feed changes, and each
                   one's :func:`entry_mark`, so an entry the feed changes is imported again

Articles fetched only because another article lists them as related carry the tag
:data:`PREFETCHED_TAG`: they read offline and are found by URL, but the reader did not ask for
them, so ``termreader list`` hides them unless given ``--all``.

Fetches overlap on one event loop; feed parsing and page extraction (pure, CPU-bound) run in one
worker thread so the loop stays responsive; every store read and write happens on the loop's
thread, so TinyDB is never touched from two threads. In the app, run :func:`sync` as an async
worker on the app's own loop (``@work(exclusive=True)`` on a coroutine, not ``thread=True``),
passing a ``progress`` callback; the CLI uses :func:`sync_blocking`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import html
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from termreader import importers
from termreader.config import Settings
from termreader.errors import FetchError, ImportFailed, LinkRefused, TermreaderError
from termreader.library.ingest import render_form_or_none, store_article, store_articles
from termreader.library.store import Library
from termreader.models import PREFETCHED_TAG, Article, article_id, now
from termreader.text.sanitize import clean_line
from termreader.web.feeds import Entry, Feed, discover_feeds, parse_feed
from termreader.web.fetch import Fetcher, FetchResult
from termreader.web.linkpolicy import check_web_link

SUBSCRIPTIONS = "subscriptions"
SAVED_URLS = "saved_urls"
HTTP = "http"
SEEN = "feed_entries"

FULL_TEXT_CHARS = 1500
"""Feed content shorter than this (as text) is taken for a summary: the page is fetched instead."""
MAX_NEW_PER_FEED = 200
"""New entries taken from one feed in one sync (a first sync of a huge feed stays bounded)."""
BATCH = 50
"""Articles gathered before one :meth:`Library.add_many` (one index write)."""

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
        }

    def summary(self) -> str:
        """One line for the terminal."""
        text = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed"
        )
        if self.prefetched:
            text += f", {self.prefetched} related prefetched"
        return text


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
    result = await fetcher.fetch(url)
    assert result.data is not None
    try:
        return result.url, parse_feed(result.data, result.url, result.content_type_header)
    except ImportFailed as not_a_feed:
        candidates = discover_feeds(_text(result), result.url)
        if not candidates:
            raise ImportFailed(f"no feed found at {clean_line(url)}: {not_a_feed}") from None
    errors: list[str] = []
    for candidate in candidates[:5]:
        try:
            found = await fetcher.fetch(candidate)
            assert found.data is not None
            return found.url, parse_feed(found.data, found.url, found.content_type_header)
        except (FetchError, ImportFailed, LinkRefused) as error:
            errors.append(f"{candidate}: {error}")
    raise ImportFailed(f"the feeds {clean_line(url)} advertises failed: {'; '.join(errors)}")


def _text(result: FetchResult) -> str:
    assert result.data is not None
    try:
        from termreader.text.charset import decode

        return decode(result.data, content_type=result.content_type_header)[0]
    except Exception:  # noqa: BLE001 - discovery only needs the <head>
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
def import_result(result: FetchResult, *, source: str = "") -> Article:
    """Turn a fetched page into an article (the importers decode and extract)."""
    assert result.data is not None
    return importers.import_bytes(
        result.data, url=result.url, content_type=result.content_type_header, source=source
    )


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
    :data:`PREFETCHED_TAG` off.
    """
    url = check_web_link(url).split("#", 1)[0]
    async with _fetcher(fetcher, settings) as active:
        result = await active.fetch(url)
    article = import_result(result)
    url = clean_line(article.url or result.url).split("#", 1)[0] or url
    article = _with_url(article, url)
    existing = library.by_url(url)
    if existing is not None:
        article.id = existing.id
    stored = store_article(library, article)
    stamp = now().isoformat()
    previous = library.kv_get(SAVED_URLS, url) or {}
    library.kv_put(
        SAVED_URLS,
        url,
        {
            "title": stored.title,
            "added": previous.get("added") or stamp,
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


def _with_url(article: Article, url: str) -> Article:
    """Key the article by the URL we know it by (the entry link, not the redirect target)."""
    url = clean_line(url)
    if url and article.url != url:
        article.url = url
        article.id = article_id(url)
    return article


# --- sync -------------------------------------------------------------------------------------------
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
    rebuilt with every date set to "now" (see :meth:`_Run.entries`).
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


class _Run:
    """One sync: shared fetcher, bounded concurrency, pending writes, the report."""

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
        # The semaphore wraps single HTTP requests, not whole sources: a feed waiting for its
        # entries' pages must not hold a slot those pages need (that would deadlock).
        self.slots = asyncio.Semaphore(max(1, concurrency))
        per_host = int(getattr(settings, "sync_per_host", 0) or 0)
        self.per_host = per_host if 0 < per_host < concurrency else 0  # 0: no separate cap
        self.hosts: dict[str, asyncio.Semaphore] = {}
        self.progress = progress
        self.report = SyncReport()
        self.validators = library.kv_all(HTTP)
        self.seen = library.kv_all(SEEN)
        self.pending: list[Article] = []
        self.forms: dict[str, bytes] = {}  # body -> render form, prepared off the loop
        self.pending_kv: dict[str, dict[str, dict[str, Any]]] = {}
        self.store_failed = False
        self.claimed: set[str] = set()  # URLs already taken by this run (entries, related)
        self.fresh: list[Article] = []  # added/updated articles, for related prefetching
        # One worker: extraction is CPU-bound Python, so more threads only fight over the GIL.
        self.workers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="termreader-sync")
        self.total = 0
        self.done = 0
        self._ids: set[str] | None = None

    def known_ids(self) -> set[str]:
        if self._ids is None:
            self._ids = _ids(self.library)
        return self._ids

    # fetching --------------------------------------------------------------------------------
    async def get(self, url: str, *, conditional: bool = False) -> FetchResult:
        validators = self.validators.get(url, {}) if conditional else {}
        # The host's slot first: a request waiting for its host must not hold a global slot.
        async with self.host_slot(url), self.slots:
            return await self.fetcher.fetch(
                url, etag=validators.get("etag"), last_modified=validators.get("last_modified")
            )

    def host_slot(self, url: str) -> contextlib.AbstractAsyncContextManager[Any]:
        """The per-host cap (``Settings.sync_per_host``) for ``url``; a no-op when off."""
        if not self.per_host:
            return contextlib.nullcontext()
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        slot = self.hosts.get(host)
        if slot is None:
            slot = self.hosts[host] = asyncio.Semaphore(self.per_host)
        return slot

    async def cpu(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run parsing/extraction in a worker thread: pure functions, no store access.

        The event loop keeps issuing requests meanwhile, and an app running the sync on its
        own loop stays responsive. Store writes never leave the loop thread.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.workers, functools.partial(func, *args, **kwargs))

    async def imported(self, func: Callable[..., Article], *args: Any, **kwargs: Any) -> Article:
        """Import in a worker thread, and prepare the article's render form there too, so
        :meth:`flush` only writes it (parsing 400 articles on the loop held fetches up ~1 s)."""
        article = await self.cpu(func, *args, **kwargs)
        form = await self.cpu(render_form_or_none, article.body)
        if form is not None:
            self.forms[article.body] = form
        return article

    # writes ----------------------------------------------------------------------------------
    def queue_kv(self, table: str, key: str, value: dict[str, Any]) -> None:
        self.pending_kv.setdefault(table, {})[key] = value

    def queue(self, articles: Iterable[Article], status: str) -> None:
        for article in articles:
            self.pending.append(article)
            if status == "added":
                self.report.added += 1
            elif status == "updated":
                self.report.updated += 1
            elif status == "prefetched":
                self.report.prefetched += 1
            if status in ("added", "updated"):
                self.fresh.append(article)
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
        put_many = getattr(self.library, "kv_put_many", None)
        for table, values in kv.items():
            if put_many is not None:
                put_many(table, values)
            else:
                for key, value in values.items():
                    self.library.kv_put(table, key, value)

    # sources ---------------------------------------------------------------------------------
    def finished(self, source: str, ok: bool, message: str = "") -> None:
        self.done += 1
        self.tell(source, ok, message)

    def tell(self, source: str = "", ok: bool = True, message: str = "") -> None:
        if self.progress is not None:
            try:
                self.progress(SyncProgress(self.total, self.done, source, ok, message))
            except Exception:  # noqa: BLE001 - a broken display must not break the sync
                pass

    def record_source(
        self, table: str, url: str, record: dict[str, Any], error: str, title: str = ""
    ) -> None:
        record = dict(record)
        record["last_sync"] = now().isoformat()
        record["last_error"] = error
        if title:
            record["title"] = title
        self.queue_kv(table, url, record)

    def fail(self, table: str, url: str, record: dict[str, Any], error: TermreaderError) -> None:
        reason = str(error)
        self.report.failed.append((url, reason))
        self.record_source(table, url, record, reason)
        self.finished(url, False, reason)

    def remember_validators(self, url: str, result: FetchResult) -> None:
        if result.etag or result.last_modified:
            value = {"etag": result.etag, "last_modified": result.last_modified}
            if self.validators.get(url) != value:
                self.queue_kv(HTTP, url, value)

    async def feed_source(self, url: str, record: dict[str, Any]) -> None:
        try:
            result = await self.get(url, conditional=True)
            if result.not_modified:
                self.report.unchanged += 1
                self.record_source(SUBSCRIPTIONS, url, record, "")
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
        self.record_source(SUBSCRIPTIONS, url, record, "", title=feed.title)
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
        return (ident, False) if ident in self.known_ids() else None

    def same_as_stored(self, article: Article) -> bool:
        """True when the library holds ``article`` already with this title and body."""
        try:
            old = self.library.get(article.id)
        except TermreaderError:
            return False
        return old.body == article.body and old.title == article.title

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
            elif not self.same_as_stored(article):
                updated.append(article)
        # Only the current feed's entries: the record stays as small as the feed.
        if set(taken) != seen or marks != before:
            self.queue_kv(SEEN, source, {"keys": taken, "marks": marks})
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
        if entry.link:
            _with_url(article, entry.link)
        else:
            article.url = ""
            article.id = article_id(f"{feed.url}#{entry.id}")
        if entry.title:
            article.title = entry.title
        if entry.published and article.published is None:
            article.published = entry.published
        article.source = feed.title or article.source
        return article

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
                self.record_source(SAVED_URLS, url, record, "")
                self.finished(url, True, "not modified")
                return
            article = _with_url(await self.imported(import_result, result), url)
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
            status = "unchanged" if self.same_as_stored(article) else "updated"
        self.claimed.add(url)
        self.record_source(SAVED_URLS, url, dict(record, stored=True), "", title=article.title)
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
            article = _with_url(
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


def _ids(library: Library) -> set[str]:
    ids = getattr(library, "ids", None)
    if callable(ids):
        return set(ids())
    return {a.id for a in library.list()}


async def sync(
    library: Library,
    settings: Settings | None = None,
    *,
    fetcher: Fetcher | None = None,
    progress: ProgressCallback | None = None,
    concurrency: int | None = None,
) -> SyncReport:
    """Refresh every subscription and saved URL concurrently; prefetch related articles.

    Args:
        library: Where articles and sync state are stored.
        settings: ``sync_concurrency``, ``related_depth``, ``related_limit``, fetch limits.
        fetcher: A shared :class:`Fetcher` (the app's); one is opened and closed otherwise.
        progress: Called with a :class:`SyncProgress` after each source and each related page
            prefetched; ``total`` grows as related links are found (``done`` ≤ ``total``).
        concurrency: Overrides ``settings.sync_concurrency`` (HTTP requests in flight).

    Returns:
        The :class:`SyncReport`. A failing source is reported there and never stops the others;
        only a store failure (:class:`~termreader.errors.StoreError`) aborts the sync.
    """
    settings = settings or Settings()
    started = time.monotonic()
    concurrency = max(1, concurrency or settings.sync_concurrency)
    async with _fetcher(fetcher, settings, concurrency) as active:
        before = active.requests
        run = _Run(library, settings, active, concurrency, progress)
        subs = library.kv_all(SUBSCRIPTIONS)
        saved = library.kv_all(SAVED_URLS)
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
            run.flush()
        run.report.requests = active.requests - before
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
