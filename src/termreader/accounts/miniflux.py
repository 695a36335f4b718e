"""Miniflux's REST API: an API token (``X-Auth-Token``) or basic auth; entries by
``after_entry_id``; read state changed since a time by ``changed_after``; read/unread for many
entries in one ``PUT /v1/entries``; star by ``PUT /v1/entries/{id}/bookmark``, which toggles, so
the entry's current star is looked at first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from termreader.accounts.http import Api
from termreader.accounts.kinds import (
    AccountError,
    Change,
    RemoteEntry,
    RemoteFeed,
    RemoteState,
    batched,
)

PAGE = 250
AT_ONCE = 8
SLACK = 1
"""Seconds taken back from the newest ``changed_at`` seen (the server's clock, to the second):
changes seen twice are harmless, a change missed is not."""


def _stamp(value: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class Miniflux:
    """A Miniflux server (the URL is the server's root, without ``/v1``)."""

    def __init__(self, api: Api, user: str, secret: str) -> None:
        self.api = api
        if user:
            self.auth: tuple[str, str] | None = (user, secret)
            self.headers: dict[str, str] = {}
        else:
            self.auth = None
            self.headers = {"X-Auth-Token": secret}
        self.newest_change = 0.0
        """The newest ``changed_at`` seen in any answer: where the next state fetch starts."""

    async def aclose(self) -> None:
        await self.api.aclose()

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = await self.api.call(
            "GET", path, params=params, headers=self.headers, auth=self.auth
        )
        return self.api.json_of(response)

    async def _put(self, path: str, body: Any = None, ok: tuple[int, ...] = ()) -> int:
        response = await self.api.call(
            "PUT", path, body=body, headers=self.headers, auth=self.auth, ok=ok
        )
        return response.status_code

    async def feeds(self) -> list[RemoteFeed]:
        data = await self._get("/v1/feeds")
        if not isinstance(data, list):
            raise AccountError(f"{self.api.host} did not answer like Miniflux")
        return [
            RemoteFeed(
                id=str(f.get("id")),
                title=str(f.get("title") or ""),
                url=str(f.get("feed_url") or ""),
                site_url=str(f.get("site_url") or ""),
            )
            for f in data
            if isinstance(f, dict)
        ]

    def _entry(self, item: dict[str, Any]) -> RemoteEntry:
        self._saw(item)
        stamp = _stamp(item.get("published_at"))
        return RemoteEntry(
            id=str(int(item["id"])),
            feed_id=str(item.get("feed_id") or (item.get("feed") or {}).get("id") or ""),
            title=str(item.get("title") or ""),
            url=str(item.get("url") or ""),
            author=str(item.get("author") or ""),
            html=str(item.get("content") or ""),
            published=datetime.fromtimestamp(stamp, UTC) if stamp else None,
            unread=item.get("status") == "unread",
            starred=bool(item.get("starred")),
        )

    async def _entries(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        data = await self._get("/v1/entries", params)
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise AccountError(f"{self.api.host} did not answer like Miniflux")
        return [e for e in entries if isinstance(e, dict) and str(e.get("id", "")).isdigit()]

    async def entries_since(self, mark: str) -> AsyncIterator[tuple[list[RemoteEntry], str]]:
        after = int(mark) if mark.isdigit() else 0
        while True:
            items = await self._entries(
                {"after_entry_id": after, "order": "id", "direction": "asc", "limit": PAGE}
            )
            entries = [self._entry(i) for i in items if i.get("status") != "removed"]
            ids = [int(i["id"]) for i in items]
            if not ids or max(ids) <= after:
                return
            after = max(ids)
            yield entries, str(after)
            if len(items) < PAGE:
                return

    def _saw(self, item: dict[str, Any]) -> None:
        stamp = _stamp(item.get("changed_at"))
        if stamp is not None and stamp > self.newest_change:
            self.newest_change = stamp

    def state_mark(self, mark: str) -> str:
        if not self.newest_change:
            return mark
        return str(max(int(mark) if mark.isdigit() else 0, int(self.newest_change) - SLACK))

    async def state(self, mark: str) -> RemoteState:
        if not mark:
            # First sync: the entries bring their own state; changes are followed from the
            # newest of theirs on (see state_mark).
            return RemoteState(full=False)
        changes: dict[str, dict[str, bool]] = {}
        offset = 0
        while True:
            items = await self._entries(
                {"changed_after": mark, "order": "id", "limit": PAGE, "offset": offset}
            )
            for item in items:
                self._saw(item)
                changes[str(int(item["id"]))] = {
                    "unread": item.get("status") == "unread",
                    "starred": bool(item.get("starred")),
                }
            if len(items) < PAGE:
                break
            offset += PAGE
        return RemoteState(full=False, changes=changes)

    async def send(self, changes: list[Change]) -> list[Change]:
        acked: list[Change] = []
        for status in ("read", "unread"):
            mine = [c for c in changes if c.action == status]
            for batch in batched(mine, PAGE):
                ids = [int(c.rid) for c in batch if c.rid.isdigit()]
                await self._put("/v1/entries", {"entry_ids": ids, "status": status})
                acked.extend(batch)
        slots = asyncio.Semaphore(AT_ONCE)

        async def star(change: Change) -> Change:
            async with slots:
                try:
                    entry = await self._get(f"/v1/entries/{int(change.rid)}")
                except AccountError as error:
                    if "HTTP 404" in str(error):
                        return change  # gone from the server: nothing to star
                    raise
                if bool(entry.get("starred")) != (change.action == "star"):
                    await self._put(f"/v1/entries/{int(change.rid)}/bookmark")
                return change

        stars = [c for c in changes if c.action in ("star", "unstar") and c.rid.isdigit()]
        done = await asyncio.gather(*(star(c) for c in stars), return_exceptions=True)
        acked.extend(c for c in done if isinstance(c, Change))
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome
        return acked
