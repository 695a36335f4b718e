"""The Google Reader API as FreshRSS (and Inoreader, The Old Reader, Miniflux...) serves it:
``ClientLogin`` for a token, ``stream/contents`` for entries, ``stream/items/ids`` for read and
starred state, ``edit-tag`` (with a write token) for changes, many ids per request.

Item ids come in two forms: long hex in entries (``tag:google.com,2005:reader/item/<16 hex>``)
and decimal in id lists (signed 64-bit on some servers). Both are kept as unsigned decimal.
"""

from __future__ import annotations

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
    batched,
)

READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"
LONG_ID = "tag:google.com,2005:reader/item/"
PAGE = 200
IDS_PAGE = 10_000
EDIT_BATCH = 250
_TAGS = {
    "read": ("a", READ),
    "unread": ("r", READ),
    "star": ("a", STARRED),
    "unstar": ("r", STARRED),
}


def item_id(raw: Any) -> str:
    """An item id in either form as unsigned decimal ("" when it is neither)."""
    text = str(raw or "").strip()
    if text.startswith(LONG_ID):
        try:
            return str(int(text[len(LONG_ID) :], 16))
        except ValueError:
            return ""
    try:
        value = int(text)
    except ValueError:
        return ""
    return str(value + (1 << 64) if value < 0 else value)


def _crawled(item: dict[str, Any]) -> int:
    """When the server took the item in, in seconds: what ``ot`` compares with (FreshRSS's
    item ids are that time in microseconds). The publication date is only a fallback: an old
    entry of a feed subscribed today is crawled today."""
    for key, scale in (("crawlTimeMsec", 1000), ("timestampUsec", 1_000_000), ("published", 1)):
        try:
            value = int(item.get(key) or 0) // scale
        except (TypeError, ValueError):
            continue
        if value > 0:
            return value
    return 0


class GReader:
    """A Google Reader API endpoint (FreshRSS: ``https://host/api/greader.php``)."""

    def __init__(self, api: Api, user: str, password: str) -> None:
        self.api = api
        self.user = user
        self.password = password
        self.auth = ""
        self.token = ""

    async def aclose(self) -> None:
        await self.api.aclose()

    async def _login(self) -> dict[str, str]:
        if not self.auth:
            response = await self.api.call(
                "POST",
                "/accounts/ClientLogin",
                data={"Email": self.user, "Passwd": self.password},
            )
            for line in response.text.splitlines():
                if line.startswith("Auth="):
                    self.auth = line[5:].strip()
            if not self.auth:
                raise AuthFailed(f"{self.api.host} gave no login token (is the URL the API's?)")
        return {"Authorization": f"GoogleLogin auth={self.auth}"}

    async def _get(self, path: str, params: list[tuple[str, Any]]) -> Any:
        headers = await self._login()
        response = await self.api.call("GET", path, params=params, headers=headers)
        return self.api.json_of(response)

    async def feeds(self) -> list[RemoteFeed]:
        data = await self._get("/reader/api/0/subscription/list", [("output", "json")])
        subs = data.get("subscriptions") if isinstance(data, dict) else None
        if not isinstance(subs, list):
            raise AccountError(f"{self.api.host} did not answer like a Google Reader API")
        return [
            RemoteFeed(
                id=str(s.get("id")),
                title=str(s.get("title") or ""),
                url=str(s.get("url") or ""),
                site_url=str(s.get("htmlUrl") or ""),
            )
            for s in subs
            if isinstance(s, dict)
        ]

    @staticmethod
    def _entry(item: dict[str, Any]) -> RemoteEntry | None:
        rid = item_id(item.get("id"))
        if not rid:
            return None
        link = ""
        for key in ("canonical", "alternate"):
            links = item.get(key)
            if isinstance(links, list) and links and isinstance(links[0], dict):
                link = str(links[0].get("href") or "")
                if link:
                    break
        body = item.get("content") or item.get("summary") or {}
        categories = {str(c) for c in item.get("categories") or []}
        # FreshRSS writes "user/<name>/state/..." as well as "user/-/state/...".
        states = {c.rsplit("/state/", 1)[-1] for c in categories if "/state/" in c}
        try:
            published: datetime | None = datetime.fromtimestamp(int(item["published"]), UTC)
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            published = None
        return RemoteEntry(
            id=rid,
            feed_id=str((item.get("origin") or {}).get("streamId") or ""),
            title=str(item.get("title") or ""),
            url=link,
            author=str(item.get("author") or ""),
            html=str(body.get("content") or "") if isinstance(body, dict) else "",
            published=published,
            unread="com.google/read" not in states,
            starred="com.google/starred" in states,
        )

    async def entries_since(self, mark: str) -> AsyncIterator[tuple[list[RemoteEntry], str]]:
        since = int(mark) if mark.isdigit() else 0
        newest = since
        continuation = ""
        while True:
            params: list[tuple[str, Any]] = [("output", "json"), ("n", PAGE), ("r", "o")]
            if since:
                params.append(("ot", since))
            if continuation:
                params.append(("c", continuation))
            data = await self._get(f"/reader/api/0/stream/contents/{READING_LIST}", params)
            items = data.get("items") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise AccountError(f"{self.api.host} did not answer like a Google Reader API")
            entries = [e for e in (self._entry(i) for i in items if isinstance(i, dict)) if e]
            for item in items:
                newest = max(newest, _crawled(item))
            if entries:
                # Taken again from one second before the newest stored: ids are de-duplicated.
                yield entries, str(max(since, newest - 1))
            continuation = str(data.get("continuation") or "")
            if not continuation or not items:
                return

    async def _ids(self, stream: str, exclude: str = "") -> set[str]:
        found: set[str] = set()
        continuation = ""
        while True:
            params: list[tuple[str, Any]] = [("output", "json"), ("s", stream), ("n", IDS_PAGE)]
            if exclude:
                params.append(("xt", exclude))
            if continuation:
                params.append(("c", continuation))
            data = await self._get("/reader/api/0/stream/items/ids", params)
            refs = data.get("itemRefs") if isinstance(data, dict) else None
            for ref in refs or []:
                if isinstance(ref, dict) and (rid := item_id(ref.get("id"))):
                    found.add(rid)
            continuation = str((data or {}).get("continuation") or "")
            if not continuation or not refs:
                return found

    async def state(self, mark: str) -> RemoteState:
        return RemoteState(
            full=True,
            unread=await self._ids(READING_LIST, exclude=READ),
            starred=await self._ids(STARRED),
        )

    def state_mark(self, mark: str) -> str:
        return ""  # the state comes whole each time

    async def send(self, changes: list[Change]) -> list[Change]:
        headers = await self._login()
        if not self.token:
            response = await self.api.call("GET", "/reader/api/0/token", headers=headers)
            self.token = response.text.strip()
        acked: list[Change] = []
        for action, (verb, tag) in _TAGS.items():
            for batch in batched([c for c in changes if c.action == action], EDIT_BATCH):
                form = {"T": self.token, verb: tag, "i": [c.rid for c in batch]}
                await self.api.call("POST", "/reader/api/0/edit-tag", data=form, headers=headers)
                acked.extend(batch)
        return acked
