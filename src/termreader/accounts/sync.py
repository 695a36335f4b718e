"""``sync`` for accounts: send the queued changes, take the server's read and starred state, pull
new entries (full content for offline reading, the page fetched when an entry has only a
summary, exactly as a feed's entries are), for each account in turn.

Order of writes, so a crash (even SIGKILL) loses and duplicates nothing:

1. Changes go out in batches; after each batch the acknowledged state is recorded as agreed
   (see :mod:`termreader.accounts.queue`). Killed before that record: sent again, harmlessly.
2. The server's state is taken for entries with no unsent local change: local state first, then
   the agreed record. Killed in between: the next sync sends the server its own state back.
3. Each page of new entries: articles stored (ids come from the entry's URL, so a page taken
   twice stores nothing twice), then their state, then their entry records, then the account's
   mark. Killed before the mark: the page is taken again; an article already stored whose state
   is still the default takes the server's state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from termreader.accounts import queue, registry
from termreader.accounts.clients import make_client
from termreader.accounts.entries import content_article
from termreader.accounts.kinds import (
    AccountError,
    Change,
    RemoteEntry,
    RemoteFeed,
    RemoteState,
    ServerKind,
    batched,
)
from termreader.accounts.registry import ENTRIES, FEEDS, Account
from termreader.config import Settings
from termreader.errors import LinkRefused, TermreaderError
from termreader.library.store import Library
from termreader.models import Article, now
from termreader.text.sanitize import clean_line
from termreader.web.feeds import Entry, Feed
from termreader.web.fetch import Fetcher
from termreader.web.linkpolicy import check_web_link
from termreader.web.sync_run import SyncRun, needs_full_text

log = logging.getLogger(__name__)

STORE_BATCH = 1000
"""New entries gathered before one write: each write of the index is a rewrite of it, so a
big first sync writes it a few times, not once per page."""
SEND_BATCH = 250
"""Queued entries sent before their acknowledged state is recorded."""


@dataclass(slots=True)
class AccountReport:
    """What one account's sync did."""

    name: str
    kind: str
    added: int = 0
    updated: int = 0
    sent: int = 0
    received: int = 0
    feeds: int = 0
    waiting: int = 0
    """Changes still waiting to be sent after the sync."""
    error: str = ""
    elapsed: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``sync --json``)."""
        return {
            "account": self.name,
            "kind": self.kind,
            "added": self.added,
            "updated": self.updated,
            "sent": self.sent,
            "received": self.received,
            "feeds": self.feeds,
            "waiting": self.waiting,
            "error": clean_line(self.error) or None,
            "elapsed": round(self.elapsed, 3),
        }

    def summary(self) -> str:
        """One line for the terminal."""
        if self.error:
            return f"account {self.name}: {clean_line(self.error)}"
        return (
            f"account {self.name}: {self.added} added, {self.updated} updated, "
            f"{self.sent} changes sent, {self.received} received"
            + (f", {self.waiting} waiting" if self.waiting else "")
        )


def _apply(record: dict[str, Any], change: Change) -> None:
    if change.action in ("read", "unread"):
        record["u"] = change.action == "unread"
    else:
        record["s"] = change.action == "star"


class LazyFetcher:
    """The page fetcher, opened only when an entry needs its page (a sync with nothing new
    never pays for one)."""

    def __init__(self, given: Fetcher | None, settings: Settings) -> None:
        self.given = given
        self.settings = settings
        self.own: Fetcher | None = None

    async def __call__(self) -> Fetcher:
        if self.given is not None:
            return self.given
        if self.own is None:
            self.own = Fetcher(self.settings)
        return self.own

    async def aclose(self) -> None:
        if self.own is not None:
            await self.own.aclose()


class AccountRun:
    """One account's sync (see the module's docstring for the order of writes)."""

    def __init__(
        self,
        library: Library,
        account: Account,
        client: ServerKind,
        settings: Settings,
        fetcher: LazyFetcher,
        report: AccountReport,
    ) -> None:
        self.library = library
        self.account = account
        self.client = client
        self.settings = settings
        self.fetcher = fetcher
        self.report = report
        name = account.name
        self.entries = {k: v for k, v in library.kv_all(ENTRIES).items() if v.get("a") == name}

    async def run(self) -> None:
        await self.send()
        state = await self.take_state()
        feeds = await self.client.feeds()
        self.report.feeds = len(feeds)
        known = {
            k: v
            for k, v in self.library.kv_all(FEEDS).items()
            if v.get("account") == self.account.name
        }
        listed = {
            f"{self.account.name} {f.id}": {
                "account": self.account.name,
                "title": clean_line(f.title)[:300],
                "url": clean_line(f.url),
            }
            for f in feeds
        }
        changed = {k: v for k, v in listed.items() if known.get(k) != v}
        if changed:
            self.library.kv_put_many(FEEDS, changed)
        await self.pull(feeds, state)
        self.account.state_mark = self.client.state_mark(self.account.state_mark)

    # 1. the queue -------------------------------------------------------------------------------
    async def send(self) -> None:
        for batch in batched(queue.pending(self.library, None, self.entries), SEND_BATCH):
            changes = [c for p in batch for c in p.changes()]
            acked = set(await self.client.send(changes))
            updates: dict[str, dict[str, Any]] = {}
            for item in batch:
                record = dict(item.record)
                for change in item.changes():
                    if change in acked:
                        _apply(record, change)
                if record != item.record:
                    updates[item.article_id] = record
            self.library.kv_put_many(ENTRIES, updates)
            self.entries.update(updates)
            self.report.sent += len(acked)

    # 2. the server's state ------------------------------------------------------------------------
    async def take_state(self) -> RemoteState:
        state = await self.client.state(self.account.state_mark)
        local = self.library.states(self.entries)
        mine: dict[str, dict[str, bool]] = {}
        updates: dict[str, dict[str, Any]] = {}
        for key, record in self.entries.items():
            server = state.of(str(record.get("r", "")))
            if server is None or key not in local:
                continue
            agreed = queue.agreed(record)
            if local[key] != agreed or server == agreed:
                continue  # an unsent local change wins; or nothing new
            self.report.received += sum(1 for f in ("unread", "starred") if server[f] != agreed[f])
            mine[key] = server
            updates[key] = dict(record, u=server["unread"], s=server["starred"])
        self.library.set_states(mine)
        self.library.kv_put_many(ENTRIES, updates)
        self.entries.update(updates)
        return state

    # 3. new entries ---------------------------------------------------------------------------
    async def pull(self, feeds: list[RemoteFeed], state: RemoteState) -> None:
        """Take new entries page by page, stored STORE_BATCH at a time. The next page's
        articles are built in the worker thread while a batch is written (the writes wait on
        fsyncs in this thread, the building is CPU in the other), so the two overlap."""
        by_id = {f.id: f for f in feeds}
        known = {str(r.get("r")) for r in self.entries.values()}
        run: SyncRun | None = None
        ready: list[tuple[RemoteEntry, Article]] = []
        ready_mark: str | None = None
        try:
            async for page, mark in self.client.entries_since(self.account.entries_mark):
                fresh = [e for e in page if e.id not in known]
                known.update(e.id for e in fresh)
                if fresh and run is None:
                    run = SyncRun(
                        self.library,
                        self.settings,
                        await self.fetcher(),
                        max(1, self.settings.sync_concurrency),
                        None,
                    )
                building = asyncio.ensure_future(
                    asyncio.gather(*(self.article(run, e, by_id) for e in fresh if run))
                )
                await asyncio.sleep(0)  # let the page's work reach the worker thread
                if ready_mark is not None and len(ready) >= STORE_BATCH:
                    self.store(ready, ready_mark, state)
                    ready, ready_mark = [], None
                built = await building
                ready.extend((e, a) for e, a in zip(fresh, built, strict=True) if a)
                ready_mark = mark
            if ready_mark is not None:
                self.store(ready, ready_mark, state)
        finally:
            if run is not None:
                run.workers.shutdown(wait=False, cancel_futures=True)

    async def article(
        self, run: SyncRun, entry: RemoteEntry, feeds: dict[str, RemoteFeed]
    ) -> Article | None:
        remote = feeds.get(entry.feed_id)
        feed = Feed(
            title=clean_line(remote.title if remote else "")[:300] or self.account.name,
            url=f"{self.account.url}#feed-{entry.feed_id}",
        )
        link = clean_line(entry.url)
        try:
            link = check_web_link(link).split("#", 1)[0] if link else ""
        except LinkRefused:
            link = ""
        item = Entry(
            id=entry.id,
            title=clean_line(entry.title),
            link=link,
            published=entry.published,
            content_html=entry.html,
            author=clean_line(entry.author),
        )
        try:
            if needs_full_text(item):
                return await run.entry_article(feed, item)
            return await run.cpu(
                content_article,
                entry.html,
                title=item.title,
                link=link,
                source=feed.title,
                published=entry.published,
                where=f"{feed.url}#{entry.id}",
            )
        except TermreaderError as error:
            log.debug("entry %s not taken: %s", entry.id, error, exc_info=True)
            return None

    def store(
        self, pairs: list[tuple[RemoteEntry, Article]], mark: str, state: RemoteState
    ) -> None:
        """Write one page: articles, their state, their entry records, then the mark."""
        if pairs:
            stored = self.library.states(a.id for _, a in pairs)
            new = {a.id: a for _, a in pairs if a.id not in stored}
            # No render form here: the reader makes it on first open (a small entry's takes
            # milliseconds), and writing one per entry would double the sync's file writes.
            self.library.add_many(new.values())
            self.report.added += len(new)
            self.apply_entry_state(pairs, stored, state)
        self.account.entries_mark = mark
        registry.save(self.library, self.account)

    def apply_entry_state(
        self,
        pairs: list[tuple[RemoteEntry, Article]],
        stored: dict[str, dict[str, bool]],
        state: RemoteState,
    ) -> None:
        states: dict[str, dict[str, bool]] = {}
        records: dict[str, dict[str, Any]] = {}
        default = {"unread": True, "starred": False}
        for entry, article in pairs:
            server = state.of(entry.id) if state.full else None
            server = server or {"unread": entry.unread, "starred": entry.starred}
            local = stored.get(article.id)
            if (local is None or local == default) and server != default:
                # New, or stored by a sync killed before its state: the server's state.
                states[article.id] = server
            records[article.id] = {
                "a": self.account.name,
                "r": entry.id,
                "f": entry.feed_id,
                "u": server["unread"],
                "s": server["starred"],
            }
        self.library.set_states(states)
        self.library.kv_put_many(ENTRIES, records)
        self.entries.update(records)


async def sync_account(
    library: Library,
    account: Account,
    settings: Settings | None = None,
    *,
    fetcher: Fetcher | None = None,
    transport: Any = None,
) -> AccountReport:
    """Sync one account. A server failure is reported in :attr:`AccountReport.error` (the
    queue is kept); only a store failure raises."""
    settings = settings or Settings()
    started = time.monotonic()
    report = AccountReport(account.name, account.kind)
    client: ServerKind | None = None
    run: AccountRun | None = None
    active = LazyFetcher(fetcher, settings)
    try:
        client = make_client(
            account.kind,
            account.url,
            account.user,
            registry.password(account),
            settings,
            transport=transport,
        )
        run = AccountRun(library, account, client, settings, active, report)
        await run.run()
        account.last_sync = now().isoformat()
        account.last_error = ""
    except AccountError as error:
        report.error = str(error)
        account.last_error = report.error
    finally:
        if client is not None:
            await client.aclose()
        await active.aclose()
    registry.save(library, account)
    report.waiting = queue.waiting(library, account.name, run.entries if run else None)
    report.elapsed = time.monotonic() - started
    return report


async def check_login(kind: str, url: str, user: str, secret: str, settings: Settings) -> int:
    """Log in to the server and list the account's feeds; returns how many it follows.

    Raises:
        AuthFailed: the server refused the user name, password or token.
        AccountError: the server cannot be reached or answered with an error.
    """
    client = make_client(kind, url, user, secret, settings)
    try:
        return len(await client.feeds())
    finally:
        await client.aclose()


def check_login_blocking(kind: str, url: str, user: str, secret: str, settings: Settings) -> int:
    """:func:`check_login` for synchronous callers (the CLI)."""
    return asyncio.run(check_login(kind, url, user, secret, settings))


async def sync_accounts(
    library: Library,
    settings: Settings | None = None,
    *,
    fetcher: Fetcher | None = None,
    names: tuple[str, ...] | None = None,
    transport: Any = None,
) -> list[AccountReport]:
    """Sync every account (or those named), one after the other."""
    reports = []
    for account in registry.accounts(library):
        if names is None or account.name in names:
            reports.append(
                await sync_account(library, account, settings, fetcher=fetcher, transport=transport)
            )
    return reports


def sync_accounts_blocking(
    library: Library, settings: Settings | None = None, *, names: tuple[str, ...] | None = None
) -> list[AccountReport]:
    """:func:`sync_accounts` for synchronous callers (the CLI)."""
    return asyncio.run(sync_accounts(library, settings, names=names))
