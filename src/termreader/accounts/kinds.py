"""The one small interface every kind of feed server speaks, and what passes through it.

A kind (``fever``, ``miniflux``, ``greader``) lists feeds, fetches entries since a mark, fetches
read and starred state, and sends read/unread/star/unstar changes in batches. Everything else
(what is stored, conflicts, the queue) is the same for all kinds and lives in
:mod:`termreader.accounts.sync`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from termreader.errors import TermreaderError

KINDS = ("fever", "miniflux", "greader")
"""The kinds of server an account can be."""

ACTIONS = ("read", "unread", "star", "unstar")


class AccountError(TermreaderError):
    """A server could not be reached or refused us (one line; never the password)."""


class AuthFailed(AccountError):
    """The server refused the user name, password or token."""


@dataclass(slots=True)
class RemoteFeed:
    """A feed as the server lists it."""

    id: str
    title: str = ""
    url: str = ""
    site_url: str = ""


@dataclass(slots=True)
class RemoteEntry:
    """An entry as the server sends it. ``id`` is the server's own id, as a string in the
    kind's canonical form (FreshRSS's long hex ids are turned into decimal)."""

    id: str
    feed_id: str
    title: str = ""
    url: str = ""
    author: str = ""
    html: str = ""
    published: datetime | None = None
    unread: bool = True
    starred: bool = False


@dataclass(slots=True)
class RemoteState:
    """Read and starred state from the server.

    ``full``: ``unread`` and ``starred`` hold every unread and every starred id the server
    has (Fever, Google Reader); an entry in neither is read and unstarred. Otherwise (Miniflux's
    ``changed_after``) ``changes`` holds only the entries changed since the mark:
    id -> ``{"unread": bool, "starred": bool}``.
    """

    full: bool
    unread: set[str] = field(default_factory=set)
    starred: set[str] = field(default_factory=set)
    changes: dict[str, dict[str, bool]] = field(default_factory=dict)

    def of(self, rid: str) -> dict[str, bool] | None:
        """``{"unread", "starred"}`` of an entry as the server has it, or None when unknown."""
        if self.full:
            return {"unread": rid in self.unread, "starred": rid in self.starred}
        return self.changes.get(rid)


@dataclass(frozen=True, slots=True)
class Change:
    """One local change to send: ``action`` is read, unread, star or unstar."""

    rid: str
    action: str


class ServerKind(Protocol):
    """What each kind of server implements (one instance per sync of one account)."""

    async def feeds(self) -> list[RemoteFeed]:
        """Every feed the account follows."""
        ...

    def entries_since(self, mark: str) -> AsyncIterator[tuple[list[RemoteEntry], str]]:
        """Entries newer than ``mark`` ("" for all), oldest first, in pages: each page comes
        with the mark to store once it is safely kept."""
        ...

    async def state(self, mark: str) -> RemoteState:
        """Read and starred state (all of it, or what changed since ``mark``)."""
        ...

    async def send(self, changes: list[Change]) -> list[Change]:
        """Send changes in batches; returns those the server acknowledged."""
        ...

    def state_mark(self, mark: str) -> str:
        """Where the next :meth:`state` starts, after everything this client saw ("" for kinds
        whose state comes whole)."""
        ...

    async def aclose(self) -> None:
        """Close the HTTP client."""
        ...


def batched(items: list[Any], size: int) -> list[list[Any]]:
    """``items`` in lists of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]
