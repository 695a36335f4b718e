"""The Fever API (served by Miniflux, FreshRSS, Tiny Tiny RSS with its plugin, coldsweat...).

Every call is a POST to the endpoint with ``api`` and the command in the query string and
``api_key`` (md5 of ``user:password``) in the form. Items come 50 at a time from ``since_id``;
state is the full list of unread and saved ids; a change is one ``mark`` call per item (the API
has no batch form), so changes go out several at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from termreader.accounts.http import Api
from termreader.accounts.kinds import (
    AccountError,
    AuthFailed,
    Change,
    RemoteEntry,
    RemoteFeed,
    RemoteState,
)

AT_ONCE = 16
"""``mark`` requests in flight at once."""
_AS = {"read": "read", "unread": "unread", "star": "saved", "unstar": "unsaved"}


def _ids(text: Any) -> set[str]:
    if isinstance(text, list):
        return {str(int(x)) for x in text if str(x).strip().isdigit()}
    return {part.strip() for part in str(text or "").split(",") if part.strip().isdigit()}


def _when(value: Any) -> datetime | None:
    try:
        stamp = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(stamp, UTC) if stamp > 0 else None


class Fever:
    """A Fever endpoint (the URL ends in ``/fever/`` or ``fever.php`` on most servers)."""

    def __init__(self, api: Api, user: str, password: str) -> None:
        self.api = api
        self.key = hashlib.md5(f"{user}:{password}".encode()).hexdigest()  # noqa: S324 - the API's own scheme

    async def aclose(self) -> None:
        await self.api.aclose()

    async def _call(self, query: str, form: dict[str, str] | None = None) -> dict[str, Any]:
        data = {"api_key": self.key, **(form or {})}
        answer = self.api.json_of(await self.api.call("POST", f"?api&{query}", data=data))
        if not isinstance(answer, dict):
            raise AccountError(f"{self.api.host} did not answer like a Fever API")
        if not answer.get("auth"):
            raise AuthFailed(f"{self.api.host} refused the user name or password (Fever auth 0)")
        return answer

    async def feeds(self) -> list[RemoteFeed]:
        answer = await self._call("feeds")
        return [
            RemoteFeed(
                id=str(item.get("id")),
                title=str(item.get("title") or ""),
                url=str(item.get("url") or ""),
                site_url=str(item.get("site_url") or ""),
            )
            for item in answer.get("feeds") or []
            if isinstance(item, dict)
        ]

    async def entries_since(self, mark: str) -> AsyncIterator[tuple[list[RemoteEntry], str]]:
        since = int(mark) if mark.isdigit() else 0
        while True:
            answer = await self._call(f"items&since_id={since}")
            items = [i for i in answer.get("items") or [] if isinstance(i, dict)]
            entries = [self._entry(i) for i in items if str(i.get("id", "")).isdigit()]
            entries = [e for e in entries if int(e.id) > since]
            if not entries:
                return
            entries.sort(key=lambda e: int(e.id))
            since = int(entries[-1].id)
            yield entries, str(since)

    @staticmethod
    def _entry(item: dict[str, Any]) -> RemoteEntry:
        return RemoteEntry(
            id=str(int(item["id"])),
            feed_id=str(item.get("feed_id", "")),
            title=str(item.get("title") or ""),
            url=str(item.get("url") or ""),
            author=str(item.get("author") or ""),
            html=str(item.get("html") or ""),
            published=_when(item.get("created_on_time")),
            unread=not item.get("is_read"),
            starred=bool(item.get("is_saved")),
        )

    async def state(self, mark: str) -> RemoteState:
        answer = await self._call("unread_item_ids&saved_item_ids")
        return RemoteState(
            full=True,
            unread=_ids(answer.get("unread_item_ids")),
            starred=_ids(answer.get("saved_item_ids")),
        )

    def state_mark(self, mark: str) -> str:
        return ""  # the state comes whole each time

    async def send(self, changes: list[Change]) -> list[Change]:
        slots = asyncio.Semaphore(AT_ONCE)

        async def one(change: Change) -> Change | None:
            async with slots:
                form = {"mark": "item", "as": _AS[change.action], "id": change.rid}
                try:
                    await self._call("mark", form)
                except AuthFailed:
                    raise
                except AccountError as error:
                    if "HTTP 404" in str(error):
                        return change  # the server dropped the item: nothing left to mark
                    raise
                return change

        done = await asyncio.gather(*(one(c) for c in changes), return_exceptions=True)
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome
        return [c for c in done if isinstance(c, Change)]
